"""Entity-level precision / recall / F1 exactly as the CoNLL `conlleval` script.

A port of the chunk logic of conlleval.pl (CoNLL-2000, used for CoNLL-2003),
default (non-raw) mode: a chunk is counted correct only when gold and guess
start at the same token with the same type and end at the same token.
Chunk starts and ends follow the script's rules, including:
- `I-X` after `O` (or after a chunk of another type) starts a chunk;
- a type change always ends the previous chunk and starts a new one;
- a sentence boundary ends every chunk.
This equals `seqeval` in its default (non-strict) mode.
"""

import collections
import dataclasses

from tfnlp.errors import TfnlpError


def _split(tag):
    # conlleval: /^([^-]*)-(.*)$/ -> (prefix, type); otherwise (tag, "").
    if "-" in tag:
        prefix, kind = tag.split("-", 1)
        return prefix, kind
    return tag, ""


def end_of_chunk(prev_tag, tag, prev_type, kind):
    """conlleval's endOfChunk: does a chunk end between the previous token and this one?

    Args:
      prev_tag: prefix of the previous tag ("B", "I", "E", "O", ...).
      tag: prefix of this tag.
      prev_type: type of the previous tag ("" for O).
      kind: type of this tag.

    Returns:
      bool.

    Example:
      >>> end_of_chunk("I", "I", "PER", "LOC")
      True
    """
    pair = (prev_tag, tag)
    if pair in {("B", "B"), ("B", "O"), ("I", "B"), ("I", "O"),
                ("E", "E"), ("E", "I"), ("E", "O")}:
        return True
    if prev_tag not in ("O", ".") and prev_type != kind:
        return True
    if prev_tag in ("]", "["):
        return True
    return False


def start_of_chunk(prev_tag, tag, prev_type, kind):
    """conlleval's startOfChunk: does a chunk start at this token?

    Args:
      prev_tag: prefix of the previous tag.
      tag: prefix of this tag.
      prev_type: type of the previous tag ("" for O).
      kind: type of this tag.

    Returns:
      bool.

    Example:
      >>> start_of_chunk("O", "I", "", "PER")
      True
    """
    pair = (prev_tag, tag)
    if pair in {("B", "B"), ("I", "B"), ("O", "B"), ("O", "I"),
                ("E", "E"), ("E", "I"), ("O", "E")}:
        return True
    if tag not in ("O", ".") and prev_type != kind:
        return True
    if tag in ("[", "]"):
        return True
    return False


@dataclasses.dataclass
class ConllevalResult:
    """conlleval's numbers. Precision, recall, F1 and accuracy are percentages.

    Attributes:
      precision, recall, f1: overall, in percent (0 when undefined).
      accuracy: token-level tag accuracy in percent.
      num_tokens, num_gold_chunks, num_guessed_chunks, num_correct_chunks: counts.
      per_type: dict type → dict with precision, recall, f1 (percent),
        `gold`, `guessed`, `correct` counts.
    """

    precision: float
    recall: float
    f1: float
    accuracy: float
    num_tokens: int
    num_gold_chunks: int
    num_guessed_chunks: int
    num_correct_chunks: int
    per_type: dict

    def report(self):
        """conlleval's text report (the same lines the script prints)."""
        lines = [
            f"processed {self.num_tokens} tokens with {self.num_gold_chunks} phrases; "
            f"found: {self.num_guessed_chunks} phrases; correct: {self.num_correct_chunks}.",
            f"accuracy: {self.accuracy:6.2f}%; precision: {self.precision:6.2f}%; "
            f"recall: {self.recall:6.2f}%; FB1: {self.f1:6.2f}",
        ]
        for kind in sorted(self.per_type):
            t = self.per_type[kind]
            lines.append(
                f"{kind:>17}: precision: {t['precision']:6.2f}%; recall: {t['recall']:6.2f}%; "
                f"FB1: {t['f1']:6.2f}  {t['guessed']}"
            )
        return "\n".join(lines)


