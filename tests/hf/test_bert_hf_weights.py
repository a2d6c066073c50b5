"""The bert HF converter on tiny random HF BERTs: heads, prefixes, coverage checks."""

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.hf.casing import read_do_lower_case
from tfnlp.models.bert.hf_converter import split_checkpoint

from hf_checkpoints import load_bert, make_tiny_checkpoint, random_batch, write_json

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


def _torch_inputs(batch):
    return {
        "input_ids": torch.tensor(batch["token_ids"], dtype=torch.long),
        "token_type_ids": torch.tensor(batch["segment_ids"], dtype=torch.long),
        "attention_mask": torch.tensor(batch["padding_mask"], dtype=torch.long),
    }


def _max_diff(ours, theirs, mask=None):
    diff = np.abs(np.asarray(ours) - theirs)
    return diff[mask].max() if mask is not None else diff.max()


@pytest.fixture(scope="module")
def pretraining_checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny_pretraining")
    model = make_tiny_checkpoint(folder, "BertForPreTraining")
    return folder, model


@pytest.fixture(scope="module")
def converted(pretraining_checkpoint):
    return load_bert(pretraining_checkpoint[0], with_heads=True)


def test_encoder_mlm_and_nsp_heads_match_transformers(pretraining_checkpoint, converted):
    _, model = pretraining_checkpoint
    assert converted.family == "bert"
    assert converted.tokenizer.kind == "wordpiece"
    pretrainer = converted.pretrainer
    assert pretrainer.use_nsp and pretrainer.backbone is converted.backbone
    batch = random_batch()
    positions = np.array([[1, 3, 7], [0, 2, 5], [1, 2, 4]], dtype="int32")
    out = pretrainer({**batch, "masked_lm_positions": positions}, training=False)
    with torch.no_grad():
        ref = model(**_torch_inputs(batch))
        ref_seq = model.bert(**_torch_inputs(batch)).last_hidden_state.numpy()
    mlm_ref = np.take_along_axis(ref.prediction_logits.numpy(),
                                 positions[..., None], axis=1)
    assert _max_diff(out["mlm"], mlm_ref) < 1e-4
    assert _max_diff(out["nsp"], ref.seq_relationship_logits.numpy()) < 1e-4
    enc = converted.backbone(batch, training=False)
    mask = batch["padding_mask"].astype(bool)
    assert _max_diff(enc["sequence_output"], ref_seq, mask) < 1e-4


def test_without_heads_there_is_no_pretrainer(pretraining_checkpoint):
    converted = load_bert(pretraining_checkpoint[0])
    assert converted.pretrainer is None
    assert converted.source == str(pretraining_checkpoint[0])


@pytest.mark.parametrize("rename", [
    lambda k: k[len("bert."):] if k.startswith("bert.") else k,
    lambda k: "model." + k[len("bert."):] if k.startswith("bert.") else k,
])
def test_key_prefixes_none_and_model(tmp_path, rename):
    model = make_tiny_checkpoint(tmp_path, "BertForMaskedLM", rename=rename, drop=())
    converted = load_bert(tmp_path, allow_missing_pooler=True, with_heads=True)
    batch = random_batch()
    with torch.no_grad():
        ref = model.bert(**_torch_inputs(batch)).last_hidden_state.numpy()
    out = converted.backbone(batch, training=False)["sequence_output"]
    assert _max_diff(out, ref, batch["padding_mask"].astype(bool)) < 1e-4
    assert not converted.pretrainer.use_nsp


def test_missing_pooler_is_an_error_unless_allowed(tmp_path):
    make_tiny_checkpoint(tmp_path, "BertForMaskedLM")
    with pytest.raises(TfnlpError, match="no pooler.dense weights"):
        load_bert(tmp_path)


def test_leftover_encoder_tensor_is_an_error(tmp_path):
    extra = {"bert.encoder.layer.0.attention.self.extra.weight":
             np.zeros((4,), np.float32)}
    make_tiny_checkpoint(tmp_path, "BertModel", extra=extra,
                         rename=lambda k: "bert." + k)
    with pytest.raises(TfnlpError, match=r"not used.*attention.self.extra.weight"):
        load_bert(tmp_path)


