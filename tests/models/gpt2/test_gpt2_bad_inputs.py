"""The issue's bad inputs, one clear `TfnlpError` each, in one table (the
serving signatures' in-graph checks are in test_gpt2_export.py, an HF config
of another architecture in test_gpt2_hf_converter.py)."""

import os
import shutil

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.gpt2.generation import Generator, make_sampler
from tfnlp.models.registry import get_family


def _bad_merges(ctx):
    folder = ctx["tmp"] / "bad_merges"
    shutil.copytree(ctx["bpe"], folder)
    with open(folder / "merges.txt", "a", encoding="utf-8") as f:
        f.write("q zzzz\n")
    get_family("gpt2").load_tokenizer(str(folder))


def _hf_folder(ctx, name, vocab_extra):
    import torch
    import transformers

    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(transformers.GPT2Config(
        n_layer=1, n_embd=16, n_head=2, n_positions=16,
        vocab_size=ctx["tokenizer"].vocab_size + vocab_extra))
    folder = ctx["tmp"] / name
    model.save_pretrained(folder, safe_serialization=True)
    for asset in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(ctx["bpe"], asset), folder / asset)
    get_family("gpt2").hf_converter.load(str(folder))


CASES = {
    "merges that do not match the vocab": (_bad_merges, "does not match"),
    "a prompt longer than the positions": (
        lambda ctx: ctx["generator"].generate_ids([[1] * 64], 1),
        "prompts must be shorter than 64 tokens"),
    "top_p above 1": (lambda ctx: make_sampler("top_p", top_p=1.01),
                      r"top_p must be in \(0, 1\]"),
    "top_p of 0": (lambda ctx: ctx["generator"].generate_ids([[1]], 2, "top_p", top_p=0.0),
                   r"top_p must be in \(0, 1\]"),
    "top_k below 1": (lambda ctx: ctx["generator"].generate_ids([[1]], 2, "top_k", top_k=0),
                      "top_k must be an integer >= 1"),
    "an unknown sampler": (lambda ctx: make_sampler("nucleus"), "unknown sampler"),
    "max_new_tokens below 1": (lambda ctx: ctx["generator"].generate_ids([[1]], 0),
                               "max_new_tokens must be an integer >= 1"),
    "a model whose vocab size differs from the tokenizer's": (
        lambda ctx: Generator(get_family("gpt2").build_backbone(
            get_family("gpt2").resolve_config("gpt2_tiny", {"hidden_dim": 32}), 77),
            ctx["tokenizer"]), "77 token ids but the tokenizer has 400"),
    "an HF checkpoint whose vocab size differs from its vocab.json": (
        lambda ctx: _hf_folder(ctx, "hf_vocab", vocab_extra=5),
        "vocab.json has 400 tokens but the checkpoint's token embedding has 405 rows"),
}


@pytest.fixture(scope="module")
def ctx(tmp_path_factory, tiny_backbone, gpt2_tokenizer, gpt2_bpe_folder):
    return {"tmp": tmp_path_factory.mktemp("bad"), "bpe": gpt2_bpe_folder,
            "tokenizer": gpt2_tokenizer,
            "generator": Generator(tiny_backbone, gpt2_tokenizer, jit_compile=False)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gives_one_clear_error(case, ctx):
    if case.startswith("an HF"):
        pytest.importorskip("transformers")
    make, message = CASES[case]
    with pytest.raises(TfnlpError, match=message):
        make(ctx)
