"""SQuAD span decoding: logits → n-best answer texts (as run_squad.py).

For each example, over all its windows: the `n_best_size` best start and end
positions of each window form candidate spans; a candidate must lie in the
context, start at a piece whose window is its max-context window, end after
it starts and span at most `max_answer_length` pieces. Candidates are ranked
by start_logit + end_logit; a candidate's text is the family tokenizer's
`detokenize` of its pieces (less the pieces of its first word that precede
the span), mapped back to the original context text with `get_final_text`.
For SQuAD 2.0 the null answer scores min over windows of the start + end
logits at the window's `null_position` (BERT: `[CLS]`, 0); the question is
predicted unanswerable when null score − best non-null score exceeds
`null_score_diff_threshold`.
"""

import collections
import dataclasses
import math

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.text.basic_tokenizer import basic_tokenize


def _strip_spaces(text):
    chars, ns_to_s = [], {}
    for i, char in enumerate(text):
        if char == " ":
            continue
        ns_to_s[len(chars)] = i
        chars.append(char)
    return "".join(chars), ns_to_s


def get_final_text(pred_text, orig_text, lower_case=True):
    """Project a normalized predicted text back onto the original text.

    `pred_text` comes from word pieces (lower-cased, punctuation split off),
    `orig_text` is the span of original context words it came from. E.g.
    pred "steve smith" in orig "Steve Smith's" → "Steve Smith". When the two
    cannot be aligned, `orig_text` is returned (run_squad.py behaviour).

    Args:
      pred_text: detokenized prediction.
      orig_text: the original words of the span joined with spaces.
      lower_case: whether the tokenizer lower-cased.

    Returns:
      A substring of `orig_text`.

    Example:
      >>> get_final_text("steve smith", "Steve Smith's")
      'Steve Smith'
    """
    tok_text = " ".join(basic_tokenize(orig_text, lower_case=lower_case))
    start = tok_text.find(pred_text)
    if start == -1:
        # Tokenizers that detokenize to surface text (SentencePiece, BPE):
        # the prediction is then a substring of the original words.
        return pred_text if pred_text and pred_text in orig_text else orig_text
    end = start + len(pred_text) - 1
    orig_ns, orig_ns_to_s = _strip_spaces(orig_text)
    tok_ns, tok_ns_to_s = _strip_spaces(tok_text)
    if len(orig_ns) != len(tok_ns):
        return orig_text
    tok_s_to_ns = {s: ns for ns, s in tok_ns_to_s.items()}
    orig_start = orig_ns_to_s.get(tok_s_to_ns.get(start))
    if orig_start is None:
        return orig_text
    orig_end = orig_ns_to_s.get(tok_s_to_ns.get(end))
    if orig_end is None:
        return orig_text
    return orig_text[orig_start:orig_end + 1]


def best_indexes(logits, n_best_size):
    """Indices of the `n_best_size` largest logits, best first (stable ties).

    Example:
      >>> best_indexes([0.1, 3.0, 2.0], 2)
      [1, 2]
    """
    order = np.argsort(-np.asarray(logits, dtype=np.float64), kind="stable")
    return order[:n_best_size].tolist()


def _softmax(scores):
    if not scores:
        return []
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


@dataclasses.dataclass
class SquadPredictions:
    """Decoded predictions.

    Attributes:
      answers: dict qid → predicted text ("" = no answer, v2 only).
      nbest: dict qid → list of dicts (text, probability, start_logit, end_logit).
      null_score_diff: dict qid → null score − best non-null score (v2 only);
        pass it as `na_probs` to `squad_evaluate` to tune the threshold.
    """

    answers: dict
    nbest: dict
    null_score_diff: dict


class SpanTexts:
    """Detokenizes candidate spans in batches (one tokenizer call per batch).

    The text of a span is `detokenize(word_start..end)` with the text of
    `detokenize(word_start..start-1)` cut from its front, where `word_start`
    is the first piece, in the window, of the word the span starts in: so a
    span starting inside a word reads as that word's tail, for any family's
    pieces. Texts are whitespace-collapsed.

    Args:
        tokenizer: anything with `detokenize(ragged ids) -> strings`.
        features: the `SquadFeature`s.

    Example:

    >>> SpanTexts(tokenizer, features).texts([(0, 5, 7)])   # doctest: +SKIP
    ['steve smith']
    """

    def __init__(self, tokenizer, features):
        self.tokenizer = tokenizer
        self.features = features
        self._cache = {}

    def _word_start(self, feature, s):
        word = feature.token_to_orig_map[s]
        while s - 1 in feature.token_to_orig_map and feature.token_to_orig_map[s - 1] == word:
            s -= 1
        return s

    def texts(self, spans):
        """Texts of `(feature_index, start, end)` spans (inclusive positions)."""
        import tensorflow as tf

        todo = [span for span in dict.fromkeys(spans) if span not in self._cache]
        if todo:
            rows = []
            for f_index, s, e in todo:
                feature = self.features[f_index]
                w = self._word_start(feature, s)
                rows.append(feature.token_ids[w:e + 1])
                rows.append(feature.token_ids[w:s])
            lengths = [len(r) for r in rows]
            ragged = tf.RaggedTensor.from_row_lengths(
                tf.constant([i for r in rows for i in r], tf.int32),
                tf.constant(lengths, tf.int64))
            out = self.tokenizer.detokenize(ragged)
            out = [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)
                   for x in np.asarray(out).tolist()]
            for k, span in enumerate(todo):
                full, prefix = out[2 * k], out[2 * k + 1]
                if prefix and full.startswith(prefix):
                    full = full[len(prefix):]
                self._cache[span] = " ".join(full.strip().split())
        return [self._cache[span] for span in spans]


