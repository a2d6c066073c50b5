"""GloVe: sharded co-occurrence counts, AdaGrad least squares, exact resume."""

import collections

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family
from tfnlp.models.static.training import run_batches, train_static
from tfnlp.objectives import get_objective
from tfnlp.objectives.base import DataOptions
from tfnlp.objectives.glove import count_cooccurrences

SMALL = {"epochs": 20, "batch_size": 256, "window": 4}


def _brute_force(ids, sentences, window):
    counts = collections.Counter()
    for i in range(len(ids)):
        for j in range(i + 1, min(len(ids), i + window + 1)):
            if sentences[i] == sentences[j] and ids[i] >= 0 and ids[j] >= 0:
                counts[ids[i], ids[j]] += 1.0 / (j - i)
                counts[ids[j], ids[i]] += 1.0 / (j - i)
    return counts


def test_counts_equal_brute_force_for_any_sharding():
    rng = np.random.default_rng(0)
    ids = rng.integers(-1, 30, size=3000)
    sentences = np.cumsum(rng.random(3000) < 0.05)
    expected = _brute_force(ids, sentences, 5)
    for shard, merge in ((3000, 10 ** 9), (97, 500), (10, 1)):
        rows, cols, values = count_cooccurrences(ids, sentences, 30, window=5,
                                                 shard_words=shard, merge_entries=merge)
        got = {(r, c): v for r, c, v in zip(rows.tolist(), cols.tolist(), values.tolist())}
        assert got.keys() == expected.keys()
        np.testing.assert_allclose([got[k] for k in sorted(got)],
                                   [expected[k] for k in sorted(got)], rtol=1e-6)
    with pytest.raises(TfnlpError, match="window must be >= 1"):
        count_cooccurrences(ids, sentences, 30, window=0)


def test_glove_learns_and_resumes_exactly(corpus, tokenizer, tmp_path):
    import keras

    impl = get_objective("glove")
    family = get_family("glove")

    def make_dataset(start):
        return impl.build_dataset(corpus, tokenizer, DataOptions(
            extra=dict(SMALL, start_batch=start)), "train", 0)

    def pretrainer():
        config = family.resolve_config("static_tiny")
        return family.build_pretrainer(family.build_backbone(config, tokenizer.vocab_size),
                                       "glove", config, tokenizer, SMALL)

    total = impl.total_batches_for(corpus, tokenizer, DataOptions(extra=dict(SMALL)))
    keras.utils.set_random_seed(3)
    straight = pretrainer()
    heldout = impl.build_dataset(corpus, tokenizer, DataOptions(extra=dict(SMALL)),
                                 "heldout", 0)
    before = impl.evaluate(straight, heldout)
    run_batches(straight, make_dataset, total, log_every=0)
    after = impl.evaluate(straight, heldout)
    assert after["heldout_loss"] < 0.5 * before["heldout_loss"]
    assert after["heldout_loss"] < 0.5 * after["heldout_loss_baseline_zero"]
    keras.utils.set_random_seed(3)
    first = pretrainer()
    run_batches(first, make_dataset, total, checkpoint_dir=str(tmp_path), stop_after=4,
                log_every=0)
    second = pretrainer()
    run_batches(second, make_dataset, total, checkpoint_dir=str(tmp_path), log_every=0)
    np.testing.assert_array_equal(second.vectors(), straight.vectors())
    # the output is W + W~
    np.testing.assert_allclose(straight.vectors(), straight.word_vectors.numpy()
                               + straight.context_vectors.numpy(), rtol=1e-6)


def test_train_static_glove(corpus, tmp_path):
    from tfnlp.embeddings.vectors import WordVectors

    result = train_static("glove", corpus, str(tmp_path / "run"), hidden_dim=16, min_count=2,
                          options=dict(SMALL, epochs=40), log_every=0)
    vectors = WordVectors.load(result["vectors"])
    animals = ["cat", "dog", "horse", "cow"]
    within = np.mean([vectors.similarity(a, b) for a in animals for b in animals if a < b])
    across = np.mean([vectors.similarity(a, f) for a in animals
                      for f in ("bread", "cheese", "apple", "rice")])
    assert within > across
    with pytest.raises(TfnlpError, match="glove option x_max must be > 0"):
        train_static("glove", corpus, str(tmp_path / "bad"), options={"x_max": 0})
