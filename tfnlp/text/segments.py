"""Round-robin trimming and packing of token segments, as dense batch ops.

Packing 1-2 ragged id segments into `[batch, seq_length]` model inputs is
done here with a handful of element-wise ops and two gathers on the whole
batch: the trimmed length of every segment follows in closed form from the
segment lengths (`round_robin_lengths`), and every output position then
knows which segment (or special token) it holds. This gives exactly what
tf-text's `RoundRobinTrimmer` + `combine_segments` + `pad_model_inputs`
give, at a fraction of the cost of their ragged ops (packing was most of
the input pipeline's time; see benchmarks/preprocess.py).

Example:

>>> a = tf.ragged.constant([[7, 8, 9], [5]])
>>> b = tf.ragged.constant([[4, 4], [6, 6, 6]])
>>> out = pack_trimmed([a, b], 7, end_id=3, pad_id=0, start_id=2)
>>> out["token_ids"].numpy().tolist()
[[2, 7, 8, 3, 4, 4, 3], [2, 5, 3, 6, 6, 6, 3]]
"""

import tensorflow as tf

from tfnlp.errors import TfnlpError


def round_robin_lengths(lengths, budget):
    """Trimmed segment lengths under round-robin trimming.

    Round-robin trimming hands out one token at a time to each segment in
    turn, first segment first, skipping exhausted segments, until `budget`
    tokens are given (tf-text's `RoundRobinTrimmer`). For two segments that
    is: the first keeps `min(la, max(ceil(budget / 2), budget - lb))`, the
    second what is left, up to its length.

    Args:
      lengths: list of 1-2 int32 `[batch]` segment lengths.
      budget: int or int32 scalar tensor, total tokens kept per row (>= 0).

    Returns:
      list of int32 `[batch]` trimmed lengths, one per segment.

    Example:

    >>> [t.numpy().tolist() for t in round_robin_lengths(
    ...     [tf.constant([10, 2]), tf.constant([10, 9])], 5)]
    [[3, 2], [2, 3]]
    """
    if len(lengths) == 1:
        return [tf.minimum(lengths[0], budget)]
    if len(lengths) != 2:
        raise TfnlpError(f"round-robin trimming takes 1 or 2 segments, got {len(lengths)}")
    first, second = lengths
    half = (budget + 1) // 2
    kept_first = tf.minimum(first, tf.maximum(half, budget - second))
    kept_second = tf.minimum(second, budget - kept_first)
    return [kept_first, kept_second]


def as_ragged_ids(segment):
    """One segment as an int32 `tf.RaggedTensor [batch, (tokens)]`.

    Args:
      segment: ragged `[batch, (tokens)]` or `[batch, (words), (pieces)]`,
        or a dense `[batch, n]` tensor / array.

    Returns:
      int32 `tf.RaggedTensor` of ragged rank 1.
    """
    if not isinstance(segment, tf.RaggedTensor):
        segment = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(segment))
    if segment.ragged_rank > 1:
        segment = segment.merge_dims(-2, -1)
    return tf.cast(segment, tf.int32)


def pack_trimmed(segments, seq_length, end_id, pad_id, start_id=None, cls_id=None,
                 padding_side="right", cls_segment_id=2, pad_segment_id=0):
    """Trims 1-2 segments round-robin and packs them with special tokens.

    The layout is `[start] A end [B end] [cls]`, padded to `seq_length` on
    `padding_side`; segment ids are 0 for `start`, A and its `end`, 1 for B
    and its `end`, `cls_segment_id` for `cls`, `pad_segment_id` for padding.
    The arguments are not checked here: callers check `seq_length` against
    their special tokens (with their own messages) first.

    Args:
      segments: list of 1-2 int `tf.RaggedTensor [batch, (tokens)]` (or
        `[batch, (words), (pieces)]`, or dense `[batch, n]`).
      seq_length: packed length (int, or int32 scalar tensor); at least the
        number of special tokens.
      end_id: id closing each segment.
      pad_id: padding id.
      start_id: id opening the sequence, or None.
      cls_id: id closing the sequence, or None.
      padding_side: `"right"` or `"left"`.
      cls_segment_id: segment id of `cls_id`.
      pad_segment_id: segment id of padding.

    Returns:
      dict of int32 `[batch, seq_length]`: `token_ids`, `segment_ids`,
      `padding_mask` (1 real, 0 padding).
    """
    segments = [as_ragged_ids(s) for s in segments]
    num_special = len(segments) + (start_id is not None) + (cls_id is not None)
    lengths = [tf.cast(s.row_lengths(), tf.int32) for s in segments]
    kept = round_robin_lengths(lengths, seq_length - num_special)
    positions = tf.range(seq_length, dtype=tf.int32)[None, :]
    total = num_special + tf.add_n(kept)                      # [batch]
    if padding_side == "left":
        positions = positions - (seq_length - total)[:, None]
    zeros = positions * 0 + total[:, None] * 0               # [batch, seq_length]
    token_ids = zeros + pad_id
    segment_ids = zeros + pad_segment_id

    def put(where, ids, segment_id):
        return (tf.where(where, ids, token_ids),
                tf.where(where, tf.constant(segment_id, tf.int32), segment_ids))

    offset = tf.zeros_like(total)                             # where the next piece starts
    if start_id is not None:
        token_ids, segment_ids = put(positions == 0, start_id, 0)
        offset = offset + 1
    for index, (segment, length) in enumerate(zip(segments, kept)):
        local = positions - offset[:, None]                    # index into this segment
        inside = (local >= 0) & (local < length[:, None])
        # One gather for the whole batch; rows outside the segment read a
        # dummy trailing value.
        values = tf.concat([segment.flat_values, tf.zeros([1], tf.int32)], 0)
        starts = tf.cast(segment.row_starts(), tf.int32)[:, None]
        source = tf.where(inside, starts + local, tf.shape(values)[0] - 1)
        token_ids, segment_ids = put(inside, tf.gather(values, source), index)
        token_ids, segment_ids = put(local == length[:, None], end_id, index)
        offset = offset + length + 1
    if cls_id is not None:
        token_ids, segment_ids = put(positions == offset[:, None], cls_id, cls_segment_id)
    real = (positions >= 0) & (positions < total[:, None])
    return {"token_ids": token_ids, "segment_ids": segment_ids,
            "padding_mask": tf.cast(real, tf.int32)}
