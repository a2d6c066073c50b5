"""`tfnlp predict`: run a `tfnlp finetune` output on new text.

Examples:

    tfnlp predict --model=out --text="a fine film"
    tfnlp predict --model=ner_out --text="John lives in Paris ."
    tfnlp predict --model=qa_out --text="Where is it?" --text_b="It is in Paris."
    tfnlp predict --model=out --input=inputs.jsonl

Prints one JSON object per input, one per line:
classification `label`, `label_id`, `probabilities`; ner `words`, `tags`,
`entities`; squad `answer`, `probability` ("" = no answer, v2.0).
`--input`: classification JSONL (`text`, `text_b`); ner one sentence per
line (or a `.conll` file); squad a SQuAD JSON file.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "predict with a fine-tuned model (tfnlp finetune --output) on text or a file"


def define_flags(flag_values):
    """Defines `--model --text --text_b --input`."""
    f = flag_values
    flags.DEFINE_string("model", None, "The --output folder of tfnlp finetune.", flag_values=f)
    flags.DEFINE_multi_string("text", None, "Input text (repeatable); the question "
                              "for squad.", flag_values=f)
    flags.DEFINE_multi_string("text_b", None, "Second text per --text: the pair "
                              "segment, or the context for squad.", flag_values=f)
    flags.DEFINE_string("input", None, "File of inputs instead of --text.", flag_values=f)


def run(flag_values):
    """Predicts; prints one JSON line per input."""
    if not flag_values.model:
        raise TfnlpError("missing --model")
    texts, texts_b, path = flag_values.text, flag_values.text_b, flag_values.input
    if bool(texts) == bool(path):
        raise TfnlpError("give either --text (with --text_b if needed) or --input")
    if texts_b and len(texts_b) != len(texts):
        raise TfnlpError(f"{len(texts)} --text but {len(texts_b)} --text_b; give one each")
    from tfnlp.tasks.saved_task import load_saved_task

    saved = load_saved_task(flag_values.model)
    rows = (saved.predict_file(path) if path
            else saved.predict_texts(list(texts), list(texts_b) if texts_b else None))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False), flush=True)
    return 0
