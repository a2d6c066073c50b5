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


def normalize_text(strings, lower_case):
    """Normalizes text for BERT WordPiece tokenization.

    Args:
      strings: string tensor of any shape.
      lower_case: True for uncased models (lower case + NFD + strip accents).

    Returns:
      string tensor of the same shape.

    Example:

    >>> normalize_text(tf.constant(["Ångström"]), True).numpy()[0].decode()  # doctest: +SKIP
    'angstrom'
    """
    strings = tf.strings.regex_replace(strings, CONTROL_CHARS, "")
    if lower_case:
        strings = tf.strings.lower(strings, encoding="utf-8")
        strings = tf_text.normalize_utf8(strings, "NFD")
        strings = tf.strings.regex_replace(strings, r"\p{Mn}", "")
    return strings


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
