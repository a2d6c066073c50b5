"""`tfnlp score`: multiple choice by LM likelihood with a GPT-2 model dir.

Examples:

    tfnlp score --model=run/keras --context="The capital of France is" \\
        --choice=" Paris" --choice=" Rome"
    tfnlp score --model=run/keras --input=cloze.jsonl

`--input` is JSONL, one `{"context": str, "choices": [str, ...], "label": int}`
per line (`label` optional); the result gives the accuracy of the summed and
of the length-normalised log-likelihood, beside chance. The last stdout
line is JSON.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "score candidate continuations by GPT-2 log-likelihood (zero-shot multiple choice)"


def define_flags(flag_values):
    """Defines `--model --context --choice --input`."""
    flags.DEFINE_string("model", None, "A tfnlp model dir of the gpt2 family.",
                        flag_values=flag_values)
    flags.DEFINE_string("context", "", "The context the choices continue.",
                        flag_values=flag_values)
    flags.DEFINE_multi_string("choice", [], "A candidate continuation (repeat the flag; "
                              "give the leading space it reads with).",
                              flag_values=flag_values)
    flags.DEFINE_string("input", None, "JSONL of {context, choices, label} questions.",
                        flag_values=flag_values)


def run(flag_values):
    """Scores and prints one JSON line."""
    if not flag_values.model:
        raise TfnlpError("missing --model")
    if bool(flag_values.input) == bool(flag_values.choice):
        raise TfnlpError("give either --choice (one question) or --input (a JSONL file)")
    from tfnlp.cli.generate_command import load_gpt2
    from tfnlp.models.gpt2.zero_shot import score_choices

    model = load_gpt2(flag_values.model)
    if flag_values.choice:
        scores = score_choices(model.backbone, model.tokenizer, flag_values.context,
                               list(flag_values.choice))
        scores["best_choice"] = flag_values.choice[scores["best"]]
        scores["best_normalized_choice"] = flag_values.choice[scores["best_normalized"]]
        print(json.dumps(scores), flush=True)
        return 0
    from tfnlp.io import read_jsonl

    right = right_normalized = labeled = chance = 0
    predictions = []
    for number, record in read_jsonl(flag_values.input):
        choices = record.get("choices")
        if not isinstance(choices, list) or not choices or \
                not all(isinstance(c, str) for c in choices):
            raise TfnlpError(f"{flag_values.input}:{number}: 'choices' must be a non-empty "
                             "list of strings")
        scores = score_choices(model.backbone, model.tokenizer,
                               str(record.get("context", "")), choices)
        predictions.append((scores["best"], scores["best_normalized"]))
        label = record.get("label")
        if label is not None:
            if not isinstance(label, int) or not 0 <= label < len(choices):
                raise TfnlpError(f"{flag_values.input}:{number}: 'label' must index "
                                 "'choices'")
            labeled += 1
            right += scores["best"] == label
            right_normalized += scores["best_normalized"] == label
            chance += 1.0 / len(choices)
    result = {"questions": len(predictions), "labeled": labeled}
    if labeled:
        result.update(accuracy=right / labeled, accuracy_normalized=right_normalized / labeled,
                      chance=chance / labeled)
    print(json.dumps(result), flush=True)
    return 0
