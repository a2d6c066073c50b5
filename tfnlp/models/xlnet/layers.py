"""XLNet's layers: embeddings, attention inputs, two-stream relative attention.

Batch-first throughout (`[batch, time, ...]`); the arithmetic is that of
XLNet (Yang et al. 2019, the original `modeling.py`) and HF's
`modeling_xlnet.py`:

- **Relative positions** (Transformer-XL): sinusoids of the distances
  `klen ... -qlen+1`; the attention score of query `i` and key `j` is
  `(q_i + r_w_bias)·k_j + shift((q_i + r_r_bias)·r) + (q_i + r_s_bias)·s_ij`,
  where `s_ij` is one of two learnt segment encodings (same / different
  segment) and `shift` aligns distance `i - j` (the "relative shift").
- **Two streams**: the content stream `h` attends to keys it may see
  (`perm_mask`) *and itself*; the query stream `g` (initialised with the
  learnt `mask_emb`, one row per predicted position of `target_mapping`)
  attends to the content of the positions earlier in the factorization
  order, never to its own content. Both use the same weights.
- Post-LN blocks (attention + residual + LayerNorm, then the feed-forward
  block + residual + LayerNorm), GELU.

Masks use XLNet's convention: 1.0 = may NOT attend.

Example:

>>> layer = XLNetLayer(32, 2, 16, intermediate_dim=64)   # doctest: +SKIP
"""

import keras
from keras import ops


