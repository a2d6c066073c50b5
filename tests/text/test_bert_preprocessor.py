"""Tests for tfnlp.text.BertPreprocessor: ids, packing, parity with HF, export."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.bert_preprocessor import BertPreprocessor

# Hard cases for BERT basic tokenization: accents, CJK, punctuation, symbols,
# odd whitespace and control characters, long words, emoji.
HARD_TEXTS = [
    "Café naïve résumé, Ångström and Dvořák's Zürich façade.",
    "北京大学 is in 北京; 東京 (Tokyo) and 한국어 too.",
    "Hello!!! (world) -- \"quoted\" 'single' ... $5.00, 50% off & e-mail@x.com?",
    "   multiple\tspaces\n and\u00a0nbsp\u200b zero-width  ",
    "pneumonoultramicroscopicsilicovolcanoconiosis is a very long word",
    "Emoji 🙂 and symbols ©®™ ½ °C → ∞ ﬁne ２０２４ x²",
    "soft\u00adhyphen, zero\u200bwidth and bidi\u200emarks, \x07bell",
    "CAPITALS and MiXeD CaSe WORDS, O'Neill's U.S.A.",
    "",
]


def _hf_tokenizer(vocab_path):
    transformers = pytest.importorskip("transformers")
    # from_pretrained reads tokenizer.json + config from the model folder; in
    # transformers 5 `BertTokenizerFast(vocab_file=...)` silently ignores the file.
    tok = transformers.BertTokenizerFast.from_pretrained(os.path.dirname(vocab_path))
    assert len(tok) == 30522 and tok("hello")["input_ids"] == [101, 7592, 102]
    return tok


@pytest.fixture(scope="module")
def pre(bert_vocab_path):
    return BertPreprocessor(bert_vocab_path, lower_case=True, seq_length=32)


def test_parity_with_hf_single_sentences(pre, bert_vocab_path, wordnet_texts):
    hf = _hf_tokenizer(bert_vocab_path)
    texts = wordnet_texts + HARD_TEXTS
    ours = pre.tokenize(tf.constant(texts)).to_list()
    ref = [hf(t, add_special_tokens=False)["input_ids"] for t in texts]
    mismatches = [(t, a, b) for t, a, b in zip(texts, ours, ref) if a != b]
    assert len(texts) > 1000
    assert not mismatches, mismatches[:3]
    # The hard cases really exercise accents, CJK and punctuation.
    hard = ours[len(wordnet_texts):]
    assert hard[0][:2] == hf("cafe naive")["input_ids"][1:3]
    assert pre.vocabulary[hard[1][0]] == "北"


def test_parity_with_hf_packed(pre, bert_vocab_path, wordnet_texts):
    hf = _hf_tokenizer(bert_vocab_path)
    a, b = wordnet_texts[:300], wordnet_texts[300:600]
    # seq_length 25: an even budget of 22 for the two segments, where
    # round-robin trimming and HF's longest_first agree exactly.
    out = pre.pack([pre.tokenize(a), pre.tokenize(b)], seq_length=25)
    enc = hf(a, b, truncation=True, max_length=25, padding="max_length")
    np.testing.assert_array_equal(out["token_ids"], enc["input_ids"])
    np.testing.assert_array_equal(out["segment_ids"], enc["token_type_ids"])
    np.testing.assert_array_equal(out["padding_mask"], enc["attention_mask"])
    single = pre(tf.constant(a))
    enc1 = hf(a, truncation=True, max_length=32, padding="max_length")
    np.testing.assert_array_equal(single["token_ids"], enc1["input_ids"])
    np.testing.assert_array_equal(single["padding_mask"], enc1["attention_mask"])
    # Truncation really happened on both sides.
    assert (np.asarray(enc["attention_mask"]).sum(1) == 25).mean() > 0.5


def test_odd_budget_gives_first_segment_the_extra_token(pre):
    # Round robin (as TF-Hub's bert_pack_inputs and Google's truncate_seq_pair):
    # with 21 slots for two long segments, a keeps 11 and b keeps 10.
    a = tf.ragged.constant([list(range(1000, 1030))], dtype=tf.int32)
    b = tf.ragged.constant([list(range(2000, 2030))], dtype=tf.int32)
    out = pre.pack([a, b], seq_length=24)
    ids = out["token_ids"].numpy()[0]
    seg = out["segment_ids"].numpy()[0]
    assert ids[0] == 101 and ids[12] == 102 and ids[23] == 102
    assert list(ids[1:12]) == list(range(1000, 1011))
    assert list(ids[13:23]) == list(range(2000, 2010))
    assert list(seg) == [0] * 13 + [1] * 11


def test_pack_layout_and_dtypes(pre):
    a = pre.tokenize(["the dog barked", "hi"])
    b = pre.tokenize(["at the cat", "there"])
    out = pre.pack([a, b], seq_length=12)
    assert set(out) == {"token_ids", "segment_ids", "padding_mask"}
    for v in out.values():
        assert v.dtype == tf.int32 and v.shape == (2, 12)
    ids, seg, mask = (out[k].numpy() for k in ("token_ids", "segment_ids", "padding_mask"))
    n_a, n_b = 3, 3
    assert ids[0, 0] == 101 and ids[0, 1 + n_a] == 102 and ids[0, 2 + n_a + n_b] == 102
    assert list(seg[0]) == [0] * (2 + n_a) + [1] * (n_b + 1) + [0] * (12 - 3 - n_a - n_b)
    assert list(mask[0]) == [1] * 9 + [0] * 3
    assert (ids[mask == 0] == 0).all()
    assert list(ids[1, :5]) == [101] + a[1].numpy().tolist() + [102] + b[1].numpy().tolist() + [102]


def test_call_single_and_pair_and_default_seq_length(pre):
    out = pre(tf.constant(["one sentence only."]))
    assert out["token_ids"].shape == (1, 32)
    assert int(tf.reduce_sum(out["segment_ids"])) == 0
    pair = pre((tf.constant(["a question?"]), tf.constant(["an answer."])))
    assert int(tf.reduce_sum(pair["segment_ids"])) > 0
    assert pre(tf.constant("scalar string"))["token_ids"].shape == (1, 32)


def test_special_tokens(pre):
    assert pre.special_tokens == {
        "vocab_size": 30522, "padding_id": 0, "start_of_sequence_id": 101,
        "end_of_segment_id": 102, "mask_id": 103, "unknown_id": 100}


def test_parity_with_hf_on_unicode_blocks(pre, bert_vocab_path):
    # Every character of Latin-1, Latin Extended, Greek, Cyrillic, general
    # punctuation, letterlike symbols, CJK punctuation and full-width forms.
    hf = _hf_tokenizer(bert_vocab_path)
    ranges = [(0x20, 0x7F), (0xA0, 0x250), (0x370, 0x3A3), (0x3A4, 0x460),
              (0x2000, 0x2070), (0x2100, 0x2200), (0x3000, 0x3040),
              (0xFF00, 0xFF60), (0xFB00, 0xFB07)]
    texts = [f"x{chr(c)}y {chr(c)} a{chr(c)}" for lo, hi in ranges for c in range(lo, hi)]
    ours = pre.tokenize(tf.constant(texts)).to_list()
    bad = [t for t, a in zip(texts, ours) if a != hf(t, add_special_tokens=False)["input_ids"]]
    assert len(texts) > 1250 and not bad, bad[:5]


def test_cased_parity_with_hf(bert_vocab_path, wordnet_texts):
    transformers = pytest.importorskip("transformers")
    hf = transformers.BertTokenizerFast(vocab=bert_vocab_path, do_lower_case=False)
    cased = BertPreprocessor(bert_vocab_path, lower_case=False)
    texts = wordnet_texts[:500] + HARD_TEXTS
    ours = cased.tokenize(tf.constant(texts)).to_list()
    bad = [t for t, a in zip(texts, ours) if a != hf(t, add_special_tokens=False)["input_ids"]]
    assert not bad, bad[:3]
    assert ours[-2] != BertPreprocessor(bert_vocab_path).tokenize([texts[-2]]).to_list()[0]


def test_cased_mode_keeps_case(small_vocab):
    vocab = small_vocab + ["Dog", "Café", "cafe"]
    cased = BertPreprocessor(vocab, lower_case=False, seq_length=8)
    uncased = BertPreprocessor(vocab, lower_case=True, seq_length=8)
    v = {t: i for i, t in enumerate(vocab)}
    assert cased.tokenize(["Dog dog Café"]).to_list() == [[v["Dog"], v["dog"], v["Café"]]]
    assert uncased.tokenize(["Dog dog Café"]).to_list() == [[v["dog"], v["dog"], v["cafe"]]]
    assert cased.tokenize(["zebra"]).to_list() == [[1]]  # [UNK]


def test_works_in_dataset_map_and_tf_function(pre):
    ds = tf.data.Dataset.from_tensor_slices(["the dog", "a cat sat", "x"]).batch(2).map(pre)
    batches = list(ds)
    assert batches[0]["token_ids"].shape == (2, 32) and batches[1]["token_ids"].shape == (1, 32)
    ds2 = tf.data.Dataset.from_tensor_slices((["q1", "q2"], ["a1", "a2"])).batch(2).map(
        lambda a, b: pre([a, b]))
    assert int(tf.reduce_sum(next(iter(ds2))["segment_ids"])) > 0
    f = tf.function(lambda s: pre.pack([pre.tokenize(s)], seq_length=8),
                    input_signature=[tf.TensorSpec([None], tf.string)])
    np.testing.assert_array_equal(f(tf.constant(["the dog"]))["token_ids"],
                                  pre(tf.constant(["the dog"]))["token_ids"][:, :8])


def test_get_config_round_trip(small_vocab):
    layer = BertPreprocessor(small_vocab, lower_case=False, seq_length=10, name="pp")
    config = layer.get_config()
    assert config["vocabulary"] == small_vocab and config["seq_length"] == 10
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(clone, BertPreprocessor) and clone.lower_case is False
    x = tf.constant(["the dog sat on the mat"])
    np.testing.assert_array_equal(clone(x)["token_ids"], layer(x)["token_ids"])


def test_saved_model_export_in_fresh_process(tmp_path, small_vocab):
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(small_vocab) + "\n", encoding="utf-8")
    export = tmp_path / "pre_sm"

    class Module(tf.Module):
        def __init__(self):
            super().__init__()
            self.pre = BertPreprocessor(str(vocab_file), seq_length=10)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, x):
            return self.pre(x)

        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def tokenize(self, x):
            return self.pre.tokenize(x)

    module = Module()
    expected = module(tf.constant(["the big dogs barked"]))["token_ids"].numpy().tolist()
    tf.saved_model.save(module, str(export))
    os.remove(vocab_file)  # the export must not depend on the source vocab file
    code = textwrap.dedent(f"""
        import tensorflow as tf, tensorflow_text
        m = tf.saved_model.load({str(export)!r})
        print(m(tf.constant(["the big dogs barked"]))["token_ids"].numpy().tolist())
        print(m.tokenize(tf.constant(["the big dogs barked"])).to_list())
    """)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.strip().splitlines()
    assert lines[-2] == str(expected)
    assert lines[-1] == "[[5, 24, 6, 15, 13]]"  # the big dog ##s barked


@pytest.mark.parametrize("kwargs, message", [
    (dict(vocabulary=123), "vocabulary must be a vocab file path or a list"),
    (dict(vocabulary=["a", "b"]), "lacks the special tokens"),
    (dict(vocabulary="/no/such/vocab.txt"), "vocab file not found: /no/such/vocab.txt"),
    (dict(seq_length=1), "seq_length=1 is too short.*at least 2"),
    (dict(seq_length=8.0), "seq_length must be an int"),
    (dict(lower_case="yes"), "lower_case must be True or False"),
])
def test_bad_constructor_args(small_vocab, kwargs, message):
    kwargs = {"vocabulary": small_vocab, **kwargs}
    with pytest.raises(TfnlpError, match=message):
        BertPreprocessor(**kwargs)


def test_bad_pack_and_call_args(small_vocab):
    pre = BertPreprocessor(small_vocab, seq_length=8)
    a = pre.tokenize(["the dog"])
    with pytest.raises(TfnlpError, match="seq_length=2 is too short.*2 segment.*at least 3"):
        pre.pack([a, a], seq_length=2)
    with pytest.raises(TfnlpError, match="pack takes 1 or 2 segments, got 3"):
        pre.pack([a, a, a])
    with pytest.raises(TfnlpError, match="1 or 2 text segments, got 3"):
        pre([tf.constant(["x"])] * 3)
    with pytest.raises(TfnlpError, match="tokenize expects strings, got dtype int32"):
        pre.tokenize(tf.constant([1, 2]))
