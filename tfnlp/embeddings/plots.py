"""A PNG picture of word vectors: PCA to 2-D, labels, analogy offsets as arrows.

Drawn with matplotlib's Agg canvas directly (no GUI, no global backend
change). The principal axes come from the chosen words' own vectors, so
the picture shows how *they* spread; each analogy `a:b` pair is drawn as an
arrow from `a` to `b` (parallel arrows are the "king - man + woman" story).

Example:

>>> plot_words(vectors, ["king", "queen", "man", "woman"],
...            offsets=[("man", "king"), ("woman", "queen")], output="words.png")  # doctest: +SKIP
'words.png'
"""

import os

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write


def pca_2d(matrix):
    """Projects rows onto their first two principal axes.

    Returns:
        float `[n, 2]`, plus the fraction of variance the two axes explain.
    """
    matrix = np.asarray(matrix, np.float64)
    centered = matrix - matrix.mean(axis=0, keepdims=True)
    _, singular, axes = np.linalg.svd(centered, full_matrices=False)
    points = centered @ axes[:2].T
    if points.shape[1] < 2:
        points = np.pad(points, [(0, 0), (0, 2 - points.shape[1])])
    total = float((singular ** 2).sum())
    explained = float((singular[:2] ** 2).sum()) / total if total > 0 else 0.0
    return points, explained


def plot_words(vectors, words, offsets=(), output="embeddings.png", title=None, dpi=120):
    """Writes a PNG of `words` (and the arrows of `offsets`) in PCA coordinates.

    Args:
        vectors: `WordVectors`.
        words: words to show (at least 2); the offset words are added.
        offsets: `(a, b)` pairs drawn as arrows a -> b.
        output: PNG path (written atomically).
        title: figure title (default: the share of variance shown).
        dpi: resolution.

    Returns:
        str, the path.

    Raises:
        TfnlpError: fewer than 2 words, or a word not in the vocabulary (named).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = []
    for word in list(words) + [w for pair in offsets for w in pair]:
        if word not in shown:
            shown.append(word)
    if len(shown) < 2:
        raise TfnlpError("plot at least 2 words (--words=a,b,...)")
    rows = [vectors.index_of(w) for w in shown]  # names an unknown word
    points, explained = pca_2d(vectors.normalized()[rows])
    where = dict(zip(shown, points))
    figure = Figure(figsize=(7, 6))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    axes.scatter(points[:, 0], points[:, 1], s=18, color="#1f77b4")
    for word, (x, y) in where.items():
        axes.annotate(word, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=10)
    palette = ["#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
    for number, (a, b) in enumerate(offsets):
        start, end = where[a], where[b]
        axes.annotate("", xy=end, xytext=start,
                      arrowprops={"arrowstyle": "->", "color": palette[number % len(palette)],
                                  "lw": 1.5})
    axes.set_title(title or f"PCA of {len(shown)} words ({100 * explained:.0f}% of variance)")
    axes.set_xlabel("PC 1")
    axes.set_ylabel("PC 2")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    if os.path.dirname(os.path.abspath(output)):
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    return atomic_write(output, lambda f: figure.savefig(f, format="png", dpi=dpi),
                        binary=True)