def test_missing_tensor_is_an_error(tmp_path):
    make_tiny_checkpoint(tmp_path, "BertModel",
                         drop=("encoder.layer.1.output.dense.bias",))
    with pytest.raises(TfnlpError, match=r"lacks 1 encoder tensor.*"
                       r"encoder.layer.1.output.dense.bias"):
        load_bert(tmp_path)


def test_untied_decoder_is_an_error(tmp_path):
    make_tiny_checkpoint(tmp_path, "BertForPreTraining",
                         drop=("cls.predictions.decoder.weight",),
                         extra={"cls.predictions.decoder.weight":
                                np.ones((64, 32), np.float32)})
    assert load_bert(tmp_path).pretrainer is None  # the encoder alone imports
    with pytest.raises(TfnlpError, match="untied decoder"):
        load_bert(tmp_path, with_heads=True)


def test_with_heads_on_a_bert_model_checkpoint_is_an_error(tmp_path):
    make_tiny_checkpoint(tmp_path, "BertModel")
    with pytest.raises(TfnlpError, match="this checkpoint has no MLM head"):
        load_bert(tmp_path, with_heads=True)


def test_no_embeddings_is_an_error():
    with pytest.raises(TfnlpError, match="no BERT embeddings"):
        split_checkpoint({"transformer.h.0.attn.c_attn.weight": 0})


def test_casing_sources(tmp_path):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("[PAD]\n[UNK]\nHello\n", encoding="utf-8")
    assert read_do_lower_case(str(tmp_path), str(vocab)) is False
    vocab.write_text("[PAD]\n[UNK]\nhello\n", encoding="utf-8")
    assert read_do_lower_case(str(tmp_path), str(vocab)) is True
    write_json(tmp_path / "tokenizer.json",
               {"normalizer": {"type": "BertNormalizer", "lowercase": False}})
    assert read_do_lower_case(str(tmp_path), str(vocab)) is False
    write_json(tmp_path / "tokenizer_config.json", {"do_lower_case": True})
    assert read_do_lower_case(str(tmp_path), str(vocab)) is True
    write_json(tmp_path / "tokenizer_config.json",
               {"do_lower_case": True, "strip_accents": False})
    with pytest.raises(TfnlpError, match="strip_accents"):
        read_do_lower_case(str(tmp_path), str(vocab))


def test_cased_checkpoint_gives_a_cased_tokenizer(tmp_path):
    make_tiny_checkpoint(tmp_path, "BertModel")
    write_json(tmp_path / "tokenizer_config.json", {"do_lower_case": False})
    assert load_bert(tmp_path).tokenizer.lower_case is False


def test_model_dir_round_trip(pretraining_checkpoint, converted, tmp_path):
    from tfnlp.models.bert.hf_converter import CONVERTER
    from tfnlp.models.model_dir import load_model_dir, save_model_dir

    folder, _ = pretraining_checkpoint
    save_model_dir(str(tmp_path), "bert", converted.backbone, converted.tokenizer,
                   pretrainer=converted.pretrainer,
                   objective=CONVERTER.objective_of(converted.pretrainer),
                   source=converted.source)
    assert (tmp_path / "pretrainer.weights.h5").is_file()
    native = load_model_dir(str(tmp_path))
    assert native.config["source"] == folder.name  # no path of this machine
    assert native.tokenizer.vocabulary == converted.tokenizer.vocabulary
    assert native.tokenizer.lower_case == converted.tokenizer.lower_case
    batch = random_batch()
    np.testing.assert_allclose(native.backbone(batch)["pooled_output"],
                               converted.backbone(batch)["pooled_output"], atol=1e-6)
    positions = np.array([[1, 3], [0, 2], [1, 4]], dtype="int32")
    features = {**batch, "masked_lm_positions": positions}
    reloaded = native.build_pretrainer()
    assert reloaded.use_nsp
    np.testing.assert_allclose(reloaded(features)["mlm"],
                               converted.pretrainer(features)["mlm"], atol=1e-5)
