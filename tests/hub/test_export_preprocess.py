"""Tests of tfnlp.hub.export_preprocess: the TF-Hub BERT preprocess interface."""

import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from hub_test_modules import SENTENCES, SEQ_LENGTH, TOKENS, exported_modules
from tfnlp.hub import export_preprocess_module
from tfnlp.text.bert_preprocessor import BertPreprocessor

ID = {t: i for i, t in enumerate(TOKENS)}


@pytest.fixture(scope="module")
def pre_obj():
    return tf.saved_model.load(exported_modules()["preprocess"])


@pytest.fixture(scope="module")
def reference():
    return BertPreprocessor(exported_modules()["vocab"], seq_length=SEQ_LENGTH)


def test_call_matches_bert_preprocessor(pre_obj, reference):
    out = pre_obj(tf.constant(SENTENCES))
    want = reference(tf.constant(SENTENCES))
    assert set(out) == {"input_word_ids", "input_mask", "input_type_ids"}
    for key, ref_key in (("input_word_ids", "token_ids"), ("input_mask", "padding_mask"),
                         ("input_type_ids", "segment_ids")):
        assert out[key].dtype == tf.int32 and out[key].shape == (len(SENTENCES), SEQ_LENGTH)
        np.testing.assert_array_equal(out[key], want[ref_key])
    assert out["input_word_ids"][0, 0] == ID["[CLS]"]


def test_tokenize_words_and_pieces(pre_obj, reference):
    tok = pre_obj.tokenize(tf.constant(["hello jumped world", "the dog jumps."]))
    assert isinstance(tok, tf.RaggedTensor) and tok.shape.rank == 3
    assert tok.dtype == tf.int32
    assert tok.to_list() == [
        [[ID["hello"]], [ID["jump"], ID["##ed"]], [ID["world"]]],
        [[ID["the"]], [ID["dog"]], [ID["jump"], ID["##s"]], [ID["."]]]]
    flat = pre_obj.tokenize(tf.constant(SENTENCES)).merge_dims(-2, -1)
    assert flat.to_list() == reference.tokenize(tf.constant(SENTENCES)).to_list()


def test_special_tokens_dict(pre_obj):
    special = pre_obj.tokenize.get_special_tokens_dict()
    assert {k: int(v) for k, v in special.items()} == {
        "vocab_size": len(TOKENS), "padding_id": 0, "start_of_sequence_id": 2,
        "end_of_segment_id": 3, "mask_id": 4}
    assert all(v.dtype == tf.int32 and v.shape == () for v in special.values())


def test_bert_pack_inputs(pre_obj, reference):
    a = pre_obj.tokenize(tf.constant(["the quick brown fox", "hello"]))
    b = pre_obj.tokenize(tf.constant(["a b", "the lazy dog jumps"]))
    cls, sep = ID["[CLS]"], ID["[SEP]"]
    two = pre_obj.bert_pack_inputs([a, b], seq_length=8)  # budget 5: round robin
    q, k, br, f = ID["quick"], ID["the"], ID["brown"], ID["fox"]
    assert two["input_word_ids"].numpy().tolist() == [
        [cls, k, q, br, sep, ID["a"], ID["b"], sep],
        [cls, ID["hello"], sep, k, ID["lazy"], ID["dog"], ID["jump"], sep]]
    assert two["input_type_ids"].numpy().tolist() == [[0] * 5 + [1] * 3, [0] * 3 + [1] * 5]
    assert two["input_mask"].numpy().tolist() == [[1] * 8, [1] * 8]
    one = pre_obj.bert_pack_inputs([a], seq_length=7)
    assert one["input_word_ids"].numpy().tolist() == [
        [cls, k, q, br, f, sep, 0], [cls, ID["hello"], sep, 0, 0, 0, 0]]
    assert one["input_mask"].numpy().tolist() == [[1] * 6 + [0], [1] * 3 + [0] * 4]
    assert pre_obj.bert_pack_inputs([a])["input_word_ids"].shape == (2, SEQ_LENGTH)
    # Any seq_length (Python int or tensor), flat segments too; same as BertPreprocessor.
    ra = reference.tokenize(tf.constant(SENTENCES))
    rb = reference.tokenize(tf.constant(SENTENCES[::-1]))
    for length in (5, 9, 40):
        got = pre_obj.bert_pack_inputs([ra, rb], seq_length=tf.constant(length))
        want = reference.pack([ra, rb], seq_length=length)
        np.testing.assert_array_equal(got["input_word_ids"], want["token_ids"])
        np.testing.assert_array_equal(got["input_type_ids"], want["segment_ids"])
        np.testing.assert_array_equal(got["input_mask"], want["padding_mask"])


@pytest.mark.slow
def test_reexport_loads_without_sources(tmp_path):
    """The vocab is an asset: no path of the original files leaks."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(exported_modules()["vocab"], src / "my_vocab.txt")
    first = export_preprocess_module(BertPreprocessor(str(src / "my_vocab.txt")),
                                     str(tmp_path / "first"), seq_length=12)
    assert sorted(os.listdir(os.path.join(first, "assets"))) == ["my_vocab.txt"]
    again = tmp_path / "again"
    tf.saved_model.save(tf.saved_model.load(first), str(again))
    shutil.rmtree(src)
    shutil.rmtree(first)
    for path in (again / "saved_model.pb",):
        assert str(src).encode() not in path.read_bytes()
        assert str(first).encode() not in path.read_bytes()
    obj = tf.saved_model.load(str(again))
    out = obj(tf.constant(["hello world"]))
    assert out["input_word_ids"].numpy()[0, :4].tolist() == [2, ID["hello"], ID["world"], 3]
    assert obj.vocab_file.asset_path.numpy().decode() == str(again / "assets" / "my_vocab.txt")
    assert bool(obj.do_lower_case.numpy()) is True
