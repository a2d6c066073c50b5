"""Tests for tfnlp.text.vocab: loading, validation, writing, learning."""

import os

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.text.vocab import (SPECIAL_TOKENS, learn_wordpiece_vocab,
                              load_vocab, validate_vocab, write_vocab)


def test_special_tokens_order():
    assert SPECIAL_TOKENS == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def test_write_then_load_round_trip(tmp_path, small_vocab):
    path = tmp_path / "sub" / "vocab.txt"
    write_vocab(small_vocab, path)
    assert load_vocab(path) == small_vocab
    assert not [p for p in os.listdir(tmp_path / "sub") if p.endswith(".tmp")]


def test_load_real_bert_vocab(bert_vocab_path):
    vocab = load_vocab(bert_vocab_path)
    assert len(vocab) == 30522
    assert vocab.index("[CLS]") == 101 and vocab.index("[MASK]") == 103


def test_missing_file(tmp_path):
    with pytest.raises(TfnlpError, match="vocab file not found.*nope.txt"):
        load_vocab(tmp_path / "nope.txt")


def test_empty_file(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("\n\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="v.txt: the vocab file is empty"):
        load_vocab(p)


def test_not_utf8(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes("[PAD]\n[UNK]\n".encode() + b"caf\xe9\n")
    with pytest.raises(TfnlpError, match=r"v.txt: not UTF-8 \(byte offset 15, line 3\)"):
        load_vocab(p)


def test_missing_special_tokens_named(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("[PAD]\n[UNK]\n[CLS]\nhello\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match=r"lacks the special tokens \['\[SEP\]', '\[MASK\]'\]"):
        load_vocab(p)


def test_pad_must_be_id_zero(small_vocab):
    bad = small_vocab[1:2] + small_vocab[0:1] + small_vocab[2:]
    with pytest.raises(TfnlpError, match=r"\[PAD\] must be id 0.*id 1"):
        validate_vocab(bad)


def test_duplicates_and_blank_tokens(small_vocab):
    with pytest.raises(TfnlpError, match="duplicate tokens.*'dog'"):
        validate_vocab(small_vocab + ["dog"])
    with pytest.raises(TfnlpError, match="non-empty strings"):
        validate_vocab(small_vocab + [" x"])
    with pytest.raises(TfnlpError, match="vocabulary is empty"):
        validate_vocab([])


def test_write_vocab_refuses_bad_vocab(tmp_path):
    with pytest.raises(TfnlpError, match="lacks the special tokens"):
        write_vocab(["[PAD]", "a"], tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()


def test_learn_uncased_vocab_tokenizes_corpus(tmp_path, wordnet_corpus_path):
    import tensorflow as tf

    from tfnlp.text.bert_preprocessor import BertPreprocessor

    vocab = learn_wordpiece_vocab(wordnet_corpus_path, vocab_size=600,
                                  lower_case=True, reserved_tokens=["[unused0]"],
                                  max_lines=800, lower_thresh=3)
    assert vocab[:6] == SPECIAL_TOKENS + ["[unused0]"]
    assert 400 < len(vocab) <= 600
    assert len(set(vocab)) == len(vocab)
    assert "the" in vocab and any(t.startswith("##") for t in vocab)
    # Uncased: no capital letters and no combining accents left.
    assert not [t for t in vocab[6:] if t != t.lower()]
    pre = BertPreprocessor(vocab)
    lines = [ln for ln in open(wordnet_corpus_path, encoding="utf-8").read().split("\n") if ln]
    ids = pre.tokenize(tf.constant(lines[:800]))
    unk_rate = float(tf.reduce_mean(tf.cast(ids.flat_values == 1, tf.float32)))
    assert unk_rate < 0.01


def test_learn_cased_vocab_keeps_case(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(
        "\n".join(["Paris is in France. London is in England."] * 30
                  + ["the Café in Zürich"] * 30) + "\n", encoding="utf-8")
    vocab = learn_wordpiece_vocab(str(corpus), vocab_size=200, lower_case=False,
                                  lower_thresh=1)
    assert "Paris" in vocab and "France" in vocab
    assert "Café" in vocab or "é" in vocab
    vocab_lc = learn_wordpiece_vocab(str(corpus), vocab_size=200, lower_case=True,
                                     lower_thresh=1)
    assert "paris" in vocab_lc and "Paris" not in vocab_lc and "cafe" in vocab_lc


def test_learn_bad_args(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("abc bcd cde def\n" * 5, encoding="utf-8")
    with pytest.raises(TfnlpError, match="vocab_size=3 is too small"):
        learn_wordpiece_vocab(str(corpus), vocab_size=3)
    with pytest.raises(TfnlpError, match="vocab_size=12 is too small for this corpus.*single-character"):
        learn_wordpiece_vocab(str(corpus), vocab_size=12, lower_thresh=1)
    with pytest.raises(TfnlpError, match="corpus file not found.*missing.txt"):
        learn_wordpiece_vocab(str(tmp_path / "missing.txt"), vocab_size=100)
