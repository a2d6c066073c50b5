"""Builds the pretraining network and optimizer of a run, and reloads a finished one.

Example:

>>> pretrainer, optimizer = build_pretrainer(config, vocab_size=8192)   # doctest: +SKIP
>>> pretrainer, config = load_pretrainer("run")   # latest checkpoint   # doctest: +SKIP
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.pretraining.checkpointing import (
    TrainingCheckpoint,
    checkpoint_directory,
    checkpoint_keys,
    latest_checkpoint,
)
from tfnlp.pretraining.run_config import VOCAB_FILE, PretrainConfig


def build_pretrainer(config, vocab_size, total_steps=None):
    """Builds `BertPretrainer(BertEncoder.from_preset(...))` and its optimizer, compiled.

    Call it under the distribution strategy's scope.

    Args:
        config: a `PretrainConfig`.
        vocab_size: int, the vocabulary size.
        total_steps: int, the steps of the learning-rate schedule; default
            `config.steps`.

    Returns:
        (pretrainer, optimizer): a compiled `BertPretrainer` and the
        optimizer (`create_optimizer(config.optimizer, ...)`, whose learning
        rate is a warmup + linear-decay schedule).

    Example:

    >>> with strategy.scope():                                   # doctest: +SKIP
    ...     pretrainer, optimizer = build_pretrainer(config, 8192)
    """
    import keras

    from tfnlp.models.bert.backbone import BertEncoder
    from tfnlp.models.bert.pretrainer import BertPretrainer
    from tfnlp.optimizers import create_optimizer

    keras.utils.set_random_seed(config.seed)
    encoder = BertEncoder(vocabulary_size=vocab_size, **config.architecture())
    pretrainer = BertPretrainer(encoder, use_nsp=config.objective == "mlm_nsp")
    total_steps = total_steps or config.steps
    optimizer = create_optimizer(
        config.optimizer,
        learning_rate=config.resolved_learning_rate(),
        total_steps=total_steps,
        warmup_steps=min(config.resolved_warmup_steps(), total_steps),
        weight_decay=config.weight_decay,
    )
    # XLA is off: on CPU it compiles for tens of seconds and is not faster
    # for these sizes; GPUs/TPUs run the plain TF graph fine too.
    pretrainer.compile_for_pretraining(optimizer, jit_compile=False)
    return pretrainer, optimizer


def load_pretrainer(model_dir, require_mlm=False):
    """Rebuilds a run's pretrainer with the weights of its latest checkpoint.

    Args:
        model_dir: a folder written by `tfnlp.pretraining.pretrain`.
        require_mlm: raise unless the checkpoint holds a trained MLM head.

    Returns:
        (pretrainer, config, vocab_path): the `BertPretrainer` (not
        compiled), the run's `PretrainConfig` and its `vocab.txt`.

    Raises:
        TfnlpError: no config, vocab or checkpoint in `model_dir`, or no MLM
            head when `require_mlm`.

    Example:

    >>> pretrainer, config, vocab = load_pretrainer("run")   # doctest: +SKIP
    >>> encoder = pretrainer.encoder                        # doctest: +SKIP
    """
    from tfnlp.models.bert.backbone import BertEncoder
    from tfnlp.models.bert.pretrainer import BertPretrainer
    from tfnlp.text.vocab import load_vocab

    config = PretrainConfig.load(model_dir)
    vocab_path = os.path.join(model_dir, VOCAB_FILE)
    vocab = load_vocab(vocab_path)
    path = latest_checkpoint(model_dir)
    if path is None:
        raise TfnlpError(
            f"{model_dir}: no checkpoint in {checkpoint_directory(model_dir)}; "
            "run `tfnlp pretrain` first (it saves every --checkpoint_every steps)")
    if require_mlm and not any(k.startswith("mlm_head/") for k in checkpoint_keys(path)):
        raise TfnlpError(
            f"{path} has no masked-LM head; export without --with_mlm")
    encoder = BertEncoder(vocabulary_size=len(vocab), **config.architecture())
    pretrainer = BertPretrainer(encoder, use_nsp=config.objective == "mlm_nsp")
    TrainingCheckpoint(checkpoint_directory(model_dir), pretrainer).restore(path)
    return pretrainer, config, vocab_path
