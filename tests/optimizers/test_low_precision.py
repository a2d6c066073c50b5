"""bfloat16 variables (`--dtype=bfloat16`) train with every tfnlp optimizer (no NaN from Adam's bias correction)."""

import keras
import numpy as np
import pytest

from tfnlp.finetuning.discriminative import DiscriminativeAdamW
from tfnlp.optimizers import AdamW, Lamb


def _optimizers():
    return {
        "adamw": lambda: AdamW(learning_rate=0.05, weight_decay=0.0),
        "lamb": lambda: Lamb(learning_rate=0.05, weight_decay=0.0),
        "discriminative_adamw": lambda: DiscriminativeAdamW(
            learning_rate=0.05, weight_decay=0.0, require_layer_groups=False),
    }


def _fit(make_optimizer, dtype, steps=30):
    """Least squares on a fixed target: returns the loss curve."""
    target = np.linspace(-1.0, 1.0, 16).astype("float32")
    variable = keras.Variable(np.zeros(16, "float32"), dtype=dtype, name="w")
    optimizer = make_optimizer()
    optimizer.build([variable])
    losses = []
    import tensorflow as tf

    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.cast(variable.value, "float32") - target))
        optimizer.apply_gradients([(tape.gradient(loss, variable.value), variable)])
        losses.append(float(loss))
    return np.array(losses), np.asarray(keras.ops.cast(variable.value, "float32"))


@pytest.mark.parametrize("name", sorted(_optimizers()))
def test_bfloat16_variables_follow_the_float32_run(name):
    make = _optimizers()[name]
    losses_16, weights_16 = _fit(make, "bfloat16")
    losses_32, weights_32 = _fit(make, "float32")
    assert np.all(np.isfinite(losses_16)), losses_16
    assert losses_16[-1] < 0.6 * losses_16[0]
    # bfloat16 keeps ~3 significant digits: the two runs stay close.
    np.testing.assert_allclose(weights_16, weights_32, atol=0.05)
