"""Objective `bilm`: ELMo's joint forward + backward language model.

Each line of the corpus is a sentence (documents are separated by blank
lines, as `tfnlp.text.corpus.read_documents` reads them); the tokenizer
packs it as `<S> w_1 ... w_n </S>` with word ids and character ids. The
forward LM predicts `w_{t+1}` at each position, the backward LM `w_{t-1}`;
both have `n + 1` targets per sentence. Held-out documents are chosen by
the seed; the training stream is a stateless permutation per epoch keyed
by (seed, epoch), so batch `k` is the same in every run and for every
iterator (resume by skipping batches is exact).

`evaluate` gives held-out perplexities (forward, backward and their
geometric mean, all with the full softmax) beside the perplexity of an
add-one unigram model of the training sentences on the same targets.

`objective_options` (the run's `DataOptions.extra`) read by the ELMo
pretrainer: `num_samples` (sampled-softmax classes; default: the full
softmax up to 16,384 words, above that min(8,192, vocabulary / 4) samples)
and `softmax` (`"full"`, `"sampled"` or `"auto"`). Measured on 2 CPU
cores, 100k words, 1,280 tokens, width 128: loss + gradient 5.1 s full,
0.43 s sampled (8,192).

Example:

>>> from tfnlp.objectives import get_objective
>>> get_objective("bilm").metric_names
('loss', 'forward_loss', 'backward_loss')
"""

import math

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.objectives.base import Objective, stateless_epoch_stream

# Unigram counts are taken from at most this many training sentences.
UNIGRAM_MAX_SENTENCES = 200_000
FEATURE_KEYS = ("char_ids", "padding_mask")


def split_heldout(docs, fraction, seed):
    """Deterministically splits documents into (train, heldout) lists.

    Args:
        docs: list of documents (lists of sentences).
        fraction: share of documents held out (at least one when > 0 and
            there are two or more documents).
        seed: int.

    Returns:
        `(train_docs, heldout_docs)`.
    """
    if not 0 <= fraction < 1:
        raise TfnlpError(f"heldout_fraction must be in [0, 1), got {fraction!r}")
    count = int(round(fraction * len(docs)))
    if fraction > 0 and len(docs) > 1:
        count = max(count, 1)
    order = np.random.default_rng(seed).permutation(len(docs))
    held = set(order[:count].tolist())
    return ([d for i, d in enumerate(docs) if i not in held],
            [d for i, d in enumerate(docs) if i in held])


def lm_targets(packed):
    """Forward/backward targets and weights of packed sentences.

    Args:
        packed: dict from `ElmoTokenizer.pack` (`token_ids`, `padding_mask`).

    Returns:
        dict `next_ids`, `next_weights`, `prev_ids`, `prev_weights` `[B, T]`.
    """
    import tensorflow as tf

    ids = packed["token_ids"]
    mask = tf.cast(packed["padding_mask"], tf.float32)
    zeros_i = tf.zeros_like(ids[:, :1])
    zeros_f = tf.zeros_like(mask[:, :1])
    return {
        "next_ids": tf.concat([ids[:, 1:], zeros_i], axis=1),
        "next_weights": tf.concat([mask[:, 1:], zeros_f], axis=1) * mask,
        "prev_ids": tf.concat([zeros_i, ids[:, :-1]], axis=1),
        "prev_weights": tf.concat([zeros_f, mask[:, :-1]], axis=1) * mask,
    }


def unigram_nll_table(sentences, tokenizer, seq_length, batch_size=512):
    """`-log p(word)` of an add-one unigram model of LM targets.

    Counts the forward targets (every word and `</S>`; unknown words as
    `<UNK>`) and gives `<S>` the count of `</S>`, so one table serves the
    backward targets too.

    Returns:
        float32 numpy `[vocab_size]`.
    """
    import tensorflow as tf

    counts = np.zeros(tokenizer.vocab_size, np.float64)
    sentences = sentences[:UNIGRAM_MAX_SENTENCES]
    for start in range(0, len(sentences), batch_size):
        batch = tf.constant(sentences[start:start + batch_size])
        packed = tokenizer.pack([tokenizer.split(batch)], seq_length=seq_length)
        targets = lm_targets(packed)
        ids = targets["next_ids"].numpy().ravel()
        weights = targets["next_weights"].numpy().ravel()
        np.add.at(counts, ids[weights > 0], 1.0)
    special = tokenizer.special_tokens
    counts[special["start_of_sequence_id"]] = counts[special["end_of_segment_id"]]
    probs = (counts + 1.0) / (counts.sum() + len(counts))
    return (-np.log(probs)).astype(np.float32)


