"""Sentence (pair) classification as a fine-tuning task: JSONL in, accuracy out.

Text is tokenized and packed with the encoder's family `Tokenizer`
(`tokenize` + `pack`), the same in-graph preprocessing the serving model
runs, so training and serving see identical ids.

Example:

>>> task = ClassificationTask(source.tokenizer, seq_length=128)  # doctest: +SKIP
>>> train = task.read_train("train.jsonl")     # sets task.label_vocab   # doctest: +SKIP
"""

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.io import read_jsonl
from tfnlp.tasks.classification_data import read_classification_jsonl
from tfnlp.tasks.classification_metrics import accuracy, macro_f1
from tfnlp.tasks.task_split import TaskSplit

BATCH = 512


class ClassificationTask:
    """JSONL `{"text", ["text_b"], "label"}` → logits over the training labels.

    Args:
        tokenizer: the encoder's family `Tokenizer`.
        seq_length: packed length.
        meta: optional dict from `meta` (a saved task), restoring the labels.

    Example:

    >>> task.read_eval("dev.jsonl")      # doctest: +SKIP
    """

    name = "classification"

    def __init__(self, tokenizer, seq_length, meta=None):
        self.tokenizer = tokenizer
        self.seq_length = seq_length
        self.label_vocab = list(meta["labels"]) if meta else None
        self.text_pairs = bool(meta.get("text_pairs")) if meta else None

    @property
    def num_labels(self):
        """int: number of classes (after `read_train` or from `meta`)."""
        return len(self.label_vocab)

    @property
    def meta(self):
        """dict saved in task.json: `labels`, `text_pairs`."""
        return {"labels": list(self.label_vocab), "text_pairs": bool(self.text_pairs)}

    def encode(self, texts, texts_b=None):
        """Packs texts (and optional second segments) into model inputs.

        Args:
            texts: list of str.
            texts_b: list of str or None.

        Returns:
            dict of int32 arrays `[N, seq_length, ...]`: every key the
            tokenizer packs.
        """
        import tensorflow as tf

        parts = {}
        for start in range(0, len(texts), BATCH):
            segments = [self.tokenizer.tokenize(tf.constant(texts[start:start + BATCH]))]
            if texts_b is not None:
                segments.append(self.tokenizer.tokenize(
                    tf.constant(texts_b[start:start + BATCH])))
            packed = self.tokenizer.pack(segments, self.seq_length)
            for k, v in packed.items():
                parts.setdefault(k, []).append(np.asarray(v))
        return {k: np.concatenate(v) if v[0].dtype == object  # strings (StringInputs)
                else np.concatenate(v).astype(np.int32) for k, v in parts.items()}

    def _split(self, data):
        x = self.encode(data.texts, data.texts_b)
        return TaskSplit(x=x, y={"logits": data.label_ids}, extra=data)

    def read_train(self, path):
        """Reads training data and fixes the label vocabulary.

        Args:
            path: JSONL file.

        Returns:
            A `TaskSplit`.
        """
        data = read_classification_jsonl(path)
        if data.num_labels < 2:
            raise TfnlpError(f"{path}: only one label ({data.label_vocab[0]!r}); "
                             "classification needs at least two.")
        self.label_vocab = list(data.label_vocab)
        self.text_pairs = data.texts_b is not None
        return self._split(data)

    def read_eval(self, path):
        """Reads labeled eval data with the training label ids.

        Args:
            path: JSONL file.

        Returns:
            A `TaskSplit`.

        Raises:
            TfnlpError: labels unseen in training (from the reader), or
                text pairs where training had single texts (or back).
        """
        data = read_classification_jsonl(path, label_map=self.label_vocab)
        self._check_pairs(path, data.texts_b is not None)
        return self._split(data)

    def _check_pairs(self, where, has_b):
        if has_b != self.text_pairs:
            raise TfnlpError(
                f"{where}: the training data had {'text pairs' if self.text_pairs else 'single texts'}"
                f" but this has {'text_b' if has_b else 'no text_b'}; give both the same fields.")

    def losses(self):
        """dict output -> Keras loss."""
        import keras

        return {"logits": keras.losses.SparseCategoricalCrossentropy(from_logits=True)}

    def score(self, split, outputs):
        """Accuracy and macro-F1 of the logits.

        Args:
            split: from `read_eval`.
            outputs: dict with `logits` `[N, num_labels]`.

        Returns:
            dict `accuracy`, `macro_f1`, `examples`.
        """
        predicted = np.asarray(outputs["logits"]).argmax(-1)
        gold = split.extra.label_ids
        return {"accuracy": accuracy(gold, predicted),
                "macro_f1": macro_f1(gold, predicted, labels=list(range(self.num_labels))),
                "examples": int(len(gold))}

    def read_inputs(self, texts, texts_b=None):
        """Unlabeled inputs for prediction.

        Args:
            texts: list of str.
            texts_b: list of str or None.

        Returns:
            A `TaskSplit` whose `extra` is the list of input records.
        """
        self._check_pairs("the prediction input", texts_b is not None)
        records = [{"text": t} for t in texts]
        if texts_b is not None:
            for record, b in zip(records, texts_b):
                record["text_b"] = b
        return TaskSplit(x=self.encode(texts, texts_b), extra=records)

    def read_input_file(self, path):
        """Prediction input from a JSONL file (`text`, optional `text_b`).

        Args:
            path: JSONL file; a `label` field, if any, is ignored.

        Returns:
            A `TaskSplit`.
        """
        texts, texts_b = [], []
        for number, record in read_jsonl(path):
            if not isinstance(record.get("text"), str):
                raise TfnlpError(f"{path}:{number}: needs a string 'text'")
            texts.append(record["text"])
            if self.text_pairs:
                if not isinstance(record.get("text_b"), str):
                    raise TfnlpError(f"{path}:{number}: the model takes text pairs; "
                                     "give a string 'text_b'")
                texts_b.append(record["text_b"])
        return self.read_inputs(texts, texts_b if self.text_pairs else None)

    def predictions(self, split, outputs):
        """One dict per input: `label`, `label_id`, `probabilities`.

        Args:
            split: from `read_inputs` / `read_input_file`.
            outputs: dict with `logits`.

        Returns:
            list of dict.
        """
        logits = np.asarray(outputs["logits"], dtype=np.float64)
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        out = []
        for record, p in zip(split.extra, probs):
            best = int(p.argmax())
            out.append(dict(record, label=self.label_vocab[best], label_id=best,
                            probabilities={str(lab): round(float(v), 6)
                                           for lab, v in zip(self.label_vocab, p)}))
        return out
