"""Test helpers: the real MiniLM folder, sample text, tiny random HF checkpoints."""

import json
import os

import numpy as np
import pytest

# Real English sentences of varied length (a batch pads to the longest).
SENTENCES = [
    "Hello world.",
    "The quick brown fox jumps over the lazy dog.",
    "A dog barked.",
    "She sells seashells by the seashore.",
    "It was the best of times, it was the worst of times.",
    "The committee will meet again on Thursday afternoon to review the budget.",
    "Rain.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Do you know the way to the train station?",
    "The museum's new exhibition features paintings from the nineteenth century.",
    "He ordered a café au lait and a croissant.",
    "My résumé lists three years of experience in Zürich.",
    "The naïve assumption proved wrong after the first experiment.",
    "Tokyo (東京) and Beijing (北京) are large capital cities.",
    "Prices rose 3.5% in March, according to the report.",
    "Wait -- what did you just say?!",
    "The children played in the garden until the sun went down behind the hills.",
    "Machine learning models require large amounts of labeled data.",
    "In 1969, astronauts landed on the Moon for the first time.",
    "The recipe calls for two cups of flour, one egg, and a pinch of salt.",
    "Please send the documents by email before Friday.",
    "Volcanic eruptions can affect the global climate for several years, "
    "because ash and sulfur dioxide reach the stratosphere and reflect sunlight.",
    "Why?",
    "The library closes at nine o'clock on weekdays.",
]

# Text for tokenizer parity: accents, CJK, punctuation, casing, numbers.
TOKENIZER_TEXTS = SENTENCES + [
    "café", "naïve", "Zürich", "résumé", "Crème Brûlée", "ÉCOLE Normale",
    "東京", "北京大学", "日本語のテキスト", "한국어 문장", "Привет, мир!",
    "Hello!!! How are you??? (fine); [ok] {yes} <no>",
    "e-mail: someone@example.com, url: https://example.org/a?b=c",
    "It's 5:30 p.m. -- don't be late... \"quoted\" 'single'",
    "unbelievably antidisestablishmentarianism supercalifragilistic",
    "Ångström, Øresund, Ærø, straße, façade, jalapeño, coöperate",
    "tabs\tand\nnewlines  and   spaces",
    "emoji 🙂 and symbols © ® ™ € £ ¥",
    "",
]

TINY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [
    f"w{i}" for i in range(59)
]


def minilm_folder():
    """The MiniLM folder, or skips the test if the package is missing."""
    import importlib.util

    from tfnlp.hf.minilm import MINILM_MODULE, minilm_folder as folder

    if importlib.util.find_spec(MINILM_MODULE) is None:
        pytest.skip(f"{MINILM_MODULE} is not installed")
    return folder()


def load_bert(folder, **kwargs):
    """The bert family's HF converter on `folder` (a `ConvertedModel`)."""
    from tfnlp.models.registry import get_family

    return get_family("bert").hf_converter.load(str(folder), **kwargs)


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)


def copy_folder_with_links(src, dst, skip=()):
    """Copies small files of `src` to `dst`, symlinking model.safetensors."""
    import shutil

    os.makedirs(dst, exist_ok=True)
    for name in os.listdir(src):
        path = os.path.join(src, name)
        if name in skip or not os.path.isfile(path):
            continue
        if name == "model.safetensors":
            os.symlink(path, os.path.join(dst, name))
        else:
            shutil.copyfile(path, os.path.join(dst, name))
    return dst


def make_tiny_checkpoint(folder, architecture="BertForPreTraining", seed=0,
                         rename=None, extra=None, drop=()):
    """Saves a tiny random HF BERT (every weight randomized) to `folder`.

    Args:
        folder: output folder.
        architecture: "BertForPreTraining", "BertForMaskedLM" or "BertModel".
        seed: torch seed.
        rename: optional fn key -> key applied to the saved tensor names.
        extra: optional dict of extra tensors to save.
        drop: tensor names to leave out.

    Returns:
        the torch model (eval mode) with the saved weights.
    """
    import torch
    import transformers
    from safetensors.numpy import save_file

    torch.manual_seed(seed)
    config = transformers.BertConfig(
        vocab_size=len(TINY_VOCAB), hidden_size=32, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=48, max_position_embeddings=40,
        type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12)
    model = getattr(transformers, architecture)(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.2)
    os.makedirs(folder, exist_ok=True)
    model.config.save_pretrained(folder)
    tensors = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()
               if k not in drop}
    if rename:
        tensors = {rename(k): v for k, v in tensors.items()}
    tensors.update(extra or {})
    save_file(tensors, os.path.join(folder, "model.safetensors"))
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(TINY_VOCAB) + "\n")
    return model


def random_batch(batch=3, seq=12, vocab=len(TINY_VOCAB), seed=0):
    """Token ids / segments / padding masks with some padding, as numpy int32."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, vocab, size=(batch, seq)).astype("int32")
    lengths = np.array([seq, seq - 4, 5][:batch])
    mask = (np.arange(seq)[None, :] < lengths[:, None]).astype("int32")
    segments = ((np.arange(seq)[None, :] >= lengths[:, None] // 2) * mask).astype("int32")
    return {"token_ids": ids * mask, "segment_ids": segments, "padding_mask": mask}