class BiLM(Objective):
    """The biLM objective (see the module docstring)."""

    name = "bilm"
    metric_names = ("loss", "forward_loss", "backward_loss")
    heldout_metric_names = ("heldout_loss", "heldout_forward_perplexity",
                            "heldout_backward_perplexity", "heldout_perplexity")

    def build_dataset(self, files, tokenizer, options, split, seed):
        """Batched sentence features (see `Objective.build_dataset`).

        Features: `char_ids [B, T, C]`, `padding_mask`, `token_ids`,
        `next_ids`/`next_weights`, `prev_ids`/`prev_weights` `[B, T]`; the
        held-out split adds `unigram_nll_next`/`unigram_nll_prev` (the
        unigram baseline's NLL of each target).
        """
        import tensorflow as tf

        from tfnlp.text.corpus import read_documents

        if split not in ("train", "heldout"):
            raise TfnlpError(f"split must be 'train' or 'heldout', got {split!r}")
        if getattr(tokenizer, "kind", None) != "word" or not hasattr(tokenizer, "split"):
            raise TfnlpError("the bilm objective needs the ELMo word + character tokenizer "
                             f"(kind 'word'), got {type(tokenizer).__name__}")
        docs = read_documents(files)
        train_docs, held_docs = split_heldout(docs, options.heldout_fraction, seed)
        train = [s for d in train_docs for s in d]
        held = [s for d in held_docs for s in d]
        if not train:
            raise TfnlpError(f"{files}: no training sentences left after holding out "
                             f"{len(held_docs)} of {len(docs)} documents")
        if split == "heldout" and not held:
            raise TfnlpError(f"{files}: nothing to hold out ({len(docs)} document(s); "
                             "the corpus needs two or more documents and "
                             "heldout_fraction > 0)")
        seq_length = options.seq_length

        def featurize(strings):
            packed = tokenizer.pack([tokenizer.split(strings)], seq_length=seq_length)
            features = {k: packed[k] for k in ("char_ids", "padding_mask", "token_ids")}
            features.update(lm_targets(packed))
            return features

        if split == "train":
            return stateless_epoch_stream(tf.constant(train), seed).batch(
                options.batch_size, drop_remainder=True).map(
                featurize, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(2)
        table = tf.constant(unigram_nll_table(train, tokenizer, seq_length))

        def with_baseline(features):
            features = dict(features)
            features["unigram_nll_next"] = tf.gather(table, features["next_ids"])
            features["unigram_nll_prev"] = tf.gather(table, features["prev_ids"])
            return features

        ds = tf.data.Dataset.from_tensor_slices(held).batch(options.batch_size)
        return ds.map(featurize).map(with_baseline)

    def split_features(self, features):
        x = {k: features[k] for k in FEATURE_KEYS}
        y = {"forward": features["next_ids"], "backward": features["prev_ids"]}
        sample_weight = {"forward": features["next_weights"],
                         "backward": features["prev_weights"]}
        return x, y, sample_weight

    def evaluate(self, model, heldout):
        """Held-out perplexities (full softmax) and the unigram baseline.

        Args:
            model: a `BiLMPretrainer` (anything with `__call__` returning
                `forward`/`backward` states and `word_logits`).
            heldout: `build_dataset(..., split="heldout")`.

        Returns:
            dict: `heldout_loss` (mean NLL of both directions),
            `heldout_forward_perplexity`, `heldout_backward_perplexity`,
            `heldout_perplexity` (exp of `heldout_loss`),
            `unigram_perplexity_baseline`, `heldout_targets`.
        """
        import keras

        sums = {"forward": 0.0, "backward": 0.0, "unigram": 0.0}
        count = 0.0
        for features in heldout:
            x, y, weights = self.split_features(features)
            states = model(x, training=False)
            for direction in ("forward", "backward"):
                logits = model.word_logits(states[direction])
                nll = keras.ops.sparse_categorical_crossentropy(
                    y[direction], keras.ops.cast(logits, "float32"), from_logits=True)
                w = keras.ops.convert_to_numpy(weights[direction])
                sums[direction] += float(np.sum(keras.ops.convert_to_numpy(nll) * w))
            sums["unigram"] += 0.5 * float(
                np.sum(features["unigram_nll_next"].numpy() * features["next_weights"].numpy())
                + np.sum(features["unigram_nll_prev"].numpy() * features["prev_weights"].numpy()))
            count += float(np.sum(features["next_weights"].numpy()))
        if count == 0:
            raise TfnlpError("the held-out set has no targets")
        forward, backward = sums["forward"] / count, sums["backward"] / count
        loss = 0.5 * (forward + backward)
        return {"heldout_loss": loss,
                "heldout_forward_perplexity": math.exp(forward),
                "heldout_backward_perplexity": math.exp(backward),
                "heldout_perplexity": math.exp(loss),
                "unigram_perplexity_baseline": math.exp(sums["unigram"] / count),
                "heldout_targets": int(count)}


OBJECTIVE = BiLM()
