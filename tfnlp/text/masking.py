"""Dynamic masked-LM masking, in-graph, seeded, on whole dense batches.

`MlmMasker` masks a batch of packed sequences the way BERT's reference code
(`create_pretraining_data.py`) does:

- per sequence, `n = min(max_predictions_per_seq, max(1, round(0.15 * L)))`
  tokens are predicted, `L` being the sequence's length with [CLS]/[SEP]
  (as `create_pretraining_data.py` counts it);
- [CLS], [SEP], [PAD] and [MASK] are never chosen ([UNK] is, as in BERT);
- a chosen token becomes [MASK] 80% of the time, a random token 10%, and
  stays itself 10%;
- with `whole_word_masking`, words (a first piece and its `##` pieces) are
  chosen in random order and kept while the running token count stays
  within `n`, exactly as the reference code's whole-word mode.

Everything runs on the dense `[batch, seq_length]` batch with vectorised
ops (no ragged tensors, no per-token loop): the `n` tokens are the `n`
smallest random keys of a row (one `top_k`); whole words walk their random
order in at most `n` vectorised steps (each takes, in every row, the next
word that still fits).

Randomness is stateless: a batch's masks are a function of its `seed`
(shape [2]), so a pipeline that feeds (seed, batch index) gets masks that
are reproducible yet differ every epoch.

Example:

>>> masker = MlmMasker(vocabulary, max_predictions_per_seq=20)    # doctest: +SKIP
>>> out = masker(features["token_ids"], features["padding_mask"],
...              seed=tf.constant([0, 7]))                         # doctest: +SKIP
>>> sorted(out)                                                    # doctest: +SKIP
['masked_lm_ids', 'masked_lm_positions', 'masked_lm_weights', 'token_ids']
"""

import math

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.vocab import SPECIAL_TOKENS, validate_vocab

_BIG = 2.0  # sort key of items that can never be chosen (random keys are < 1)


def default_max_predictions(seq_length, masked_lm_prob=0.15):
    """Default `max_predictions_per_seq`: ceil(masked_lm_prob * seq_length).

    BERT used 20 at seq_length 128 (0.15 * 128 = 19.2, rounded up).

    Args:
      seq_length: packed sequence length.
      masked_lm_prob: masking rate.

    Returns:
      int, at least 1 (20 at seq_length 128, 77 at 512).
    """
    return max(1, int(math.ceil(masked_lm_prob * seq_length - 1e-9)))


