"""ELECTRA pretraining: a small MLM generator and the replaced-token discriminator.

One step (Clark et al. 2020, section 2):

1. the generator (an MLM model `generator_hidden_ratio` as wide as the
   discriminator, sharing its token/position/segment embedding tables)
   predicts the masked positions; its loss is the MLM cross-entropy;
2. a token is sampled at each masked position from the generator's softmax
   (stop-gradient), with a stateless seed `(sampling_seed, step)` where
   `step` is the optimizer's iteration count, so a resumed run draws the
   same samples as an uninterrupted one;
3. the samples replace the masked positions; the discriminator (the
   `ElectraBackbone`) labels every real token replaced (1) or original (0),
   a sample equal to the original token counting as original;
4. loss = MLM + `rtd_weight` * RTD (binary cross-entropy over real tokens),
   `rtd_weight` = 50.

`train_step` / `test_step` are written for Keras 3 on the TensorFlow
backend (tape, stateless sampling); the networks themselves use `keras.ops`.

Example:
>>> backbone = ElectraBackbone(200, 2, 2, 64, embedding_dim=32)   # doctest: +SKIP
>>> pretrainer = ElectraPretrainer(backbone)                       # doctest: +SKIP
>>> pretrainer.compile_for_pretraining("adam")                     # doctest: +SKIP
>>> pretrainer.fit(dataset.map(OBJECTIVE.split_features), steps_per_epoch=10)  # doctest: +SKIP
"""

import keras
import keras_hub

from tfnlp.errors import TfnlpError
from tfnlp.models.electra.backbone import INPUT_NAMES, transformer_layers
from tfnlp.models.electra.options import check_loss_options, generator_shape

MLM_INPUTS = ("masked_lm_positions", "masked_lm_ids", "masked_lm_weights")


def scatter_positions(token_ids, positions, values, weights):
    """Writes `values` at `positions` of `token_ids` where `weights` > 0.

    Args:
        token_ids: int `[batch, seq]`.
        positions: int `[batch, P]` (distinct where the weight is positive).
        values: int `[batch, P]`.
        weights: float `[batch, P]`, 0 for padded predictions.

    Returns:
        `(ids, is_written)`: int `[batch, seq]`, and int `[batch, seq]`
        with 1 at the written positions.

    Example:
    >>> ids, hit = scatter_positions(keras.ops.zeros((1, 4), "int32"),
    ...     keras.ops.array([[1, 0]]), keras.ops.array([[7, 9]]),
    ...     keras.ops.array([[1.0, 0.0]]))
    >>> keras.ops.convert_to_numpy(ids).tolist(), keras.ops.convert_to_numpy(hit).tolist()
    ([[0, 7, 0, 0]], [[0, 1, 0, 0]])
    """
    seq = keras.ops.shape(token_ids)[1]
    onehot = keras.ops.one_hot(positions, seq, dtype="int32")            # [B, P, T]
    onehot = onehot * keras.ops.cast(weights > 0, "int32")[:, :, None]
    written = keras.ops.minimum(keras.ops.sum(onehot, axis=1), 1)         # [B, T]
    new = keras.ops.sum(onehot * keras.ops.cast(values, "int32")[:, :, None], axis=1)
    ids = keras.ops.where(written > 0, new, keras.ops.cast(token_ids, "int32"))
    return ids, written


@keras.saving.register_keras_serializable(package="tfnlp")
class RtdHead(keras.layers.Layer):
    """ELECTRA's discriminator head: dense + activation, then one logit per token.

    Args:
        hidden_dim: width of the first dense.
        activation: its activation.
        initializer_range: stddev of the truncated-normal initializer.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(sequence_output)`):
        float `[batch, seq]`, the replaced logits.

    Example:
    >>> RtdHead(8)(keras.ops.ones((2, 5, 8))).shape
    (2, 5)
    """

    def __init__(self, hidden_dim, activation="gelu", initializer_range=0.02, **kwargs):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.activation = activation
        self.initializer_range = initializer_range
        init = keras.initializers.TruncatedNormal(stddev=initializer_range)
        self.dense = keras.layers.Dense(hidden_dim, activation=activation,
                                        kernel_initializer=init, dtype=self.dtype_policy,
                                        name="dense")
        self.prediction = keras.layers.Dense(1, kernel_initializer=init,
                                             dtype=self.dtype_policy, name="prediction")

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.prediction.build(tuple(input_shape[:-1]) + (self.hidden_dim,))
        self.built = True

    def call(self, sequence_output):
        return keras.ops.squeeze(self.prediction(self.dense(sequence_output)), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])

    def get_config(self):
        config = super().get_config()
        config.update({"hidden_dim": self.hidden_dim, "activation": self.activation,
                       "initializer_range": self.initializer_range})
        return config


