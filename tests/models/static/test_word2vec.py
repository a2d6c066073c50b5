"""word2vec: the batches, the sparse SGD steps, learning, exact resume, bad input."""

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family
from tfnlp.objectives import get_objective
from tfnlp.objectives.base import DataOptions
from tfnlp.objectives.skipgram import keep_probabilities, skipgram_pairs
from tfnlp.models.static.training import run_batches, train_static

SMALL = {"epochs": 2, "chunk_words": 500, "window": 3, "negative": 4, "sample": 1e-2}


def test_skipgram_pairs_follow_windows_and_lines():
    ids = tf.constant([10, 11, 12, 13, 14], tf.int32)
    lines = tf.constant([0, 0, 0, 1, 1], tf.int32)
    inputs, targets = skipgram_pairs(ids, lines, window=2, seed=0, batch=0)
    pairs = set(zip(targets.numpy().tolist(), inputs.numpy().tolist()))
    assert pairs and all(abs(a - b) <= 2 for a, b in pairs)
    assert not any({a, b} & {13, 14} and {a, b} & {10, 11, 12} for a, b in pairs)
    # window 1 always holds the neighbours
    inputs, targets = skipgram_pairs(ids, lines, window=1, seed=0, batch=0)
    assert sorted(zip(targets.numpy().tolist(), inputs.numpy().tolist())) == [
        (10, 11), (11, 10), (11, 12), (12, 11), (13, 14), (14, 13)]


def test_subsampling_formula():
    keep = keep_probabilities(np.array([10000, 5, 0]), 1e-3)
    threshold = 1e-3 * 10005
    assert keep[0] == pytest.approx((np.sqrt(10000 / threshold) + 1) * threshold / 10000)
    assert keep[1] == keep[2] == 1.0


def test_batches_are_a_function_of_their_index(corpus, tokenizer):
    objective = get_objective("skipgram")
    options = DataOptions(extra=dict(SMALL), heldout_fraction=0.0)
    first = list(objective.build_dataset(corpus, tokenizer, options, "train", 3).take(4))
    resumed = next(iter(objective.build_dataset(
        corpus, tokenizer, DataOptions(extra=dict(SMALL, start_batch=3), heldout_fraction=0.0),
        "train", 3)))
    for key in ("inputs", "targets", "negatives", "learning_rate"):
        np.testing.assert_array_equal(first[3][key], resumed[key])
    assert float(first[0]["learning_rate"]) == pytest.approx(0.025)
    assert float(first[3]["learning_rate"]) < float(first[0]["learning_rate"])
    other_seed = next(iter(objective.build_dataset(corpus, tokenizer, options, "train", 4)))
    assert not np.array_equal(other_seed["negatives"].numpy()[:50],
                              first[0]["negatives"].numpy()[:50])
    cbow = next(iter(get_objective("cbow").build_dataset(corpus, tokenizer, options,
                                                         "train", 3)))
    assert cbow["contexts"].shape[1] == 6 and float(cbow["learning_rate"]) == pytest.approx(0.05)
    real = cbow["example_mask"].numpy() > 0
    assert cbow["targets"].shape[0] % 512 == 0 and 0 < real.sum() < len(real)
    assert bool(tf.reduce_all(tf.reduce_sum(cbow["context_mask"][real], 1) >= 1))


def _pretrainer(tokenizer, objective):
    family = get_family("word2vec")
    config = family.resolve_config("static_tiny")
    backbone = family.build_backbone(config, tokenizer.vocab_size)
    return family.build_pretrainer(backbone, objective, config, tokenizer, SMALL)


