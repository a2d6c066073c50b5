"""Discriminative learning rates (one per variable group) and optimizer-side freezing.

Why not a gradient scale: Adam-family optimizers divide the first moment by
the root of the second, so scaling a group's gradient by `c` scales both
by `c` and `c**2` and the step is unchanged. The only way to give a group a
smaller step under Adam is a smaller learning rate inside the update. So
`DiscriminativeOptimizer` is mixed *into* a concrete Keras optimizer class
(`DiscriminativeAdam(DiscriminativeOptimizer, keras.optimizers.Adam)`) and
overrides the per-variable `update_step(gradient, variable, learning_rate)`
to call the base update with `learning_rate * factor ** -depth`, where depth
counts groups down from the top (head 0, top encoder layer 1, ...,
embeddings L+1; see `variable_groups`). The base learning rate may be a
float or any `LearningRateSchedule` (e.g. `SlantedTriangularLR`), evaluated
once per step on the global `iterations`.

Freezing (gradual unfreezing) lives in the optimizer as well, as one
integer optimizer variable `trainable_groups`: the top `trainable_groups`
groups train, the others are frozen. For a frozen group's variables:

* the gradient is replaced by zeros before clipping (so a global clip norm
  only sees the trained groups);
* every `assign` / `assign_add` / `assign_sub` that the base `update_step`
  makes (to the variable, its momentum, velocity, ...) is masked with
  `where(active, new, old)`, so neither the variable nor any optimizer slot
  changes, not even by Adam's moment decay;
* its own step counter does not advance (see "Per-group step counters").

Sparse (`tf.IndexedSlices`) gradients, e.g. of embeddings, are made dense
first (duplicate rows summed): Keras 3's Adam squares each slice of a sparse
gradient on its own, so a token seen k times in a batch would take a step
sqrt(k) times too large; its moment updates are dense anyway.

Per-group step counters: each group has a step counter that the base
update sees as `self.iterations` (Adam's bias correction), so a group
unfrozen at step 1000 takes a first Adam step of size ~lr, as it would in
PyTorch/fastai (per-parameter `step`), not ~3 lr.

This works without retracing the train function and without touching
`layer.trainable`, so it applies equally to native Keras models and to the
`tf.Variable`s of a loaded TF-Hub module exposed by a Keras 3 layer (whose
variables are not Keras layers at all): all it needs is variable names with
`transformer_layer_{i}`. The cost is that gradients of frozen groups are
still computed.

Decoupled weight decay (`weight_decay=`, as in AdamW) is taken away from
Keras's base class, which would apply it with the global learning rate to
every variable, frozen or not, and applied inside `update_step` instead:
`w -= w * weight_decay * group_lr` (masked like the rest), skipping
variables whose path matches `exclude_from_weight_decay_patterns`
(LayerNorm and bias by default, as in BERT).

Adam's epsilon: Keras adds `epsilon` to the root of the raw second moment
(`m * alpha / (sqrt(v) + eps)`, the paper's "epsilon hat" form), which in
the bias-corrected terms that PyTorch, Hugging Face and the Adam paper's
Algorithm 1 use is `eps / sqrt(1 - beta_2**t)`: 31x larger at step 1, 3x
at step 100. Fine-tuning recipes (BERT's eps 1e-6, lr 2e-5..1e-4) are tuned
for the Algorithm 1 form, and fine-tuning gradients are small (~1e-5 per
element for MiniLM), so the Keras form shrinks early steps several-fold.
With `bias_corrected_epsilon=True` (the default) an Adam-family base gets
`eps * sqrt(1 - beta_2**t)` inside its update, which is exactly Algorithm
1 (`m_hat / (sqrt(v_hat) + eps)`). Measured on MiniLM (20 steps, no
dropout, same batches and head): the loss curve then matches
`torch.optim.AdamW` to 2e-6 per step instead of falling behind (2.5e-2
with the Keras form after 10 steps).

Keras internals used, and why: `self._get_variable_index(variable)`, in
one place, `_variable_index` (the lookup every built-in `update_step` uses;
`update_step` receives the backend `tf.Variable`, so no public attribute
identifies it); overriding the public `iterations` property only while one
variable is being updated.

Groups come from the variables' names (`variable_groups.group_variables`)
or, for a native backbone, from `layer_groups=` (the family's
`layer_groups(backbone)`; `variable_groups.groups_from_layers` adds the
head).
Gradient accumulation is not supported (the per-group counters would count
micro-batches).

Example:

>>> optimizer = DiscriminativeAdamW(
...     learning_rate=SlantedTriangularLR(1e-4, total_steps=1000),
...     weight_decay=0.01, factor=2.6)
>>> model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
>>> model.fit(x, y, callbacks=[GradualUnfreezing()])
>>> optimizer.effective_learning_rates()
OrderedDict([('embeddings', ...), ('transformer_layer_0', ...), ('head', ...)])
"""