def build_generator(backbone, shape, name="generator"):
    """The ELECTRA generator: the discriminator's embedding tables, its own
    projection and Transformer blocks, and an MLM head tied to the token embedding.

    Args:
        backbone: the discriminator `ElectraBackbone` (its `embeddings` layer
            is shared).
        shape: dict from `generator_shape`.
        name: model name.

    Returns:
        a functional `keras.Model`: `token_ids, segment_ids, padding_mask,
        masked_lm_positions` -> `{"mlm_logits": [batch, P, vocab],
        "sequence_output": [batch, seq, width]}`, with attributes
        `projection`, `transformer_layers`, `mlm_head`.
    """
    dtype = backbone.dtype_policy
    init = keras.initializers.TruncatedNormal(stddev=backbone.initializer_range)
    inputs = {n: keras.Input(shape=(None,), dtype="int32", name=n)
              for n in INPUT_NAMES + ("masked_lm_positions",)}
    x = backbone.embeddings(inputs["token_ids"], inputs["segment_ids"], project=False)
    projection = None
    if shape["hidden_dim"] != backbone.embedding_dim:
        projection = keras.layers.Dense(shape["hidden_dim"], kernel_initializer=init,
                                        dtype=dtype, name="generator_embeddings_projection")
        x = projection(x)
    blocks = transformer_layers(
        shape["num_layers"], shape["num_heads"], shape["intermediate_dim"], backbone.dropout,
        backbone.activation, backbone.layer_norm_epsilon, backbone.initializer_range,
        dtype=dtype, prefix="generator_layer")
    for block in blocks:
        x = block(x, padding_mask=inputs["padding_mask"])
    mlm_head = keras_hub.layers.MaskedLMHead(
        token_embedding=backbone.token_embedding, intermediate_activation="gelu",
        layer_norm_epsilon=backbone.layer_norm_epsilon, kernel_initializer=init,
        dtype=dtype, name="generator_mlm_head")
    logits = mlm_head(x, mask_positions=inputs["masked_lm_positions"])
    model = keras.Model(inputs, {"mlm_logits": logits, "sequence_output": x}, name=name)
    model.projection = projection
    model.transformer_layers = blocks
    model.mlm_head = mlm_head
    return model


class LossPretrainer(keras.Model):
    """Base of pretrainers that compute their own losses in a custom step.

    Subclasses set `self._trackers` (name -> Keras metric) and implement
    `forward(inputs, training, step) -> (outputs, losses)` (`losses["loss"]`
    is the total) and `update_metrics(inputs, outputs, losses)`. `fit`
    takes batches `(x,)` or `(x, None, None)` with `x` the feature dict.
    The step is written for Keras 3 on the TensorFlow backend (a gradient
    tape; the loss divided over replicas as Keras' own losses are).

    Example:
    >>> class P(LossPretrainer): ...                         # doctest: +SKIP
    """

    @property
    def metrics(self):
        return list(self._trackers.values())

    def training_step_number(self):
        """The optimizer's iteration count (0 before compile)."""
        return self.optimizer.iterations if self.optimizer is not None else 0

    def train_step(self, data):
        import tensorflow as tf

        inputs = data[0] if isinstance(data, tuple) else data
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        with tf.GradientTape() as tape:
            outputs, losses = self.forward(inputs, True, self.optimizer.iterations)
            total = losses["loss"]
            if self.losses:
                total = total + keras.ops.sum(self.losses)
            scaled = self.optimizer.scale_loss(total / replicas)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(scaled, variables), variables)
        return self.update_metrics(inputs, outputs, losses)

    def test_step(self, data):
        inputs = data[0] if isinstance(data, tuple) else data
        outputs, losses = self.forward(inputs, False, self.training_step_number())
        return self.update_metrics(inputs, outputs, losses)

    def compile_for_pretraining(self, optimizer, **kwargs):
        """Compiles with the optimizer (the losses live in `train_step`).

        Args:
            optimizer: a Keras optimizer or its name.
            **kwargs: more `compile` arguments (`jit_compile`, `steps_per_execution`).

        Raises:
            TfnlpError: a Keras backend other than TensorFlow.
        """
        if keras.backend.backend() != "tensorflow":
            raise TfnlpError(f"{type(self).__name__} trains on the TensorFlow Keras "
                             f"backend (KERAS_BACKEND={keras.backend.backend()!r})")
        kwargs.pop("loss", None)
        self.compile(optimizer=optimizer, **kwargs)


