"""word2vec CBOW with negative sampling: the data.

The same corpus chunks, subsampling, dynamic windows, negatives and
learning-rate decay as skip-gram (`tfnlp.objectives.skipgram`); each
example is one centre word with its (up to `2 * window`) context words,
whose mean vector predicts the centre word. The starting rate is 0.05,
the C tool's and gensim's CBOW default.

Example:

>>> from tfnlp.objectives import get_objective
>>> get_objective("cbow").defaults["alpha"]
0.05
"""

from tfnlp.objectives import skipgram


def cbow_contexts(ids, sentences, window, seed, batch):
    """Each centre word's context words within its dynamic window.

    Returns:
        `(contexts, mask, targets)`: int32 `[n, 2 * window]` context ids (0
        where masked), float32 mask, int32 `[n]` centre ids; centres
        without any context are dropped (as the C tool does).
    """
    import tensorflow as tf

    n = tf.size(ids)
    sizes = skipgram.window_sizes(n, window, seed, batch)
    pad_ids = tf.pad(ids, [[window, window]], constant_values=-1)
    pad_sentences = tf.pad(sentences, [[window, window]], constant_values=-1)
    columns, masks = [], []
    for d in list(range(-window, 0)) + list(range(1, window + 1)):
        neighbour = pad_ids[window + d:window + d + n]
        same = tf.equal(pad_sentences[window + d:window + d + n], sentences)
        masks.append(same & (neighbour >= 0) & (abs(d) <= sizes))
        columns.append(tf.maximum(neighbour, 0))
    contexts = tf.stack(columns, axis=1)
    mask = tf.stack(masks, axis=1)
    has_context = tf.reduce_any(mask, axis=1)
    return (tf.boolean_mask(contexts, has_context),
            tf.cast(tf.boolean_mask(mask, has_context), tf.float32),
            tf.boolean_mask(ids, has_context))


class Cbow(skipgram.SkipGram):
    """CBOW with negative sampling.

    `build_dataset` yields dicts: `contexts [n, 2*window]`, `context_mask`
    (float32, same shape), `targets [n]`, `negatives [n, negative]`,
    `example_mask [n]` (0 at the padding), `learning_rate`, `words`, `batch`.
    """

    name = "cbow"
    defaults = {**skipgram.DEFAULTS, "alpha": 0.05}

    def examples(self, words, lines, settings, cdf, seed, batch):
        import tensorflow as tf

        contexts, mask, targets = cbow_contexts(words, lines, int(settings["window"]), seed,
                                                batch)
        negatives = skipgram.draw_negatives(
            cdf, tf.stack([tf.size(targets), int(settings["negative"])]), seed, batch)
        return {"contexts": contexts, "context_mask": mask, "targets": targets,
                "negatives": negatives}


OBJECTIVE = Cbow()
