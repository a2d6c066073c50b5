"""WarmupPolynomialDecay: values at chosen steps, validation, serialization."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.optimizers import WarmupPolynomialDecay


@pytest.mark.parametrize(
    "step, expected",
    [(0, 0.0), (5, 0.5), (10, 1.0), (55, 0.5), (100, 0.0), (1000, 0.0)],
)
def test_linear_warmup_then_linear_decay(step, expected):
    schedule = WarmupPolynomialDecay(1.0, decay_steps=100, warmup_steps=10)
    assert float(schedule(step)) == pytest.approx(expected, abs=1e-6)


def test_end_learning_rate_and_power():
    schedule = WarmupPolynomialDecay(1.0, decay_steps=110, warmup_steps=10,
                                     end_learning_rate=0.1, power=2.0)
    # progress 0.5 -> (1 - 0.1) * 0.25 + 0.1
    assert float(schedule(60)) == pytest.approx(0.325, abs=1e-6)
    assert float(schedule(500)) == pytest.approx(0.1, abs=1e-6)


def test_no_warmup_starts_at_peak():
    schedule = WarmupPolynomialDecay(3e-4, decay_steps=10, warmup_steps=0)
    values = [float(schedule(s)) for s in range(11)]
    np.testing.assert_allclose(values, 3e-4 * (1 - np.arange(11) / 10),
                               atol=1e-9)


def test_accepts_tensor_steps_like_the_optimizer_passes():
    schedule = WarmupPolynomialDecay(1.0, decay_steps=100, warmup_steps=10)
    step = keras.Variable(4, dtype="int64")
    assert float(schedule(step)) == pytest.approx(0.4)


@pytest.mark.parametrize("decay, warmup", [(5, 10), (0, 0), (10, -1)])
def test_bad_steps_raise(decay, warmup):
    with pytest.raises(TfnlpError, match="steps"):
        WarmupPolynomialDecay(1.0, decay_steps=decay, warmup_steps=warmup)


def test_serialization_round_trip():
    schedule = WarmupPolynomialDecay(1e-4, decay_steps=1000, warmup_steps=100,
                                     end_learning_rate=1e-6, power=1.5)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(schedule))
    assert isinstance(restored, WarmupPolynomialDecay)
    assert restored.get_config() == schedule.get_config()
    for step in (0, 50, 500, 2000):
        assert float(restored(step)) == pytest.approx(float(schedule(step)))
