"""word2vec skip-gram with negative sampling (Mikolov et al. 2013): the data.

The corpus is tokenized once into word ids (words outside the vocabulary
dropped, as the C tool does) and cut into chunks of `chunk_words`
consecutive words; batch `b` is chunk `b % chunks` of epoch
`b // chunks`, and everything random in it (subsampling, window sizes,
negatives) comes from stateless ops seeded by `(seed, b)`. A batch is so a
pure function of its index: a resumed run starts at batch `start_batch`
and sees exactly what an uninterrupted run would.

Per batch, in `tf.data`:

- frequent-word subsampling: word `w` with corpus frequency `f` is kept
  with probability `(sqrt(f / (sample * total)) + 1) * sample * total / f`
  (the C tool's formula; `sample` typically 1e-3 ... 1e-5, 0 disables);
- dynamic window: each centre word draws its window uniformly in
  `1 .. window`; windows never cross a line (sentence);
- `negative` negatives per pair from the unigram^0.75 distribution (a
  negative equal to the target is dropped, as in the C tool);
- the learning rate falls linearly from `alpha` (0.025) to `min_alpha`
  (1e-4) over all batches of all epochs, as in gensim;
- the examples are padded to a multiple of `pad_to` (512) with id 0 and
  `example_mask` 0, so a batch takes one of a few shapes and the XLA-compiled
  step (`Word2VecPretrainer.compiled_train_step`) compiles a few times, not
  once per batch.

The updates (plain SGD on the rows used, `tf.IndexedSlices`) live in the
family's pretrainer (`tfnlp.models.static.pretrainer`). A batch's updates
are summed, not applied one pair after the other as in the C tool, so
`chunk_words` bounds how far one step may overshoot: 2,000 words (about
6,000 skip-gram pairs) matches gensim's quality on GCIDE; 10,000 diverged.

Example:

>>> from tfnlp.objectives import get_objective
>>> get_objective("skipgram").metric_names
('loss', 'learning_rate')
"""

import collections
import dataclasses

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.objectives.base import Objective

DEFAULTS = {
    "window": 5,
    "negative": 5,
    "sample": 1e-3,
    "epochs": 5,
    "alpha": 0.025,
    "min_alpha": 1e-4,
    "chunk_words": 2000,
    "max_sentence_words": 10000,
    "start_batch": 0,
    "max_lines": None,
    "ns_exponent": 0.75,
    "pad_to": 512,
}
_SEEDS = {"subsample": 1, "window": 2, "negatives": 3}


def word2vec_options(extra, defaults=None):
    """The run's `objective_options` merged with the defaults, checked.

    Args:
        extra: dict of settings (unknown keys are an error).
        defaults: the objective's defaults (skip-gram's when None).

    Returns:
        dict.

    Raises:
        TfnlpError: `window` < 1, `negative` < 1, a bad `sample`, `epochs`,
            `alpha` or an unknown setting.
    """
    defaults = dict(DEFAULTS if defaults is None else defaults)
    extra = {k: v for k, v in dict(extra or {}).items() if v is not None}
    known = set(defaults) | {"heldout_fraction"}
    unknown = sorted(set(extra) - known)
    if unknown:
        raise TfnlpError(f"unknown word2vec option(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(known))}")
    options = {**defaults, **extra}
    for key in ("window", "negative", "epochs", "chunk_words", "max_sentence_words",
                "pad_to"):
        value = options[key]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise TfnlpError(f"word2vec option {key} must be an integer >= 1, got {value!r}")
    if not 0 <= float(options["sample"]) < 1:
        raise TfnlpError(f"word2vec option sample must be in [0, 1) (1e-3 ... 1e-5 "
                         f"typical; 0 disables), got {options['sample']!r}")
    if not float(options["alpha"]) > 0 or not 0 <= float(options["min_alpha"]) <= float(
            options["alpha"]):
        raise TfnlpError(f"word2vec learning rates need alpha > 0 and 0 <= min_alpha <= alpha, "
                         f"got {options['alpha']!r}, {options['min_alpha']!r}")
    return options


@dataclasses.dataclass
class Corpus:
    """A tokenized corpus in fixed-size chunks.

    Attributes:
        ids: int32 `[chunks, chunk_words]` word ids, -1 past the end.
        sentences: int32, same shape: the line each word came from.
        words: int, in-vocabulary words in the corpus.
        counts: int64 `[vocab]` corpus counts of each word id.
    """

    ids: np.ndarray
    sentences: np.ndarray
    words: int
    counts: np.ndarray

    @property
    def num_chunks(self):
        return int(self.ids.shape[0])


