"""Hugging Face DistilBERT folders -> the distilbert family (`DistilBertBackbone`, heads).

Reads `DistilBertModel` and `DistilBertForMaskedLM` checkpoints:
`config.json`, `model.safetensors` (through `safetensors.numpy`, keys with
a `distilbert.` prefix or none) and `vocab.txt`. Every tensor must be used
and every variable assigned; another `model_type` is refused. With heads,
`vocab_transform` / `vocab_layer_norm` / `vocab_projector` (tied to the word
embeddings) become a `BertPretrainer`'s MLM head (no NSP).

Example:

>>> from tfnlp.models.registry import get_family
>>> converted = get_family("distilbert").hf_converter.load("distilbert_folder")  # doctest: +SKIP
>>> converted.backbone.num_layers                                               # doctest: +SKIP
6
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.hf.casing import read_do_lower_case
from tfnlp.hf.folder import CONFIG_FILE, read_config, resolve_hf_folder
from tfnlp.hf.weights import (
    assign_weights,
    check_all_used,
    dense_entries,
    find_prefix,
    keep,
    layer_norm_entries,
    load_safetensors,
    reshape,
    resolve_mapping,
    transpose_reshape,
)
from tfnlp.models.bert.hf_converter import TOKEN_EMBEDDING, load_tied_mlm_head

WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.txt"
ARCHITECTURES = ("DistilBertModel", "DistilBertForMaskedLM")
ENCODER_SCOPES = ("embeddings.", "transformer.")
HEAD_SCOPES = ("vocab_transform.", "vocab_layer_norm.", "vocab_projector.")
BUFFERS = ("embeddings.position_ids",)
LAYER_NORM_EPSILON = 1e-12  # DistilBERT's, fixed in its code

_REQUIRED_KEYS = {
    "vocab_size": "vocabulary_size",
    "n_layers": "num_layers",
    "n_heads": "num_heads",
    "dim": "hidden_dim",
    "hidden_dim": "intermediate_dim",
    "max_position_embeddings": "max_sequence_length",
}


def backbone_kwargs_from_hf(config, path=CONFIG_FILE):
    """Validates an HF DistilBERT config; returns `DistilBertBackbone` arguments.

    Raises:
        TfnlpError: another model type or an unsupported setting.

    Example:
    >>> backbone_kwargs_from_hf({"model_type": "distilbert", "vocab_size": 100,
    ...     "n_layers": 2, "n_heads": 2, "dim": 32, "hidden_dim": 64,
    ...     "max_position_embeddings": 64})["intermediate_dim"]
    64
    """
    model_type = config.get("model_type")
    architectures = config.get("architectures") or []
    if model_type != "distilbert" and not (model_type is None
                                           and set(architectures) & set(ARCHITECTURES)):
        raise TfnlpError(f"{path}: model_type {model_type!r} (architectures "
                         f"{architectures}) is not a DistilBERT checkpoint; the distilbert "
                         f"converter reads model_type 'distilbert' ({', '.join(ARCHITECTURES)})")
    act = config.get("activation", "gelu")
    if act not in ("gelu", "relu"):
        raise TfnlpError(f"{path}: activation {act!r} is not supported (gelu or relu)")
    missing = [k for k in _REQUIRED_KEYS if k not in config]
    if missing:
        raise TfnlpError(f"{path}: missing DistilBERT config keys {missing}")
    kwargs = {ours: config[theirs] for theirs, ours in _REQUIRED_KEYS.items()}
    kwargs.update(activation=act, layer_norm_epsilon=LAYER_NORM_EPSILON,
                  dropout=float(config.get("dropout", 0.1)),
                  initializer_range=float(config.get("initializer_range", 0.02)))
    return kwargs


def split_checkpoint(tensors):
    """Strips the `distilbert.` prefix; separates encoder and MLM-head tensors.

    Returns:
        `(encoder, heads, other_keys)`.

    Raises:
        TfnlpError: no DistilBERT embeddings under any known prefix.
    """
    prefix = find_prefix(tensors, "embeddings.", ("distilbert.", ""))
    if prefix is None:
        raise TfnlpError("the checkpoint has no DistilBERT embeddings (looked for "
                         "'distilbert.embeddings.*' and 'embeddings.*')")
    encoder, heads, other = {}, {}, []
    for key, value in tensors.items():
        name = key[len(prefix):] if key.startswith(prefix) else key
        if key.startswith(prefix) and name.startswith(ENCODER_SCOPES):
            if name not in BUFFERS:
                encoder[name] = value
        elif name.startswith(HEAD_SCOPES):
            heads[name] = value
        else:
            other.append(key)
    return encoder, heads, sorted(other)


def encoder_entries(num_layers, tensors):
    """`(keras_path, hf_key, fn)` for every `DistilBertBackbone` variable."""
    entries = [
        (TOKEN_EMBEDDING, "embeddings.word_embeddings.weight", keep),
        ("embeddings/position_embedding/embeddings", "embeddings.position_embeddings.weight",
         keep),
    ]
    entries += layer_norm_entries("embeddings/layer_norm", "embeddings.LayerNorm", tensors)
    for i in range(num_layers):
        ours, theirs = f"transformer_layer_{i}", f"transformer.layer.{i}"
        attention = f"{ours}/self_attention_layer"
        for name, hf_name in (("query", "q_lin"), ("key", "k_lin"), ("value", "v_lin")):
            entries += dense_entries(f"{attention}/{name}", f"{theirs}.attention.{hf_name}",
                                     transpose_reshape, reshape)
        entries += dense_entries(f"{attention}/attention_output",
                                 f"{theirs}.attention.out_lin", transpose_reshape)
        entries += layer_norm_entries(f"{ours}/self_attention_layer_norm",
                                      f"{theirs}.sa_layer_norm", tensors)
        entries += dense_entries(f"{ours}/feedforward_intermediate_dense", f"{theirs}.ffn.lin1")
        entries += dense_entries(f"{ours}/feedforward_output_dense", f"{theirs}.ffn.lin2")
        entries += layer_norm_entries(f"{ours}/feedforward_layer_norm",
                                      f"{theirs}.output_layer_norm", tensors)
    return entries


def load_backbone_weights(backbone, tensors):
    """Loads HF DistilBERT encoder tensors into a `DistilBertBackbone`, every one used."""
    mapping = resolve_mapping(backbone, encoder_entries(backbone.num_layers, tensors))
    consumed = assign_weights(mapping, tensors, "encoder", "DistilBERT")
    check_all_used(backbone.weights, mapping, tensors, consumed, "encoder", "DistilBERT")


def load_mlm_head(pretrainer, heads):
    """Loads `vocab_transform` / `vocab_layer_norm` / `vocab_projector.bias` into a
    `BertPretrainer`'s MLM head; `vocab_projector.weight` must equal the embeddings."""
    load_tied_mlm_head(pretrainer, heads, {
        "transform": "vocab_transform", "layer_norm": "vocab_layer_norm",
        "bias": "vocab_projector.bias", "decoder": "vocab_projector.weight"}, "DistilBERT")


