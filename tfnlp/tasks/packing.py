"""Feature-builder helpers over any family `Tokenizer`: word pieces and packed layouts.

The NER and SQuAD feature builders split text into words themselves and
need to know where every word piece lands in the packed input, whatever the
family puts around it (`[CLS] a [SEP]` for BERT, `a <sep> <cls>` with left
padding for XLNet, nothing for GPT-2). They never name a special token:

- `WordPieces(tokenizer)`: words -> piece ids through
  `tokenizer.tokenize_words`, batched and cached per word;
- `special_count(tokenizer, num_segments)`: how many positions the
  tokenizer's `pack` adds around 1 or 2 segments;
- `pack_with_layout(tokenizer, segments, seq_length)`: packs rows of piece
  ids with `tokenizer.pack` and returns, beside the packed arrays, the
  packed position of every piece.

The layout is read by packing *marker* ids (`MARKER_BASE + index`) in place
of the real ones, which relies on `pack` placing ids without looking at
their values (it only adds special tokens, trims and pads), as the
tokenizer contract says.

Example:

>>> pieces = WordPieces(tokenizer)                                 # doctest: +SKIP
>>> layout = pack_with_layout(tokenizer, [[pieces(["Hi", "there"])[0]]], 8)  # doctest: +SKIP
>>> layout.positions[0][0]                                         # doctest: +SKIP
[1]
"""

import dataclasses
import weakref

import numpy as np

from tfnlp.errors import TfnlpError

# Marker ids: segment k, piece i -> MARKER_BASE + k * MARKER_STRIDE + i.
MARKER_BASE = 1 << 30
MARKER_STRIDE = 1 << 24
PACK_BATCH = 4096


class WordPieces:
    """Callable: list of words -> list of piece-id lists, via `tokenize_words`.

    Words are tokenized once each (cached) in batches, so a SQuAD file's
    words cost one tokenizer call per `batch_size` distinct words.

    Args:
        tokenizer: a `tfnlp.text.tokenizer.Tokenizer`.
        batch_size: distinct words per `tokenize_words` call.

    Example:

    >>> WordPieces(tokenizer)(["unaffable", "cat"])   # doctest: +SKIP
    [[14477, 20961, 3468], [4937]]
    """

    def __init__(self, tokenizer, batch_size=50_000):
        self.tokenizer = tokenizer
        self.batch_size = int(batch_size)
        self._cache = {}

    def __call__(self, words):
        words = list(words)
        todo = sorted({w for w in words if w not in self._cache})
        for start in range(0, len(todo), self.batch_size):
            chunk = todo[start:start + self.batch_size]
            pieces = self.tokenizer.tokenize_words(chunk)
            if len(pieces) != len(chunk):
                raise TfnlpError(f"{type(self.tokenizer).__name__}.tokenize_words returned "
                                 f"{len(pieces)} piece lists for {len(chunk)} words")
            for word, ids in zip(chunk, pieces):
                self._cache[word] = [int(i) for i in ids]
        return [list(self._cache[w]) for w in words]


def fallback_piece(tokenizer):
    """The id given to a word that yields no piece (the unknown token).

    Args:
        tokenizer: a `Tokenizer`.

    Returns:
        int.

    Raises:
        TfnlpError: the tokenizer has neither an unknown nor a padding id.
    """
    special = tokenizer.special_tokens
    for key in ("unknown_id", "padding_id"):
        if special.get(key) is not None:
            return int(special[key])
    raise TfnlpError(f"{type(tokenizer).__name__} has no unknown_id or padding_id for a "
                     "word without pieces")


_SPECIAL_COUNTS = {}


def special_count(tokenizer, num_segments):
    """Positions `tokenizer.pack` adds around `num_segments` (1 or 2) segments.

    Args:
        tokenizer: a `Tokenizer`.
        num_segments: 1 or 2.

    Returns:
        int (2 and 3 for BERT's `[CLS] a [SEP] (b [SEP])`).
    """
    key = (id(tokenizer), num_segments)
    cached = _SPECIAL_COUNTS.get(key)
    if cached is None or cached[0]() is not tokenizer:  # ids are reused after GC
        layout = _pack_markers(tokenizer, [[[0]] for _ in range(num_segments)], 64)
        cached = (weakref.ref(tokenizer), int(layout["padding_mask"].sum()) - num_segments)
        _SPECIAL_COUNTS[key] = cached
    return cached[1]


