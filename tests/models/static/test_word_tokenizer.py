"""WordVocab and WordTokenizer: counts, caps, ids, packing, assets, errors."""

import collections

import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.static.tokenizer import WordTokenizer
from tfnlp.text.word_vocab import WordVocab, count_words, learn_word_vocab


def test_counts_match_split_words(corpus):
    counts = count_words(corpus)
    words = open(corpus, encoding="utf-8").read().split()
    assert counts == collections.Counter(words)  # the corpus is already split


def test_min_count_and_max_vocab(corpus):
    vocab = learn_word_vocab(corpus, min_count=1)
    assert vocab.words[:2] == ["the", "."] and vocab.counts == sorted(vocab.counts, reverse=True)
    capped = learn_word_vocab(corpus, min_count=1, max_vocab=5)
    assert capped.words == vocab.words[:5]
    rare = learn_word_vocab(corpus, min_count=500)
    assert all(c >= 500 for c in rare.counts) and len(rare) < len(vocab)
    with pytest.raises(TfnlpError, match="no word occurs at least min_count=100000"):
        learn_word_vocab(corpus, min_count=100000)
    with pytest.raises(TfnlpError, match="min_count must be"):
        WordVocab.from_counts({"a": 1}, min_count=0)


def test_tokenize_pack_detokenize(tokenizer):
    assert tokenizer.kind == "word"
    unknown = tokenizer.special_tokens["unknown_id"]
    assert unknown == tokenizer.vocab_size - 1 == len(tokenizer.words)
    ids = tokenizer.tokenize(tf.constant(["The CAT eats zebra!", ""])).to_list()
    the, cat, eats = (tokenizer.words.index(w) for w in ("the", "cat", "eats"))
    assert ids[0][:3] == [the, cat, eats] and ids[0][3] == unknown and ids[1] == []
    packed = tokenizer.pack([tokenizer.tokenize(tf.constant(["the cat", "a dog"])),
                             tokenizer.tokenize(tf.constant(["eats", "the cow sleeps"]))],
                            seq_length=4)
    assert packed["token_ids"].shape == (2, 4)
    assert packed["padding_mask"].numpy().tolist() == [[1, 1, 1, 0], [1, 1, 1, 1]]
    assert packed["segment_ids"].numpy().tolist()[0] == [0, 0, 1, 0]
    text = tokenizer.detokenize(tokenizer.tokenize(tf.constant(["the cat zebra"])))
    assert text.numpy().tolist() == [b"the cat [UNK]"]


def test_assets_round_trip(tokenizer, tmp_path):
    folder = tokenizer.save_assets(str(tmp_path / "assets"))
    again = WordTokenizer(folder)
    assert again.words == tokenizer.words and again.counts == tokenizer.counts
    assert sorted(again.asset_files()) == ["counts.txt", "vocab.txt"]
    rebuilt = WordTokenizer.from_config(again.get_config())
    assert rebuilt.words == tokenizer.words
    listed = WordTokenizer(["b", "a"], counts=[2, 1])
    with pytest.raises(TfnlpError, match="save_assets"):
        listed.asset_files()
    with pytest.raises(TfnlpError, match="not found"):
        WordTokenizer(str(tmp_path / "missing"))
