"""The ELMo backbone: a character CNN word encoder and a biLSTMP stack.

Example:

>>> backbone = ElmoBackbone.from_preset("elmo_tiny")
>>> ids = keras.ops.ones((2, 7, 50), "int32")
>>> out = backbone({"char_ids": ids, "padding_mask": keras.ops.ones((2, 7), "int32")})
>>> out["sequence_output"].shape, len(out["encoder_outputs"])
((2, 7, 64), 3)
"""

import keras
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.layers.char_cnn import CharCNN, check_filters
from tfnlp.layers.highway import Highway
from tfnlp.layers.lstmp import BiLSTMPLayer
from tfnlp.models.elmo.characters import NUM_CHAR_IDS, check_max_chars
from tfnlp.models.elmo.presets import PRESETS


def check_elmo_config(config):
    """Raises `TfnlpError` naming the first bad field of an ELMo config."""
    check_filters(config["filters"])
    check_max_chars(config["max_chars_per_word"])
    widest = max(w for w, _ in check_filters(config["filters"]))
    if widest > config["max_chars_per_word"]:
        raise TfnlpError(f"elmo config: filters has width {widest}, wider than "
                         f"max_chars_per_word ({config['max_chars_per_word']})")
    for key in ("cell_clip", "proj_clip"):
        value = config.get(key)
        if value is not None and (not isinstance(value, (int, float)) or value <= 0):
            raise TfnlpError(f"elmo config: {key} must be a positive number or null, "
                             f"got {value!r}")
    if not 0 <= config.get("dropout", 0.0) < 1:
        raise TfnlpError(f"elmo config: dropout must be in [0, 1), got {config['dropout']!r}")


