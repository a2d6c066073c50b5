"""The DistilBERT encoder (Sanh et al. 2019): BERT without token types or pooler.

Token + position embeddings (no segment embedding: `segment_ids` is
accepted, so the model sits on the BERT interface, and ignored), LayerNorm,
dropout, then post-LN Transformer blocks. `pooled_output` is the `[CLS]`
hidden state; a classification head puts its own dense on it (as HF's
`pre_classifier`).

It is the ELECTRA encoder with one segment-free, unfactorized embedding,
so it reuses `ElectraBackbone`'s layers and graph.

Example:
>>> backbone = DistilBertBackbone(100, num_layers=2, num_heads=2, hidden_dim=32)
>>> ids = keras.ops.ones((2, 8), dtype="int32")
>>> out = backbone({"token_ids": ids, "segment_ids": ids, "padding_mask": ids})
>>> out["pooled_output"].shape
(2, 32)
"""

import keras

from tfnlp.models.electra.backbone import ElectraBackbone


@keras.saving.register_keras_serializable(package="tfnlp")
class DistilBertBackbone(ElectraBackbone):
    """DistilBERT's encoder as a functional Keras 3 model.

    Args:
        vocabulary_size: number of token ids.
        num_layers: Transformer blocks.
        num_heads: attention heads; must divide `hidden_dim`.
        hidden_dim: width.
        intermediate_dim: feed-forward width (None: 4 * `hidden_dim`).
        dropout: dropout of embeddings, attention and feed-forward.
        activation: feed-forward activation (`"gelu"`: exact GELU).
        max_sequence_length: learned positions.
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal initializer.
        **kwargs: `keras.Model` arguments (`name`, `dtype`).

    Returns (from `__call__` on `token_ids, segment_ids, padding_mask`):
        dict with `sequence_output`, `pooled_output` (`[CLS]` state) and
        `encoder_outputs`; `segment_ids` does not change them.

    Example:
    >>> DistilBertBackbone(100, 2, 2, 32).embeddings.segment_embedding is None
    True
    """

    family_name = "distilbert"

    def __init__(self, vocabulary_size, num_layers, num_heads, hidden_dim,
                 intermediate_dim=None, dropout=0.1, activation="gelu",
                 max_sequence_length=512, layer_norm_epsilon=1e-12, initializer_range=0.02,
                 **kwargs):
        kwargs.setdefault("name", "distil_bert_backbone")
        super().__init__(vocabulary_size, num_layers, num_heads, hidden_dim,
                         embedding_dim=hidden_dim, intermediate_dim=intermediate_dim,
                         dropout=dropout, activation=activation,
                         max_sequence_length=max_sequence_length, num_segments=0,
                         layer_norm_epsilon=layer_norm_epsilon,
                         initializer_range=initializer_range, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["embedding_dim"], config["num_segments"]
        return config
