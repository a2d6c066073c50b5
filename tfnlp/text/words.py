"""Word splitting in-graph: the one rule that word-level families share.

Rules: optional lower-casing (full Unicode, `tf.strings.lower` with UTF-8
encoding); words are maximal runs of letters, digits and marks (Unicode
word boundaries: punctuation and symbols become their own tokens, white
space separates). word2vec/GloVe, ELMo and the text-embedding modules all
split text with `split_words`, so a word means the same thing in each.

Example:

>>> import tensorflow as tf
>>> split_words(tf.constant(["The cat's 2 toys."]), lower_case=True).to_list()
[[b'the', b'cat', b"'", b's', b'2', b'toys', b'.']]
"""

import tensorflow as tf
import tensorflow_text as tf_text

# A word: letters/marks/digits (with connector punctuation); or one other
# non-space character (punctuation, symbols) on its own.
WORD_PATTERN = r"[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]"


def split_words(strings, lower_case=True):
    """Splits strings into words.

    Args:
        strings: string tensor `[batch]` (or a scalar).
        lower_case: lower-case first.

    Returns:
        string `tf.RaggedTensor [batch, (words)]`.
    """
    strings = tf.convert_to_tensor(strings, tf.string)
    if strings.shape.rank == 0:
        strings = tf.reshape(strings, [1])
    if lower_case:
        strings = tf.strings.lower(strings, encoding="utf-8")
    return _findall(strings)


def _findall(strings):
    tokens, _, _ = tf_text.regex_split_with_offsets(
        strings, delim_regex_pattern=WORD_PATTERN, keep_delim_regex_pattern=WORD_PATTERN)
    # regex_split keeps the words (delimiters) and the gaps between them;
    # the gaps are white space only, dropped here.
    keep = tf.strings.length(tf.strings.strip(tokens.flat_values)) > 0
    return tf.ragged.boolean_mask(tokens, tokens.with_flat_values(keep))
