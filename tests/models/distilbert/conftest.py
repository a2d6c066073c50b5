"""Shared fixtures: the ELECTRA tests' corpus and vocab, a small BERT teacher."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "electra"))
from corpus_helpers import vocab_tokens, write_corpus  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.txt")


@pytest.fixture(scope="session")
def vocab_file(tmp_path_factory):
    from tfnlp.text.vocab import write_vocab

    return write_vocab(vocab_tokens(), tmp_path_factory.mktemp("vocab") / "vocab.txt")
