"""A character CNN word encoder (Kim et al. 2016, as in ELMo)."""

import keras
from keras import ops

from tfnlp.errors import TfnlpError


def check_filters(filters):
    """Checks `[(width, count), ...]` and returns it as a list of int pairs.

    Raises:
        TfnlpError: empty, or a width/count that is not a positive integer.
    """
    try:
        pairs = [(int(w), int(c)) for w, c in filters]
    except (TypeError, ValueError):
        raise TfnlpError(f"char CNN filters must be [(width, count), ...], got "
                         f"{filters!r}") from None
    if not pairs or any(w <= 0 or c <= 0 for w, c in pairs):
        raise TfnlpError(f"char CNN filters need positive widths and counts, got {filters!r}")
    return pairs


@keras.saving.register_keras_serializable(package="tfnlp")
class CharCNN(keras.layers.Layer):
    """Character ids `[..., max_chars]` -> one vector per word.

    Characters are embedded (`char_dim`), then each `(width, count)`
    filter bank convolves over the characters (valid padding), is
    max-pooled over positions and passed through `activation`; the banks
    are concatenated (width `sum(count)`). Id 0 marks a position with no
    word; its vector is still computed (callers mask it).

    Args:
        num_chars: size of the character vocabulary (ELMo: 262).
        char_dim: character embedding width (ELMo: 16).
        filters: list of `(width, count)`; widths must not exceed the
            characters per word.
        activation: applied after pooling (ELMo: "relu"; bilm-tf also
            allows "tanh").
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Returns (from `call(char_ids)`):
        float `[..., sum(count)]`.

    Example:

    >>> cnn = CharCNN(262, 16, [(1, 8), (2, 8), (3, 16)])
    >>> cnn(keras.ops.ones((2, 5, 50), "int32")).shape
    (2, 5, 32)
    """

    def __init__(self, num_chars=262, char_dim=16, filters=((1, 32), (2, 32)),
                 activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.num_chars = int(num_chars)
        self.char_dim = int(char_dim)
        self.filters = check_filters(filters)
        self.activation = activation
        self._activation = keras.activations.get(activation)
        self.char_embedding = keras.layers.Embedding(
            self.num_chars, self.char_dim, dtype=self.dtype_policy,
            embeddings_initializer=keras.initializers.RandomUniform(-1.0, 1.0),
            name="char_embedding")
        self.convolutions = [
            keras.layers.Conv1D(count, width, padding="valid", dtype=self.dtype_policy,
                                name=f"conv_{i}")
            for i, (width, count) in enumerate(self.filters)]

    @property
    def output_dim(self):
        """int: width of the word vectors, `sum(count)`."""
        return sum(c for _, c in self.filters)

    def build(self, input_shape):
        max_chars = input_shape[-1]
        if max_chars is not None and max(w for w, _ in self.filters) > max_chars:
            raise TfnlpError(f"char CNN filter width {max(w for w, _ in self.filters)} is "
                             f"wider than the {max_chars} characters per word")
        self.char_embedding.build((None, max_chars))
        for conv in self.convolutions:
            conv.build((None, max_chars, self.char_dim))
        self.built = True

    def call(self, char_ids):
        shape = ops.shape(char_ids)
        flat = ops.reshape(char_ids, (-1, shape[-1]))
        x = self.char_embedding(flat)
        pooled = [self._activation(ops.max(conv(x), axis=1)) for conv in self.convolutions]
        words = ops.concatenate(pooled, axis=-1)
        return ops.reshape(words, tuple(shape[:-1]) + (self.output_dim,))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_chars": self.num_chars, "char_dim": self.char_dim,
                       "filters": [list(p) for p in self.filters],
                       "activation": self.activation})
        return config
