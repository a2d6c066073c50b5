"""`tfnlp finetune`'s ULMFiT knobs reach the optimizer and the unfreezing callback."""

import os
import sys

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.finetuning import GradualUnfreezing
from tfnlp.tasks.runner import (
    FinetuneConfig,
    _optimizer_setup,
    default_learning_rate,
    unfreeze_steps,
)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "finetuning"))
from ulmfit_helpers import mini_model  # noqa: E402


@pytest.mark.parametrize("value, want", [
    ("auto", 12),      # 3 epochs < 8 groups: spread over 96 steps
    ("epoch", "epoch"),
    ("none", None),
    ("10", 10),
    (7, 7),
])
def test_unfreeze_every_values(value, want):
    assert unfreeze_steps(value, epochs=3, total_steps=96, groups=8) == want


def test_auto_is_one_group_per_epoch_with_enough_epochs():
    assert unfreeze_steps("auto", epochs=8, total_steps=96, groups=8) == "epoch"


@pytest.mark.parametrize("value", ["soon", "0", -3, "1.5"])
def test_bad_unfreeze_every_is_a_clear_error(value):
    with pytest.raises(TfnlpError, match="--unfreeze_every"):
        unfreeze_steps(value, epochs=3, total_steps=96, groups=8)


def config(**kwargs):
    return FinetuneConfig(encoder="e", task="classification", train="t", output="o",
                          schedule="ulmfit", **kwargs)


def test_factor_and_unfreezing_reach_the_optimizer():
    setup = _optimizer_setup(config(lr_factor=2.0, unfreeze_every="5"), mini_model(),
                             1e-3, total_steps=40, layer_groups=None)
    assert setup.optimizer.factor == 2.0
    (callback,) = [c for c in setup.callbacks if isinstance(c, GradualUnfreezing)]
    assert callback.steps == 5

    setup = _optimizer_setup(config(unfreeze_every="none"), mini_model(), 1e-3,
                             total_steps=40, layer_groups=None)
    assert setup.optimizer.factor == 2.6
    assert not [c for c in setup.callbacks if isinstance(c, GradualUnfreezing)]


def test_default_learning_rates_per_schedule_and_mode():
    assert default_learning_rate("finetune", "linear") == 5e-5
    assert default_learning_rate("finetune", "ulmfit") == 3e-3
    assert default_learning_rate("feature", "linear") == 1e-3


def test_xla_rule_counts_training_tokens_of_native_encoders():
    from tfnlp.tasks.runner import XLA_MIN_TOKENS
    from tfnlp.tf_utils import choose_jit_compile

    assert choose_jit_compile(None, 96 * 32 * 64, XLA_MIN_TOKENS)
    assert not choose_jit_compile(None, 80 * 8 * 48, XLA_MIN_TOKENS)
    assert choose_jit_compile(None, XLA_MIN_TOKENS, XLA_MIN_TOKENS)
    # a TF-Hub module's functions compile only when asked for
    assert not choose_jit_compile(None, 10**9, XLA_MIN_TOKENS, compilable=False)
    assert choose_jit_compile(True, 8, XLA_MIN_TOKENS, compilable=False)
    assert not choose_jit_compile(False, 10**9, XLA_MIN_TOKENS)
