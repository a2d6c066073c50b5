"""`tfnlp export`: write a pretraining run as the TF-Hub modules of its family.

Example:

    tfnlp export --model_dir=run --output=hub --with_mlm

writes the modules the run's family declares (for the BERT interface:
`hub/encoder`, with `--with_heads` / `--with_mlm` its subobjects such as
`mlm`, and `hub/preprocess`), all replaced as one unit. The last stdout
line is JSON: `{"encoder": path, "preprocess": path, "step": n, "family": …}`.
"""

import json
import os

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "export a pretraining run as its family's TF-Hub modules (+ heads)"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {"seq_length": "[3, inf)"}


def define_flags(flag_values):
    """Defines `--model_dir --output --with_heads --with_mlm --seq_length`."""
    flags.DEFINE_string("model_dir", None, "Run folder written by `tfnlp pretrain`; its "
                        "latest checkpoint is exported.", flag_values=flag_values)
    flags.DEFINE_string("output", None, "Output folder: one sub-folder per module "
                        "(encoder/, preprocess/, ...).", flag_values=flag_values)
    flags.DEFINE_boolean("with_heads", False, "Add the pretraining heads the family "
                         "exports as subobjects (mlm, rtd, lm).", flag_values=flag_values)
    flags.DEFINE_boolean("with_mlm", False, "Same as --with_heads (the BERT name).",
                         flag_values=flag_values)
    flags.DEFINE_integer("seq_length", 128, "Default packed length of the preprocess "
                         "module.", flag_values=flag_values)


def export_run(model_dir, output, with_heads=False, seq_length=128):
    """Exports the latest checkpoint of a pretraining run as its family's modules.

    Args:
        model_dir: run folder written by `tfnlp.pretraining.pretrain`.
        output: output folder.
        with_heads: include the family's exported heads (e.g. `obj.mlm`).
        seq_length: default packed length of the preprocess module.

    Returns:
        dict of module paths (and `keras`, the native model dir), plus
        `step` and `family`.

    Example:

    >>> export_run("run", "hub", with_heads=True)   # doctest: +SKIP
    """
    from tfnlp.hub.export import check_export_settings, export_modules, is_export_dir
    from tfnlp.io import check_output_dir
    from tfnlp.pretraining.builder import load_run

    if isinstance(seq_length, bool) or not isinstance(seq_length, int) or seq_length < 3:
        raise TfnlpError(f"--seq_length must be an integer >= 3, got {seq_length!r}")
    check_output_dir(output, allowed=is_export_dir, what="an earlier tfnlp export")
    run = load_run(model_dir, seq_length=seq_length)
    heads = run.family.export_heads(run.pretrainer) if with_heads else None
    if with_heads and not heads:
        raise TfnlpError(f"{model_dir}: this {run.family.name} run has no head to export; "
                         "export without --with_heads")
    check_export_settings(run.family, run.backbone, heads, seq_length)

    def write_keras(path):
        # The native model dir beside the modules (with the exported heads'
        # weights), so `tfnlp pretrain --init_from=OUT` can continue from it.
        from tfnlp.io import portable_path
        from tfnlp.models.model_dir import save_model_dir

        save_model_dir(path, run.family.name, run.backbone, run.tokenizer,
                       pretrainer=run.family.checkpoint_model(run.pretrainer) if heads else None,
                       objective=run.config.resolved_objective(),
                       options=run.config.resolved_objective_options(),
                       source=f"tfnlp export of {portable_path(os.fspath(model_dir))} "
                              f"at step {run.step}")

    paths = export_modules(run.family, run.backbone, run.tokenizer, output, heads=heads,
                           seq_length=seq_length, extra_writers={"keras": write_keras})
    return dict(paths, step=run.step, family=run.family.name)


def run(flag_values):
    """Exports and prints one JSON line."""
    for name in ("model_dir", "output"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    result = export_run(flag_values.model_dir, flag_values.output,
                        with_heads=flag_values.with_heads or flag_values.with_mlm,
                        seq_length=flag_values.seq_length)
    print(json.dumps(result), flush=True)
    return 0
