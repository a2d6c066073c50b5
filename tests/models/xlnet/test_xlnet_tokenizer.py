"""XLNetTokenizer against a Python reference of XLNet's `prepro_utils.py`."""

import unicodedata

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.xlnet.tokenizer import XLNetTokenizer, preprocess_text

spm = pytest.importorskip("sentencepiece")

SPIECE_UNDERLINE = "\u2581"

EXTRA_TEXTS = [
    "In 1990, 1991, and 2001, sales rose; 3,000 units, then 4, 5, 6, more.",
    "  spaced   out\ttext \u00a0 with\u3000odd   spaces  ",
    "He said ``hello'' and left.",
    "Café déjà vu, naïve résumé in Zürich; Ångström.",
    "x², ①, and ٣, digits",
    "",
]


# --- the reference: xlnet/prepro_utils.py semantics, in plain Python -----------

def ref_preprocess_text(inputs, lower=False, remove_space=True, keep_accents=False):
    outputs = " ".join(inputs.strip().split()) if remove_space else inputs
    outputs = outputs.replace("``", '"').replace("''", '"')
    if not keep_accents:
        outputs = unicodedata.normalize("NFKD", outputs)
        outputs = "".join(c for c in outputs if not unicodedata.combining(c))
    if lower:
        outputs = outputs.lower()
    return outputs


def ref_encode_pieces(sp_model, text):
    pieces = sp_model.EncodeAsPieces(text)
    new_pieces = []
    for piece in pieces:
        if len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit():
            cur_pieces = sp_model.EncodeAsPieces(piece[:-1].replace(SPIECE_UNDERLINE, ""))
            if piece[0] != SPIECE_UNDERLINE and cur_pieces[0][0] == SPIECE_UNDERLINE:
                if len(cur_pieces[0]) == 1:
                    cur_pieces = cur_pieces[1:]
                else:
                    cur_pieces[0] = cur_pieces[0][1:]
            cur_pieces.append(piece[-1])
            new_pieces.extend(cur_pieces)
        else:
            new_pieces.append(piece)
    return new_pieces


def ref_encode_ids(sp_model, text, **preprocess):
    pieces = ref_encode_pieces(sp_model, ref_preprocess_text(text, **preprocess))
    return [sp_model.PieceToId(p) for p in pieces]


@pytest.fixture(scope="module")
def texts(xlnet_corpus):
    with open(xlnet_corpus, encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    return lines[::3] + EXTRA_TEXTS


def test_learnt_model_has_xlnet_ids(xlnet_tokenizer):
    assert xlnet_tokenizer.vocabulary[:9] == [
        "<unk>", "<s>", "</s>", "<cls>", "<sep>", "<pad>", "<mask>", "<eod>", "<eop>"]
    special = xlnet_tokenizer.special_tokens
    assert special == {"vocab_size": xlnet_tokenizer.vocab_size, "padding_id": 5,
                       "start_of_sequence_id": 3, "end_of_segment_id": 4,
                       "mask_id": 6, "unknown_id": 0}
    assert xlnet_tokenizer.padding_side == "left" and xlnet_tokenizer.kind == "sentencepiece"


@pytest.mark.parametrize("options", [dict(), dict(lower=True), dict(keep_accents=True)],
                         ids=["cased", "lower", "keep_accents"])
def test_ids_equal_prepro_utils_reference(xlnet_spiece, texts, options):
    reference = spm.SentencePieceProcessor(model_file=xlnet_spiece)
    tokenizer = XLNetTokenizer(xlnet_spiece, lower_case=options.get("lower", False),
                               keep_accents=options.get("keep_accents", False))
    got = tokenizer.tokenize(tf.constant(texts)).to_list()
    expected = [ref_encode_ids(reference, t, **options) for t in texts]
    bad = [i for i in range(len(texts)) if got[i] != expected[i]]
    assert not bad, [(texts[i], got[i], expected[i]) for i in bad[:2]]
    # The digit-comma rule really was exercised: plain SentencePiece differs.
    plain = [reference.encode(ref_preprocess_text(t, **options)) for t in texts]
    assert sum(p != e for p, e in zip(plain, expected)) >= 5


def test_preprocess_text_matches_reference(texts):
    for options in (dict(), dict(lower=True), dict(keep_accents=True)):
        got = preprocess_text(tf.constant(texts), lower_case=options.get("lower", False),
                              keep_accents=options.get("keep_accents", False)).numpy()
        assert [g.decode("utf-8") for g in got] == [ref_preprocess_text(t, **options)
                                                   for t in texts]


def test_pack_left_padded_with_cls_last(xlnet_tokenizer):
    a = xlnet_tokenizer.tokenize(tf.constant(["a dog", "the history of the world"]))
    b = xlnet_tokenizer.tokenize(tf.constant(["runs", "a very long account " * 8]))
    out = xlnet_tokenizer.pack([a, b], seq_length=16)
    ids, seg, mask = (out[k].numpy() for k in ("token_ids", "segment_ids", "padding_mask"))
    la, lb = len(a[0]), len(b[0])
    n = la + lb + 3
    assert ids[0, -n:].tolist() == a[0].numpy().tolist() + [4] + b[0].numpy().tolist() + [4, 3]
    assert ids[0, :-n].tolist() == [5] * (16 - n) and mask[0].tolist() == [0] * (16 - n) + [1] * n
    assert seg[0].tolist() == [4] * (16 - n) + [0] * (la + 1) + [1] * (lb + 1) + [2]
    assert mask[1].all() and ids[1, -1] == 3 and (ids[1] == 4).sum() == 2
    single = xlnet_tokenizer(tf.constant(["a dog"]))
    assert single["token_ids"].shape == (1, 32)
    assert single["token_ids"].numpy()[0, -1] == 3 and single["token_ids"].numpy()[0, -2] == 4


def test_detokenize_and_words(xlnet_tokenizer):
    ids = xlnet_tokenizer.tokenize(tf.constant(["the history of a dog"]))
    assert xlnet_tokenizer.detokenize(ids).numpy()[0].decode() == "the history of a dog"
    words = xlnet_tokenizer.tokenize_words(["the", "history"])
    assert len(words) == 2 and all(words)


def test_config_round_trip_and_graph(xlnet_tokenizer, xlnet_spiece):
    clone = XLNetTokenizer.from_config(xlnet_tokenizer.get_config())
    assert clone.seq_length == 32 and not clone.lower_case
    fn = tf.function(lambda s: clone(s), input_signature=[tf.TensorSpec([None], tf.string)])
    out = fn(tf.constant(["In 1990, a cat sat.", "b"]))
    np.testing.assert_array_equal(out["token_ids"].numpy(),
                                  xlnet_tokenizer(tf.constant(["In 1990, a cat sat.", "b"]))
                                  ["token_ids"].numpy())


def test_bad_models(tmp_path):
    import glob
    import os

    mod = pytest.importorskip("mistral_common")
    plain = glob.glob(os.path.join(os.path.dirname(mod.__file__), "data", "tokenizer.model.v1"))[0]
    with pytest.raises(TfnlpError, match="lacks XLNet's special pieces <cls> <sep>"):
        XLNetTokenizer(plain)
    bad = tmp_path / "spiece.model"
    bad.write_bytes(b"\x00\x01not a model")
    with pytest.raises(TfnlpError, match="not a SentencePiece model"):
        XLNetTokenizer(str(tmp_path))
