"""LAMB: layer-wise adaptive moments for large-batch training (You et al., 2019)."""

import keras
from keras import ops

from tfnlp.optimizers.exclusion import DEFAULT_EXCLUDE_PATTERNS, matches_any
from tfnlp.optimizers.low_precision import bias_corrections


@keras.saving.register_keras_serializable(package="tfnlp")
class Lamb(keras.optimizers.Optimizer):
    """The LAMB optimizer, with BERT's exclusions for LayerNorm and bias.

    Per variable `w` with gradient `g`, at step `t`:

        m = beta_1 * m + (1 - beta_1) * g
        v = beta_2 * v + (1 - beta_2) * g**2
        r = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)
            + weight_decay * w
        trust = ||w|| / ||r||  if both norms > 0, else 1
        w = w - learning_rate * trust * r

    Variables whose path (`variable.path`, e.g.
    `"transformer_layer_0/self_attention_layer_norm/gamma"`) matches a regex
    in `exclude_from_weight_decay` get no `weight_decay * w` term; those
    matching `exclude_from_layer_adaptation` use `trust = 1`.

    Weight decay lives inside `r` (before the trust ratio), so it is not the
    decoupled decay of Keras's base class: `self.weight_decay` (the base
    class's attribute) stays `None` and the rate is kept in
    `self.weight_decay_rate`.

    Args:
        learning_rate: float, or a `LearningRateSchedule`. Defaults to 1e-3.
        beta_1: float. Decay of the first moment. Defaults to 0.9.
        beta_2: float. Decay of the second moment. Defaults to 0.999.
        epsilon: float. Added to `sqrt(v_hat)`. Defaults to 1e-6.
        weight_decay: float. The `lambda` in `r`. Defaults to 0.01.
        exclude_from_weight_decay: list of regexes matched against variable
            paths. Defaults to `["LayerNorm", "layer_norm", "bias"]`.
        exclude_from_layer_adaptation: list of regexes; matching variables
            get `trust = 1`. Defaults to the `exclude_from_weight_decay` list.
        **kwargs: the base optimizer's keyword arguments (`global_clipnorm`,
            `clipnorm`, `name`, `gradient_accumulation_steps`, ...).

    Returns:
        A `keras.optimizers.Optimizer`.

    Example:

    >>> optimizer = Lamb(learning_rate=1e-3, global_clipnorm=1.0)
    >>> model.compile(optimizer=optimizer, loss="mse")
    """

    def __init__(
        self,
        learning_rate=1e-3,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-6,
        weight_decay=0.01,
        exclude_from_weight_decay=None,
        exclude_from_layer_adaptation=None,
        name="lamb",
        **kwargs,
    ):
        # Keras applies `weight_decay` as decoupled decay outside
        # `update_step`; LAMB needs it inside r, so the base class gets None.
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=None, **kwargs
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay_rate = float(weight_decay or 0.0)
        if exclude_from_weight_decay is None:
            exclude_from_weight_decay = list(DEFAULT_EXCLUDE_PATTERNS)
        if exclude_from_layer_adaptation is None:
            exclude_from_layer_adaptation = list(exclude_from_weight_decay)
        self.exclude_from_weight_decay_patterns = list(exclude_from_weight_decay)
        self.exclude_from_layer_adaptation_patterns = list(
            exclude_from_layer_adaptation
        )
        # Ids, not variables: a list of variables set as an attribute would
        # be tracked as optimizer variables.
        self._excluded_from_decay_ids = set()

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Adds variables (or path regexes) that get no weight decay.

        Overrides Keras's method (same signature) because LAMB applies decay
        inside its update, not through the base class. Adds to, rather than
        replaces, the constructor's `exclude_from_weight_decay` patterns.
        Call it before the optimizer is built.

        Args:
            var_list: list of variables to exclude.
            var_names: list of regexes matched against variable paths.

        Example:

        >>> optimizer.exclude_from_weight_decay(var_names=["embeddings"])
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before "
                "the optimizer is built."
            )
        self._excluded_from_decay_ids = {id(v) for v in var_list or []}
        self.exclude_from_weight_decay_patterns = list(
            self.exclude_from_weight_decay_patterns
        ) + list(var_names or [])

    def build(self, var_list):
        """Creates the moments and decides, per variable, decay and trust.

        Args:
            var_list: the model's trainable `keras.Variable`s.
        """
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        # Decided here, on Keras variables that have `.path`: under a
        # tf.distribute strategy `update_step` sees per-replica tf.Variables.
        self._decay_flags = [
            not (
                matches_any(v, self.exclude_from_weight_decay_patterns)
                or id(v) in self._excluded_from_decay_ids
            )
            for v in var_list
        ]
        self._adapt_flags = [
            not matches_any(v, self.exclude_from_layer_adaptation_patterns)
            for v in var_list
        ]

    def update_step(self, gradient, variable, learning_rate):
        """Applies one LAMB update to `variable`.

        Args:
            gradient: the (clipped) gradient of `variable`.
            variable: the variable to update.
            learning_rate: the current learning rate.
        """
        # `_get_variable_index` is how every built-in Keras optimizer finds a
        # variable's slots; it also resolves per-replica TF variables.
        index = self._get_variable_index(variable)
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        m = self._momentums[index]
        v = self._velocities[index]
        # Moments move by (1 - beta) computed in Python floats, and the bias
        # corrections are float32: in bfloat16, 0.999 rounds to 1.0.
        self.assign_add(m, (1.0 - self.beta_1) * (gradient - m))
        self.assign_add(v, (1.0 - self.beta_2) * (ops.square(gradient) - v))
        correction_1, correction_2 = bias_corrections(self.iterations, self.beta_1, self.beta_2)
        m_hat = m / ops.cast(correction_1, dtype)
        v_hat = v / ops.cast(correction_2, dtype)
        update = m_hat / (ops.sqrt(v_hat) + ops.cast(self.epsilon, dtype))
        if self._decay_flags[index] and self.weight_decay_rate:
            update = update + ops.cast(self.weight_decay_rate, dtype) * variable
        if self._adapt_flags[index]:
            w_norm = ops.sqrt(ops.sum(ops.square(variable)))
            r_norm = ops.sqrt(ops.sum(ops.square(update)))
            safe_r_norm = ops.where(r_norm > 0, r_norm, ops.ones_like(r_norm))
            trust = ops.where(
                ops.logical_and(w_norm > 0, r_norm > 0),
                w_norm / safe_r_norm,
                ops.ones_like(w_norm),
            )
            update = trust * update
        self.assign_sub(variable, lr * update)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "weight_decay": self.weight_decay_rate,
                "exclude_from_weight_decay": list(
                    self.exclude_from_weight_decay_patterns
                ),
                "exclude_from_layer_adaptation": list(
                    self.exclude_from_layer_adaptation_patterns
                ),
            }
        )
        return config
