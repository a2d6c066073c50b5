"""Sentence (pair) classification head: dropout + dense on the pooled output."""

import keras


@keras.saving.register_keras_serializable(package="tfnlp")
class ClassificationHead(keras.layers.Layer):
    """Maps a pooled `[CLS]` vector to class logits (BERT's classifier).

    Args:
        num_classes: int. Number of classes.
        dropout: float. Dropout rate applied to the input before the dense
            layer (BERT uses the encoder's hidden dropout, 0.1).
        initializer_range: float. Stddev of the truncated-normal kernel init.
        **kwargs: standard `keras.layers.Layer` arguments.

    Returns (from `call(pooled_output)`):
        Logits `[batch, num_classes]`.

    Example:
    >>> head = ClassificationHead(num_classes=3)
    >>> head(keras.ops.zeros((2, 32))).shape
    (2, 3)
    """

    def __init__(self, num_classes, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.dropout = float(dropout)
        self.initializer_range = float(initializer_range)
        self.dropout_layer = keras.layers.Dropout(
            self.dropout, dtype=self.dtype_policy, name="dropout")
        self.dense = keras.layers.Dense(
            self.num_classes,
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=self.initializer_range),
            dtype=self.dtype_policy,
            name="logits",
        )

    def build(self, pooled_shape):
        self.dense.build(pooled_shape)
        self.built = True

    def call(self, pooled_output, training=None):
        return self.dense(self.dropout_layer(pooled_output, training=training))

    def compute_output_shape(self, pooled_shape):
        return tuple(pooled_shape[:-1]) + (self.num_classes,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_classes": self.num_classes,
            "dropout": self.dropout,
            "initializer_range": self.initializer_range,
        })
        return config
