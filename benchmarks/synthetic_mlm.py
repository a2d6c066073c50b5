"""Synthetic masked-LM batches for step-speed benchmarks (numpy only: no TensorFlow).

Example:
    >>> batch = synthetic_mlm_batch(batch=32, seq=128, vocab=30522, predictions=20)
    >>> batch["masked_lm_positions"].shape
    (32, 20)
"""

import numpy as np


def synthetic_mlm_batch(batch, seq, vocab, predictions, seed=0):
    """Random token ids (all real) with `predictions` distinct sorted masked positions per row.

    Args:
        batch: rows.
        seq: sequence length.
        vocab: vocabulary size (ids are drawn from [5, vocab): no special ids).
        predictions: masked positions per row (never position 0, the `[CLS]`).
        seed: numpy seed.

    Returns:
        dict of numpy arrays: `token_ids`, `segment_ids`, `padding_mask`
        (int32 `[batch, seq]`), `masked_lm_positions`, `masked_lm_ids` (int32
        `[batch, predictions]`), `masked_lm_weights` (float32, all 1).
    """
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, vocab, (batch, seq)).astype("int32")
    positions = np.sort(np.argsort(rng.random((batch, seq - 1)), axis=1)[:, :predictions] + 1,
                        axis=1).astype("int32")
    return {
        "token_ids": ids,
        "segment_ids": np.zeros_like(ids),
        "padding_mask": np.ones_like(ids),
        "masked_lm_positions": positions,
        "masked_lm_ids": np.take_along_axis(ids, positions, 1),
        "masked_lm_weights": np.ones((batch, predictions), "float32"),
    }
