"""The `elmo` TF-Hub module: Google's signatures, saved, loaded, used from tf_keras."""

import numpy as np
import pytest
import tensorflow as tf

pytestmark = pytest.mark.slow

TEXTS = ["The cat sat on the mat.", "A dog ran."]


@pytest.fixture(scope="module")
def exported(trained, tokenizer, tmp_path_factory):
    from tfnlp.models.registry import get_family

    module = get_family("elmo").hub_interface.module_builders["elmo"](
        trained["backbone"], tokenizer, {}, 16)
    path = str(tmp_path_factory.mktemp("elmo_hub") / "elmo")
    tf.saved_model.save(module, path, signatures=module.signatures_to_save)
    return path


def test_signatures_match_the_backbone(exported, trained, tokenizer):
    loaded = tf.saved_model.load(exported)
    assert set(loaded.signatures) == {"default", "tokens"}
    out = loaded.signatures["default"](strings=tf.constant(TEXTS))
    assert set(out) >= {"word_emb", "lstm_outputs1", "lstm_outputs2", "elmo", "default"}
    assert out["elmo"].shape == (2, 7, 64) and out["word_emb"].shape == (2, 7, 32)
    assert out["default"].shape == (2, 64)
    words = [t.numpy().decode().split() for t in
             [tf.constant("The cat sat on the mat ."), tf.constant("A dog ran .")]]
    tokens = tf.constant([w + [""] * (7 - len(w)) for w in words])
    by_tokens = loaded.signatures["tokens"](tokens=tokens, sequence_len=tf.constant([7, 4]))
    np.testing.assert_allclose(by_tokens["elmo"], out["elmo"], atol=1e-6)
    # Position t is word t: the backbone's position t + 1 (after <S>).
    packed = tokenizer(tf.constant(TEXTS))
    ref = trained["backbone"]({"char_ids": packed["char_ids"],
                               "padding_mask": packed["padding_mask"]})
    np.testing.assert_allclose(out["lstm_outputs2"][0], ref["lstm_outputs2"][0, 1:8], atol=1e-5)
    np.testing.assert_allclose(out["lstm_outputs1"][1, :4], ref["lstm_outputs1"][1, 1:5],
                               atol=1e-5)
    assert (out["elmo"].numpy()[1, 4:] == 0).all()
    # Equal mix weights at export: elmo = mean of the three layers.
    layers = [np.concatenate([out["word_emb"]] * 2, -1), out["lstm_outputs1"],
              out["lstm_outputs2"]]
    np.testing.assert_allclose(out["elmo"], np.mean(layers, axis=0), atol=1e-5)
    np.testing.assert_allclose(out["default"][1], out["elmo"][1, :4].numpy().mean(0), atol=1e-5)
    assert [v.name for v in loaded.trainable_variables] == [
        "elmo_scalar_mix/scalar_weights:0", "elmo_scalar_mix/gamma:0"]
    assert loaded.tfnlp_family.numpy() == b"elmo" and not loaded.do_lower_case.numpy()
    with pytest.raises(tf.errors.InvalidArgumentError, match="sequence_len must be <= max_len"):
        loaded.signatures["tokens"](tokens=tokens, sequence_len=tf.constant([8, 4]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="one length per row"):
        loaded.signatures["tokens"](tokens=tf.zeros([0, 0], tf.string),
                                    sequence_len=tf.constant([1]))


def test_tf_keras_hub_layer_signature_and_trainable_mix(exported):
    import tensorflow_hub as hub
    import tf_keras

    layer = hub.KerasLayer(exported, signature="tokens", output_key="elmo",
                           signature_outputs_as_dict=False)
    out = layer({"tokens": tf.constant([["The", "cat", ""]]), "sequence_len": tf.constant([2])})
    assert out.shape == (1, 3, 64) and not layer.trainable_weights

    mix = hub.KerasLayer(exported, trainable=True, output_key="default")
    assert len(mix.trainable_weights) == 2 and len(mix.non_trainable_weights) > 30
    inputs = tf_keras.Input(shape=(), dtype=tf.string)
    model = tf_keras.Model(inputs, tf_keras.layers.Dense(2)(mix(inputs)))
    model.compile(tf_keras.optimizers.Adam(0.05),
                  tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.numpy().copy() for w in mix.weights]
    model.fit(tf.constant(TEXTS * 2), np.array([0, 1, 0, 1]), epochs=2, verbose=0)
    moved = [not np.allclose(b, w.numpy()) for b, w in zip(before, mix.weights)]
    names = [w.name for w in mix.weights]
    assert all(m for m, n in zip(moved, names) if "scalar_mix" in n)
    # The language model stays frozen (dropout seed states do advance).
    assert not any(m for m, n in zip(moved, names) if "scalar_mix" not in n and "seed" not in n)


def test_ulmfit_name_groups_match_the_native_groups(exported, trained):
    """A loaded module has only variable names: they group (also as HubLayer
    renames them) into the family's native groups, the mix into the head."""
    from tfnlp.finetuning import group_variables
    from tfnlp.hub.keras_layer import keras_variable_name

    loaded = tf.saved_model.load(exported)
    native = trained["family"].layer_groups(trained["backbone"])
    for names in ([v.name for v in loaded.variables],
                  [keras_variable_name(v.name) for v in loaded.variables]):
        groups = group_variables(names, require_layers=True)
        assert list(groups) == [name for name, _ in native] + ["head"]
        for name, members in native:
            got = {n.replace("__", "/").split(":")[0] for n in groups[name]}
            assert {v.path for v in members} <= got
        assert all("scalar_mix" in n or "seed" in n for n in groups["head"])


def test_python_tokens_calls_check_then_match_the_signature(exported):
    from tfnlp.errors import TfnlpError
    from tfnlp.models.elmo.hub_module import elmo_tokens

    loaded = tf.saved_model.load(exported)
    tokens = [["The", "cat", ""], ["A", "dog", "ran"]]
    got = elmo_tokens(loaded, tokens, [2, 3], output_key="elmo")
    ref = loaded.signatures["tokens"](tokens=tf.constant(tokens),
                                      sequence_len=tf.constant([2, 3]))["elmo"]
    np.testing.assert_allclose(got, ref, atol=1e-6)
    with pytest.raises(TfnlpError, match=r"sequence_len\[1\] = 4 is not in \[0, 3\]"):
        elmo_tokens(loaded, tokens, [2, 4])
    with pytest.raises(TfnlpError, match="1 length\\(s\\) for 0 row"):
        elmo_tokens(loaded, tf.zeros([0, 0], tf.string), [1])
    with pytest.raises(TfnlpError, match="no output 'bogus'"):
        elmo_tokens(loaded, tokens, [2, 3], output_key="bogus")
