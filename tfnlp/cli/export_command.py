"""`tfnlp export`: write a pretraining run as TF-Hub encoder + preprocess modules.

Example:

    tfnlp export --model_dir=run --output=hub --with_mlm

writes `hub/encoder` (a TF-Hub BERT encoder SavedModel; with `--with_mlm`
also the `mlm` subobject) and `hub/preprocess`. The last stdout line is
JSON: `{"encoder": path, "preprocess": path, "step": n}`.
"""

import json
import os

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "export a pretraining run as TF-Hub encoder (+mlm) and preprocess modules"


def define_flags(flag_values):
    """Defines `--model_dir --output --with_mlm --seq_length`."""
    flags.DEFINE_string("model_dir", None, "Run folder written by `tfnlp pretrain`; its "
                        "latest checkpoint is exported.", flag_values=flag_values)
    flags.DEFINE_string("output", None, "Output folder: modules go to OUTPUT/encoder and "
                        "OUTPUT/preprocess.", flag_values=flag_values)
    flags.DEFINE_boolean("with_mlm", False, "Add the masked-LM head as the encoder "
                         "module's `mlm` subobject.", flag_values=flag_values)
    flags.DEFINE_integer("seq_length", 128, "Default packed length of the preprocess "
                         "module.", flag_values=flag_values)


def export_run(model_dir, output, with_mlm=False, seq_length=128):
    """Exports the latest checkpoint of a pretraining run as TF-Hub modules.

    Args:
        model_dir: run folder written by `tfnlp.pretraining.pretrain`.
        output: output folder (`encoder/` and `preprocess/` are written there).
        with_mlm: include the MLM head (`obj.mlm`); an error if the
            checkpoint has none.
        seq_length: default packed length of the preprocess module.

    Returns:
        dict with `encoder`, `preprocess` (paths) and `step`.

    Example:

    >>> export_run("run", "hub", with_mlm=True)   # doctest: +SKIP
    """
    from tfnlp.hub.export_encoder import export_encoder_module
    from tfnlp.hub.export_preprocess import export_preprocess_module
    from tfnlp.pretraining.builder import load_pretrainer
    from tfnlp.pretraining.checkpointing import latest_checkpoint

    pretrainer, config, vocab_path = load_pretrainer(model_dir, require_mlm=with_mlm)
    pretrainer.encoder.check_sequence_length(seq_length)
    encoder_dir = export_encoder_module(
        pretrainer.encoder, vocab_path, config.lower_case,
        os.path.join(output, "encoder"),
        mlm_head=pretrainer.mlm_head if with_mlm else None)
    preprocess_dir = export_preprocess_module(
        vocab_path, config.lower_case, os.path.join(output, "preprocess"),
        seq_length=seq_length)
    step = int(latest_checkpoint(model_dir).rsplit("-", 1)[1])
    return {"encoder": encoder_dir, "preprocess": preprocess_dir, "step": step}


def run(flag_values):
    """Exports and prints one JSON line."""
    for name in ("model_dir", "output"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    result = export_run(flag_values.model_dir, flag_values.output,
                        with_mlm=flag_values.with_mlm,
                        seq_length=flag_values.seq_length)
    print(json.dumps(result), flush=True)
    return 0