@dataclasses.dataclass
class PackedLayout:
    """What `pack_with_layout` returns.

    Attributes:
        token_ids, segment_ids, padding_mask: int32 `[N, seq_length]`.
        positions: `positions[k][row]` is a list: the packed position of
            each piece of segment `k` in that row.
    """

    token_ids: np.ndarray
    segment_ids: np.ndarray
    padding_mask: np.ndarray
    positions: list

    def special_position(self, row, special_id):
        """The position of the first special (non-piece, non-padding) token.

        `special_id` (e.g. the start-of-sequence id) is preferred where the
        row holds it outside the pieces; else the first added token; else
        the first real position (a tokenizer that adds none).

        Args:
            row: int.
            special_id: int or None.

        Returns:
            int.
        """
        mask = self.padding_mask[row].astype(bool)
        pieces = np.zeros_like(mask)
        for segment in self.positions:
            pieces[segment[row]] = True
        added = np.flatnonzero(mask & ~pieces)
        if special_id is not None:
            hits = [p for p in added if self.token_ids[row, p] == special_id]
            if hits:
                return int(hits[0])
        if len(added):
            return int(added[0])
        return int(np.flatnonzero(mask)[0])


def _pack_markers(tokenizer, segments, seq_length):
    import tensorflow as tf

    ragged = []
    for k, rows in enumerate(segments):
        lengths = np.asarray([len(r) for r in rows], dtype=np.int64)
        flat = (np.concatenate([np.arange(n) for n in lengths]) if len(lengths)
                else np.zeros([0])) + MARKER_BASE + k * MARKER_STRIDE
        ragged.append(tf.RaggedTensor.from_row_lengths(
            tf.constant(flat.astype(np.int32)), tf.constant(lengths)))
    packed = tokenizer.pack(ragged, seq_length=seq_length)
    return {k: np.asarray(packed[k]).astype(np.int32)
            for k in ("token_ids", "segment_ids", "padding_mask")}


def pack_with_layout(tokenizer, segments, seq_length):
    """Packs rows of piece ids and says where each piece went.

    Args:
        tokenizer: a `Tokenizer`.
        segments: list of 1 or 2 segments; each a list (one entry per row)
            of lists of piece ids. The caller keeps every row within
            `seq_length - special_count(tokenizer, len(segments))` pieces.
        seq_length: packed length.

    Returns:
        a `PackedLayout`.

    Raises:
        TfnlpError: segments of different row counts, or `pack` dropped
            pieces (the rows did not fit).

    Example:

    >>> layout = pack_with_layout(tokenizer, [[[7, 8]], [[9]]], 8)   # doctest: +SKIP
    >>> layout.token_ids[0], layout.positions[1][0]                   # doctest: +SKIP
    (array([2, 7, 8, 3, 9, 3, 0, 0], dtype=int32), [4])
    """
    rows = len(segments[0])
    if any(len(s) != rows for s in segments):
        raise TfnlpError("pack_with_layout: every segment needs the same number of rows")
    parts = {"token_ids": [], "segment_ids": [], "padding_mask": []}
    positions = [[] for _ in segments]
    for start in range(0, rows, PACK_BATCH):
        chunk = [s[start:start + PACK_BATCH] for s in segments]
        packed = _pack_markers(tokenizer, chunk, seq_length)
        ids = packed["token_ids"]
        marker = ids >= MARKER_BASE
        segment = np.where(marker, (ids - MARKER_BASE) // MARKER_STRIDE, -1)
        index = np.where(marker, (ids - MARKER_BASE) % MARKER_STRIDE, -1)
        for r in range(ids.shape[0]):
            for k, seg_rows in enumerate(chunk):
                pieces = seg_rows[r]
                where = np.flatnonzero(segment[r] == k)
                if len(where) != len(pieces):
                    raise TfnlpError(
                        f"{type(tokenizer).__name__}.pack kept {len(where)} of {len(pieces)} "
                        f"pieces of segment {k} at seq_length {seq_length}")
                order = where[np.argsort(index[r, where], kind="stable")]
                ids[r, order] = pieces
                positions[k].append(order.tolist())
        for key in parts:
            parts[key].append(packed[key])
    arrays = {k: (np.concatenate(v) if v else np.zeros((0, seq_length), np.int32))
              for k, v in parts.items()}
    return PackedLayout(positions=positions, **arrays)
