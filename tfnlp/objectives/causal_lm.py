"""Objective `causal_lm`: next-token prediction on contiguous text (GPT, GPT-2).

Data: the documents of a BERT-format corpus (`tfnlp.text.corpus`; the
lines of a document joined with newlines) are tokenized, each followed by
the tokenizer's end-of-text token, and concatenated into one stream, which
is cut into full `seq_length` blocks: block `i` reads tokens
`[i*L, (i+1)*L)` and predicts `[i*L+1, (i+1)*L+1)`, so every transition is
trained once per epoch and no position is padding. The last documents are
held out (`split_heldout`). Each epoch visits the training blocks in a
stateless permutation seeded by (seed, epoch), and batches run across
epochs: batch `k` depends only on (seed, k), never on the global TF seed,
so a resumed run that skips `k` batches continues exactly. The held-out
split keeps its last, partial block (padded, weight 0) so that all of its
text is scored, and pads its last batch with weight-0 rows.

Evaluation: held-out loss (mean next-token negative log-likelihood over the
real targets), perplexity and accuracy, beside the perplexity of a unigram
model fitted on the training split (add-one smoothing) on the same targets.

Example:

>>> from tfnlp.objectives import get_objective
>>> get_objective("causal_lm").metric_names
('loss', 'lm_accuracy')
"""

import math

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.objectives.base import Objective

FEATURES = ("token_ids", "segment_ids", "padding_mask", "labels", "label_weights",
            "unigram_log_prob")
_STREAMS = {}  # (files, tokenizer id, heldout fraction) -> (train, heldout) streams


def token_streams(files, tokenizer, heldout_fraction):
    """Tokenizes a corpus into (train, held-out) id streams, each document + end-of-text.

    Cached per (files, tokenizer, fraction), so the train and held-out
    datasets of one run tokenize the corpus once.

    Args:
        files: corpus path(s).
        tokenizer: a `Tokenizer` whose `special_tokens` has `end_of_segment_id`.
        heldout_fraction: fraction of documents held out (from the end).

    Returns:
        `(train, heldout)`: int32 numpy arrays (`heldout` may be empty).

    Raises:
        TfnlpError: an empty corpus or one that tokenizes to nothing.
    """
    from tfnlp.text.corpus import read_documents
    from tfnlp.text.pretraining_data import split_heldout, tokenize_documents

    key = (str(files), id(tokenizer), float(heldout_fraction))
    if key not in _STREAMS:
        eos = tokenizer.special_tokens["end_of_segment_id"]
        if eos is None:
            raise TfnlpError(f"causal_lm needs a tokenizer with an end-of-text token; "
                             f"{type(tokenizer).__name__} has none")
        documents = read_documents(files)
        train, heldout = split_heldout(documents, heldout_fraction)

        def stream(docs):
            tokenized = tokenize_documents([["\n".join(d)] for d in docs], tokenizer)
            parts = [np.append(np.concatenate(d), eos).astype(np.int32) for d in tokenized]
            return np.concatenate(parts) if parts else np.zeros([0], np.int32)

        streams = (stream(train), stream(heldout) if heldout else np.zeros([0], np.int32))
        if streams[0].size < 2:
            raise TfnlpError(f"{files}: the training documents tokenize to nothing")
        _STREAMS.clear()
        _STREAMS[key] = streams
    return _STREAMS[key]


def unigram_log_probs(stream, vocab_size):
    """Add-one smoothed unigram log-probabilities fitted on `stream`.

    Returns:
        float32 numpy `[vocab_size]`.
    """
    counts = np.bincount(stream, minlength=vocab_size)[:vocab_size].astype(np.float64) + 1.0
    return np.log(counts / counts.sum()).astype(np.float32)


def make_blocks(stream, seq_length, keep_partial=False):
    """Cuts an id stream into `seq_length` input blocks and their next-token targets.

    Args:
        stream: int32 numpy ids.
        seq_length: block length.
        keep_partial: keep the last, shorter block (right-padded, weight 0).

    Returns:
        `(inputs, labels, weights)`: `[n, seq_length]` int32, int32, float32.
    """
    usable = stream.size - 1
    n_full = max(usable, 0) // seq_length
    rest = usable - n_full * seq_length if usable > 0 else 0
    n = n_full + (1 if keep_partial and rest > 0 else 0)
    inputs = np.zeros([n, seq_length], np.int32)
    labels = np.zeros([n, seq_length], np.int32)
    weights = np.zeros([n, seq_length], np.float32)
    if n_full:
        inputs[:n_full] = stream[:n_full * seq_length].reshape(n_full, seq_length)
        labels[:n_full] = stream[1:n_full * seq_length + 1].reshape(n_full, seq_length)
        weights[:n_full] = 1.0
    if n > n_full:
        start = n_full * seq_length
        inputs[-1, :rest] = stream[start:start + rest]
        labels[-1, :rest] = stream[start + 1:start + rest + 1]
        weights[-1, :rest] = 1.0
    return inputs, labels, weights


