"""Slanted triangular learning rates (Howard & Ruder 2018, eq. 3)."""

import math

import keras
from keras import ops

from tfnlp.errors import TfnlpError


@keras.saving.register_keras_serializable(package="tfnlp")
class SlantedTriangularLR(keras.optimizers.schedules.LearningRateSchedule):
    """A short linear rise to `lr_max`, then a long linear fall.

    With `T = total_steps` and `t` the optimizer step (0-based):

        cut = floor(T * cut_frac)
        p   = t / cut                                     if t < cut
            = 1 - (t - cut) / (cut * (1 / cut_frac - 1))  otherwise
        lr  = lr_max * (1 + p * (ratio - 1)) / ratio

    so the rate starts at `lr_max / ratio`, peaks at `lr_max` at step `cut`
    and is back near `lr_max / ratio` at step `T`. After `T`, `p` is clipped
    at 0 and the rate stays at `lr_max / ratio` (the paper stops at `T`).

    Args:
        lr_max: float. The peak learning rate (the paper's `eta_max`).
        total_steps: int. `T`, the number of training steps.
        cut_frac: float in (0, 1). Fraction of steps spent rising.
            Defaults to 0.1.
        ratio: float >= 1. How much smaller the lowest rate is than
            `lr_max`. Defaults to 32.
        name: str. Optional name.

    Returns:
        A `LearningRateSchedule`; calling it with a step gives a float32
        scalar.

    Raises:
        TfnlpError: `total_steps * cut_frac < 1` (no rising phase), or
            arguments out of range.

    Example:

    >>> schedule = SlantedTriangularLR(lr_max=0.01, total_steps=1000)
    >>> float(schedule(100))   # the peak, at cut = 100
    0.01
    >>> optimizer = keras.optimizers.Adam(learning_rate=schedule)
    """

    def __init__(self, lr_max, total_steps, cut_frac=0.1, ratio=32.0, name=None):
        lr_max = float(lr_max)
        total_steps = int(total_steps)
        cut_frac = float(cut_frac)
        ratio = float(ratio)
        if lr_max <= 0:
            raise TfnlpError(f"SlantedTriangularLR: lr_max={lr_max} must be > 0.")
        if not 0.0 < cut_frac < 1.0:
            raise TfnlpError(
                f"SlantedTriangularLR: cut_frac={cut_frac} must be in (0, 1)."
            )
        if ratio < 1.0:
            raise TfnlpError(f"SlantedTriangularLR: ratio={ratio} must be >= 1.")
        if math.floor(total_steps * cut_frac) < 1:
            raise TfnlpError(
                f"SlantedTriangularLR: total_steps={total_steps} * "
                f"cut_frac={cut_frac} < 1 leaves no rising phase; train for "
                f"at least {math.ceil(1 / cut_frac)} steps or raise cut_frac."
            )
        self.lr_max = lr_max
        self.total_steps = total_steps
        self.cut_frac = cut_frac
        self.ratio = ratio
        self.name = name

    @property
    def cut(self):
        """int: the step at which the rate peaks, `floor(T * cut_frac)`."""
        return int(math.floor(self.total_steps * self.cut_frac))

    def __call__(self, step):
        t = ops.cast(step, "float32")
        cut = float(self.cut)
        rising = t / cut
        falling = 1.0 - (t - cut) / (cut * (1.0 / self.cut_frac - 1.0))
        p = ops.clip(ops.where(t < cut, rising, falling), 0.0, 1.0)
        return self.lr_max * (1.0 + p * (self.ratio - 1.0)) / self.ratio

    def get_config(self):
        """Returns the constructor arguments.

        Returns:
            dict.

        Example:

        >>> SlantedTriangularLR.from_config(schedule.get_config())
        """
        return {
            "lr_max": self.lr_max,
            "total_steps": self.total_steps,
            "cut_frac": self.cut_frac,
            "ratio": self.ratio,
            "name": self.name,
        }
