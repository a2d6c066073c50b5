"""SentencePieceTokenizer: parity with the `sentencepiece` library on real
models (mistral-common's), learning, packing, assets and bad input."""

import glob
import os

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.sentencepiece_tokenizer import (SentencePieceTokenizer,
                                                learn_sentencepiece,
                                                pack_segments)

spm = pytest.importorskip("sentencepiece")

UNICODE_TEXTS = [
    "Grüße aus Köln — naïve café, déjà vu.",
    "Ελληνικά κείμενα και русский текст.",
    "中文分词测试，日本語のテキスト。",
    "emoji 🙂🚀 and math ∑ x² ≤ ∞",
    "  leading and   multiple   spaces\tand\ttabs  ",
    "numbers 1,234,567 and 3.14159, 2024-12-01",
    "",
    "e\u0301 combining accent and \u00a0no-break space",
]


def mistral_models():
    mod = pytest.importorskip("mistral_common")
    folder = os.path.join(os.path.dirname(mod.__file__), "data")
    paths = sorted(p for p in glob.glob(os.path.join(folder, "*.model.v*"))
                   if not p.endswith("m1"))
    assert paths, folder
    return paths


@pytest.fixture(scope="module")
def noun_glosses():
    """About 1,200 real English glosses and examples from WordNet's data.noun."""
    from tfnlp.data import wordnet

    texts = []
    for i, synset in enumerate(wordnet.iter_synsets(pos_files=("noun",))):
        if i % 70 == 0:
            texts.append(synset["definition"])
            texts.extend(synset["examples"][:1])
    assert len(texts) > 1000
    return texts


@pytest.fixture(scope="module")
def learned_model(tmp_path_factory, noun_glosses):
    folder = tmp_path_factory.mktemp("spm")
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(noun_glosses) + "\n", encoding="utf-8")
    return learn_sentencepiece(str(corpus), str(folder / "out"), vocab_size=400,
                               control_symbols=("<cls>", "<sep>"),
                               user_defined_symbols=("<mask>",))


@pytest.mark.parametrize("path", mistral_models(), ids=os.path.basename)
def test_ids_equal_sentencepiece_library_on_real_models(path, noun_glosses):
    texts = noun_glosses + UNICODE_TEXTS
    reference = spm.SentencePieceProcessor(model_file=path)
    tokenizer = SentencePieceTokenizer(path)
    ids = tokenizer.tokenize(tf.constant(texts)).to_list()
    expected = [reference.encode(t) for t in texts]
    mismatches = [i for i, (a, b) in enumerate(zip(ids, expected)) if a != b]
    assert not mismatches, [texts[i] for i in mismatches[:3]]
    assert tokenizer.vocab_size == reference.get_piece_size()
    # Detokenize round-trips (as the library decodes).
    text = tokenizer.detokenize(tf.ragged.constant(ids, dtype=tf.int32)).numpy()
    assert [t.decode("utf-8") for t in text] == [reference.decode(e) for e in expected]
    assert text[0].decode("utf-8") == texts[0]


def v1_model():
    return next(p for p in mistral_models() if p.endswith("tokenizer.model.v1"))


def test_detokenize_round_trips_unicode():
    path = v1_model()
    tokenizer = SentencePieceTokenizer(path)
    texts = [t for t in UNICODE_TEXTS if t and t == " ".join(t.split())]
    back = tokenizer.detokenize(tokenizer.tokenize(tf.constant(texts))).numpy()
    assert [b.decode("utf-8") for b in back] == texts


def test_special_tokens_and_bert_like_pack():
    tokenizer = SentencePieceTokenizer(v1_model(), seq_length=12)
    special = tokenizer.special_tokens
    # mistral v1 (a llama-style model): <unk>=0, <s>=1, </s>=2, no pad.
    assert special["unknown_id"] == 0 and special["start_of_sequence_id"] == 1
    assert special["end_of_segment_id"] == 2 and special["padding_id"] == 0
    assert special["mask_id"] is None and special["vocab_size"] == 32000
    a = tokenizer.tokenize(tf.constant(["the cat sat", "a dog"]))
    b = tokenizer.tokenize(tf.constant(["on the mat", "barked loudly at the moon all night long"]))
    out = tokenizer.pack([a, b])
    ids, seg, mask = (out[k].numpy() for k in ("token_ids", "segment_ids", "padding_mask"))
    assert ids.shape == (2, 12)
    row = ids[0][mask[0] == 1].tolist()
    assert row == [1] + a[0].numpy().tolist() + [2] + b[0].numpy().tolist() + [2]
    assert seg[0][mask[0] == 1].tolist() == [0] * (len(a[0]) + 2) + [1] * (len(b[0]) + 1)
    assert mask[1].tolist() == [1] * 12  # trimmed round-robin to fit
    assert list(ids[1]).count(2) == 2 and ids[1][0] == 1
    assert mask[0][-1] == 0 and ids[0][-1] == special["padding_id"]


