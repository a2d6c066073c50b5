"""The official SQuAD v1.1 and v2.0 exact-match and F1 evaluation.

Ports of `evaluate-v1.1.py` and `evaluate-v2.0.py`. Scores are percentages.
Answers are normalized: lower-case, punctuation removed, articles
(a/an/the) removed, whitespace collapsed; the score of a question is the max
over its gold answers.
"""

import collections
import re
import string

from tfnlp.errors import TfnlpError

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text):
    """Lower-case, drop punctuation and articles, collapse whitespace.

    Example:
      >>> normalize_answer("The  Denver Broncos!")
      'denver broncos'
    """
    text = text.lower()
    text = "".join(c for c in text if c not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match_score(prediction, ground_truth):
    """1 if the normalized texts are equal, else 0 (both versions)."""
    return int(normalize_answer(prediction) == normalize_answer(ground_truth))


def f1_score(prediction, ground_truth):
    """Token-overlap F1 of normalized texts (v2.0 rule: two empties score 1).

    Args:
      prediction: predicted text ("" = no answer).
      ground_truth: a gold text ("" = no answer).

    Returns:
      A float in [0, 1].

    Example:
      >>> round(f1_score("Denver Broncos team", "the Denver Broncos"), 3)
      0.8
    """
    pred = normalize_answer(prediction).split() if prediction else []
    gold = normalize_answer(ground_truth).split() if ground_truth else []
    if not pred or not gold:
        return float(pred == gold)
    common = collections.Counter(pred) & collections.Counter(gold)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(pred)
    recall = num_same / len(gold)
    return 2 * precision * recall / (precision + recall)


def squad_v1_evaluate(gold, predictions):
    """Official SQuAD v1.1 evaluation.

    Questions without a prediction score 0 and still count in the total.

    Args:
      gold: dict qid → list of gold answer texts (see `gold_answers`).
      predictions: dict qid → predicted text.

    Returns:
      `{"exact_match": float, "f1": float, "total": int}` (percentages).

    Example:
      >>> squad_v1_evaluate({"q1": ["Denver Broncos"]}, {"q1": "the Denver Broncos"})
      {'exact_match': 100.0, 'f1': 100.0, 'total': 1}
    """
    if not gold:
        raise TfnlpError("no gold questions to evaluate")
    em = f1 = 0.0
    for qid, answers in gold.items():
        if not answers:
            raise TfnlpError(
                f"question {qid!r} has no gold answer; v1.1 evaluation needs one (use squad_v2_evaluate)"
            )
        if qid not in predictions:
            continue
        pred = predictions[qid]
        em += max(exact_match_score(pred, a) for a in answers)
        f1 += max(_v1_f1(pred, a) for a in answers)
    total = len(gold)
    return {"exact_match": 100.0 * em / total, "f1": 100.0 * f1 / total, "total": total}


def _v1_f1(prediction, ground_truth):
    # evaluate-v1.1.py: no special case for empty strings (an empty side scores 0).
    pred = normalize_answer(prediction).split()
    gold = normalize_answer(ground_truth).split()
    common = collections.Counter(pred) & collections.Counter(gold)
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision, recall = num_same / len(pred), num_same / len(gold)
    return 2 * precision * recall / (precision + recall)


def _best_thresh(predictions, scores, na_probs, has_ans):
    num_no_ans = sum(1 for q in has_ans if not has_ans[q])
    cur = best = num_no_ans
    best_thresh = 0.0
    for qid in sorted(na_probs, key=lambda k: na_probs[k]):
        if qid not in scores:
            continue
        if has_ans[qid]:
            diff = scores[qid]
        else:
            diff = -1 if predictions[qid] else 0
        cur += diff
        if cur > best:
            best, best_thresh = cur, na_probs[qid]
    return 100.0 * best / len(scores), best_thresh


def squad_v2_evaluate(gold, predictions, na_probs=None, na_prob_thresh=1.0):
    """Official SQuAD v2.0 evaluation.

    Gold answers that normalize to "" are dropped; a question without gold
    answers has the single gold answer "". Questions without a prediction are
    left out (as evaluate-v2.0.py). With `na_probs` (e.g.
    `SquadPredictions.null_score_diff`), a question whose value exceeds
    `na_prob_thresh` counts as predicted unanswerable, and the best thresholds
    are searched.

    Args:
      gold: dict qid → list of gold texts ([] = unanswerable).
      predictions: dict qid → predicted text ("" = no answer).
      na_probs: optional dict qid → no-answer score.
      na_prob_thresh: threshold applied to `na_probs`.

    Returns:
      Dict with `exact, f1, total`, and `HasAns_exact, HasAns_f1, HasAns_total`
      / `NoAns_*` when such questions exist; with `na_probs` also `best_exact,
      best_exact_thresh, best_f1, best_f1_thresh`.

    Example:
      >>> squad_v2_evaluate({"q1": [], "q2": ["Paris"]}, {"q1": "", "q2": "Paris"})["exact"]
      100.0
    """
    exact, f1 = {}, {}
    for qid, answers in gold.items():
        golds = [a for a in answers if normalize_answer(a)] or [""]
        if qid not in predictions:
            continue
        pred = predictions[qid]
        exact[qid] = max(exact_match_score(pred, a) for a in golds)
        f1[qid] = max(f1_score(pred, a) for a in golds)
    if not exact:
        raise TfnlpError("no question has a prediction; nothing to evaluate")
    has_ans = {qid: bool(answers) for qid, answers in gold.items()}
    probs = na_probs if na_probs is not None else {qid: 0.0 for qid in gold}
    exact_t, f1_t = {}, {}
    for qid in exact:
        if probs.get(qid, 0.0) > na_prob_thresh:
            exact_t[qid] = f1_t[qid] = float(not has_ans[qid])
        else:
            exact_t[qid], f1_t[qid] = float(exact[qid]), float(f1[qid])

    def summary(qids, prefix=""):
        n = len(qids)
        return {
            prefix + "exact": 100.0 * sum(exact_t[q] for q in qids) / n,
            prefix + "f1": 100.0 * sum(f1_t[q] for q in qids) / n,
            prefix + "total": n,
        }

    out = summary(list(exact_t))
    has = [q for q in exact_t if has_ans[q]]
    no = [q for q in exact_t if not has_ans[q]]
    if has:
        out.update(summary(has, "HasAns_"))
    if no:
        out.update(summary(no, "NoAns_"))
    if na_probs is not None:
        missing = [q for q in predictions if q in gold and q not in na_probs]
        if missing:
            raise TfnlpError(f"na_probs lacks questions {missing[:5]}")
        out["best_exact"], out["best_exact_thresh"] = _best_thresh(predictions, exact, na_probs, has_ans)
        out["best_f1"], out["best_f1_thresh"] = _best_thresh(predictions, f1, na_probs, has_ans)
    return out


def squad_evaluate(gold, predictions, version_2_with_negative=False, na_probs=None,
                   na_prob_thresh=1.0):
    """Official SQuAD evaluation, v1.1 or v2.0.

    Args:
      gold: dict qid → gold texts (`gold_answers(examples)`).
      predictions: dict qid → text (`SquadPredictions.answers`).
      version_2_with_negative: use the v2.0 script.
      na_probs, na_prob_thresh: v2.0 only, see `squad_v2_evaluate`.

    Returns:
      The metrics dict of `squad_v1_evaluate` or `squad_v2_evaluate`.

    Example:
      >>> squad_evaluate({"q": ["x"]}, {"q": "x"})["f1"]
      100.0
    """
    if version_2_with_negative:
        return squad_v2_evaluate(gold, predictions, na_probs, na_prob_thresh)
    return squad_v1_evaluate(gold, predictions)
