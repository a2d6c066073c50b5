"""Checkpoints of a Keras 3 model + optimizer + step that survive kill -9.

Why not `tf.train.Checkpoint(model=model, optimizer=optimizer)`? On the TF
backend Keras 3 models are TF trackables, but their layers are not tracked
as checkpoint children: such a checkpoint stores the weights only as
`optimizer/_trainable_variables/<index>` (and not at all without an
optimizer), misses non-trainable state such as the dropout seed generators,
and restores by list position. So we track every variable explicitly, keyed
by its Keras path (`transformer_layer_0/self_attention_layer/query/kernel`,
`lamb/iteration`, ...). Restores then match by name, a model-only restore
(for export) works, and restoring the seed-generator states makes a resumed
run draw the same dropout masks as an uninterrupted one.

Atomicity: `tf.train.CheckpointManager` writes `ckpt-N.index/.data-*` (TF's
saver writes to a temporary name and renames), and only then rewrites the
small `checkpoint` state file (write to temp + rename) and deletes the oldest
checkpoint. A process killed at any point leaves the state file naming the
last complete checkpoint, whose files are untouched.

Example:

>>> ckpt = TrainingCheckpoint("run/checkpoints", model, optimizer)   # doctest: +SKIP
>>> step = ckpt.restore_latest()       # 0 for a fresh run        # doctest: +SKIP
>>> ckpt.save(step=100)                                            # doctest: +SKIP
"""

import os
import re
import shutil

import tensorflow as tf

from tfnlp.errors import TfnlpError

CHECKPOINT_SUBDIR = "checkpoints"
CHECKPOINT_PREFIX = "ckpt"
# Keras numbers seed generators process-wide (`seed_generator_7`), so the
# number differs between two builds of the same model; drop it from keys.
_SEED_GENERATOR_NUMBER = re.compile(r"seed_generator_\d+")
# ckpt-12.index, ckpt-12.data-00000-of-00001, ckpt-12_temp/ (TF's temp dir).
_CHECKPOINT_FILE = re.compile(rf"^({CHECKPOINT_PREFIX}-\d+)(?:\.index|\.data-.*|_temp.*)$")


def variable_key(path, prefix_to_strip=None):
    """Returns the stable checkpoint key of a Keras variable path.

    Args:
        path: str, `variable.path`.
        prefix_to_strip: str or None, e.g. the optimizer's name, removed
            from the front so that `lamb_1/iteration` keys as `iteration`.

    Returns:
        str, the key.

    Example:

    >>> variable_key("transformer_layer_0/seed_generator_12/seed_generator_state")
    'transformer_layer_0/seed_generator/seed_generator_state'
    >>> variable_key("lamb/iteration", prefix_to_strip="lamb")
    'iteration'
    """
    if prefix_to_strip and path.startswith(prefix_to_strip + "/"):
        path = path[len(prefix_to_strip) + 1:]
    return _SEED_GENERATOR_NUMBER.sub("seed_generator", path)


def keyed_variables(variables, prefix_to_strip=None):
    """Maps stable keys to variables; repeated keys get `#1`, `#2`, ... in order.

    Args:
        variables: list of Keras variables (order must be deterministic).
        prefix_to_strip: as for `variable_key`.

    Returns:
        dict of str -> variable, in the given order.
    """
    out = {}
    for variable in variables:
        key = variable_key(variable.path, prefix_to_strip)
        base, n = key, 0
        while key in out:
            n += 1
            key = f"{base}#{n}"
        out[key] = variable
    return out


class _VariableGroup(tf.Module):
    """A trackable folder of named variables (one checkpoint child)."""

    def __init__(self, variables, name):
        super().__init__(name=name)
        self.variables_by_key = variables


