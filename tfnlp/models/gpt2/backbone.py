"""GPT-2's decoder (Radford et al. 2019) as a Keras 3 backbone.

Token + learned position embeddings (`embeddings/`), a stack of pre-LN
Transformer decoder blocks with a causal mask (`transformer_layer_{i}/`,
keras-hub's `TransformerDecoder` without cross-attention), a final
LayerNorm (`layer_norm/`), LN epsilon 1e-5, GELU in its tanh form. The
output projection is the token embedding, transposed (`lm_logits`).
`normalize_first=False` gives GPT-1's post-LN blocks (and no final LN).

Example:

>>> backbone = Gpt2Backbone(vocabulary_size=300, num_layers=2, num_heads=2,
...                         hidden_dim=32, intermediate_dim=64, max_sequence_length=16)
>>> ids = keras.ops.ones((2, 8), dtype="int32")
>>> out = backbone({"token_ids": ids, "segment_ids": ids * 0, "padding_mask": ids})
>>> tuple(out["pooled_output"].shape), len(out["encoder_outputs"])
((2, 32), 2)
"""

import keras
import keras_hub
from keras import ops

from tfnlp.errors import TfnlpError

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")


@keras.saving.register_keras_serializable(package="tfnlp")
def gelu_tanh(x):
    """GELU in GPT-2's tanh approximation (`gelu_new` in HF)."""
    return keras.activations.gelu(x, approximate=True)


