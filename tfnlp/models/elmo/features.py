"""Feature-based ELMo: a frozen backbone and a trainable scalar mix of its layers.

`ELMo_t = gamma * sum_j softmax(s)_j h_{t,j}` (Peters et al. 2018, eq. 1)
over chosen layers `j` of `encoder_outputs` (0: the character encoder's
vectors duplicated to both directions, `1..L`: the biLSTM layers), with
optional layer normalisation of each layer. The backbone is frozen; only
`s` and `gamma` train (with the task model above them).

Example:

>>> features = ElmoFeatures(backbone)                       # doctest: +SKIP
>>> features(tokenizer(tf.constant(["The cat sat."])))      # doctest: +SKIP
<tf.Tensor: shape=(1, 128, 64), ...>
"""

import keras

from tfnlp.errors import TfnlpError
from tfnlp.layers.scalar_mix import ScalarMix


def check_mix_layers(layers, num_layers):
    """The layer indices to mix, checked against a backbone of `num_layers`.

    Args:
        layers: iterable of ints in `[0, num_layers]` (None: all of them).
        num_layers: the backbone's biLSTM layers.

    Returns:
        list of ints.

    Raises:
        TfnlpError: empty, repeated or out-of-range indices.
    """
    if layers is None:
        return list(range(num_layers + 1))
    try:
        layers = [int(j) for j in layers]
    except (TypeError, ValueError):
        raise TfnlpError(f"mix layers must be integers, got {layers!r}") from None
    bad = [j for j in layers if not 0 <= j <= num_layers]
    if not layers or bad or len(set(layers)) != len(layers):
        raise TfnlpError(f"cannot mix ELMo layers {layers}: this model has layers 0 (the "
                         f"character encoder) to {num_layers} (its biLSTM layers); give "
                         "distinct indices in that range")
    return layers


@keras.saving.register_keras_serializable(package="tfnlp")
class ElmoFeatures(keras.layers.Layer):
    """A frozen `ElmoBackbone` plus a trainable `ScalarMix` of its layers.

    Args:
        backbone: an `ElmoBackbone` (set non-trainable here).
        layers: indices of `encoder_outputs` to mix (None: all).
        layer_norm: normalise each layer over its real positions first.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(inputs)` with `char_ids`, `padding_mask`):
        float `[batch, time, 2 * projection_dim]`, zero at padding.

    Example:

    >>> ElmoFeatures(backbone, layers=[1, 2]).mix.num_inputs   # doctest: +SKIP
    2
    """

    def __init__(self, backbone, layers=None, layer_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.layers_to_mix = check_mix_layers(layers, backbone.num_layers)
        self.backbone = backbone
        self.backbone.trainable = False
        self.layer_norm = bool(layer_norm)
        self.mix = ScalarMix(num_inputs=len(self.layers_to_mix), layer_norm=self.layer_norm,
                             dtype=self.dtype_policy, name="scalar_mix")
        self.mix.build([(None, None, backbone.hidden_dim)] * len(self.layers_to_mix))

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs):
        mask = inputs["padding_mask"]
        encoded = self.backbone({"char_ids": inputs["char_ids"], "padding_mask": mask},
                                training=False)
        chosen = [encoded["encoder_outputs"][j] for j in self.layers_to_mix]
        mixed = self.mix(chosen, padding_mask=mask)
        return mixed * keras.ops.cast(mask, mixed.dtype)[..., None]

    def compute_output_shape(self, input_shape):
        shape = input_shape["padding_mask"]
        return tuple(shape) + (self.backbone.hidden_dim,)


def elmo_word_layers(backbone, sentences, max_len, batch_size=64):
    """The frozen layers of an `ElmoBackbone` for pre-split sentences.

    Word `t` of a sentence is the backbone's position `t + 1` (after `<S>`;
    `</S>` closes each sentence, as the TF-Hub module's `tokens` signature
    does, through the same `elmo_layer_outputs`). Sentences longer than
    `max_len` words are cut; words longer than the backbone's
    `max_chars_per_word - 2` bytes are truncated.

    Args:
        backbone: an `ElmoBackbone`.
        sentences: list of lists of word strings.
        max_len: int >= 1, words kept per sentence (the output length).
        batch_size: sentences per backbone call.

    Returns:
        `(layers, mask)`: float32 numpy `[n, max_len, num_layers + 1,
        2 * projection_dim]` (zero past each sentence) and float32
        `[n, max_len]` (1 at real words).

    Raises:
        TfnlpError: a bad `max_len`, or a sentence that is not a list of
            non-empty strings.

    Example:

    >>> layers, mask = elmo_word_layers(backbone, [["The", "cat"]], 8)  # doctest: +SKIP
    >>> layers.shape                                                  # doctest: +SKIP
    (1, 8, 3, 64)
    """
    import numpy as np
    import tensorflow as tf

    from tfnlp.models.elmo.hub_module import elmo_layer_outputs

    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise TfnlpError(f"max_len must be a positive integer, got {max_len!r}")
    rows = []
    for i, sentence in enumerate(sentences):
        if isinstance(sentence, str) or not all(isinstance(w, str) and w.strip()
                                                for w in sentence):
            raise TfnlpError(f"sentence {i} must be a list of non-empty word strings, "
                             f"got {sentence!r:.80}")
        rows.append([w.strip() for w in sentence[:max_len]])

    @tf.function(input_signature=[tf.RaggedTensorSpec([None, None], tf.string)])
    def run(words):
        out = elmo_layer_outputs(backbone, None, words, tf.constant(max_len), training=False)
        return tf.stack(out["layers"], axis=2)

    layers = np.zeros((len(rows), max_len, backbone.num_layers + 1, backbone.hidden_dim),
                      np.float32)
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        words = tf.ragged.constant(chunk, dtype=tf.string, ragged_rank=1) if any(chunk) else \
            tf.RaggedTensor.from_row_lengths(tf.constant([], tf.string), [0] * len(chunk))
        layers[start:start + len(chunk)] = run(words).numpy()
    lengths = np.array([len(r) for r in rows], np.int64)
    mask = (np.arange(max_len)[None, :] < lengths[:, None]).astype(np.float32)
    return layers, mask


