"""SQuAD examples → packed input windows (as the original run_squad.py).

Per example: the question's pieces (cut to `max_query_length`), the
context's pieces with a piece → word map, and sliding windows over the
context of at most `max_seq_length - len(query) - specials` pieces (specials:
the tokens the family's `pack` adds around two segments, 3 for BERT), each
starting `doc_stride` pieces after the previous. Each window is
`tokenizer.pack([query, context-window])`: `[CLS] query [SEP] window [SEP]`
for BERT, the family's own layout (and padding side) for others
(`tfnlp.tasks.packing`). The answer's start/end are packed positions, or the
window's `null_position` (BERT's `[CLS]`, position 0) when the question is
unanswerable or the answer is not wholly inside the window.
`token_is_max_context` marks, for each context piece, whether this window is
the one where the piece has the most context on both sides; decoding only
starts answers at such pieces.
"""

import dataclasses

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.tasks.packing import WordPieces, pack_with_layout, special_count


@dataclasses.dataclass
class SquadFeature:
    """One window of one example.

    Attributes:
      example_index: index of the example in the list converted.
      doc_span_index: index of the window within the example.
      token_to_orig_map: packed position of each context piece → word index
        in `example.doc_tokens`.
      token_is_max_context: packed position of each context piece → bool.
      token_ids, segment_ids, padding_mask: int lists of length max_seq_length.
      start_position, end_position: answer span in the window, or
        `null_position` for no answer.
      is_impossible: the example is unanswerable.
      null_position: the position whose start/end logits score "no answer"
        (the start-of-sequence token: BERT's `[CLS]` at 0).
    """

    example_index: int
    doc_span_index: int
    token_to_orig_map: dict
    token_is_max_context: dict
    token_ids: list
    segment_ids: list
    padding_mask: list
    start_position: int = 0
    end_position: int = 0
    is_impossible: bool = False
    null_position: int = 0


def improve_answer_span(doc_pieces, start, end, answer_pieces):
    """Tighten a piece span to the pieces of the answer text (run_squad.py).

    E.g. the answer "1895" in the word "(1895-1943)." gives pieces
    `( 1895 - 1943 ) .`; the word span covers all of them, the best span only
    `1895`.

    Args:
      doc_pieces: context piece ids.
      start, end: span (inclusive) covering the answer's words.
      answer_pieces: piece ids of the answer text.

    Returns:
      `(start, end)`.

    Example:
      >>> improve_answer_span([5, 7, 9, 6], 0, 3, [7, 9])
      (1, 2)
    """
    for new_start in range(start, end + 1):
        for new_end in range(end, new_start - 1, -1):
            if doc_pieces[new_start:new_end + 1] == answer_pieces:
                return new_start, new_end
    return start, end


def doc_spans(num_pieces, max_tokens_for_doc, doc_stride):
    """Sliding windows `(start, length)` over the context pieces.

    Args:
      num_pieces: context length in pieces.
      max_tokens_for_doc: most pieces in one window.
      doc_stride: step between window starts.

    Returns:
      A list of `(start, length)`.

    Example:
      >>> doc_spans(10, 4, 3)
      [(0, 4), (3, 4), (6, 4)]
    """
    spans, start = [], 0
    while start < num_pieces:
        length = min(num_pieces - start, max_tokens_for_doc)
        spans.append((start, length))
        if start + length == num_pieces:
            break
        start += min(length, doc_stride)
    return spans


def is_max_context(spans, span_index, position):
    """Is `span_index` the window where piece `position` has the most context?

    Score = min(left context, right context) + 0.01 * window length; the first
    window with the best score wins (run_squad.py `_check_is_max_context`).

    Args:
      spans: `(start, length)` windows.
      span_index: the window asked about.
      position: a context piece index.

    Returns:
      bool.

    Example:
      >>> is_max_context([(0, 6), (3, 6)], 0, 5)
      False
    """
    best_score, best_index = None, None
    for index, (start, length) in enumerate(spans):
        end = start + length - 1
        if position < start or position > end:
            continue
        score = min(position - start, end - position) + 0.01 * length
        if best_score is None or score > best_score:
            best_score, best_index = score, index
    return span_index == best_index


def _max_context_spans(spans, num_pieces):
    """For each piece, the window `is_max_context` picks (same rule, one pass)."""
    best_score = [None] * num_pieces
    best_index = [-1] * num_pieces
    for index, (start, length) in enumerate(spans):
        end = start + length - 1
        for position in range(start, end + 1):
            score = min(position - start, end - position) + 0.01 * length
            if best_score[position] is None or score > best_score[position]:
                best_score[position], best_index[position] = score, index
    return best_index


