"""fit_with_xla_fallback: a step XLA refuses trains uncompiled; other errors surface."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.tf_utils import fit_with_xla_fallback


class _StringRoundTrip(keras.layers.Layer):
    """Identity whose graph holds string ops, which XLA cannot compile."""

    def call(self, x):
        text = tf.strings.as_string(x)
        return x + 0.0 * tf.stop_gradient(tf.strings.to_number(text))


def _model(jit_compile):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(1)(_StringRoundTrip()(keras.layers.Dense(4)(inputs)))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=jit_compile)
    return model


X = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
Y = X.sum(axis=1, keepdims=True)


def test_a_step_xla_refuses_trains_with_the_plain_graph():
    lines = []
    model = _model(jit_compile=True)
    fit_with_xla_fallback(model, lambda: model.fit(X, Y, batch_size=8, epochs=2, verbose=0),
                          lines.append)
    assert len(lines) == 1 and "XLA cannot compile" in lines[0]
    assert model.jit_compile is False
    assert int(model.optimizer.iterations.numpy()) == 4
    # Exactly the run an uncompiled model makes: the refusal changed nothing.
    plain = _model(jit_compile=False)
    plain.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    for a, b in zip(model.weights, plain.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_other_errors_are_not_swallowed():
    model = _model(jit_compile=True)

    def fit():
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        fit_with_xla_fallback(model, fit, lambda line: None)
