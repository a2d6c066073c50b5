"""BERT's input embeddings: token + segment + position, then LayerNorm and dropout."""

import keras
import keras_hub


@keras.saving.register_keras_serializable(package="tfnlp")
class BertEmbeddings(keras.layers.Layer):
    """Sums token, segment and learned position embeddings, as in BERT.

    The token embedding is a `keras_hub.layers.ReversibleEmbedding`, so a
    masked-LM head can reuse its matrix as the tied output projection.

    Args:
        vocabulary_size: int. Number of token ids.
        hidden_dim: int. Width of every embedding.
        max_sequence_length: int. Number of learned positions.
        num_segments: int. Number of segment (token type) ids.
        dropout: float. Dropout rate after the LayerNorm.
        layer_norm_epsilon: float. Epsilon of the LayerNorm.
        initializer_range: float. Stddev of the truncated-normal initializer.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, `dtype`).

    Returns (from `call(token_ids, segment_ids)`):
        A float tensor `[batch, seq, hidden_dim]`.

    Example:
    >>> layer = BertEmbeddings(vocabulary_size=100, hidden_dim=32)
    >>> ids = keras.ops.ones((2, 8), dtype="int32")
    >>> layer(ids, keras.ops.zeros((2, 8), dtype="int32")).shape
    (2, 8, 32)
    """

    def __init__(
        self,
        vocabulary_size,
        hidden_dim,
        max_sequence_length=512,
        num_segments=2,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

        def initializer():
            return keras.initializers.TruncatedNormal(stddev=initializer_range)

        self.token_embedding = keras_hub.layers.ReversibleEmbedding(
            input_dim=vocabulary_size,
            output_dim=hidden_dim,
            embeddings_initializer=initializer(),
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        self.position_embedding = keras_hub.layers.PositionEmbedding(
            sequence_length=max_sequence_length,
            initializer=initializer(),
            dtype=self.dtype_policy,
            name="position_embedding",
        )
        self.segment_embedding = keras.layers.Embedding(
            input_dim=num_segments,
            output_dim=hidden_dim,
            embeddings_initializer=initializer(),
            dtype=self.dtype_policy,
            name="segment_embedding",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=self.dtype_policy, name="layer_norm"
        )
        self.dropout_layer = keras.layers.Dropout(
            dropout, dtype=self.dtype_policy, name="dropout"
        )

    def build(self, token_ids_shape, segment_ids_shape=None):
        self.token_embedding.build(token_ids_shape)
        self.position_embedding.build(tuple(token_ids_shape) + (self.hidden_dim,))
        self.segment_embedding.build(token_ids_shape)
        self.layer_norm.build(tuple(token_ids_shape) + (self.hidden_dim,))
        self.built = True

    def call(self, token_ids, segment_ids, training=None):
        tokens = self.token_embedding(token_ids)
        positions = self.position_embedding(tokens)
        segments = self.segment_embedding(segment_ids)
        x = self.layer_norm(tokens + positions + segments)
        return self.dropout_layer(x, training=training)

    def compute_output_shape(self, token_ids_shape, segment_ids_shape=None):
        return tuple(token_ids_shape) + (self.hidden_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "hidden_dim": self.hidden_dim,
                "max_sequence_length": self.max_sequence_length,
                "num_segments": self.num_segments,
                "dropout": self.dropout,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "initializer_range": self.initializer_range,
            }
        )
        return config
