"""Tests for tfnlp.text.pretraining_data: the pretraining tf.data pipeline."""

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.text.pretraining_data import (build_pretraining_dataset,
                                         create_mlm_instances, split_heldout,
                                         unigram_baseline_accuracy)

MLM_KEYS = {"token_ids", "segment_ids", "padding_mask", "masked_lm_positions",
            "masked_lm_ids", "masked_lm_weights"}


def _np(batch):
    return {k: v.numpy() for k, v in batch.items()}


@pytest.fixture(scope="module")
def nsp_batches(wordnet_corpus_path, bert_vocab_path):
    ds = build_pretraining_dataset(wordnet_corpus_path, bert_vocab_path, seq_length=64,
                                   batch_size=32, seed=7)
    it = iter(ds)
    return ds, [_np(next(it)) for _ in range(12)]


def test_features_contract(nsp_batches):
    ds, batches = nsp_batches
    spec = ds.element_spec
    assert set(spec) == MLM_KEYS | {"next_sentence_labels"}
    assert spec["token_ids"].shape == (32, 64) and spec["masked_lm_ids"].shape == (32, 10)
    assert spec["next_sentence_labels"].shape == (32,)
    assert spec["masked_lm_weights"].dtype.name == "float32"
    assert all(spec[k].dtype.name == "int32" for k in spec if k != "masked_lm_weights")
    for b in batches:
        assert b["token_ids"].shape == (32, 64)


def test_segments_and_nsp_labels(nsp_batches):
    _, batches = nsp_batches
    labels = np.concatenate([b["next_sentence_labels"] for b in batches])
    assert set(labels.tolist()) == {0, 1} and 0.4 < labels.mean() < 0.65
    for b in batches:
        for ids, seg, mask in zip(b["token_ids"], b["segment_ids"], b["padding_mask"]):
            n = mask.sum()
            assert (mask[:n] == 1).all() and (mask[n:] == 0).all()
            seps = [i for i in range(n) if ids[i] == 102]
            # [SEP] is never masked, so exactly two remain: end of A, end of B.
            assert len(seps) == 2 and seps[1] == n - 1 and ids[0] == 101
            assert (seg[:seps[0] + 1] == 0).all() and (seg[seps[0] + 1:n] == 1).all()
            assert (seg[n:] == 0).all() and (ids[n:] == 0).all()


def test_masking_in_pipeline(nsp_batches):
    _, batches = nsp_batches
    w = np.concatenate([b["masked_lm_weights"] for b in batches])
    m = np.concatenate([b["padding_mask"] for b in batches])
    assert 0.13 < w.sum() / m.sum() < 0.16
    lab = np.concatenate([b["masked_lm_ids"] for b in batches])[w > 0]
    assert not {0, 101, 102, 103} & set(lab.tolist())
    ids = np.concatenate([b["token_ids"] for b in batches])
    pos = np.concatenate([b["masked_lm_positions"] for b in batches])
    rows = np.repeat(np.arange(len(ids))[:, None], pos.shape[1], 1)
    at = ids[rows[w > 0], pos[w > 0]]
    assert 0.75 < np.mean(at == 103) < 0.85
    # [MASK] appears only at masked positions.
    is_masked = np.zeros_like(ids, dtype=bool)
    is_masked[rows[w > 0], pos[w > 0]] = True
    assert not (ids[~is_masked] == 103).any()


def _unmasked(b):
    ids = b["token_ids"].copy()
    w = b["masked_lm_weights"] > 0
    rows = np.repeat(np.arange(len(ids))[:, None], w.shape[1], 1)
    ids[rows[w], b["masked_lm_positions"][w]] = b["masked_lm_ids"][w]
    return ids


