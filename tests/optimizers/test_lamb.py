"""Lamb: numerics against a numpy reference, exclusions, training, config."""

import copy

import keras
import numpy as np
import pytest

from tfnlp.optimizers import Lamb


def _numpy_lamb(weights, grads_per_step, decay, adapt, lr=1e-2, b1=0.9,
                b2=0.999, eps=1e-6, wd=0.01):
    """Plain numpy LAMB as written in SPEC.md."""
    w = [x.astype(np.float64).copy() for x in weights]
    m = [np.zeros_like(x) for x in w]
    v = [np.zeros_like(x) for x in w]
    for t, grads in enumerate(grads_per_step, start=1):
        for i, g in enumerate(grads):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            r = m_hat / (np.sqrt(v_hat) + eps)
            if decay[i]:
                r = r + wd * w[i]
            trust = 1.0
            w_norm, r_norm = np.linalg.norm(w[i]), np.linalg.norm(r)
            if adapt[i] and w_norm > 0 and r_norm > 0:
                trust = w_norm / r_norm
            w[i] = w[i] - lr * trust * r
    return w


def _small_model():
    inputs = keras.Input((4,))
    x = keras.layers.Dense(5, name="dense")(inputs)
    x = keras.layers.LayerNormalization(name="layer_normalization")(x)
    outputs = keras.layers.Dense(2, name="head")(x)
    return keras.Model(inputs, outputs)


def _randomize(variables, rng):
    for v in variables:
        v.assign(rng.normal(size=v.shape).astype("float32"))


@pytest.mark.parametrize("steps", [1, 5])
def test_matches_numpy_reference(steps):
    rng = np.random.default_rng(0)
    model = _small_model()
    variables = model.trainable_variables
    _randomize(variables, rng)
    # One variable left at zero: its trust ratio must fall back to 1.
    variables[0].assign(np.zeros(variables[0].shape, "float32"))
    start = [v.numpy() for v in variables]
    grads = [[rng.normal(size=v.shape).astype("float32") for v in variables]
             for _ in range(steps)]

    optimizer = Lamb(learning_rate=1e-2)
    for step_grads in grads:
        optimizer.apply_gradients(zip(step_grads, variables))

    paths = [v.path for v in variables]
    excluded = [("bias" in p or "layer_norm" in p) for p in paths]
    assert excluded == [False, True, True, True, False, True], paths
    expected = _numpy_lamb(start, grads, decay=[not e for e in excluded],
                           adapt=[not e for e in excluded])
    for v, want in zip(variables, expected):
        np.testing.assert_allclose(v.numpy(), want, rtol=2e-5, atol=1e-6,
                                   err_msg=v.path)


def test_custom_exclusions_and_defaults_differ():
    rng = np.random.default_rng(1)
    model = _small_model()
    variables = model.trainable_variables
    _randomize(variables, rng)
    start = [v.numpy() for v in variables]
    grads = [[rng.normal(size=v.shape).astype("float32") for v in variables]
             for _ in range(3)]
    # Decay everything; exclude only the head from layer adaptation.
    optimizer = Lamb(learning_rate=1e-2, weight_decay=0.1,
                     exclude_from_weight_decay=[],
                     exclude_from_layer_adaptation=["head"])
    for step_grads in grads:
        optimizer.apply_gradients(zip(step_grads, variables))
    adapt = [not v.path.startswith("head") for v in variables]
    expected = _numpy_lamb(start, grads, decay=[True] * len(variables),
                           adapt=adapt, wd=0.1)
    for v, want in zip(variables, expected):
        np.testing.assert_allclose(v.numpy(), want, rtol=2e-5, atol=1e-6,
                                   err_msg=v.path)


