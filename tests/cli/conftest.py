"""Fixtures for the CLI tests: a small slice of real English text."""

import pytest
from corpus_slices import write_wordnet_slice


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    """The first 150 documents of the embedded WordNet corpus (real English)."""
    return str(write_wordnet_slice(tmp_path_factory.mktemp("corpus") / "wordnet_150.txt", num_docs=150))