@keras.saving.register_keras_serializable(package="tfnlp")
class ElectraPretrainer(LossPretrainer):
    """Generator + discriminator, trained jointly with MLM + 50 * RTD.

    Args:
        backbone: the discriminator, an `ElectraBackbone` (what is exported).
        generator_hidden_ratio: generator width / discriminator width.
        generator_num_layers: generator depth (None: the discriminator's).
        generator_num_heads: generator heads (None: width // 64, >= 1).
        generator_intermediate_dim: generator feed-forward width (None: 4x).
        rtd_weight: lambda, the weight of the discriminator loss.
        sampling_seed: int, first half of the stateless sampling seed.
        **kwargs: `keras.Model` arguments.

    Returns (from `__call__(features, training, step=None)`):
        dict: `mlm_logits [B, P, V]`, `rtd_logits [B, T]`, `rtd_labels [B, T]`
        (1 = replaced), `corrupted_ids [B, T]`, `samples [B, P]`.

    Metrics (`fit` logs): `loss`, `mlm_loss`, `rtd_loss`, `mlm_accuracy`,
    `rtd_accuracy`, `rtd_auc`, `rtd_baseline_accuracy` (always "original"),
    `replaced_fraction`.

    Example:
    >>> pretrainer = ElectraPretrainer(backbone, generator_hidden_ratio=0.25)  # doctest: +SKIP
    """

    def __init__(self, backbone, generator_hidden_ratio=0.25, generator_num_layers=None,
                 generator_num_heads=None, generator_intermediate_dim=None, rtd_weight=50.0,
                 sampling_seed=0, **kwargs):
        super().__init__(**kwargs)
        shape = generator_shape(backbone, generator_hidden_ratio, generator_num_layers,
                                generator_num_heads, generator_intermediate_dim)
        check_loss_options(rtd_weight, sampling_seed)
        self.backbone = backbone
        self.generator = build_generator(backbone, shape)
        self.rtd_head = RtdHead(backbone.hidden_dim, activation=backbone.activation,
                                initializer_range=backbone.initializer_range,
                                dtype=backbone.dtype_policy, name="rtd_head")
        self.generator_hidden_ratio = generator_hidden_ratio
        self.generator_num_layers = generator_num_layers
        self.generator_num_heads = generator_num_heads
        self.generator_intermediate_dim = generator_intermediate_dim
        self.generator_config = shape
        self.rtd_weight = float(rtd_weight)
        self.sampling_seed = sampling_seed
        self._trackers = {
            "loss": keras.metrics.Mean(name="loss"),
            "mlm_loss": keras.metrics.Mean(name="mlm_loss"),
            "rtd_loss": keras.metrics.Mean(name="rtd_loss"),
            "mlm_accuracy": keras.metrics.SparseCategoricalAccuracy(name="mlm_accuracy"),
            "rtd_accuracy": keras.metrics.BinaryAccuracy(name="rtd_accuracy", threshold=0.0),
            "rtd_auc": keras.metrics.AUC(name="rtd_auc", from_logits=True),
            "rtd_baseline_accuracy": keras.metrics.Mean(name="rtd_baseline_accuracy"),
            "replaced_fraction": keras.metrics.Mean(name="replaced_fraction"),
        }
        # Every network is built here (the generator and the backbone are
        # functional), so weights load before a first call.
        self.rtd_head.build((None, None, backbone.hidden_dim))
        self.built = True

    # --- the forward pass ---------------------------------------------------------

    def rtd_logits(self, inputs, training=False):
        """Discriminator logits of real (uncorrupted) inputs: `[batch, seq]`
        (the exported `rtd` head)."""
        encoded = self.backbone({n: inputs[n] for n in INPUT_NAMES}, training=training)
        return self.rtd_head(encoded["sequence_output"])

    def sample(self, mlm_logits, step):
        """Stop-gradient categorical samples of the generator, seeded by `step`.

        Gumbel-max over stateless uniform noise (XLA-compilable), seeded
        `(sampling_seed, step)`.

        Args:
            mlm_logits: float `[batch, P, vocab]`.
            step: int scalar (tensor), the training step.

        Returns:
            int32 `[batch, P]`; the same logits and step give the same samples.
        """
        import tensorflow as tf

        logits = keras.ops.stop_gradient(keras.ops.cast(mlm_logits, "float32"))
        seed = tf.stack([tf.constant(self.sampling_seed, tf.int64),
                         tf.cast(step, tf.int64)])
        uniform = tf.random.stateless_uniform(tf.shape(logits), seed=seed,
                                              minval=1e-10, maxval=1.0)
        gumbel = -keras.ops.log(-keras.ops.log(uniform))
        return keras.ops.cast(keras.ops.argmax(logits + gumbel, axis=-1), "int32")

    def call(self, inputs, training=False, step=None):
        if step is None:
            step = self.training_step_number()
        generated = self.generator(
            {n: inputs[n] for n in INPUT_NAMES + ("masked_lm_positions",)},
            training=training)
        mlm_logits = generated["mlm_logits"]
        samples = self.sample(mlm_logits, step)
        positions, weights = inputs["masked_lm_positions"], inputs["masked_lm_weights"]
        original, _ = scatter_positions(inputs["token_ids"], positions,
                                        inputs["masked_lm_ids"], weights)
        corrupted, _ = scatter_positions(inputs["token_ids"], positions, samples, weights)
        real = keras.ops.cast(inputs["padding_mask"], "int32")
        labels = keras.ops.cast(keras.ops.not_equal(corrupted, original), "int32") * real
        rtd_logits = self.rtd_logits(
            {"token_ids": corrupted, "segment_ids": inputs["segment_ids"],
             "padding_mask": inputs["padding_mask"]}, training=training)
        return {"mlm_logits": mlm_logits, "rtd_logits": rtd_logits, "rtd_labels": labels,
                "corrupted_ids": corrupted, "samples": samples}

    def compute_losses(self, inputs, outputs):
        """MLM, RTD and total losses (each a float scalar) of one forward pass."""
        weights = keras.ops.cast(inputs["masked_lm_weights"], "float32")
        mlm = keras.ops.sparse_categorical_crossentropy(
            inputs["masked_lm_ids"], keras.ops.cast(outputs["mlm_logits"], "float32"),
            from_logits=True)
        mlm_loss = keras.ops.sum(mlm * weights) / keras.ops.maximum(
            keras.ops.sum(weights), 1e-6)
        real = keras.ops.cast(inputs["padding_mask"], "float32")
        rtd = keras.ops.binary_crossentropy(
            keras.ops.cast(outputs["rtd_labels"], "float32"),
            keras.ops.cast(outputs["rtd_logits"], "float32"), from_logits=True)
        rtd_loss = keras.ops.sum(rtd * real) / keras.ops.maximum(keras.ops.sum(real), 1.0)
        return {"loss": mlm_loss + self.rtd_weight * rtd_loss, "mlm_loss": mlm_loss,
                "rtd_loss": rtd_loss}

    def forward(self, inputs, training, step):
        """`(outputs, losses)` of one batch at training step `step`."""
        outputs = self(inputs, training=training, step=step)
        return outputs, self.compute_losses(inputs, outputs)

    def update_metrics(self, inputs, outputs, losses):
        """Updates every tracker; returns the logs dict."""
        t = self._trackers
        for key in ("loss", "mlm_loss", "rtd_loss"):
            t[key].update_state(losses[key])
        t["mlm_accuracy"].update_state(inputs["masked_lm_ids"], outputs["mlm_logits"],
                                       sample_weight=inputs["masked_lm_weights"])
        real = keras.ops.cast(inputs["padding_mask"], "float32")
        labels = keras.ops.cast(outputs["rtd_labels"], "float32")
        t["rtd_accuracy"].update_state(labels, outputs["rtd_logits"], sample_weight=real)
        t["rtd_auc"].update_state(labels, outputs["rtd_logits"], sample_weight=real)
        t["rtd_baseline_accuracy"].update_state(1.0 - labels, sample_weight=real)
        t["replaced_fraction"].update_state(labels, sample_weight=real)
        return {name: tracker.result() for name, tracker in t.items()}

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "generator_hidden_ratio": self.generator_hidden_ratio,
            "generator_num_layers": self.generator_num_layers,
            "generator_num_heads": self.generator_num_heads,
            "generator_intermediate_dim": self.generator_intermediate_dim,
            "rtd_weight": self.rtd_weight,
            "sampling_seed": self.sampling_seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)