def validate_gpt2_config(vocabulary_size, num_layers, num_heads, hidden_dim,
                         intermediate_dim, max_sequence_length, dropout):
    """Raises `TfnlpError` naming the first field that cannot be built."""
    for name, value in (("vocabulary_size", vocabulary_size), ("num_layers", num_layers),
                        ("num_heads", num_heads), ("hidden_dim", hidden_dim),
                        ("intermediate_dim", intermediate_dim),
                        ("max_sequence_length", max_sequence_length)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TfnlpError(f"gpt2 config: {name} must be a positive integer, got {value!r}")
    if hidden_dim % num_heads:
        raise TfnlpError(f"gpt2 config: hidden_dim ({hidden_dim}) must be divisible by "
                         f"num_heads ({num_heads})")
    if not 0 <= dropout < 1:
        raise TfnlpError(f"gpt2 config: dropout must be in [0, 1), got {dropout!r}")


@keras.saving.register_keras_serializable(package="tfnlp")
class Gpt2Embeddings(keras.layers.Layer):
    """Token embedding (tied to the output) + learned positions + dropout.

    Args:
        vocabulary_size: number of token ids.
        hidden_dim: width.
        max_sequence_length: number of learned positions.
        dropout: dropout rate after the sum.
        initializer_range: stddev of the token embedding init (positions: half).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = Gpt2Embeddings(100, 8, 16)
    >>> tuple(layer(keras.ops.ones((2, 5), "int32")).shape)
    (2, 5, 8)
    """

    def __init__(self, vocabulary_size, hidden_dim, max_sequence_length, dropout=0.0,
                 initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length
        self.dropout = dropout
        self.initializer_range = initializer_range
        self.token_embedding = keras_hub.layers.ReversibleEmbedding(
            vocabulary_size, hidden_dim, tie_weights=True,
            embeddings_initializer=keras.initializers.RandomNormal(stddev=initializer_range),
            dtype=self.dtype_policy, name="token_embedding")
        self.position_embedding = keras.layers.Embedding(
            max_sequence_length, hidden_dim,
            embeddings_initializer=keras.initializers.RandomNormal(
                stddev=initializer_range / 2),
            dtype=self.dtype_policy, name="position_embedding")
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy,
                                                  name="dropout")

    def build(self, input_shape):
        self.token_embedding.build(input_shape)
        self.position_embedding.build(input_shape)
        self.built = True

    def call(self, token_ids, start_index=0, training=None):
        """Embeds `token_ids [batch, seq]` at positions `start_index + 0..seq-1`."""
        length = ops.shape(token_ids)[1]
        positions = ops.arange(length, dtype="int32") + ops.cast(start_index, "int32")
        x = self.token_embedding(token_ids) + self.position_embedding(positions)[None]
        return self.dropout_layer(x, training=training)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.hidden_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(vocabulary_size=self.vocabulary_size, hidden_dim=self.hidden_dim,
                      max_sequence_length=self.max_sequence_length, dropout=self.dropout,
                      initializer_range=self.initializer_range)
        return config


@keras.saving.register_keras_serializable(package="tfnlp")
class Gpt2Backbone(keras.Model):
    """GPT-2's decoder stack: dict in, dict out (docs/CONTRACTS.md).

    Inputs: int32 `[batch, seq]` `token_ids`, `segment_ids` (accepted and
    ignored: GPT-2 has no segment embedding) and `padding_mask` (1 real,
    0 padding, right-padded). `seq` may vary up to `max_sequence_length`.

    Args:
        vocabulary_size: number of token ids.
        num_layers: decoder blocks.
        num_heads: attention heads; must divide `hidden_dim`.
        hidden_dim: width.
        intermediate_dim: feed-forward width (None: 4 * hidden_dim).
        max_sequence_length: learned positions.
        dropout: dropout of embeddings, attention and feed-forward.
        layer_norm_epsilon: LayerNorm epsilon (GPT-2: 1e-5).
        initializer_range: stddev of the normal initializers.
        normalize_first: True for GPT-2's pre-LN blocks + final LayerNorm;
            False for GPT-1's post-LN blocks (no final LayerNorm).
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Returns (from `__call__`):
        dict: `sequence_output [batch, seq, hidden_dim]`, `pooled_output
        [batch, hidden_dim]` (the last real token, from `padding_mask`),
        `encoder_outputs` (one `[batch, seq, hidden_dim]` per block; the
        last is `sequence_output`, after the final LayerNorm).

    Example:

    >>> backbone = Gpt2Backbone(300, 2, 2, 32, max_sequence_length=16)
    >>> ids = keras.ops.ones((1, 4), "int32")
    >>> out = backbone({"token_ids": ids, "segment_ids": ids, "padding_mask": ids})
    >>> tuple(backbone.lm_logits(out["sequence_output"]).shape)
    (1, 4, 300)
    """

    def __init__(self, vocabulary_size, num_layers, num_heads, hidden_dim,
                 intermediate_dim=None, max_sequence_length=1024, dropout=0.1,
                 layer_norm_epsilon=1e-5, initializer_range=0.02, normalize_first=True,
                 **kwargs):
        intermediate_dim = intermediate_dim or 4 * hidden_dim
        validate_gpt2_config(vocabulary_size, num_layers, num_heads, hidden_dim,
                             intermediate_dim, max_sequence_length, dropout)
        dtype = kwargs.pop("dtype", None)
        embeddings = Gpt2Embeddings(vocabulary_size, hidden_dim, max_sequence_length,
                                    dropout=dropout, initializer_range=initializer_range,
                                    dtype=dtype, name="embeddings")
        layers = [
            keras_hub.layers.TransformerDecoder(
                intermediate_dim=intermediate_dim, num_heads=num_heads, dropout=dropout,
                activation=gelu_tanh, layer_norm_epsilon=layer_norm_epsilon,
                kernel_initializer=keras.initializers.RandomNormal(stddev=initializer_range),
                normalize_first=normalize_first, dtype=dtype, name=f"transformer_layer_{i}")
            for i in range(num_layers)
        ]
        layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=dtype, name="layer_norm") \
            if normalize_first else None

        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
                  for name in INPUT_NAMES}
        padding_mask = inputs["padding_mask"]
        x = embeddings(inputs["token_ids"])
        encoder_outputs = []
        for layer in layers:
            x = layer(x, decoder_padding_mask=padding_mask)
            encoder_outputs.append(x)
        if layer_norm is not None:
            x = layer_norm(x)
            encoder_outputs[-1] = x
        pooled = _last_real_token(x, padding_mask)
        super().__init__(inputs=inputs,
                         outputs={"sequence_output": x, "pooled_output": pooled,
                                  "encoder_outputs": encoder_outputs},
                         dtype=dtype, **kwargs)
        self.embeddings = embeddings
        self.transformer_layers = layers
        self.layer_norm = layer_norm
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.max_sequence_length = max_sequence_length
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        self.normalize_first = normalize_first

    @property
    def token_embedding(self):
        """The `ReversibleEmbedding` the output projection is tied to."""
        return self.embeddings.token_embedding

    def lm_logits(self, sequence_output):
        """Next-token logits `[batch, seq, vocab]` from `sequence_output`."""
        return self.token_embedding(sequence_output, reverse=True)

    def check_sequence_length(self, seq_length):
        """Raises `TfnlpError` if `seq_length` exceeds the learned positions."""
        if seq_length > self.max_sequence_length:
            raise TfnlpError(f"sequence length {seq_length} is longer than the model's "
                             f"{self.max_sequence_length} positions")

    def call_with_cache(self, token_ids, cache, cache_update_index, attention_mask=None,
                        training=False):
        """One decoding pass over `token_ids` with a key/value cache.

        Args:
            token_ids: int `[batch, n]`, the tokens at positions
                `cache_update_index .. cache_update_index + n - 1`.
            cache: float `[batch, num_layers, 2, max_length, num_heads, head_dim]`.
            cache_update_index: int (tensor), position of `token_ids[:, 0]`.
            attention_mask: optional `[batch, n, max_length]` (1 = may attend),
                combined with the causal mask.
            training: dropout on or off.

        Returns:
            `(logits [batch, n, vocab], hidden [batch, n, hidden_dim], cache)`.
        """
        x = self.embeddings(token_ids, start_index=cache_update_index, training=training)
        caches = []
        for i, layer in enumerate(self.transformer_layers):
            x, layer_cache = layer(x, decoder_attention_mask=attention_mask,
                                   self_attention_cache=cache[:, i, ...],
                                   self_attention_cache_update_index=cache_update_index,
                                   training=training)
            caches.append(layer_cache)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        return self.lm_logits(x), x, ops.stack(caches, axis=1)

    def empty_cache(self, batch_size, max_length):
        """A zero key/value cache for `call_with_cache`."""
        head_dim = self.hidden_dim // self.num_heads
        return ops.zeros((batch_size, self.num_layers, 2, max_length, self.num_heads,
                          head_dim), dtype=self.compute_dtype)

    def get_config(self):
        return {
            "name": self.name, "trainable": self.trainable,
            "vocabulary_size": self.vocabulary_size, "num_layers": self.num_layers,
            "num_heads": self.num_heads, "hidden_dim": self.hidden_dim,
            "intermediate_dim": self.intermediate_dim,
            "max_sequence_length": self.max_sequence_length, "dropout": self.dropout,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
            "normalize_first": self.normalize_first,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)


def _last_real_token(x, padding_mask):
    last = ops.maximum(ops.sum(ops.cast(padding_mask, "int32"), axis=1) - 1, 0)
    return ops.take_along_axis(x, last[:, None, None], axis=1)[:, 0, :]