def _initializer(stddev):
    return keras.initializers.RandomNormal(stddev=stddev)


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetEmbeddings(keras.layers.Layer):
    """Token embeddings (`token_embedding`) and the query stream's `mask_emb`.

    Args:
        vocabulary_size: number of token ids.
        hidden_dim: width.
        initializer_range: stddev of the normal initializers.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> emb = XLNetEmbeddings(100, 32)                       # doctest: +SKIP
    >>> emb(np.array([[1, 2]])).shape                         # doctest: +SKIP
    (1, 2, 32)
    """

    def __init__(self, vocabulary_size, hidden_dim, initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.initializer_range = initializer_range
        self.token_embedding = keras.layers.Embedding(
            vocabulary_size, hidden_dim, embeddings_initializer=_initializer(initializer_range),
            dtype=self.dtype_policy, name="token_embedding")

    def build(self, input_shape):
        self.token_embedding.build(input_shape)
        self.mask_emb = self.add_weight(
            shape=(1, 1, self.hidden_dim), initializer=_initializer(self.initializer_range),
            name="mask_emb")
        super().build(input_shape)

    def call(self, token_ids):
        return self.token_embedding(token_ids)

    def query_start(self, target_mapping):
        """The query stream's start: `mask_emb` for each of the P rows of
        `target_mapping [B, P, T]`, `[B, P, H]`."""
        shape = ops.shape(target_mapping)
        mask_emb = ops.cast(self.mask_emb, self.compute_dtype)
        return ops.tile(mask_emb, (shape[0], shape[1], 1))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.hidden_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(vocabulary_size=self.vocabulary_size, hidden_dim=self.hidden_dim,
                      initializer_range=self.initializer_range)
        return config


def relative_positional_encoding(qlen, klen, hidden_dim, clamp_len=-1, dtype="float32"):
    """Transformer-XL sinusoids of the distances `klen, klen-1, ..., -qlen+1`.

    Args:
        qlen: query length (int or scalar tensor).
        klen: key length (memory + query).
        hidden_dim: width (even).
        clamp_len: clip distances to `[-clamp_len, clamp_len]` when > 0.
        dtype: output dtype.

    Returns:
        `[klen + qlen, hidden_dim]` tensor, `[sin | cos]`.
    """
    freq = ops.arange(0, hidden_dim, 2, dtype="float32")
    inv_freq = 1.0 / ops.power(10000.0, freq / float(hidden_dim))
    pos = ops.cast(klen, "float32") - ops.arange(0, klen + qlen, dtype="float32")
    if clamp_len > 0:
        pos = ops.clip(pos, -float(clamp_len), float(clamp_len))
    sinusoid = ops.expand_dims(pos, 1) * ops.expand_dims(inv_freq, 0)
    return ops.cast(ops.concatenate([ops.sin(sinusoid), ops.cos(sinusoid)], axis=-1), dtype)


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetAttentionInputs(keras.layers.Layer):
    """Masks, segment matrix and relative positions shared by every layer.

    Args:
        hidden_dim: width (for the position sinusoids).
        clamp_len: clip relative distances when > 0.
        dropout: dropout on the position encodings (as XLNet).
        **kwargs: `keras.layers.Layer` arguments.

    Call args:
        segment_ids: int `[batch, T]`.
        padding_mask: int `[batch, T]`, 1 real, 0 padding.
        perm_mask: optional float `[batch, T, T]`, 1 where query `i` may not
            see key `j` (the factorization order).
        mem_length: length of the memory prepended to the keys (python int
            or scalar tensor; 0 for none).

    Returns:
        dict: `content_mask`, `query_mask` (`[batch, T, M+T]`, 1 = blocked),
        `segment_matrix` (`[batch, T, M+T]`, 1 = different segment),
        `position_encoding` (`[M+2T, hidden]`).
    """

    def __init__(self, hidden_dim, clamp_len=-1, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.clamp_len = clamp_len
        self.dropout = dropout
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=self.dtype_policy)

    def call(self, segment_ids, padding_mask, perm_mask=None, mem_length=0, training=None):
        dtype = self.compute_dtype
        qlen = ops.shape(segment_ids)[1]
        batch = ops.shape(segment_ids)[0]
        klen = qlen + mem_length
        blocked = 1.0 - ops.cast(padding_mask, dtype)  # [B, T]
        data_mask = ops.expand_dims(blocked, 1) * ops.ones((1, qlen, 1), dtype)
        if perm_mask is not None:
            data_mask = data_mask + ops.cast(perm_mask, dtype)
        eye = ops.eye(qlen, dtype=dtype)
        segment_ids = ops.cast(segment_ids, "int32")
        key_segments = segment_ids
        if not isinstance(mem_length, int) or mem_length > 0:
            data_mask = ops.concatenate(
                [ops.zeros((batch, qlen, mem_length), dtype), data_mask], axis=2)
            eye = ops.concatenate([ops.zeros((qlen, mem_length), dtype), eye], axis=1)
            key_segments = ops.concatenate(
                [ops.zeros((batch, mem_length), "int32"), segment_ids], axis=1)
        query_mask = ops.cast(data_mask > 0, dtype)
        content_mask = ops.cast((query_mask - ops.expand_dims(eye, 0)) > 0, dtype)
        segment_matrix = ops.cast(
            ops.not_equal(ops.expand_dims(segment_ids, 2), ops.expand_dims(key_segments, 1)),
            dtype)
        position = relative_positional_encoding(qlen, klen, self.hidden_dim,
                                                self.clamp_len, dtype)
        position = self.dropout_layer(position, training=training)
        return {"content_mask": content_mask, "query_mask": query_mask,
                "segment_matrix": segment_matrix, "position_encoding": position}

    def compute_output_spec(self, segment_ids, padding_mask, perm_mask=None, mem_length=0,
                            training=None):
        batch, length = segment_ids.shape

        def square():  # one KerasTensor per output: the graph maps them by id
            return keras.KerasTensor((batch, length, None), dtype=self.compute_dtype)

        return {"content_mask": square(), "query_mask": square(), "segment_matrix": square(),
                "position_encoding": keras.KerasTensor((None, self.hidden_dim),
                                                       dtype=self.compute_dtype)}

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim, clamp_len=self.clamp_len,
                      dropout=self.dropout)
        return config


