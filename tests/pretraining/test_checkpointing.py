"""TrainingCheckpoint: exact resume (weights, optimizer slots, step, dropout RNG), torn saves."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.bert.backbone import BertEncoder
from tfnlp.models.bert.pretrainer import BertPretrainer
from tfnlp.optimizers import create_optimizer
from tfnlp.pretraining.checkpointing import (
    TrainingCheckpoint,
    checkpoint_keys,
    variable_key,
)

V, T, P, B = 120, 16, 3, 4


def _batches(n):
    rng = np.random.default_rng(0)
    return {
        "token_ids": rng.integers(5, V, (n, B, T)).astype("int32"),
        "segment_ids": np.zeros((n, B, T), "int32"),
        "padding_mask": np.ones((n, B, T), "int32"),
        "masked_lm_positions": rng.integers(1, T, (n, B, P)).astype("int32"),
        "masked_lm_ids": rng.integers(5, V, (n, B, P)).astype("int32"),
        "masked_lm_weights": np.ones((n, B, P), "float32"),
        "next_sentence_labels": rng.integers(0, 2, (n, B)).astype("int32"),
    }


DATA = _batches(24)


def _dataset(start):
    return (tf.data.Dataset.from_tensor_slices(DATA).skip(start)
            .map(BertPretrainer.split_features))


def _build(seed=1, hidden_dim=32, jit_compile=False):
    keras.utils.set_random_seed(seed)
    encoder = BertEncoder(vocabulary_size=V, num_layers=2, num_heads=2,
                          hidden_dim=hidden_dim, max_sequence_length=32)
    model = BertPretrainer(encoder, use_nsp=True)  # dropout 0.1 stays on
    optimizer = create_optimizer("lamb", 1e-3, total_steps=100, warmup_steps=5)
    model.compile_for_pretraining(optimizer, jit_compile=jit_compile)
    return model, optimizer


class _Losses(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.values = []

    def on_train_batch_end(self, batch, logs=None):
        self.values.append(float(logs["loss"]))


def _fit(model, start, steps):
    losses = _Losses()
    model.fit(_dataset(start), steps_per_epoch=steps, epochs=1, verbose=0,
              callbacks=[losses])
    return losses.values


@pytest.mark.slow
def test_resume_continues_the_same_loss_curve(tmp_path):
    model, optimizer = _build()
    ckpt = TrainingCheckpoint(tmp_path, model, optimizer)
    _fit(model, 0, 8)
    path = ckpt.save()
    assert path.endswith("ckpt-8") and ckpt.step == 8
    uninterrupted = _fit(model, 8, 8)

    model2, optimizer2 = _build(seed=99)  # other init: all must come from the ckpt
    ckpt2 = TrainingCheckpoint(tmp_path, model2, optimizer2)
    assert ckpt2.restore_latest() == 8
    # Optimizer slots (LAMB moments) are restored, not re-initialised.
    reader = tf.train.load_checkpoint(path)
    momentum = [k for k in checkpoint_keys(path, "optimizer") if k.endswith("_momentum")]
    assert len(momentum) >= 30
    by_key = {variable_key(v.path, optimizer2.name): v for v in optimizer2.variables}
    for key in momentum[:5]:
        stored = reader.get_tensor(
            f"optimizer/variables_by_key/{key}/.ATTRIBUTES/VARIABLE_VALUE")
        assert np.abs(stored).sum() > 0
        np.testing.assert_array_equal(by_key[key].numpy(), stored)
    # A model-only restore (as for export) finds every weight by name.
    keys = checkpoint_keys(path)
    assert "mlm_head/intermediate_dense/kernel" in keys
    assert "transformer_layer_1/self_attention_layer/query/kernel" in keys
    model3, _ = _build(seed=5)
    TrainingCheckpoint(tmp_path, model3).restore(path)
    for a, b in zip(model2.variables, model3.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    resumed = _fit(model2, 8, 8)
    # Same data, weights, slots, step (LR schedule) and dropout RNG state.
    np.testing.assert_allclose(resumed, uninterrupted, rtol=1e-6)


@pytest.mark.slow
def test_xla_step_resumes_the_same_loss_curve(tmp_path):
    # The trainer's XLA step (builder.resolve_jit_compile): a resumed run
    # restores the dropout RNG and LAMB slots into the compiled step too.
    model, optimizer = _build(jit_compile=True)
    ckpt = TrainingCheckpoint(tmp_path, model, optimizer)
    _fit(model, 0, 4)
    ckpt.save()
    uninterrupted = _fit(model, 4, 4)
    model2, optimizer2 = _build(seed=99, jit_compile=True)
    assert TrainingCheckpoint(tmp_path, model2, optimizer2).restore_latest() == 4
    np.testing.assert_allclose(_fit(model2, 4, 4), uninterrupted, rtol=1e-6)


def test_trainer_xla_rule():
    from tfnlp.pretraining.builder import XLA_MIN_STEPS, resolve_jit_compile
    from tfnlp.pretraining.run_config import PretrainConfig

    class Compilable:
        pass

    class Lstm:
        xla_compatible = False

    def run(steps, jit_compile=None):
        return PretrainConfig(model_dir="r", steps=steps, jit_compile=jit_compile)

    assert resolve_jit_compile(run(XLA_MIN_STEPS), Compilable())
    assert not resolve_jit_compile(run(XLA_MIN_STEPS - 1), Compilable())
    assert resolve_jit_compile(run(10, jit_compile=True), Compilable())
    assert not resolve_jit_compile(run(10_000, jit_compile=False), Compilable())
    assert not resolve_jit_compile(run(10_000, jit_compile=True), Lstm())


def test_checkpoint_of_another_architecture_is_a_clear_error(tmp_path):
    model, optimizer = _build()
    optimizer.iterations.assign(1)
    TrainingCheckpoint(tmp_path, model, optimizer).save()
    other, other_opt = _build(hidden_dim=64)
    with pytest.raises(TfnlpError, match="does not fit this model"):
        TrainingCheckpoint(tmp_path, other, other_opt).restore_latest()


def test_torn_save_leaves_previous_checkpoint_and_is_cleaned(tmp_path):
    model, optimizer = _build()
    ckpt = TrainingCheckpoint(tmp_path, model, optimizer, max_to_keep=2)
    for step in (1, 2, 3):
        optimizer.iterations.assign(step)
        ckpt.save()
    assert [os.path.basename(p) for p in ckpt.manager.checkpoints] == ["ckpt-2", "ckpt-3"]
    assert not os.path.exists(tmp_path / "ckpt-1.index")  # pruned
    # What a kill -9 in the middle of saving step 4 can leave behind: a temp
    # shard folder, a data file without index, and an unpruned old file.
    (tmp_path / "ckpt-4_temp").mkdir()
    (tmp_path / "ckpt-4_temp" / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"x")
    (tmp_path / "ckpt-4.data-00000-of-00001").write_bytes(b"partial")
    (tmp_path / "ckpt-1.index").write_bytes(b"old")
    fresh, fresh_opt = _build(seed=3)
    ckpt2 = TrainingCheckpoint(tmp_path, fresh, fresh_opt, max_to_keep=2)
    assert ckpt2.restore_latest() == 3
    removed = sorted(os.path.basename(p) for p in ckpt2.remove_stale_files())
    assert removed == ["ckpt-1.index", "ckpt-4.data-00000-of-00001", "ckpt-4_temp"]
    assert sorted(os.listdir(tmp_path)) == [
        "checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index",
        "ckpt-3.data-00000-of-00001", "ckpt-3.index"]


def test_variable_key_drops_process_wide_numbers():
    assert variable_key("transformer_layer_0/seed_generator_12/seed_generator_state") == \
        "transformer_layer_0/seed_generator/seed_generator_state"
    assert variable_key("adamw/pooler_kernel_momentum", "adamw") == "pooler_kernel_momentum"
