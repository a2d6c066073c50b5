"""The ELECTRA encoder (Clark et al. 2020): BERT with factorized embeddings.

Token, position and segment embeddings are `embedding_dim` wide; a dense
projection (`embeddings/embeddings_projection`) maps their LayerNorm'd sum
to `hidden_dim` when the two differ. The encoder is a stack of post-LN
Transformer blocks (`transformer_layer_{i}`). There is no pooler:
`pooled_output` is the `[CLS]` hidden state, which ELECTRA's classifier pools.

The generator of ELECTRA pretraining (`tfnlp.models.electra.pretrainer`)
calls the same `ElectraEmbeddings` layer with `project=False`, so the two
networks share the embedding tables.

Example:
>>> backbone = ElectraBackbone(vocabulary_size=100, num_layers=2, num_heads=2,
...                            hidden_dim=32, embedding_dim=16)
>>> ids = keras.ops.ones((2, 8), dtype="int32")
>>> out = backbone({"token_ids": ids, "segment_ids": ids * 0, "padding_mask": ids})
>>> out["pooled_output"].shape
(2, 32)
"""

import keras
import keras_hub

from tfnlp.errors import TfnlpError

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")
_ACTIVATIONS = ("gelu", "relu", "gelu_approximate", "silu", "tanh")


def check_encoder_config(config, family="electra"):
    """Raises `TfnlpError` naming the first bad field of an encoder config.

    Args:
        config: dict of constructor arguments (`vocabulary_size` optional).
        family: family name used in the message.

    Example:
    >>> check_encoder_config({"hidden_dim": 30, "num_heads": 4})
    Traceback (most recent call last):
    ...
    tfnlp.errors.TfnlpError: electra config: hidden_dim (30) must be divisible by num_heads (4)
    """
    for key in ("vocabulary_size", "num_layers", "num_heads", "hidden_dim", "embedding_dim",
                "intermediate_dim", "max_sequence_length", "num_segments"):
        value = config.get(key)
        if value is None:
            continue
        least = 0 if key == "num_segments" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            kind = "a non-negative" if least == 0 else "a positive"
            raise TfnlpError(f"{family} config: {key} must be {kind} integer, "
                             f"got {value!r}")
    hidden, heads = config.get("hidden_dim"), config.get("num_heads")
    if hidden and heads and hidden % heads:
        raise TfnlpError(f"{family} config: hidden_dim ({hidden}) must be divisible by "
                         f"num_heads ({heads})")
    dropout = config.get("dropout", 0.0)
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
            or not 0.0 <= dropout < 1.0:
        raise TfnlpError(f"{family} config: dropout must be a number in [0, 1), "
                         f"got {dropout!r}")
    activation = config.get("activation", "gelu")
    if isinstance(activation, str) and activation not in _ACTIVATIONS:
        raise TfnlpError(f"{family} config: activation {activation!r} is not one of "
                         f"{', '.join(_ACTIVATIONS)}")
    epsilon = config.get("layer_norm_epsilon", 1e-12)
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon <= 0:
        raise TfnlpError(f"{family} config: layer_norm_epsilon must be a positive "
                         f"number, got {epsilon!r}")


def keras_activation(activation):
    """Maps a config activation name to what keras-hub layers take.

    `"gelu"` is the exact (erf) GELU of BERT/ELECTRA; `"gelu_approximate"`
    the tanh form.
    """
    if activation == "gelu_approximate":
        return lambda x: keras.activations.gelu(x, approximate=True)
    return activation


