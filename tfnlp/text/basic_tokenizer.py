"""BERT's BasicTokenizer in pure Python (clean, lower-case, split punctuation).

Used by SQuAD decoding (`tfnlp.tasks.squad_decode.get_final_text`) to line a
predicted span up with the original context text, as the original BERT
run_squad.py does. Cleaning and lower-casing are
`tfnlp.text.normalization.normalize_string`, the Python form of the rule the
in-graph tokenizers apply.

Example:

>>> basic_tokenize("Héllo, World!")
['hello', ',', 'world', '!']
"""

import unicodedata

from tfnlp.text.normalization import is_control_char, normalize_string


def _is_whitespace(char):
    if char in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(char) == "Zs"


def _is_punctuation(char):
    cp = ord(char)
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(char).startswith("P")


def _is_chinese_char(cp):
    return (
        (0x4E00 <= cp <= 0x9FFF) or (0x3400 <= cp <= 0x4DBF) or (0x20000 <= cp <= 0x2A6DF)
        or (0x2A700 <= cp <= 0x2B73F) or (0x2B740 <= cp <= 0x2B81F)
        or (0x2B820 <= cp <= 0x2CEAF) or (0xF900 <= cp <= 0xFAFF) or (0x2F800 <= cp <= 0x2FA1F)
    )


def basic_tokenize(text, lower_case=True):
    """Split text the way BERT's BasicTokenizer does.

    Args:
      text: a string.
      lower_case: lower-case and strip accents (NFD, drop combining marks).

    Returns:
      A list of tokens.

    Example:
      >>> basic_tokenize("Héllo, World!")
      ['hello', ',', 'world', '!']
    """
    cleaned = []
    for char in text:
        cp = ord(char)
        if is_control_char(char):
            continue
        if _is_chinese_char(cp):
            cleaned.append(f" {char} ")
        elif _is_whitespace(char):
            cleaned.append(" ")
        else:
            cleaned.append(char)
    tokens = []
    for token in "".join(cleaned).split():
        token = normalize_string(token, lower_case)
        current = []
        for char in token:
            if _is_punctuation(char):
                if current:
                    tokens.append("".join(current))
                    current = []
                tokens.append(char)
            else:
                current.append(char)
        if current:
            tokens.append("".join(current))
    return tokens