class CausalLM(Objective):
    """Next-token prediction; see the module docstring."""

    name = "causal_lm"
    metric_names = ("loss", "lm_accuracy")
    heldout_metric_names = ("heldout_loss", "heldout_perplexity", "heldout_lm_accuracy",
                            "unigram_baseline_perplexity")

    def build_dataset(self, files, tokenizer, options, split, seed):
        """Blocks of `options.seq_length` tokens as feature dicts.

        Features (`[batch, seq_length]`): `token_ids`, `segment_ids` (0),
        `padding_mask`, `labels` (the next tokens), `label_weights` (1 on
        real targets), `unigram_log_prob` (the training unigram's log-prob
        of each label, for the baseline).
        """
        import tensorflow as tf

        if split not in ("train", "heldout"):
            raise TfnlpError(f"split must be 'train' or 'heldout', got {split!r}")
        train, heldout = token_streams(files, tokenizer, options.heldout_fraction)
        stream = train if split == "train" else heldout
        seq_length, batch_size = options.seq_length, options.batch_size
        inputs, labels, weights = make_blocks(stream, seq_length,
                                              keep_partial=split == "heldout")
        if not len(inputs):
            what = "training" if split == "train" else "held-out"
            raise TfnlpError(
                f"{files}: the {what} text has {stream.size} tokens, less than one block "
                f"of seq_length={seq_length} + 1; use more text, a smaller seq_length or "
                "a larger heldout_fraction")
        unigram = unigram_log_probs(train, tokenizer.vocab_size)
        features = {"token_ids": inputs, "segment_ids": np.zeros_like(inputs),
                    "padding_mask": (weights > 0).astype(np.int32), "labels": labels,
                    "label_weights": weights, "unigram_log_prob": unigram[labels]}
        if split == "heldout":
            # Whole batches (extra rows weigh 0): one shape, one trace.
            extra = -len(inputs) % batch_size
            features = {k: np.concatenate([v, np.zeros((extra,) + v.shape[1:], v.dtype)])
                        for k, v in features.items()}
            return tf.data.Dataset.from_tensor_slices(features).batch(batch_size)
        # Epoch e visits the blocks in a stateless permutation seeded by
        # (seed, e): the same order in every run, whatever the global seed.
        tensors = {k: tf.constant(v) for k, v in features.items()}
        n = len(inputs)

        def epoch(e):
            order = tf.random.experimental.stateless_shuffle(
                tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), e]))
            return tf.data.Dataset.from_tensor_slices(order)

        ds = tf.data.Dataset.range(2 ** 62).flat_map(epoch)
        ds = ds.batch(batch_size, drop_remainder=True)
        return ds.map(lambda index: {k: tf.gather(t, index) for k, t in tensors.items()})

    def split_features(self, features):
        x = {k: features[k] for k in ("token_ids", "segment_ids", "padding_mask")}
        return x, features["labels"], features["label_weights"]

    def canonical_metrics(self, logs):
        logs = dict(logs or {})
        if "lm_accuracy" not in logs and "accuracy" in logs:
            logs["lm_accuracy"] = logs["accuracy"]
        return super().canonical_metrics(logs)

    def evaluate(self, model, heldout):
        """Held-out next-token loss, perplexity and accuracy vs the unigram baseline.

        Args:
            model: the pretrainer (`token_ids`, `segment_ids`, `padding_mask`
                -> logits `[batch, seq, vocab]`).
            heldout: the finite dataset of `build_dataset(split="heldout")`.

        Returns:
            dict: `heldout_loss`, `heldout_perplexity`, `heldout_lm_accuracy`,
            `unigram_baseline_loss`, `unigram_baseline_perplexity`,
            `heldout_tokens`.
        """
        if getattr(self, "_sums_model", None) is not model:
            self._sums_model, self._sums = model, _batch_sums(model)
        sums = self._sums
        nll = unigram = correct = count = 0.0
        for batch in heldout:
            x, labels, weights = self.split_features(batch)
            values = [float(v) for v in sums(x, labels, weights, batch["unigram_log_prob"])]
            nll, correct, unigram, count = (a + b for a, b in
                                            zip((nll, correct, unigram, count), values))
        if not count:
            raise TfnlpError("the held-out set has no tokens to score")
        loss, base = nll / count, unigram / count
        return {"heldout_loss": loss, "heldout_perplexity": math.exp(min(loss, 700.0)),
                "heldout_lm_accuracy": correct / count, "unigram_baseline_loss": base,
                "unigram_baseline_perplexity": math.exp(min(base, 700.0)),
                "heldout_tokens": int(count)}


def _batch_sums(model):
    """A (compiled) function: batch -> sums of NLL, hits, unigram NLL, weights."""
    import keras
    from keras import ops

    def sums(x, labels, weights, unigram_log_prob):
        logits = ops.cast(model(x, training=False), "float32")
        log_probs = ops.log_softmax(logits, axis=-1)
        labels = ops.cast(labels, "int32")
        picked = ops.take_along_axis(log_probs, ops.expand_dims(labels, -1), axis=-1)[..., 0]
        weights = ops.cast(weights, "float32")
        hits = ops.cast(ops.equal(ops.cast(ops.argmax(logits, axis=-1), "int32"), labels),
                        "float32")
        return (-ops.sum(picked * weights), ops.sum(hits * weights),
                -ops.sum(ops.cast(unigram_log_prob, "float32") * weights), ops.sum(weights))

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.function(sums, reduce_retracing=True)
    return sums


OBJECTIVE = CausalLM()
