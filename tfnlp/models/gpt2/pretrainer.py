"""GPT-2's causal-LM pretrainer: the backbone + its tied output projection.

Example:

>>> backbone = Gpt2Backbone(300, 2, 2, 32, max_sequence_length=16)
>>> model = Gpt2CausalLM(backbone)
>>> model.compile_for_pretraining(optimizer="adam")
>>> # model.fit(get_objective("causal_lm").build_dataset(...).map(split_features))
"""

import keras

from tfnlp.models.gpt2.backbone import INPUT_NAMES, Gpt2Backbone


@keras.saving.register_keras_serializable(package="tfnlp")
class Gpt2CausalLM(keras.Model):
    """Next-token logits `[batch, seq, vocab]` over every position.

    The loss (`compile_for_pretraining`) is the cross-entropy of each
    position's next token, averaged over the real targets (the
    `sample_weight` the `causal_lm` objective gives: 0 on padding); the
    metric is `lm_accuracy`.

    Args:
        backbone: a `Gpt2Backbone`.
        **kwargs: `keras.Model` arguments.
    """

    def __init__(self, backbone, **kwargs):
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
                  for name in INPUT_NAMES}
        encoded = backbone(inputs)
        logits = backbone.lm_logits(encoded["sequence_output"])
        super().__init__(inputs=inputs, outputs=logits, **kwargs)
        self.backbone = backbone

    def compile_for_pretraining(self, optimizer, **kwargs):
        """Compiles with the masked next-token cross-entropy and `lm_accuracy`.

        Args:
            optimizer: a Keras optimizer or its name.
            **kwargs: more `compile` arguments (e.g. `jit_compile`).
        """
        self.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction="mean_with_sample_weight"),
            weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="lm_accuracy")],
            **kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "backbone": keras.saving.serialize_keras_object(self.backbone)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)


__all__ = ["Gpt2CausalLM", "Gpt2Backbone"]
