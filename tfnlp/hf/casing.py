"""Whether a Hugging Face WordPiece tokenizer lower-cases (and strips accents).

Read as `BertTokenizerFast` reads it: `tokenizer_config.json` first
(`do_lower_case`, `strip_accents`), then the `BertNormalizer` of
`tokenizer.json`; without either, a vocab with no upper-case tokens is taken
as uncased. tf-text's `FastBertTokenizer` lower-cases and strips accents
together, so a checkpoint that does one without the other is refused.

Example:

>>> read_do_lower_case("/path/to/hf_folder", "/path/to/hf_folder/vocab.txt")  # doctest: +SKIP
True
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.io import read_json

TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
TOKENIZER_FILE = "tokenizer.json"


def _casing_from_settings(lower, strip_accents, source):
    # HF: strip_accents None means "same as lowercase".
    if strip_accents is not None and bool(strip_accents) != bool(lower):
        raise TfnlpError(
            f"{source}: lowercase={lower} with strip_accents={strip_accents} is not "
            "supported; tfnlp's tokenizer lower-cases and strips accents together")
    return bool(lower)


def _vocab_looks_uncased(vocab_path):
    with open(vocab_path, encoding="utf-8") as f:
        tokens = [line.strip() for line in f]
    words = [t for t in tokens if not (t.startswith("[") and t.endswith("]"))]
    return not any(t != t.lower() for t in words)


def read_do_lower_case(folder, vocab_path):
    """Finds whether the checkpoint's WordPiece tokenizer is uncased.

    Args:
        folder: the HF checkpoint folder.
        vocab_path: its `vocab.txt`, read only for the fallback.

    Returns:
        bool, True for an uncased tokenizer.

    Raises:
        TfnlpError: broken JSON, or lower-casing without accent stripping
            (or the reverse).

    Example:

    >>> read_do_lower_case(folder, os.path.join(folder, "vocab.txt"))   # doctest: +SKIP
    True
    """
    tok_config_path = os.path.join(folder, TOKENIZER_CONFIG_FILE)
    if os.path.isfile(tok_config_path):
        tok_config = read_json(tok_config_path, "tokenizer config")
        if "do_lower_case" in tok_config:
            return _casing_from_settings(tok_config["do_lower_case"],
                                         tok_config.get("strip_accents"), tok_config_path)
    tokenizer_path = os.path.join(folder, TOKENIZER_FILE)
    if os.path.isfile(tokenizer_path):
        normalizer = read_json(tokenizer_path, "tokenizer").get("normalizer") or {}
        if normalizer.get("type") == "BertNormalizer" and "lowercase" in normalizer:
            return _casing_from_settings(normalizer["lowercase"],
                                         normalizer.get("strip_accents"), tokenizer_path)
    return _vocab_looks_uncased(vocab_path)
