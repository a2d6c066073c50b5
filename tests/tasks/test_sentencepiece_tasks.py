"""NER and SQuAD features through a SentencePiece tokenizer with XLNet's layout
(`A <sep> B <sep> <cls>`, left padding): nothing in the task code assumes
WordPiece or BERT's positions."""

import os

import numpy as np
import pytest

import finetune_helpers as H
from tfnlp.tasks import (IGNORE_LABEL, conll_to_features, convert_squad_examples,
                         decode_squad_predictions, gold_answers, read_squad, squad_evaluate,
                         word_predictions)

pytest.importorskip("sentencepiece")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from tfnlp.text.sentencepiece_tokenizer import (SentencePieceTokenizer,
                                                    learn_sentencepiece, pack_segments)

    class XlnetStyle(SentencePieceTokenizer):
        padding_side = "left"

        def pack(self, segments, seq_length=None):
            s = self.special_tokens
            return pack_segments(segments, seq_length or self.seq_length,
                                 end_id=s["end_of_segment_id"], pad_id=s["padding_id"],
                                 cls_id=s["start_of_sequence_id"], padding_side="left")

    root = tmp_path_factory.mktemp("spm")
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(H.all_texts() * 3) + "\n", encoding="utf-8")
    path = learn_sentencepiece(str(corpus), str(root / "sp"), vocab_size=200,
                               control_symbols=("<cls>", "<sep>"), pad_id=3)
    return XlnetStyle(path, seq_length=32)


def test_ner_labels_follow_the_pieces(tokenizer):
    sentences = [(w.split(), t.split()) for w, t in H.NER_SENTENCES]
    tags = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    f = conll_to_features(sentences, tokenizer, tags, seq_length=12)
    s = tokenizer.special_tokens
    for row in range(len(f["token_ids"])):
        real = f["token_ids"][row][f["padding_mask"][row] == 1]
        assert real[-1] == s["start_of_sequence_id"] and real[-2] == s["end_of_segment_id"]
        assert f["padding_mask"][row, -1] == 1
    labeled = f["label_ids"] != IGNORE_LABEL
    assert labeled.sum() == sum(len(w) for w, _ in sentences)
    preds = np.where(labeled, f["label_ids"], 0)
    assert word_predictions(f, preds, [len(w) for w, _ in sentences], tags) == [
        t for _, t in sentences]


def test_squad_windows_decode_to_the_answers(tokenizer, tmp_path):
    path = H.write_squad(os.path.join(tmp_path, "squad.json"))
    examples = read_squad(path)
    features = convert_squad_examples(examples, tokenizer, max_seq_length=24, doc_stride=6,
                                      max_query_length=8)
    assert len(features) > len(examples)  # contexts span several windows
    start = np.full((len(features), 24), -10.0)
    end = np.full((len(features), 24), -10.0)
    for i, f in enumerate(features):
        assert f.token_ids[f.null_position] == tokenizer.special_tokens["start_of_sequence_id"]
        start[i, f.start_position] = end[i, f.end_position] = 10.0
    preds = decode_squad_predictions(examples, features, start, end, tokenizer,
                                     lower_case=False)
    assert squad_evaluate(gold_answers(examples), preds.answers)["exact_match"] == 100.0