def test_masks_redrawn_each_epoch_and_deterministic(wordnet_corpus_path, bert_vocab_path):
    kw = dict(seq_length=32, batch_size=8, objective="mlm", heldout_fraction=0.05,
              split="heldout", seed=3)
    ds = build_pretraining_dataset(wordnet_corpus_path, bert_vocab_path, repeat=True,
                                   drop_remainder=False, **kw)
    n = sum(1 for _ in build_pretraining_dataset(wordnet_corpus_path, bert_vocab_path,
                                                 repeat=False, **kw))
    take = [_np(b) for b in ds.take(2 * n)]
    rebuilt = build_pretraining_dataset(wordnet_corpus_path, bert_vocab_path, repeat=True,
                                        drop_remainder=False, **kw)
    again = [_np(b) for b in rebuilt.take(2 * n)]
    for x, y in zip(take, again):  # same seed -> same stream
        np.testing.assert_array_equal(x["token_ids"], y["token_ids"])

    def masks_by_text(batches):
        out = {}
        for b in batches:
            for orig, pos, w in zip(_unmasked(b), b["masked_lm_positions"], b["masked_lm_weights"]):
                out[orig.tobytes()] = tuple(pos[w > 0])
        return out

    first, second = masks_by_text(take[:n]), masks_by_text(take[n:])
    common = set(first) & set(second)
    assert len(common) > 0.9 * len(first)
    assert np.mean([first[k] != second[k] for k in common]) > 0.8


def test_mlm_objective_single_segment(wordnet_corpus_path, bert_vocab_path):
    ds = build_pretraining_dataset(wordnet_corpus_path, bert_vocab_path, seq_length=48,
                                   batch_size=16, objective="mlm", whole_word_masking=True,
                                   max_predictions_per_seq=6)
    assert set(ds.element_spec) == MLM_KEYS
    b = _np(next(iter(ds)))
    assert (b["segment_ids"] == 0).all() and b["masked_lm_ids"].shape == (16, 6)
    assert b["padding_mask"].sum(1).mean() > 36  # packed densely (whole sentences)
    assert ((b["token_ids"] == 102).sum(1) == 1).all()


def test_create_mlm_instances_packs_and_splits():
    docs = [[[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11, 12, 13]], [[20, 21]]]
    insts = create_mlm_instances(docs, seq_length=7, short_seq_prob=0.0, seed=0)
    got = sorted(tuple(x["tokens_a"]) for x in insts)
    assert got == sorted([(1, 2, 3, 4, 5), (6, 7, 8, 9, 10), (11, 12, 13), (20, 21)])


def test_heldout_split_and_unigram_baseline(wordnet_corpus_path, bert_vocab_path):
    held = build_pretraining_dataset(wordnet_corpus_path, bert_vocab_path, seq_length=64,
                                     batch_size=16, heldout_fraction=0.05, split="heldout",
                                     repeat=False).cache()
    batches = list(held)
    assert 3 < len(batches) < 100 and batches[-1]["token_ids"].shape[1] == 64
    acc, tok = unigram_baseline_accuracy(held)
    assert 0.02 < acc < 0.2
    acc2, _ = unigram_baseline_accuracy(held, predicted_id=tok)
    assert acc2 == acc
    other, _ = unigram_baseline_accuracy(held, predicted_id=1996 if tok != 1996 else 1010)
    assert other <= acc
    assert split_heldout([[1], [2], [3], [4], [5]], 0.2) == ([[1], [2], [3], [4]], [[5]])


def test_bad_arguments(tmp_path, wordnet_corpus_path, bert_vocab_path):
    one_line_docs = tmp_path / "one.txt"
    one_line_docs.write_text("Only one sentence.\n\nAnother lonely one.\n", encoding="utf-8")
    cases = [
        (dict(files=str(one_line_docs)), "at least two sentences"),
        (dict(objective="xlnet"), "objective='xlnet' must be one of"),
        (dict(seq_length=4), "seq_length=4 is too short for objective 'mlm_nsp'"),
        (dict(batch_size=0), "batch_size=0 must be an int >= 1"),
        (dict(split="test"), "split='test' must be"),
        (dict(split="heldout"), "needs heldout_fraction > 0"),
        (dict(heldout_fraction=1.0), "heldout_fraction=1.0 must be in"),
        (dict(files=str(tmp_path / "none.txt")), "corpus file not found"),
        (dict(batch_size=100000), "fewer than one batch of 100000"),
    ]
    for kwargs, message in cases:
        args = {"files": wordnet_corpus_path, "vocabulary": bert_vocab_path,
                "seq_length": 32, "batch_size": 4, **kwargs}
        with pytest.raises(TfnlpError, match=message):
            build_pretraining_dataset(**args)
