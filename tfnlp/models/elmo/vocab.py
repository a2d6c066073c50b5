"""ELMo's word vocabulary (the softmax classes): learn, write, load, check.

`vocab.txt` holds one word per line, UTF-8, in id order. It must contain
the sentence markers `<S>`, `</S>` and the unknown word `<UNK>` (bilm-tf's
convention; learned vocabularies put them first, then the words from most
to least frequent, so a log-uniform sampler matches the word frequencies).

Example:

>>> words = learn_word_vocab("corpus.txt", max_size=1000)   # doctest: +SKIP
>>> write_word_vocab(words, "tok/vocab.txt")                 # doctest: +SKIP
>>> load_word_vocab("tok/vocab.txt")[:3]                     # doctest: +SKIP
['<S>', '</S>', '<UNK>']
"""

import collections
import os

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_text
from tfnlp.models.elmo.characters import BOS_TOKEN, EOS_TOKEN, UNK_TOKEN

SPECIAL_WORDS = (BOS_TOKEN, EOS_TOKEN, UNK_TOKEN)


def check_word_vocab(words, source="word vocabulary"):
    """Checks a word list: non-empty, unique, with the sentence markers.

    Args:
        words: list of str in id order.
        source: what to call it in messages (a file name).

    Returns:
        the list.

    Raises:
        TfnlpError: naming the first problem.
    """
    words = list(words)
    missing = [w for w in SPECIAL_WORDS if w not in words]
    if missing:
        raise TfnlpError(f"{source}: an ELMo vocabulary needs the sentence markers and "
                         f"unknown word {' '.join(SPECIAL_WORDS)}; missing "
                         f"{' '.join(missing)} (add them as lines, e.g. first)")
    bad = [w for w in words if not w or w != w.strip() or any(c.isspace() for c in w)]
    if bad:
        raise TfnlpError(f"{source}: words must be non-empty without white space; "
                         f"bad entries {bad[:5]!r}")
    counts = collections.Counter(words)
    dupes = [w for w, c in counts.items() if c > 1]
    if dupes:
        raise TfnlpError(f"{source}: duplicate words {dupes[:5]!r}")
    return words


def load_word_vocab(path):
    """Reads and checks `vocab.txt`.

    Args:
        path: the file.

    Returns:
        list of str, the words in id order.

    Raises:
        TfnlpError: missing, not UTF-8, empty, or failing `check_word_vocab`.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise TfnlpError(f"ELMo vocab file not found: {path}")
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as error:
        raise TfnlpError(f"{path}: not UTF-8 (byte offset {error.start}); save the "
                         "vocab file as UTF-8") from None
    words = [line.strip() for line in text.splitlines() if line.strip()]
    if not words:
        raise TfnlpError(f"{path}: the vocab file is empty")
    return check_word_vocab(words, source=path)


def write_word_vocab(words, path):
    """Writes a checked word list atomically, one word per line.

    Returns:
        str, the path.
    """
    words = check_word_vocab(words, source=os.fspath(path))
    return atomic_write_text(os.fspath(path), "\n".join(words) + "\n")


def count_words(files, lower_case=False, max_lines=None, batch_size=1024):
    """Counts words (split by `tfnlp.text.words.split_words`) in a corpus.

    Args:
        files: corpus path(s), as `tfnlp.text.corpus.expand_files` takes.
        lower_case: lower-case first.
        max_lines: read at most this many non-empty lines (None: all).
        batch_size: lines split per TF call.

    Returns:
        `collections.Counter` word -> count.
    """
    import tensorflow as tf

    from tfnlp.text.corpus import iter_lines
    from tfnlp.text.words import split_words

    counts = collections.Counter()
    batch, seen = [], 0

    def flush():
        if batch:
            words = split_words(tf.constant(batch), lower_case=lower_case)
            counts.update(w.decode("utf-8", "replace") for w in words.flat_values.numpy())
            batch.clear()

    for line in iter_lines(files):
        if not line:
            continue
        if max_lines is not None and seen >= max_lines:
            break
        batch.append(line)
        seen += 1
        if len(batch) >= batch_size:
            flush()
    flush()
    return counts


def learn_word_vocab(files, max_size=None, min_count=1, lower_case=False, max_lines=None):
    """Learns a word vocabulary: the markers, then words by falling count.

    Args:
        files: corpus path(s).
        max_size: total vocabulary size, markers included (None: no cap).
        min_count: drop words seen fewer times.
        lower_case: lower-case first (ELMo keeps case: False).
        max_lines: read at most this many lines.

    Returns:
        list of str: `<S>`, `</S>`, `<UNK>`, then the words (ties by word).

    Raises:
        TfnlpError: bad sizes, or a corpus with no word.
    """
    if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int)
                                 or max_size <= len(SPECIAL_WORDS)):
        raise TfnlpError(f"vocab_size must be an integer > {len(SPECIAL_WORDS)} (the "
                         f"markers {' '.join(SPECIAL_WORDS)} plus words), got {max_size!r}")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise TfnlpError(f"min_count must be a positive integer, got {min_count!r}")
    counts = count_words(files, lower_case=lower_case, max_lines=max_lines)
    for word in SPECIAL_WORDS:
        counts.pop(word, None)
    if not counts:
        raise TfnlpError(f"{files}: the corpus has no words to learn a vocabulary from")
    ranked = sorted((w for w, c in counts.items() if c >= min_count),
                    key=lambda w: (-counts[w], w))
    if max_size is not None:
        ranked = ranked[:max_size - len(SPECIAL_WORDS)]
    return list(SPECIAL_WORDS) + ranked