class DistilBertConverter:
    """The distilbert family's HF converter (`Family.hf_converter`).

    Attributes:
        model_types: `("distilbert",)`.
        architectures: the HF classes it reads.
        required_files: what the folder must hold.
    """

    model_types = ("distilbert",)
    architectures = ARCHITECTURES
    required_files = (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE)

    def load(self, folder, with_heads=False, seq_length=128):
        """Builds the backbone, tokenizer and (optionally) the MLM pretrainer.

        Args:
            folder: an HF DistilBERT folder, or `pypi:NAME`.
            with_heads: also build a `BertPretrainer` (no NSP) holding the
                checkpoint's MLM head.
            seq_length: default packed length of the tokenizer.

        Returns:
            `ConvertedModel(family="distilbert", ...)`.

        Raises:
            TfnlpError: missing files, another architecture, a vocab that
                does not fit, shape mismatches, tensors or variables left
                over, or `with_heads` on a checkpoint without an MLM head.
        """
        from tfnlp.models.distilbert.backbone import DistilBertBackbone
        from tfnlp.models.family import ConvertedModel
        from tfnlp.models.registry import get_family

        spec = os.fspath(folder)
        folder = resolve_hf_folder(spec, self.required_files,
                                   "a Hugging Face DistilBERT checkpoint")
        kwargs = backbone_kwargs_from_hf(read_config(folder),
                                         os.path.join(folder, CONFIG_FILE))
        encoder, heads, _ = split_checkpoint(
            load_safetensors(os.path.join(folder, WEIGHTS_FILE)))
        vocab_path = os.path.join(folder, VOCAB_FILE)
        tokenizer = get_family("distilbert").load_tokenizer(
            vocab_path, lower_case=read_do_lower_case(folder, vocab_path),
            seq_length=seq_length)
        words = encoder.get("embeddings.word_embeddings.weight")
        if words is None or words.shape[0] != tokenizer.vocab_size:
            rows = None if words is None else words.shape[0]
            raise TfnlpError(f"{vocab_path}: vocab.txt has {tokenizer.vocab_size} entries "
                             f"but the checkpoint's word embeddings have {rows} rows")
        backbone = DistilBertBackbone(**kwargs, name="distil_bert_backbone")
        load_backbone_weights(backbone, encoder)
        pretrainer = None
        if with_heads:
            if not heads:
                raise TfnlpError(f"{folder}: this checkpoint has no MLM head (a "
                                 "DistilBertModel saves none); import it without --with_heads")
            from tfnlp.models.bert.pretrainer import BertPretrainer

            pretrainer = BertPretrainer(backbone, use_nsp=False)
            load_mlm_head(pretrainer, heads)
        source = spec if spec.startswith("pypi:") else folder
        return ConvertedModel("distilbert", backbone, tokenizer, pretrainer, source)

    def objective_of(self, pretrainer):
        """`"mlm"`: the only head a DistilBERT checkpoint carries."""
        return "mlm"


CONVERTER = DistilBertConverter()
