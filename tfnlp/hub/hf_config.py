"""Reads and validates a Hugging Face BERT folder's config and tokenizer files.

Only the plain BERT architecture is accepted: absolute positions, exact GELU,
post-LN blocks, no decoder/cross-attention. Anything else raises
`TfnlpError` naming the unsupported setting, instead of importing weights
into a network that would compute something different.

Example:

>>> cfg = read_hf_bert_config("/path/to/hf_folder")      # doctest: +SKIP
>>> cfg["encoder"]["num_layers"], cfg["do_lower_case"]   # doctest: +SKIP
(6, True)
"""

import json
import os

from tfnlp.errors import TfnlpError

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.txt"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
TOKENIZER_FILE = "tokenizer.json"

BERT_ARCHITECTURES = ("BertModel", "BertForMaskedLM", "BertForPreTraining")

# config.json key -> BertEncoder constructor argument.
_REQUIRED_KEYS = {
    "vocab_size": "vocabulary_size",
    "num_hidden_layers": "num_layers",
    "num_attention_heads": "num_heads",
    "hidden_size": "hidden_dim",
    "intermediate_size": "intermediate_dim",
    "max_position_embeddings": "max_sequence_length",
}


def read_json(path, what):
    """Loads a JSON object from `path`, with a clear error if it is broken.

    Args:
        path: file path.
        what: short description used in error messages (e.g. "config").

    Returns:
        The decoded dict.

    Example:

    >>> read_json("folder/config.json", "config")   # doctest: +SKIP
    """
    if not os.path.isfile(path):
        raise TfnlpError(f"{path}: {what} file not found")
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise TfnlpError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(value, dict):
        raise TfnlpError(f"{path}: expected a JSON object, got {type(value).__name__}")
    return value


def _check_architecture(config, path):
    model_type = config.get("model_type")
    architectures = config.get("architectures") or []
    if model_type is not None and model_type != "bert":
        raise TfnlpError(
            f"{path}: model_type {model_type!r} (architectures {architectures}) is "
            "not supported; import_hf reads BERT checkpoints only "
            f"(model_type 'bert' or architectures {list(BERT_ARCHITECTURES)})"
        )
    if model_type is None and not set(architectures) & set(BERT_ARCHITECTURES):
        raise TfnlpError(
            f"{path}: architectures {architectures} are not supported; import_hf "
            f"reads BERT checkpoints only ({list(BERT_ARCHITECTURES)})"
        )


def _check_settings(config, path):
    act = config.get("hidden_act", "gelu")
    if act != "gelu":
        raise TfnlpError(
            f"{path}: hidden_act {act!r} is not supported; tfnlp's BertEncoder "
            "uses the exact (erf) GELU, which is hidden_act 'gelu'"
        )
    position = config.get("position_embedding_type", "absolute")
    if position != "absolute":
        raise TfnlpError(
            f"{path}: position_embedding_type {position!r} is not supported; "
            "only 'absolute' learned positions are"
        )
    for flag in ("is_decoder", "add_cross_attention"):
        if config.get(flag):
            raise TfnlpError(f"{path}: {flag}=true is not supported (encoder-only BERT)")
    missing = [k for k in _REQUIRED_KEYS if k not in config]
    if missing:
        raise TfnlpError(f"{path}: missing BERT config keys {missing}")
    for key in list(_REQUIRED_KEYS) + ["type_vocab_size"]:
        value = config.get(key, 2)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TfnlpError(f"{path}: {key} must be a positive integer, got {value!r}")


def encoder_kwargs_from_hf(config, path=CONFIG_FILE):
    """Validates a HF BERT config dict and turns it into `BertEncoder` arguments.

    Args:
        config: dict decoded from a HF `config.json`.
        path: the file it came from, for error messages.

    Returns:
        dict of `BertEncoder` constructor arguments.

    Example:

    >>> encoder_kwargs_from_hf({"model_type": "bert", "vocab_size": 100,
    ...     "num_hidden_layers": 2, "num_attention_heads": 2, "hidden_size": 32,
    ...     "intermediate_size": 64, "max_position_embeddings": 64})["num_layers"]
    2
    """
    _check_architecture(config, path)
    _check_settings(config, path)
    kwargs = {ours: config[theirs] for theirs, ours in _REQUIRED_KEYS.items()}
    kwargs.update(
        activation="gelu",
        num_segments=config.get("type_vocab_size", 2),
        layer_norm_epsilon=float(config.get("layer_norm_eps", 1e-12)),
        dropout=float(config.get("hidden_dropout_prob", 0.1)),
        initializer_range=float(config.get("initializer_range", 0.02)),
    )
    return kwargs


def _casing_from_settings(lower, strip_accents, source):
    # HF: strip_accents None means "same as lowercase". tf-text's
    # FastBertTokenizer couples the two (lower_case_nfd_strip_accents).
    if strip_accents is not None and bool(strip_accents) != bool(lower):
        raise TfnlpError(
            f"{source}: lowercase={lower} with strip_accents={strip_accents} is not "
            "supported; tfnlp's tokenizer lower-cases and strips accents together"
        )
    return bool(lower)


def _vocab_looks_uncased(vocab_path):
    with open(vocab_path, encoding="utf-8") as f:
        tokens = [line.strip() for line in f]
    words = [t for t in tokens if not (t.startswith("[") and t.endswith("]"))]
    return not any(t != t.lower() for t in words)


def read_do_lower_case(folder, vocab_path):
    """Finds whether the checkpoint's tokenizer lower-cases (and strips accents).

    Looks, as `BertTokenizerFast` does, at `tokenizer_config.json` first
    (`do_lower_case`, `strip_accents`), then at the `BertNormalizer` in
    `tokenizer.json`; without either, a vocab with no upper-case tokens is
    taken as uncased.

    Args:
        folder: the HF checkpoint folder.
        vocab_path: its `vocab.txt`, used for the fallback.

    Returns:
        bool, True for an uncased tokenizer.

    Example:

    >>> read_do_lower_case("/path/to/hf_folder", "/path/to/hf_folder/vocab.txt")  # doctest: +SKIP
    True
    """
    tok_config_path = os.path.join(folder, TOKENIZER_CONFIG_FILE)
    if os.path.isfile(tok_config_path):
        tok_config = read_json(tok_config_path, "tokenizer config")
        if "do_lower_case" in tok_config:
            return _casing_from_settings(
                tok_config["do_lower_case"], tok_config.get("strip_accents"),
                tok_config_path)
    tokenizer_path = os.path.join(folder, TOKENIZER_FILE)
    if os.path.isfile(tokenizer_path):
        normalizer = read_json(tokenizer_path, "tokenizer").get("normalizer") or {}
        if normalizer.get("type") == "BertNormalizer" and "lowercase" in normalizer:
            return _casing_from_settings(
                normalizer["lowercase"], normalizer.get("strip_accents"),
                tokenizer_path)
    return _vocab_looks_uncased(vocab_path)
