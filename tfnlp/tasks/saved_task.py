"""A finished `tfnlp finetune` output, loaded for `evaluate` and `predict`.

Reads `OUT/task.json` and runs the `serve_ids` (or, for an encoder with
other inputs, `serve_features`) signature of `OUT/serving`
on features made with the saved tokenizer (`OUT/tokenizer/`, loaded by the
recorded family) and settings, so scores and predictions come from exactly
the exported model.

Example:

>>> saved = load_saved_task("out")                          # doctest: +SKIP
>>> saved.evaluate("dev.jsonl")["accuracy"]                 # doctest: +SKIP
0.91
>>> saved.predict_texts(["a fine film"])[0]["label"]        # doctest: +SKIP
'pos'
"""

import os

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.io import read_json
from tfnlp.tasks.runner import FORMAT, TASK_FILE
from tfnlp.tasks.task_registry import make_task

BATCH = 64


class SavedTask:
    """The task object plus the serving model of a finetune output.

    Args:
        path: the output folder.
        info: the parsed task.json.

    Example:

    >>> SavedTask("out", read_json("out/task.json"))   # doctest: +SKIP
    """

    def __init__(self, path, info):
        import tensorflow as tf
        import tensorflow_text  # noqa: F401  (the serving model holds tf-text ops)

        self.path = path
        self.info = info
        self.task = make_task(info["task"], saved_tokenizer(path, info),
                              int(info["seq_length"]), meta=info["task_meta"])
        serving = os.path.join(path, info["serving"])
        try:
            self._serving = tf.saved_model.load(serving)
        except (OSError, ValueError) as e:
            raise TfnlpError(f"{serving}: cannot load the serving model ({e})") from e
        signatures = self._serving.signatures
        if "serve_ids" in signatures:
            self._serve, self._features = signatures["serve_ids"], False
        elif "serve_features" in signatures:
            self._serve, self._features = signatures["serve_features"], True
        else:
            raise TfnlpError(f"{serving}: no 'serve_ids' signature; re-run tfnlp finetune.")

    def outputs(self, split):
        """Runs the serving model over a split's inputs in batches.

        Args:
            split: a `TaskSplit`.

        Returns:
            dict output name -> numpy array.
        """
        import tensorflow as tf

        parts = {}
        names = list(self._serve.structured_input_signature[1]) if self._features else None
        for start in range(0, split.size, BATCH):
            chunk = {k: tf.constant(v[start:start + BATCH]) for k, v in split.x.items()}
            if self._features:
                result = self._serve(**{k: chunk[k] for k in names})
            else:
                result = self._serve(input_word_ids=chunk["token_ids"],
                                     input_mask=chunk["padding_mask"],
                                     input_type_ids=chunk["segment_ids"])
            for k, v in result.items():
                parts.setdefault(k, []).append(v.numpy())
        return {k: np.concatenate(v) for k, v in parts.items()}

    def evaluate(self, data_path):
        """Metrics of the saved model on a labeled file.

        Args:
            data_path: a file in the task's format.

        Returns:
            dict of metrics (see the task's `score`).
        """
        split = self.task.read_eval(data_path)
        return self.task.score(split, self.outputs(split))

    def predict_texts(self, texts, texts_b=None):
        """Predictions for raw inputs.

        Args:
            texts: list of str (sentences, or SQuAD questions).
            texts_b: list of str or None (pair texts, or SQuAD contexts).

        Returns:
            list of dict, one per input.
        """
        split = self.task.read_inputs(texts, texts_b)
        return self.task.predictions(split, self.outputs(split))

    def predict_file(self, path):
        """Predictions for every input in a file (see the task's `read_input_file`).

        Args:
            path: the input file.

        Returns:
            list of dict.
        """
        split = self.task.read_input_file(path)
        return self.task.predictions(split, self.outputs(split))


def saved_tokenizer(path, info):
    """The family tokenizer a finetune output recorded.

    Args:
        path: the output folder.
        info: its parsed task.json (`family`, `tokenizer` folder,
            `lower_case`).

    Returns:
        a `tfnlp.text.tokenizer.Tokenizer`.
    """
    from tfnlp.models.registry import get_family

    for key in ("family", "tokenizer"):
        if key not in info:
            raise TfnlpError(f"{os.path.join(path, TASK_FILE)}: no {key!r}; re-run "
                             "tfnlp finetune with this version of tfnlp.")
    from tfnlp.text.string_inputs import StringInputs

    if info.get("tokenizer_kind") == StringInputs.kind:  # a text-embedding module
        return StringInputs(seq_length=int(info["seq_length"]))
    return get_family(info["family"]).load_tokenizer(
        os.path.join(path, info["tokenizer"]), lower_case=info.get("lower_case"),
        seq_length=int(info["seq_length"]))


def load_saved_task(path):
    """Loads a `tfnlp finetune` output folder.

    Args:
        path: the folder (holding task.json and serving/).

    Returns:
        A `SavedTask`.

    Raises:
        TfnlpError: not a finetune output.
    """
    task_file = os.path.join(path, TASK_FILE)
    if not os.path.isfile(task_file):
        raise TfnlpError(f"--model={path}: no {TASK_FILE}; pass the --output folder of "
                         "tfnlp finetune.")
    info = check_task_info(read_json(task_file, "finetune task"), task_file)
    try:
        return SavedTask(path, info)
    except (TypeError, ValueError, KeyError, AttributeError) as e:
        if isinstance(e, TfnlpError):
            raise
        raise TfnlpError(f"{task_file}: its task_meta does not fit a {info['task']} task "
                         f"({type(e).__name__}: {e})") from None


JSON_TYPE_NAMES = {int: "integer", str: "string", dict: "object"}
# The keys every task.json holds, and their JSON types.
TASK_KEYS = {"task": str, "seq_length": int, "family": str, "tokenizer": str,
             "serving": str, "task_meta": dict}


def check_task_info(info, task_file):
    """Checks a parsed task.json before anything is built from it.

    Args:
        info: the parsed JSON object.
        task_file: its path, for messages.

    Returns:
        `info`.

    Raises:
        TfnlpError: not a tfnlp task file, a missing key, or a value of the
            wrong type (naming the file and the key).
    """
    if info.get("format") != FORMAT:
        raise TfnlpError(f"{task_file}: not a tfnlp finetune task file")
    for key, kind in TASK_KEYS.items():
        if key not in info:
            raise TfnlpError(f"{task_file}: no {key!r}; re-run tfnlp finetune with this "
                             "version of tfnlp.")
        value = info[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise TfnlpError(f"{task_file}: {key!r} must be a JSON "
                             f"{JSON_TYPE_NAMES[kind]}, got {value!r}")
    if info["seq_length"] < 2:
        raise TfnlpError(f"{task_file}: 'seq_length' must be >= 2, got {info['seq_length']}")
    return info