def transformer_layers(num_layers, num_heads, intermediate_dim, dropout, activation,
                       layer_norm_epsilon, initializer_range, dtype=None,
                       prefix="transformer_layer"):
    """Builds a list of post-LN keras-hub `TransformerEncoder` blocks.

    Args:
        num_layers: number of blocks.
        num_heads: attention heads per block.
        intermediate_dim: feed-forward width.
        dropout: dropout rate (attention and feed-forward).
        activation: feed-forward activation name.
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal kernel initializer.
        dtype: the layers' dtype policy.
        prefix: block names are `{prefix}_{i}`.

    Returns:
        list of `keras_hub.layers.TransformerEncoder`.
    """
    return [
        keras_hub.layers.TransformerEncoder(
            intermediate_dim=intermediate_dim,
            num_heads=num_heads,
            dropout=dropout,
            activation=keras_activation(activation),
            layer_norm_epsilon=layer_norm_epsilon,
            kernel_initializer=keras.initializers.TruncatedNormal(stddev=initializer_range),
            normalize_first=False,
            dtype=dtype,
            name=f"{prefix}_{i}",
        )
        for i in range(num_layers)
    ]


@keras.saving.register_keras_serializable(package="tfnlp")
class ElectraEmbeddings(keras.layers.Layer):
    """ELECTRA's embeddings: token + position + segment, LayerNorm, dropout, projection.

    Args:
        vocabulary_size: number of token ids.
        embedding_dim: width of the embedding tables.
        hidden_dim: encoder width; a dense `embeddings_projection` maps
            `embedding_dim` to it when the two differ.
        max_sequence_length: learned positions.
        num_segments: segment ids (0 disables the segment embedding).
        dropout: dropout after the LayerNorm.
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal initializer.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Returns (from `call(token_ids, segment_ids, project=True)`):
        float `[batch, seq, hidden_dim]`, or `[batch, seq, embedding_dim]`
        with `project=False` (what the generator reads).

    Example:
    >>> layer = ElectraEmbeddings(100, embedding_dim=16, hidden_dim=32)
    >>> ids = keras.ops.ones((2, 8), dtype="int32")
    >>> layer(ids, ids * 0).shape, layer(ids, ids * 0, project=False).shape
    ((2, 8, 32), (2, 8, 16))
    """

    def __init__(self, vocabulary_size, embedding_dim, hidden_dim, max_sequence_length=512,
                 num_segments=2, dropout=0.1, layer_norm_epsilon=1e-12,
                 initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

        def initializer():
            return keras.initializers.TruncatedNormal(stddev=initializer_range)

        self.token_embedding = keras_hub.layers.ReversibleEmbedding(
            vocabulary_size, embedding_dim, embeddings_initializer=initializer(),
            dtype=self.dtype_policy, name="token_embedding")
        self.position_embedding = keras_hub.layers.PositionEmbedding(
            max_sequence_length, initializer=initializer(), dtype=self.dtype_policy,
            name="position_embedding")
        self.segment_embedding = None
        if num_segments:
            self.segment_embedding = keras.layers.Embedding(
                num_segments, embedding_dim, embeddings_initializer=initializer(),
                dtype=self.dtype_policy, name="segment_embedding")
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=self.dtype_policy, name="layer_norm")
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy,
                                                  name="dropout")
        self.projection = None
        if embedding_dim != hidden_dim:
            self.projection = keras.layers.Dense(
                hidden_dim, kernel_initializer=initializer(), dtype=self.dtype_policy,
                name="embeddings_projection")

    def build(self, token_ids_shape, segment_ids_shape=None):
        shape = tuple(token_ids_shape)
        self.token_embedding.build(shape)
        self.position_embedding.build(shape + (self.embedding_dim,))
        if self.segment_embedding is not None:
            self.segment_embedding.build(shape)
        self.layer_norm.build(shape + (self.embedding_dim,))
        if self.projection is not None:
            self.projection.build(shape + (self.embedding_dim,))
        self.built = True

    def call(self, token_ids, segment_ids=None, project=True, training=None):
        x = self.token_embedding(token_ids)
        x = x + self.position_embedding(x)
        if self.segment_embedding is not None and segment_ids is not None:
            x = x + self.segment_embedding(segment_ids)
        x = self.dropout_layer(self.layer_norm(x), training=training)
        if project and self.projection is not None:
            x = self.projection(x)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocabulary_size": self.vocabulary_size,
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "dropout": self.dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
        })
        return config