def build_feature_tagger(num_tags, elmo_shape=None, vocabulary_size=None, embedding_dim=50,
                         embedding_matrix=None, units=64, dropout=0.3, layer_norm=True,
                         learning_rate=3e-3):
    """A biLSTM tagger over frozen ELMo layers, word embeddings, or both.

    With `elmo_shape`, the input `elmo_layers` (`elmo_word_layers`) goes
    through a trainable `ScalarMix` (ELMo's `gamma` and `softmax(s)`,
    each layer normalised first when `layer_norm`); with
    `vocabulary_size`, the input `word_ids` goes through an embedding
    (learned from scratch, or frozen `embedding_matrix` such as GloVe);
    with both, the two are concatenated (Peters et al. 2018 add ELMo to the
    task model's own token vectors). Then a biLSTM, dropout and a dense
    layer give tag logits; `mask` (1 at real words) masks the biLSTM.
    Compiled with Adam and a from-logits sparse cross-entropy (pass the
    mask as `sample_weight` to `fit`).

    The layers differ in scale (the character layer's spread is about
    twice the LSTM layers'), so `layer_norm=True` is the default.

    Args:
        num_tags: number of tags.
        elmo_shape: `(num_layers + 1, width)` of the ELMo input, or None.
        vocabulary_size: word ids `[0, vocabulary_size)`, or None.
        embedding_dim: width of learned embeddings.
        embedding_matrix: optional float `[vocabulary_size, dim]`, frozen.
        units: LSTM units per direction.
        dropout: dropout after the biLSTM.
        layer_norm: the mix's per-layer normalisation.
        learning_rate: Adam's.

    Returns:
        a compiled `keras.Model` with inputs `mask` (and `elmo_layers`,
        `word_ids`) and output logits `[batch, time, num_tags]`; its
        `scalar_mix` attribute is the mix (or None).

    Raises:
        TfnlpError: neither input, or bad sizes.

    Example:

    >>> tagger = build_feature_tagger(5, elmo_shape=(3, 64))
    >>> tagger.output_shape
    (None, None, 5)
    """
    import numpy as np

    if elmo_shape is None and vocabulary_size is None:
        raise TfnlpError("build_feature_tagger needs elmo_shape, vocabulary_size or both")
    if isinstance(num_tags, bool) or not isinstance(num_tags, int) or num_tags < 2:
        raise TfnlpError(f"num_tags must be an integer >= 2, got {num_tags!r}")
    mask = keras.Input((None,), name="mask")
    inputs, parts, mix = {"mask": mask}, [], None
    if elmo_shape is not None:
        num_layers, width = (int(d) for d in elmo_shape)
        inputs["elmo_layers"] = keras.Input((None, num_layers, width), name="elmo_layers")
        layers = [keras.layers.Lambda(lambda z, j=j: z[:, :, j], name=f"elmo_layer_{j}")(
            inputs["elmo_layers"]) for j in range(num_layers)]
        mix = ScalarMix(num_inputs=num_layers, layer_norm=layer_norm, name="scalar_mix")
        parts.append(mix(layers, padding_mask=mask))
    if vocabulary_size is not None:
        inputs["word_ids"] = keras.Input((None,), dtype="int32", name="word_ids")
        if embedding_matrix is not None:
            matrix = np.asarray(embedding_matrix, np.float32)
            if matrix.ndim != 2 or matrix.shape[0] != vocabulary_size:
                raise TfnlpError(f"embedding_matrix must be [{vocabulary_size}, dim], got "
                                 f"{matrix.shape}")
            embed = keras.layers.Embedding(
                vocabulary_size, matrix.shape[1], trainable=False, name="word_embeddings",
                embeddings_initializer=keras.initializers.Constant(matrix))
        else:
            embed = keras.layers.Embedding(vocabulary_size, embedding_dim,
                                           name="word_embeddings")
        parts.append(embed(inputs["word_ids"]))
    x = parts[0] if len(parts) == 1 else keras.layers.Concatenate(axis=-1)(parts)
    x = keras.layers.Bidirectional(keras.layers.LSTM(units, return_sequences=True),
                                   name="tagger_bilstm")(x, mask=keras.ops.cast(mask, "bool"))
    x = keras.layers.Dropout(dropout)(x)
    logits = keras.layers.Dense(num_tags, name="tag_logits")(x)
    model = keras.Model(inputs, logits, name="elmo_feature_tagger")
    model.compile(keras.optimizers.Adam(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.scalar_mix = mix
    return model
