"""XLNet's permutation-LM pretrainer: the query stream through a tied LM head.

`XLNetPretrainer` is a functional Keras model: it runs
`XLNetBackbone.two_stream` with `perm_mask` and `target_mapping` and
projects the query stream of each predicted position onto the
vocabulary with the token embedding matrix (tied, as XLNet's `lm_loss`)
plus a bias. The loss is the cross-entropy of `target_ids`, averaged over
real targets (`target_weights`); Keras logs `loss` and `accuracy`.

Example:

>>> pretrainer = XLNetPretrainer(backbone)                        # doctest: +SKIP
>>> pretrainer.compile_for_pretraining("adam")                     # doctest: +SKIP
>>> pretrainer.fit(dataset.map(OBJECTIVE.split_features), steps_per_epoch=10)  # doctest: +SKIP
"""

import keras
from keras import ops

from tfnlp.models.xlnet.backbone import INPUTS


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetLMHead(keras.layers.Layer):
    """Logits of the tied LM head: `x @ E^T + bias`.

    Args:
        token_embedding: the backbone's token `Embedding` (its matrix `E`).
        **kwargs: `keras.layers.Layer` arguments.
    """

    def __init__(self, token_embedding, **kwargs):
        super().__init__(**kwargs)
        self.token_embedding = token_embedding

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(self.token_embedding.input_dim,),
                                    initializer="zeros", name="bias")
        self.built = True

    def call(self, hidden):
        matrix = ops.cast(self.token_embedding.embeddings, hidden.dtype)
        logits = ops.einsum("bph,vh->bpv", hidden, matrix)
        return logits + ops.cast(self.bias, hidden.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.token_embedding.input_dim,)


@keras.saving.register_keras_serializable(package="tfnlp")
class XLNetPretrainer(keras.Model):
    """PLM on an `XLNetBackbone` (see the module docstring).

    Args:
        backbone: the `XLNetBackbone`.
        **kwargs: `keras.Model` arguments.

    Returns (from `__call__` on `token_ids`, `segment_ids`, `padding_mask`,
    `perm_mask [B, T, T]`, `target_mapping [B, P, T]`):
        dict with `plm` logits `[B, P, vocab]`.
    """

    def __init__(self, backbone, **kwargs):
        inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name)
                  for name in INPUTS}
        inputs["perm_mask"] = keras.Input(shape=(None, None), dtype="float32",
                                          name="perm_mask")
        inputs["target_mapping"] = keras.Input(shape=(None, None), dtype="float32",
                                               name="target_mapping")
        outputs = backbone.two_stream(inputs)
        lm_head = XLNetLMHead(backbone.token_embedding, dtype=backbone.dtype_policy,
                              name="lm_head")
        super().__init__(inputs=inputs, outputs={"plm": lm_head(outputs["query_output"])},
                         **kwargs)
        self.backbone = backbone
        self.lm_head = lm_head

    def compile_for_pretraining(self, optimizer, **kwargs):
        """Compiles with the PLM loss and accuracy (weighted by `target_weights`).

        Args:
            optimizer: a Keras optimizer or its name.
            **kwargs: more `compile` arguments.
        """
        self.compile(
            optimizer=optimizer,
            loss={"plm": keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction="mean_with_sample_weight")},
            weighted_metrics={"plm": [keras.metrics.SparseCategoricalAccuracy(
                name="accuracy")]},
            **kwargs)

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable,
                "backbone": keras.saving.serialize_keras_object(self.backbone)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)