_CORPUS_CACHE = collections.OrderedDict()


def tokenize_corpus(files, tokenizer, chunk_words, max_lines=None, max_sentence_words=10000):
    """Tokenizes a corpus to word ids (known words only), in chunks.

    Args:
        files: corpus path(s).
        tokenizer: a `WordTokenizer`.
        chunk_words: words per chunk (= per batch).
        max_lines: read at most this many non-blank lines.
        max_sentence_words: longer lines are cut into sentences of this size.

    Returns:
        `Corpus` (kept in a small in-process cache).

    Raises:
        TfnlpError: no known word in the corpus.
    """
    import tensorflow as tf

    from tfnlp.io import files_sha256
    from tfnlp.text.corpus import expand_files
    from tfnlp.text.word_vocab import iter_line_batches

    paths = expand_files(files)
    key = (tuple(paths), files_sha256(tokenizer.asset_files()), chunk_words, max_lines,
           max_sentence_words, tuple(_file_stamp(p) for p in paths))
    if key in _CORPUS_CACHE:
        return _CORPUS_CACHE[key]
    unknown = tokenizer.special_tokens["unknown_id"]
    pieces, sentence_pieces, sentence = [], [], 0
    for batch in iter_line_batches(paths, 4096, max_lines):
        ragged = tokenizer.tokenize(tf.constant(batch))
        flat = ragged.flat_values.numpy().astype(np.int32)
        rows = np.repeat(np.arange(len(batch), dtype=np.int64), ragged.row_lengths().numpy())
        known = flat != unknown
        flat, rows = flat[known], rows[known]
        if len(flat):
            # positions within a line cut over-long lines into sentences
            starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
            position = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts,
                                                                               len(rows)]))
            line_ids = rows * (1 + 10 ** 6) + position // max_sentence_words
            _, sentence_ids = np.unique(line_ids, return_inverse=True)
            pieces.append(flat)
            sentence_pieces.append(sentence + sentence_ids.astype(np.int64))
            sentence += int(sentence_ids.max()) + 1
    if not pieces:
        raise TfnlpError(f"{', '.join(paths)}: no word of the vocabulary occurs in the "
                         "corpus")
    ids = np.concatenate(pieces)
    sentences = np.concatenate(sentence_pieces)
    chunks = -(-len(ids) // chunk_words)
    padded = np.full(chunks * chunk_words, -1, np.int32)
    padded[:len(ids)] = ids
    padded_sentences = np.full(chunks * chunk_words, -1, np.int64)
    padded_sentences[:len(ids)] = sentences
    counts = np.bincount(ids, minlength=tokenizer.vocab_size).astype(np.int64)
    corpus = Corpus(padded.reshape(chunks, chunk_words),
                    (padded_sentences % (2 ** 31 - 1)).astype(np.int32).reshape(chunks,
                                                                                chunk_words),
                    int(len(ids)), counts)
    _CORPUS_CACHE[key] = corpus
    while len(_CORPUS_CACHE) > 2:
        _CORPUS_CACHE.popitem(last=False)
    return corpus


def _file_stamp(path):
    import os

    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


def keep_probabilities(counts, sample):
    """word2vec's subsampling: P(keep w) = (sqrt(f/(s*T)) + 1) * s*T / f, capped at 1.

    Args:
        counts: corpus count of each word id.
        sample: the threshold `s` (0: keep everything).

    Returns:
        float32 `[vocab]`.

    Example:

    >>> keep_probabilities(np.array([1000, 10, 0]), 1e-2).round(3).tolist()
    [0.132, 1.0, 1.0]
    """
    counts = np.asarray(counts, np.float64)
    if not sample:
        return np.ones(len(counts), np.float32)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(counts / threshold) + 1) * threshold / counts
    return np.where(counts > 0, np.minimum(keep, 1.0), 1.0).astype(np.float32)


def negative_cdf(counts, exponent=0.75):
    """The cumulative unigram^exponent distribution negatives are drawn from.

    Returns:
        float64 `[vocab]`, increasing, last entry 1.
    """
    weights = np.asarray(counts, np.float64) ** exponent
    if weights.sum() <= 0:
        raise TfnlpError("no word has a positive count; cannot draw negatives")
    return np.cumsum(weights) / weights.sum()


