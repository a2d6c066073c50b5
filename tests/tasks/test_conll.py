import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import (IGNORE_LABEL, TaggedSentence, build_tag_vocab, conll_to_features,
                         iob1_to_iob2, iob2_violation, read_conll, word_predictions,
                         write_conll)

CONLL2003_IOB2 = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O
. . O O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER

"""

# The original CoNLL-2003 files are IOB1: chunks start with I-.
CONLL2003_IOB1 = """-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
to TO I-VP O
boycott VB I-VP O
British JJ I-NP I-MISC
lamb NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER
Paris NNP I-NP B-PER
"""


def test_reads_iob2_four_columns_and_skips_docstart(write):
    sentences = read_conll(write("a.conll", CONLL2003_IOB2), scheme="bio")
    assert [s.words for s in sentences] == [
        ["EU", "rejects", "German", "call", "."], ["Peter", "Blackburn"]]
    assert sentences[0].tags == ["B-ORG", "O", "B-MISC", "O", "O"]
    assert sentences[1].tags == ["B-PER", "I-PER"]
    assert sentences[1].lines == [9, 10]


def test_iob1_is_converted(write):
    path = write("iob1.conll", CONLL2003_IOB1)
    for scheme in ("auto", "iob1"):
        sentences = read_conll(path, scheme=scheme)
        assert sentences[0].tags == ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"]
        # B- in IOB1 separates two adjacent chunks of one type
        assert sentences[1].tags == ["B-PER", "I-PER", "B-PER"]


def test_strict_bio_rejects_iob1_naming_the_line(write):
    path = write("iob1.conll", CONLL2003_IOB1)
    with pytest.raises(TfnlpError, match=r"iob1\.conll:3: tag 'I-ORG' after 'O' does not continue "
                                         r"a chunk.*scheme='iob1'"):
        read_conll(path, scheme="bio")
    path = write("typechange.conll", "New B-LOC\nYork I-ORG\n")
    with pytest.raises(TfnlpError, match=r"typechange\.conll:2: tag 'I-ORG' after 'B-LOC'"):
        read_conll(path, scheme="bio")


@pytest.mark.parametrize("content, message", [
    ("EU B-ORG\nrejects\n", r"bad\.conll:2: expected 'token \.\.\. tag' \(at least 2 columns\)"),
    ("EU B-ORG\n\nx S-PER\n", r"bad\.conll:3: tag 'S-PER' is not O, B-TYPE or I-TYPE"),
    ("EU B-\n", r"bad\.conll:1: tag 'B-' is not O, B-TYPE or I-TYPE"),
    ("EU PER\n", r"bad\.conll:1: tag 'PER'"),
    ("", r"bad\.conll: no tagged tokens found"),
    ("-DOCSTART- O\n\n\n", r"bad\.conll: no tagged tokens found"),
])
def test_malformed(write, content, message):
    with pytest.raises(TfnlpError, match=message):
        read_conll(write("bad.conll", content))


def test_non_utf8_and_bad_scheme(write):
    with pytest.raises(TfnlpError, match=r"latin\.conll:2: not valid UTF-8"):
        read_conll(write("latin.conll", b"EU B-ORG\ncaf\xe9 O\n"))
    with pytest.raises(TfnlpError, match="scheme must be one of"):
        read_conll(write("ok.conll", "EU B-ORG\n"), scheme="bioes")


def test_scheme_helpers():
    assert iob2_violation(["B-PER", "I-PER", "O", "B-LOC"]) is None
    assert iob2_violation(["B-PER", "I-LOC"]) == 1
    assert iob1_to_iob2(["O", "I-LOC", "I-PER", "I-PER", "B-PER"]) == [
        "O", "B-LOC", "B-PER", "I-PER", "B-PER"]


def test_write_round_trip_and_vocab(write, tmp_path):
    sentences = read_conll(write("a.conll", CONLL2003_IOB2))
    out = str(tmp_path / "out.conll")
    assert write_conll(out, sentences) == 2
    again = read_conll(out, scheme="bio")
    assert [(s.words, s.tags) for s in again] == [(s.words, s.tags) for s in sentences]
    assert build_tag_vocab(sentences) == ["O", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    with pytest.raises(TfnlpError, match="has whitespace"):
        write_conll(out, [(["New York"], ["B-LOC"])])


# A tiny fake word-piece tokenizer: exact, hand-checkable ids.
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "eu", "rejects", "german", "call", ".",
         "black", "##burn", "peter", "##s"]
PIECES = {"EU": [4], "rejects": [5], "German": [6], "call": [7], ".": [8],
          "Peter": [11], "Blackburn": [9, 10], "calls": [7, 12]}


def _fake():
    from fake_tokenizers import DictTokenizer

    return DictTokenizer(VOCAB, PIECES)


fake_tokenize = _fake()


TAGS = ["O", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"]


def test_features_label_first_piece_only():
    sentences = [TaggedSentence(["EU", "rejects", "German"], ["B-ORG", "O", "B-MISC"]),
                 TaggedSentence(["Peter", "Blackburn", "zzz"], ["B-PER", "I-PER", "O"])]
    f = conll_to_features(sentences, fake_tokenize, TAGS, seq_length=8)
    assert f["token_ids"].tolist() == [[2, 4, 5, 6, 3, 0, 0, 0],
                                       [2, 11, 9, 10, 1, 3, 0, 0]]  # zzz -> [UNK]
    X = IGNORE_LABEL
    assert f["label_ids"].tolist() == [[X, 3, 0, 1, X, X, X, X],
                                       [X, 5, 6, X, 0, X, X, X]]
    assert f["padding_mask"].tolist() == [[1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 0, 0]]
    assert f["word_ids"].tolist()[1] == [-1, 0, 1, -1, 2, -1, -1, -1]
    assert f["segment_ids"].sum() == 0
    assert f["sentence_ids"].tolist() == [0, 1]
    for key in ("token_ids", "segment_ids", "padding_mask", "label_ids", "word_ids"):
        assert f[key].dtype == np.int32 and f[key].shape == (2, 8)


def test_long_sentence_split_and_truncate():
    words = ["Peter", "Blackburn", "rejects", "calls", "EU", "."]
    tags = ["B-PER", "I-PER", "O", "O", "B-ORG", "O"]  # pieces: 1 2 1 2 1 1
    f = conll_to_features([(words, tags)], fake_tokenize, TAGS, seq_length=5)
    # budget 3 pieces per window, cut at word boundaries
    assert f["token_ids"].tolist() == [[2, 11, 9, 10, 3], [2, 5, 7, 12, 3], [2, 4, 8, 3, 0]]
    assert f["sentence_ids"].tolist() == [0, 0, 0]
    preds = np.where(f["label_ids"] >= 0, f["label_ids"], 0)
    assert word_predictions(f, preds, [6], TAGS) == [tags]
    t = conll_to_features([(words, tags)], fake_tokenize, TAGS, seq_length=5,
                          overflow="truncate")
    assert t["token_ids"].shape == (1, 5)
    preds = np.where(t["label_ids"] >= 0, t["label_ids"], 0)
    assert word_predictions(t, preds, [6], TAGS) == [["B-PER", "I-PER", "O", "O", "O", "O"]]


def test_features_errors():
    with pytest.raises(TfnlpError, match="seq_length 2 leaves no room for a word"):
        conll_to_features([(["EU"], ["B-ORG"])], fake_tokenize, TAGS, seq_length=2)
    with pytest.raises(TfnlpError, match=r"tag 'B-LOC' is not in the tag vocabulary"):
        conll_to_features([(["EU"], ["B-LOC"])], fake_tokenize, TAGS)
    with pytest.raises(TfnlpError, match="overflow must be"):
        conll_to_features([(["EU"], ["O"])], fake_tokenize, TAGS, overflow="drop")
    f = conll_to_features([(["EU"], ["O"])], fake_tokenize, TAGS, seq_length=4)
    with pytest.raises(TfnlpError, match="predicted_ids has shape"):
        word_predictions(f, np.zeros((1, 5), np.int32), [1], TAGS)


def test_features_with_real_wordpiece(wordpiece):
    sentences = [TaggedSentence(["Blackburn", "visited", "Strasbourg", "."],
                                ["B-PER", "O", "B-LOC", "O"])]
    tags = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    vocab = wordpiece.vocabulary
    f = conll_to_features(sentences, wordpiece, tags, seq_length=16)
    tokens = [vocab[i] for i in f["token_ids"][0] if i]
    assert tokens == ["[CLS]", "blackburn", "visited", "strasbourg", ".", "[SEP]"]
    labeled = [(tokens[p], tags[f["label_ids"][0, p]]) for p in range(len(tokens))
               if f["label_ids"][0, p] != IGNORE_LABEL]
    assert labeled == [("blackburn", "B-PER"), ("visited", "O"), ("strasbourg", "B-LOC"), (".", "O")]
    pieces = wordpiece.tokenize_words(["unaffable"])[0]
    assert [vocab[i] for i in pieces] == ["una", "##ffa", "##ble"]
    f = conll_to_features([(["an", "unaffable", "man"], ["O", "O", "O"])], wordpiece,
                          tags, seq_length=10)
    assert f["label_ids"][0, :7].tolist() == [-100, 0, 0, -100, -100, 0, -100]


def test_features_with_left_padding(wordpiece, left_wordpiece):
    """XLNet's layout (pieces, [SEP], [CLS] at the end, pads first): the labels
    follow the pieces, and predictions map back to the same words."""
    words = ["Peter", "Blackburn", "visited", "Strasbourg", "unaffable", "."]
    tags = ["B-PER", "I-PER", "O", "B-LOC", "O", "O"]
    vocab_tags = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    right = conll_to_features([(words, tags)], wordpiece, vocab_tags, seq_length=8)
    left = conll_to_features([(words, tags)], left_wordpiece, vocab_tags, seq_length=8)
    assert right["token_ids"].shape == left["token_ids"].shape == (2, 8)
    vocab = wordpiece.vocabulary
    row = left["token_ids"][1]
    assert [vocab[i] for i in row[left["padding_mask"][1] == 1]][-2:] == ["[SEP]", "[CLS]"]
    assert left["padding_mask"][1, 0] == 0 and left["padding_mask"][1, -1] == 1
    for f in (right, left):  # the same pieces carry the same labels
        kept = f["label_ids"] != IGNORE_LABEL
        assert [vocab[i] for i in f["token_ids"][kept]] == [
            "peter", "blackburn", "visited", "strasbourg", "una", "."]
        preds = np.where(kept, f["label_ids"], 0)
        assert word_predictions(f, preds, [len(words)], vocab_tags) == [tags]
