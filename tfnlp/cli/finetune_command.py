"""`tfnlp finetune`: fine-tune an encoder on classification, NER or SQuAD.

Example:

    tfnlp finetune --encoder=hub/encoder --task=classification \\
        --train=train.jsonl --eval=dev.jsonl --output=out --schedule=ulmfit

Progress goes to stderr; the last stdout line is JSON with the eval metrics,
`train_loss`, `output` and `seconds`. See `tfnlp.tasks.runner` for the
output folder.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError
from tfnlp.precision import DTYPES

SUMMARY = "fine-tune an encoder (model dir or TF-Hub module) on classification, ner or squad"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {
    "lr_factor": "(0, inf)", "epochs": "[1, inf)", "batch_size": "[1, inf)",
    "learning_rate": "(0, inf)", "seq_length": "[8, inf)", "dropout": "[0, 1)",
    "seed": "[0, inf)", "doc_stride": "[1, inf)", "max_query_length": "[1, inf)",
}


def define_flags(flag_values):
    """Defines the finetune flags on `flag_values`."""
    f = flag_values
    flags.DEFINE_string("encoder", None, "tfnlp model dir (pretrain run, import output, "
                        "keras/ dir) or TF-Hub encoder module (any family).", flag_values=f)
    flags.DEFINE_enum("task", None, ["classification", "ner", "squad"],
                      "Task: classification (JSONL text[/text_b]/label), ner (CoNLL), "
                      "squad (SQuAD v1.1/v2.0 JSON).", flag_values=f)
    flags.DEFINE_string("train", None, "Training file.", flag_values=f)
    flags.DEFINE_string("eval", None, "Eval file (optional); metrics are printed and "
                        "saved in OUT/task.json.", flag_values=f)
    flags.DEFINE_string("output", None, "Output folder (replaced atomically at the end).",
                        flag_values=f)
    flags.DEFINE_enum("schedule", "linear", ["linear", "ulmfit"],
                      "linear: AdamW, 10% warmup, linear decay. ulmfit: discriminative "
                      "LRs (/2.6 per layer down), slanted triangular LR, gradual "
                      "unfreezing.", flag_values=f)
    flags.DEFINE_float("lr_factor", 2.6, "ulmfit: learning-rate ratio between "
                       "neighbouring layer groups (1 = same rate for all).", flag_values=f)
    flags.DEFINE_string("unfreeze_every", "auto", "ulmfit: auto (a group per epoch, or "
                        "spread over the run when epochs < groups), epoch, none, or a "
                        "number of steps.", flag_values=f)
    flags.DEFINE_integer("epochs", 3, "Training epochs.", flag_values=f)
    flags.DEFINE_integer("batch_size", 32, "Batch size.", flag_values=f)
    flags.DEFINE_float("learning_rate", None, "Peak learning rate (default 5e-5; 3e-3, the "
                       "head's peak, with --schedule=ulmfit; 1e-3 with --mode=feature).",
                       flag_values=f)
    flags.DEFINE_integer("seq_length", None, "Packed length (default 128; 384 for squad).",
                         flag_values=f)
    flags.DEFINE_enum("mode", "finetune", ["finetune", "feature"],
                      "finetune: train the whole encoder. feature: frozen encoder, "
                      "ELMo scalar mix of its layers + a small task network.", flag_values=f)
    flags.DEFINE_enum("task_network", "bilstm", ["bilstm", "dense"],
                      "Task network of --mode=feature.", flag_values=f)
    flags.DEFINE_float("dropout", 0.1, "Dropout before the head.", flag_values=f)
    flags.DEFINE_enum("pooling", None, ["pooled", "first", "last", "mean"],
                      "classification: pooled (the family's own pooled_output: [CLS] "
                      "tanh for BERT, last token for GPT-2, ...), first / last real "
                      "token or mean of the sequence output. Default: the family's.",
                      flag_values=f)
    flags.DEFINE_integer("seed", 0, "Random seed.", flag_values=f)
    flags.DEFINE_enum("dtype", "float32", list(DTYPES),
                      "Training precision: float32, mixed_bfloat16 (float32 variables, "
                      "bfloat16 compute) or bfloat16. The serving model's outputs stay "
                      "float32.", flag_values=f)
    flags.DEFINE_integer("doc_stride", None, "squad: window stride in pieces "
                         "(default seq_length // 3).", flag_values=f)
    flags.DEFINE_integer("max_query_length", None, "squad: question pieces kept "
                         "(default seq_length // 6).", flag_values=f)
    flags.DEFINE_boolean("jit_compile", None, "XLA-compile the train step (default: on "
                         "for runs of 100k+ tokens, steps x batch x seq_length, on a "
                         "native encoder, not a TF-Hub module; a step XLA refuses "
                         "trains uncompiled). --nojit_compile: off.", flag_values=f)


def run(flag_values):
    """Runs the fine-tuning; prints one JSON line of results."""
    for name in ("encoder", "task", "train", "output"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    names = ("encoder", "task", "train", "output", "eval", "schedule", "lr_factor",
             "unfreeze_every", "epochs",
             "batch_size", "learning_rate", "seq_length", "mode", "task_network",
             "dropout", "pooling", "seed", "doc_stride", "max_query_length", "jit_compile",
             "dtype")
    config = FinetuneConfig(**{n: flag_values[n].value for n in names})
    print(json.dumps(finetune(config)), flush=True)
    return 0
