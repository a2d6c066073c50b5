"""ElectraPretrainer + objective rtd: sharing, labels, seeded sampling, fit,
resume, export head, model dir round trip."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.electra.backbone import ElectraBackbone
from tfnlp.models.electra.pretrainer import ElectraPretrainer, scatter_positions
from tfnlp.models.registry import get_family
from tfnlp.objectives import get_objective
from tfnlp.objectives.base import DataOptions

SEQ, BATCH = 16, 16
OPTIONS = DataOptions(seq_length=SEQ, batch_size=BATCH, heldout_fraction=0.1)


@pytest.fixture(scope="module")
def tokenizer(vocab_file):
    return get_family("electra").load_tokenizer(vocab_file, seq_length=SEQ)


@pytest.fixture(scope="module")
def dataset(corpus, tokenizer):
    return get_objective("rtd").build_dataset(corpus, tokenizer, OPTIONS, "train", seed=3)


def _pretrainer(tokenizer, **options):
    keras.utils.set_random_seed(7)
    family = get_family("electra")
    config = family.resolve_config("electra_tiny", {"hidden_dim": 64, "embedding_dim": 32,
                                                    "num_heads": 2, "dropout": 0.0})
    backbone = family.build_backbone(config, tokenizer.vocab_size)
    options.setdefault("generator_hidden_ratio", 0.5)
    return family.build_pretrainer(backbone, "rtd", config, tokenizer, options)


@pytest.fixture(scope="module")
def compiled(tokenizer):
    """An untrained pretrainer, compiled (for evaluation, export, saving)."""
    pretrainer = _pretrainer(tokenizer)
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(2e-3), jit_compile=False)
    return pretrainer


@pytest.fixture(scope="module")
def trained(tokenizer, dataset):
    """A pretrainer fitted 3 x 20 steps, and its history."""
    pretrainer = _pretrainer(tokenizer)
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(2e-3), jit_compile=False)
    history = pretrainer.fit(dataset.map(get_objective("rtd").split_features),
                             steps_per_epoch=15, epochs=3, verbose=0)
    return pretrainer, history.history


def test_generator_shares_the_embedding_tables(tokenizer):
    pretrainer = _pretrainer(tokenizer)
    generator, backbone = pretrainer.generator, pretrainer.backbone
    assert generator.mlm_head.token_embedding is backbone.token_embedding
    shared = {id(v) for v in backbone.embeddings.weights}
    assert shared <= {id(v) for v in generator.weights}
    assert pretrainer.generator_config["hidden_dim"] == 32
    assert pretrainer.generator_config["num_layers"] == backbone.num_layers
    ids = [id(v) for v in pretrainer.trainable_variables]
    assert len(ids) == len(set(ids))
    # The generator's own blocks are named apart from the discriminator's.
    assert any(v.path.startswith("generator_layer_0/") for v in generator.weights)


def test_generator_wider_than_discriminator_is_refused(tokenizer):
    with pytest.raises(TfnlpError, match="wider than the discriminator"):
        _pretrainer(tokenizer, generator_hidden_ratio=1.5)
    with pytest.raises(TfnlpError, match="unknown electra objective option"):
        _pretrainer(tokenizer, teacher="x")


def test_scatter_positions_skips_padded_predictions():
    ids, hit = scatter_positions(np.array([[1, 2, 3, 4]], "int32"), np.array([[2, 0]], "int32"),
                                 np.array([[9, 8]], "int32"), np.array([[1.0, 0.0]], "float32"))
    assert np.asarray(ids).tolist() == [[1, 2, 9, 4]]
    assert np.asarray(hit).tolist() == [[0, 0, 1, 0]]


def test_labels_mark_only_real_replacements(tokenizer, dataset):
    pretrainer = _pretrainer(tokenizer)
    batch = next(iter(dataset))
    x, _, _ = get_objective("rtd").split_features(batch)
    out = {k: np.asarray(v) for k, v in pretrainer(x, step=5).items()}
    positions = np.asarray(batch["masked_lm_positions"])
    weights = np.asarray(batch["masked_lm_weights"])
    original = np.asarray(batch["token_ids"]).copy()
    np.put_along_axis(original, positions, np.where(
        weights > 0, np.asarray(batch["masked_lm_ids"]),
        np.take_along_axis(original, positions, 1)), 1)
    expected = (out["corrupted_ids"] != original).astype(int) * np.asarray(batch["padding_mask"])
    np.testing.assert_array_equal(out["rtd_labels"], expected)
    masked = np.zeros_like(original)
    np.put_along_axis(masked, positions, (weights > 0).astype(int), 1)
    assert out["rtd_labels"][masked == 0].sum() == 0   # only masked positions change
    # A sample equal to the original token is labelled original.
    same = (out["samples"] == np.asarray(batch["masked_lm_ids"])) & (weights > 0)
    rows, cols = np.nonzero(same)
    assert all(out["rtd_labels"][r, positions[r, c]] == 0 for r, c in zip(rows, cols))
    assert out["rtd_logits"].shape == (BATCH, SEQ)


def test_sampling_is_a_function_of_batch_and_step(tokenizer, dataset):
    pretrainer = _pretrainer(tokenizer)
    x, _, _ = get_objective("rtd").split_features(next(iter(dataset)))
    logits = pretrainer.generator({k: x[k] for k in ("token_ids", "segment_ids",
                                                     "padding_mask", "masked_lm_positions")})
    logits = logits["mlm_logits"]
    a = np.asarray(pretrainer.sample(logits, 11))
    b = np.asarray(pretrainer.sample(logits, 11))
    c = np.asarray(pretrainer.sample(logits, 12))
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    other = _pretrainer(tokenizer, sampling_seed=1)
    assert (np.asarray(other.sample(logits, 11)) != a).any()


@pytest.mark.slow
def test_fit_lowers_the_loss_and_logs_every_metric(trained):
    _, history = trained
    for name in get_objective("rtd").metric_names:
        assert name in history, name
    assert history["loss"][-1] < history["loss"][0] - 1.0
    assert history["mlm_accuracy"][-1] > history["mlm_accuracy"][0]
    assert history["mlm_accuracy"][-1] > 0.1
    baseline = history["rtd_baseline_accuracy"][-1]
    assert history["replaced_fraction"][-1] == pytest.approx(1 - baseline, abs=1e-5)
    assert 0.0 < history["replaced_fraction"][-1] < 0.2


def test_heldout_evaluation(compiled, corpus, tokenizer):
    pretrainer = compiled
    objective = get_objective("rtd")
    heldout = objective.build_dataset(corpus, tokenizer, OPTIONS, "heldout", seed=3)
    metrics = objective.evaluate(pretrainer, heldout)
    for name in objective.heldout_metric_names + ("rtd_baseline_accuracy",):
        assert 0.0 <= metrics[name] <= 1.0, name


def test_rtd_export_head(compiled):
    pretrainer = compiled
    head = get_family("electra").export_heads(pretrainer)["rtd"]
    ids = np.full((2, SEQ), 7, "int32")
    out = head.fn({"token_ids": ids, "segment_ids": ids * 0, "padding_mask": ids * 0 + 1})
    assert tuple(out["rtd_logits"].shape) == (2, SEQ)
    assert pretrainer.rtd_head in head.keras_objects


def test_model_dir_round_trip(compiled, tokenizer, tmp_path):
    from tfnlp.models.model_dir import load_model_dir, save_model_dir

    pretrainer = compiled
    options = {"generator_hidden_ratio": 0.5}
    save_model_dir(str(tmp_path / "m"), "electra", pretrainer.backbone, tokenizer,
                   pretrainer=pretrainer, objective="rtd", options=options)
    loaded = load_model_dir(str(tmp_path / "m"), seq_length=SEQ)
    assert loaded.family.name == "electra"
    x = tokenizer(np.array(["the cat sees a tree ."]))
    np.testing.assert_allclose(np.asarray(loaded.backbone(x)["sequence_output"]),
                               np.asarray(pretrainer.backbone(x)["sequence_output"]),
                               atol=1e-5)
    rebuilt = loaded.build_pretrainer()
    np.testing.assert_allclose(np.asarray(rebuilt.rtd_logits(x)),
                               np.asarray(pretrainer.rtd_logits(x)), atol=1e-5)


@pytest.mark.slow
def test_checkpoint_resume_is_exact(tokenizer, dataset, tmp_path):
    """Train 2 + 2 steps, or 2 steps, checkpoint, restore into a fresh model
    and train 2 more: generator, discriminator, optimizer and the step-seeded
    samples (and dropout) continue exactly."""
    import tensorflow as tf

    from tfnlp.pretraining.checkpointing import TrainingCheckpoint

    batches = list(dataset.take(4))

    def data(start):
        out = tf.data.Dataset.from_tensors(batches[start])
        for batch in batches[start + 1:]:
            out = out.concatenate(tf.data.Dataset.from_tensors(batch))
        return out.map(get_objective("rtd").split_features)

    def build(seed):
        keras.utils.set_random_seed(seed)
        family = get_family("electra")
        config = family.resolve_config("electra_tiny", {"hidden_dim": 64, "embedding_dim": 32,
                                                        "num_heads": 2})
        pretrainer = family.build_pretrainer(family.build_backbone(config, tokenizer.vocab_size),
                                             "rtd", config, tokenizer,
                                             {"generator_hidden_ratio": 0.5})
        optimizer = keras.optimizers.AdamW(1e-3)
        pretrainer.compile_for_pretraining(optimizer, jit_compile=False)
        return pretrainer, TrainingCheckpoint(str(tmp_path), pretrainer, optimizer)

    first, ckpt = build(1)
    first.fit(data(0), steps_per_epoch=2, verbose=0)
    ckpt.save()
    first.fit(data(2), steps_per_epoch=2, verbose=0)
    second, ckpt2 = build(2)
    assert ckpt2.restore_latest() == 2
    second.fit(data(2), steps_per_epoch=2, verbose=0)
    for a, b in zip(first.variables, second.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=a.path)