def test_left_padding_xlnet_layout():
    segments = [tf.ragged.constant([[10, 11], [12]]), tf.ragged.constant([[20], [21, 22, 23]])]
    out = pack_segments(segments, 8, end_id=4, pad_id=5, cls_id=3, padding_side="left",
                        cls_segment_id=2, pad_segment_id=4)
    np.testing.assert_array_equal(out["token_ids"].numpy(),
                                  [[5, 5, 10, 11, 4, 20, 4, 3], [5, 12, 4, 21, 22, 23, 4, 3]])
    np.testing.assert_array_equal(out["segment_ids"].numpy(),
                                  [[4, 4, 0, 0, 0, 1, 1, 2], [4, 0, 0, 1, 1, 1, 1, 2]])
    np.testing.assert_array_equal(out["padding_mask"].numpy(),
                                  [[0, 0, 1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1, 1, 1]])
    with pytest.raises(TfnlpError, match="too short"):
        pack_segments(segments, 3, end_id=4, pad_id=5, cls_id=3)


def test_learned_model_pieces_and_assets(learned_model, tmp_path, noun_glosses):
    tokenizer = SentencePieceTokenizer(os.path.dirname(learned_model), seq_length=16)
    reference = spm.SentencePieceProcessor(model_file=learned_model)
    assert tokenizer.vocab_size == reference.get_piece_size() <= 400
    assert tokenizer.vocabulary[:6] == ["<unk>", "<s>", "</s>", "<cls>", "<sep>", "<mask>"]
    special = tokenizer.special_tokens
    assert (special["start_of_sequence_id"], special["end_of_segment_id"],
            special["mask_id"]) == (3, 4, 5)
    ids = tokenizer.tokenize(tf.constant(noun_glosses[:200])).to_list()
    assert ids == [reference.encode(t) for t in noun_glosses[:200]]
    # "<mask>" is a user-defined piece: kept whole in text.
    assert tokenizer.tokenize(tf.constant(["a <mask> b"])).to_list()[0].count(5) == 1
    # assets round trip through a new folder; the layer config rebuilds it.
    tokenizer.save_assets(str(tmp_path / "assets"))
    again = SentencePieceTokenizer(str(tmp_path / "assets"))
    assert again.tokenize(tf.constant(["an entity"])).to_list() == \
        tokenizer.tokenize(tf.constant(["an entity"])).to_list()
    clone = SentencePieceTokenizer.from_config(tokenizer.get_config())
    assert clone.seq_length == 16 and clone.asset_files() == tokenizer.asset_files()
    # in a tf.function (as in tf.data and exported modules).
    fn = tf.function(lambda s: tokenizer(s)["token_ids"],
                     input_signature=[tf.TensorSpec([None], tf.string)])
    assert fn(tf.constant(["a thing", "b"])).shape == (2, 16)


def test_bad_inputs(tmp_path, learned_model):
    bad = tmp_path / "vocab.model"
    bad.write_text("[PAD]\n[UNK]\nhello\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="not a SentencePiece model"):
        SentencePieceTokenizer(str(bad))
    with pytest.raises(TfnlpError, match="not found"):
        SentencePieceTokenizer(str(tmp_path / "missing.model"))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(TfnlpError, match="no spiece.model"):
        SentencePieceTokenizer(str(empty))
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="vocab_size"):
        learn_sentencepiece(str(corpus), str(tmp_path / "o"), vocab_size=3)
    tokenizer = SentencePieceTokenizer(learned_model)
    with pytest.raises(TfnlpError, match="expects strings"):
        tokenizer.tokenize(tf.constant([1, 2]))


def test_survives_set_seed(learned_model):
    # tf-text's own model resource dies when TF clears its kernel cache.
    tokenizer = SentencePieceTokenizer(learned_model)
    before = tokenizer.tokenize(tf.constant(["an entity"])).to_list()
    tf.random.set_seed(7)
    assert tokenizer.tokenize(tf.constant(["an entity"])).to_list() == before
    assert tokenizer.detokenize(tf.ragged.constant(before)).numpy()[0] == b"an entity"


def test_saved_model_keeps_the_model(learned_model, tmp_path):
    import shutil

    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(learned_model, folder / "spiece.model")
    tokenizer = SentencePieceTokenizer(str(folder), seq_length=8)
    module = tf.Module()
    module.tokenizer = tokenizer
    module.pack = tf.function(lambda s: tokenizer(s),
                              input_signature=[tf.TensorSpec([None], tf.string)])
    expected = module.pack(tf.constant(["an entity", "a thing"]))["token_ids"].numpy()
    tf.saved_model.save(module, str(tmp_path / "saved"))
    shutil.rmtree(folder)
    loaded = tf.saved_model.load(str(tmp_path / "saved"))
    tf.random.set_seed(3)
    np.testing.assert_array_equal(
        loaded.pack(tf.constant(["an entity", "a thing"]))["token_ids"].numpy(), expected)
