"""BERT pretraining network: an encoder with masked-LM and next-sentence heads."""

import keras
import keras_hub

from tfnlp.layers.next_sentence_head import NextSentenceHead
from tfnlp.models.bert.backbone import BertEncoder

ENCODER_INPUTS = ("token_ids", "segment_ids", "padding_mask")


@keras.saving.register_keras_serializable(package="tfnlp")
class BertPretrainer(keras.Model):
    """Trains a `BertEncoder` with the masked-LM and (optionally) NSP losses.

    The MLM head is dense + GELU + LayerNorm followed by the output projection
    tied to the token embedding, plus a bias; it computes logits only at
    `masked_lm_positions`. Outputs are named `mlm` and `nsp`, so Keras logs
    `mlm_loss`, `mlm_accuracy`, `nsp_loss` and `nsp_accuracy`.

    Args:
        encoder: a `BertEncoder`.
        use_nsp: bool. Adds the next-sentence head and its loss.
        **kwargs: standard `keras.Model` arguments.

    Returns (from `__call__` on the encoder inputs plus `masked_lm_positions`):
        A dict with `mlm` logits `[batch, P, vocab]` and, with NSP, `nsp`
        logits `[batch, 2]`.

    Example:
    >>> encoder = BertEncoder.from_preset("bert_tiny", vocabulary_size=500)
    >>> pretrainer = BertPretrainer(encoder)
    >>> pretrainer.compile_for_pretraining(optimizer="adam")
    >>> # pretrainer.fit(dataset.map(BertPretrainer.split_features), ...)
    """

    def __init__(self, encoder, use_nsp=True, **kwargs):
        inputs = {
            name: keras.Input(shape=(None,), dtype="int32", name=name)
            for name in ENCODER_INPUTS + ("masked_lm_positions",)
        }
        encoded = encoder({name: inputs[name] for name in ENCODER_INPUTS})
        mlm_head = keras_hub.layers.MaskedLMHead(
            token_embedding=encoder.token_embedding,
            intermediate_activation="gelu",
            layer_norm_epsilon=encoder.layer_norm_epsilon,
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=encoder.initializer_range
            ),
            dtype=encoder.dtype_policy,
            name="mlm_head",
        )
        outputs = {
            "mlm": mlm_head(
                encoded["sequence_output"],
                mask_positions=inputs["masked_lm_positions"],
            )
        }
        nsp_head = None
        if use_nsp:
            nsp_head = NextSentenceHead(
                initializer_range=encoder.initializer_range,
                dtype=encoder.dtype_policy,
                name="nsp_head",
            )
            outputs["nsp"] = nsp_head(encoded["pooled_output"])
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self.encoder = encoder
        self.mlm_head = mlm_head
        self.nsp_head = nsp_head
        self.use_nsp = use_nsp

    @property
    def backbone(self):
        """The encoder (the family contract's name for it)."""
        return self.encoder

    @staticmethod
    def split_features(features):
        """Splits a pretraining feature dict into Keras `(x, y, sample_weight)`.

        Args:
            features: dict as in docs/CONTRACTS.md (token ids, masks, MLM
                targets and, for NSP, `next_sentence_labels`).

        Returns:
            A tuple `(x, y, sample_weight)` for `fit`/`evaluate`.
        """
        x = {
            name: features[name]
            for name in ENCODER_INPUTS + ("masked_lm_positions",)
        }
        y = {"mlm": features["masked_lm_ids"]}
        sample_weight = {"mlm": features["masked_lm_weights"]}
        if "next_sentence_labels" in features:
            y["nsp"] = features["next_sentence_labels"]
            sample_weight["nsp"] = keras.ops.ones_like(
                features["next_sentence_labels"], dtype="float32"
            )
        return x, y, sample_weight

    def compile_for_pretraining(self, optimizer, **kwargs):
        """Compiles with BERT's losses and the MLM/NSP accuracy metrics.

        The MLM loss is the cross-entropy averaged over real predictions
        (weights from `masked_lm_weights`), the NSP loss over the batch; the
        total is their sum.

        Args:
            optimizer: a Keras optimizer or its name.
            **kwargs: more `compile` arguments (e.g. `jit_compile`).
        """
        loss = {
            "mlm": keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction="mean_with_sample_weight"
            )
        }
        weighted_metrics = {
            "mlm": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]
        }
        if self.use_nsp:
            loss["nsp"] = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            weighted_metrics["nsp"] = [
                keras.metrics.SparseCategoricalAccuracy(name="accuracy")
            ]
        self.compile(
            optimizer=optimizer,
            loss=loss,
            weighted_metrics=weighted_metrics,
            **kwargs,
        )

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "use_nsp": self.use_nsp,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["encoder"] = keras.saving.deserialize_keras_object(config["encoder"])
        return cls(**config)


__all__ = ["BertPretrainer", "BertEncoder"]
