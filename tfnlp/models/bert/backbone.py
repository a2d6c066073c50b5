"""The BERT encoder: embeddings, a stack of post-LN Transformer blocks, a pooler."""

import keras
import keras_hub

from tfnlp.errors import TfnlpError
from tfnlp.layers.bert_embeddings import BertEmbeddings
from tfnlp.models.bert.presets import get_preset_config


def validate_encoder_config(vocabulary_size, num_layers, num_heads, hidden_dim):
    """Raises `TfnlpError` for an encoder shape that cannot be built.

    Args:
        vocabulary_size: int, must be positive.
        num_layers: int, must be positive.
        num_heads: int, must be positive and divide `hidden_dim`.
        hidden_dim: int, must be positive.
    """
    for name, value in (
        ("vocabulary_size", vocabulary_size),
        ("num_layers", num_layers),
        ("num_heads", num_heads),
        ("hidden_dim", hidden_dim),
    ):
        if not isinstance(value, int) or value <= 0:
            raise TfnlpError(f"{name} must be a positive integer, got {value!r}.")
    if hidden_dim % num_heads:
        raise TfnlpError(
            f"hidden_dim ({hidden_dim}) must be divisible by num_heads ({num_heads})."
        )


@keras.saving.register_keras_serializable(package="tfnlp")
class BertEncoder(keras.Model):
    """A BERT encoder (Devlin et al. 2018) as a functional Keras 3 model.

    Inputs are a dict of int32 `[batch, seq]` tensors: `token_ids`,
    `segment_ids` and `padding_mask` (1 for real tokens). `seq` may vary from
    call to call up to `max_sequence_length`.

    Args:
        vocabulary_size: int. Number of token ids.
        num_layers: int. Number of Transformer blocks.
        num_heads: int. Attention heads per block; must divide `hidden_dim`.
        hidden_dim: int. Width of the hidden states.
        intermediate_dim: int. Width of the feed-forward layer; 4 * hidden_dim
            when None.
        dropout: float. Dropout rate for embeddings, attention and feed-forward.
        activation: str or callable. Feed-forward activation; "gelu" is the
            exact (erf) GELU that BERT uses.
        max_sequence_length: int. Number of learned positions.
        num_segments: int. Number of segment ids.
        layer_norm_epsilon: float. Epsilon of every LayerNorm.
        initializer_range: float. Stddev of the truncated-normal initializer.
        **kwargs: standard `keras.Model` arguments (`name`, `dtype`).

    Returns (from `__call__`):
        A dict with `sequence_output` `[batch, seq, hidden_dim]`,
        `pooled_output` `[batch, hidden_dim]` (tanh dense on position 0) and
        `encoder_outputs`, a list with one `[batch, seq, hidden_dim]` per block.

    Example:
    >>> encoder = BertEncoder.from_preset("bert_tiny", vocabulary_size=1000)
    >>> ids = keras.ops.ones((2, 16), dtype="int32")
    >>> out = encoder({"token_ids": ids, "segment_ids": ids * 0,
    ...                "padding_mask": ids})
    >>> out["pooled_output"].shape
    (2, 128)
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        num_heads,
        hidden_dim,
        intermediate_dim=None,
        dropout=0.1,
        activation="gelu",
        max_sequence_length=512,
        num_segments=2,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        **kwargs,
    ):
        validate_encoder_config(vocabulary_size, num_layers, num_heads, hidden_dim)
        intermediate_dim = intermediate_dim or 4 * hidden_dim
        dtype = kwargs.pop("dtype", None)

        def initializer():
            return keras.initializers.TruncatedNormal(stddev=initializer_range)

        # === Layers ===
        embeddings = BertEmbeddings(
            vocabulary_size=vocabulary_size,
            hidden_dim=hidden_dim,
            max_sequence_length=max_sequence_length,
            num_segments=num_segments,
            dropout=dropout,
            layer_norm_epsilon=layer_norm_epsilon,
            initializer_range=initializer_range,
            dtype=dtype,
            name="embeddings",
        )
        transformer_layers = [
            keras_hub.layers.TransformerEncoder(
                intermediate_dim=intermediate_dim,
                num_heads=num_heads,
                dropout=dropout,
                activation=activation,
                layer_norm_epsilon=layer_norm_epsilon,
                kernel_initializer=initializer(),
                normalize_first=False,
                dtype=dtype,
                name=f"transformer_layer_{i}",
            )
            for i in range(num_layers)
        ]
        pooler = keras.layers.Dense(
            hidden_dim,
            activation="tanh",
            kernel_initializer=initializer(),
            dtype=dtype,
            name="pooler",
        )

        # === Functional graph ===
        inputs = {
            name: keras.Input(shape=(None,), dtype="int32", name=name)
            for name in ("token_ids", "segment_ids", "padding_mask")
        }
        x = embeddings(inputs["token_ids"], inputs["segment_ids"])
        encoder_outputs = []
        for block in transformer_layers:
            x = block(x, padding_mask=inputs["padding_mask"])
            encoder_outputs.append(x)
        pooled_output = pooler(x[:, 0, :])
        super().__init__(
            inputs=inputs,
            outputs={
                "sequence_output": x,
                "pooled_output": pooled_output,
                "encoder_outputs": encoder_outputs,
            },
            dtype=dtype,
            **kwargs,
        )

        # === Config ===
        self.embeddings = embeddings
        self.transformer_layers = transformer_layers
        self.pooler = pooler
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.activation = activation
        self.max_sequence_length = max_sequence_length
        self.num_segments = num_segments
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

    @property
    def token_embedding(self):
        """The `ReversibleEmbedding` whose matrix a tied MLM head reuses."""
        return self.embeddings.token_embedding

    def check_sequence_length(self, seq_length):
        """Raises `TfnlpError` if `seq_length` exceeds the learned positions.

        Args:
            seq_length: int, the packed input length a caller plans to use.
        """
        if seq_length > self.max_sequence_length:
            raise TfnlpError(
                f"seq_length {seq_length} is longer than the encoder's "
                f"{self.max_sequence_length} learned positions."
            )

    @classmethod
    def from_preset(cls, preset, vocabulary_size, **overrides):
        """Builds a randomly initialised encoder of a named architecture.

        Args:
            preset: str, a key of `tfnlp.models.bert.presets.BERT_PRESETS`.
            vocabulary_size: int, size of the vocab the encoder will read.
            **overrides: constructor arguments replacing the preset's.

        Returns:
            A `BertEncoder`.
        """
        config = get_preset_config(preset)
        config.update(overrides)
        return cls(vocabulary_size=vocabulary_size, **config)

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
            "activation": keras.activations.serialize(
                keras.activations.get(self.activation)
            )
            if callable(self.activation)
            else self.activation,
            "max_sequence_length": self.max_sequence_length,
            "num_segments": self.num_segments,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
            # The policy name ("float32", "bfloat16", "mixed_bfloat16"), so a
            # bf16 encoder reloads as bf16.
            "dtype": self.dtype_policy.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("activation"), dict):
            config["activation"] = keras.activations.deserialize(config["activation"])
        return cls(**config)
