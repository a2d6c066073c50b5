"""Permutation language modelling (XLNet, Yang et al. 2019): data, features, evaluation.

Per packed sequence:

1. **Targets**: about 1/K of the tokens (K = `mask_alpha`, 6), chosen as
   spans as in XLNet's `_sample_mask`: the sequence is cut into blocks of
   `K * n` tokens, `n` drawn from 1..`max_span` (5) with probability
   proportional to `1/n`, and in each block a random run of `n` tokens
   becomes a target span. Special tokens (`<sep>`, `<cls>`) and padding
   are never targets; at most `max_predictions_per_seq` (P) targets are
   kept, in position order.
2. **Factorization order**: a random permutation of the positions. As in
   XLNet's `_local_perm`, non-target tokens come first (everyone may see
   them), targets and special tokens follow in the permutation's order;
   `perm_mask[i, j] = 1` (i may not see j) when j is a target or special
   token not earlier than i in that order (a target never sees itself).
3. **Inputs**: `perm_mask [B, T, T]`, `target_mapping [B, P, T]` (one-hot
   rows at the target positions), `target_ids [B, P]`,
   `target_weights [B, P]` (0 for empty rows).

The sequence order (a stateless permutation per epoch) and all draws are
stateless ops seeded by `(seed, epoch)` and `(seed, batch index)`, so
batch `k` is the same for every iterator and a resumed run that skips
batches continues exactly.

Example:

>>> from tfnlp.objectives import get_objective
>>> plm = get_objective("plm")
>>> plm.default_max_predictions(128)
22
"""

import math

import numpy as np
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.objectives.base import DataOptions, Objective, stateless_epoch_stream
from tfnlp.text.pretraining_data import ragged_from_rows

MASK_ALPHA = 6
MAX_SPAN = 5
FEATURE_INPUTS = ("token_ids", "segment_ids", "padding_mask", "perm_mask", "target_mapping")


def _seeds(seed, count):
    return tf.unstack(tf.random.experimental.stateless_split(seed, count))


def sample_targets(token_ids, padding_mask, special_ids, seed, num_predict,
                   mask_alpha=MASK_ALPHA, max_span=MAX_SPAN):
    """XLNet's span targets, in-graph and stateless.

    Args:
        token_ids: int32 `[B, T]`.
        padding_mask: int32 `[B, T]`, 1 real.
        special_ids: ids never predicted (`<sep>`, `<cls>`).
        seed: int `[2]` stateless seed.
        num_predict: P, the most targets kept per sequence.
        mask_alpha: K: one token in K is predicted.
        max_span: longest span.

    Returns:
        bool `[B, T]`: the targets.
    """
    batch, length = tf.shape(token_ids)[0], tf.shape(token_ids)[1]
    blocks = length // mask_alpha + 2
    span_seed, offset_seed = _seeds(seed, 2)
    spans = tf.range(1, max_span + 1, dtype=tf.float32)
    logits = tf.math.log((1.0 / spans) / tf.reduce_sum(1.0 / spans))
    n = tf.random.stateless_categorical(
        tf.tile(logits[None, :], [batch * blocks, 1]), 1, span_seed, dtype=tf.int32)
    n = tf.reshape(n, [batch, blocks]) + 1
    block_size = n * mask_alpha
    offset = tf.cast(tf.floor(tf.random.stateless_uniform([batch, blocks], offset_seed)
                              * tf.cast(block_size - n + 1, tf.float32)), tf.int32)
    ends = tf.cumsum(block_size, axis=1)
    starts = ends - block_size
    positions = tf.tile(tf.range(length, dtype=tf.int32)[None, :], [batch, 1])
    block = tf.searchsorted(ends, positions, side="right")
    block = tf.minimum(block, blocks - 1)
    begin = tf.gather(starts + offset, block, batch_dims=1)
    width = tf.gather(n, block, batch_dims=1)
    chosen = tf.logical_and(positions >= begin, positions < begin + width)
    eligible = tf.cast(padding_mask, tf.bool)
    for special in special_ids:
        eligible = tf.logical_and(eligible, tf.not_equal(token_ids, special))
    chosen = tf.logical_and(chosen, eligible)
    count = tf.cumsum(tf.cast(chosen, tf.int32), axis=1)
    return tf.logical_and(chosen, count <= num_predict)


