"""ELMo character ids, word vocabulary and `ElmoTokenizer`."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.elmo import characters as C
from tfnlp.models.elmo.tokenizer import ElmoTokenizer
from tfnlp.models.elmo.vocab import learn_word_vocab, load_word_vocab


def test_char_ids_follow_elmo_scheme():
    ids = C.word_char_ids(tf.constant(["<S>", "</S>", "Hi", "é"])).numpy()
    assert ids.shape == (4, 50)
    assert ids[0, :4].tolist() == [259, 257, 260, 261]
    assert ids[1, :4].tolist() == [259, 258, 260, 261]
    assert ids[2, :5].tolist() == [259, ord("H") + 1, ord("i") + 1, 260, 261]
    # "é" is two UTF-8 bytes, each its own id.
    assert ids[3, :4].tolist() == [259, 0xC3 + 1, 0xA9 + 1, 260]
    assert ids.max() < C.NUM_CHAR_IDS and (ids[:, 0] == C.BOW_CHAR).all()


def test_long_words_are_truncated_not_refused():
    word = "x" * 70
    ids = C.word_char_ids(tf.constant([word])).numpy()[0]
    assert ids[0] == C.BOW_CHAR and ids[49] == C.EOW_CHAR
    assert (ids[1:49] == ord("x") + 1).all()


def test_learn_vocab_markers_first_min_count_and_size(corpus_file):
    words = learn_word_vocab(corpus_file, max_size=10, min_count=2)
    assert words[:3] == ["<S>", "</S>", "<UNK>"] and len(words) == 10
    assert words[3:5] == [".", "the"]   # by falling count ("The" is apart: case kept)
    assert "The" in learn_word_vocab(corpus_file)
    assert "The" not in learn_word_vocab(corpus_file, lower_case=True)
    rare = learn_word_vocab(corpus_file, min_count=1000)
    assert rare == ["<S>", "</S>", "<UNK>"]


def test_vocab_without_markers_is_refused(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("<S>\n<UNK>\nthe\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="missing </S>"):
        load_word_vocab(str(path))
    with pytest.raises(TfnlpError, match="sentence markers"):
        ElmoTokenizer(["the", "cat"])


def test_pack_shapes_markers_and_unknown_words(tokenizer):
    out = tokenizer(tf.constant(["The cat sat on the zebra.", ""]))
    ids = out["token_ids"].numpy()
    mask = out["padding_mask"].numpy()
    assert out["char_ids"].shape == (2, 16, 50)
    assert mask[0].sum() == 9 and mask[1].sum() == 2        # 7 words + markers
    assert ids[0, 0] == tokenizer.special_tokens["start_of_sequence_id"]
    assert ids[0, 8] == tokenizer.special_tokens["end_of_segment_id"]
    assert ids[0, 6] == tokenizer.special_tokens["unknown_id"]      # "zebra"
    chars = out["char_ids"].numpy()
    # The unknown word keeps its spelling; padding positions are all zero.
    assert chars[0, 6, :7].tolist() == [259] + [ord(c) + 1 for c in "zebra"] + [260]
    assert (chars[0, 9:] == 0).all() and (chars[0, :9, 0] == C.BOW_CHAR).all()
    words = tokenizer.detokenize(tokenizer.tokenize(tf.constant(["the cat sat"])))
    assert words.numpy().tolist() == [b"the cat sat"]


def test_pack_trims_long_and_paired_inputs(tokenizer):
    long = " ".join(["cat"] * 40)
    out = tokenizer.pack([tokenizer.split(tf.constant([long])),
                          tokenizer.split(tf.constant(["the dog"]))], seq_length=12)
    assert out["padding_mask"].numpy().sum() == 12
    seg = out["segment_ids"].numpy()[0]
    assert seg.tolist() == [0] * 9 + [1] * 3           # <S> 7 cats </S> | the dog </S>
    with pytest.raises(TfnlpError, match="seq_length"):
        tokenizer.pack([tokenizer.tokenize(tf.constant(["a"]))], seq_length=2)


def test_config_round_trip(tokenizer, tmp_path):
    clone = ElmoTokenizer.from_config(tokenizer.get_config())
    text = tf.constant(["A dog ran."])
    np.testing.assert_array_equal(clone(text)["char_ids"], tokenizer(text)["char_ids"])
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(clone))
    assert again.vocabulary == tokenizer.vocabulary and again.lower_case is False
    tokenizer.save_assets(str(tmp_path))
    assert load_word_vocab(str(tmp_path / "vocab.txt")) == tokenizer.vocabulary
