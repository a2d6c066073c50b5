import pytest

from tfnlp.errors import TfnlpError
from tfnlp.tasks import normalize_answer, squad_evaluate, squad_v1_evaluate, squad_v2_evaluate
from tfnlp.tasks.squad_metrics import exact_match_score, f1_score


def test_normalize_answer():
    assert normalize_answer("The Denver Broncos!") == "denver broncos"
    assert normalize_answer("  an   apple, a pear ") == "apple pear"
    assert normalize_answer("theory") == "theory"  # articles only as whole words
    assert normalize_answer("A.D. 1066") == "ad 1066"


def test_token_f1_by_hand():
    # pred "broncos of denver" (3) vs gold "denver broncos" (2): 2 common -> P 2/3, R 1
    assert f1_score("the Broncos of Denver", "Denver Broncos") == pytest.approx(0.8)
    assert f1_score("Carolina", "Denver Broncos") == 0.0
    assert f1_score("", "") == 1.0 and f1_score("", "x") == 0.0  # v2.0 rule
    assert exact_match_score("Denver Broncos.", "the denver broncos") == 1


def test_v1_max_over_gold_and_missing_predictions():
    gold = {"q1": ["Denver Broncos", "The Broncos"],
            "q2": ["Santa Clara, California", "Levi's Stadium"],
            "q3": ["February 7, 2016"]}
    preds = {"q1": "Broncos", "q2": "Levi's Stadium in Santa Clara"}
    # q1: "broncos" == normalized "The Broncos" -> EM 1, F1 1
    # q2: EM 0; vs "levis stadium": P 2/5 R 1 -> 4/7; vs "santa clara california": P 2/5 R 2/3 -> 0.5
    # q3: missing -> 0, still counted
    r = squad_v1_evaluate(gold, preds)
    assert r["total"] == 3
    assert r["exact_match"] == pytest.approx(100 / 3)
    assert r["f1"] == pytest.approx(100 * (1.0 + 4 / 7 + 0) / 3)
    assert squad_evaluate(gold, {"q1": "the Denver Broncos", "q2": "Levi's Stadium",
                                 "q3": "February 7, 2016"}) == {
        "exact_match": 100.0, "f1": 100.0, "total": 3}
    # v1.1 scores an empty prediction 0 even against an all-punctuation gold
    assert squad_v1_evaluate({"q": ["the"]}, {"q": ""})["f1"] == 0.0


def test_v1_errors():
    with pytest.raises(TfnlpError, match="question 'q' has no gold answer"):
        squad_v1_evaluate({"q": []}, {"q": ""})
    with pytest.raises(TfnlpError, match="no gold questions"):
        squad_v1_evaluate({}, {})


GOLD_V2 = {"a1": ["Denver Broncos"], "a2": ["1884"], "n1": [], "n2": []}


def test_v2_no_answer_handling():
    preds = {"a1": "Denver Broncos", "a2": "in 1884 he", "n1": "", "n2": "Carolina"}
    r = squad_v2_evaluate(GOLD_V2, preds)
    # a2: F1 P 1/3 R 1 -> 0.5 ("in 1884 he" vs "1884")
    assert r["total"] == 4
    assert r["exact"] == pytest.approx(100 * 2 / 4)
    assert r["f1"] == pytest.approx(100 * (1 + 0.5 + 1 + 0) / 4)
    assert r["HasAns_total"] == 2 and r["HasAns_exact"] == 50.0 and r["HasAns_f1"] == 75.0
    assert r["NoAns_total"] == 2 and r["NoAns_exact"] == 50.0 and r["NoAns_f1"] == 50.0
    # v2 leaves out questions without a prediction
    assert squad_v2_evaluate(GOLD_V2, {"a1": "Denver Broncos"})["total"] == 1
    # a gold answer that normalizes to "" is dropped -> the question is unanswerable
    assert squad_v2_evaluate({"q": ["the"]}, {"q": ""})["exact"] == 100.0


def test_v2_na_probs_threshold_and_best_threshold():
    preds = {"a1": "Denver Broncos", "a2": "Carolina", "n1": "Denver", "n2": ""}
    na = {"a1": 0.1, "a2": 0.7, "n1": 0.6, "n2": 0.9}
    r = squad_v2_evaluate(GOLD_V2, preds, na_probs=na, na_prob_thresh=0.5)
    # above 0.5 -> predicted no-answer: a2 wrong (has answer), n1 and n2 right; a1 right
    assert r["exact"] == 75.0
    # best threshold: start with all no-answer (2 right); walking up the sorted na_probs:
    # a1 +1 (3, thresh 0.1), n1 -1 (2), a2 +0 (2), n2 +0 (2) -> best 3/4 at 0.1
    assert r["best_exact"] == 75.0 and r["best_exact_thresh"] == 0.1
    assert r["best_f1"] == 75.0 and r["best_f1_thresh"] == 0.1
    with pytest.raises(TfnlpError, match="na_probs lacks questions"):
        squad_v2_evaluate(GOLD_V2, preds, na_probs={"a1": 0.0})
    with pytest.raises(TfnlpError, match="no question has a prediction"):
        squad_v2_evaluate(GOLD_V2, {})
