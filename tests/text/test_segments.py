"""Dense packing (tfnlp.text.segments) against tf-text's ragged packing ops."""

import numpy as np
import tensorflow as tf
import tensorflow_text as tf_text

from tfnlp.text.segments import pack_trimmed, round_robin_lengths


def _ragged(rng, rows):
    return tf.ragged.constant(
        [rng.integers(5, 99, rng.integers(0, 20)).tolist() for _ in range(rows)],
        dtype=tf.int32, ragged_rank=1)


def test_matches_round_robin_trimmer_and_combine_segments():
    rng = np.random.default_rng(0)
    for _ in range(6):
        segments = [_ragged(rng, 7) for _ in range(int(rng.integers(1, 3)))]
        for seq_length in (4, 9, 16, 40):
            budget = seq_length - len(segments) - 1
            trimmed = tf_text.RoundRobinTrimmer(budget).trim(segments)
            for kept, ref in zip(round_robin_lengths(
                    [tf.cast(s.row_lengths(), tf.int32) for s in segments], budget), trimmed):
                np.testing.assert_array_equal(kept, ref.row_lengths())
            ids, types = tf_text.combine_segments(trimmed, 2, 3)
            want_ids, want_mask = tf_text.pad_model_inputs(ids, seq_length, pad_value=0)
            want_types, _ = tf_text.pad_model_inputs(types, seq_length, pad_value=0)
            for length in (seq_length, tf.constant(seq_length)):
                got = pack_trimmed(segments, length, end_id=3, pad_id=0, start_id=2)
                np.testing.assert_array_equal(got["token_ids"], want_ids)
                np.testing.assert_array_equal(got["segment_ids"], want_types)
                np.testing.assert_array_equal(got["padding_mask"], want_mask)


def test_left_padding_with_closing_cls():
    a = tf.ragged.constant([[7, 8, 9], [5]])
    out = pack_trimmed([a], 6, end_id=4, pad_id=1, cls_id=3, padding_side="left")
    assert out["token_ids"].numpy().tolist() == [[1, 7, 8, 9, 4, 3], [1, 1, 1, 5, 4, 3]]
    assert out["segment_ids"].numpy().tolist() == [[0, 0, 0, 0, 0, 2], [0, 0, 0, 0, 0, 2]]
    assert out["padding_mask"].numpy().tolist() == [[0, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1]]
