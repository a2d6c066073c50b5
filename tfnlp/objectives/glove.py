"""GloVe (Pennington et al. 2014): co-occurrence counts and their batches.

Counting: word pairs up to `window` (10) words apart within a line, each
adding 1/distance, in both orders (symmetric). The corpus is counted in
shards of `shard_words` words: each shard's pairs are reduced to unique
(row * vocab + col) keys with summed weights (`np.unique`), and the
shards' sparse results are merged whenever they hold more than
`merge_entries` entries, so memory follows the number of distinct pairs,
not the corpus length. Measured on the 40 MB GCIDE corpus (4.7 M words,
37,889 ids, window 10): 8.8 M distinct pairs (106 MB as arrays), 70 s on
the shared 2-core machine, 2.6 GB peak process memory with TensorFlow
loaded (lower `merge_entries` / `shard_words` to trade speed for memory).

Training data: every epoch visits all non-zero entries once in a
permutation drawn statelessly from (seed, epoch) (`index_shuffle`), in
batches of `batch_size`; batch `b` is so a pure function of its index and a
resumed run continues exactly. The loss (in the pretrainer) is the
weighted least squares `f(x) (w_i . w~_j + b_i + b~_j - log x)^2` with
`f(x) = min(1, (x / x_max)^power)`, x_max 100, power 0.75, optimized by
AdaGrad at 0.05.

Example:

>>> rows, cols, values = count_cooccurrences(np.array([0, 1, 2]), np.array([0, 0, 0]),
...                                          vocab_size=3, window=2)
>>> sorted(zip(rows.tolist(), cols.tolist(), values.tolist()))[:2]
[(0, 1, 1.0), (0, 2, 0.5)]
"""

import collections

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.objectives import skipgram
from tfnlp.objectives.base import Objective

DEFAULTS = {
    "window": 10,
    "x_max": 100.0,
    "power": 0.75,
    "learning_rate": 0.05,
    "epochs": 25,
    "batch_size": 16384,
    "shard_words": 250000,
    "merge_entries": 8000000,
    "start_batch": 0,
    "max_lines": None,
    "symmetric": True,
}

_COUNT_CACHE = collections.OrderedDict()


def glove_options(extra):
    """`objective_options` merged with GloVe's defaults, checked.

    Raises:
        TfnlpError: `window` < 1, a non-positive `x_max` / `learning_rate`,
            a bad `power`, or an unknown option.
    """
    extra = {k: v for k, v in dict(extra or {}).items() if v is not None}
    known = set(DEFAULTS) | {"heldout_fraction"}
    unknown = sorted(set(extra) - known)
    if unknown:
        raise TfnlpError(f"unknown glove option(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(known))}")
    options = {**DEFAULTS, **extra}
    for key in ("window", "epochs", "batch_size", "shard_words", "merge_entries"):
        value = options[key]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise TfnlpError(f"glove option {key} must be an integer >= 1, got {value!r}")
    for key in ("x_max", "learning_rate"):
        if not float(options[key]) > 0:
            raise TfnlpError(f"glove option {key} must be > 0, got {options[key]!r}")
    if not 0 < float(options["power"]) <= 1:
        raise TfnlpError(f"glove option power must be in (0, 1], got {options['power']!r}")
    return options


def _reduce(keys, values):
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=values).astype(np.float64)


