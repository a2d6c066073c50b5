"""`tfnlp distill`: distil a BERT teacher into a DistilBERT student (Sanh et al. 2019).

Example:

    tfnlp distill --teacher=bert_run --student_layers=0,2,4 --input=corpus.txt \
        --steps=2000 --model_dir=student_run

The teacher is a tfnlp model dir or run dir (`RUN/keras`), or an HF BERT
folder. The student is as wide as the teacher and starts from its
embeddings and the layers `--student_layers` (default every other layer);
it uses the teacher's vocab. This is an alias of

    tfnlp pretrain --family=distilbert --objective=distill \
        --objective_options='{"teacher": "bert_run", "student_layers": [0, 2, 4]}' \
        --input=corpus.txt --steps=2000 --model_dir=student_run

(the family fills in the student's sizes, vocab and casing from the
teacher): the same run dir, checkpoints (the teacher is not in them) and
exact resume. The last stdout line is the result as JSON.
"""

import json
import os
import warnings

from absl import flags

from tfnlp.cli.flag_utils import define_dataclass_flags
from tfnlp.errors import TfnlpError

SUMMARY = "distil a BERT teacher (model dir, run dir or HF folder) into a DistilBERT student"

# PretrainConfig fields the command fills in itself.
DERIVED_FIELDS = ("tokenizer_sha256", "vocab", "family", "preset", "model_config",
                  "num_layers", "hidden_dim", "num_heads", "intermediate_dim",
                  "max_sequence_length", "dropout", "objective", "objective_options",
                  "lower_case")
WEIGHT_FLAGS = {
    "temperature": (2.0, "Softmax temperature T of the KL term."),
    "alpha_ce": (5.0, "Weight of T^2 * KL(teacher || student) on masked positions."),
    "alpha_mlm": (2.0, "Weight of the student's masked-LM loss."),
    "alpha_cos": (1.0, "Weight of 1 - cosine between last hidden states."),
    "alpha_mse": (1.0, "Weight of the per-layer hidden MSE (teacher without MLM head)."),
}


def _ranges():
    from tfnlp.cli.pretrain_command import RANGES as PRETRAIN_RANGES

    return dict(PRETRAIN_RANGES, temperature="(0, inf)", alpha_ce="[0, inf)",
                alpha_mlm="[0, inf)", alpha_cos="[0, inf)", alpha_mse="[0, inf)")


RANGES = _ranges()


def define_flags(flag_values):
    """`--teacher --student_layers`, the loss weights, and the pretrain run flags."""
    from tfnlp.cli.pretrain_command import HELP
    from tfnlp.pretraining.run_config import PretrainConfig

    flags.DEFINE_string("teacher", None, "The teacher: a tfnlp model dir, a tfnlp run dir "
                        "(its keras/ dir), or an HF BERT folder.", flag_values=flag_values)
    flags.DEFINE_string("student_layers", None, "Comma-separated teacher layers the "
                        "student starts from, increasing (default every other: 0,2,4,...).",
                        flag_values=flag_values)
    for name, (default, text) in WEIGHT_FLAGS.items():
        flags.DEFINE_float(name, default, text, flag_values=flag_values)
    define_dataclass_flags(flag_values, PretrainConfig, HELP, skip=DERIVED_FIELDS)


def config_from_flags(flag_values):
    """Returns the run's `PretrainConfig`: `tfnlp pretrain --family=distilbert
    --objective=distill` with the flags as objective options; the student's
    sizes, vocab and casing come from the teacher through
    `PretrainConfig.with_family_settings` (as for `tfnlp pretrain`).

    Raises:
        TfnlpError: a missing flag, an unusable teacher or bad `--student_layers`.
    """
    import dataclasses

    from tfnlp.pretraining.run_config import PretrainConfig

    for name in ("teacher", "model_dir"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    teacher_path = flag_values.teacher
    if not teacher_path.startswith("pypi:"):
        teacher_path = os.path.abspath(teacher_path)
    options = {"teacher": teacher_path}
    if flag_values.student_layers:
        options["student_layers"] = flag_values.student_layers
    options.update({name: flag_values[name].value for name in WEIGHT_FLAGS})
    values = {f.name: flag_values[f.name].value for f in dataclasses.fields(PretrainConfig)
              if f.name not in DERIVED_FIELDS}
    return PretrainConfig(
        vocab=None, family="distilbert", objective="distill", lower_case=None,
        objective_options=json.dumps(options, sort_keys=True), **values,
    ).with_family_settings()


def run(flag_values):
    """Runs the distillation through `tfnlp.pretraining.pretrain`; prints one JSON line."""
    config = config_from_flags(flag_values)
    config.validate()
    warnings.filterwarnings("ignore", message=".*`shuffle=True` was passed.*")
    from tfnlp.pretraining.trainer import pretrain

    result = pretrain(config)
    print(json.dumps(result), flush=True)
    return 0
