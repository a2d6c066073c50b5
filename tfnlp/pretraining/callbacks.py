"""The Keras callback that drives a pretraining run step by step.

`model.fit` runs "epochs" of `checkpoint_every` steps; this callback counts
global steps (the optimizer's step, restored on resume) and, on every step:
logs progress, writes TensorBoard scalars, saves checkpoints, and stops
training exactly at the last step.

Example:

>>> callback = PretrainingCallback(checkpoint, total_steps=1000,
...                                checkpoint_every=100, log_every=10,
...                                log_dir="run/logs/train")   # doctest: +SKIP
>>> model.fit(dataset, steps_per_epoch=100, epochs=10, callbacks=[callback])  # doctest: +SKIP
"""

import sys
import time

import keras
import tensorflow as tf

# Logged metrics, in display order (those a run has).
METRIC_NAMES = ("loss", "mlm_loss", "mlm_accuracy", "nsp_loss", "nsp_accuracy")


def canonical_metrics(logs):
    """Names Keras logs `loss, mlm_loss, mlm_accuracy[, nsp_loss, nsp_accuracy]`.

    With a single (MLM) output, Keras 3 logs plain `loss` and `accuracy`;
    then the MLM loss is the loss.

    Args:
        logs: dict of Keras logs (from `fit` callbacks or `evaluate`).

    Returns:
        dict with the `METRIC_NAMES` present, as floats.

    Example:

    >>> canonical_metrics({"loss": 2.0, "accuracy": 0.5})
    {'loss': 2.0, 'mlm_loss': 2.0, 'mlm_accuracy': 0.5}
    """
    logs = dict(logs or {})
    if "mlm_accuracy" not in logs and "accuracy" in logs:
        logs["mlm_accuracy"] = logs["accuracy"]
        logs.setdefault("mlm_loss", logs.get("loss"))
    return {k: float(logs[k]) for k in METRIC_NAMES if logs.get(k) is not None}


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


def print_log(message):
    """Writes one progress line to stderr (stdout is kept for results)."""
    print(f"[tfnlp] {message}", file=sys.stderr, flush=True)


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
                 log_dir=None, learning_rate=None, log=print_log):
        super().__init__()
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
        self._window_start = (time.perf_counter(), self.step, {})
        self._epoch_batches = 0

    def on_epoch_begin(self, epoch, logs=None):
        # Keras resets its metrics at each epoch; restart the running sums.
        self._epoch_batches = 0
        self._window_start = (self._window_start[0], self._window_start[1], {})

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        self._epoch_batches += 1
        logs = canonical_metrics(logs)
        # Running mean * batches in this epoch = sum since the epoch started.
        sums = {k: float(logs[k]) * self._epoch_batches
                for k in METRIC_NAMES if k in logs}
        if self.step % self.log_every == 0 or self.step >= self.total_steps:
            self._log_window(sums)
        if self.step % self.checkpoint_every == 0 or self.step >= self.total_steps:
            path = self.checkpoint.save(self.step)
            self.saved.append(path)
            self.log(f"step {self.step}: saved checkpoint {path}")
        if self.step >= self.total_steps:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.flush()

    # --- helpers --------------------------------------------------------------

    def _log_window(self, sums):
        start_time, start_step, start_sums = self._window_start
        now = time.perf_counter()
        n = max(self.step - start_step, 1)
        window = {}
        for k, total in sums.items():
            window[k] = (total - start_sums.get(k, 0.0)) / min(n, self._epoch_batches)
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
