"""AdamW whose weight-decay exclusions match variable paths, not just names."""

import keras

from tfnlp.optimizers.exclusion import DEFAULT_EXCLUDE_PATTERNS, matches_any
from tfnlp.optimizers.low_precision import Float32StepAdam


@keras.saving.register_keras_serializable(package="tfnlp")
class AdamW(Float32StepAdam, keras.optimizers.AdamW):
    """`keras.optimizers.AdamW` that skips decay for LayerNorm and bias.

    Keras's `exclude_from_weight_decay(var_names=...)` looks at
    `variable.name`, which is just `"gamma"` / `"beta"` for a
    LayerNormalization on JAX (TF happens to see the full path), so
    `"layer_norm"` would not match everywhere. This class matches `exclude_from_weight_decay_patterns` against
    `variable.path` when it is built and passes the matching variables to
    Keras's public `exclude_from_weight_decay(var_list=...)`. The update
    itself is Keras's AdamW (with float32 bias corrections for bfloat16
    variables: `tfnlp.optimizers.low_precision`).

    Args:
        learning_rate: float or `LearningRateSchedule`. Defaults to 1e-3.
        weight_decay: float. Decoupled decay rate. Defaults to 0.01.
        beta_1: float. Defaults to 0.9.
        beta_2: float. Defaults to 0.999.
        epsilon: float. Defaults to 1e-6 (BERT's value).
        exclude_from_weight_decay_patterns: list of regexes matched against
            variable paths. Defaults to `["LayerNorm", "layer_norm", "bias"]`.
        **kwargs: any other `keras.optimizers.AdamW` argument.

    Returns:
        A `keras.optimizers.AdamW`.

    Example:

    >>> optimizer = AdamW(learning_rate=1e-4, global_clipnorm=1.0)
    >>> model.compile(optimizer=optimizer, loss="mse")
    """

    def __init__(
        self,
        learning_rate=1e-3,
        weight_decay=0.01,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-6,
        exclude_from_weight_decay_patterns=None,
        **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            **kwargs,
        )
        if exclude_from_weight_decay_patterns is None:
            exclude_from_weight_decay_patterns = list(DEFAULT_EXCLUDE_PATTERNS)
        self.exclude_from_weight_decay_patterns = list(
            exclude_from_weight_decay_patterns
        )
        # Ids, not variables: a list of variables set as an attribute would
        # be tracked as optimizer variables.
        self._user_excluded_ids = set()
        self._user_excluded_names = []

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Keras's method, remembered so that `build` can add path matches.

        Args:
            var_list: list of variables to exclude.
            var_names: list of strings matched (by Keras) against
                `variable.name`.

        Example:

        >>> optimizer.exclude_from_weight_decay(var_names=["embeddings"])
        """
        self._user_excluded_ids = {id(v) for v in var_list or []}
        self._user_excluded_names = list(var_names or [])
        super().exclude_from_weight_decay(
            var_list=var_list, var_names=var_names
        )

    def build(self, var_list):
        """Resolves the path patterns to variables, then builds AdamW.

        Args:
            var_list: the model's trainable `keras.Variable`s.
        """
        if self.built:
            return
        excluded = [
            v
            for v in var_list
            if id(v) in self._user_excluded_ids
            or matches_any(v, self.exclude_from_weight_decay_patterns)
        ]
        super().exclude_from_weight_decay(
            var_list=excluded,
            var_names=self._user_excluded_names,
        )
        super().build(var_list)

    def get_config(self):
        config = super().get_config()
        config["exclude_from_weight_decay_patterns"] = list(
            self.exclude_from_weight_decay_patterns
        )
        return config
