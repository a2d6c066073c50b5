"""Projector files and the PCA plot."""

import numpy as np
import pytest

from tfnlp.embeddings.plots import pca_2d, plot_words
from tfnlp.embeddings.projector import export_projector
from tfnlp.embeddings.vectors import WordVectors
from tfnlp.errors import TfnlpError


@pytest.fixture(scope="module")
def vectors():
    rng = np.random.default_rng(1)
    words = ["king", "queen", "man", "woman", "apple", "pear"]
    return WordVectors(words, rng.normal(size=(6, 8)), counts=[9, 8, 7, 6, 5, 4])


def test_projector_files(vectors, tmp_path):
    paths = export_projector(vectors, str(tmp_path / "proj"), max_words=4)
    rows = [line.split("\t") for line in open(paths["tensors"]).read().splitlines()]
    assert len(rows) == 4 and all(len(r) == 8 for r in rows)
    np.testing.assert_allclose(np.array(rows, float), vectors.matrix[:4], rtol=1e-5)
    assert open(paths["metadata"]).read().splitlines() == [
        "word\tcount", "king\t9", "queen\t8", "man\t7", "woman\t6"]
    config = open(paths["config"]).read()
    assert 'tensor_path: "tensors.tsv"' in config and 'metadata_path: "metadata.tsv"' in config


def test_pca_and_plot(vectors, tmp_path, glove):
    points, explained = pca_2d(vectors.matrix)
    assert points.shape == (6, 2) and 0 < explained <= 1
    path = plot_words(glove, ["king", "queen", "man", "woman", "prince", "princess"],
                      offsets=[("man", "king"), ("woman", "queen")],
                      output=str(tmp_path / "plot.png"))
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10000
    with pytest.raises(TfnlpError, match="'zzzz' is not in the vocabulary"):
        plot_words(vectors, ["king", "zzzz"], output=str(tmp_path / "x.png"))
    with pytest.raises(TfnlpError, match="at least 2 words"):
        plot_words(vectors, ["king"], output=str(tmp_path / "x.png"))
