"""The XLNet backbone: relative-attention blocks with two streams and memory.

`XLNetBackbone` is a functional Keras 3 model over the family inputs
(`token_ids`, `segment_ids`, `padding_mask`), used by fine-tuning and
export. Pretraining and decoding call `two_stream(inputs)`, which runs
the same layers with XLNet's extra inputs: `perm_mask [B, T, T]` (1 where
position i may not see position j: the factorization order),
`target_mapping [B, P, T]` (the predicted positions; it adds the query
stream) and the memory of the previous segment (`mem_len`).

keras-hub's `XLNetBackbone` is not used: it has no query stream or
`perm_mask` input (its `mask_emb` is never read), and it reshapes the
`[batch, T]` padding mask to `[T, batch]` instead of transposing it, so
its masks are wrong for batches above 1.

Example:

>>> backbone = XLNetBackbone(vocabulary_size=320, num_layers=2, num_heads=2,
...                          hidden_dim=64, intermediate_dim=128)     # doctest: +SKIP
>>> out = backbone({"token_ids": ids, "segment_ids": seg, "padding_mask": mask})  # doctest: +SKIP
>>> out["pooled_output"].shape                                        # doctest: +SKIP
(2, 64)
"""

import keras
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.models.xlnet.layers import (XLNetAttentionInputs, XLNetEmbeddings,
                                       XLNetLayer, XLNetTwoStream)

INPUTS = ("token_ids", "segment_ids", "padding_mask")