def decode_squad_predictions(examples, features, start_logits, end_logits, tokenizer,
                             lower_case=True, n_best_size=20, max_answer_length=30,
                             version_2_with_negative=False, null_score_diff_threshold=0.0):
    """Decode start/end logits of every window into answer texts.

    Args:
      examples: the `SquadExample`s that were converted.
      features: the `SquadFeature`s from `convert_squad_examples`.
      start_logits, end_logits: float arrays `[num_features, max_seq_length]`
        aligned with `features`.
      tokenizer: the family `Tokenizer` the features were built with (its
        `detokenize`).
      lower_case: whether the tokenizer lower-cased (for `get_final_text`).
      n_best_size: candidates kept per window and per example.
      max_answer_length: longest answer, in pieces.
      version_2_with_negative: allow the null answer.
      null_score_diff_threshold: predict "" when null − best non-null exceeds it.

    Returns:
      A `SquadPredictions`.

    Raises:
      TfnlpError: logits whose shape does not match the features.

    Example:
      >>> preds = decode_squad_predictions(examples, feats, start, end, tokenizer)  # doctest: +SKIP
      >>> squad_evaluate(gold_answers(examples), preds.answers)  # doctest: +SKIP
      {'exact_match': 81.2, 'f1': 88.5, 'total': 10570}
    """
    start_logits = np.asarray(start_logits, dtype=np.float64)
    end_logits = np.asarray(end_logits, dtype=np.float64)
    expected = (len(features), len(features[0].token_ids) if features else 0)
    for name, logits in (("start_logits", start_logits), ("end_logits", end_logits)):
        if logits.shape != expected:
            raise TfnlpError(
                f"{name} has shape {logits.shape}, expected {expected} (one row per feature)"
            )
    by_example = collections.defaultdict(list)
    for index, feature in enumerate(features):
        by_example[feature.example_index].append(index)
    span_texts = SpanTexts(tokenizer, features)
    prelims = []
    for example_index in range(len(examples)):
        prelim = []
        score_null = float("inf")
        null = None
        for feature_index in by_example.get(example_index, []):
            feature = features[feature_index]
            s_logits, e_logits = start_logits[feature_index], end_logits[feature_index]
            p = feature.null_position
            if version_2_with_negative:
                if s_logits[p] + e_logits[p] < score_null:
                    score_null = s_logits[p] + e_logits[p]
                    null = (feature_index, p, p, s_logits[p], e_logits[p])
            orig_map, max_context = feature.token_to_orig_map, feature.token_is_max_context
            starts = [s for s in best_indexes(s_logits, n_best_size)
                      if s in orig_map and max_context.get(s, False)]
            ends = [e for e in best_indexes(e_logits, n_best_size) if e in orig_map]
            for s in starts:
                for e in ends:
                    if e < s or e - s + 1 > max_answer_length:
                        continue
                    prelim.append((feature_index, s, e, s_logits[s], e_logits[e]))
        if null is not None:
            prelim.append(null)
        prelim.sort(key=lambda p: p[3] + p[4], reverse=True)
        prelims.append((prelim, score_null, null))
    # One tokenizer call for every example's leading candidates; more only
    # where duplicates leave an n-best short.
    span_texts.texts([c[:3] for prelim, _, null in prelims for c in prelim[:n_best_size]
                      if c is not null])
    answers, nbest_out, diffs = {}, {}, {}
    for example, (prelim, score_null, null) in zip(examples, prelims):
        seen, nbest = set(), []
        for k, candidate in enumerate(prelim):
            if len(nbest) >= n_best_size:
                break
            feature_index, s, e, s_logit, e_logit = candidate
            if candidate is not null:
                if k % n_best_size == 0 and k:
                    span_texts.texts([c[:3] for c in prelim[k:k + n_best_size]
                                      if c is not null])
                feature = features[feature_index]
                pred_text = span_texts.texts([(feature_index, s, e)])[0]
                orig_start = feature.token_to_orig_map[s]
                orig_end = feature.token_to_orig_map[e]
                orig_text = " ".join(example.doc_tokens[orig_start:orig_end + 1])
                text = get_final_text(pred_text, orig_text, lower_case)
                if text in seen:
                    continue
            else:
                text = ""
            seen.add(text)
            nbest.append((text, float(s_logit), float(e_logit)))
        if null is not None and "" not in seen:
            nbest.append(("", float(null[3]), float(null[4])))
        if not nbest:
            nbest.append(("empty", 0.0, 0.0))
        probs = _softmax([s + e for _, s, e in nbest])
        nbest_out[example.qas_id] = [
            {"text": t, "probability": p, "start_logit": s, "end_logit": e}
            for (t, s, e), p in zip(nbest, probs)
        ]
        best_non_null = next((entry for entry in nbest if entry[0]), None)
        if not version_2_with_negative:
            answers[example.qas_id] = nbest[0][0]
        elif best_non_null is None:
            diffs[example.qas_id] = float("inf")
            answers[example.qas_id] = ""
        else:
            diff = float(score_null - best_non_null[1] - best_non_null[2])
            diffs[example.qas_id] = diff
            answers[example.qas_id] = "" if diff > null_score_diff_threshold else best_non_null[0]
    return SquadPredictions(answers=answers, nbest=nbest_out, null_score_diff=diffs)
