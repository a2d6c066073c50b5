"""ELMo's biLM pretrainer: forward and backward LMs over one backbone.

Both directions share the character CNN (the backbone's `embeddings`) and
one word softmax (Peters et al. 2018, sec. 3.1); the loss is the mean of
the two directions' token-averaged negative log-likelihoods. The forward
LM at position `t` predicts token `t + 1`, the backward LM token `t - 1`
(`tfnlp.objectives.bilm` builds those targets).

For a large vocabulary the training loss can be a **sampled softmax**
(Jean et al. 2015, as bilm-tf): `num_samples` classes drawn per batch
from a log-uniform (Zipf) distribution over the frequency-ordered
vocabulary, logits corrected by `-log E[count]`, accidental hits removed.
Evaluation always uses the full softmax, so perplexities are exact.

Example:

>>> backbone = ElmoBackbone.from_preset("elmo_tiny")           # doctest: +SKIP
>>> model = BiLMPretrainer(backbone, vocabulary_size=500)      # doctest: +SKIP
>>> model.compile_for_pretraining("adam")                      # doctest: +SKIP
>>> model.fit(dataset.map(OBJECTIVE.split_features), steps_per_epoch=10)  # doctest: +SKIP
"""

import math

import keras
from keras import ops

from tfnlp.errors import TfnlpError

DIRECTIONS = ("forward", "backward")


