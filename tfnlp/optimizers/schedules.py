"""Learning-rate schedules: linear warmup followed by polynomial decay."""

import keras
from keras import ops

from tfnlp.errors import TfnlpError


@keras.saving.register_keras_serializable(package="tfnlp")
class WarmupPolynomialDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warmup from 0 to a peak, then polynomial decay to an end value.

    For `step < warmup_steps` the rate is `peak * step / warmup_steps`. From
    `warmup_steps` to `decay_steps` it falls from `peak` to
    `end_learning_rate` as
    `(peak - end) * (1 - (step - warmup) / (decay_steps - warmup)) ** power + end`
    (`power=1.0` is linear), and it stays at `end_learning_rate` afterwards.
    `decay_steps` counts from step 0, so it is the total number of training
    steps. Unlike the original BERT code (which decays from step 0 and lets
    warmup override the first steps) the curve is continuous at the peak.

    Args:
        peak_learning_rate: float. The rate reached at the end of warmup.
        decay_steps: int. The step at which `end_learning_rate` is reached
            (usually the total number of training steps).
        warmup_steps: int. Steps of linear warmup from 0; 0 means none.
        end_learning_rate: float. The final rate. Defaults to 0.
        power: float. The power of the polynomial decay. 1.0 is linear.
        name: str. Optional name.

    Returns:
        A schedule; calling it with a step gives a float32 scalar rate.

    Example:

    >>> schedule = WarmupPolynomialDecay(1e-4, decay_steps=100, warmup_steps=10)
    >>> float(schedule(5))  # halfway through warmup
    5e-05
    >>> optimizer = keras.optimizers.AdamW(learning_rate=schedule)
    """

    def __init__(
        self,
        peak_learning_rate,
        decay_steps,
        warmup_steps=0,
        end_learning_rate=0.0,
        power=1.0,
        name=None,
    ):
        if int(warmup_steps) < 0:
            raise TfnlpError(
                f"WarmupPolynomialDecay: warmup_steps={warmup_steps} must be >= 0."
            )
        if int(decay_steps) < int(warmup_steps) or int(decay_steps) <= 0:
            raise TfnlpError(
                f"WarmupPolynomialDecay: decay_steps={decay_steps} must be > 0 "
                f"and >= warmup_steps={warmup_steps} (decay_steps counts from "
                "step 0, i.e. it is the total number of training steps)."
            )
        self.peak_learning_rate = float(peak_learning_rate)
        self.decay_steps = int(decay_steps)
        self.warmup_steps = int(warmup_steps)
        self.end_learning_rate = float(end_learning_rate)
        self.power = float(power)
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        peak = ops.cast(self.peak_learning_rate, "float32")
        end = ops.cast(self.end_learning_rate, "float32")
        warmup = float(self.warmup_steps)
        warmup_lr = peak * step / max(warmup, 1.0)
        decay_span = max(float(self.decay_steps - self.warmup_steps), 1.0)
        progress = ops.clip((step - warmup) / decay_span, 0.0, 1.0)
        decay_lr = (peak - end) * ops.power(1.0 - progress, self.power) + end
        return ops.where(step < warmup, warmup_lr, decay_lr)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "decay_steps": self.decay_steps,
            "warmup_steps": self.warmup_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "name": self.name,
        }
