"""The bilm objective and BiLMPretrainer: data, targets, training, perplexity, model dir."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.elmo import softmax_samples
from tfnlp.models.elmo.pretrainer import WordSoftmax
from tfnlp.models.model_dir import load_model_dir, save_model_dir
from tfnlp.objectives import get_objective


def test_train_stream_is_deterministic_per_seed_and_batch(corpus_file, tokenizer, data_options):
    objective = get_objective("bilm")

    def batches(ds, skip):
        it = iter(ds.skip(skip))
        return [next(it)["token_ids"].numpy() for _ in range(2)]

    seed1 = objective.build_dataset(corpus_file, tokenizer, data_options, "train", 1)
    seed2 = objective.build_dataset(corpus_file, tokenizer, data_options, "train", 2)
    first = batches(seed1, 0)           # batches 0 and 1
    resumed = batches(seed1, 1)         # a run resumed after batch 0
    np.testing.assert_array_equal(first[1], resumed[0])
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[1], batches(seed2, 1)[0])


def test_targets_are_next_and_previous_words(corpus_file, tokenizer, data_options):
    objective = get_objective("bilm")
    features = next(iter(objective.build_dataset(corpus_file, tokenizer, data_options,
                                                 "heldout", seed=3)))
    ids, mask = features["token_ids"].numpy(), features["padding_mask"].numpy()
    n = mask[0].sum()
    nxt, prv = features["next_ids"].numpy()[0], features["prev_ids"].numpy()[0]
    np.testing.assert_array_equal(nxt[:n - 1], ids[0, 1:n])
    np.testing.assert_array_equal(prv[1:n], ids[0, :n - 1])
    assert features["next_weights"].numpy()[0].sum() == n - 1
    assert features["prev_weights"].numpy()[0, 0] == 0 and features["next_weights"].numpy()[0, n - 1] == 0
    assert ids[0, n - 1] == tokenizer.special_tokens["end_of_segment_id"]
    x, y, weights = objective.split_features(features)
    assert set(x) == {"char_ids", "padding_mask"} and set(y) == set(weights) == {
        "forward", "backward"}


@pytest.mark.slow
def test_training_lowers_loss_and_beats_unigram(trained):
    history, after = trained["history"], trained["after"]
    assert history["loss"][-1] < history["loss"][0]
    assert history["forward_loss"][-1] < history["forward_loss"][0]
    assert history["backward_loss"][-1] < history["backward_loss"][0]
    # The untrained model is near uniform over the vocabulary (~ its size).
    assert after["heldout_perplexity"] < 0.5 * len(trained["pretrainer"].word_softmax.bias.numpy())
    assert after["heldout_forward_perplexity"] < after["unigram_perplexity_baseline"]
    assert after["heldout_backward_perplexity"] < after["unigram_perplexity_baseline"]
    np.testing.assert_allclose(after["heldout_perplexity"], np.sqrt(
        after["heldout_forward_perplexity"] * after["heldout_backward_perplexity"]), rtol=1e-6)


def test_sampled_softmax_estimates_the_full_loss():
    keras.utils.set_random_seed(0)
    softmax = WordSoftmax(400, 8)
    softmax.build()
    hidden = keras.random.normal((4, 6, 8), seed=1)
    targets = keras.random.randint((4, 6), 0, 400, seed=2)
    full = keras.ops.convert_to_numpy(softmax.full_nll(hidden, targets))
    seed = keras.random.SeedGenerator(5)
    sampled = np.mean([keras.ops.convert_to_numpy(softmax.sampled_nll(hidden, targets, 200, seed))
                       for _ in range(20)], axis=0)
    assert sampled.shape == full.shape and np.isfinite(sampled).all()
    # Sampled softmax is a biased but close estimate of the full NLL.
    assert abs(sampled.mean() - full.mean()) < 0.25 * full.mean()


def test_softmax_choice_from_options():
    assert softmax_samples({}, 500) is None
    assert softmax_samples({}, 100_000) == 8192
    assert softmax_samples({"softmax": "sampled", "num_samples": 64}, 500) == 64
    assert softmax_samples({"softmax": "sampled"}, 500) == 125
    assert softmax_samples({"softmax": "full"}, 100_000) is None
    with pytest.raises(TfnlpError, match="softmax must be"):
        softmax_samples({"softmax": "adaptive"}, 500)
    with pytest.raises(TfnlpError, match="unknown bilm objective option"):
        softmax_samples({"samples": 5}, 500)


def test_heldout_needs_two_documents(tmp_path, tokenizer, data_options):
    path = tmp_path / "one.txt"
    path.write_text("The cat sat.\nThe dog ran.\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="nothing to hold out"):
        get_objective("bilm").build_dataset(str(path), tokenizer, data_options, "heldout", 0)


@pytest.mark.slow
def test_model_dir_round_trip_keeps_outputs_and_heads(trained, tokenizer, tmp_path):
    path = save_model_dir(str(tmp_path / "keras"), "elmo", trained["backbone"], tokenizer,
                          pretrainer=trained["pretrainer"], objective="bilm", options={})
    loaded = load_model_dir(path, seq_length=16)
    assert loaded.family.name == "elmo" and loaded.tokenizer.vocabulary == tokenizer.vocabulary
    packed = tokenizer(tf.constant(["The cat sat on the mat."]))
    x = {"char_ids": packed["char_ids"], "padding_mask": packed["padding_mask"]}
    np.testing.assert_allclose(loaded.backbone(x)["sequence_output"],
                               trained["backbone"](x)["sequence_output"], atol=1e-6)
    pretrainer = loaded.build_pretrainer()
    pretrainer.compile_for_pretraining("adam")
    metrics = trained["objective"].evaluate(pretrainer, trained["heldout"])
    np.testing.assert_allclose(metrics["heldout_perplexity"],
                               trained["after"]["heldout_perplexity"], rtol=1e-5)