def permutation_inputs(token_ids, padding_mask, targets, special_ids, seed, num_predict):
    """`perm_mask`, `target_mapping`, `target_ids`, `target_weights` for `targets`.

    Args:
        token_ids: int32 `[B, T]`.
        padding_mask: int32 `[B, T]`.
        targets: bool `[B, T]` (at most `num_predict` per row).
        special_ids: the functional tokens (`<sep>`, `<cls>`).
        seed: int `[2]` stateless seed of the factorization order.
        num_predict: P.

    Returns:
        dict: float32 `perm_mask [B, T, T]` and `target_mapping [B, P, T]`,
        int32 `target_ids [B, P]`, float32 `target_weights [B, P]`.
    """
    batch, length = tf.shape(token_ids)[0], tf.shape(token_ids)[1]
    functional = tf.zeros_like(targets)
    for special in special_ids:
        functional = tf.logical_or(functional, tf.equal(token_ids, special))
    functional = tf.logical_and(functional, tf.cast(padding_mask, tf.bool))
    masked_or_functional = tf.logical_or(targets, functional)
    # A random factorization order: rank[b, t] is t's place in it.
    order = tf.argsort(tf.random.stateless_uniform([batch, length], seed), axis=1)
    rank = tf.argsort(order, axis=1)
    rev_index = tf.where(masked_or_functional, rank, -1)
    self_rev = tf.where(targets, rev_index, rev_index + 1)
    perm_mask = tf.logical_and(self_rev[:, :, None] <= rev_index[:, None, :],
                               masked_or_functional[:, None, :])
    # Targets in position order -> rows of target_mapping.
    slot = tf.cumsum(tf.cast(targets, tf.int32), axis=1) - 1
    slot = tf.where(targets, slot, num_predict)  # non-targets fall off the end
    mapping = tf.one_hot(slot, num_predict + 1, axis=1, dtype=tf.float32)[:, :num_predict, :]
    target_ids = tf.cast(tf.round(tf.einsum("bpt,bt->bp", mapping,
                                            tf.cast(token_ids, tf.float32))), tf.int32)
    weights = tf.reduce_sum(mapping, axis=2)
    return {"perm_mask": tf.cast(perm_mask, tf.float32), "target_mapping": mapping,
            "target_ids": target_ids, "target_weights": weights}


