"""BERT text normalization as in-graph string ops.

Matches Google's reference BERT tokenizer (and HF `BertTokenizerFast`):
control and format characters are dropped; uncased models also lower-case,
apply NFD and strip combining marks. tf-text's own lower-casing
(`case_fold_utf8`, used by `FastBertTokenizer(lower_case_nfd_strip_accents=True)`
and `BasicTokenizer(lower_case=True)`) applies NFKC, which maps "™" to "tm",
"½" to "1⁄2", "ﬁ" to "fi" and so on, and so disagrees with the vocabularies of
released BERT models on such characters.

Two forms of the one rule: `normalize_text` (in-graph, for tokenizers and
exported modules) and `normalize_string` (plain Python, for host-side code
such as SQuAD answer decoding); tests check that they agree.

Example:

>>> normalize_text(tf.constant(["Café™"]), lower_case=True).numpy()   # doctest: +SKIP
array([b'cafe\\xe2\\x84\\xa2'], dtype=object)
>>> normalize_string("Café™", lower_case=True)
'cafe™'
"""

import unicodedata

import tensorflow as tf
import tensorflow_text as tf_text

# Cc (except \t \n \r), Cf and U+FFFD: removed, as in BERT's _clean_text.
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\p{Cf}\x{FFFD}]"


# Rows made only of these characters need no normalization beyond ASCII
# lower-casing: no control characters, no accents, nothing NFD changes.
PLAIN_ASCII = r"[\t\n\r\x20-\x7e]*"


def _full_rule(strings, lower_case):
    strings = tf.strings.regex_replace(strings, CONTROL_CHARS, "")
    if lower_case:
        strings = tf.strings.lower(strings, encoding="utf-8")
        strings = tf_text.normalize_utf8(strings, "NFD")
        strings = tf.strings.regex_replace(strings, r"\p{Mn}", "")
    return strings


def normalize_text(strings, lower_case, repair_utf8=False):
    """Normalizes text for BERT WordPiece tokenization.

    Rows of printable ASCII (plus tab, newline, CR), most English text, take
    a fast path that gives the same result: ASCII lower-casing alone. Only
    the other rows run the full rule (control characters, Unicode
    lower-casing, NFD, accent stripping), so the string passes over a batch
    are paid for the rows that need them.

    Args:
      strings: string tensor of any shape.
      lower_case: True for uncased models (lower case + NFD + strip accents).
      repair_utf8: first replace invalid UTF-8 by U+FFFD (`valid_utf8`) in
        the rows that are not plain ASCII (plain ASCII is valid UTF-8).

    Returns:
      string tensor of the same shape.

    Example:

    >>> normalize_text(tf.constant(["Ångström"]), True).numpy()[0].decode()  # doctest: +SKIP
    'angstrom'
    """
    from tfnlp.text.tokenizer import valid_utf8

    strings = tf.convert_to_tensor(strings, tf.string)
    shape = tf.shape(strings)
    flat = tf.reshape(strings, [-1])
    plain = tf.strings.regex_full_match(flat, PLAIN_ASCII)
    index = tf.range(tf.size(flat))
    fast = tf.boolean_mask(flat, plain)
    slow = tf.boolean_mask(flat, ~plain)
    if repair_utf8:
        slow = valid_utf8(slow)
    out = tf.dynamic_stitch(
        [tf.boolean_mask(index, plain), tf.boolean_mask(index, ~plain)],
        [tf.strings.lower(fast) if lower_case else fast, _full_rule(slow, lower_case)])
    return tf.reshape(out, shape)


def is_control_char(char):
    """True for a character `normalize_string` drops (as `CONTROL_CHARS`).

    Args:
      char: a one-character str.

    Returns:
      bool: Cc (except tab, newline, carriage return), Cf, or U+FFFD.
    """
    if char in "\t\n\r":
        return False
    return char == "\ufffd" or unicodedata.category(char) in ("Cc", "Cf")


def normalize_string(text, lower_case):
    """`normalize_text` for one Python string (same rule, no TensorFlow op).

    Args:
      text: str.
      lower_case: True for uncased models (lower case + NFD + strip accents).

    Returns:
      str.

    Example:

    >>> normalize_string("Ångström\u200b", True)
    'angstrom'
    """
    text = "".join(c for c in text if not is_control_char(c))
    if lower_case:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return text
