"""Tests for ScalarMix: the ELMo formula, layer norm, learning, config."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.layers.scalar_mix import ScalarMix


def test_formula_matches_numpy():
    rng = np.random.default_rng(0)
    layers = [rng.normal(size=(2, 4, 3)).astype("float32") for _ in range(3)]
    w = [0.5, -1.0, 2.0]
    mix = ScalarMix(initial_weights=w, initial_gamma=1.5)
    got = keras.ops.convert_to_numpy(mix(layers))
    s = np.exp(w) / np.exp(w).sum()
    want = 1.5 * sum(s_j * h for s_j, h in zip(s, layers))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mix.mixing_weights(), s, rtol=1e-5)


def test_default_is_equal_weights():
    layers = [np.full((1, 2, 2), float(i), "float32") for i in range(4)]
    got = keras.ops.convert_to_numpy(ScalarMix()(layers))
    np.testing.assert_allclose(got, np.full((1, 2, 2), 1.5), rtol=1e-6)


def test_layer_norm_ignores_padding():
    x = np.zeros((1, 4, 2), "float32")
    x[0, :2] = [[1.0, 3.0], [5.0, 7.0]]
    x[0, 2:] = 1000.0  # padding: must not affect the statistics
    mask = np.array([[1, 1, 0, 0]])
    out = keras.ops.convert_to_numpy(ScalarMix(layer_norm=True)([x], padding_mask=mask))
    real = out[0, :2].reshape(-1)
    np.testing.assert_allclose(real.mean(), 0.0, atol=1e-5)
    np.testing.assert_allclose(real.std(), 1.0, atol=1e-4)


def test_weights_are_learned():
    """The mix learns to pick the one layer that predicts the target."""
    rng = np.random.default_rng(1)
    n = 256
    target = rng.normal(size=(n, 8)).astype("float32")
    layers = [rng.normal(size=(n, 8)).astype("float32"), target,
              rng.normal(size=(n, 8)).astype("float32")]
    inputs = [keras.Input((8,)) for _ in range(3)]
    mix = ScalarMix(name="mix")
    model = keras.Model(inputs, mix(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    before = mix.mixing_weights()
    model.fit(layers, target, epochs=40, batch_size=64, verbose=0)
    after = mix.mixing_weights()
    np.testing.assert_allclose(before, [1 / 3] * 3, rtol=1e-6)
    assert after.argmax() == 1 and after[1] > 0.8
    assert float(keras.ops.convert_to_numpy(mix.gamma)) > 0.9


def test_config_roundtrip_and_errors():
    mix = ScalarMix(num_inputs=2, layer_norm=True, initial_gamma=0.5)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(mix))
    assert clone.get_config() == mix.get_config()
    with pytest.raises(TfnlpError, match="2 inputs but got 3"):
        mix([np.ones((1, 2, 2), "float32")] * 3)
    with pytest.raises(TfnlpError, match="initial_weights"):
        ScalarMix(num_inputs=3, initial_weights=[0.0])
