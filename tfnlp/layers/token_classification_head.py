"""Token classification (NER) head: dropout + dense on every position."""

import keras


@keras.saving.register_keras_serializable(package="tfnlp")
class TokenClassificationHead(keras.layers.Layer):
    """Maps each position's hidden state to tag logits.

    The loss should ignore positions that carry no label (later word pieces,
    `[CLS]`, `[SEP]`, padding); see `tfnlp.tasks.conll_features.IGNORE_LABEL`.

    Args:
        num_classes: int. Number of tags.
        dropout: float. Dropout rate applied before the dense layer.
        initializer_range: float. Stddev of the truncated-normal kernel init.
        **kwargs: standard `keras.layers.Layer` arguments.

    Returns (from `call(sequence_output)`):
        Logits `[batch, seq, num_classes]`.

    Example:
    >>> head = TokenClassificationHead(num_classes=5)
    >>> head(keras.ops.zeros((2, 7, 32))).shape
    (2, 7, 5)
    """

    def __init__(self, num_classes, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.dropout = float(dropout)
        self.initializer_range = float(initializer_range)
        # A padding mask on the input (e.g. from a masked LSTM) carries over
        # to the per-position logits.
        self.supports_masking = True
        self.dropout_layer = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="dropout")
        self.dense = keras.layers.Dense(
            self.num_classes,
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=self.initializer_range),
            dtype=self.dtype_policy,
            name="logits",
        )

    def build(self, sequence_shape):
        self.dense.build(sequence_shape)
        self.built = True

    def call(self, sequence_output, training=None):
        return self.dense(self.dropout_layer(sequence_output, training=training))

    def compute_output_shape(self, sequence_shape):
        return tuple(sequence_shape[:-1]) + (self.num_classes,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_classes": self.num_classes,
            "dropout": self.dropout,
            "initializer_range": self.initializer_range,
        })
        return config
