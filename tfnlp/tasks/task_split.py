"""`TaskSplit`: model inputs, targets and what decoding needs, for one file.

Example:

>>> split = task.read_eval("dev.jsonl")                 # doctest: +SKIP
>>> dataset = split.dataset(batch_size=32)              # doctest: +SKIP
"""

import dataclasses
from typing import Any, Optional

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")


@dataclasses.dataclass
class TaskSplit:
    """One data file turned into model features.

    Attributes:
        x: dict of numpy arrays, the packed model inputs (int32 `token_ids,
            segment_ids, padding_mask` `[N, seq_length]`, plus any other key
            the family tokenizer packs, e.g. ELMo's `char_ids`; a
            text-embedding module's strings `text` `[N]`).
        y: dict output name -> int32 numpy targets, or None (no labels).
        sample_weight: dict output name -> float32 weights, or None.
        extra: whatever the task's scorer / decoder needs (examples,
            features, gold labels).
    """

    x: dict
    y: Optional[dict] = None
    sample_weight: Optional[dict] = None
    extra: Any = None

    @property
    def size(self):
        """int: number of feature rows."""
        return len(next(iter(self.x.values())))

    def inputs(self, names=None):
        """`x` restricted to `names` (a model's input names; None: all).

        Raises:
            TfnlpError: an input the features lack.
        """
        if names is None:
            return dict(self.x)
        missing = sorted(set(names) - set(self.x))
        if missing:
            from tfnlp.errors import TfnlpError

            raise TfnlpError(f"the model takes inputs {missing} that the task's "
                             f"features lack (they have {sorted(self.x)})")
        return {k: self.x[k] for k in names}

    def dataset(self, batch_size, shuffle=False, seed=None, with_targets=True, names=None):
        """A batched `tf.data.Dataset` of `(x, y[, sample_weight])` or `x`.

        Args:
            batch_size: int.
            shuffle: bool, reshuffle each epoch.
            seed: int, shuffle seed.
            with_targets: include `y` (and weights) when present.
            names: the model's input names (`x` is cut to them); None: all.

        Returns:
            `tf.data.Dataset`.
        """
        import tensorflow as tf

        parts = [self.inputs(names)]
        if with_targets and self.y is not None:
            parts.append(dict(self.y))
            if self.sample_weight is not None:
                parts.append(dict(self.sample_weight))
        data = tf.data.Dataset.from_tensor_slices(tuple(parts) if len(parts) > 1 else parts[0])
        if shuffle:
            data = data.shuffle(self.size, seed=seed, reshuffle_each_iteration=True)
        return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
