"""Gradual unfreezing (Howard & Ruder 2018): one more group from the top per epoch.

The callback does not touch `layer.trainable` (that needs a recompile, and a
loaded hub module's variables are no Keras layers). It sets the optimizer's
`trainable_groups` variable instead: a `DiscriminativeOptimizer` then gives
frozen groups no update and leaves their optimizer slots untouched (see
`tfnlp.finetuning.discriminative`). The change takes effect at the next step
without retracing the train function.

Backends: the callback writes an optimizer variable between steps, which the
TensorFlow trainer reads at every step. (The JAX trainer keeps optimizer
state in a local copy during `fit`, so there the count only changes between
`fit` calls.)

Example:

>>> model.compile(optimizer=DiscriminativeAdam(1e-3), loss="mse")
>>> model.fit(x, y, epochs=4, callbacks=[GradualUnfreezing()])
"""

import keras
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.finetuning.discriminative import DiscriminativeOptimizer

SCHEDULES = ("epoch", "steps")


def find_discriminative_optimizer(optimizer):
    """The `DiscriminativeOptimizer` in `optimizer` (or inside its wrapper).

    Args:
        optimizer: `model.optimizer`, possibly a `LossScaleOptimizer`.

    Returns:
        The `DiscriminativeOptimizer`.

    Raises:
        TfnlpError: if there is none.

    Example:

    >>> find_discriminative_optimizer(model.optimizer).group_names
    ['embeddings', 'transformer_layer_0', 'head']
    """
    candidate = optimizer
    for _ in range(3):
        if isinstance(candidate, DiscriminativeOptimizer):
            return candidate
        candidate = getattr(candidate, "inner_optimizer", None)
    raise TfnlpError(
        f"Gradual unfreezing needs a tfnlp DiscriminativeOptimizer "
        f"(e.g. DiscriminativeAdamW, or tfnlp.finetuning.ulmfit_optimizer); "
        f"the model was compiled with {type(optimizer).__name__}. Use "
        "factor=1.0 for the same learning rate in every group."
    )


class GradualUnfreezing(keras.callbacks.Callback):
    """Trains only the top group(s) at first, then unfreezes one more at a time.

    With `schedule="epoch"`, epoch `e` (0-based, `initial_epoch` respected)
    trains the top `initial_groups + e` groups. With `steps=N` (or
    `schedule="steps"`), the count is `initial_groups + step // N`, where
    `step` is the optimizer's global step, checked before each batch (each
    `steps_per_execution` chunk). Groups are ordered as in
    `tfnlp.finetuning.variable_groups`: head first, then the top encoder
    layer, ..., the embeddings last. At the end of training every group is
    left trainable unless `unfreeze_all_at_end=False`.

    Args:
        schedule: `"epoch"` or `"steps"`. Defaults to `"epoch"`; implied
            `"steps"` when `steps` is given.
        steps: int > 0. Steps between unfreezings for the `"steps"` schedule.
        initial_groups: int >= 1. Groups trainable at the start. Defaults
            to 1 (the head).
        unfreeze_all_at_end: bool. Make every group trainable when training
            ends, so a later `fit` is not silently frozen. Defaults to True.
        verbose: int. 1 prints each change.

    Returns:
        A `keras.callbacks.Callback`.

    Example:

    >>> callback = GradualUnfreezing(steps=100)
    >>> model.fit(dataset, epochs=3, callbacks=[callback])
    >>> callback.history[:2]   # (global step, trainable groups)
    [(0, 1), (100, 2)]
    """

    def __init__(
        self,
        schedule="epoch",
        steps=None,
        initial_groups=1,
        unfreeze_all_at_end=True,
        verbose=0,
    ):
        super().__init__()
        if steps is not None:
            if schedule not in ("epoch", "steps"):
                raise TfnlpError(
                    f"GradualUnfreezing: schedule={schedule!r}; use one of {SCHEDULES}."
                )
            schedule = "steps"
        if schedule not in SCHEDULES:
            raise TfnlpError(
                f"GradualUnfreezing: schedule={schedule!r}; use one of {SCHEDULES}."
            )
        if schedule == "steps" and (steps is None or int(steps) <= 0):
            raise TfnlpError(
                f"GradualUnfreezing: schedule='steps' needs steps=N > 0, got {steps!r}."
            )
        if int(initial_groups) < 1:
            raise TfnlpError(
                f"GradualUnfreezing: initial_groups={initial_groups} must be >= 1."
            )
        self.schedule = schedule
        self.steps = int(steps) if steps is not None else None
        self.initial_groups = int(initial_groups)
        self.unfreeze_all_at_end = bool(unfreeze_all_at_end)
        self.verbose = int(verbose)
        self.history = []
        self._optimizer = None
        self._current = None

    def _set(self, count):
        total = len(self._optimizer.group_names)
        count = total if count is None else min(int(count), total)
        if count == self._current:
            return
        step = int(ops.convert_to_numpy(self._optimizer.iterations))
        self._current = self._optimizer.set_trainable_groups(count)
        self.history.append((step, self._current))
        if self.verbose:
            names = self._optimizer.trainable_group_names()
            print(f"GradualUnfreezing: step {step}: training {names}")

    def on_train_begin(self, logs=None):
        optimizer = find_discriminative_optimizer(self.model.optimizer)
        if not optimizer.built:
            optimizer.build(self.model.trainable_variables)
        self._optimizer = optimizer
        self._current = None
        if self.schedule == "steps":
            self._set(self._count_for_step())
        else:
            self._set(self.initial_groups)

    def _count_for_step(self):
        step = int(ops.convert_to_numpy(self._optimizer.iterations))
        return self.initial_groups + step // self.steps

    def on_epoch_begin(self, epoch, logs=None):
        if self.schedule == "epoch":
            self._set(self.initial_groups + int(epoch))

    def on_train_batch_begin(self, batch, logs=None):
        if self.schedule == "steps":
            self._set(self._count_for_step())

    def on_train_end(self, logs=None):
        if self.unfreeze_all_at_end:
            self._set(None)

    def get_config(self):
        """The constructor arguments.

        Returns:
            dict.

        Example:

        >>> GradualUnfreezing(**callback.get_config())
        """
        return {
            "schedule": self.schedule,
            "steps": self.steps,
            "initial_groups": self.initial_groups,
            "unfreeze_all_at_end": self.unfreeze_all_at_end,
            "verbose": self.verbose,
        }
