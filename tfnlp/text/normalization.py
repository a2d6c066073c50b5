"""BERT text normalization as in-graph string ops.

Matches Google's reference BERT tokenizer (and HF `BertTokenizerFast`):
control and format characters are dropped; uncased models also lower-case,
apply NFD and strip combining marks. tf-text's own lower-casing
(`case_fold_utf8`, used by `FastBertTokenizer(lower_case_nfd_strip_accents=True)`
and `BasicTokenizer(lower_case=True)`) applies NFKC, which maps "™" to "tm",
"½" to "1⁄2", "ﬁ" to "fi" and so on, and so disagrees with the vocabularies of
released BERT models on such characters.

Example:

>>> normalize_text(tf.constant(["Café™"]), lower_case=True).numpy()   # doctest: +SKIP
array([b'cafe\\xe2\\x84\\xa2'], dtype=object)
"""

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