def _rel_shift(scores, klen):
    """`[B, n, T, klen+T]` position scores -> `[B, n, T, klen]`, entry (i, j)
    taken at distance index `T - i + j` (Transformer-XL's relative shift)."""
    shape = ops.shape(scores)
    batch, heads, qlen, rlen = shape[0], shape[1], shape[2], shape[3]
    scores = ops.reshape(scores, (batch, heads, rlen, qlen))[:, :, 1:, :]
    scores = ops.reshape(scores, (batch, heads, qlen, rlen - 1))
    return scores[:, :, :, :klen]


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetLayer(keras.layers.Layer):
    """One XLNet block: two-stream relative attention, then the feed-forward block.

    Args:
        hidden_dim: width.
        num_heads: attention heads.
        head_dim: width per head.
        intermediate_dim: feed-forward width.
        dropout: dropout rate (attention probabilities, outputs, feed-forward).
        activation: feed-forward activation (XLNet: exact GELU).
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the normal initializers.
        **kwargs: `keras.layers.Layer` arguments.

    Call args:
        content: `[B, T, H]` content stream.
        attention_inputs: the dict of `XLNetAttentionInputs`.
        memory: optional `[B, M, H]` states of the previous segment.
        training: dropout switch.

    Returns:
        the content stream `[B, T, H]`. `two_stream` (through
        `XLNetTwoStream`) also runs the query stream.
    """

    def __init__(self, hidden_dim, num_heads, head_dim, intermediate_dim, dropout=0.0,
                 activation="gelu", layer_norm_epsilon=1e-12, initializer_range=0.02,
                 **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.head_dim = head_dim
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = activation
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        policy = self.dtype_policy
        self.attention_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=policy, name="attention_layer_norm")
        self.ffn_intermediate = keras.layers.Dense(
            intermediate_dim, activation=activation,
            kernel_initializer=_initializer(initializer_range), dtype=policy,
            name="ffn_intermediate")
        self.ffn_output = keras.layers.Dense(
            hidden_dim, kernel_initializer=_initializer(initializer_range), dtype=policy,
            name="ffn_output")
        self.ffn_layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=policy, name="ffn_layer_norm")
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    def build(self, content_shape, *args, **kwargs):
        hidden = self.hidden_dim
        init = _initializer(self.initializer_range)
        heads = (self.num_heads, self.head_dim)
        for name in ("q", "k", "v", "o", "r"):
            setattr(self, name, self.add_weight(shape=(hidden,) + heads, initializer=init,
                                                name=name))
        for name in ("r_w_bias", "r_r_bias", "r_s_bias"):
            setattr(self, name, self.add_weight(shape=heads, initializer=init, name=name))
        self.seg_embed = self.add_weight(shape=(2,) + heads, initializer=init,
                                         name="seg_embed")
        self.attention_layer_norm.build(content_shape)
        self.ffn_intermediate.build(content_shape)
        self.ffn_output.build(tuple(content_shape[:-1]) + (self.intermediate_dim,))
        self.ffn_layer_norm.build(content_shape)
        self.built = True

    def _attend(self, q_head, k_head, v_head, r_head, segment_matrix, mask, klen, training):
        scale = 1.0 / float(self.head_dim) ** 0.5
        dtype = q_head.dtype
        r_w = ops.cast(self.r_w_bias, dtype)
        r_r = ops.cast(self.r_r_bias, dtype)
        r_s = ops.cast(self.r_s_bias, dtype)
        content = ops.einsum("bind,bjnd->bnij", q_head + r_w, k_head)
        position = _rel_shift(ops.einsum("bind,rnd->bnir", q_head + r_r, r_head), klen)
        seg = ops.einsum("bind,snd->bnis", q_head + r_s, ops.cast(self.seg_embed, dtype))
        same, different = seg[..., 0:1], seg[..., 1:2]
        segment = same + ops.expand_dims(segment_matrix, 1) * (different - same)
        scores = (content + position + segment) * scale
        big = 65500.0 if dtype == "float16" else 1e30
        scores = scores - big * ops.expand_dims(mask, 1)
        probs = ops.softmax(scores, axis=-1)
        probs = self.dropout_layer(probs, training=training)
        return ops.einsum("bnij,bjnd->bind", probs, v_head)

    def _post_attention(self, stream, vector, training):
        out = ops.einsum("bind,hnd->bih", vector, ops.cast(self.o, vector.dtype))
        out = self.dropout_layer(out, training=training)
        return self.attention_layer_norm(out + stream)

    def _feed_forward(self, stream, training):
        out = self.ffn_intermediate(stream)
        out = self.dropout_layer(out, training=training)
        out = self.ffn_output(out)
        out = self.dropout_layer(out, training=training)
        return self.ffn_layer_norm(out + stream)

    def _keys(self, content, attention_inputs, memory):
        dtype = content.dtype
        keys = content if memory is None else ops.concatenate(
            [ops.cast(memory, dtype), content], axis=1)
        k_head = ops.einsum("bih,hnd->bind", keys, ops.cast(self.k, dtype))
        v_head = ops.einsum("bih,hnd->bind", keys, ops.cast(self.v, dtype))
        r_head = ops.einsum("ih,hnd->ind", ops.cast(attention_inputs["position_encoding"], dtype),
                            ops.cast(self.r, dtype))
        return k_head, v_head, r_head, ops.shape(keys)[1]

    def call(self, content, attention_inputs, memory=None, training=None):
        """The content stream alone (fine-tuning, features): `[B, T, H]`."""
        k_head, v_head, r_head, klen = self._keys(content, attention_inputs, memory)
        q_head = ops.einsum("bih,hnd->bind", content, ops.cast(self.q, content.dtype))
        vector = self._attend(q_head, k_head, v_head, r_head, attention_inputs["segment_matrix"],
                              attention_inputs["content_mask"], klen, training)
        return self._feed_forward(self._post_attention(content, vector, training), training)

    def two_stream(self, content, query, attention_inputs, target_mapping, memory=None,
                   training=None):
        """Both streams (pretraining): `(content [B, T, H], query [B, P, H])`.

        Call it through `XLNetTwoStream` (a layer), or on a built layer.
        """
        dtype = content.dtype
        k_head, v_head, r_head, klen = self._keys(content, attention_inputs, memory)
        segment_matrix = attention_inputs["segment_matrix"]
        q_head = ops.einsum("bih,hnd->bind", content, ops.cast(self.q, dtype))
        vector = self._attend(q_head, k_head, v_head, r_head, segment_matrix,
                              attention_inputs["content_mask"], klen, training)
        content_out = self._feed_forward(self._post_attention(content, vector, training),
                                         training)
        mapping = ops.cast(target_mapping, dtype)
        q_head_g = ops.einsum("bih,hnd->bind", query, ops.cast(self.q, dtype))
        # Each query row attends from the position it predicts.
        q_head_g = ops.einsum("bmnd,bml->blnd", q_head_g, mapping)
        vector_g = self._attend(q_head_g, k_head, v_head, r_head, segment_matrix,
                                attention_inputs["query_mask"], klen, training)
        vector_g = ops.einsum("blnd,bml->bmnd", vector_g, mapping)
        query_out = self._feed_forward(self._post_attention(query, vector_g, training), training)
        return content_out, query_out

    def compute_output_shape(self, content_shape, *args, **kwargs):
        return tuple(content_shape)

    def get_config(self):
        config = super().get_config()
        config.update(hidden_dim=self.hidden_dim, num_heads=self.num_heads, head_dim=self.head_dim,
                      intermediate_dim=self.intermediate_dim, dropout=self.dropout,
                      activation=self.activation, layer_norm_epsilon=self.layer_norm_epsilon,
                      initializer_range=self.initializer_range)
        return config


class XLNetTwoStream(keras.layers.Layer):
    """Runs an `XLNetLayer`'s two streams, or `XLNetEmbeddings.query_start`.

    A weightless view of a built layer: Keras functional graphs require a
    layer to return the same structure at every call, so the two-stream
    form (two outputs) is a layer of its own. The variables stay the
    wrapped layer's (paths `transformer_layer_{i}/...`, `embeddings/...`).

    Args:
        fn: the bound method (`layer.two_stream` or `embeddings.query_start`).
        num_outputs: 2 for `two_stream`, 1 for `query_start`.
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, fn, num_outputs, **kwargs):
        super().__init__(**kwargs)
        self._fn = fn
        self.num_outputs = num_outputs
        self.built = True

    def call(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def compute_output_spec(self, first, *args, **kwargs):
        if self.num_outputs == 1:  # query_start(target_mapping)
            hidden = self._fn.__self__.hidden_dim
            return keras.KerasTensor(tuple(first.shape[:2]) + (hidden,),
                                     dtype=self.compute_dtype)
        query = args[0]
        return (keras.KerasTensor(first.shape, dtype=self.compute_dtype),
                keras.KerasTensor(query.shape, dtype=self.compute_dtype))