def convert_squad_examples(examples, tokenizer, max_seq_length=384, doc_stride=128,
                           max_query_length=64, word_pieces=None):
    """Convert `SquadExample`s to `SquadFeature` windows.

    Args:
      examples: from `read_squad`.
      tokenizer: the family `Tokenizer` (`tokenize_words`, `pack`,
        `special_tokens`); all words are tokenized in one batched pass.
      max_seq_length: window length with the special tokens and padding.
      doc_stride: step between windows, in pieces.
      max_query_length: the question is cut to this many pieces.
      word_pieces: optional `WordPieces(tokenizer)` to share its cache.

    Returns:
      A list of `SquadFeature`, grouped by example in order.

    Raises:
      TfnlpError: lengths that leave no room for the context, or doc_stride < 1.

    Example:
      >>> feats = convert_squad_examples(examples, tokenizer)  # doctest: +SKIP
      >>> arrays = squad_features_to_arrays(feats)  # doctest: +SKIP
    """
    if doc_stride < 1:
        raise TfnlpError(f"doc_stride must be at least 1, got {doc_stride}")
    if max_query_length < 1:
        raise TfnlpError(f"max_query_length must be at least 1, got {max_query_length}")
    specials = special_count(tokenizer, 2)
    start_id = tokenizer.special_tokens.get("start_of_sequence_id")
    word_pieces = word_pieces or WordPieces(tokenizer)
    words = set()
    for ex in examples:
        words.update(ex.question_text.split())
        words.update(ex.doc_tokens)
        words.update(ex.orig_answer_text.split())
    words = sorted(words)
    pieces_of = dict(zip(words, word_pieces(words)))

    def pieces(text_words):
        return [p for w in text_words for p in pieces_of[w]]

    windows = []  # (example_index, span_index, query, start, length, ...)
    for example_index, ex in enumerate(examples):
        query = pieces(ex.question_text.split())[:max_query_length]
        tok_to_orig, orig_to_tok, doc = [], [], []
        for i, word in enumerate(ex.doc_tokens):
            orig_to_tok.append(len(doc))
            for piece in pieces_of[word]:
                tok_to_orig.append(i)
                doc.append(piece)
        tok_start = tok_end = None
        if ex.is_impossible:
            tok_start = tok_end = -1
        elif ex.start_position is not None:
            tok_start = orig_to_tok[ex.start_position]
            if ex.end_position < len(ex.doc_tokens) - 1:
                tok_end = orig_to_tok[ex.end_position + 1] - 1
            else:
                tok_end = len(doc) - 1
            tok_start, tok_end = improve_answer_span(
                doc, tok_start, tok_end, pieces(ex.orig_answer_text.split()))
        max_tokens_for_doc = max_seq_length - len(query) - specials
        if max_tokens_for_doc < 1:
            raise TfnlpError(
                f"question {ex.qas_id!r}: max_seq_length {max_seq_length} leaves no room for the "
                f"context after its {len(query)}-piece question and {specials} special tokens; "
                f"raise max_seq_length or lower max_query_length"
            )
        spans = doc_spans(len(doc), max_tokens_for_doc, doc_stride)
        best_span = _max_context_spans(spans, len(doc))
        for span_index, (start, length) in enumerate(spans):
            windows.append((example_index, span_index, query, doc[start:start + length],
                            tok_to_orig[start:start + length],
                            [best_span[start + i] == span_index for i in range(length)],
                            start, tok_start, tok_end))
    layout = pack_with_layout(tokenizer, [[w[2] for w in windows], [w[3] for w in windows]],
                              max_seq_length)
    features = []
    for row, window in enumerate(windows):
        (example_index, span_index, _, context, orig, max_context, start, tok_start,
         tok_end) = window
        ex = examples[example_index]
        where = layout.positions[1][row]
        null = layout.special_position(row, start_id)
        start_position = end_position = null
        if tok_start is not None and not ex.is_impossible:
            if start <= tok_start and tok_end <= start + len(context) - 1:
                start_position = where[tok_start - start]
                end_position = where[tok_end - start]
        features.append(SquadFeature(
            example_index=example_index,
            doc_span_index=span_index,
            token_to_orig_map=dict(zip(where, orig)),
            token_is_max_context=dict(zip(where, max_context)),
            token_ids=layout.token_ids[row].tolist(),
            segment_ids=layout.segment_ids[row].tolist(),
            padding_mask=layout.padding_mask[row].tolist(),
            start_position=int(start_position),
            end_position=int(end_position),
            is_impossible=ex.is_impossible,
            null_position=int(null),
        ))
    return features


def squad_features_to_arrays(features):
    """Stack features into model inputs and span labels.

    Args:
      features: `SquadFeature`s.

    Returns:
      Dict: `token_ids, segment_ids, padding_mask` int32 `[N, max_seq_length]`;
      `start_positions, end_positions` int32 `[N]`.

    Example:
      >>> squad_features_to_arrays(feats)["token_ids"].shape  # doctest: +SKIP
      (12, 384)
    """
    def stack(name):
        return np.asarray([getattr(f, name) for f in features], dtype=np.int32)

    return {
        "token_ids": stack("token_ids"),
        "segment_ids": stack("segment_ids"),
        "padding_mask": stack("padding_mask"),
        "start_positions": stack("start_position"),
        "end_positions": stack("end_position"),
    }
