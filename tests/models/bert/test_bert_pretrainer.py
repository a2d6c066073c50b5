"""Tests for BertPretrainer: heads, tying, losses and metrics."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.layers.next_sentence_head import NextSentenceHead
from tfnlp.models.bert.backbone import BertEncoder
from tfnlp.models.bert.pretrainer import BertPretrainer

VOCAB, SEQ, PREDS = 120, 16, 4


def _features(n=64, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, VOCAB, (n, SEQ)).astype("int32")
    positions = np.stack(
        [np.sort(rng.choice(np.arange(1, SEQ), PREDS, replace=False)) for _ in range(n)]
    ).astype("int32")
    weights = np.ones((n, PREDS), "float32")
    weights[:, -1] = 0.0  # one padded prediction slot per example
    return {
        "token_ids": ids,
        "segment_ids": np.zeros_like(ids),
        "padding_mask": np.ones_like(ids),
        "masked_lm_positions": positions,
        "masked_lm_ids": np.take_along_axis(ids, positions, 1),
        "masked_lm_weights": weights,
        "next_sentence_labels": (ids[:, 1] % 2).astype("int32"),
    }


def _pretrainer(use_nsp=True):
    encoder = BertEncoder(
        vocabulary_size=VOCAB, num_layers=2, num_heads=2, hidden_dim=32, dropout=0.0
    )
    return BertPretrainer(encoder, use_nsp=use_nsp)


def test_mlm_logits_only_at_masked_positions():
    pretrainer = _pretrainer()
    x, _, _ = BertPretrainer.split_features(_features(n=3))
    out = pretrainer(x)
    assert out["mlm"].shape == (3, PREDS, VOCAB)
    assert out["nsp"].shape == (3, 2)


def test_mlm_output_projection_is_tied_to_token_embedding():
    pretrainer = _pretrainer(use_nsp=False)
    assert pretrainer.mlm_head.token_embedding is pretrainer.encoder.token_embedding
    # The only [vocab, hidden] matrix in the model is the token embedding.
    vocab_shaped = [v.path for v in pretrainer.weights if tuple(v.shape) in ((VOCAB, 32), (32, VOCAB))]
    assert vocab_shaped == ["embeddings/token_embedding/embeddings"]
    # Changing the embedding changes the MLM logits: the projection reads it.
    x, _, _ = BertPretrainer.split_features(_features(n=2))
    before = np.asarray(pretrainer(x)["mlm"])
    embedding = pretrainer.encoder.token_embedding.embeddings
    embedding.assign(embedding * 2.0)
    assert np.abs(np.asarray(pretrainer(x)["mlm"]) - before).max() > 1e-3


def test_loss_is_weighted_mlm_plus_nsp():
    pretrainer = _pretrainer()
    pretrainer.compile_for_pretraining(optimizer="sgd")
    features = _features(n=8)
    x, y, sw = BertPretrainer.split_features(features)
    result = pretrainer.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0, return_dict=True)
    out = pretrainer(x)
    logp = np.asarray(tf.nn.log_softmax(out["mlm"]))
    nll = -np.take_along_axis(logp, features["masked_lm_ids"][..., None], -1)[..., 0]
    w = features["masked_lm_weights"]
    mlm = (nll * w).sum() / w.sum()
    nsp_logp = np.asarray(tf.nn.log_softmax(out["nsp"]))
    nsp = -nsp_logp[np.arange(8), features["next_sentence_labels"]].mean()
    assert result["mlm_loss"] == pytest.approx(mlm, rel=1e-4)
    assert result["nsp_loss"] == pytest.approx(nsp, rel=1e-4)
    assert result["loss"] == pytest.approx(mlm + nsp, rel=1e-4)


def test_training_reports_both_accuracies_and_learns():
    pretrainer = _pretrainer()
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(3e-3))
    data = (
        tf.data.Dataset.from_tensor_slices(_features())
        .batch(16)
        .repeat()
        .map(BertPretrainer.split_features)
    )
    history = pretrainer.fit(data, steps_per_epoch=15, epochs=3, verbose=0).history
    assert {"mlm_accuracy", "nsp_accuracy", "mlm_loss", "nsp_loss"} <= set(history)
    assert history["loss"][-1] < history["loss"][0]
    assert history["mlm_accuracy"][-1] > history["mlm_accuracy"][0]


def test_mlm_only_pretrainer_has_no_nsp():
    pretrainer = _pretrainer(use_nsp=False)
    features = _features(n=4)
    del features["next_sentence_labels"]
    x, y, _ = BertPretrainer.split_features(features)
    assert set(pretrainer(x)) == {"mlm"}
    assert set(y) == {"mlm"}


def test_pretrainer_serializes():
    pretrainer = _pretrainer()
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(pretrainer)
    )
    assert restored.use_nsp and restored.encoder.num_layers == 2


def test_next_sentence_head_config():
    head = NextSentenceHead(initializer_range=0.05, name="nsp")
    clone = NextSentenceHead.from_config(head.get_config())
    assert clone.initializer_range == 0.05