def count_cooccurrences(ids, sentences, vocab_size, window=10, symmetric=True,
                        shard_words=250000, merge_entries=8000000):
    """Distance-weighted co-occurrence counts, sharded and merged (see module doc).

    Args:
        ids: int word ids `[n]` (-1 entries are ignored).
        sentences: the line of each word `[n]`; pairs never cross lines.
        vocab_size: number of word ids.
        window: largest distance counted.
        symmetric: count each pair in both orders.
        shard_words: words per counting shard.
        merge_entries: merge buffered shard results beyond this many entries.

    Returns:
        `(rows, cols, values)`: int32, int32, float32 arrays, sorted by
        (row, col), every value > 0.
    """
    ids = np.asarray(ids, np.int64)
    sentences = np.asarray(sentences, np.int64)
    if window < 1:
        raise TfnlpError(f"glove window must be >= 1, got {window}")
    total_keys = np.zeros(0, np.int64)
    total_values = np.zeros(0, np.float64)
    buffered_keys, buffered_values, buffered = [], [], 0

    def merge():
        nonlocal total_keys, total_values, buffered_keys, buffered_values, buffered
        keys = np.concatenate([total_keys] + buffered_keys)
        values = np.concatenate([total_values] + buffered_values)
        total_keys, total_values = _reduce(keys, values)
        buffered_keys, buffered_values, buffered = [], [], 0

    n = len(ids)
    for start in range(0, n, shard_words):
        # a shard sees `window` words past its end so no pair is lost at the seam
        stop = min(n, start + shard_words)
        view_ids = ids[start:min(n, stop + window)]
        view_sentences = sentences[start:min(n, stop + window)]
        owned = stop - start
        keys, values = [], []
        for d in range(1, window + 1):
            if len(view_ids) <= d:
                break
            left, right = view_ids[:-d][:owned], view_ids[d:][:owned]
            ok = ((view_sentences[:-d][:owned] == view_sentences[d:][:owned])
                  & (left >= 0) & (right >= 0))
            a, b = left[ok], right[ok]
            keys.append(a * vocab_size + b)
            values.append(np.full(len(a), 1.0 / d))
            if symmetric:
                keys.append(b * vocab_size + a)
                values.append(np.full(len(a), 1.0 / d))
        if keys:
            shard_keys, shard_values = _reduce(np.concatenate(keys), np.concatenate(values))
            buffered_keys.append(shard_keys)
            buffered_values.append(shard_values)
            buffered += len(shard_keys)
        if buffered > merge_entries:
            merge()
    if buffered_keys:
        merge()
    rows = (total_keys // vocab_size).astype(np.int32)
    cols = (total_keys % vocab_size).astype(np.int32)
    return rows, cols, total_values.astype(np.float32)


def corpus_cooccurrences(files, tokenizer, settings):
    """Counts (cached in-process) for a corpus, from `skipgram.tokenize_corpus`."""
    corpus = skipgram.tokenize_corpus(files, tokenizer, int(settings["shard_words"]),
                                      settings["max_lines"])
    key = (id(corpus), int(settings["window"]), bool(settings["symmetric"]))
    if key not in _COUNT_CACHE:
        flat_ids = corpus.ids.reshape(-1)
        flat_sentences = corpus.sentences.reshape(-1)
        _COUNT_CACHE[key] = count_cooccurrences(
            flat_ids, flat_sentences, tokenizer.vocab_size, int(settings["window"]),
            bool(settings["symmetric"]), int(settings["shard_words"]),
            int(settings["merge_entries"]))
        while len(_COUNT_CACHE) > 2:
            _COUNT_CACHE.popitem(last=False)
    rows, cols, values = _COUNT_CACHE[key]
    if not len(values):
        raise TfnlpError("the corpus has no co-occurring pair of vocabulary words "
                         "(lines of one word?)")
    return corpus, rows, cols, values


class Glove(Objective):
    """GloVe's weighted least squares on co-occurrence counts.

    `build_dataset` yields dicts: `rows`, `cols` (int32 `[B]`), `counts`
    (float32 `[B]`), `learning_rate` (scalar), `words` (corpus words this
    batch stands for, for words/s), `batch`.
    """

    name = "glove"
    metric_names = ("loss", "learning_rate")
    heldout_metric_names = ("heldout_loss",)
    defaults = dict(DEFAULTS)

    def options(self, data_options):
        extra = dict(data_options.extra or {}) if data_options is not None else {}
        return glove_options(extra)

    def _batches_per_epoch(self, entries, settings):
        return -(-entries // int(settings["batch_size"]))

    def total_batches_for(self, files, tokenizer, options):
        settings = self.options(options)
        _, _, _, values = corpus_cooccurrences(files, tokenizer, settings)
        return self._batches_per_epoch(len(values), settings) * int(settings["epochs"])

    def build_dataset(self, files, tokenizer, options, split, seed):
        import tensorflow as tf

        settings = self.options(options)
        corpus, rows, cols, values = corpus_cooccurrences(files, tokenizer, settings)
        entries = len(values)
        per_epoch = self._batches_per_epoch(entries, settings)
        batch_size = int(settings["batch_size"])
        words_per_batch = corpus.words / per_epoch
        rows_t, cols_t, values_t = tf.constant(rows), tf.constant(cols), tf.constant(values)
        lr = float(settings["learning_rate"])
        if split == "train":
            total = per_epoch * int(settings["epochs"])
            start = int(settings["start_batch"])
            batches = tf.data.Dataset.range(start, max(total, start + 1)).repeat()
        elif split == "heldout":
            batches = tf.data.Dataset.range(0, per_epoch)  # the counts themselves, once
        else:
            raise TfnlpError(f"unknown split {split!r}; use 'train' or 'heldout'")

        def make(batch):
            epoch = batch // per_epoch
            within = batch % per_epoch
            positions = tf.range(within * batch_size,
                                 tf.minimum((within + 1) * batch_size, entries))
            seeds = tf.stack([tf.constant(int(seed), tf.int64), epoch])
            index = tf.random.experimental.index_shuffle(
                tf.cast(positions, tf.int64), seeds, tf.constant(entries - 1, tf.int64))
            return {"rows": tf.gather(rows_t, index), "cols": tf.gather(cols_t, index),
                    "counts": tf.gather(values_t, index),
                    "learning_rate": tf.constant(lr, tf.float32),
                    "words": tf.cast(tf.round(words_per_batch), tf.int32), "batch": batch}

        return batches.map(make, num_parallel_calls=2, deterministic=True).prefetch(2)

    def split_features(self, features):
        return features, None, None

    def evaluate(self, model, heldout):
        """Weighted least-squares loss over the counts beside the all-zero model's."""
        total = baseline = 0.0
        count = 0
        for batch in heldout:
            loss, zero, n = model.heldout_loss(batch)
            total += float(loss) * int(n)
            baseline += float(zero) * int(n)
            count += int(n)
        return {"heldout_loss": total / count, "heldout_loss_baseline_zero": baseline / count}


OBJECTIVE = Glove()