@keras.saving.register_keras_serializable(package="tfnlp")
class WordSoftmax(keras.layers.Layer):
    """A word softmax `h W^T + b` with full and sampled negative log-likelihoods.

    Args:
        vocabulary_size: number of words.
        hidden_dim: width of `h`.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> sm = WordSoftmax(100, 8)
    >>> sm.logits(keras.ops.ones((2, 3, 8))).shape
    (2, 3, 100)
    """

    def __init__(self, vocabulary_size, hidden_dim, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = int(vocabulary_size)
        self.hidden_dim = int(hidden_dim)

    def build(self, input_shape=None):
        self.kernel = self.add_weight(
            name="kernel", shape=(self.vocabulary_size, self.hidden_dim),
            initializer=keras.initializers.RandomNormal(stddev=1.0 / math.sqrt(self.hidden_dim)))
        self.bias = self.add_weight(name="bias", shape=(self.vocabulary_size,),
                                    initializer="zeros")
        self.built = True

    def call(self, hidden):
        return self.logits(hidden)

    def logits(self, hidden):
        """`[..., hidden_dim]` -> `[..., vocabulary_size]`."""
        kernel = ops.cast(self.kernel, hidden.dtype)
        return ops.matmul(hidden, ops.transpose(kernel)) + ops.cast(self.bias, hidden.dtype)

    def full_nll(self, hidden, targets):
        """Per-token negative log-likelihood under the full softmax.

        Returns:
            float32 `targets.shape`.
        """
        logits = ops.cast(self.logits(hidden), "float32")
        return ops.sparse_categorical_crossentropy(targets, logits, from_logits=True)

    def sampled_nll(self, hidden, targets, num_samples, seed):
        """Per-token sampled-softmax negative log-likelihood.

        Args:
            hidden: `[..., hidden_dim]`.
            targets: int `[...]`.
            num_samples: classes sampled (shared by the batch).
            seed: a `keras.random.SeedGenerator` (or int).

        Returns:
            float32 `targets.shape`.
        """
        shape = ops.shape(targets)
        h = ops.cast(ops.reshape(hidden, (-1, self.hidden_dim)), "float32")
        t = ops.reshape(ops.cast(targets, "int32"), (-1,))
        vocab = float(self.vocabulary_size)
        log_range = math.log(vocab + 1.0)
        u = keras.random.uniform((num_samples,), seed=seed)
        sampled = ops.cast(ops.floor(ops.exp(u * log_range)), "int32") - 1
        sampled = ops.clip(sampled, 0, self.vocabulary_size - 1)
        sampled = ops.stop_gradient(sampled)

        def log_expected_count(ids):
            ids = ops.cast(ids, "float32")
            prob = (ops.log(ids + 2.0) - ops.log(ids + 1.0)) / log_range
            return ops.log(float(num_samples) * prob)

        kernel = ops.cast(self.kernel, "float32")
        bias = ops.cast(self.bias, "float32")
        true_logit = ops.sum(h * ops.take(kernel, t, axis=0), axis=-1) + ops.take(bias, t)
        true_logit = true_logit - log_expected_count(t)
        sampled_logits = (ops.matmul(h, ops.transpose(ops.take(kernel, sampled, axis=0)))
                          + ops.take(bias, sampled) - log_expected_count(sampled)[None, :])
        hits = ops.equal(t[:, None], sampled[None, :])
        sampled_logits = ops.where(hits, -1e9, sampled_logits)
        logits = ops.concatenate([true_logit[:, None], sampled_logits], axis=-1)
        nll = -ops.log_softmax(logits, axis=-1)[:, 0]
        return ops.reshape(nll, shape)

    def get_config(self):
        config = super().get_config()
        config.update({"vocabulary_size": self.vocabulary_size, "hidden_dim": self.hidden_dim})
        return config


class BiLMPretrainer(keras.Model):
    """The joint forward + backward LM over an `ElmoBackbone`.

    Args:
        backbone: an `ElmoBackbone`.
        vocabulary_size: number of words in the softmax.
        num_samples: sampled-softmax classes while training (None or 0:
            the full softmax; also when >= `vocabulary_size`).
        seed: seed of the sampled classes.
        **kwargs: `keras.Model` arguments.

    Returns (from `__call__` on `char_ids`, `padding_mask`):
        dict `forward`, `backward`: the top layer's states `[B, T, P]` of
        each direction (`word_logits` turns them into logits).

    Example:

    >>> model = BiLMPretrainer(ElmoBackbone.from_preset("elmo_tiny"), 300)  # doctest: +SKIP
    """

    # The trainer's XLA rule (`tfnlp.pretraining.builder.resolve_jit_compile`):
    # XLA cannot compile the gradient of the LSTM's loop over time.
    xla_compatible = False

    def __init__(self, backbone, vocabulary_size, num_samples=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(vocabulary_size, bool) or not isinstance(vocabulary_size, int) \
                or vocabulary_size < 2:
            raise TfnlpError(f"vocabulary_size must be an integer >= 2, got {vocabulary_size!r}")
        if num_samples is not None and (isinstance(num_samples, bool)
                                        or not isinstance(num_samples, int) or num_samples < 0):
            raise TfnlpError(f"num_samples must be a non-negative integer or None, got "
                             f"{num_samples!r}")
        self.backbone = backbone
        self.vocabulary_size = vocabulary_size
        self.num_samples = num_samples if num_samples and num_samples < vocabulary_size \
            else None
        self.word_softmax = WordSoftmax(vocabulary_size, backbone.projection_dim,
                                        dtype=backbone.dtype_policy, name="word_softmax")
        self.word_softmax.build()
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.forward_loss_tracker = keras.metrics.Mean(name="forward_loss")
        self.backward_loss_tracker = keras.metrics.Mean(name="backward_loss")
        # Every part is built (the backbone is functional), so weights load
        # before a first call.
        self.built = True

    def call(self, inputs, training=None):
        encoded = self.backbone({"char_ids": inputs["char_ids"],
                                 "padding_mask": inputs["padding_mask"]}, training=training)
        top = encoded["sequence_output"]
        p = self.backbone.projection_dim
        return {"forward": top[..., :p], "backward": top[..., p:]}

    def word_logits(self, hidden):
        """Direction states `[B, T, P]` -> word logits `[B, T, vocabulary_size]`."""
        return self.word_softmax.logits(hidden)

    def token_nll(self, hidden, targets, training=False):
        """Per-token NLL: sampled while training with `num_samples`, else full."""
        if training and self.num_samples:
            return self.word_softmax.sampled_nll(hidden, targets, self.num_samples,
                                                 self.seed_generator)
        return self.word_softmax.full_nll(hidden, targets)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if y is None or sample_weight is None:
            raise TfnlpError("BiLMPretrainer needs targets and weights for both directions "
                             "(use tfnlp.objectives.bilm's split_features)")
        total = 0.0
        for direction in DIRECTIONS:
            weight = ops.cast(sample_weight[direction], "float32")
            nll = self.token_nll(y_pred[direction], y[direction], training=training)
            loss = ops.sum(nll * weight) / ops.maximum(ops.sum(weight), 1.0)
            tracker = (self.forward_loss_tracker if direction == "forward"
                       else self.backward_loss_tracker)
            tracker.update_state(loss)
            total = total + 0.5 * loss
        return total

    def compile_for_pretraining(self, optimizer, **compile_kwargs):
        """Compiles with the biLM loss (no Keras losses: `compute_loss` does it).

        XLA is off unless asked for: it cannot compile the gradient of the
        LSTM's loop over time.

        Args:
            optimizer: a Keras optimizer or its name.
            **compile_kwargs: more `compile` arguments (`jit_compile`, ...).
        """
        compile_kwargs.pop("loss", None)
        compile_kwargs.setdefault("jit_compile", False)
        self.compile(optimizer=optimizer, **compile_kwargs)