def learning_rate(batch, total_batches, alpha, min_alpha):
    """Linear decay from `alpha` to `min_alpha` over `total_batches` (a tensor)."""
    import tensorflow as tf

    progress = tf.cast(batch, tf.float32) / float(max(total_batches, 1))
    return tf.maximum(float(min_alpha), alpha - (alpha - min_alpha) * progress)


def subsampled_chunk(corpus_ids, corpus_sentences, keep, batch, num_chunks, seed):
    """One chunk after subsampling: `(ids, sentences, raw_words)` tensors."""
    import tensorflow as tf

    chunk = tf.math.floormod(batch, num_chunks)
    ids = tf.gather(corpus_ids, chunk)
    sentences = tf.gather(corpus_sentences, chunk)
    valid = ids >= 0
    raw_words = tf.reduce_sum(tf.cast(valid, tf.int32))
    draw = tf.random.stateless_uniform(tf.shape(ids), seed=_seed(seed, "subsample", batch))
    kept = valid & (draw < tf.gather(keep, tf.maximum(ids, 0)))
    return tf.boolean_mask(ids, kept), tf.boolean_mask(sentences, kept), raw_words


def window_sizes(n, window, seed, batch):
    """Each centre word's window, uniform in 1..window (int32 `[n]`)."""
    import tensorflow as tf

    return tf.random.stateless_uniform([n], seed=_seed(seed, "window", batch), minval=1,
                                       maxval=window + 1, dtype=tf.int32)


def draw_negatives(cdf, shape, seed, batch):
    """Word ids drawn from the unigram^0.75 distribution (int32 of `shape`)."""
    import tensorflow as tf

    draw = tf.random.stateless_uniform(shape, seed=_seed(seed, "negatives", batch),
                                       dtype=tf.float64)
    flat = tf.searchsorted(cdf, tf.reshape(draw, [-1]), side="right")
    return tf.reshape(tf.cast(tf.minimum(flat, tf.shape(cdf)[0] - 1), tf.int32), shape)


def _seed(seed, purpose, batch):
    import tensorflow as tf

    return tf.stack([tf.constant(int(seed) * 8 + _SEEDS[purpose], tf.int64),
                     tf.cast(batch, tf.int64)])


def pad_examples(features, multiple):
    """Pads every feature's first axis to a multiple of `multiple` with zeros
    and adds `example_mask` (float32, 1 for the real examples).

    Args:
        features: dict of tensors with the same first dimension `n`.
        multiple: int >= 1.

    Returns:
        dict, the padded features and `example_mask`.
    """
    import tensorflow as tf

    n = tf.shape(next(iter(features.values())))[0]
    padded = (n + multiple - 1) // multiple * multiple
    out = {}
    for name, value in features.items():
        rank = len(value.shape)
        out[name] = tf.pad(value, [[0, padded - n]] + [[0, 0]] * (rank - 1))
    out["example_mask"] = tf.pad(tf.ones([n], tf.float32), [[0, padded - n]])
    return out


def skipgram_pairs(ids, sentences, window, seed, batch):
    """(input, target) pairs within each centre word's dynamic window.

    Returns:
        `(inputs, targets)`: int32 `[pairs]`; the input is the context
        word (its vector is the one trained), the target the centre word,
        as in the C tool.
    """
    import tensorflow as tf

    n = tf.size(ids)
    sizes = window_sizes(n, window, seed, batch)
    inputs, targets = [], []
    for d in range(1, window + 1):
        left, right = ids[:-d], ids[d:]
        same = tf.equal(sentences[:-d], sentences[d:])
        # centre on the left, context on the right
        first = same & (d <= sizes[:-d])
        targets.append(tf.boolean_mask(left, first))
        inputs.append(tf.boolean_mask(right, first))
        # centre on the right, context on the left
        second = same & (d <= sizes[d:])
        targets.append(tf.boolean_mask(right, second))
        inputs.append(tf.boolean_mask(left, second))
    return tf.concat(inputs, 0), tf.concat(targets, 0)


