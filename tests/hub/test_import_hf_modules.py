"""`import_checkpoint` on the real MiniLM: TF-Hub modules vs transformers."""

import json
import os

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.hub.import_hf import import_checkpoint, main

from hf_checkpoints import (
    SENTENCES,
    TOKENIZER_TEXTS,
    make_tiny_checkpoint,
    minilm_folder,
    random_batch,
)

TOLERANCE = 1e-4
SEQ_LENGTH = 64

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Runs import_checkpoint once; returns (paths, output folder)."""
    output = tmp_path_factory.mktemp("minilm_import")
    paths = import_checkpoint(minilm_folder(), str(output), seq_length=SEQ_LENGTH)
    return paths, output


@pytest.fixture(scope="module")
def reference():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = minilm_folder()
    tokenizer = transformers.BertTokenizerFast.from_pretrained(folder)
    model = transformers.BertModel.from_pretrained(folder).eval()
    batch = tokenizer(SENTENCES, padding="max_length", max_length=SEQ_LENGTH,
                      truncation=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**batch)
    return tokenizer, batch, out


def test_writes_encoder_preprocess_and_keras_dir(imported):
    paths, output = imported
    assert set(paths) == {"keras", "encoder", "preprocess"}
    for name in ("config.json", "encoder.weights.h5", "vocab.txt"):
        assert (output / "keras" / name).is_file()
    config = json.loads((output / "keras" / "config.json").read_text())
    assert config["do_lower_case"] is True and "pretrainer" not in config
    assert (config["encoder"]["num_layers"], config["encoder"]["hidden_dim"]) == (6, 384)
    assert (output / "keras" / "vocab.txt").read_text(encoding="utf-8") == open(
        os.path.join(minilm_folder(), "vocab.txt"), encoding="utf-8").read()
    for name in ("encoder", "preprocess"):
        assert (output / name / "saved_model.pb").is_file()


def test_hub_modules_match_transformers(imported, reference):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    paths, _ = imported
    tokenizer, batch, ref = reference
    preprocess = tf.saved_model.load(paths["preprocess"])
    encoder = tf.saved_model.load(paths["encoder"])
    inputs = preprocess(tf.constant(SENTENCES))
    np.testing.assert_array_equal(inputs["input_word_ids"], batch["input_ids"])
    np.testing.assert_array_equal(inputs["input_mask"], batch["attention_mask"])
    np.testing.assert_array_equal(inputs["input_type_ids"], batch["token_type_ids"])

    out = encoder(inputs, training=False)
    mask = batch["attention_mask"].numpy().astype(bool)
    seq_diff = np.abs(out["sequence_output"].numpy()
                      - ref.last_hidden_state.numpy())[mask].max()
    pooled_diff = np.abs(out["pooled_output"].numpy()
                         - ref.pooler_output.numpy()).max()
    print(f"\nexported MiniLM hub module vs transformers.BertModel: "
          f"max|d sequence_output| = {seq_diff:.3g}, "
          f"max|d pooled_output| = {pooled_diff:.3g}")
    assert seq_diff <= TOLERANCE and pooled_diff <= TOLERANCE
    assert bool(encoder.do_lower_case.numpy()) is True

    ours = preprocess.tokenize(tf.constant(TOKENIZER_TEXTS))
    ours = ours.merge_dims(-2, -1) if ours.ragged_rank > 1 else ours
    theirs = tokenizer(TOKENIZER_TEXTS, add_special_tokens=False)["input_ids"]
    agree = sum(a == b for a, b in zip(ours.to_list(), theirs))
    print(f"exported preprocess module vs BertTokenizerFast: {agree}/"
          f"{len(TOKENIZER_TEXTS)} texts agree")
    assert agree == len(TOKENIZER_TEXTS)


def test_with_mlm_on_minilm_fails_in_one_line(tmp_path, capsys):
    status = main([f"--from_hf={minilm_folder()}", f"--output={tmp_path}",
                   "--with_mlm"])
    assert status == 1
    err = capsys.readouterr().err
    assert "this checkpoint has no MLM head" in err and "Traceback" not in err
    assert not (tmp_path / "encoder").exists()
    with pytest.raises(TfnlpError, match="no MLM head"):
        import_checkpoint(minilm_folder(), str(tmp_path), with_mlm=True)


def test_with_mlm_exports_the_mlm_subobject(tmp_path):
    import tensorflow as tf
    import torch

    model = make_tiny_checkpoint(tmp_path / "hf", "BertForPreTraining")
    paths = import_checkpoint(str(tmp_path / "hf"), str(tmp_path / "out"),
                              with_mlm=True, seq_length=16)
    assert (tmp_path / "out" / "keras" / "pretrainer.weights.h5").is_file()
    encoder = tf.saved_model.load(paths["encoder"])
    batch = random_batch()
    positions = np.array([[1, 2], [3, 4], [0, 1]], dtype="int32")
    out = encoder.mlm({"input_word_ids": batch["token_ids"],
                       "input_mask": batch["padding_mask"],
                       "input_type_ids": batch["segment_ids"],
                       "masked_lm_positions": positions}, training=False)
    with torch.no_grad():
        ref = model(input_ids=torch.tensor(batch["token_ids"], dtype=torch.long),
                    token_type_ids=torch.tensor(batch["segment_ids"], dtype=torch.long),
                    attention_mask=torch.tensor(batch["padding_mask"], dtype=torch.long))
    expected = np.take_along_axis(ref.prediction_logits.numpy(),
                                  positions[..., None], axis=1)
    assert np.abs(out["mlm_logits"].numpy() - expected).max() < 1e-4