@keras.saving.register_keras_serializable(package="tfnlp")
class ElmoCharEncoder(keras.layers.Layer):
    """Character ids -> word vectors: CharCNN, highway layers, projection.

    Args:
        char_dim, filters, activation: the `CharCNN`'s.
        num_highway_layers: highway layers after the CNN.
        projection_dim: output width.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(char_ids)`):
        float `[batch, time, projection_dim]`.

    Example:

    >>> enc = ElmoCharEncoder(16, [[1, 4], [2, 4]], 1, 8)
    >>> enc(keras.ops.ones((1, 3, 50), "int32")).shape
    (1, 3, 8)
    """

    def __init__(self, char_dim, filters, num_highway_layers, projection_dim,
                 activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.char_cnn = CharCNN(NUM_CHAR_IDS, char_dim, filters, activation=activation,
                                dtype=self.dtype_policy, name="char_cnn")
        self.highway = Highway(num_highway_layers, dtype=self.dtype_policy, name="highway")
        self.projection = keras.layers.Dense(projection_dim, dtype=self.dtype_policy,
                                             name="projection")
        self.config_args = dict(char_dim=char_dim, filters=[list(f) for f in filters],
                                num_highway_layers=num_highway_layers,
                                projection_dim=projection_dim, activation=activation)

    def build(self, input_shape):
        self.char_cnn.build(input_shape)
        width = self.char_cnn.output_dim
        self.highway.build((None, width))
        self.projection.build((None, width))
        self.built = True

    def call(self, char_ids):
        return self.projection(self.highway(self.char_cnn(char_ids)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.config_args["projection_dim"],)

    def get_config(self):
        config = super().get_config()
        config.update(self.config_args)
        return config


@keras.saving.register_keras_serializable(package="tfnlp")
class ElmoBackbone(keras.Model):
    """ELMo's biLM encoder (Peters et al. 2018) as a functional Keras 3 model.

    Inputs: `char_ids` int32 `[batch, time, max_chars_per_word]` (ELMo's
    262 character ids, 0 at padding positions) and `padding_mask` int32
    `[batch, time]`. The word vectors (`ElmoCharEncoder`, variables under
    `embeddings/`) feed two separate LSTMP stacks, one reading forward and
    one backward (layer `i` under `lstm_layer_{i}/`); every layer above the
    first adds its input (residual). The forward LM reads positions `<= t`
    only, the backward one positions `>= t`.

    Args:
        char_dim: character embedding width (16).
        filters: `[[width, count], ...]` of the CNN.
        num_highway_layers: highway layers (2).
        projection_dim: word-vector and LSTM projection width (512).
        lstm_dim: LSTM cell width (4096).
        num_layers: biLSTM layers (2).
        cell_clip, proj_clip: LSTMP clips (3, 3; None: none).
        dropout: dropout on each LSTM layer's input while training.
        activation: the CNN's activation.
        max_chars_per_word: characters per word (50).
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Returns (from `__call__`):
        dict: `sequence_output [B, T, 2P]` (top layer, forward then
        backward), `pooled_output [B, 2P]` (mean over real positions),
        `encoder_outputs` (`num_layers + 1` tensors `[B, T, 2P]`: the word
        vectors duplicated to both directions, then each biLSTM layer),
        `word_emb [B, T, P]` and `lstm_outputs{i}` (`i = 1..L`, as in the
        TF-Hub module). Padding positions are zero.

    Example:

    >>> ElmoBackbone.from_preset("elmo_tiny").hidden_dim
    64
    """

    def __init__(self, char_dim=16, filters=None, num_highway_layers=2, projection_dim=512,
                 lstm_dim=4096, num_layers=2, cell_clip=3.0, proj_clip=3.0, dropout=0.1,
                 activation="relu", max_chars_per_word=50, **kwargs):
        filters = [list(f) for f in (filters or PRESETS["elmo_original"]["filters"])]
        config = dict(char_dim=char_dim, filters=filters,
                      num_highway_layers=num_highway_layers, projection_dim=projection_dim,
                      lstm_dim=lstm_dim, num_layers=num_layers, cell_clip=cell_clip,
                      proj_clip=proj_clip, dropout=dropout, activation=activation,
                      max_chars_per_word=max_chars_per_word)
        check_elmo_config(config)
        dtype = kwargs.pop("dtype", None)

        # === Layers ===
        embeddings = ElmoCharEncoder(char_dim, filters, num_highway_layers, projection_dim,
                                     activation=activation, dtype=dtype, name="embeddings")
        lstm_layers = [
            BiLSTMPLayer(lstm_dim, projection_dim, cell_clip=cell_clip, proj_clip=proj_clip,
                         dropout=dropout, residual=i > 0, dtype=dtype, name=f"lstm_layer_{i}")
            for i in range(num_layers)]

        # === Functional graph ===
        inputs = {
            "char_ids": keras.Input(shape=(None, max_chars_per_word), dtype="int32",
                                    name="char_ids"),
            "padding_mask": keras.Input(shape=(None,), dtype="int32", name="padding_mask"),
        }
        mask = inputs["padding_mask"]
        word_emb = embeddings(inputs["char_ids"])
        word_emb = word_emb * ops.cast(mask, word_emb.dtype)[..., None]
        encoder_outputs = [ops.concatenate([word_emb, word_emb], axis=-1)]
        outputs = {"word_emb": word_emb}
        forward, backward = word_emb, word_emb
        for i, layer in enumerate(lstm_layers):
            forward, backward = layer(forward, backward, padding_mask=mask)
            encoder_outputs.append(ops.concatenate([forward, backward], axis=-1))
            outputs[f"lstm_outputs{i + 1}"] = encoder_outputs[-1]
        sequence_output = encoder_outputs[-1]
        weights = ops.cast(mask, sequence_output.dtype)[..., None]
        pooled_output = ops.sum(sequence_output * weights, axis=1) / ops.maximum(
            ops.sum(weights, axis=1), 1.0)
        outputs.update(sequence_output=sequence_output, pooled_output=pooled_output,
                       encoder_outputs=encoder_outputs)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        # === Config ===
        self.embeddings = embeddings
        self.lstm_layers = lstm_layers
        self.elmo_config = config
        self.num_layers = num_layers
        self.projection_dim = projection_dim
        self.hidden_dim = 2 * projection_dim
        self.max_sequence_length = None
        self.max_chars_per_word = max_chars_per_word

    @classmethod
    def from_preset(cls, preset, **overrides):
        """Builds a randomly initialised backbone of a named architecture.

        Args:
            preset: a key of `tfnlp.models.elmo.presets.PRESETS`.
            **overrides: constructor arguments replacing the preset's.
        """
        if preset not in PRESETS:
            raise TfnlpError(f"unknown elmo preset {preset!r}; known presets: "
                             f"{', '.join(PRESETS)}")
        return cls(**dict(PRESETS[preset], **overrides))

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        config.update(self.elmo_config)
        config["filters"] = [list(f) for f in config["filters"]]
        config["dtype"] = self.dtype_policy.name
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
