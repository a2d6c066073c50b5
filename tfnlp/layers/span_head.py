"""Extractive QA head: start and end logits per position, padding masked out."""

import keras
from keras import ops


def mask_value(dtype):
    """A large negative logit that is finite in `dtype` (float16 tops at 65504).

    Args:
        dtype: str, a float dtype name.

    Returns:
        float.
    """
    return -1e4 if "16" in str(dtype) else -1e9


@keras.saving.register_keras_serializable(package="tfnlp")
class SpanHead(keras.layers.Layer):
    """One dense layer to 2 units: start and end logits (BERT's SQuAD head).

    Positions where `padding_mask` is 0 get a large negative logit, so a pad
    can never be the argmax of a start or end distribution and takes no
    probability mass in the softmax cross-entropy.

    Args:
        initializer_range: float. Stddev of the truncated-normal kernel init.
        dropout: float. Dropout rate before the dense layer (BERT: none).
        **kwargs: standard `keras.layers.Layer` arguments.

    Returns (from `call(sequence_output, padding_mask=None)`):
        A dict with `start_logits` and `end_logits`, each `[batch, seq]`.

    Example:
    >>> head = SpanHead()
    >>> x = keras.ops.zeros((2, 6, 32))
    >>> mask = keras.ops.array([[1, 1, 1, 0, 0, 0]] * 2)
    >>> out = head(x, padding_mask=mask)
    >>> out["start_logits"].shape
    (2, 6)
    """

    def __init__(self, initializer_range=0.02, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.initializer_range = float(initializer_range)
        self.dropout = float(dropout)
        # Takes a masked input (e.g. from a masked LSTM) quietly; the mask is
        # applied to the logits via `padding_mask`, not propagated.
        self.supports_masking = True
        self.dropout_layer = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="dropout")
        self.dense = keras.layers.Dense(
            2,
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=self.initializer_range),
            dtype=self.dtype_policy,
            name="span_logits",
        )

    def build(self, sequence_shape):
        self.dense.build(sequence_shape)
        self.built = True

    def call(self, sequence_output, padding_mask=None, training=None):
        logits = self.dense(self.dropout_layer(sequence_output, training=training))
        start_logits, end_logits = logits[..., 0], logits[..., 1]
        if padding_mask is not None:
            keep = ops.cast(padding_mask, "bool")
            fill = ops.full_like(start_logits, mask_value(start_logits.dtype))
            start_logits = ops.where(keep, start_logits, fill)
            end_logits = ops.where(keep, end_logits, fill)
        return {"start_logits": start_logits, "end_logits": end_logits}

    def compute_mask(self, sequence_output, previous_mask=None):
        return None

    def compute_output_spec(self, sequence_output, padding_mask=None, training=None):
        shape = tuple(sequence_output.shape[:-1])
        dtype = self.compute_dtype
        return {"start_logits": keras.KerasTensor(shape, dtype=dtype),
                "end_logits": keras.KerasTensor(shape, dtype=dtype)}

    def get_config(self):
        config = super().get_config()
        config.update({
            "initializer_range": self.initializer_range,
            "dropout": self.dropout,
        })
        return config
