"""One call that sets up fine-tuning: `ulmfit` (ULMFiT) or `linear` (BERT-style).

* `ulmfit`: discriminative learning rates (`lr / factor` per group down),
  slanted triangular learning rates and gradual unfreezing (Howard & Ruder
  2018), on AdamW or Adam.
* `linear`: the BERT fine-tuning recipe for comparison: every group the same
  rate, linear warmup over `warmup_frac` of the steps, then linear decay to
  0, nothing frozen.

Both return a `FinetuneSetup(optimizer, callbacks, schedule)`; pass
`optimizer` to `model.compile` and `callbacks` to `model.fit`.

Example:

>>> setup = finetuning_setup("ulmfit", model, lr_max=1e-4, total_steps=3000)
>>> model.compile(optimizer=setup.optimizer, loss=loss)
>>> model.fit(train, epochs=3, callbacks=setup.callbacks)
"""

import collections

from tfnlp.errors import TfnlpError
from tfnlp.finetuning import variable_groups
from tfnlp.finetuning.discriminative import DiscriminativeAdam, DiscriminativeAdamW
from tfnlp.finetuning.gradual_unfreezing import GradualUnfreezing
from tfnlp.finetuning.slanted_triangular import SlantedTriangularLR

SCHEDULES = ("ulmfit", "linear")
BASES = {"adamw": DiscriminativeAdamW, "adam": DiscriminativeAdam}

FinetuneSetup = collections.namedtuple(
    "FinetuneSetup", ["optimizer", "callbacks", "schedule"]
)
FinetuneSetup.__doc__ = """What `model.compile` / `model.fit` need for fine-tuning.

Fields:
    optimizer: a `DiscriminativeOptimizer`.
    callbacks: list of `keras.callbacks.Callback` (gradual unfreezing).
    schedule: the base `LearningRateSchedule`.
"""


def _variables_of(model_or_variables):
    if model_or_variables is None:
        return []
    variables = getattr(model_or_variables, "trainable_variables", None)
    if variables is None:
        variables = getattr(model_or_variables, "trainable_weights", None)
    if variables is None:
        variables = model_or_variables
    return list(variables)


def _check_groups(model_or_variables, require_layers, pooler, layer_groups=None):
    """Raises `TfnlpError` now, not at the first step, if groups are missing."""
    variables = _variables_of(model_or_variables)
    if not variables:  # an unbuilt model has none yet; checked again at build.
        return
    if layer_groups is not None:
        variable_groups.groups_from_layers(layer_groups, variables, pooler=pooler,
                                           require_layers=require_layers)
    else:
        variable_groups.group_variables(
            variables, pooler=pooler, require_layers=require_layers
        )


def _unfreezing_callbacks(unfreeze_every):
    if unfreeze_every is None or unfreeze_every is False:
        return []
    if unfreeze_every == "epoch":
        return [GradualUnfreezing(schedule="epoch")]
    if (
        isinstance(unfreeze_every, int)
        and not isinstance(unfreeze_every, bool)
        and unfreeze_every > 0
    ):
        return [GradualUnfreezing(steps=unfreeze_every)]
    raise TfnlpError(
        f"unfreeze_every={unfreeze_every!r}: use 'epoch', a number of steps "
        "> 0, or None (no gradual unfreezing)."
    )


def _make_optimizer(base, schedule, factor, weight_decay, epsilon, clipnorm,
                    pooler, require_layers, layer_groups=None):
    key = str(base).lower()
    if key not in BASES:
        raise TfnlpError(f"base={base!r}: use one of {sorted(BASES)}.")
    kwargs = dict(
        learning_rate=schedule,
        factor=factor,
        pooler=pooler,
        require_layer_groups=require_layers,
        epsilon=epsilon,
        global_clipnorm=clipnorm or None,
        layer_groups=layer_groups,
    )
    if key == "adamw":
        kwargs["weight_decay"] = weight_decay
    return BASES[key](**kwargs)


