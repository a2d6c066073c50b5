"""ELMo's character ids: each word as at most 50 UTF-8 bytes with markers.

The id scheme is ELMo's (bilm-tf / AllenNLP), 262 ids in all:

- byte `b` of a word (0-255) has id `b + 1`;
- begin-of-sentence character 256 -> id 257, end-of-sentence 257 -> 258,
  begin-of-word 258 -> 259, end-of-word 259 -> 260, in-word padding
  260 -> 261;
- id 0 fills the character rows of padding positions (no word there).

A word becomes `[bow, byte_1, ..., byte_n, eow, pad, ..., pad]` with
`n <= max_chars - 2`: **longer words are truncated** to their first
`max_chars - 2` bytes (48 for ELMo's 50), which may cut a multi-byte
character; this is not an error. The sentence markers `<S>` and `</S>`
become `[bow, bos, eow, pad...]` and `[bow, eos, eow, pad...]`.

Example:

>>> ids = word_char_ids(tf.constant(["<S>", "ab"]), max_chars=6)
>>> ids.numpy().tolist()
[[259, 257, 260, 261, 261, 261], [259, 98, 99, 260, 261, 261]]
"""

import tensorflow as tf

from tfnlp.errors import TfnlpError

NUM_CHAR_IDS = 262
MAX_CHARS_PER_WORD = 50
BOS_TOKEN = "<S>"
EOS_TOKEN = "</S>"
UNK_TOKEN = "<UNK>"
# Character ids (already shifted by one, so that 0 is a padding position).
BOS_CHAR = 257
EOS_CHAR = 258
BOW_CHAR = 259
EOW_CHAR = 260
PAD_CHAR = 261


def check_max_chars(max_chars):
    """Raises `TfnlpError` unless `max_chars` leaves room for a byte.

    Args:
        max_chars: int, characters per word including the two markers.

    Returns:
        the int.
    """
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 3:
        raise TfnlpError(f"max_chars_per_word must be an integer >= 3 (two word "
                         f"markers and a byte), got {max_chars!r}")
    return max_chars


def word_char_ids(words, max_chars=MAX_CHARS_PER_WORD):
    """Character ids of a flat batch of words.

    Args:
        words: string tensor `[n]` (UTF-8 words, or `<S>` / `</S>`).
        max_chars: characters per word, markers included.

    Returns:
        int32 tensor `[n, max_chars]`.
    """
    check_max_chars(max_chars)
    words = tf.convert_to_tensor(words, tf.string)
    truncated = tf.strings.substr(words, 0, max_chars - 2, unit="BYTE")
    pieces = tf.strings.bytes_split(truncated)
    byte_values = tf.io.decode_raw(pieces.flat_values, tf.uint8)[:, 0]
    chars = pieces.with_flat_values(tf.cast(byte_values, tf.int32) + 1)
    n = tf.shape(words)[0]
    bow = tf.fill([n, 1], BOW_CHAR)
    eow = tf.fill([n, 1], EOW_CHAR)
    framed = tf.concat([bow, chars, eow], axis=1)
    ids = framed.to_tensor(default_value=PAD_CHAR, shape=[None, max_chars])
    marker = lambda char: tf.constant(  # noqa: E731
        [BOW_CHAR, char, EOW_CHAR] + [PAD_CHAR] * (max_chars - 3), tf.int32)
    ids = tf.where((words == BOS_TOKEN)[:, None], marker(BOS_CHAR)[None], ids)
    ids = tf.where((words == EOS_TOKEN)[:, None], marker(EOS_CHAR)[None], ids)
    return ids


def sentence_char_ids(words, max_chars=MAX_CHARS_PER_WORD):
    """Character ids of a padded batch of sentences.

    Args:
        words: string `tf.RaggedTensor [batch, (words)]`.
        max_chars: characters per word, markers included.

    Returns:
        int32 tensor `[batch, max_words, max_chars]`, zero at padding
        positions.
    """
    ids = words.with_flat_values(word_char_ids(words.flat_values, max_chars))
    return ids.to_tensor(default_value=0)