def test_zero_gradients_decay_only_non_excluded_variables():
    """With g = 0, r = wd*w and trust = 1/wd, so w shrinks by (1 - lr)."""
    rng = np.random.default_rng(2)
    model = _small_model()
    variables = model.trainable_variables
    _randomize(variables, rng)
    start = [v.numpy() for v in variables]
    optimizer = Lamb(learning_rate=0.1, weight_decay=0.01)
    optimizer.apply_gradients(
        [(np.zeros(v.shape, "float32"), v) for v in variables])
    for v, before in zip(variables, start):
        if "bias" in v.path or "layer_norm" in v.path:
            np.testing.assert_array_equal(v.numpy(), before, err_msg=v.path)
        else:
            np.testing.assert_allclose(v.numpy(), 0.9 * before, rtol=1e-5,
                                       err_msg=v.path)


def test_exclude_from_weight_decay_method_adds_variables():
    rng = np.random.default_rng(3)
    model = _small_model()
    variables = model.trainable_variables
    _randomize(variables, rng)
    kernel = model.get_layer("dense").kernel
    before = kernel.numpy()
    head_before = model.get_layer("head").kernel.numpy()
    optimizer = Lamb(learning_rate=0.1)
    optimizer.exclude_from_weight_decay(var_list=[kernel])
    optimizer.apply_gradients(
        [(np.zeros(v.shape, "float32"), v) for v in variables])
    np.testing.assert_array_equal(kernel.numpy(), before)
    np.testing.assert_allclose(model.get_layer("head").kernel.numpy(),
                               0.9 * head_before, rtol=1e-5)
    # The optimizer did not take the excluded model variable as its own state.
    assert not any(v is kernel for v in optimizer.variables)
    assert len(optimizer.variables) == 2 + 2 * len(variables)


def test_real_transformer_paths_are_excluded():
    import keras_hub

    inputs = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(20, 16, name="embedding")(inputs)
    x = keras_hub.layers.TransformerEncoder(
        intermediate_dim=32, num_heads=2, name="transformer_layer_0")(x)
    x = keras.layers.LayerNormalization(name="layer_normalization")(x)
    outputs = keras.layers.Dense(3, name="dense")(x)
    model = keras.Model(inputs, outputs)
    optimizer = Lamb()
    optimizer.build(model.trainable_variables)
    decayed = {v.path for v, flag in zip(model.trainable_variables,
                                         optimizer._decay_flags) if flag}
    assert decayed == {
        "embedding/embeddings",
        "transformer_layer_0/self_attention_layer/query/kernel",
        "transformer_layer_0/self_attention_layer/key/kernel",
        "transformer_layer_0/self_attention_layer/value/kernel",
        "transformer_layer_0/self_attention_layer/attention_output/kernel",
        "transformer_layer_0/feedforward_intermediate_dense/kernel",
        "transformer_layer_0/feedforward_output_dense/kernel",
        "dense/kernel",
    }


def test_trains_a_small_model():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(128, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 2))).astype("float32")
    model = _small_model()
    model.compile(optimizer=Lamb(learning_rate=1e-2), loss="mse")
    history = model.fit(x, y, batch_size=32, epochs=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.5 * losses[0], losses


def test_get_config_round_trip():
    from tfnlp.optimizers import WarmupPolynomialDecay

    schedule = WarmupPolynomialDecay(2e-3, decay_steps=100, warmup_steps=10)
    optimizer = Lamb(learning_rate=schedule, beta_1=0.8, beta_2=0.99,
                     epsilon=1e-5, weight_decay=0.02,
                     exclude_from_weight_decay=["bias"],
                     exclude_from_layer_adaptation=["norm"],
                     global_clipnorm=1.0)
    config = optimizer.get_config()
    restored = Lamb.from_config(copy.deepcopy(config))
    assert restored.get_config() == config
    assert isinstance(restored.learning_rate, type(optimizer.learning_rate))
    serialized = keras.optimizers.serialize(optimizer)
    again = keras.optimizers.deserialize(serialized)
    assert isinstance(again, Lamb)
    assert again.weight_decay_rate == 0.02
    assert again.exclude_from_layer_adaptation_patterns == ["norm"]
    assert again.global_clipnorm == 1.0
    assert again.weight_decay is None  # no decoupled decay from the base class
