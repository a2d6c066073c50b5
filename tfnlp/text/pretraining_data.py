"""BERT pretraining data as a `tf.data.Dataset`, with dynamic masking.

The pipeline: read a BERT-format corpus -> tokenize every sentence (batched,
with `BertPreprocessor.tokenize`) -> make instances (NSP pairs as Google's
`create_pretraining_data.py`, or contiguous single-segment text for `mlm`)
-> `tf.data`: shuffle, repeat, batch, pack in-graph, and mask each batch with
`MlmMasker`, seeded by (seed, batch index) so masks are re-drawn every epoch
yet reproducible.

Each batch is the feature dict of docs/CONTRACTS.md: `token_ids`,
`segment_ids`, `padding_mask`, `masked_lm_positions`, `masked_lm_ids`
(int32), `masked_lm_weights` (float32) and, for `mlm_nsp`,
`next_sentence_labels` (int32, 1 = random next).

Example:

>>> ds = build_pretraining_dataset("corpus.txt", "vocab.txt", seq_length=128,
...                                batch_size=32)                # doctest: +SKIP
>>> batch = next(iter(ds))                                        # doctest: +SKIP
>>> batch["masked_lm_positions"].shape                            # doctest: +SKIP
TensorShape([32, 20])
"""

import random

import numpy as np
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.text.bert_preprocessor import BertPreprocessor
from tfnlp.text.corpus import read_documents, require_multi_sentence_documents
from tfnlp.text.masking import MlmMasker, default_max_predictions
from tfnlp.text.nsp import create_nsp_instances

OBJECTIVES = ("mlm_nsp", "mlm")


def split_heldout(documents, heldout_fraction):
    """Splits documents into (train, held-out): the last fraction is held out.

    Args:
      documents: list of documents.
      heldout_fraction: fraction in [0, 1) of documents (from the end) to
        hold out; at least one document is held out when it is > 0.

    Returns:
      (train_documents, heldout_documents).

    Raises:
      TfnlpError: for a fraction outside [0, 1), or if a split would be empty.

    Example:

    >>> split_heldout([["a"], ["b"], ["c"], ["d"]], 0.25)
    ([['a'], ['b'], ['c']], [['d']])
    """
    if not 0.0 <= heldout_fraction < 1.0:
        raise TfnlpError(f"heldout_fraction={heldout_fraction} must be in [0, 1)")
    if heldout_fraction == 0.0:
        return list(documents), []
    n_held = max(1, int(round(len(documents) * heldout_fraction)))
    if n_held >= len(documents):
        raise TfnlpError(
            f"heldout_fraction={heldout_fraction} of {len(documents)} documents "
            "leaves no training documents; use a larger corpus or a smaller fraction")
    return list(documents[:-n_held]), list(documents[-n_held:])


def tokenize_documents(documents, preprocessor, batch_size=4096):
    """Tokenizes every sentence of every document, batch-wise, in-graph.

    Args:
      documents: list of documents (lists of sentence strings).
      preprocessor: a `BertPreprocessor`.
      batch_size: sentences per tokenizer call.

    Returns:
      list of documents; each a list of 1-D int32 numpy arrays (empty
      sentences, e.g. only control characters, are dropped; so are
      documents left empty).
    """
    flat = [s for d in documents for s in d]
    tokenize = tf.function(preprocessor.tokenize,
                           input_signature=[tf.TensorSpec([None], tf.string)])
    pieces = []
    for start in range(0, len(flat), batch_size):
        ids = tokenize(tf.constant(flat[start:start + batch_size]))
        values = ids.flat_values.numpy()
        splits = ids.row_splits.numpy()
        pieces.extend(values[splits[i]:splits[i + 1]] for i in range(len(splits) - 1))
    out, k = [], 0
    for d in documents:
        doc = [p for p in pieces[k:k + len(d)] if len(p)]
        k += len(d)
        if doc:
            out.append(doc)
    return out


