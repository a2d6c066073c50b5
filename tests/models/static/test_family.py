"""The word2vec / glove families: registry, config, backbone, model dir, TF-Hub module."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family


def test_registered_families():
    word2vec, glove = get_family("word2vec"), get_family("glove")
    assert word2vec.objectives == ("skipgram", "cbow") and glove.objectives == ("glove",)
    assert word2vec.tokenizer_kind == glove.tokenizer_kind == "word"
    assert word2vec.hub_interface.kind == "text_embedding"
    assert word2vec.hub_interface.modules == ("embedding",)
    assert word2vec.resolve_config(None, {"hidden_dim": 8}) == {"hidden_dim": 8,
                                                                 "combiner": "sqrtn"}
    with pytest.raises(TfnlpError, match="combiner must be one of"):
        word2vec.resolve_config(None, {"combiner": "max"})
    with pytest.raises(TfnlpError, match="unknown word2vec model setting"):
        word2vec.resolve_config(None, {"num_layers": 2})
    with pytest.raises(TfnlpError, match="cannot pretrain with objective 'mlm'"):
        word2vec.build_pretrainer(None, "mlm", {}, None)


def test_backbone_outputs_and_pooling(tokenizer, tmp_path):
    import keras

    from tfnlp.models.model_dir import load_model_dir, save_model_dir

    family = get_family("word2vec")
    backbone = family.build_backbone(family.resolve_config("static_tiny"), tokenizer.vocab_size)
    inputs = tokenizer(tf.constant(["the cat eats", "a dog"]))
    outputs = backbone({k: inputs[k] for k in ("token_ids", "padding_mask")})
    table = backbone.embeddings.numpy()
    ids = inputs["token_ids"].numpy()
    np.testing.assert_allclose(outputs["sequence_output"][0, :3], table[ids[0, :3]], rtol=1e-6)
    assert float(np.abs(outputs["sequence_output"][0, 3:]).max()) == 0.0
    np.testing.assert_allclose(outputs["pooled_output"][1],
                               table[ids[1, :2]].sum(0) / np.sqrt(2), rtol=1e-5)
    assert len(outputs["encoder_outputs"]) == 1
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(backbone))
    assert again.get_config() == backbone.get_config()
    assert [name for name, _ in family.layer_groups(backbone)] == ["embeddings"]
    save_model_dir(str(tmp_path / "m"), "word2vec", backbone, tokenizer)
    native = load_model_dir(str(tmp_path / "m"))
    np.testing.assert_array_equal(native.backbone.embeddings.numpy(), table)
    assert native.tokenizer.words == tokenizer.words


@pytest.mark.slow
def test_text_embedding_module_fine_tunes_in_hub_keras_layer(tokenizer, tmp_path):
    from tfnlp.models.static.hub_module import build_text_embedding_module

    family = get_family("word2vec")
    backbone = family.build_backbone(family.resolve_config("static_tiny"), tokenizer.vocab_size)
    assets = tokenizer.save_assets(str(tmp_path / "assets"))
    tokenizer = family.load_tokenizer(assets)
    module = build_text_embedding_module(backbone, tokenizer, num_oov_buckets=7)
    path = str(tmp_path / "module")
    tf.saved_model.save(module, path, signatures=module.signatures_to_save)
    table = backbone.embeddings.numpy()
    cat, dog = tokenizer.words.index("cat"), tokenizer.words.index("dog")
    os.remove(os.path.join(assets, "vocab.txt"))  # the module carries its own copy
    script = textwrap.dedent(f"""
        import numpy as np, tensorflow as tf, tensorflow_text, tensorflow_hub as hub
        import tf_keras
        obj = tf.saved_model.load({path!r})
        out = obj(tf.constant(["The cat", "dog zebrafish", ""])).numpy()
        table = np.load({str(tmp_path / 'table.npy')!r})
        np.testing.assert_allclose(out[0], (table[{tokenizer.words.index('the')}]
                                            + table[{cat}]) / np.sqrt(2), rtol=1e-5)
        np.testing.assert_allclose(out[1], table[{dog}] / np.sqrt(2), rtol=1e-5)  # OOV row 0
        assert not out[2].any()
        tokens = obj.embed_tokens(tf.constant([["cat", ""]])).numpy()
        np.testing.assert_allclose(tokens[0, 0], table[{cat}], rtol=1e-6)
        assert not tokens[0, 1].any()
        assert len(obj.trainable_variables) == 1
        layer = hub.KerasLayer({path!r}, trainable=True)
        text = tf_keras.Input(shape=[], dtype=tf.string)
        model = tf_keras.Model(text, tf_keras.layers.Dense(2)(layer(text)))
        model.compile(tf_keras.optimizers.SGD(0.5),
                      tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        before = layer.trainable_weights[0].numpy().copy()
        model.fit(tf.constant(["the cat eats", "a dog zebrafish"]), np.array([0, 1]),
                  epochs=1, verbose=0)
        after = layer.trainable_weights[0].numpy()
        moved = np.flatnonzero(np.abs(after - before).sum(1) > 0)
        assert {{{cat}, {dog}}} <= set(moved.tolist()), moved
        assert len(moved) < 20
        print("OK", len(moved))
    """)
    np.save(str(tmp_path / "table.npy"), table)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=240, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK" in result.stdout
