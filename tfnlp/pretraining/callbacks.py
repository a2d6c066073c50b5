"""The Keras callback that drives a pretraining run step by step.

`model.fit` runs "epochs" of `checkpoint_every` steps; this callback reads
the global step from the optimizer's iteration count (restored on resume,
exact with `steps_per_execution > 1`) and, whenever the step crosses a
multiple of `log_every` / `checkpoint_every`: logs the objective's metrics,
writes TensorBoard scalars and saves checkpoints; it stops training at the
last step.

Example:

>>> callback = PretrainingCallback(checkpoint, total_steps=1000,
...                                checkpoint_every=100, log_every=10,
...                                log_dir="run/logs/train")   # doctest: +SKIP
>>> model.fit(dataset, steps_per_epoch=100, epochs=10, callbacks=[callback])  # doctest: +SKIP
"""

import time

import keras
import tensorflow as tf

from tfnlp.io import print_log

def write_scalar(name, value, step):
    """Writes a TensorBoard scalar with the default summary writer.

    Same event format as `tf.summary.scalar` (the "scalars" plugin), but
    through the core op `tf.summary.write`, so it works without the
    `tensorboard` package (which `tf.summary.scalar` needs).

    Args:
        name: str tag.
        value: float.
        step: int.

    Returns:
        bool, whether a writer was active.
    """
    from tensorflow.core.framework import summary_pb2

    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))
    return tf.summary.write(name, tf.constant(float(value), tf.float32),
                            step=step, metadata=metadata)


class PretrainingCallback(keras.callbacks.Callback):
    """Logs, checkpoints and stops a pretraining `fit` by global step.

    Progress values are means over the steps since the previous log line
    (Keras reports running means since the start of the epoch; we take
    differences of those).

    Args:
        checkpoint: a `tfnlp.pretraining.checkpointing.TrainingCheckpoint`;
            its `step` is the global step at the start of `fit`.
        total_steps: int, stop after this global step.
        checkpoint_every: int, save when the step is a multiple of it (and at
            the last step).
        log_every: int, log and write TensorBoard scalars every so many steps.
        log_dir: str or None, the TensorBoard folder for training scalars.
        learning_rate: callable step -> current rate, or None.
        log: callable taking one str, for progress lines.
        objective: the run's `tfnlp.objectives.base.Objective`; its
            `metric_names` are logged (default: the loss only).

    Attributes:
        step: int, the current global step.
        last_metrics: dict of the last logged window's means.
        steps_per_second: float, training speed after the first log window
            (which includes graph tracing), or over all steps if there is
            only one window.

    Example:

    >>> cb = PretrainingCallback(ckpt, total_steps=100, checkpoint_every=50,
    ...                          log_every=10, log_dir=None)   # doctest: +SKIP
    """

    def __init__(self, checkpoint, total_steps, checkpoint_every, log_every,
                 log_dir=None, learning_rate=None, log=print_log, objective=None):
        super().__init__()
        self.objective = objective
        self.checkpoint = checkpoint
        self.total_steps = int(total_steps)
        self.checkpoint_every = int(checkpoint_every)
        self.log_every = int(log_every)
        self.learning_rate = learning_rate
        self.log = log
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None
        self.step = checkpoint.step
        self.start_step = self.step
        self.last_metrics = {}
        self.steps_per_second = None
        self.saved = []
        self._window_start = None   # (time, step, sums) at the last log
        self._first_window_end = None  # (time, step) after the first window

    # --- Keras hooks ----------------------------------------------------------

    def on_train_begin(self, logs=None):
        self.step = self.checkpoint.step
        self._window_start = (time.perf_counter(), self.step, {})
        self._epoch_start_step = self.step

    def on_epoch_begin(self, epoch, logs=None):
        # Keras resets its metrics at each epoch; restart the running sums.
        self._epoch_start_step = self.step
        self._window_start = (self._window_start[0], self._window_start[1], {})

    def _metrics(self, logs):
        if self.objective is not None:
            return self.objective.canonical_metrics(logs)
        return {"loss": float(logs["loss"])} if logs and "loss" in logs else {}

    def on_train_batch_end(self, batch, logs=None):
        previous, self.step = self.step, self.checkpoint.step
        steps_in_epoch = max(self.step - self._epoch_start_step, 1)
        # Running mean * steps in this epoch = sum since the epoch started.
        sums = {k: v * steps_in_epoch for k, v in self._metrics(logs).items()}
        last = self.step >= self.total_steps

        def crossed(every):
            return self.step // every != previous // every

        if crossed(self.log_every) or last:
            self._log_window(sums, steps_in_epoch)
        if crossed(self.checkpoint_every) or last:
            path = self.checkpoint.save(self.step)
            self.saved.append(path)
            self.log(f"step {self.step}: saved checkpoint {path}")
        if last:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.flush()

    # --- helpers --------------------------------------------------------------

    def _log_window(self, sums, steps_in_epoch):
        start_time, start_step, start_sums = self._window_start
        now = time.perf_counter()
        n = max(self.step - start_step, 1)
        window = {}
        for k, total in sums.items():
            window[k] = (total - start_sums.get(k, 0.0)) / min(n, steps_in_epoch)
        self.last_metrics = window
        rate = n / max(now - start_time, 1e-9)
        if self._first_window_end is None:
            self._first_window_end = (now, self.step)
            self.steps_per_second = rate
        else:
            t0, s0 = self._first_window_end
            self.steps_per_second = (self.step - s0) / max(now - t0, 1e-9)
        lr = float(self.learning_rate(self.step)) if self.learning_rate else None
        parts = [f"step {self.step}/{self.total_steps}"]
        parts += [f"{k}={v:.4f}" for k, v in window.items()]
        if lr is not None:
            parts.append(f"lr={lr:.3g}")
        parts.append(f"steps/s={rate:.2f}")
        self.log(" ".join(parts))
        if self.writer is not None:
            with self.writer.as_default():
                for k, v in window.items():
                    write_scalar(k, v, self.step)
                if lr is not None:
                    write_scalar("learning_rate", lr, self.step)
                write_scalar("steps_per_second", rate, self.step)
        self._window_start = (now, self.step, sums)
