"""Tests for tfnlp.text.masking: dynamic BERT masking statistics on real text."""

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.masking import MlmMasker, default_max_predictions

SPECIAL_IDS = {0, 101, 102, 103}  # [PAD] [CLS] [SEP] [MASK] in the BERT vocab


@pytest.fixture(scope="module")
def packed(bert_preprocessor, wordnet_texts):
    a = bert_preprocessor.tokenize(wordnet_texts[:800])
    b = bert_preprocessor.tokenize(wordnet_texts[800:1600])
    return {k: v.numpy() for k, v in bert_preprocessor.pack([a, b], seq_length=64).items()}


def _mask(masker, packed, seed=(0, 1)):
    out = masker(packed["token_ids"], packed["padding_mask"], tf.constant(seed, tf.int64))
    return {k: v.numpy() for k, v in out.items()}


def test_default_max_predictions():
    assert default_max_predictions(128) == 20
    assert default_max_predictions(512) == 77
    assert default_max_predictions(4) == 1


def test_bert_masking_statistics(bert_preprocessor, packed):
    p = 12
    masker = MlmMasker(bert_preprocessor.vocabulary, max_predictions_per_seq=p)
    out = _mask(masker, packed)
    ids, mask = packed["token_ids"], packed["padding_mask"]
    pos, lab, w = out["masked_lm_positions"], out["masked_lm_ids"], out["masked_lm_weights"]
    assert pos.shape == lab.shape == w.shape == (len(ids), p) and out["token_ids"].shape == ids.shape
    lengths = mask.sum(1)
    # Exactly BERT's count per sequence: min(P, max(1, round(0.15 * L))).
    expected = np.minimum(p, np.maximum(1, np.round(0.15 * lengths)))
    np.testing.assert_array_equal(w.sum(1), expected)
    assert 0.13 < w.sum() / mask.sum() < 0.16
    real = w > 0
    rows = np.repeat(np.arange(len(ids))[:, None], p, 1)
    # Labels are the original tokens at the positions; never special tokens.
    np.testing.assert_array_equal(lab[real], ids[rows[real], pos[real]])
    assert not SPECIAL_IDS & set(lab[real].tolist())
    assert (pos[real] < lengths[rows[real]]).all() and (pos[real] > 0).all()
    assert (lab[~real] == 0).all() and (pos[~real] == 0).all()
    # Positions unique and ascending within a row.
    for r in range(len(ids)):
        pr = pos[r][real[r]]
        assert (np.diff(pr) > 0).all()
    # 80% [MASK] / 10% random / 10% unchanged.
    new = out["token_ids"][rows[real], pos[real]]
    frac_mask = np.mean(new == 103)
    frac_same = np.mean(new == lab[real])
    frac_random = 1 - frac_mask - frac_same
    assert 0.77 < frac_mask < 0.83, frac_mask
    assert 0.08 < frac_same < 0.12, frac_same
    assert 0.08 < frac_random < 0.12, frac_random
    # Nothing else changed.
    changed = out["token_ids"] != ids
    changed[rows[real], pos[real]] = False
    assert not changed.any()


def test_masks_depend_on_seed_only(bert_preprocessor, packed):
    masker = MlmMasker(bert_preprocessor.vocabulary, max_predictions_per_seq=10)
    a, b, c = (_mask(masker, packed, s) for s in [(5, 0), (5, 0), (5, 1)])
    np.testing.assert_array_equal(a["token_ids"], b["token_ids"])
    assert np.mean(a["masked_lm_positions"] != c["masked_lm_positions"]) > 0.5


def test_whole_word_masking(bert_preprocessor, packed):
    p = 12
    vocab = bert_preprocessor.vocabulary
    is_cont = np.array([t.startswith("##") for t in vocab])
    masker = MlmMasker(vocab, max_predictions_per_seq=p, whole_word_masking=True)
    out = _mask(masker, packed, (3, 3))
    ids, mask = packed["token_ids"], packed["padding_mask"]
    lengths = mask.sum(1)
    n_multi = 0
    for r in range(len(ids)):
        sel = set(out["masked_lm_positions"][r][out["masked_lm_weights"][r] > 0].tolist())
        budget = min(p, max(1, round(0.15 * lengths[r])))
        assert 1 <= len(sel) <= budget
        for q in sel:
            assert ids[r, q] not in SPECIAL_IDS
            if is_cont[ids[r, q]] and ids[r, q - 1] not in SPECIAL_IDS:
                assert q - 1 in sel  # the word's earlier pieces are masked too
            if q + 1 < lengths[r] and is_cont[ids[r, q + 1]]:
                assert q + 1 in sel  # and its later pieces
                n_multi += 1
    assert n_multi > 50  # multi-piece words really were masked whole
    w = out["masked_lm_weights"]
    assert 0.12 < w.sum() / mask.sum() < 0.16


def test_works_in_tf_function(bert_preprocessor, packed):
    masker = MlmMasker(bert_preprocessor.vocabulary, 8, whole_word_masking=True)
    f = tf.function(lambda t, m, s: masker(t, m, s))
    seed = tf.constant([1, 2], tf.int64)
    np.testing.assert_array_equal(
        f(packed["token_ids"][:4], packed["padding_mask"][:4], seed)["token_ids"],
        masker(packed["token_ids"][:4], packed["padding_mask"][:4], seed)["token_ids"])


@pytest.mark.parametrize("kwargs, message", [
    (dict(max_predictions_per_seq=0), "max_predictions_per_seq=0 must be an int >= 1"),
    (dict(masked_lm_prob=0.0), "masked_lm_prob=0.0 must be in"),
    (dict(mask_token_rate=0.9, random_token_rate=0.2), "sum to at most 1"),
    (dict(vocabulary=["a"]), "lacks the special tokens"),
])
def test_bad_args(small_vocab, kwargs, message):
    kwargs = {"vocabulary": small_vocab, "max_predictions_per_seq": 5, **kwargs}
    with pytest.raises(TfnlpError, match=message):
        MlmMasker(**kwargs)
