"""Tests for tfnlp.text.nsp: BERT's NSP instance creation on real text."""

import random

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.text.nsp import create_nsp_instances, truncate_seq_pair


def _find(haystack, needle, start=0):
    n, needle = len(needle), [int(t) for t in needle]
    hs = haystack.tolist()
    return next((i for i in range(start, len(hs) - n + 1) if hs[i:i + n] == needle), -1)


def test_truncate_seq_pair_trims_longer_side():
    rng = random.Random(0)
    a, b = list(range(10)), list(range(100, 103))
    truncate_seq_pair(a, b, 8, rng)
    assert len(a) == 5 and b == [100, 101, 102]
    assert a == list(range(a[0], a[0] + 5))  # contiguous: trimmed at the ends
    a, b = [1, 2], [3, 4]
    truncate_seq_pair(a, b, 3, rng)
    assert a == [1, 2] and len(b) == 1  # ties trim b, as BERT does


def test_instances_on_real_text(wordnet_token_docs):
    seq_length = 64
    insts = create_nsp_instances(wordnet_token_docs, seq_length, seed=3)
    assert len(insts) > 500
    labels = np.array([x["is_random_next"] for x in insts])
    assert 0.45 < labels.mean() < 0.6  # random when chunk has 1 sentence, else 50%
    lengths = np.array([len(x["tokens_a"]) + len(x["tokens_b"]) for x in insts])
    assert lengths.max() <= seq_length - 3
    assert all(x["tokens_a"] and x["tokens_b"] for x in insts)
    # Most sequences are filled close to the target; ~10% are short ones.
    assert np.mean(lengths >= seq_length - 3 - 8) > 0.5
    assert np.mean(lengths < (seq_length - 3) // 2) > 0.03
    # "Actual next": A and B are contiguous text of one document, B after A
    # (each may have lost tokens at either end to truncation).
    doc_text = [np.concatenate(d) for d in wordnet_token_docs]
    checked = 0
    for x in [x for x in insts if not x["is_random_next"]][:40]:
        ok = False
        for t in doc_text:
            i = _find(t, x["tokens_a"])
            if i >= 0 and _find(t, x["tokens_b"], i + len(x["tokens_a"])) >= 0:
                ok = True
                break
        assert ok, x
        checked += 1
    assert checked == 40


def test_deterministic_and_seeded(wordnet_token_docs):
    docs = wordnet_token_docs[:60]
    a = create_nsp_instances(docs, 48, seed=1)
    b = create_nsp_instances(docs, 48, seed=1)
    c = create_nsp_instances(docs, 48, seed=2)
    assert a == b and a != c
    assert len(create_nsp_instances(docs, 48, seed=1, dupe_factor=3)) > 2.5 * len(a)


def test_bad_inputs():
    with pytest.raises(TfnlpError, match="at least two non-empty sentences"):
        create_nsp_instances([[[1, 2]], [[3]], [[]]], 32)
    with pytest.raises(TfnlpError, match="seq_length=4 is too short"):
        create_nsp_instances([[[1], [2]]], 4)
    with pytest.raises(TfnlpError, match="short_seq_prob=1.5"):
        create_nsp_instances([[[1], [2]]], 16, short_seq_prob=1.5)
    with pytest.raises(TfnlpError, match="dupe_factor=0"):
        create_nsp_instances([[[1], [2]]], 16, dupe_factor=0)