class SkipGram(Objective):
    """Skip-gram with negative sampling (see the module docstring).

    `build_dataset` yields dicts: `inputs [P]`, `targets [P]`, `negatives
    [P, negative]` (int32), `example_mask [P]` (float32, 0 at the padding),
    `learning_rate` (float32 scalar), `words` (raw corpus words the batch
    covered), `batch` (its index).
    """

    name = "skipgram"
    metric_names = ("loss", "learning_rate")
    heldout_metric_names = ("heldout_loss",)
    defaults = dict(DEFAULTS)

    def options(self, data_options):
        extra = dict(data_options.extra or {}) if data_options is not None else {}
        return word2vec_options(extra, self.defaults)

    def total_batches_for(self, files, tokenizer, options):
        """Training batches of the whole run (`epochs` passes, nothing held out)."""
        settings = self.options(options)
        corpus = tokenize_corpus(files, tokenizer, int(settings["chunk_words"]),
                                 settings["max_lines"], int(settings["max_sentence_words"]))
        return corpus.num_chunks * int(settings["epochs"])

    def build_dataset(self, files, tokenizer, options, split, seed):
        """The batched dataset of `split` (see the class docstring).

        `split="train"` covers `epochs` passes over the training chunks
        from batch `start_batch` (and then repeats the last rate);
        `"heldout"` the held-out chunks once, without subsampling.
        """
        import tensorflow as tf

        settings = self.options(options)
        corpus = tokenize_corpus(files, tokenizer, int(settings["chunk_words"]),
                                 settings["max_lines"], int(settings["max_sentence_words"]))
        fraction = float(settings.get("heldout_fraction",
                                      getattr(options, "heldout_fraction", 0.0) or 0.0))
        heldout = int(round(corpus.num_chunks * fraction)) if corpus.num_chunks > 1 else 0
        heldout = min(heldout, corpus.num_chunks - 1)
        train_chunks = corpus.num_chunks - heldout
        if split == "train":
            ids, sentences = corpus.ids[:train_chunks], corpus.sentences[:train_chunks]
            keep = keep_probabilities(corpus.counts, float(settings["sample"]))
            total = train_chunks * int(settings["epochs"])
            start = int(settings["start_batch"])
            batches = tf.data.Dataset.range(start, max(total, start + 1)).repeat()
        elif split == "heldout":
            if heldout == 0:
                raise TfnlpError("the corpus is too small for a held-out part "
                                 f"({corpus.num_chunks} chunk(s) of "
                                 f"{settings['chunk_words']} words)")
            ids, sentences = corpus.ids[train_chunks:], corpus.sentences[train_chunks:]
            keep = np.ones(len(corpus.counts), np.float32)
            total = heldout
            batches = tf.data.Dataset.range(0, heldout)
        else:
            raise TfnlpError(f"unknown split {split!r}; use 'train' or 'heldout'")
        ids, sentences = tf.constant(ids), tf.constant(sentences)
        keep, cdf = tf.constant(keep), tf.constant(negative_cdf(corpus.counts,
                                                                settings["ns_exponent"]))
        num_chunks = int(ids.shape[0])

        def make(batch):
            words, lines, raw = subsampled_chunk(ids, sentences, keep, batch, num_chunks, seed)
            features = pad_examples(self.examples(words, lines, settings, cdf, seed, batch),
                                    int(settings["pad_to"]))
            features["learning_rate"] = learning_rate(
                tf.minimum(batch, total), total, float(settings["alpha"]),
                float(settings["min_alpha"]))
            features["words"] = raw
            features["batch"] = batch
            return features

        return batches.map(make, num_parallel_calls=2, deterministic=True).prefetch(2)

    def examples(self, words, lines, settings, cdf, seed, batch):
        """Skip-gram pairs and their negatives for one subsampled chunk."""
        import tensorflow as tf

        inputs, targets = skipgram_pairs(words, lines, int(settings["window"]), seed, batch)
        negatives = draw_negatives(cdf, tf.stack([tf.size(targets),
                                                  int(settings["negative"])]), seed, batch)
        return {"inputs": inputs, "targets": targets, "negatives": negatives}

    def split_features(self, features):
        return features, None, None

    def evaluate(self, model, heldout):
        """Held-out negative-sampling loss beside the untrained model's ((1+k) ln 2)."""
        total, count = 0.0, 0
        for batch in heldout:
            loss, n = model.heldout_loss(batch)
            total += float(loss) * int(n)
            count += int(n)
        if not count:
            raise TfnlpError("the held-out part has no training pairs")
        negative = int(model.negative)
        return {"heldout_loss": total / count,
                "heldout_loss_baseline_untrained": float((1 + negative) * np.log(2.0))}


OBJECTIVE = SkipGram()