class PermutationLM(Objective):
    """The `plm` objective (see the module docstring).

    `options.extra` may set `mask_alpha` (K, 6), `max_span` (5) and
    `short_seq_prob` (0.1).
    """

    name = "plm"
    metric_names = ("loss", "plm_accuracy")
    heldout_metric_names = ("heldout_loss", "heldout_plm_accuracy",
                            "plm_unigram_baseline_accuracy")

    def default_max_predictions(self, seq_length, mask_alpha=MASK_ALPHA):
        """P: about `seq_length / K` plus room for a span (K = 6)."""
        return max(1, int(math.ceil(seq_length / mask_alpha)))

    def _settings(self, options):
        extra = dict(options.extra or {})
        unknown = sorted(set(extra) - {"mask_alpha", "max_span", "short_seq_prob"})
        if unknown:
            raise TfnlpError(f"plm objective_options: unknown key(s) {', '.join(unknown)}; "
                             "known: mask_alpha, max_span, short_seq_prob")
        alpha = extra.get("mask_alpha", MASK_ALPHA)
        span = extra.get("max_span", MAX_SPAN)
        for name, value in (("mask_alpha", alpha), ("max_span", span)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TfnlpError(f"plm objective_options: {name} must be an integer >= 1, "
                                 f"got {value!r}")
        if alpha < 2:
            raise TfnlpError("plm objective_options: mask_alpha must be >= 2 (one token "
                             "in mask_alpha is predicted)")
        return alpha, span, float(extra.get("short_seq_prob", 0.1))

    def build_dataset(self, files, tokenizer, options=None, split="train", seed=0):
        """The PLM dataset of `split` (see `Objective.build_dataset`).

        Args:
            files: corpus path(s) (one sentence per line, blank lines between
                documents).
            tokenizer: the family tokenizer (its `pack` adds the specials and
                its padding side; `<sep>`/`<cls>` are never predicted).
            options: `DataOptions`.
            split: `"train"` (repeats forever) or `"heldout"` (finite).
            seed: int.

        Returns:
            `tf.data.Dataset` of dicts: `token_ids`, `segment_ids`,
            `padding_mask`, `perm_mask`, `target_mapping`, `target_ids`,
            `target_weights`.

        Raises:
            TfnlpError: bad options, an empty corpus or split.
        """
        from tfnlp.text.corpus import read_documents
        from tfnlp.text.pretraining_data import (create_mlm_instances, split_heldout,
                                                 tokenize_documents)

        options = options or DataOptions()
        alpha, span, short_seq_prob = self._settings(options)
        if split not in ("train", "heldout"):
            raise TfnlpError(f"split={split!r} must be 'train' or 'heldout'")
        seq_length, batch_size = options.seq_length, options.batch_size
        if isinstance(seq_length, bool) or not isinstance(seq_length, int) or seq_length < 4:
            raise TfnlpError(f"seq_length={seq_length!r} is too short for plm: it needs >= 4")
        num_predict = options.max_predictions_per_seq or self.default_max_predictions(
            seq_length, alpha)
        if split == "heldout" and not options.heldout_fraction:
            raise TfnlpError("split='heldout' needs heldout_fraction > 0")
        train_docs, held_docs = split_heldout(read_documents(files), options.heldout_fraction)
        docs = tokenize_documents(train_docs if split == "train" else held_docs, tokenizer)
        instances = create_mlm_instances(docs, seq_length, short_seq_prob, seed=seed)
        repeat = split == "train"
        if len(instances) < (batch_size if repeat else 1):
            raise TfnlpError(f"{files}: the {split} split gives {len(instances)} sequences, "
                             f"fewer than one batch of {batch_size}; use more text or a "
                             "smaller batch_size")
        special = tokenizer.special_tokens
        special_ids = tuple(sorted({special[k] for k in ("start_of_sequence_id",
                                                         "end_of_segment_id")
                                    if special.get(k) is not None}))
        table = ragged_from_rows([x["tokens_a"] for x in instances])
        if repeat:
            ds = stateless_epoch_stream(table, seed)
        else:
            ds = tf.data.Dataset.from_tensor_slices(table)
        ds = ds.ragged_batch(batch_size, drop_remainder=repeat).enumerate()
        b = batch_size if repeat else None

        def to_features(index, tokens):
            packed = tokenizer.pack([tokens], seq_length=seq_length)
            target_seed, order_seed = _seeds(tf.stack([tf.constant(seed, tf.int64), index]), 2)
            targets = sample_targets(packed["token_ids"], packed["padding_mask"], special_ids,
                                     target_seed, num_predict, alpha, span)
            features = dict(packed)
            features.update(permutation_inputs(packed["token_ids"], packed["padding_mask"],
                                               targets, special_ids, order_seed, num_predict))
            for key, value in features.items():
                value.set_shape([b, seq_length, seq_length] if key == "perm_mask" else
                                [b, num_predict, seq_length] if key == "target_mapping" else
                                [b, num_predict] if key.startswith("target_") else
                                [b, seq_length])
            return features

        ds = ds.map(to_features, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return ds.prefetch(tf.data.AUTOTUNE)

    def split_features(self, features):
        """Feature dict -> `(x, {"plm": target_ids}, {"plm": target_weights})`."""
        x = {k: features[k] for k in FEATURE_INPUTS}
        return x, {"plm": features["target_ids"]}, {"plm": features["target_weights"]}

    def canonical_metrics(self, logs):
        logs = dict(logs or {})
        if "plm_accuracy" not in logs and "accuracy" in logs:
            logs["plm_accuracy"] = logs["accuracy"]
        return super().canonical_metrics(logs)

    def evaluate(self, model, heldout):
        """Held-out loss and PLM accuracy beside the unigram baseline.

        The baseline always predicts the most frequent target of the
        held-out data (the best constant guess on the same targets).

        Args:
            model: a compiled PLM pretrainer.
            heldout: the `heldout` dataset.

        Returns:
            dict: `heldout_loss`, `heldout_plm_accuracy`,
            `plm_unigram_baseline_accuracy`, `plm_unigram_baseline_id`.

        Raises:
            TfnlpError: held-out data without targets.
        """
        counts, total = {}, 0.0
        for batch in heldout:
            ids = batch["target_ids"].numpy().reshape(-1)
            weights = batch["target_weights"].numpy().reshape(-1)
            for token, weight in zip(ids[weights > 0], weights[weights > 0]):
                counts[int(token)] = counts.get(int(token), 0.0) + float(weight)
            total += float(weights.sum())
        if total == 0:
            raise TfnlpError("the held-out data have no PLM targets")
        best = max(counts, key=counts.get)
        logs = model.evaluate(heldout.map(self.split_features), verbose=0, return_dict=True)
        logs = self.canonical_metrics(logs)
        return {"heldout_loss": float(logs["loss"]),
                "heldout_plm_accuracy": float(logs["plm_accuracy"]),
                "plm_unigram_baseline_accuracy": counts[best] / total,
                "plm_unigram_baseline_id": best}


OBJECTIVE = PermutationLM()
