"""BERT's next-sentence-prediction head."""

import keras


@keras.saving.register_keras_serializable(package="tfnlp")
class NextSentenceHead(keras.layers.Layer):
    """Classifies the pooled `[CLS]` vector: 0 = actual next segment, 1 = random.

    Args:
        initializer_range: float. Stddev of the truncated-normal kernel init.
        **kwargs: standard `keras.layers.Layer` arguments.

    Returns (from `call(pooled_output)`):
        Logits `[batch, 2]`.

    Example:
    >>> head = NextSentenceHead()
    >>> head(keras.ops.zeros((3, 32))).shape
    (3, 2)
    """

    def __init__(self, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.initializer_range = initializer_range
        self.dense = keras.layers.Dense(
            2,
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=initializer_range
            ),
            dtype=self.dtype_policy,
            name="logits",
        )

    def build(self, pooled_shape):
        self.dense.build(pooled_shape)
        self.built = True

    def call(self, pooled_output):
        return self.dense(pooled_output)

    def compute_output_shape(self, pooled_shape):
        return tuple(pooled_shape[:-1]) + (2,)

    def get_config(self):
        config = super().get_config()
        config["initializer_range"] = self.initializer_range
        return config
