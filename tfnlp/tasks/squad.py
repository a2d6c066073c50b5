"""SQuAD v1.1 / v2.0 JSON reader (as the original BERT run_squad.py).

The context is split on whitespace into words, with a map from each
character to its word; each answer's character span becomes a word span.
"""

import dataclasses
import json
from typing import Optional

from tfnlp.errors import TfnlpError


def is_squad_whitespace(char):
    """Whitespace as run_squad.py splits contexts: space, tab, CR, LF, U+202F."""
    return char in " \t\r\n" or ord(char) == 0x202F


@dataclasses.dataclass
class SquadExample:
    """One question on one context.

    Attributes:
      qas_id: the question id.
      question_text: the question.
      context_text: the paragraph, as in the file.
      doc_tokens: the context split on whitespace.
      answers: gold answer texts (all of them; [] for unanswerable questions).
      orig_answer_text: text of the first answer ("" if none).
      start_position, end_position: word span of the first answer in
        `doc_tokens` (inclusive), -1 if unanswerable, None if no answer given.
      is_impossible: v2.0 unanswerable question.
    """

    qas_id: str
    question_text: str
    context_text: str
    doc_tokens: list
    answers: list
    orig_answer_text: str = ""
    start_position: Optional[int] = None
    end_position: Optional[int] = None
    is_impossible: bool = False


def split_context(text):
    """Whitespace-split a context, with the word index of every character.

    Args:
      text: the context.

    Returns:
      `(doc_tokens, char_to_word_offset)`; whitespace characters map to the
      word before them (-1 before the first word).

    Example:
      >>> split_context("The  cat")
      (['The', 'cat'], [0, 0, 0, 0, 0, 1, 1, 1])
    """
    doc_tokens, char_to_word = [], []
    prev_is_whitespace = True
    for char in text:
        if is_squad_whitespace(char):
            prev_is_whitespace = True
        else:
            if prev_is_whitespace:
                doc_tokens.append(char)
            else:
                doc_tokens[-1] += char
            prev_is_whitespace = False
        char_to_word.append(len(doc_tokens) - 1)
    return doc_tokens, char_to_word


def _expect(value, kind, where):
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise TfnlpError(f"{where} must be a {names}, got {type(value).__name__}")
    return value


def _answer_span(path, qid, answer, k, context, doc_tokens, char_to_word):
    where = f"{path}: question {qid!r}, answer {k}"
    _expect(answer, dict, where)
    for key in ("text", "answer_start"):
        if key not in answer:
            raise TfnlpError(f"{where}: missing key {key!r}")
    text = _expect(answer["text"], str, f"{where}: 'text'")
    start = answer["answer_start"]
    if isinstance(start, bool) or not isinstance(start, int):
        raise TfnlpError(f"{where}: 'answer_start' must be an integer, got {start!r}")
    if not text.strip():
        raise TfnlpError(f"{where}: the answer text is empty")
    end = start + len(text) - 1
    if start < 0 or end >= len(context):
        raise TfnlpError(
            f"{where}: answer_start {start} + len(text) {len(text)} lies outside the "
            f"context ({len(context)} characters)"
        )
    start_word, end_word = char_to_word[start], char_to_word[end]
    actual = " ".join(doc_tokens[max(start_word, 0):end_word + 1])
    cleaned = " ".join(text.split())
    # run_squad.py compares whitespace-normalized text; only then is it a mismatch.
    if actual.find(cleaned) == -1:
        raise TfnlpError(
            f"{where}: answer text {text!r} does not match the context at answer_start "
            f"{start} (context there: {context[start:end + 1]!r})"
        )
    return text, max(start_word, 0), end_word


