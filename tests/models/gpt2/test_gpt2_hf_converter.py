"""HF GPT-2 folders -> Gpt2Backbone: logits within 1e-4 of transformers, greedy
generation equal to HF generate for 32 tokens, bad folders refused."""

import json
import os
import shutil

import numpy as np
import pytest
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.models.gpt2.generation import Generator
from tfnlp.models.registry import get_family

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory, gpt2_tokenizer, gpt2_bpe_folder):
    torch.manual_seed(0)
    eos = gpt2_tokenizer.end_of_text_id
    config = transformers.GPT2Config(n_layer=2, n_embd=64, n_head=2, n_positions=64,
                                     vocab_size=gpt2_tokenizer.vocab_size,
                                     bos_token_id=eos, eos_token_id=eos)
    model = transformers.GPT2LMHeadModel(config).eval()
    folder = tmp_path_factory.mktemp("hf_gpt2")
    model.save_pretrained(folder, safe_serialization=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(gpt2_bpe_folder, name), folder / name)
    return str(folder), model


def test_logits_and_greedy_generation_match_hf(hf_folder, gpt2_tokenizer):
    folder, model = hf_folder
    converted = get_family("gpt2").hf_converter.load(folder, with_heads=True)
    backbone = converted.backbone
    rng = np.random.default_rng(0)
    ids = rng.integers(0, gpt2_tokenizer.vocab_size, (2, 20)).astype(np.int32)
    mask = np.ones_like(ids)
    ours = ops.convert_to_numpy(converted.pretrainer(
        {"token_ids": ids, "segment_ids": 0 * ids, "padding_mask": mask}))
    with torch.no_grad():
        theirs = model(torch.tensor(ids, dtype=torch.long)).logits.numpy()
    diff = np.abs(ours - theirs).max()
    assert diff <= 1e-4, diff
    prompt = ids[0, :8].tolist()
    new = Generator(backbone, converted.tokenizer).generate_ids([prompt], max_new_tokens=32)[0]
    with torch.no_grad():
        hf = model.generate(torch.tensor([prompt]), max_new_tokens=32, do_sample=False,
                            eos_token_id=None, pad_token_id=0,
                            attention_mask=torch.ones(1, 8, dtype=torch.long))
    assert new == hf[0, 8:].tolist()


def test_gpt2model_folder_and_bad_folders(hf_folder, tmp_path):
    folder, model = hf_folder
    base = tmp_path / "base"
    model.transformer.save_pretrained(base, safe_serialization=True)
    for name in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(folder, name), base / name)
    converted = get_family("gpt2").hf_converter.load(str(base))
    assert converted.pretrainer is None and converted.backbone.num_layers == 2

    other = tmp_path / "other"
    shutil.copytree(folder, other)
    config = json.loads((other / "config.json").read_text())
    config["model_type"] = "bert"
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(TfnlpError, match="not a GPT-2"):
        get_family("gpt2").hf_converter.load(str(other))

    import safetensors.numpy

    extra = tmp_path / "extra"
    shutil.copytree(folder, extra)
    tensors = safetensors.numpy.load_file(str(extra / "model.safetensors"))
    tensors["transformer.h.0.mlp.extra.weight"] = np.zeros(3, np.float32)
    safetensors.numpy.save_file(tensors, str(extra / "model.safetensors"))
    with pytest.raises(TfnlpError, match="not used"):
        get_family("gpt2").hf_converter.load(str(extra))
