"""One call that builds a BERT-style optimizer: warmup schedule, decay, clipping."""

import keras

from tfnlp.errors import TfnlpError
from tfnlp.optimizers.adamw import AdamW
from tfnlp.optimizers.lamb import Lamb
from tfnlp.optimizers.schedules import WarmupPolynomialDecay

OPTIMIZER_NAMES = ("lamb", "adamw", "adam")


def create_optimizer(
    name,
    learning_rate,
    total_steps,
    warmup_steps,
    weight_decay=0.01,
    end_learning_rate=0.0,
    beta_1=0.9,
    beta_2=0.999,
    epsilon=1e-6,
    clipnorm=1.0,
):
    """Creates an optimizer with linear warmup + linear decay and global clipping.

    LayerNorm and bias variables (paths matching `"LayerNorm"`,
    `"layer_norm"` or `"bias"`) get no weight decay (and, for LAMB, no layer
    adaptation). BERT's pretraining values are `name="adamw",
    learning_rate=1e-4, epsilon=1e-6, weight_decay=0.01, clipnorm=1.0,
    warmup_steps=10000`.

    Args:
        name: `"lamb"`, `"adamw"` or `"adam"` (plain Adam, no weight decay:
            `weight_decay` is ignored).
        learning_rate: float. Peak learning rate, reached after warmup.
        total_steps: int. Training steps; the rate reaches
            `end_learning_rate` here.
        warmup_steps: int. Steps of linear warmup from 0.
        weight_decay: float. Weight-decay rate (lamb / adamw).
        end_learning_rate: float. Final learning rate.
        beta_1: float. First-moment decay.
        beta_2: float. Second-moment decay.
        epsilon: float. Numerical-stability constant.
        clipnorm: float or None. Global-norm gradient clipping (Keras
            `global_clipnorm`); None or 0 disables it.

    Returns:
        A `keras.optimizers.Optimizer` whose learning rate is a
        `WarmupPolynomialDecay`.

    Example:

    >>> optimizer = create_optimizer("adamw", 1e-4, total_steps=100000,
    ...                              warmup_steps=10000)
    >>> model.compile(optimizer=optimizer, loss=...)
    """
    key = str(name).lower()
    if key not in OPTIMIZER_NAMES:
        raise TfnlpError(
            f"Unknown optimizer {name!r}: choose one of "
            f"{', '.join(OPTIMIZER_NAMES)}."
        )
    schedule = WarmupPolynomialDecay(
        peak_learning_rate=learning_rate,
        decay_steps=total_steps,
        warmup_steps=warmup_steps,
        end_learning_rate=end_learning_rate,
    )
    common = dict(
        learning_rate=schedule,
        beta_1=beta_1,
        beta_2=beta_2,
        epsilon=epsilon,
        global_clipnorm=clipnorm or None,
    )
    if key == "lamb":
        return Lamb(weight_decay=weight_decay, **common)
    if key == "adamw":
        return AdamW(weight_decay=weight_decay, **common)
    return keras.optimizers.Adam(**common)