def read_squad(path, is_training=True, version_2_with_negative=None, skip_bad_answers=False):
    """Read a SQuAD v1.1 or v2.0 JSON file into `SquadExample`s.

    Args:
      path: the JSON file (`{"data": [{"paragraphs": [{"context", "qas"}]}]}`).
      is_training: training data must have exactly one answer per answerable
        question (as run_squad.py); eval data may have several.
      version_2_with_negative: read `is_impossible`; None = detect (True when
        the file's "version" starts with "v2" or any question has
        `is_impossible`).
      skip_bad_answers: drop questions whose answer does not match the context
        (run_squad.py logs and skips them) instead of raising.

    Returns:
      A list of `SquadExample`.

    Raises:
      TfnlpError: unreadable / non-JSON file, a missing or mistyped field
        (named with its question id or paragraph), a duplicate id, or an answer
        whose text does not match the context at `answer_start` (whitespace
        differences are tolerated), naming the question id.

    Example:
      >>> examples = read_squad("train-v1.1.json")  # doctest: +SKIP
      >>> examples[0].doc_tokens[examples[0].start_position]  # doctest: +SKIP
      'Saint'
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise TfnlpError(f"{path}: cannot read file ({e.strerror})") from e
    try:
        dataset = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise TfnlpError(f"{path}: not valid UTF-8 (byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise TfnlpError(f"{path}: bad JSON at line {e.lineno} column {e.colno} ({e.msg})") from e
    if not isinstance(dataset, dict) or not isinstance(dataset.get("data"), list):
        raise TfnlpError(f"{path}: expected a JSON object with a 'data' list (the SQuAD format)")
    if version_2_with_negative is None:
        version_2_with_negative = str(dataset.get("version", "")).startswith("v2") or any(
            "is_impossible" in qa
            for entry in dataset["data"] if isinstance(entry, dict)
            for p in entry.get("paragraphs", []) if isinstance(p, dict)
            for qa in p.get("qas", []) if isinstance(qa, dict)
        )
    examples, seen = [], set()
    for a_index, entry in enumerate(dataset["data"]):
        where = f"{path}: data[{a_index}]"
        _expect(entry, dict, where)
        paragraphs = _expect(entry.get("paragraphs"), list, f"{where}['paragraphs']")
        for p_index, paragraph in enumerate(paragraphs):
            p_where = f"{where}['paragraphs'][{p_index}]"
            _expect(paragraph, dict, p_where)
            context = _expect(paragraph.get("context"), str, f"{p_where}['context']")
            qas = _expect(paragraph.get("qas"), list, f"{p_where}['qas']")
            doc_tokens, char_to_word = split_context(context)
            for q_index, qa in enumerate(qas):
                _expect(qa, dict, f"{p_where}['qas'][{q_index}]")
                if "id" not in qa:
                    raise TfnlpError(f"{p_where}['qas'][{q_index}]: missing key 'id'")
                qid = str(qa["id"])
                q_where = f"{path}: question {qid!r}"
                if qid in seen:
                    raise TfnlpError(f"{q_where}: the id appears twice; ids must be unique")
                seen.add(qid)
                question = _expect(qa.get("question"), str, f"{q_where}: 'question'")
                is_impossible = False
                if version_2_with_negative:
                    is_impossible = qa.get("is_impossible", False)
                    if not isinstance(is_impossible, bool):
                        raise TfnlpError(f"{q_where}: 'is_impossible' must be true or false")
                if "answers" not in qa and not is_impossible:
                    raise TfnlpError(f"{q_where}: missing key 'answers'")
                answers = _expect(qa.get("answers", []), list, f"{q_where}: 'answers'")
                if is_impossible:
                    answers = []
                if not is_impossible and not answers:
                    raise TfnlpError(
                        f"{q_where}: no answers; an answerable question needs at least one "
                        f"(for SQuAD 2.0 mark it \"is_impossible\": true)"
                    )
                if is_training and len(answers) > 1:
                    raise TfnlpError(
                        f"{q_where}: {len(answers)} answers; training data needs exactly one per question"
                    )
                texts, spans = [], []
                try:
                    for k, answer in enumerate(answers):
                        text, s, e = _answer_span(path, qid, answer, k, context, doc_tokens,
                                                  char_to_word)
                        texts.append(text)
                        spans.append((s, e))
                except TfnlpError:
                    if skip_bad_answers:
                        continue
                    raise
                example = SquadExample(
                    qas_id=qid, question_text=question, context_text=context,
                    doc_tokens=doc_tokens, answers=texts, is_impossible=is_impossible,
                )
                if is_impossible:
                    example.start_position = example.end_position = -1
                else:
                    example.orig_answer_text = texts[0]
                    example.start_position, example.end_position = spans[0]
                examples.append(example)
    if not examples:
        raise TfnlpError(f"{path}: no questions found")
    return examples


def gold_answers(examples):
    """Dict question id → list of gold answer texts, for `squad_evaluate`.

    Args:
      examples: `SquadExample`s (read with is_training=False to keep all answers).

    Returns:
      Dict str → list of str ([] for unanswerable questions).

    Example:
      >>> gold_answers(read_squad("dev-v1.1.json", is_training=False))["56be4db0acb8001400a502ec"]  # doctest: +SKIP
      ['Denver Broncos', 'Denver Broncos', 'Denver Broncos']
    """
    return {ex.qas_id: list(ex.answers) for ex in examples}