@keras.saving.register_keras_serializable(package="tfnlp")
class ElectraBackbone(keras.Model):
    """The ELECTRA encoder (the discriminator) as a functional Keras 3 model.

    Inputs are a dict of int32 `[batch, seq]`: `token_ids`, `segment_ids`,
    `padding_mask` (1 real, 0 padding); `seq` may vary up to
    `max_sequence_length`.

    Args:
        vocabulary_size: number of token ids.
        num_layers: Transformer blocks.
        num_heads: attention heads; must divide `hidden_dim`.
        hidden_dim: encoder width.
        embedding_dim: embedding width (None: `hidden_dim`, no projection).
        intermediate_dim: feed-forward width (None: 4 * `hidden_dim`).
        dropout: dropout of embeddings, attention and feed-forward.
        activation: feed-forward activation (`"gelu"`: exact GELU).
        max_sequence_length: learned positions.
        num_segments: segment ids.
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal initializer.
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Returns (from `__call__`):
        dict with `sequence_output [batch, seq, hidden_dim]`,
        `pooled_output [batch, hidden_dim]` (the `[CLS]` hidden state) and
        `encoder_outputs` (one `[batch, seq, hidden_dim]` per block).

    Example:
    >>> backbone = ElectraBackbone(100, 2, 2, 32, embedding_dim=16)
    >>> [v.path for v in backbone.weights][-1]
    'transformer_layer_1/feedforward_output_dense/bias'
    """

    family_name = "electra"

    def __init__(self, vocabulary_size, num_layers, num_heads, hidden_dim, embedding_dim=None,
                 intermediate_dim=None, dropout=0.1, activation="gelu",
                 max_sequence_length=512, num_segments=2, layer_norm_epsilon=1e-12,
                 initializer_range=0.02, **kwargs):
        embedding_dim = embedding_dim or hidden_dim
        intermediate_dim = intermediate_dim or 4 * hidden_dim
        check_encoder_config(dict(
            vocabulary_size=vocabulary_size, num_layers=num_layers, num_heads=num_heads,
            hidden_dim=hidden_dim, embedding_dim=embedding_dim,
            intermediate_dim=intermediate_dim, dropout=dropout, activation=activation,
            max_sequence_length=max_sequence_length, num_segments=num_segments,
            layer_norm_epsilon=layer_norm_epsilon), self.family_name)
        dtype = kwargs.pop("dtype", None)
        embeddings = ElectraEmbeddings(
            vocabulary_size, embedding_dim, hidden_dim,
            max_sequence_length=max_sequence_length, num_segments=num_segments,
            dropout=dropout, layer_norm_epsilon=layer_norm_epsilon,
            initializer_range=initializer_range, dtype=dtype, name="embeddings")
        blocks = transformer_layers(num_layers, num_heads, intermediate_dim, dropout,
                                    activation, layer_norm_epsilon, initializer_range,
                                    dtype=dtype)

        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
                  for name in INPUT_NAMES}
        x = embeddings(inputs["token_ids"], inputs["segment_ids"])
        encoder_outputs = []
        for block in blocks:
            x = block(x, padding_mask=inputs["padding_mask"])
            encoder_outputs.append(x)
        super().__init__(
            inputs=inputs,
            outputs={"sequence_output": x, "pooled_output": x[:, 0, :],
                     "encoder_outputs": encoder_outputs},
            dtype=dtype, **kwargs)

        self.embeddings = embeddings
        self.transformer_layers = blocks
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.embedding_dim = embedding_dim
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = activation
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

    @property
    def token_embedding(self):
        """The `ReversibleEmbedding` a tied MLM head (and the generator) reuses."""
        return self.embeddings.token_embedding

    def check_sequence_length(self, seq_length):
        """Raises `TfnlpError` if `seq_length` exceeds the learned positions."""
        if seq_length > self.max_sequence_length:
            raise TfnlpError(f"seq_length {seq_length} is longer than the encoder's "
                             f"{self.max_sequence_length} learned positions")

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.saving.serialize_keras_object(self.dtype_policy),
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "hidden_dim": self.hidden_dim,
            "embedding_dim": self.embedding_dim,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "activation": self.activation,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.saving.deserialize_keras_object(config["dtype"])
        return cls(**config)
