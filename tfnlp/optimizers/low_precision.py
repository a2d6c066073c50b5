"""Adam's step arithmetic for bfloat16 (or float16) variables (`--dtype=bfloat16`).

Keras's Adam family computes `beta ** step` and `1 - beta` in the
variable's dtype. In bfloat16, 0.999 rounds to 1.0, so the second moment's
bias correction `1 - beta_2 ** step` is 0 and the first update divides by
zero (the loss is NaN from step 2). Here the bias corrections are computed
in float32 and only the finished step is cast to the variable's dtype;
float32 variables take Keras's own update unchanged.

Example:

>>> class MyAdamW(Float32StepAdam, keras.optimizers.AdamW):   # doctest: +SKIP
...     pass
"""

import keras
from keras import ops


def is_low_precision(variable):
    """Whether `variable` is stored in a 16-bit float type."""
    return keras.backend.standardize_dtype(variable.dtype) in ("bfloat16", "float16")


def bias_corrections(iterations, beta_1, beta_2):
    """`(1 - beta_1 ** t, 1 - beta_2 ** t)` at step `t = iterations + 1`, in float32.

    Args:
        iterations: the optimizer's step counter (before this step).
        beta_1, beta_2: the moment decay rates (Python floats or tensors).

    Returns:
        two float32 scalars.
    """
    step = ops.cast(iterations + 1, "float32")
    return (1.0 - ops.power(ops.cast(beta_1, "float32"), step),
            1.0 - ops.power(ops.cast(beta_2, "float32"), step))


class Float32StepAdam:
    """Mixin for `keras.optimizers.Adam`/`AdamW` subclasses: safe on 16-bit variables.

    Put it before the Keras class in the bases. The decoupled weight decay
    of AdamW is applied by Keras's base class either way.
    """

    def update_step(self, gradient, variable, learning_rate):
        """Keras's Adam step; for 16-bit variables with float32 bias corrections.

        Args:
            gradient: the variable's gradient.
            variable: the variable to update.
            learning_rate: the current learning rate.
        """
        if not is_low_precision(variable) or self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        correction_1, correction_2 = bias_corrections(self.iterations, self.beta_1, self.beta_2)
        step_size = ops.cast(learning_rate, "float32") * ops.sqrt(correction_2) / correction_1
        gradient = ops.cast(gradient, dtype)
        # `_momentums`/`_velocities`/`_get_variable_index`: the slots every
        # built-in Keras Adam keeps; there is no public accessor.
        index = self._get_variable_index(variable)
        m, v = self._momentums[index], self._velocities[index]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1.0 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1.0 - self.beta_2))
        self.assign_sub(variable, ops.divide(ops.multiply(m, ops.cast(step_size, dtype)),
                                             ops.add(ops.sqrt(v), self.epsilon)))
        return None
