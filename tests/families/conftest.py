"""Fixtures of the shared family harness: a real corpus and a scratch folder."""

import pytest
from corpus_slices import write_wordnet_slice


@pytest.fixture(scope="session")
def harness_corpus(tmp_path_factory):
    """The first 200 multi-sentence documents of the WordNet corpus (real English)."""
    return str(write_wordnet_slice(
        tmp_path_factory.mktemp("harness_corpus") / "wordnet_200.txt", num_docs=200, min_sentences=2))


@pytest.fixture(scope="session")
def harness_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("families"))
