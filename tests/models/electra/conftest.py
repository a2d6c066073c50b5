"""Shared fixtures: a tiny patterned corpus, its word-level vocab."""

import pytest

from corpus_helpers import vocab_tokens, write_corpus


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.txt")


@pytest.fixture(scope="session")
def vocab_file(tmp_path_factory):
    from tfnlp.text.vocab import write_vocab

    return write_vocab(vocab_tokens(), tmp_path_factory.mktemp("vocab") / "vocab.txt")
