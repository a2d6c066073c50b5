"""NER and SQuAD features through GPT-2's byte-level BPE (no special tokens
around a segment, pieces that carry their leading space): word alignment and
answer decoding need nothing WordPiece-shaped."""

import os

import numpy as np
import pytest

import finetune_helpers as H
from tfnlp.tasks import (IGNORE_LABEL, conll_to_features, convert_squad_examples,
                         decode_squad_predictions, gold_answers, read_squad, squad_evaluate,
                         word_predictions)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from tfnlp.models.registry import get_family

    family = get_family("gpt2")
    root = tmp_path_factory.mktemp("bpe")
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(H.all_texts() * 3) + "\n", encoding="utf-8")
    return family.load_tokenizer(family.learn_tokenizer(str(corpus), str(root / "tok"), 300),
                                 seq_length=32)


def test_ner_round_trip(tokenizer):
    sentences = [(w.split(), t.split()) for w, t in H.NER_SENTENCES]
    tags = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    f = conll_to_features(sentences, tokenizer, tags, seq_length=10)
    labeled = f["label_ids"] != IGNORE_LABEL
    assert labeled.sum() == sum(len(w) for w, _ in sentences)
    assert (f["padding_mask"][labeled] == 1).all()
    preds = np.where(labeled, f["label_ids"], 0)
    assert word_predictions(f, preds, [len(w) for w, _ in sentences], tags) == [
        t for _, t in sentences]


def test_squad_perfect_logits_decode_to_the_answers(tokenizer, tmp_path):
    examples = read_squad(H.write_squad(os.path.join(tmp_path, "squad.json")))
    features = convert_squad_examples(examples, tokenizer, max_seq_length=24, doc_stride=6,
                                      max_query_length=8)
    assert len(features) > len(examples)
    start = np.full((len(features), 24), -10.0)
    end = np.full((len(features), 24), -10.0)
    for i, f in enumerate(features):
        start[i, f.start_position] = end[i, f.end_position] = 10.0
    preds = decode_squad_predictions(examples, features, start, end, tokenizer,
                                     lower_case=False)
    assert squad_evaluate(gold_answers(examples), preds.answers)["exact_match"] == 100.0
