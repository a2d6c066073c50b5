"""`StaticEmbedding`: the backbone of the word2vec and GloVe families.

No encoder stack: `sequence_output` is each token's word vector (zero at
padding), `pooled_output` their combination over the real tokens
(`sqrtn`: sum / sqrt(n), as Google's nnlm / Wiki-words modules; `mean`;
`sum`), `encoder_outputs` = `[sequence_output]`. The table is the layer
`embeddings`, so ULMFiT groups it as embeddings.

Example:

>>> import numpy as np
>>> model = StaticEmbedding(vocabulary_size=10, hidden_dim=4)
>>> out = model({"token_ids": np.array([[1, 2, 9]]), "padding_mask": np.array([[1, 1, 0]])})
>>> out["pooled_output"].shape
(1, 4)
"""

import keras
from keras import ops

from tfnlp.errors import TfnlpError

COMBINERS = ("sqrtn", "mean", "sum")


def combine(vectors, mask, combiner):
    """Pools `[B, T, H]` vectors over the real tokens of `mask [B, T]` (keras.ops)."""
    mask = ops.cast(mask, vectors.dtype)
    total = ops.sum(vectors * mask[..., None], axis=1)
    count = ops.sum(mask, axis=1, keepdims=True)
    if combiner == "sum":
        return total
    if combiner == "mean":
        return total / ops.maximum(count, 1.0)
    return total / ops.sqrt(ops.maximum(count, 1.0))


@keras.saving.register_keras_serializable("tfnlp")
class StaticEmbedding(keras.Model):
    """One trainable vector per word, functional Keras 3 (dict in, dict out).

    Args:
        vocabulary_size: rows (the tokenizer's `vocab_size`, `[UNK]` included).
        hidden_dim: vector width.
        combiner: `"sqrtn"`, `"mean"` or `"sum"` for `pooled_output`.
        dtype: layer dtype policy.
        **kwargs: `keras.Model` arguments (`name`, `trainable`).

    Attributes:
        num_layers: 0 (no encoder stack); `hidden_dim`; `max_sequence_length`: None.
    """

    def __init__(self, vocabulary_size, hidden_dim=100, combiner="sqrtn", dtype=None,
                 **kwargs):
        if combiner not in COMBINERS:
            raise TfnlpError(f"static embedding: combiner must be one of "
                             f"{', '.join(COMBINERS)}, got {combiner!r}")
        for key, value in (("vocabulary_size", vocabulary_size), ("hidden_dim", hidden_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TfnlpError(f"static embedding: {key} must be a positive integer, "
                                 f"got {value!r}")
        token_ids = keras.Input(shape=(None,), dtype="int32", name="token_ids")
        padding_mask = keras.Input(shape=(None,), dtype="int32", name="padding_mask")
        table = keras.layers.Embedding(
            vocabulary_size, hidden_dim, name="embeddings", dtype=dtype,
            embeddings_initializer=keras.initializers.RandomUniform(
                -0.5 / hidden_dim, 0.5 / hidden_dim))
        mask = ops.cast(padding_mask, table.compute_dtype if hasattr(table, "compute_dtype")
                        else "float32")
        vectors = table(token_ids) * ops.expand_dims(mask, -1)
        pooled = combine(vectors, padding_mask, combiner)
        super().__init__(inputs={"token_ids": token_ids, "padding_mask": padding_mask},
                         outputs={"sequence_output": vectors, "pooled_output": pooled,
                                  "encoder_outputs": [vectors]},
                         dtype=dtype, **kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.combiner = combiner
        self.num_layers = 0
        self.max_sequence_length = None
        self.table = table

    @property
    def embeddings(self):
        """The `[vocabulary_size, hidden_dim]` table variable."""
        return self.table.embeddings

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "vocabulary_size": self.vocabulary_size, "hidden_dim": self.hidden_dim,
                "combiner": self.combiner,
                "dtype": keras.dtype_policies.serialize(self.dtype_policy)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = keras.dtype_policies.deserialize(config["dtype"])
        return cls(**config)
