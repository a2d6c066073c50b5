import json

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import build_label_vocab, read_classification_jsonl


def jsonl(*records):
    return "\n".join(json.dumps(r) for r in records) + "\n"


def test_reads_texts_and_sorted_labels(write):
    path = write("train.jsonl", jsonl(
        {"text": "a gripping film", "label": "pos"},
        {"text": "dull and long", "label": "neg"},
        {"text": "it was fine", "label": "neutral"},
        {"text": "loved it", "label": "pos"},
    ) + "\n\n")
    data = read_classification_jsonl(path)
    assert data.texts == ["a gripping film", "dull and long", "it was fine", "loved it"]
    assert data.texts_b is None
    assert data.label_vocab == ["neg", "neutral", "pos"]
    assert data.label_ids.dtype == np.int32
    assert data.label_ids.tolist() == [2, 0, 1, 2]
    assert data.label_map == {"neg": 0, "neutral": 1, "pos": 2}
    assert data.num_labels == 3


def test_pairs_and_int_labels_sorted_numerically(write):
    path = write("pairs.jsonl", jsonl(
        {"text": "A man sleeps.", "text_b": "A person rests.", "label": 10},
        {"text": "A dog runs.", "text_b": "A cat sits.", "label": 2},
    ))
    data = read_classification_jsonl(path)
    assert data.texts_b == ["A person rests.", "A cat sits."]
    assert data.label_vocab == [2, 10]
    assert data.label_ids.tolist() == [1, 0]
    assert build_label_vocab([3, 1, 3]) == [1, 3]


def test_eval_reuses_train_label_map(write):
    train = read_classification_jsonl(write("t.jsonl", jsonl(
        {"text": "x", "label": "b"}, {"text": "y", "label": "a"}, {"text": "z", "label": "c"})))
    dev = read_classification_jsonl(write("d.jsonl", jsonl({"text": "w", "label": "c"})),
                                    label_map=train.label_map)
    assert dev.label_vocab == ["a", "b", "c"]
    assert dev.label_ids.tolist() == [2]
    by_list = read_classification_jsonl(write("d2.jsonl", jsonl({"text": "w", "label": "a"})),
                                        label_map=["c", "a"])
    assert by_list.label_ids.tolist() == [1]


def test_unseen_eval_labels_are_named(write):
    path = write("dev.jsonl", jsonl({"text": "w", "label": "zzz"}, {"text": "v", "label": "yyy"}))
    with pytest.raises(TfnlpError, match=r"dev\.jsonl: labels \['yyy', 'zzz'\] do not occur"):
        read_classification_jsonl(path, label_map={"a": 0})


@pytest.mark.parametrize("content, message", [
    ('{"text": "ok", "label": "a"}\n{"text": "broken", \n', r"bad\.jsonl:2: bad JSON"),
    ('{"text": "ok", "label": "a"}\n\n{"label": "a"}\n', r"bad\.jsonl:3: missing key 'text'"),
    ('{"text": "ok"}\n', r"bad\.jsonl:1: missing key 'label'"),
    ('{"text": 5, "label": "a"}\n', r"bad\.jsonl:1: 'text' must be a string, got int"),
    ('{"text": "x", "text_b": null, "label": "a"}\n', r"bad\.jsonl:1: 'text_b' must be a string"),
    ('{"text": "x", "label": true}\n', r"bad\.jsonl:1: 'label' must be a string or integer"),
    ('{"text": "x", "label": [1]}\n', r"bad\.jsonl:1: 'label' must be a string or integer"),
    ('["text", "label"]\n', r"bad\.jsonl:1: expected a JSON object, got list"),
    ('{"text": "x", "label": "a"}\n{"text": "y", "label": 1}\n',
     r"bad\.jsonl:2: label 1 is a int but earlier labels are strs"),
    ('{"text": "x", "label": "a"}\n{"text": "y", "text_b": "z", "label": "a"}\n',
     r"'text_b' appears on 1 of 2 records \(first at line 2\)"),
    ("", r"bad\.jsonl: empty file"),
    ("\n  \n", r"bad\.jsonl: empty file"),
])
def test_malformed_files(write, content, message):
    with pytest.raises(TfnlpError, match=message):
        read_classification_jsonl(write("bad.jsonl", content))


def test_non_utf8_names_line(write):
    path = write("latin1.jsonl", b'{"text": "ok", "label": "a"}\n{"text": "caf\xe9", "label": "a"}\n')
    with pytest.raises(TfnlpError, match=r"latin1\.jsonl:2: not valid UTF-8"):
        read_classification_jsonl(path)


def test_missing_file(tmp_path):
    with pytest.raises(TfnlpError, match="nope.jsonl: cannot read file"):
        read_classification_jsonl(str(tmp_path / "nope.jsonl"))


def test_bad_label_map(write):
    path = write("d.jsonl", jsonl({"text": "x", "label": "a"}))
    with pytest.raises(TfnlpError, match="without gaps"):
        read_classification_jsonl(path, label_map={"a": 0, "b": 2})
