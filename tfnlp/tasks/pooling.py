"""Pooling a sequence output into one vector per example, padding-side safe.

`--pooling=pooled` uses the backbone's own `pooled_output` (each family's:
BERT's `[CLS]` tanh dense, GPT-2's last real token, ...). The others are
computed here from `sequence_output` and `padding_mask`, so they hold for
right and left padding alike:

- `first`: the first real position (BERT's `[CLS]`; with left padding the
  first position after the pads);
- `last`: the last real position (GPT-2's last token; XLNet's `<cls>`);
- `mean`: the mean over real positions.

Example:

>>> pool = SequencePooling("last")
>>> x = keras.ops.reshape(keras.ops.arange(12, dtype="float32"), (2, 3, 2))
>>> mask = keras.ops.convert_to_tensor([[1, 1, 0], [0, 1, 1]])
>>> keras.ops.convert_to_numpy(pool(x, mask)).tolist()
[[2.0, 3.0], [10.0, 11.0]]
"""

import keras
from keras import ops

from tfnlp.errors import TfnlpError

POOLINGS = ("pooled", "first", "last", "mean")


def check_pooling(pooling):
    """Raises `TfnlpError` unless `pooling` is one of `POOLINGS`.

    Args:
        pooling: str.

    Returns:
        the pooling.
    """
    if pooling not in POOLINGS:
        raise TfnlpError(f"--pooling={pooling!r}: use one of {', '.join(POOLINGS)}.")
    return pooling


@keras.saving.register_keras_serializable(package="tfnlp")
class SequencePooling(keras.layers.Layer):
    """`[batch, seq, width]` + padding mask -> `[batch, width]` (first/last/mean).

    Args:
        mode: `"first"`, `"last"` or `"mean"` (see the module docstring).
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Example:

    >>> SequencePooling("mean")(sequence_output, padding_mask)   # doctest: +SKIP
    """

    def __init__(self, mode, **kwargs):
        super().__init__(**kwargs)
        if mode not in POOLINGS[1:]:
            raise TfnlpError(f"SequencePooling mode {mode!r}: use first, last or mean "
                             "(pooled is the backbone's own pooled_output)")
        self.mode = mode

    def call(self, sequence, padding_mask):
        mask = ops.cast(padding_mask, sequence.dtype)
        if self.mode == "mean":
            total = ops.sum(sequence * mask[..., None], axis=1)
            count = ops.maximum(ops.sum(mask, axis=1, keepdims=True),
                                ops.cast(1.0, sequence.dtype))
            return total / count
        length = ops.shape(sequence)[1]
        positions = ops.cast(ops.arange(length), "int32")[None, :]
        real = ops.cast(padding_mask, "int32") > 0
        if self.mode == "first":
            score = ops.where(real, length - positions, 0)
        else:
            score = ops.where(real, positions + 1, 0)
        pick = ops.one_hot(ops.argmax(score, axis=1), length, dtype=sequence.dtype)
        return ops.sum(sequence * pick[..., None], axis=1)

    def compute_output_shape(self, sequence_shape, padding_mask_shape=None):
        return (sequence_shape[0], sequence_shape[2])

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config
