"""SlantedTriangularLR: exact values, serialization, use in an optimizer."""

import math

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.finetuning import SlantedTriangularLR


def reference_stlr(t, total, lr_max, cut_frac, ratio):
    """Howard & Ruder (2018), eq. 3, in plain Python."""
    cut = math.floor(total * cut_frac)
    if t < cut:
        p = t / cut
    else:
        p = 1 - (t - cut) / (cut * (1 / cut_frac - 1))
    p = min(max(p, 0.0), 1.0)
    return lr_max * (1 + p * (ratio - 1)) / ratio


@pytest.mark.parametrize(
    "total, lr_max, cut_frac, ratio",
    [(100, 0.01, 0.1, 32), (37, 2e-5, 0.1, 32), (50, 1.0, 0.25, 10), (1000, 3e-4, 0.05, 8)],
)
def test_matches_python_reference(total, lr_max, cut_frac, ratio):
    schedule = SlantedTriangularLR(lr_max, total, cut_frac=cut_frac, ratio=ratio)
    steps = np.arange(0, total + 5)
    got = keras.ops.convert_to_numpy(schedule(steps))
    want = np.array([reference_stlr(int(t), total, lr_max, cut_frac, ratio) for t in steps])
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_shape_start_peak_end():
    schedule = SlantedTriangularLR(0.01, 1000)
    assert schedule.cut == 100
    assert float(schedule(0)) == pytest.approx(0.01 / 32)
    assert float(schedule(100)) == pytest.approx(0.01)
    assert float(schedule(1000)) == pytest.approx(0.01 / 32, rel=1e-3)
    assert float(schedule(5000)) == pytest.approx(0.01 / 32)  # clipped after T


def test_serialization_round_trip():
    schedule = SlantedTriangularLR(0.02, 200, cut_frac=0.2, ratio=16)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(schedule)
    )
    assert isinstance(restored, SlantedTriangularLR)
    assert restored.get_config() == schedule.get_config()
    assert float(restored(37)) == pytest.approx(float(schedule(37)))


def test_drives_an_optimizer_step_by_step():
    schedule = SlantedTriangularLR(0.1, 20)
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    variable = keras.Variable(np.zeros(3, "float32"))
    for step in range(5):
        assert float(optimizer.learning_rate) == pytest.approx(
            reference_stlr(step, 20, 0.1, 0.1, 32)
        )
        optimizer.apply([np.ones(3, "float32")], [variable])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(lr_max=0.1, total_steps=5), "no rising phase"),
        (dict(lr_max=0.1, total_steps=100, cut_frac=1.5), "cut_frac"),
        (dict(lr_max=0.1, total_steps=100, ratio=0.5), "ratio"),
        (dict(lr_max=0.0, total_steps=100), "lr_max"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(TfnlpError, match=message):
        SlantedTriangularLR(**kwargs)