def create_mlm_instances(documents, seq_length, short_seq_prob=0.1, seed=0):
    """Packs contiguous text of each document into single-segment instances.

    Whole sentences are added to a chunk until the next one would overflow
    `seq_length - 2` ids ([CLS] and [SEP] take the rest); a sentence longer
    than that is cut into pieces. With probability `short_seq_prob` a chunk
    gets a random shorter target (as BERT does). Chunks do not cross
    documents. Instances are shuffled with `random.Random(seed)`.

    Args:
      documents: tokenized documents (lists of id sequences).
      seq_length: packed length, at least 3.
      short_seq_prob: probability of a shorter target length.
      seed: int seed.

    Returns:
      list of dicts with `tokens_a` (list of int).

    Example:

    >>> create_mlm_instances([[[1, 2], [3, 4]]], seq_length=6, short_seq_prob=0)
    [{'tokens_a': [1, 2, 3, 4]}]
    """
    if not isinstance(seq_length, int) or seq_length < 3:
        raise TfnlpError(
            f"seq_length={seq_length!r} is too short: [CLS] text [SEP] needs at least 3")
    max_num_tokens = seq_length - 2
    rng = random.Random(seed)
    instances = []

    def target():
        if max_num_tokens > 2 and rng.random() < short_seq_prob:
            return rng.randint(2, max_num_tokens)
        return max_num_tokens

    for doc in documents:
        chunk, goal = [], target()
        for sent in doc:
            sent = list(sent)
            while sent:
                room = goal - len(chunk)
                if len(sent) <= room:
                    chunk.extend(sent)
                    sent = []
                elif chunk:
                    instances.append({"tokens_a": chunk})
                    chunk, goal = [], target()
                else:
                    chunk.extend(sent[:room])
                    sent = sent[room:]
                    instances.append({"tokens_a": chunk})
                    chunk, goal = [], target()
        if chunk:
            instances.append({"tokens_a": chunk})
    rng.shuffle(instances)
    return instances


def ragged_from_rows(rows):
    """A list of int lists -> int32 `tf.RaggedTensor` (built in numpy, fast)."""
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    values = np.fromiter((t for r in rows for t in r), dtype=np.int32,
                         count=int(lengths.sum()))
    return tf.RaggedTensor.from_row_lengths(values, lengths)


def build_pretraining_dataset(files, vocabulary, lower_case=True, seq_length=128,
                              batch_size=32, objective="mlm_nsp",
                              max_predictions_per_seq=None,
                              whole_word_masking=False, seed=0, repeat=True,
                              dupe_factor=1, short_seq_prob=0.1,
                              masked_lm_prob=0.15, heldout_fraction=0.0,
                              split="train", drop_remainder=None,
                              shuffle_buffer_size=100_000):
    """Builds the BERT pretraining `tf.data.Dataset` from raw text files.

    Args:
      files: corpus path(s): a path, comma-separated paths, a glob or a list.
        Format: one sentence per line, a blank line between documents.
      vocabulary: vocab file path, list of tokens, or a WordPiece
        `BertPreprocessor` (then `lower_case` is the tokenizer's).
      lower_case: True for an uncased vocabulary.
      seq_length: packed length.
      batch_size: sequences per batch.
      objective: "mlm_nsp" (masked LM + next-sentence prediction) or "mlm".
      max_predictions_per_seq: P; default ceil(masked_lm_prob * seq_length)
        (20 at 128).
      whole_word_masking: mask whole words (first piece + `##` pieces).
      seed: seed for instances, shuffling and masks (deterministic).
      repeat: repeat forever (training); masks are re-drawn each epoch.
      dupe_factor: passes over the documents when making instances (each
        with new NSP pairings / short lengths; masks are dynamic anyway).
      short_seq_prob: probability of a shorter target length (BERT: 0.1).
      masked_lm_prob: fraction of tokens predicted (BERT: 0.15).
      heldout_fraction: fraction of documents (the last ones) held out.
      split: "train" (documents before the held-out part) or "heldout".
      drop_remainder: drop a last partial batch; default `repeat`.
      shuffle_buffer_size: most instances held in the shuffle buffer.

    Returns:
      `tf.data.Dataset` of feature dicts (see the module docstring) with
      fixed shapes `[batch_size, seq_length]`, `[batch_size, P]`,
      `[batch_size]` (the batch dimension is None if `drop_remainder` is
      False).

    Raises:
      TfnlpError: for bad arguments, unreadable corpora, a corpus with no
        multi-sentence document under `mlm_nsp`, or a split with no data.

    Example:

    >>> train = build_pretraining_dataset("c.txt", "vocab.txt", heldout_fraction=0.05)  # doctest: +SKIP
    >>> held = build_pretraining_dataset("c.txt", "vocab.txt", heldout_fraction=0.05,
    ...                                  split="heldout", repeat=False)                 # doctest: +SKIP
    """
    if objective not in OBJECTIVES:
        raise TfnlpError(f"objective={objective!r} must be one of {OBJECTIVES}")
    if split not in ("train", "heldout"):
        raise TfnlpError(f"split={split!r} must be 'train' or 'heldout'")
    if split == "heldout" and not heldout_fraction:
        raise TfnlpError("split='heldout' needs heldout_fraction > 0")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise TfnlpError(f"batch_size={batch_size!r} must be an int >= 1")
    min_len = 5 if objective == "mlm_nsp" else 3
    if isinstance(seq_length, bool) or not isinstance(seq_length, int) or seq_length < min_len:
        raise TfnlpError(
            f"seq_length={seq_length!r} is too short for objective {objective!r}: "
            f"it needs at least {min_len}")
    if max_predictions_per_seq is None:
        max_predictions_per_seq = default_max_predictions(seq_length, masked_lm_prob)
    if drop_remainder is None:
        drop_remainder = bool(repeat)

    if isinstance(vocabulary, BertPreprocessor):
        preprocessor = vocabulary
    else:
        preprocessor = BertPreprocessor(vocabulary, lower_case=lower_case,
                                        seq_length=seq_length)
    masker = MlmMasker(preprocessor.vocabulary, max_predictions_per_seq,
                       masked_lm_prob=masked_lm_prob,
                       whole_word_masking=whole_word_masking)
    documents = read_documents(files)
    if objective == "mlm_nsp":
        require_multi_sentence_documents(documents, source=str(files))
    train_docs, held_docs = split_heldout(documents, heldout_fraction)
    docs = train_docs if split == "train" else held_docs
    docs = tokenize_documents(docs, preprocessor)
    if objective == "mlm_nsp":
        instances = create_nsp_instances(docs, seq_length, short_seq_prob=short_seq_prob,
                                         dupe_factor=dupe_factor, seed=seed)
    else:
        instances = []
        for k in range(dupe_factor):
            instances.extend(create_mlm_instances(docs, seq_length, short_seq_prob,
                                                  seed=seed * 1000 + k))
    if len(instances) < (batch_size if drop_remainder else 1):
        raise TfnlpError(
            f"{files}: the {split} split gives {len(instances)} instances, fewer "
            f"than one batch of {batch_size}; use more text or a smaller batch_size")

    columns = {"tokens_a": ragged_from_rows([x["tokens_a"] for x in instances])}
    if objective == "mlm_nsp":
        columns["tokens_b"] = ragged_from_rows([x["tokens_b"] for x in instances])
        columns["next_sentence_labels"] = tf.constant(
            [int(x["is_random_next"]) for x in instances], tf.int32)
    ds = tf.data.Dataset.from_tensor_slices(columns)
    if repeat:
        ds = ds.shuffle(min(len(instances), shuffle_buffer_size), seed=seed,
                        reshuffle_each_iteration=True)
        ds = ds.repeat()
    ds = ds.ragged_batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.enumerate()

    def to_features(index, batch):
        segments = [batch["tokens_a"]]
        if objective == "mlm_nsp":
            segments.append(batch["tokens_b"])
        packed = preprocessor.pack(segments, seq_length=seq_length)
        masked = masker(packed["token_ids"], packed["padding_mask"],
                        seed=tf.stack([tf.constant(seed, tf.int64), index]))
        features = {
            "token_ids": masked["token_ids"],
            "segment_ids": packed["segment_ids"],
            "padding_mask": packed["padding_mask"],
            "masked_lm_positions": masked["masked_lm_positions"],
            "masked_lm_ids": masked["masked_lm_ids"],
            "masked_lm_weights": masked["masked_lm_weights"],
        }
        if objective == "mlm_nsp":
            features["next_sentence_labels"] = batch["next_sentence_labels"]
        b = batch_size if drop_remainder else None
        for k, v in features.items():
            shape = [b] if k == "next_sentence_labels" else (
                [b, max_predictions_per_seq] if k.startswith("masked_lm") else [b, seq_length])
            v.set_shape(shape)
        return features

    ds = ds.map(to_features, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)


