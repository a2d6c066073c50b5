"""Tests of tfnlp.hub.export_encoder: the TF-Hub BERT encoder interface."""

import os

import numpy as np
import pytest
import tensorflow as tf

from hub_test_modules import (TOKENS, exported_modules, tiny_pretrainer, wordpiece,
                              write_vocab)
from tfnlp.errors import TfnlpError
from tfnlp.hub import export_encoder_module
from tfnlp.hub.interface import HUB_INPUT_NAMES


def _inputs(batch=3, seq=7, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, len(TOKENS), size=(batch, seq)).astype("int32")
    mask = np.ones((batch, seq), "int32")
    mask[0, seq - 2:] = 0
    types = np.zeros((batch, seq), "int32")
    types[:, seq // 2:] = 1
    return {"input_word_ids": tf.constant(ids), "input_mask": tf.constant(mask),
            "input_type_ids": tf.constant(types)}


def _keras_inputs(hub_inputs):
    return {"token_ids": hub_inputs["input_word_ids"],
            "segment_ids": hub_inputs["input_type_ids"],
            "padding_mask": hub_inputs["input_mask"]}


@pytest.fixture(scope="module")
def encoder_obj():
    return tf.saved_model.load(exported_modules()["encoder"])


def test_outputs_match_keras_encoder(encoder_obj):
    encoder = tiny_pretrainer().encoder
    for seq in (5, 11):  # dynamic sequence length
        x = _inputs(seq=seq)
        got = encoder_obj(x, training=False)
        want = encoder(_keras_inputs(x), training=False)
        assert set(got) == {"pooled_output", "sequence_output",
                            "encoder_outputs", "default"}
        np.testing.assert_allclose(got["pooled_output"], want["pooled_output"], atol=1e-5)
        np.testing.assert_allclose(got["default"], want["pooled_output"], atol=1e-5)
        np.testing.assert_allclose(got["sequence_output"], want["sequence_output"], atol=1e-5)
        assert len(got["encoder_outputs"]) == 2
        for g, w in zip(got["encoder_outputs"], want["encoder_outputs"]):
            np.testing.assert_allclose(g, w, atol=1e-5)
    # Default `training` is False.
    x = _inputs()
    np.testing.assert_array_equal(encoder_obj(x)["pooled_output"],
                                  encoder_obj(x, training=False)["pooled_output"])


def test_training_true_reaches_dropout(encoder_obj):
    x = _inputs()
    a = encoder_obj(x, training=True)["sequence_output"]
    b = encoder_obj(x, training=True)["sequence_output"]
    c = encoder_obj(x, training=False)["sequence_output"]
    d = encoder_obj(x, training=False)["sequence_output"]
    assert np.max(np.abs(a - b)) > 1e-3
    np.testing.assert_array_equal(c, d)


def test_attributes(encoder_obj):
    encoder = tiny_pretrainer().encoder
    names = [v.name for v in encoder_obj.variables]
    assert len(names) == len(encoder.variables)
    assert len(encoder_obj.trainable_variables) == len(encoder.trainable_variables)
    assert all(v.trainable for v in encoder_obj.trainable_variables)
    assert list(encoder_obj.regularization_losses) == []
    for i in range(2):
        assert any(n.startswith(f"transformer_layer_{i}/") for n in names), names
    assert "transformer_layer_0/self_attention_layer/query/kernel:0" in names
    # vocab_file: an asset copied into the SavedModel.
    asset = encoder_obj.vocab_file.asset_path.numpy().decode()
    assert asset == os.path.join(exported_modules()["encoder"], "assets", "vocab.txt")
    with open(asset, encoding="utf-8") as f:
        assert f.read().split() == TOKENS
    assert encoder_obj.do_lower_case.dtype == tf.bool
    assert bool(encoder_obj.do_lower_case.numpy()) is True
    assert not encoder_obj.do_lower_case.trainable


def test_mlm_matches_pretrainer(encoder_obj):
    pretrainer = tiny_pretrainer()
    x = _inputs(seq=9)
    positions = tf.constant([[1, 3], [2, 8], [0, 4]], tf.int32)
    got = encoder_obj.mlm(dict(x, masked_lm_positions=positions), training=False)
    want = pretrainer(dict(_keras_inputs(x), masked_lm_positions=positions),
                      training=False)["mlm"]
    assert got["mlm_logits"].shape == (3, 2, len(TOKENS))
    np.testing.assert_allclose(got["mlm_logits"], want, atol=1e-5)
    np.testing.assert_allclose(got["pooled_output"],
                               encoder_obj(x)["pooled_output"], atol=1e-6)
    # The mlm subobject has its own variable lists: the encoder's plus the head's.
    head_vars = {id(v) for v in pretrainer.mlm_head.variables}
    n_head_only = len(pretrainer.mlm_head.variables) - 1  # tied token embedding
    assert len(head_vars) > 1
    assert len(encoder_obj.mlm.variables) == len(encoder_obj.variables) + n_head_only
    assert list(encoder_obj.mlm.regularization_losses) == []


def test_serving_default_signature(encoder_obj):
    fn = encoder_obj.signatures["serving_default"]
    assert set(fn.structured_input_signature[1]) == set(HUB_INPUT_NAMES)
    x = _inputs()
    out = fn(**x)
    assert {"pooled_output", "sequence_output", "default",
            "encoder_outputs_0", "encoder_outputs_1"} <= set(out)
    np.testing.assert_allclose(out["pooled_output"], encoder_obj(x)["pooled_output"],
                               atol=1e-6)


@pytest.mark.slow
def test_interrupted_export_keeps_earlier_module(tmp_path, monkeypatch):
    encoder = tiny_pretrainer().encoder
    vocab = write_vocab(str(tmp_path / "vocab.txt"))
    target = tmp_path / "module"
    export_encoder_module(encoder, wordpiece(vocab, True), str(target))
    real_save = tf.saved_model.save

    def save_then_crash(obj, export_dir, *args, **kwargs):
        real_save(obj, export_dir, *args, **kwargs)  # files fully written...
        raise RuntimeError("simulated crash before the export finished")

    monkeypatch.setattr(tf.saved_model, "save", save_then_crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        export_encoder_module(encoder, wordpiece(vocab, False), str(target))
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["module", "vocab.txt"]  # no temp dirs
    earlier = tf.saved_model.load(str(target))
    assert bool(earlier.do_lower_case.numpy()) is True  # the first export
    assert "pooled_output" in earlier(_inputs())
    # A successful re-export replaces it.
    export_encoder_module(encoder, wordpiece(vocab, False), str(target))
    assert bool(tf.saved_model.load(str(target)).do_lower_case.numpy()) is False
    assert sorted(os.listdir(tmp_path)) == ["module", "vocab.txt"]


def test_bad_arguments(tmp_path):
    encoder = tiny_pretrainer().encoder
    vocab = write_vocab(str(tmp_path / "vocab.txt"))
    with pytest.raises(TfnlpError, match="lower_case"):
        export_encoder_module(encoder, wordpiece(vocab, "yes"), str(tmp_path / "a"))
    big = tmp_path / "big.txt"
    big.write_text("\n".join(TOKENS + ["extra1", "extra2"]) + "\n")
    with pytest.raises(TfnlpError, match="embeds only"):
        export_encoder_module(encoder, wordpiece(str(big)), str(tmp_path / "b"))
    (tmp_path / "user_dir").mkdir()
    (tmp_path / "user_dir" / "notes.txt").write_text("keep me")
    with pytest.raises(TfnlpError, match="not a SavedModel"):
        export_encoder_module(encoder, wordpiece(vocab), str(tmp_path / "user_dir"))
    assert (tmp_path / "user_dir" / "notes.txt").read_text() == "keep me"
    with pytest.raises(TfnlpError, match="vocab file not found"):
        export_encoder_module(encoder, wordpiece(str(tmp_path / "nope.txt")),
                              str(tmp_path / "c"))
