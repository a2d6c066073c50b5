"""Sentence (pair) classification data: JSONL reader and label vocabulary.

File format, one JSON object per line:
`{"text": str, "text_b": str (optional), "label": str | int}`.
"""

import dataclasses
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.io import read_jsonl

Label = Union[str, int]


@dataclasses.dataclass
class ClassificationData:
    """Texts and integer labels read from one JSONL file.

    Attributes:
      texts: the `text` field of each record.
      texts_b: the `text_b` field of each record, or None when no record has it.
      label_ids: int32 array `[num_records]`, indexes into `label_vocab`.
      label_vocab: the label of each id, sorted (numbers numerically).
    """

    texts: list
    texts_b: Optional[list]
    label_ids: np.ndarray
    label_vocab: list

    @property
    def label_map(self):
        """Dict label → id; pass it to `read_classification_jsonl` for eval."""
        return {label: i for i, label in enumerate(self.label_vocab)}

    @property
    def num_labels(self):
        return len(self.label_vocab)


def build_label_vocab(labels):
    """Sorted, de-duplicated list of labels (all str or all int).

    Args:
      labels: iterable of str or int labels.

    Returns:
      A sorted list; the position of a label is its id.

    Example:
      >>> build_label_vocab(["pos", "neg", "pos"])
      ['neg', 'pos']
    """
    return sorted(set(labels))


def _as_label_map(label_map):
    if isinstance(label_map, Mapping):
        ids = sorted(label_map.values())
        if ids != list(range(len(ids))):
            raise TfnlpError(f"label_map ids must be 0..{len(ids) - 1} without gaps, got {ids}")
        return dict(label_map)
    return {label: i for i, label in enumerate(label_map)}


def read_classification_jsonl(path, label_map: Optional[Union[Mapping, Sequence]] = None):
    """Read a classification JSONL file.

    Args:
      path: the JSONL file.
      label_map: None to build the label vocabulary from this file (training
        data), or the `label_map` / `label_vocab` of the training data to reuse
        its ids (eval data). Labels missing from it are an error.

    Returns:
      A `ClassificationData`.

    Raises:
      TfnlpError: malformed file or record (message names file and line),
        labels that mix str and int, `text_b` on some records only, or eval
        labels unseen in `label_map` (message names them).

    Example:
      >>> train = read_classification_jsonl("train.jsonl")  # doctest: +SKIP
      >>> dev = read_classification_jsonl("dev.jsonl", label_map=train.label_map)  # doctest: +SKIP
    """
    texts, texts_b, labels, lines_b = [], [], [], []
    label_kind = None
    for number, record in read_jsonl(path):
        for key in ("text", "label"):
            if key not in record:
                raise TfnlpError(f"{path}:{number}: missing key {key!r} (keys: {sorted(record)})")
        text = record["text"]
        if not isinstance(text, str):
            raise TfnlpError(f"{path}:{number}: 'text' must be a string, got {type(text).__name__}")
        label = record["label"]
        if isinstance(label, bool) or not isinstance(label, (str, int)):
            raise TfnlpError(
                f"{path}:{number}: 'label' must be a string or integer, got {label!r}"
            )
        kind = type(label)
        if label_kind is None:
            label_kind = kind
        elif kind is not label_kind:
            raise TfnlpError(
                f"{path}:{number}: label {label!r} is a {kind.__name__} but earlier labels are "
                f"{label_kind.__name__}s; use one type for all labels"
            )
        if "text_b" in record:
            text_b = record["text_b"]
            if not isinstance(text_b, str):
                raise TfnlpError(
                    f"{path}:{number}: 'text_b' must be a string, got {type(text_b).__name__}"
                )
            texts_b.append(text_b)
            lines_b.append(number)
        texts.append(text)
        labels.append(label)
    if texts_b and len(texts_b) != len(texts):
        raise TfnlpError(
            f"{path}: 'text_b' appears on {len(texts_b)} of {len(texts)} records "
            f"(first at line {lines_b[0]}); give it to all records or to none"
        )
    if label_map is None:
        label_map = {label: i for i, label in enumerate(build_label_vocab(labels))}
    else:
        label_map = _as_label_map(label_map)
        unseen = sorted(set(labels) - set(label_map), key=str)
        if unseen:
            raise TfnlpError(
                f"{path}: labels {unseen} do not occur in the training labels "
                f"{sorted(label_map, key=str)}; fix the labels or train with them"
            )
    vocab = [None] * len(label_map)
    for label, i in label_map.items():
        vocab[i] = label
    label_ids = np.asarray([label_map[label] for label in labels], dtype=np.int32)
    return ClassificationData(
        texts=texts, texts_b=texts_b or None, label_ids=label_ids, label_vocab=vocab
    )