def _prf(correct, guessed, gold):
    precision = 100.0 * correct / guessed if guessed else 0.0
    recall = 100.0 * correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def conlleval(gold_sequences, guessed_sequences):
    """Score tag sequences with conlleval's rules.

    Args:
      gold_sequences: list of sentences, each a list of gold tags (e.g. "B-PER").
      guessed_sequences: the predicted tags, same shape.

    Returns:
      A `ConllevalResult` (percentages, like conlleval's output).

    Raises:
      TfnlpError: the sentence counts or lengths differ.

    Example:
      >>> r = conlleval([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
      >>> r.precision, r.recall, r.f1
      (0.0, 0.0, 0.0)
    """
    if len(gold_sequences) != len(guessed_sequences):
        raise TfnlpError(
            f"{len(gold_sequences)} gold sentences but {len(guessed_sequences)} predicted ones"
        )
    correct_chunk = collections.Counter()
    found_gold = collections.Counter()
    found_guessed = collections.Counter()
    correct_tags = 0
    token_count = 0
    for index, (gold_seq, guess_seq) in enumerate(zip(gold_sequences, guessed_sequences)):
        if len(gold_seq) != len(guess_seq):
            raise TfnlpError(
                f"sentence {index}: {len(gold_seq)} gold tags but {len(guess_seq)} predicted tags"
            )
        # A sentence boundary acts as an "O" token on both sides (not counted).
        last_gold, last_guess, last_gold_type, last_guess_type = "O", "O", "", ""
        in_correct = False
        for gold_tag, guess_tag in list(zip(gold_seq, guess_seq)) + [(None, None)]:
            if gold_tag is None:
                gold, gold_type, guess, guess_type = "O", "", "O", ""
            else:
                gold, gold_type = _split(gold_tag)
                guess, guess_type = _split(guess_tag)
            end_gold = end_of_chunk(last_gold, gold, last_gold_type, gold_type)
            end_guess = end_of_chunk(last_guess, guess, last_guess_type, guess_type)
            start_gold = start_of_chunk(last_gold, gold, last_gold_type, gold_type)
            start_guess = start_of_chunk(last_guess, guess, last_guess_type, guess_type)
            if in_correct:
                if end_gold and end_guess and last_guess_type == last_gold_type:
                    in_correct = False
                    correct_chunk[last_gold_type] += 1
                elif end_gold != end_guess or guess_type != gold_type:
                    in_correct = False
            if start_gold and start_guess and guess_type == gold_type:
                in_correct = True
            if start_gold:
                found_gold[gold_type] += 1
            if start_guess:
                found_guessed[guess_type] += 1
            if gold_tag is not None:
                if gold == guess and gold_type == guess_type:
                    correct_tags += 1
                token_count += 1
            last_gold, last_guess = gold, guess
            last_gold_type, last_guess_type = gold_type, guess_type
        # The trailing boundary closes any open chunk, so in_correct is False here.
    n_correct = sum(correct_chunk.values())
    n_gold = sum(found_gold.values())
    n_guessed = sum(found_guessed.values())
    precision, recall, f1 = _prf(n_correct, n_guessed, n_gold)
    per_type = {}
    for kind in set(found_gold) | set(found_guessed):
        p, r, f = _prf(correct_chunk[kind], found_guessed[kind], found_gold[kind])
        per_type[kind] = {
            "precision": p, "recall": r, "f1": f,
            "gold": found_gold[kind], "guessed": found_guessed[kind],
            "correct": correct_chunk[kind],
        }
    return ConllevalResult(
        precision=precision,
        recall=recall,
        f1=f1,
        accuracy=100.0 * correct_tags / token_count if token_count else 0.0,
        num_tokens=token_count,
        num_gold_chunks=n_gold,
        num_guessed_chunks=n_guessed,
        num_correct_chunks=n_correct,
        per_type=per_type,
    )