class MlmMasker:
    """Masks packed BERT inputs for masked-LM training (see module docs).

    Args:
      vocabulary: list of tokens (id order); the ids of specials and of
        `##` continuation pieces come from it.
      max_predictions_per_seq: P, the width of the masked_lm_* outputs.
      masked_lm_prob: fraction of tokens to predict (BERT: 0.15).
      mask_token_rate, random_token_rate: 0.8 and 0.1 in BERT.
      whole_word_masking: choose whole words (first piece + `##` pieces).

    Returns (from `__call__`):
      dict: `token_ids` int32 `[B, T]` (masked), `masked_lm_positions`,
      `masked_lm_ids` int32 `[B, P]`, `masked_lm_weights` float32 `[B, P]`.

    Example:

    >>> masker = MlmMasker(vocab, max_predictions_per_seq=20)         # doctest: +SKIP
    >>> masker(token_ids, padding_mask, seed=tf.constant([1, 2]))    # doctest: +SKIP
    """

    def __init__(self, vocabulary, max_predictions_per_seq, masked_lm_prob=0.15,
                 mask_token_rate=0.8, random_token_rate=0.1,
                 whole_word_masking=False):
        vocab = validate_vocab(vocabulary)
        if isinstance(max_predictions_per_seq, bool) or not isinstance(
                max_predictions_per_seq, int) or max_predictions_per_seq < 1:
            raise TfnlpError(
                f"max_predictions_per_seq={max_predictions_per_seq!r} must be an int >= 1")
        if not 0.0 < masked_lm_prob <= 1.0:
            raise TfnlpError(f"masked_lm_prob={masked_lm_prob} must be in (0, 1]")
        if (mask_token_rate < 0 or random_token_rate < 0
                or mask_token_rate + random_token_rate > 1.0):
            raise TfnlpError(
                f"mask_token_rate={mask_token_rate} and random_token_rate="
                f"{random_token_rate} must be >= 0 and sum to at most 1")
        self.vocab_size = len(vocab)
        self.max_predictions_per_seq = max_predictions_per_seq
        self.masked_lm_prob = masked_lm_prob
        self.mask_token_rate = mask_token_rate
        self.random_token_rate = random_token_rate
        self.whole_word_masking = whole_word_masking
        self.mask_id = vocab.index("[MASK]")
        self.pad_id = vocab.index("[PAD]")
        # Never masked: [PAD] [CLS] [SEP] [MASK] (BERT masks [UNK] like any token).
        self.unselectable_ids = [vocab.index(t) for t in SPECIAL_TOKENS if t != "[UNK]"]
        special = set(self.unselectable_ids)
        # A word starts at any piece that is not a `##` continuation and at
        # every special token (so "run [SEP]" are two words); a row's first
        # token always starts one.
        self._starts_word = tf.constant(
            [not t.startswith("##") or i in special for i, t in enumerate(vocab)],
            dtype=tf.bool)

    def _selectable(self, ids, real):
        """[B, T] bool: real tokens that are not unselectable ids."""
        blocked = tf.zeros_like(real)
        for i in self.unselectable_ids:
            blocked = blocked | tf.equal(ids, i)
        return real & ~blocked

    def _choose_tokens(self, selectable, budget, seed):
        """The `budget` selectable tokens of smallest random key, per row."""
        p = self.max_predictions_per_seq
        keys = tf.random.stateless_uniform(tf.shape(selectable), seed=seed)
        keys = tf.where(selectable, keys, _BIG)
        width = tf.shape(keys)[1]
        keys = tf.pad(keys, [[0, 0], [0, tf.maximum(0, p - width)]],
                      constant_values=_BIG)            # top_k needs >= p columns
        neg_keys, index = tf.math.top_k(-keys, k=p)    # smallest keys first
        take = (tf.range(p)[None, :] < budget[:, None]) & (neg_keys > -_BIG)
        rows = tf.broadcast_to(tf.range(tf.shape(keys)[0])[:, None], tf.shape(index))
        chosen = tf.scatter_nd(tf.stack([rows, index], -1), tf.cast(take, tf.int32),
                               tf.shape(keys))
        return chosen[:, :width] > 0

    def _choose_words(self, ids, real, selectable, budget, seed):
        """Whole words in random order, each kept while it fits the budget."""
        batch, width = tf.shape(ids)[0], tf.shape(ids)[1]
        column = tf.range(width)[None, :]
        starts = (tf.gather(self._starts_word, ids) | tf.equal(column, 0)) & real
        word = tf.cumsum(tf.cast(starts, tf.int32), axis=1) - 1       # [B, T]
        # Per (row, word) slot: size in tokens, and whether it holds a token
        # that can never be chosen. Padding goes to a spare last slot.
        slot = tf.where(real, tf.range(batch)[:, None] * width + word, batch * width)
        num_slots = batch * width + 1
        size = tf.math.unsorted_segment_sum(tf.cast(real, tf.int32), slot, num_slots)
        blocked = tf.math.unsorted_segment_max(
            tf.cast(real & ~selectable, tf.int32), slot, num_slots)
        size = tf.reshape(size[:-1], [batch, width])
        ok = tf.reshape((blocked[:-1] <= 0), [batch, width]) & (size > 0)
        keys = tf.random.stateless_uniform([batch, width], seed=seed)
        keys = tf.where(ok, keys, _BIG)
        order = tf.argsort(keys, axis=1, stable=True)                 # random word order
        sorted_ok = tf.gather(ok, order, batch_dims=1)
        sorted_size = tf.gather(size, order, batch_dims=1)

        # BERT walks the words in random order and keeps one if the running
        # count stays within the budget. A word it skips never fits later
        # (the room only shrinks), so each step below takes, in every row,
        # the first word after the last one taken that fits: at most
        # `budget` steps, as every word taken holds at least one token.
        def step(room, after, taken):
            fits = sorted_ok & (column >= after[:, None]) & (sorted_size <= room[:, None])
            found = tf.reduce_any(fits, axis=1)
            first = tf.argmax(tf.cast(fits, tf.int32), axis=1, output_type=tf.int32)
            room = room - tf.where(found, tf.gather(sorted_size, first, batch_dims=1), 0)
            after = tf.where(found, first + 1, width)
            picked = tf.one_hot(tf.gather(order, first, batch_dims=1), width,
                                on_value=True, off_value=False, dtype=tf.bool)
            return room, after, taken | (picked & found[:, None])

        _, _, taken = tf.while_loop(
            lambda room, after, taken: tf.reduce_any((after < width) & (room > 0)),
            step, (budget, tf.zeros_like(budget), tf.zeros_like(ok)),
            maximum_iterations=self.max_predictions_per_seq)
        return tf.gather(taken, word, batch_dims=1) & real

    def _positions(self, chosen):
        """[B, T] bool -> ascending positions [B, P] and their 0/1 weights."""
        p = self.max_predictions_per_seq
        width = tf.shape(chosen)[1]
        # Key width - t for a chosen position t, 0 otherwise: top_k lists the
        # chosen ones first, left to right.
        key = tf.where(chosen, width - tf.range(width)[None, :], 0)
        key = tf.pad(key, [[0, 0], [0, tf.maximum(0, p - width)]])
        top, _ = tf.math.top_k(key, k=p)
        found = top > 0
        return tf.where(found, width - top, 0), found

    def __call__(self, token_ids, padding_mask, seed):
        """Masks a batch.

        Args:
          token_ids: int `[B, T]` packed ids ([CLS] ... [SEP] [PAD]...).
          padding_mask: int `[B, T]`, 1 for real tokens.
          seed: int tensor `[2]`; the same seed gives the same masks.

        Returns:
          dict of `token_ids`, `masked_lm_positions`, `masked_lm_ids`
          (int32 `[B, P]`) and `masked_lm_weights` (float32 `[B, P]`).
        """
        ids = tf.cast(tf.convert_to_tensor(token_ids), tf.int32)
        real = tf.convert_to_tensor(padding_mask) > 0
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2)
        lengths = tf.reduce_sum(tf.cast(real, tf.float32), axis=1)
        budget = tf.cast(tf.minimum(
            float(self.max_predictions_per_seq),
            tf.maximum(1.0, tf.round(lengths * self.masked_lm_prob))), tf.int32)
        selectable = self._selectable(ids, real)
        if self.whole_word_masking:
            chosen = self._choose_words(ids, real, selectable, budget, seeds[0])
        else:
            chosen = self._choose_tokens(selectable, budget, seeds[0])

        # 80% [MASK], 10% a random id, 10% unchanged.
        value_seeds = tf.random.experimental.stateless_split(seeds[1], 2)
        roll = tf.random.stateless_uniform(tf.shape(ids), seed=value_seeds[0])
        random_ids = tf.random.stateless_uniform(
            tf.shape(ids), seed=value_seeds[1], minval=0, maxval=self.vocab_size,
            dtype=tf.int32)
        mask_rate = float(self.mask_token_rate)
        random_rate = float(self.random_token_rate)
        new_ids = tf.where(chosen & (roll < mask_rate), self.mask_id, ids)
        new_ids = tf.where(chosen & (roll >= mask_rate) & (roll < mask_rate + random_rate),
                           random_ids, new_ids)
        positions, found = self._positions(chosen)
        labels = tf.where(found, tf.gather(ids, positions, batch_dims=1), 0)
        return {
            "token_ids": new_ids,
            "masked_lm_positions": positions,
            "masked_lm_ids": labels,
            "masked_lm_weights": tf.cast(found, tf.float32),
        }