import collections
import re
import types

import keras
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.finetuning import variable_groups
from tfnlp.optimizers.low_precision import Float32StepAdam

# The same defaults as `tfnlp.optimizers` (BERT: no decay on LayerNorm, bias).
DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY = ("LayerNorm", "layer_norm", "bias")


def _is_sparse_slices(value):
    return all(hasattr(value, a) for a in ("values", "indices", "dense_shape"))


def _zero_unless(active, value):
    """`value` where `active`, else zeros; keeps `tf.IndexedSlices` sparse."""
    if _is_sparse_slices(value):
        values = ops.where(active, value.values, ops.zeros_like(value.values))
        return type(value)(values, value.indices, value.dense_shape)
    return ops.where(active, value, ops.zeros_like(value))


def _new_unless(active, value, variable):
    """`value` where `active`, else the variable's current value."""
    if _is_sparse_slices(value):
        current = ops.take(variable, value.indices, axis=0)
        values = ops.where(active, value.values, ops.cast(current, value.values.dtype))
        return type(value)(values, value.indices, value.dense_shape)
    return ops.where(active, value, ops.cast(variable, value.dtype))


class DiscriminativeOptimizer(keras.optimizers.Optimizer):
    """Per-group learning rates and freezing, mixed into a Keras optimizer.

    Not used alone: use `DiscriminativeAdam`, `DiscriminativeAdamW`,
    `DiscriminativeSGD`, or `discriminative_class(AnyOptimizerClass)`.
    Groups are found when the optimizer is built, from the variables'
    paths/names (`tfnlp.finetuning.variable_groups`); group `k` from the top
    (head `k=0`) gets `learning_rate * factor ** -k`. All groups start
    trainable; `set_trainable_groups(n)` (or the `GradualUnfreezing`
    callback) freezes all but the top `n`.

    Args:
        *args: positional arguments of the base optimizer (`learning_rate`).
        factor: float > 0. Learning-rate ratio between neighbouring groups.
            Defaults to 2.6 (ULMFiT). 1.0 gives every group the same rate.
        group_multipliers: optional dict from group name to a multiplier of
            the base rate that replaces `factor ** -depth` for that group.
        pooler: `"merge"` (pooler joins the top encoder layer's group) or
            `"separate"`. See `variable_groups`.
        require_layer_groups: bool. Raise `TfnlpError` at build time if no
            variable name carries a layer index. Defaults to True.
        exclude_from_weight_decay_patterns: regexes matched against variable
            paths/names; matches get no decoupled weight decay. Defaults to
            `("LayerNorm", "layer_norm", "bias")`.
        bias_corrected_epsilon: bool. For Adam-family bases, add `epsilon`
            to the bias-corrected `sqrt(v_hat)` (Adam paper Algorithm 1,
            PyTorch, Hugging Face) instead of Keras's `sqrt(v)`. Defaults
            to True; see the module docstring.
        layer_groups: optional list of `(name, [variables])`, bottom to top:
            a native backbone's groups (`Family.layer_groups`); variables
            outside them form the `head` group. None groups by name. Not
            part of `get_config` (it holds variables).
        **kwargs: the base optimizer's keyword arguments (`weight_decay`,
            `beta_1`, `global_clipnorm`, `name`, ...).

    Returns:
        A `keras.optimizers.Optimizer`.

    Example:

    >>> optimizer = DiscriminativeAdam(learning_rate=1e-3, factor=2.6)
    >>> optimizer.build(model.trainable_variables)
    >>> optimizer.group_multipliers()["head"]
    1.0
    """

    def __init__(
        self,
        *args,
        factor=2.6,
        group_multipliers=None,
        pooler="merge",
        require_layer_groups=True,
        exclude_from_weight_decay_patterns=None,
        bias_corrected_epsilon=True,
        layer_groups=None,
        **kwargs,
    ):
        if type(self) is DiscriminativeOptimizer:
            raise TfnlpError(
                "DiscriminativeOptimizer is mixed into a base optimizer: use "
                "DiscriminativeAdam, DiscriminativeAdamW, DiscriminativeSGD or "
                "discriminative_class(keras.optimizers.SomeOptimizer)(...)."
            )
        super().__init__(*args, **kwargs)
        if not float(factor) > 0:
            raise TfnlpError(f"{self.name}: factor={factor} must be > 0.")
        if pooler not in variable_groups.POOLER_MODES:
            raise TfnlpError(
                f"{self.name}: pooler={pooler!r}; use one of "
                f"{variable_groups.POOLER_MODES}."
            )
        if self.gradient_accumulation_steps:
            raise TfnlpError(
                f"{self.name}: gradient_accumulation_steps is not supported "
                "with discriminative learning rates; use a larger batch."
            )
        self.factor = float(factor)
        self.group_multiplier_overrides = (
            {str(k): float(v) for k, v in group_multipliers.items()}
            if group_multipliers
            else None
        )
        self.pooler = pooler
        self.bias_corrected_epsilon = bool(bias_corrected_epsilon)
        self.require_layer_groups = bool(require_layer_groups)
        if exclude_from_weight_decay_patterns is None:
            exclude_from_weight_decay_patterns = DEFAULT_EXCLUDE_FROM_WEIGHT_DECAY
        self.exclude_from_weight_decay_patterns = list(
            exclude_from_weight_decay_patterns
        )
        # Decoupled decay moves from the base class into `update_step`, where
        # the group's learning rate and freezing apply to it.
        self.decoupled_weight_decay = (
            float(self.weight_decay) if self.weight_decay else None
        )
        self.weight_decay = None
        # Python-side state in a plain namespace: Keras's tracker would take
        # a list of model variables set as an attribute for optimizer state.
        self._state = types.SimpleNamespace(
            context=None,
            excluded_ids=set(),
            excluded_names=[],
            built=False,
            layer_groups=[(str(n), list(vs)) for n, vs in layer_groups] if layer_groups
            else None,
        )

    # ----------------------------------------------------------------- build

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables from decoupled weight decay (Keras's API).

        Args:
            var_list: list of variables.
            var_names: list of regexes matched against variable paths/names.

        Example:

        >>> optimizer.exclude_from_weight_decay(var_names=["embeddings"])
        """
        if self._state.built:
            raise TfnlpError(
                f"{self.name}: exclude_from_weight_decay() must be called "
                "before the optimizer is built (before fit)."
            )
        self._state.excluded_ids |= {id(v) for v in var_list or []}
        self._state.excluded_names.extend(var_names or [])

    def build(self, var_list):
        """Finds the groups, builds the base optimizer, adds freezing state.

        Args:
            var_list: the trainable variables (`keras.Variable`s, or
                `tf.Variable`s in a custom loop).

        Raises:
            TfnlpError: no layer index in any name (with
                `require_layer_groups`), or unknown `group_multipliers` keys.
        """
        if self.built:
            return
        var_list = list(var_list)
        if self._state.layer_groups is not None:
            groups = variable_groups.groups_from_layers(
                self._state.layer_groups, var_list, pooler=self.pooler,
                require_layers=self.require_layer_groups)
        else:
            groups = variable_groups.group_variables(
                var_list, pooler=self.pooler, require_layers=self.require_layer_groups
            )
        names = list(groups)
        unknown = sorted(set(self.group_multiplier_overrides or {}) - set(names))
        if unknown:
            raise TfnlpError(
                f"{self.name}: group_multipliers names unknown groups {unknown}; "
                f"the groups of these variables are {names}."
            )
        super().build(var_list)
        count = len(names)
        depths = [count - 1 - p for p in range(count)]
        overrides = self.group_multiplier_overrides or {}
        multipliers = [
            overrides.get(name, self.factor ** -depth)
            for name, depth in zip(names, depths)
        ]
        positions = [0] * len(var_list)
        decays = [False] * len(var_list)
        patterns = self.exclude_from_weight_decay_patterns + self._state.excluded_names
        for position, name in enumerate(names):
            for variable in groups[name]:
                index = self._variable_index(variable)
                positions[index] = position
                path = variable_groups.variable_name(variable)
                decays[index] = not (
                    id(variable) in self._state.excluded_ids
                    or any(re.search(p, path) for p in patterns)
                )
        trainable = self.add_variable(
            shape=(),
            dtype="int32",
            initializer=keras.initializers.Constant(count),
            aggregation="only_first_replica",
            name="trainable_groups",
        )
        counters = [
            self.add_variable(
                shape=(),
                dtype="int64",
                aggregation="only_first_replica",
                name=f"{name}_iterations",
            )
            for name in names
        ]
        self._state.__dict__.update(
            built=True,
            names=names,
            depths=depths,
            multipliers=multipliers,
            positions=positions,
            decays=decays,
            variables=var_list,
            trainable_groups=trainable,
            group_iterations=counters,
        )

    def _variable_index(self, variable):
        """The optimizer's index of `variable` (its slot position).

        The one use of a private Keras method: `_get_variable_index` is the
        lookup every built-in `update_step` does, and `update_step` gets the
        backend variable, which no public attribute identifies.
        """
        return self._get_variable_index(variable)

    # ---------------------------------------------------------------- update

    def _active(self, position):
        return ops.less(self._state.depths[position], self._state.trainable_groups)

    def apply(self, grads, trainable_variables=None):
        """Masks frozen groups' gradients, applies, advances group counters.

        Args:
            grads: list of gradients, one per variable.
            trainable_variables: the variables; may be omitted once built.

        Returns:
            None.

        Example:

        >>> optimizer.apply(grads, model.trainable_variables)
        """
        if trainable_variables is not None:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
        elif not self.built:
            raise TfnlpError(
                f"{self.name}: pass trainable_variables on the first apply()."
            )
        variables = (
            trainable_variables
            if trainable_variables is not None
            else self._state.variables
        )
        actives = [self._active(p) for p in range(len(self._state.names))]
        masked = []
        for grad, variable in zip(grads, variables):
            if grad is None:
                masked.append(None)
                continue
            position = self._state.positions[self._variable_index(variable)]
            if _is_sparse_slices(grad):
                # Dense, duplicate rows summed: Keras's Adam squares each
                # slice of a sparse gradient separately, so a token seen k
                # times in a batch would step sqrt(k) times too far. Its
                # moment updates are dense anyway.
                # (scatter adds duplicate indices).
                grad = ops.scatter(
                    ops.expand_dims(grad.indices, -1),
                    grad.values,
                    tuple(variable.shape),
                )
            masked.append(_zero_unless(actives[position], grad))
        super().apply(masked, trainable_variables)
        for active, counter in zip(actives, self._state.group_iterations):
            counter.assign_add(ops.cast(active, counter.dtype))

    def update_step(self, gradient, variable, learning_rate):
        """The base update with the group's learning rate, masked if frozen.

        Args:
            gradient: the variable's gradient.
            variable: the variable (the backend variable on TensorFlow).
            learning_rate: the base learning rate at this step.
        """
        index = self._variable_index(variable)
        position = self._state.positions[index]
        lr = ops.multiply(
            ops.cast(learning_rate, variable.dtype),
            self._state.multipliers[position],
        )
        previous = self._state.context
        self._state.context = (position, self._active(position), variable.dtype)
        try:
            if self.decoupled_weight_decay and self._state.decays[index]:
                decay = ops.multiply(
                    ops.cast(self.decoupled_weight_decay, variable.dtype), lr
                )
                self.assign_sub(variable, ops.multiply(variable, decay))
            super().update_step(gradient, variable, lr)
        finally:
            self._state.context = previous

    @property
    def iterations(self):
        """The global step; inside one variable's update, its group's step.

        Returns:
            An integer variable or scalar tensor.
        """
        state = getattr(self, "_state", None)
        if state is not None and state.context is not None:
            return state.group_iterations[state.context[0]]
        return super().iterations

    @property
    def epsilon(self):
        """Adam's epsilon; inside an update, the Algorithm 1 equivalent.

        Returns:
            The configured float, or, while an Adam-family base updates one
            variable with `bias_corrected_epsilon`, the tensor
            `epsilon * sqrt(1 - beta_2 ** t)` for the group's step `t`.
        """
        base = self.__dict__.get("_configured_epsilon")
        state = self.__dict__.get("_state")
        if (
            base is None
            or state is None
            or state.context is None
            or not self.__dict__.get("bias_corrected_epsilon", False)
            or not isinstance(self, keras.optimizers.Adam)
        ):
            return base
        dtype = state.context[2]
        step = ops.cast(self.iterations + 1, dtype)
        beta_2_power = ops.power(ops.cast(self.beta_2, dtype), step)
        return ops.multiply(ops.cast(base, dtype), ops.sqrt(1.0 - beta_2_power))

    @epsilon.setter
    def epsilon(self, value):
        # Plain instance storage, read back by the property above.
        self.__dict__["_configured_epsilon"] = value

    def assign(self, variable, value):
        """`variable = value`, unless the variable's group is frozen.

        Args:
            variable: a model or optimizer variable.
            value: the new value.
        """
        context = self._state.context if hasattr(self, "_state") else None
        if context is not None:
            value = _new_unless(context[1], value, variable)
        super().assign(variable, value)

    def assign_add(self, variable, value):
        """`variable += value`, unless the variable's group is frozen.

        Args:
            variable: a model or optimizer variable.
            value: the increment.
        """
        context = self._state.context if hasattr(self, "_state") else None
        if context is not None:
            value = _zero_unless(context[1], value)
        super().assign_add(variable, value)

    def assign_sub(self, variable, value):
        """`variable -= value`, unless the variable's group is frozen.

        Args:
            variable: a model or optimizer variable.
            value: the decrement.
        """
        context = self._state.context if hasattr(self, "_state") else None
        if context is not None:
            value = _zero_unless(context[1], value)
        super().assign_sub(variable, value)

    # --------------------------------------------------------------- queries

    def _require_built(self):
        if not self._state.built:
            raise TfnlpError(
                f"{self.name}: the optimizer is not built yet; call "
                "optimizer.build(model.trainable_variables) or start fit()."
            )

    @property
    def group_names(self):
        """list of str: the groups, bottom to top (built optimizers only)."""
        self._require_built()
        return list(self._state.names)

    def group_of(self, variable):
        """The group name of one of the optimizer's variables.

        Args:
            variable: a variable the optimizer was built with.

        Returns:
            str.

        Example:

        >>> optimizer.group_of(model.get_layer("classifier").kernel)
        'head'
        """
        self._require_built()
        return self._state.names[
            self._state.positions[self._variable_index(variable)]
        ]

    def group_multipliers(self):
        """The factor on the base learning rate of each group.

        Returns:
            `OrderedDict` group name -> float, bottom to top.

        Example:

        >>> optimizer.group_multipliers()
        OrderedDict([('embeddings', 0.147...), ..., ('head', 1.0)])
        """
        self._require_built()
        return collections.OrderedDict(
            zip(self._state.names, self._state.multipliers)
        )

    def effective_learning_rates(self):
        """The learning rate each group gets at the next step (0 if frozen).

        Returns:
            `OrderedDict` group name -> float, bottom to top.

        Example:

        >>> optimizer.effective_learning_rates()["head"]
        0.001
        """
        self._require_built()
        base = float(ops.convert_to_numpy(self.learning_rate))
        trainable = self.trainable_groups
        return collections.OrderedDict(
            (name, base * multiplier if depth < trainable else 0.0)
            for name, depth, multiplier in zip(
                self._state.names, self._state.depths, self._state.multipliers
            )
        )

    def group_iterations(self):
        """How many updates each group has received.

        Returns:
            `OrderedDict` group name -> int.

        Example:

        >>> optimizer.group_iterations()["head"]
        30
        """
        self._require_built()
        return collections.OrderedDict(
            (name, int(ops.convert_to_numpy(counter)))
            for name, counter in zip(
                self._state.names, self._state.group_iterations
            )
        )

    @property
    def trainable_groups(self):
        """int: how many groups, counted from the top, are trainable."""
        self._require_built()
        return int(ops.convert_to_numpy(self._state.trainable_groups))

    def trainable_group_names(self):
        """The names of the groups that train now, bottom to top.

        Returns:
            list of str.

        Example:

        >>> optimizer.set_trainable_groups(1)
        >>> optimizer.trainable_group_names()
        ['head']
        """
        trainable = self.trainable_groups
        return [
            name
            for name, depth in zip(self._state.names, self._state.depths)
            if depth < trainable
        ]

    def set_trainable_groups(self, count):
        """Trains the top `count` groups and freezes the rest.

        Takes effect at the next step, without retracing. Values above the
        number of groups mean all groups.

        Args:
            count: int >= 0, or None for all groups.

        Returns:
            int: the number of trainable groups now.

        Example:

        >>> optimizer.set_trainable_groups(1)   # only the head
        1
        """
        self._require_built()
        total = len(self._state.names)
        if count is None:
            count = total
        if int(count) < 0:
            raise TfnlpError(f"{self.name}: set_trainable_groups({count}) must be >= 0.")
        count = min(int(count), total)
        self._state.trainable_groups.assign(count)
        return count

    def get_config(self):
        """The base optimizer's config plus the discriminative arguments.

        Returns:
            dict.

        Example:

        >>> type(optimizer).from_config(optimizer.get_config())
        """
        config = super().get_config()
        config.update(
            {
                "weight_decay": self.decoupled_weight_decay,
                "factor": self.factor,
                "group_multipliers": self.group_multiplier_overrides,
                "pooler": self.pooler,
                "require_layer_groups": self.require_layer_groups,
                "bias_corrected_epsilon": self.bias_corrected_epsilon,
                "exclude_from_weight_decay_patterns": list(
                    self.exclude_from_weight_decay_patterns
                ),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="tfnlp")
class DiscriminativeAdam(DiscriminativeOptimizer, Float32StepAdam, keras.optimizers.Adam):
    """`keras.optimizers.Adam` with per-group learning rates and freezing.

    See `DiscriminativeOptimizer` for the extra arguments; all others are
    Adam's.

    Example:

    >>> optimizer = DiscriminativeAdam(learning_rate=1e-3, factor=2.6)
    """


@keras.saving.register_keras_serializable(package="tfnlp")
class DiscriminativeAdamW(DiscriminativeOptimizer, Float32StepAdam,
                          keras.optimizers.AdamW):
    """`keras.optimizers.AdamW` with per-group learning rates and freezing.

    Decoupled decay is `w -= w * weight_decay * group_lr`, skipped for
    LayerNorm and bias. See `DiscriminativeOptimizer` for the extra
    arguments; all others are AdamW's.

    Example:

    >>> optimizer = DiscriminativeAdamW(learning_rate=2e-5, weight_decay=0.01)
    """


@keras.saving.register_keras_serializable(package="tfnlp")
class DiscriminativeSGD(DiscriminativeOptimizer, keras.optimizers.SGD):
    """`keras.optimizers.SGD` with per-group learning rates and freezing.

    Example:

    >>> optimizer = DiscriminativeSGD(learning_rate=0.1, momentum=0.9)
    """


_CLASSES = {
    keras.optimizers.Adam: DiscriminativeAdam,
    keras.optimizers.AdamW: DiscriminativeAdamW,
    keras.optimizers.SGD: DiscriminativeSGD,
}


def discriminative_class(optimizer_class):
    """The discriminative version of any Keras optimizer class.

    The class is made once per base class and registered for Keras
    serialization as `tfnlp>Discriminative{Name}` (call this again before
    loading a saved model that uses it). The base optimizer must update
    through `self.assign*` in `update_step`, as all Keras optimizers do.

    Args:
        optimizer_class: a subclass of `keras.optimizers.Optimizer`.

    Returns:
        A subclass of `optimizer_class` and `DiscriminativeOptimizer`.

    Example:

    >>> DiscriminativeLamb = discriminative_class(tfnlp.optimizers.Lamb)
    >>> optimizer = DiscriminativeLamb(learning_rate=1e-3)
    """
    if not (
        isinstance(optimizer_class, type)
        and issubclass(optimizer_class, keras.optimizers.Optimizer)
    ):
        raise TfnlpError(
            f"discriminative_class: {optimizer_class!r} is not a "
            "keras.optimizers.Optimizer subclass."
        )
    if issubclass(optimizer_class, DiscriminativeOptimizer):
        return optimizer_class
    if optimizer_class not in _CLASSES:
        name = f"Discriminative{optimizer_class.__name__}"
        cls = type(
            name,
            (DiscriminativeOptimizer, optimizer_class),
            {
                "__doc__": f"`{optimizer_class.__name__}` with per-group "
                "learning rates and freezing (see DiscriminativeOptimizer).",
                "__module__": __name__,
            },
        )
        _CLASSES[optimizer_class] = keras.saving.register_keras_serializable(
            package="tfnlp"
        )(cls)
    return _CLASSES[optimizer_class]