def validate_xlnet_config(vocabulary_size, num_layers, num_heads, hidden_dim,
                          intermediate_dim, mem_len, dropout):
    """Raises `TfnlpError` naming the first field an XLNet cannot be built with."""
    for name, value in (("vocabulary_size", vocabulary_size), ("num_layers", num_layers),
                        ("num_heads", num_heads), ("hidden_dim", hidden_dim),
                        ("intermediate_dim", intermediate_dim)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TfnlpError(f"xlnet config: {name} must be a positive integer, got {value!r}")
    if hidden_dim % num_heads:
        raise TfnlpError(f"xlnet config: hidden_dim ({hidden_dim}) must be divisible by "
                         f"num_heads ({num_heads})")
    if hidden_dim % 2:
        raise TfnlpError(f"xlnet config: hidden_dim ({hidden_dim}) must be even "
                         "(sine and cosine halves of the relative positions)")
    if isinstance(mem_len, bool) or not isinstance(mem_len, int) or mem_len < 0:
        raise TfnlpError(f"xlnet config: mem_len must be an integer >= 0 (0: no memory), "
                         f"got {mem_len!r}")
    if not 0 <= dropout < 1:
        raise TfnlpError(f"xlnet config: dropout must be in [0, 1), got {dropout!r}")


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetSummary(keras.layers.Layer):
    """XLNet's sequence summary: the last real token (`<cls>`, XLNet packs it
    last) through a tanh dense layer (HF's `summary_type="last"`,
    `summary_use_proj`, `summary_activation="tanh"`).

    Args:
        hidden_dim: width.
        initializer_range: stddev of the kernel initializer.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, hidden_dim, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.initializer_range = initializer_range
        self.dense = keras.layers.Dense(
            hidden_dim, activation="tanh",
            kernel_initializer=keras.initializers.RandomNormal(stddev=initializer_range),
            dtype=self.dtype_policy, name="dense")

    def build(self, sequence_shape, padding_mask_shape=None):
        self.dense.build(sequence_shape)
        self.built = True

    def call(self, sequence, padding_mask):
        length = ops.shape(sequence)[1]
        positions = ops.arange(length, dtype="int32")[None, :]
        last = ops.max(positions * ops.cast(padding_mask, "int32"), axis=1)
        token = ops.take_along_axis(sequence, last[:, None, None], axis=1)[:, 0, :]
        return self.dense(token)

    def compute_output_shape(self, sequence_shape, padding_mask_shape=None):
        return (sequence_shape[0], self.hidden_dim)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim, initializer_range=self.initializer_range)
        return config


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetBackbone(keras.Model):
    """XLNet (Yang et al. 2019) as a functional Keras 3 model.

    Args:
        vocabulary_size: number of token ids.
        num_layers: blocks.
        num_heads: attention heads (divides `hidden_dim`).
        hidden_dim: width (even).
        intermediate_dim: feed-forward width (default 4 * hidden_dim).
        dropout: dropout rate.
        activation: feed-forward activation (exact GELU).
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the normal initializers.
        clamp_len: clip relative distances to this when > 0 (-1: never).
        mem_len: states of the previous segment `two_stream` returns as
            `mems` (0: no memory). Must be >= 0.
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Returns (from `__call__` on `token_ids`, `segment_ids`, `padding_mask`):
        dict: `sequence_output [B, T, H]`, `pooled_output [B, H]` (the
        summary of the last real token, `<cls>`), `encoder_outputs` (one
        `[B, T, H]` per block).

    Raises:
        TfnlpError: a bad size, `mem_len < 0`.

    Example:

    >>> backbone = XLNetBackbone(320, 2, 2, 64)                      # doctest: +SKIP
    >>> out = backbone.two_stream(dict(inputs, perm_mask=pm, target_mapping=tm))  # doctest: +SKIP
    >>> out["query_output"].shape                                    # doctest: +SKIP
    (2, 5, 64)
    """

    def __init__(self, vocabulary_size, num_layers, num_heads, hidden_dim,
                 intermediate_dim=None, dropout=0.1, activation="gelu",
                 layer_norm_epsilon=1e-12, initializer_range=0.02, clamp_len=-1,
                 mem_len=0, **kwargs):
        intermediate_dim = intermediate_dim or 4 * hidden_dim
        validate_xlnet_config(vocabulary_size, num_layers, num_heads, hidden_dim,
                              intermediate_dim, mem_len, dropout)
        dtype = kwargs.pop("dtype", None)
        embeddings = XLNetEmbeddings(vocabulary_size, hidden_dim, initializer_range,
                                     dtype=dtype, name="embeddings")
        embedding_dropout = keras.layers.Dropout(dropout, dtype=dtype, name="embedding_dropout")
        attention_inputs = XLNetAttentionInputs(hidden_dim, clamp_len=clamp_len, dropout=dropout,
                                                dtype=dtype, name="attention_inputs")
        transformer_layers = [
            XLNetLayer(hidden_dim, num_heads, hidden_dim // num_heads, intermediate_dim,
                       dropout=dropout, activation=activation,
                       layer_norm_epsilon=layer_norm_epsilon,
                       initializer_range=initializer_range, dtype=dtype,
                       name=f"transformer_layer_{i}")
            for i in range(num_layers)]
        output_dropout = keras.layers.Dropout(dropout, dtype=dtype, name="output_dropout")
        pooler = XLNetSummary(hidden_dim, initializer_range, dtype=dtype, name="pooler")
        parts = (embeddings, embedding_dropout, attention_inputs, transformer_layers,
                 output_dropout, pooler, None)
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in INPUTS}
        outputs = _forward(parts, 0, inputs)
        super().__init__(inputs=inputs, outputs={
            "sequence_output": outputs["sequence_output"],
            "pooled_output": outputs["pooled_output"],
            "encoder_outputs": outputs["encoder_outputs"]}, dtype=dtype, **kwargs)
        self.embeddings = embeddings
        self.embedding_dropout = embedding_dropout
        self.attention_inputs = attention_inputs
        self.transformer_layers = transformer_layers
        self.output_dropout = output_dropout
        self.pooler = pooler
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = activation
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        self.clamp_len = clamp_len
        self.mem_len = mem_len
        self.max_sequence_length = None  # relative positions: no limit
        # The two-stream views (see `XLNetTwoStream`), built on first use and
        # held outside Keras tracking (they own no variables).
        self._views = _Views()

    @property
    def token_embedding(self):
        """The token `Embedding` an LM head ties its output matrix to."""
        return self.embeddings.token_embedding

    def two_stream(self, inputs, mems=None, training=None):
        """Runs XLNet with its pretraining inputs and memory.

        Args:
            inputs: dict with `token_ids`, `segment_ids`, `padding_mask`
                (int `[B, T]`) and optional `perm_mask` (`[B, T, T]`, 1 =
                may not attend) and `target_mapping` (`[B, P, T]`, one-hot
                rows; adds the query stream).
            mems: optional list (one per layer) of `[B, M, H]` states of the
                previous segment, as returned in `mems`.
            training: dropout switch.

        Returns:
            dict: `sequence_output`, `pooled_output`, `encoder_outputs` (the
            content stream); `query_output [B, P, H]` with `target_mapping`;
            `mems` (per layer, the last `mem_len` layer inputs) when
            `mem_len > 0`.

        Raises:
            TfnlpError: missing inputs, or `mems` of the wrong count.
        """
        missing = [k for k in ("token_ids", "segment_ids") if k not in inputs]
        if missing:
            raise TfnlpError(f"XLNet inputs lack {', '.join(missing)}")
        inputs = dict(inputs)
        if inputs.get("padding_mask") is None:
            inputs["padding_mask"] = ops.ones_like(inputs["token_ids"])
        if mems is not None and len(mems) != self.num_layers:
            raise TfnlpError(f"mems must hold one tensor per layer ({self.num_layers}), "
                             f"got {len(mems)}")
        if self._views.layers is None:
            query_start = XLNetTwoStream(self.embeddings.query_start, 1,
                                         dtype=self.dtype_policy, name="query_start")
            streams = [XLNetTwoStream(layer.two_stream, 2, dtype=self.dtype_policy,
                                      name=f"{layer.name}_two_stream")
                       for layer in self.transformer_layers]
            self._views.layers = (query_start, streams)
        parts = (self.embeddings, self.embedding_dropout, self.attention_inputs,
                 self.transformer_layers, self.output_dropout, self.pooler, self._views.layers)
        return _forward(parts, self.mem_len, inputs, mems=mems, training=training)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "hidden_dim": self.hidden_dim,
            "intermediate_dim": self.intermediate_dim,
            "dropout": self.dropout,
            "activation": self.activation,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
            "clamp_len": self.clamp_len,
            "mem_len": self.mem_len,
            "dtype": self.dtype_policy.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _forward(parts, mem_len, inputs, mems=None, training=None):
    """The XLNet computation over `parts` (the backbone's layers)."""
    (embeddings, embedding_dropout, attention_inputs, transformer_layers,
     output_dropout, pooler, two_stream) = parts
    target_mapping = inputs.get("target_mapping")
    content, query = embeddings(inputs["token_ids"]), None
    if target_mapping is not None:
        query = embedding_dropout(two_stream[0](target_mapping), training=training)
    content = embedding_dropout(content, training=training)
    mem_length = 0 if mems is None else ops.shape(mems[0])[1]
    attention = attention_inputs(inputs["segment_ids"], inputs["padding_mask"],
                                 inputs.get("perm_mask"), mem_length=mem_length,
                                 training=training)
    encoder_outputs, new_mems = [], []
    for i, layer in enumerate(transformer_layers):
        memory = None if mems is None else mems[i]
        if mem_len > 0:
            new_mems.append(_cache(content, memory, mem_len))
        if query is None:
            content = layer(content, attention, memory=memory, training=training)
        else:
            content, query = two_stream[1][i](content, query, attention, target_mapping,
                                              memory=memory, training=training)
        encoder_outputs.append(content)
    sequence = output_dropout(content, training=training)
    outputs = {"sequence_output": sequence,
               "pooled_output": pooler(sequence, inputs["padding_mask"]),
               "encoder_outputs": encoder_outputs}
    if query is not None:
        outputs["query_output"] = output_dropout(query, training=training)
    if new_mems:
        outputs["mems"] = new_mems
    return outputs


class _Views:
    """A plain holder (not tracked by Keras) of the two-stream view layers."""

    layers = None


def _cache(current, previous, mem_len):
    states = current if previous is None else ops.concatenate(
        [ops.cast(previous, current.dtype), current], axis=1)
    return ops.stop_gradient(states[:, -mem_len:])