class TrainingCheckpoint:
    """Saves and restores a model, its optimizer and the step, keeping the last few.

    The step is the optimizer's `iterations`. The optimizer's variables must
    exist before a restore, so the constructor builds the optimizer on the
    model's trainable variables (what `fit` would do on its first step).
    Create it under the same distribution strategy scope as the model.

    Args:
        directory: folder of the checkpoint files (created when saving).
        model: a built `keras.Model`.
        optimizer: its `keras.optimizers.Optimizer`, or None to save or
            restore the model only (export, evaluation).
        max_to_keep: how many recent checkpoints to keep.

    Example:

    >>> ckpt = TrainingCheckpoint("run/checkpoints", model, optimizer)   # doctest: +SKIP
    >>> ckpt.restore_latest()                                        # doctest: +SKIP
    0
    """

    def __init__(self, directory, model, optimizer=None, max_to_keep=3):
        import keras

        if keras.backend.backend() != "tensorflow":
            # TF's saver reads tf.Variables; other backends' variables are not.
            raise TfnlpError(
                f"tfnlp's training checkpoints need KERAS_BACKEND=tensorflow, not "
                f"{keras.backend.backend()!r}; on another backend pretrain with "
                "tfnlp.pretraining.portable.pretrain_portable (no checkpoints)")
        self.directory = os.fspath(directory)
        self.model = model
        self.optimizer = optimizer
        children = {"model": _VariableGroup(keyed_variables(model.variables), "model")}
        if optimizer is not None:
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
            children["optimizer"] = _VariableGroup(
                keyed_variables(optimizer.variables, prefix_to_strip=optimizer.name),
                "optimizer")
        self.checkpoint = tf.train.Checkpoint(**children)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, self.directory, max_to_keep=max_to_keep,
            checkpoint_name=CHECKPOINT_PREFIX)

    @property
    def step(self):
        """The optimizer's step count (0 without an optimizer)."""
        if self.optimizer is None:
            return 0
        return int(self.optimizer.iterations.numpy())

    @property
    def latest(self):
        """Path prefix of the newest complete checkpoint, or None."""
        return self.manager.latest_checkpoint

    def save(self, step=None):
        """Writes a checkpoint numbered `step` and drops the oldest beyond `max_to_keep`.

        Args:
            step: int; default the optimizer's step.

        Returns:
            str, the checkpoint's path prefix (e.g. `.../ckpt-100`).
        """
        step = self.step if step is None else int(step)
        return self.manager.save(checkpoint_number=step)

    def restore_latest(self):
        """Restores the newest complete checkpoint, if any.

        Returns:
            int, the restored step (0 when there is no checkpoint yet; then
            nothing is changed).

        Raises:
            TfnlpError: the checkpoint does not fit the model (different
                architecture or vocabulary size).
        """
        path = self.latest
        if path is None:
            return 0
        self.restore(path)
        return self.step

    def remove_stale_files(self):
        """Deletes checkpoint files that the state file does not list.

        A process killed during a save can leave a half-written
        `ckpt-N.*` or `ckpt-N_temp/` (N newer than the state file's latest),
        and one killed while pruning can leave an old checkpoint the state
        file no longer lists. Neither is ever read; this removes them.

        Returns:
            list of str, the paths removed.
        """
        if not os.path.isdir(self.directory):
            return []
        kept = {os.path.basename(p) for p in self.manager.checkpoints}
        removed = []
        for name in sorted(os.listdir(self.directory)):
            match = _CHECKPOINT_FILE.match(name)
            if not match or match.group(1) in kept:
                continue
            path = os.path.join(self.directory, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
            removed.append(path)
        return removed

    def restore(self, path):
        """Restores one checkpoint, requiring every variable to be found in it.

        Args:
            path: a checkpoint path prefix (`.../ckpt-100`).

        Raises:
            TfnlpError: missing variables or shape mismatches.
        """
        try:
            status = self.checkpoint.read(path)
            status.assert_existing_objects_matched()
            # A model-only restore leaves the optimizer values unread, by design.
            status.expect_partial()
        except (IndexError, tf.errors.DataLossError) as error:
            raise TfnlpError(f"checkpoint {path}: truncated or corrupt, cannot be read "
                             f"({_first_line(error)}); delete it to resume from an "
                             "earlier one") from None
        except (AssertionError, ValueError, tf.errors.OpError) as error:
            raise TfnlpError(
                f"checkpoint {path} does not fit this model ({_first_line(error)}); "
                "was it written with another preset, vocabulary or objective?"
            ) from None
        return status


def checkpoint_directory(model_dir):
    """Returns the checkpoint folder of a run directory (`MODEL_DIR/checkpoints`)."""
    return os.path.join(os.fspath(model_dir), CHECKPOINT_SUBDIR)


def latest_checkpoint(model_dir):
    """Returns the newest complete checkpoint of a run directory, or None.

    Args:
        model_dir: a run folder written by `pretrain`.

    Returns:
        str path prefix or None.
    """
    return tf.train.latest_checkpoint(checkpoint_directory(model_dir))


def checkpoint_keys(path, group="model"):
    """Lists the variable keys stored in a checkpoint for one group.

    Args:
        path: checkpoint path prefix.
        group: `"model"` or `"optimizer"`.

    Returns:
        list of str keys (see `variable_key`), e.g.
        `"mlm_head/intermediate_dense/kernel"`.
    """
    prefix = f"{group}/variables_by_key/"
    keys = []
    for name, _ in tf.train.list_variables(path):
        if name.startswith(prefix) and name.endswith("/.ATTRIBUTES/VARIABLE_VALUE"):
            local = name[len(prefix):-len("/.ATTRIBUTES/VARIABLE_VALUE")]
            keys.append(_unescape(local))
    return keys


def _unescape(name):
    # Inverse of TF's object-graph escaping ("." -> "..", "/" -> ".S").
    out, i = [], 0
    while i < len(name):
        if name[i] == "." and i + 1 < len(name):
            out.append("/" if name[i + 1] == "S" else name[i + 1])
            i += 2
        else:
            out.append(name[i])
            i += 1
    return "".join(out)


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