def unigram_baseline_accuracy(dataset, num_batches=None, predicted_id=None):
    """Masked-LM accuracy of always predicting one token (the unigram baseline).

    A trained model should beat this; on English text the most frequent
    masked token ("the", ".", ",") is right about 5-7% of the time.

    Args:
      dataset: a dataset from `build_pretraining_dataset` (use a finite one,
        or give `num_batches`).
      num_batches: how many batches to read (None = all).
      predicted_id: the id always predicted; default the most frequent
        masked label in the data read (an upper bound for any constant guess).

    Returns:
      (accuracy, predicted_id): float in [0, 1] and int.

    Raises:
      TfnlpError: if the batches hold no masked positions.

    Example:

    >>> acc, tok = unigram_baseline_accuracy(heldout_ds)   # doctest: +SKIP
    """
    counts = {}
    total = 0.0
    ds = dataset if num_batches is None else dataset.take(num_batches)
    for batch in ds:
        labels = batch["masked_lm_ids"].numpy().reshape(-1)
        weights = batch["masked_lm_weights"].numpy().reshape(-1)
        for lab, w in zip(labels[weights > 0], weights[weights > 0]):
            counts[int(lab)] = counts.get(int(lab), 0.0) + float(w)
        total += float(weights.sum())
    if total == 0:
        raise TfnlpError("unigram_baseline_accuracy: no masked positions in the data")
    if predicted_id is None:
        predicted_id = max(counts, key=lambda k: (counts[k], -k))
    return counts.get(int(predicted_id), 0.0) / total, int(predicted_id)
