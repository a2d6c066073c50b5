"""Dynamic masked-LM masking with tensorflow-text, in-graph and seeded.

`MlmMasker` masks a batch of packed sequences the way BERT's reference code
does, using tensorflow-text's `mask_language_model` with a
`RandomItemSelector` and a `MaskValuesChooser`:

- per sequence, `n = min(max_predictions_per_seq, max(1, round(0.15 * L)))`
  tokens are predicted, `L` being the sequence's length with [CLS]/[SEP]
  (as `create_pretraining_data.py` counts it);
- [CLS], [SEP], [PAD] and [MASK] are never chosen ([UNK] is, as in BERT);
- a chosen token becomes [MASK] 80% of the time, a random token 10%, and
  stays itself 10%;
- with `whole_word_masking`, words (a first piece and its `##` pieces) are
  chosen in random order and kept while the running token count stays
  within `n`, exactly as the reference code's whole-word mode.

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
import tensorflow_text as tf_text

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


class BudgetRandomItemSelector(tf_text.RandomItemSelector):
    """`RandomItemSelector` with BERT's per-sequence token budget.

    Chooses items (tokens, or words of `##` pieces for a rank-3 input) in a
    random order drawn from a stateless `seed`, and keeps an item while the
    number of tokens chosen stays within
    `min(max_selections_per_batch, max(1, round(selection_rate * L)))`,
    where `L` is the row's token count (specials included, as in BERT).
    Unselectable ids (and items holding one) are never chosen.

    Args:
      max_selections_per_batch: most tokens chosen per row.
      selection_rate: fraction of a row's tokens to choose.
      unselectable_ids: ids never chosen.
      seed: int tensor of shape [2] for the stateless random order.
    """

    def __init__(self, max_selections_per_batch, selection_rate,
                 unselectable_ids, seed):
        super().__init__(max_selections_per_batch=max_selections_per_batch,
                         selection_rate=selection_rate,
                         unselectable_ids=unselectable_ids)
        self._seed = seed

    def get_selection_mask(self, input_ids, axis):
        if axis != 1:
            raise TfnlpError("BudgetRandomItemSelector selects along axis 1 only")
        selectable = self.get_selectable(input_ids, axis)  # [B, (items)] bool
        if input_ids.ragged_rank > 1:
            item_sizes = input_ids.row_lengths(axis=2)       # tokens per word
            row_tokens = tf.reduce_sum(item_sizes, axis=1)
        else:
            item_sizes = tf.ones_like(input_ids, dtype=tf.int64)
            row_tokens = input_ids.row_lengths()
        row_tokens = tf.cast(row_tokens, tf.float32)
        budget = tf.minimum(
            tf.cast(self.max_selections_per_batch, tf.float32),
            tf.maximum(1.0, tf.round(row_tokens * self.selection_rate)))
        keys = tf.random.stateless_uniform(
            tf.shape(selectable.flat_values), seed=self._seed)
        keys = tf.where(selectable.flat_values, keys, _BIG)
        keys = selectable.with_flat_values(keys).to_tensor(default_value=_BIG)
        sizes = item_sizes.to_tensor(default_value=0)
        order = tf.argsort(keys, axis=1, stable=True)
        sorted_keys = tf.gather(keys, order, batch_dims=1)
        sorted_sizes = tf.cast(tf.gather(sizes, order, batch_dims=1), tf.float32)

        # Walk the items in random order; keep one if it still fits (BERT's
        # `if len(masked_lms) + len(index_set) > num_to_predict: continue`).
        def step(count, xs):
            key, size = xs
            take = (key < _BIG) & (count + size <= budget)
            return count + tf.where(take, size, 0.0), take

        _, taken = tf.scan(
            lambda carry, xs: step(carry[0], xs),
            (tf.transpose(sorted_keys), tf.transpose(sorted_sizes)),
            initializer=(tf.zeros_like(budget), tf.zeros_like(budget, dtype=tf.bool)))
        taken = tf.transpose(taken)                          # [B, items] sorted
        inverse = tf.argsort(order, axis=1, stable=True)
        chosen = tf.gather(taken, inverse, batch_dims=1)     # original order
        return tf.RaggedTensor.from_tensor(chosen, lengths=selectable.row_lengths())


class StatelessMaskValuesChooser(tf_text.MaskValuesChooser):
    """`MaskValuesChooser` (80% [MASK] / 10% random / 10% same) drawn from a seed.

    Args:
      vocab_size: random replacements are drawn from [0, vocab_size).
      mask_token: id of [MASK].
      seed: int tensor of shape [2].
      mask_token_rate, random_token_rate: as in `MaskValuesChooser`.
    """

    def __init__(self, vocab_size, mask_token, seed, mask_token_rate=0.8,
                 random_token_rate=0.1):
        super().__init__(vocab_size, mask_token, mask_token_rate=mask_token_rate,
                         random_token_rate=random_token_rate)
        self._seed = seed

    def get_mask_values(self, masked_lm_ids):
        ids = masked_lm_ids
        if ids.ragged_rank > 1:
            ids = ids.merge_dims(1, -1)
        flat = ids.flat_values
        seeds = tf.random.experimental.stateless_split(self._seed, 2)
        u = tf.random.stateless_uniform(tf.shape(flat), seed=seeds[0])
        random_ids = tf.random.stateless_uniform(
            tf.shape(flat), seed=seeds[1], minval=0, maxval=self.vocab_size,
            dtype=tf.int64)
        mask_rate = tf.cast(self._mask_token_rate, tf.float32)
        random_rate = tf.cast(self.random_token_rate, tf.float32)
        values = tf.where(u < mask_rate, tf.cast(self.mask_token, flat.dtype), flat)
        values = tf.where((u >= mask_rate) & (u < mask_rate + random_rate),
                          tf.cast(random_ids, flat.dtype), values)
        return ids.with_flat_values(values)


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
        # A word starts at any piece that is not a `##` continuation, and at
        # every special token (so "[SEP] ##ing" are two words).
        self._starts_word = tf.constant(
            [not t.startswith("##") or i in special for i, t in enumerate(vocab)],
            dtype=tf.bool)

    def _words(self, ids):
        """[B, (T)] ids -> [B, (words), (pieces)]."""
        flat = ids.flat_values
        starts = tf.gather(self._starts_word, flat)
        row_starts = tf.cast(ids.row_starts(), tf.int32)
        first_in_row = tf.scatter_nd(
            tf.expand_dims(row_starts[ids.row_lengths() > 0], 1),
            tf.ones_like(row_starts[ids.row_lengths() > 0], dtype=tf.bool),
            tf.shape(flat))
        starts = starts | first_in_row
        word_of_token = tf.cumsum(tf.cast(starts, tf.int64)) - 1
        pieces = tf.RaggedTensor.from_value_rowids(
            flat, word_of_token, nrows=tf.reduce_sum(tf.cast(starts, tf.int64)))
        words_per_row = tf.math.unsorted_segment_sum(
            tf.cast(starts, tf.int64), ids.value_rowids(), ids.nrows())
        return tf.RaggedTensor.from_row_lengths(pieces, words_per_row)

    def __call__(self, token_ids, padding_mask, seed):
        """Masks a batch.

        Args:
          token_ids: int `[B, T]` packed ids ([CLS] ... [SEP] [PAD]...).
          padding_mask: int `[B, T]`, 1 for real tokens (a prefix of each row).
          seed: int tensor `[2]`; the same seed gives the same masks.

        Returns:
          dict of `token_ids`, `masked_lm_positions`, `masked_lm_ids`
          (int32) and `masked_lm_weights` (float32).
        """
        token_ids = tf.convert_to_tensor(token_ids)
        seq_len = tf.shape(token_ids)[1]
        lengths = tf.reduce_sum(tf.cast(padding_mask, tf.int64), axis=1)
        ids = tf.RaggedTensor.from_tensor(tf.cast(token_ids, tf.int64), lengths=lengths)
        items = self._words(ids) if self.whole_word_masking else ids
        seeds = tf.random.experimental.stateless_split(
            tf.cast(seed, tf.int64), 2)
        selector = BudgetRandomItemSelector(
            self.max_predictions_per_seq, self.masked_lm_prob,
            self.unselectable_ids, seeds[0])
        chooser = StatelessMaskValuesChooser(
            self.vocab_size, self.mask_id, seeds[1],
            mask_token_rate=self.mask_token_rate,
            random_token_rate=self.random_token_rate)
        masked, positions, labels = tf_text.mask_language_model(
            items, selector, chooser, axis=1)
        if masked.ragged_rank > 1:
            masked = masked.merge_dims(1, -1)
        new_ids = masked.to_tensor(default_value=self.pad_id,
                                   shape=[None, None])
        new_ids = tf.pad(new_ids, [[0, 0], [0, seq_len - tf.shape(new_ids)[1]]],
                         constant_values=self.pad_id)
        p = self.max_predictions_per_seq
        pos, weights = tf_text.pad_model_inputs(positions, max_seq_length=p)
        lab, _ = tf_text.pad_model_inputs(labels, max_seq_length=p)
        return {
            "token_ids": tf.cast(new_ids, tf.int32),
            "masked_lm_positions": tf.cast(pos, tf.int32),
            "masked_lm_ids": tf.cast(lab, tf.int32),
            "masked_lm_weights": tf.cast(weights, tf.float32),
        }
