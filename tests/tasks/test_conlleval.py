import random

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import conlleval
from tfnlp.tasks.conlleval import end_of_chunk, start_of_chunk


def test_hand_worked_example_and_report():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "B-ORG"]]
    pred = [["B-PER", "I-PER", "O", "B-LOC", "O", "O", "I-ORG"]]
    # gold chunks PER(0-1) LOC(3-4) ORG(6); guessed PER(0-1) LOC(3) ORG(6):
    # correct PER and ORG (I-ORG after O starts a chunk); LOC ends too early.
    r = conlleval(gold, pred)
    assert (r.num_gold_chunks, r.num_guessed_chunks, r.num_correct_chunks) == (3, 3, 2)
    assert r.precision == pytest.approx(200 / 3)
    assert r.recall == pytest.approx(200 / 3)
    assert r.f1 == pytest.approx(200 / 3)
    assert r.accuracy == pytest.approx(500 / 7)  # B-ORG vs I-ORG is a tag error
    assert r.per_type["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0,
                                 "gold": 1, "guessed": 1, "correct": 0}
    assert r.per_type["ORG"]["f1"] == 100.0
    # the same lines conlleval.pl prints
    assert r.report().splitlines() == [
        "processed 7 tokens with 3 phrases; found: 3 phrases; correct: 2.",
        "accuracy:  71.43%; precision:  66.67%; recall:  66.67%; FB1:  66.67",
        "              LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  1",
        "              ORG: precision: 100.00%; recall: 100.00%; FB1: 100.00  1",
        "              PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  1",
    ]


def test_type_change_inside_a_chunk_splits_it():
    r = conlleval([["B-PER", "I-PER", "O"]], [["B-PER", "I-LOC", "O"]])
    # guessed: PER(0) and LOC(1) -- neither equals the gold PER(0-1)
    assert (r.num_gold_chunks, r.num_guessed_chunks, r.num_correct_chunks) == (1, 2, 0)
    assert (r.precision, r.recall, r.f1) == (0.0, 0.0, 0.0)


def test_iob1_style_guesses_count_as_chunks():
    r = conlleval([["B-PER", "I-PER", "B-PER", "O", "B-LOC"]],
                  [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]])
    assert (r.num_gold_chunks, r.num_guessed_chunks, r.num_correct_chunks) == (3, 3, 3)
    assert r.f1 == 100.0
    assert r.accuracy == pytest.approx(60.0)


def test_sentence_boundary_ends_chunks():
    one = conlleval([["B-PER", "I-PER"]], [["B-PER", "I-PER"]])
    two = conlleval([["B-PER"], ["I-PER"]], [["B-PER"], ["I-PER"]])
    assert one.num_gold_chunks == 1 and two.num_gold_chunks == 2
    assert two.f1 == 100.0
    # a guess that runs to the end of the sentence must end with the gold chunk
    r = conlleval([["O", "B-MISC", "I-MISC"], ["B-MISC"]], [["O", "B-MISC", "I-MISC"], ["I-MISC"]])
    assert r.num_correct_chunks == 2


def test_no_entities():
    r = conlleval([["O", "O"]], [["O", "O"]])
    assert (r.precision, r.recall, r.f1, r.accuracy) == (0.0, 0.0, 0.0, 100.0)
    r = conlleval([["B-PER"]], [["O"]])
    assert (r.precision, r.recall, r.f1) == (0.0, 0.0, 0.0)


def test_chunk_rules():
    assert start_of_chunk("O", "I", "", "PER")
    assert start_of_chunk("I", "I", "PER", "LOC")
    assert not start_of_chunk("B", "I", "PER", "PER")
    assert end_of_chunk("B", "B", "PER", "PER")
    assert end_of_chunk("I", "O", "PER", "")
    assert not end_of_chunk("B", "I", "PER", "PER")
    assert not end_of_chunk("O", "B", "", "PER")


def test_length_errors():
    with pytest.raises(TfnlpError, match="2 gold sentences but 1 predicted"):
        conlleval([["O"], ["O"]], [["O"]])
    with pytest.raises(TfnlpError, match="sentence 0: 2 gold tags but 1 predicted"):
        conlleval([["O", "O"]], [["O"]])


def test_agrees_with_seqeval_default_mode():
    seqeval_metrics = pytest.importorskip("seqeval.metrics")
    rng = random.Random(0)
    tags = ["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-MISC", "B-geo-loc", "I-geo-loc"]
    for _ in range(200):
        gold = [[rng.choice(tags) for _ in range(rng.randint(1, 9))] for _ in range(4)]
        pred = [[rng.choice(tags) for _ in s] for s in gold]
        r = conlleval(gold, pred)
        assert r.precision == pytest.approx(100 * seqeval_metrics.precision_score(gold, pred))
        assert r.recall == pytest.approx(100 * seqeval_metrics.recall_score(gold, pred))
        assert r.f1 == pytest.approx(100 * seqeval_metrics.f1_score(gold, pred))
