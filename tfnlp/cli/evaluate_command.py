"""`tfnlp evaluate`: score a `tfnlp finetune` output on a labeled file.

Example:

    tfnlp evaluate --model=out --data=dev.jsonl

The last stdout line is the metrics JSON: classification `accuracy`,
`macro_f1`; ner `precision`, `recall`, `f1` (conlleval, percent); squad
`exact_match`, `f1` (official script, percent; v2.0 adds HasAns/NoAns).
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "score a fine-tuned model (tfnlp finetune --output) on a labeled file"


def define_flags(flag_values):
    """Defines `--model --data`."""
    flags.DEFINE_string("model", None, "The --output folder of tfnlp finetune.",
                        flag_values=flag_values)
    flags.DEFINE_string("data", None, "Labeled file in the task's format.",
                        flag_values=flag_values)


def run(flag_values):
    """Evaluates; prints one JSON line of metrics."""
    for name in ("model", "data"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    from tfnlp.tasks.saved_task import load_saved_task

    metrics = load_saved_task(flag_values.model).evaluate(flag_values.data)
    print(json.dumps(metrics), flush=True)
    return 0
