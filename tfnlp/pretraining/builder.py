"""Builds the pretraining network and optimizer of a run, and reloads a finished one.

Both go through the run's family (`tfnlp.models.registry`), so they never
name one.

Example:

>>> pretrainer, optimizer = build_pretrainer(config, tokenizer)   # doctest: +SKIP
>>> run = load_run("run")   # latest checkpoint                     # doctest: +SKIP
"""

import dataclasses
import os

from tfnlp.errors import TfnlpError
from tfnlp.pretraining.checkpointing import (
    TrainingCheckpoint,
    checkpoint_directory,
    latest_checkpoint,
)
from tfnlp.pretraining.run_config import TOKENIZER_SUBDIR, PretrainConfig
from tfnlp.pretraining.run_dir import load_run_tokenizer
from tfnlp.tf_utils import choose_jit_compile

# Runs of at least this many steps get the XLA-compiled train step by
# default: compiling costs tens of seconds on CPU (more than a plain trace),
# and pays back within ~100 steps of bert_tiny at batch 32, seq 128
# (benchmarks/pretrain_step.py). Short runs (tests, smoke runs) stay
# uncompiled. The rule reads the run's total `steps`, not where it starts, so
# a resumed run takes the same kernels as an uninterrupted one.
XLA_MIN_STEPS = 200


def resolve_jit_compile(config, pretrainer):
    """Whether the run's train step is XLA-compiled.

    Args:
        config: a `PretrainConfig` (`jit_compile`: True, False or None).
        pretrainer: the family's pretrainer; one whose class sets
            `xla_compatible = False` is never compiled.

    Returns:
        bool.

    Example:

    >>> resolve_jit_compile(PretrainConfig(model_dir="r", steps=10), model)  # doctest: +SKIP
    False
    """
    if not getattr(pretrainer, "xla_compatible", True):
        return False
    return choose_jit_compile(config.jit_compile, config.steps, XLA_MIN_STEPS)


def build_pretraining_model(config, tokenizer):
    """Builds the run's backbone and (uncompiled) pretrainer.

    Args:
        config: a `PretrainConfig`.
        tokenizer: the run's tokenizer (its vocabulary size sizes the model).

    Returns:
        the pretrainer (its `backbone` attribute is the backbone).
    """
    import keras

    from tfnlp.precision import dtype_policy_scope

    family = config.family_object()
    keras.utils.set_random_seed(config.seed)
    architecture = config.architecture()
    # Every layer takes the run's --dtype policy (a resumed or reloaded run
    # rebuilds with the recorded one, so its checkpoint's dtypes match).
    with dtype_policy_scope(config.dtype):
        backbone = family.build_backbone(architecture, tokenizer.vocab_size)
        return family.build_pretrainer(backbone, config.resolved_objective(),
                                       architecture, tokenizer,
                                       config.resolved_objective_options())


def build_pretrainer(config, tokenizer, total_steps=None):
    """Builds the run's pretrainer and optimizer, compiled.

    Call it under the distribution strategy's scope.

    Args:
        config: a `PretrainConfig`.
        tokenizer: the run's tokenizer.
        total_steps: int, the steps of the learning-rate schedule; default
            `config.steps`.

    Returns:
        (pretrainer, optimizer): the compiled pretrainer and its optimizer
        (`create_optimizer(config.optimizer, ...)`, whose learning rate is a
        warmup + linear-decay schedule; with `schedule="ulmfit"`, a
        discriminative AdamW over the family's layer groups, the head at
        the peak rate and each group below at 1/2.6 of the one above, on a
        slanted triangular schedule: `tfnlp.finetuning.ulmfit`). The train
        step is XLA-compiled where `resolve_jit_compile` says so.
    """
    from tfnlp.optimizers import create_optimizer

    pretrainer = build_pretraining_model(config, tokenizer)
    total_steps = total_steps or config.steps
    if config.schedule == "ulmfit":
        from tfnlp.finetuning.ulmfit import ulmfit_optimizer

        family = config.family_object()
        # ULMFiT's LM fine-tuning: discriminative rates + STLR, nothing frozen.
        optimizer = ulmfit_optimizer(
            family.checkpoint_model(pretrainer), lr_max=config.resolved_learning_rate(),
            total_steps=total_steps, unfreeze_every=None,
            weight_decay=config.weight_decay,
            layer_groups=family.layer_groups(pretrainer.backbone)).optimizer
        pretrainer.compile_for_pretraining(
            optimizer, jit_compile=resolve_jit_compile(config, pretrainer))
        return pretrainer, optimizer
    optimizer = create_optimizer(
        config.optimizer,
        learning_rate=config.resolved_learning_rate(),
        total_steps=total_steps,
        warmup_steps=min(config.resolved_warmup_steps(), total_steps),
        weight_decay=config.weight_decay,
    )
    pretrainer.compile_for_pretraining(
        optimizer, jit_compile=resolve_jit_compile(config, pretrainer))
    return pretrainer, optimizer


@dataclasses.dataclass
class FinishedRun:
    """A run's model as of its latest checkpoint (what `load_run` returns).

    Attributes:
        config: the run's `PretrainConfig`.
        family: its `Family`.
        tokenizer: the tokenizer from the run's own copy of the assets.
        pretrainer: the pretrainer with the checkpoint's weights (not compiled).
        step: the checkpoint's step.
    """

    config: PretrainConfig
    family: object
    tokenizer: object
    pretrainer: object
    step: int

    @property
    def backbone(self):
        return self.pretrainer.backbone


def load_run(model_dir, seq_length=None):
    """Rebuilds a run's pretrainer with the weights of its latest checkpoint.

    Args:
        model_dir: a folder written by `tfnlp.pretraining.pretrain`.
        seq_length: default packed length of the returned tokenizer (None:
            the run's).

    Returns:
        a `FinishedRun`.

    Raises:
        TfnlpError: no config, tokenizer or checkpoint in `model_dir`.
    """
    config = PretrainConfig.load(model_dir)
    folder = os.path.join(model_dir, TOKENIZER_SUBDIR)
    if not os.path.isdir(folder):
        raise TfnlpError(f"{model_dir}: no {TOKENIZER_SUBDIR}/ folder; is it a run "
                         "written by `tfnlp pretrain`?")
    if seq_length is not None:
        config = dataclasses.replace(config, seq_length=seq_length)
    tokenizer = load_run_tokenizer(config, folder)
    path = latest_checkpoint(model_dir)
    if path is None:
        raise TfnlpError(
            f"{model_dir}: no checkpoint in {checkpoint_directory(model_dir)}; "
            "run `tfnlp pretrain` first (it saves every --checkpoint_every steps)")
    pretrainer = build_pretraining_model(config, tokenizer)
    family = config.family_object()
    TrainingCheckpoint(checkpoint_directory(model_dir),
                       family.checkpoint_model(pretrainer)).restore(path)
    return FinishedRun(config, family, tokenizer, pretrainer,
                       int(path.rsplit("-", 1)[1]))
