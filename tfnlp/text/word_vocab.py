"""Word vocabularies for word-level models (word2vec, GloVe, text embeddings).

Words are what `tfnlp.text.words.split_words` cuts (the one shared rule);
a vocabulary keeps the words seen at least `min_count` times, most frequent
first (ties in byte order), at most `max_vocab` of them. Stored as two
files: `vocab.txt` (one word per line, in id order) and `counts.txt` (the
corpus count of each, same order).

Example:

>>> vocab = learn_word_vocab("corpus.txt", min_count=5)      # doctest: +SKIP
>>> vocab.save("run/tokenizer")                               # doctest: +SKIP
>>> WordVocab.load("run/tokenizer").words[:3]                 # doctest: +SKIP
['the', ',', 'of']
"""

import collections
import os

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_text
from tfnlp.text.corpus import iter_lines

VOCAB_FILE = "vocab.txt"
COUNTS_FILE = "counts.txt"


def iter_line_batches(files, batch_lines=4096, max_lines=None):
    """Yields lists of non-blank corpus lines (at most `batch_lines` each).

    Args:
        files: corpus path(s) (see `tfnlp.text.corpus.expand_files`).
        batch_lines: lines per list.
        max_lines: stop after this many non-blank lines.
    """
    batch, seen = [], 0
    for line in iter_lines(files):
        if not line:
            continue
        batch.append(line)
        seen += 1
        if len(batch) >= batch_lines:
            yield batch
            batch = []
        if max_lines and seen >= max_lines:
            break
    if batch:
        yield batch


def count_words(files, lower_case=True, max_lines=None, batch_lines=4096):
    """Counts the words of a corpus, split in-graph by `split_words`.

    Args:
        files: corpus path(s).
        lower_case: lower-case first.
        max_lines: read at most this many non-blank lines.
        batch_lines: lines split per TF call.

    Returns:
        `collections.Counter` of str -> int.
    """
    import tensorflow as tf

    from tfnlp.text.words import split_words

    counts = collections.Counter()
    for batch in iter_line_batches(files, batch_lines, max_lines):
        words = split_words(tf.constant(batch), lower_case=lower_case).flat_values.numpy()
        counts.update(words.tolist())
    return collections.Counter({w.decode("utf-8"): n for w, n in counts.items()})


class WordVocab:
    """A word list in id order with corpus counts.

    Args:
        words: list of str (no repeats, no white space).
        counts: list of int, one per word.
        lower_case: whether the words were lower-cased.

    Example:

    >>> v = WordVocab.from_counts({"a": 3, "b": 1, "c": 3}, min_count=2)
    >>> v.words, v.counts
    (['a', 'c'], [3, 3])
    """

    def __init__(self, words, counts, lower_case=True):
        if len(words) != len(counts):
            raise TfnlpError(f"word vocabulary: {len(words)} words but {len(counts)} counts")
        if len(set(words)) != len(words):
            seen = set()
            repeat = next(w for w in words if w in seen or seen.add(w))
            raise TfnlpError(f"word vocabulary: {repeat!r} appears twice")
        self.words = list(words)
        self.counts = [int(c) for c in counts]
        self.lower_case = lower_case

    def __len__(self):
        return len(self.words)

    @classmethod
    def from_counts(cls, counts, min_count=5, max_vocab=None, lower_case=True, source="corpus"):
        """Keeps words with count >= `min_count`, most frequent first, at most `max_vocab`.

        Raises:
            TfnlpError: no word reaches `min_count`, or a bad setting.
        """
        if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
            raise TfnlpError(f"min_count must be an integer >= 1, got {min_count!r}")
        if max_vocab is not None and (not isinstance(max_vocab, int) or max_vocab < 1):
            raise TfnlpError(f"max_vocab must be a positive integer, got {max_vocab!r}")
        kept = sorted(((w, n) for w, n in counts.items() if n >= min_count and w.strip()),
                      key=lambda item: (-item[1], item[0].encode("utf-8")))
        if not kept:
            top = max(counts.values()) if counts else 0
            raise TfnlpError(
                f"{source}: no word occurs at least min_count={min_count} times "
                f"({len(counts)} distinct words, the most frequent {top} times); "
                "lower --min_count or give a larger corpus")
        if max_vocab:
            kept = kept[:max_vocab]
        return cls([w for w, _ in kept], [n for _, n in kept], lower_case)

    def save(self, directory):
        """Writes `vocab.txt` and `counts.txt` into `directory`. Returns the dir."""
        os.makedirs(directory, exist_ok=True)
        atomic_write_text(os.path.join(directory, VOCAB_FILE), "\n".join(self.words) + "\n")
        atomic_write_text(os.path.join(directory, COUNTS_FILE),
                          "\n".join(str(c) for c in self.counts) + "\n")
        return directory

    @classmethod
    def load(cls, path, lower_case=True):
        """Reads a vocabulary folder (or its `vocab.txt`).

        Raises:
            TfnlpError: missing files, or counts that do not match the words.
        """
        directory = path if os.path.isdir(path) else os.path.dirname(path)
        vocab_path = os.path.join(directory, VOCAB_FILE)
        if not os.path.isfile(vocab_path):
            raise TfnlpError(f"{vocab_path}: word vocabulary file not found")
        with open(vocab_path, encoding="utf-8") as f:
            words = [line.rstrip("\n") for line in f if line.rstrip("\n")]
        counts_path = os.path.join(directory, COUNTS_FILE)
        if os.path.isfile(counts_path):
            with open(counts_path, encoding="utf-8") as f:
                try:
                    counts = [int(line) for line in f if line.strip()]
                except ValueError:
                    raise TfnlpError(f"{counts_path}: expected one integer per line") \
                        from None
        else:
            counts = [0] * len(words)
        if not words:
            raise TfnlpError(f"{vocab_path}: empty word vocabulary")
        return cls(words, counts, lower_case)


def learn_word_vocab(files, min_count=5, max_vocab=None, lower_case=True, max_lines=None):
    """Counts a corpus and keeps its frequent words (see `WordVocab.from_counts`).

    Returns:
        `WordVocab`.
    """
    counts = count_words(files, lower_case=lower_case, max_lines=max_lines)
    source = files if isinstance(files, str) else ", ".join(map(str, files))
    return WordVocab.from_counts(counts, min_count, max_vocab, lower_case, source=source)