@pytest.mark.parametrize("objective,xla", [("skipgram", True), ("cbow", False)])
def test_training_learns_and_resumes_exactly(corpus, tokenizer, tmp_path, objective, xla):
    """Skip-gram through the XLA step (direct scatters), CBOW through the
    uncompiled one (unique + segment sums): both resume bit-identically."""
    impl = get_objective(objective)
    # one padded shape for every batch: the XLA step compiles once per run
    small = dict(SMALL, pad_to=4096) if xla else dict(SMALL)

    def make_dataset(start):
        return impl.build_dataset(corpus, tokenizer, DataOptions(
            extra=dict(small, start_batch=start), heldout_fraction=0.0), "train", 0)

    total = impl.total_batches_for(corpus, tokenizer, DataOptions(extra=dict(small)))
    keras_seed = 7
    import keras

    keras.utils.set_random_seed(keras_seed)
    straight = _pretrainer(tokenizer, objective)
    run = run_batches(straight, make_dataset, total, log_every=0, jit_compile=xla)
    assert run["next_batch"] == total and run["words"] > 0 and run["xla"] == xla
    if xla:  # the same update rule as the uncompiled step, up to the order of sums
        keras.utils.set_random_seed(keras_seed)
        plain = _pretrainer(tokenizer, objective)
        run_batches(plain, make_dataset, total, log_every=0, jit_compile=False)
        np.testing.assert_allclose(plain.vectors(), straight.vectors(), atol=1e-5)
    # interrupted after 3 batches (checkpoint written), then a fresh model resumes
    keras.utils.set_random_seed(keras_seed)
    first = _pretrainer(tokenizer, objective)
    run_batches(first, make_dataset, total, checkpoint_dir=str(tmp_path), stop_after=3,
                log_every=0, jit_compile=xla)
    keras.utils.set_random_seed(99)  # the checkpoint, not the seed, restores the state
    second = _pretrainer(tokenizer, objective)
    resumed = run_batches(second, make_dataset, total, checkpoint_dir=str(tmp_path),
                          log_every=0, jit_compile=xla)
    assert resumed["start_batch"] == 3 and resumed["next_batch"] == total
    np.testing.assert_array_equal(second.vectors(), straight.vectors())
    np.testing.assert_array_equal(second.output_vectors.numpy(),
                                  straight.output_vectors.numpy())
    # it learned: the held-out loss is below the untrained model's
    heldout = impl.build_dataset(corpus, tokenizer, DataOptions(
        extra=dict(SMALL, chunk_words=200), heldout_fraction=0.2), "heldout", 0)
    metrics = impl.evaluate(straight, heldout)
    assert metrics["heldout_loss"] < 0.85 * metrics["heldout_loss_baseline_untrained"]


def test_train_static_end_to_end(corpus, tmp_path):
    from tfnlp.embeddings.vectors import WordVectors
    from tfnlp.models.model_dir import load_model_dir

    result = train_static("word2vec", corpus, str(tmp_path / "run"), hidden_dim=16,
                          min_count=2, options=dict(SMALL, epochs=8), log_every=0, seed=1)
    assert result["finished"] and result["words_per_second"] > 0
    vectors = WordVectors.load(result["vectors"])
    assert vectors.words[0] == "the" and vectors.dim == 16
    # structure of the corpus: animals are closer to animals than to foods
    animals = ["cat", "dog", "horse", "cow"]
    within = np.mean([vectors.similarity(a, b) for a in animals for b in animals if a < b])
    across = np.mean([vectors.similarity(a, f) for a in animals
                      for f in ("bread", "cheese", "apple", "rice")])
    assert within > across + 0.1
    native = load_model_dir(result["model_dir"])
    assert native.family.name == "word2vec"
    np.testing.assert_allclose(native.backbone.embeddings.numpy()[:len(vectors)],
                               vectors.matrix, atol=1e-5)


def test_bad_settings(corpus, tmp_path):
    for options, message in (({"window": 0}, "window must be an integer >= 1"),
                             ({"negative": 0}, "negative must be an integer >= 1"),
                             ({"sample": 2.0}, "sample must be in"),
                             ({"windows": 3}, "unknown word2vec option")):
        with pytest.raises(TfnlpError, match=message):
            train_static("word2vec", corpus, str(tmp_path / "bad"), options=options)
    with pytest.raises(TfnlpError, match="no word occurs at least min_count"):
        train_static("word2vec", corpus, str(tmp_path / "bad2"), min_count=10 ** 6)
    with pytest.raises(TfnlpError, match="not 'glove'"):
        train_static("word2vec", corpus, str(tmp_path / "bad3"), objective="glove")