def ulmfit_optimizer(
    model_or_variables,
    *,
    lr_max,
    total_steps,
    base="adamw",
    factor=2.6,
    cut_frac=0.1,
    ratio=32.0,
    unfreeze_every="epoch",
    weight_decay=0.01,
    epsilon=1e-6,
    clipnorm=1.0,
    pooler="merge",
    layer_groups=None,
):
    """ULMFiT: discriminative LRs + slanted triangular LR + gradual unfreezing.

    Args:
        model_or_variables: the model (or its trainable variables, e.g. a hub
            layer's) to fine-tune; used to check, now, that variable names
            carry layer indices. None skips the check (done at build time).
        lr_max: float. Peak learning rate of the head; group `k` below the
            head peaks at `lr_max / factor**k`.
        total_steps: int. Training steps (the STLR's `T`).
        base: `"adamw"` (decoupled weight decay) or `"adam"`.
        factor: float. Ratio between neighbouring groups. Defaults to 2.6.
        cut_frac: float. STLR rising fraction. Defaults to 0.1.
        ratio: float. STLR lowest-to-peak ratio. Defaults to 32.
        unfreeze_every: `"epoch"` (default), an int number of steps, or
            None for no gradual unfreezing.
        weight_decay: float. AdamW decay (ignored for `"adam"`).
        epsilon: float. Adam epsilon. Defaults to 1e-6 (BERT).
        clipnorm: float or None. Global-norm clipping. Defaults to 1.0.
        pooler: `"merge"` or `"separate"` (see `variable_groups`).
        layer_groups: a native backbone's groups (`Family.layer_groups`),
            or None to group by variable names (TF-Hub modules).

    Returns:
        `FinetuneSetup(optimizer, callbacks, schedule)`.

    Raises:
        TfnlpError: no layer index in the variable names, or bad arguments.

    Example:

    >>> setup = ulmfit_optimizer(model, lr_max=1e-4, total_steps=3000)
    >>> model.compile(optimizer=setup.optimizer, loss=loss)
    >>> model.fit(train, epochs=3, callbacks=setup.callbacks)
    """
    _check_groups(model_or_variables, require_layers=True, pooler=pooler,
                  layer_groups=layer_groups)
    schedule = SlantedTriangularLR(
        lr_max, total_steps, cut_frac=cut_frac, ratio=ratio
    )
    callbacks = _unfreezing_callbacks(unfreeze_every)
    optimizer = _make_optimizer(
        base, schedule, factor, weight_decay, epsilon, clipnorm, pooler, True,
        layer_groups,
    )
    return FinetuneSetup(optimizer, callbacks, schedule)


def linear_optimizer(
    model_or_variables=None,
    *,
    lr_max,
    total_steps,
    base="adamw",
    warmup_frac=0.1,
    unfreeze_every=None,
    weight_decay=0.01,
    epsilon=1e-6,
    clipnorm=1.0,
    pooler="merge",
    layer_groups=None,
):
    """BERT-style: one learning rate for all, 10% linear warmup, linear decay.

    Args:
        model_or_variables: the model or its variables (only checked when
            `unfreeze_every` is set), or None.
        lr_max: float. Peak learning rate, reached after warmup.
        total_steps: int. Training steps; the rate reaches 0 here.
        base: `"adamw"` or `"adam"`.
        warmup_frac: float in [0, 1). Fraction of steps of warmup.
        unfreeze_every: None (default), `"epoch"` or a number of steps.
        weight_decay: float. AdamW decay (ignored for `"adam"`).
        epsilon: float. Adam epsilon. Defaults to 1e-6.
        clipnorm: float or None. Global-norm clipping. Defaults to 1.0.
        pooler: `"merge"` or `"separate"`.
        layer_groups: as `ulmfit_optimizer` (only matters with
            `unfreeze_every`).

    Returns:
        `FinetuneSetup(optimizer, callbacks, schedule)`.

    Example:

    >>> setup = linear_optimizer(lr_max=5e-5, total_steps=3000)
    >>> model.compile(optimizer=setup.optimizer, loss=loss)
    """
    # The tfnlp.optimizers schedule, so `linear` here is the BERT recipe.
    from tfnlp.optimizers.schedules import WarmupPolynomialDecay

    if not 0.0 <= float(warmup_frac) < 1.0:
        raise TfnlpError(f"warmup_frac={warmup_frac} must be in [0, 1).")
    require_layers = unfreeze_every is not None
    _check_groups(model_or_variables, require_layers=require_layers, pooler=pooler,
                  layer_groups=layer_groups)
    schedule = WarmupPolynomialDecay(
        peak_learning_rate=lr_max,
        decay_steps=int(total_steps),
        warmup_steps=int(float(warmup_frac) * int(total_steps)),
        end_learning_rate=0.0,
        power=1.0,
    )
    callbacks = _unfreezing_callbacks(unfreeze_every)
    optimizer = _make_optimizer(
        base, schedule, 1.0, weight_decay, epsilon, clipnorm, pooler,
        require_layers, layer_groups,
    )
    return FinetuneSetup(optimizer, callbacks, schedule)


def finetuning_setup(schedule, model_or_variables=None, **kwargs):
    """Dispatches `tfnlp finetune --schedule=...` to `ulmfit` or `linear`.

    Args:
        schedule: `"ulmfit"` or `"linear"`.
        model_or_variables: the model or its trainable variables.
        **kwargs: arguments of `ulmfit_optimizer` / `linear_optimizer`
            (`lr_max` and `total_steps` are required).

    Returns:
        `FinetuneSetup(optimizer, callbacks, schedule)`.

    Raises:
        TfnlpError: unknown schedule.

    Example:

    >>> setup = finetuning_setup("linear", model, lr_max=5e-5, total_steps=900)
    """
    key = str(schedule).lower()
    if key == "ulmfit":
        return ulmfit_optimizer(model_or_variables, **kwargs)
    if key == "linear":
        return linear_optimizer(model_or_variables, **kwargs)
    raise TfnlpError(f"--schedule={schedule!r}: use one of {SCHEDULES}.")
