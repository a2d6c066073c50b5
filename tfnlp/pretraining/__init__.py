"""tfnlp.pretraining: run, checkpoint and resume pretraining of any family.

Public names:
- `PretrainConfig` (run_config.py): the settings of a run, `config.json`.
- `pretrain` (trainer.py): run or resume a run; returns the final metrics.
- `TrainingCheckpoint` (checkpointing.py): model + optimizer + step
  checkpoints that survive kill -9.
- `load_run` (builder.py): a finished run (family, tokenizer, pretrainer), for export.

Example:

>>> from tfnlp.pretraining import PretrainConfig, pretrain
>>> pretrain(PretrainConfig(model_dir="run", vocab="vocab.txt",
...                         input="wordnet", steps=1000))   # doctest: +SKIP
"""

from tfnlp.pretraining.run_config import PretrainConfig  # noqa: F401


def __getattr__(name):
    # Lazy: importing the config must not import TensorFlow (the CLI checks
    # flags before paying for that import).
    if name == "pretrain":
        from tfnlp.pretraining.trainer import pretrain
        return pretrain
    if name == "TrainingCheckpoint":
        from tfnlp.pretraining.checkpointing import TrainingCheckpoint
        return TrainingCheckpoint
    if name == "load_run":
        from tfnlp.pretraining.builder import load_run
        return load_run
    raise AttributeError(f"module 'tfnlp.pretraining' has no attribute {name!r}")


__all__ = ["PretrainConfig", "pretrain", "TrainingCheckpoint", "load_run"]
