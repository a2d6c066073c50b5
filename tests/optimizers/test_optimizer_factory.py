"""create_optimizer: schedule, clipping and LayerNorm/bias decay exclusion."""

import keras
import keras_hub
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.optimizers import AdamW, Lamb, WarmupPolynomialDecay, create_optimizer


def _transformer_model():
    inputs = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(20, 16, name="embedding")(inputs)
    x = keras_hub.layers.TransformerEncoder(
        intermediate_dim=32, num_heads=2, name="transformer_layer_0")(x)
    x = keras.layers.LayerNormalization(name="layer_normalization")(x)
    outputs = keras.layers.Dense(3, name="dense")(x)
    return keras.Model(inputs, outputs)


def _changed_after_zero_gradient_step(optimizer):
    model = _transformer_model()
    rng = np.random.default_rng(0)
    variables = model.trainable_variables
    for v in variables:  # non-zero everywhere, so decay would be visible
        v.assign(rng.uniform(0.5, 1.5, size=v.shape).astype("float32"))
    before = {v.path: v.numpy() for v in variables}
    optimizer.apply_gradients(
        [(np.zeros(v.shape, "float32"), v) for v in variables])
    return {v.path for v in variables
            if not np.array_equal(v.numpy(), before[v.path])}


KERNELS = {
    "embedding/embeddings",
    "transformer_layer_0/self_attention_layer/query/kernel",
    "transformer_layer_0/self_attention_layer/key/kernel",
    "transformer_layer_0/self_attention_layer/value/kernel",
    "transformer_layer_0/self_attention_layer/attention_output/kernel",
    "transformer_layer_0/feedforward_intermediate_dense/kernel",
    "transformer_layer_0/feedforward_output_dense/kernel",
    "dense/kernel",
}


@pytest.mark.parametrize("name, cls", [("adamw", AdamW), ("lamb", Lamb)])
def test_only_kernels_and_embeddings_decay(name, cls):
    optimizer = create_optimizer(name, learning_rate=0.1, total_steps=10,
                                 warmup_steps=0)
    assert isinstance(optimizer, cls)
    assert _changed_after_zero_gradient_step(optimizer) == KERNELS


def test_adam_has_no_decay():
    optimizer = create_optimizer("adam", learning_rate=0.1, total_steps=10,
                                 warmup_steps=0)
    assert isinstance(optimizer, keras.optimizers.Adam)
    assert _changed_after_zero_gradient_step(optimizer) == set()


def test_adamw_patterns_match_paths_not_names():
    """A path-only pattern works (Keras's own var_names sees `variable.name`,
    which is "gamma" on JAX but "layer_normalization/gamma:0" on TF)."""
    optimizer = AdamW(learning_rate=0.1,
                      exclude_from_weight_decay_patterns=["^transformer_layer_0/"])
    changed = _changed_after_zero_gradient_step(optimizer)
    assert changed == {
        "embedding/embeddings", "layer_normalization/gamma",
        "layer_normalization/beta", "dense/kernel", "dense/bias"}


def test_bert_defaults_schedule_and_clipping():
    optimizer = create_optimizer("AdamW", learning_rate=1e-4,
                                 total_steps=1000, warmup_steps=100)
    assert optimizer.global_clipnorm == 1.0
    assert optimizer.epsilon == 1e-6
    assert optimizer.weight_decay == 0.01
    assert optimizer.beta_1 == 0.9 and optimizer.beta_2 == 0.999
    schedule = optimizer._learning_rate
    assert isinstance(schedule, WarmupPolynomialDecay)
    assert float(schedule(50)) == pytest.approx(5e-5)
    assert float(schedule(1000)) == pytest.approx(0.0)
    no_clip = create_optimizer("lamb", 1e-3, 10, 1, clipnorm=None)
    assert no_clip.global_clipnorm is None


def test_adamw_config_round_trip():
    optimizer = create_optimizer("adamw", 1e-4, 100, 10)
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(restored, AdamW)
    assert restored.exclude_from_weight_decay_patterns == [
        "LayerNorm", "layer_norm", "bias"]
    assert restored.global_clipnorm == 1.0


def test_unknown_name_lists_choices():
    with pytest.raises(TfnlpError, match="lamb, adamw, adam"):
        create_optimizer("sgd", 1e-3, 10, 1)
