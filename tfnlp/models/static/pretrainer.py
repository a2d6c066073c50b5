"""Pretrainers of the static families: word2vec (skip-gram, CBOW) and GloVe.

Both override `train_step` with sparse updates of the rows a batch touches
(`tf.IndexedSlices` scatter-adds): word2vec with plain SGD at the batch's
`learning_rate` (the update of the C tool, summed over the batch), GloVe
with AdaGrad. The trainer only calls `fit` / `evaluate`; `tfnlp word2vec`
and `tfnlp glove` call `train_step` through `tf.function` directly.

Training runs on the TensorFlow backend (tf.data + resource scatters); the
backbone itself is plain `keras.ops`.

Example:

>>> pretrainer = Word2VecPretrainer(backbone, "skipgram", negative=5)  # doctest: +SKIP
>>> pretrainer.train_step(next(iter(dataset)))["loss"]                 # doctest: +SKIP
"""

import keras
import tensorflow as tf

from tfnlp.errors import TfnlpError


def _tf_variable(variable):
    """The `tf.Variable` under a Keras variable (TF backend)."""
    value = getattr(variable, "value", variable)
    if not hasattr(value, "scatter_add"):
        raise TfnlpError("the static families train on the TensorFlow backend "
                         "(KERAS_BACKEND=tensorflow)")
    return value


def scatter_add_rows(variable, rows, updates):
    """`variable[rows] += updates`, duplicates summed first (segment sums).

    TF's CPU scatter runs threads with locks when rows repeat, so the order
    of the additions (and the last bits) would vary from run to run; summing
    the duplicates in a fixed order first keeps resumed runs bit-identical.
    """
    unique, position = tf.unique(rows)
    summed = tf.math.unsorted_segment_sum(updates, position, tf.shape(unique)[0])
    _tf_variable(variable).scatter_add(tf.IndexedSlices(summed, unique))


def scatter_add_direct(variable, rows, updates):
    """`variable[rows] += updates` in one scatter, duplicates included.

    Only inside an XLA-compiled step (`jit_compile=True`): XLA's CPU scatter
    adds the updates one after the other in index order, so duplicates sum
    in a fixed order (bit-identical resume) without `scatter_add_rows`'s
    unique + segment sum (half of an uncompiled step's time).
    """
    _tf_variable(variable).scatter_add(tf.IndexedSlices(updates, rows))


def count_step(model):
    """Advances a compiled model's optimizer step (the trainer's step counter);
    the updates themselves never go through the optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        optimizer.iterations.assign_add(1)


class Word2VecPretrainer(keras.Model):
    """word2vec with negative sampling over a `StaticEmbedding` backbone.

    The backbone's table is word2vec's `syn0` (the vectors kept); this model
    adds `output_vectors` (`syn1neg`, zeros at first).

    Args:
        backbone: `StaticEmbedding`.
        objective: `"skipgram"` or `"cbow"`.
        negative: negatives per example (only for metrics/baselines; the
            data carries the negatives).
        **kwargs: `keras.Model` arguments.
    """

    def __init__(self, backbone, objective="skipgram", negative=5, **kwargs):
        kwargs.setdefault("name", f"word2vec_{objective}")
        super().__init__(**kwargs)
        if objective not in ("skipgram", "cbow"):
            raise TfnlpError(f"word2vec objective must be skipgram or cbow, got {objective!r}")
        self.backbone = backbone
        self.objective = objective
        self.negative = int(negative)
        self.output_vectors = self.add_weight(
            shape=(backbone.vocabulary_size, backbone.hidden_dim), initializer="zeros",
            name="output_vectors", trainable=True)
        self.built = True

    def call(self, inputs, training=False):
        return self.backbone(inputs, training=training)

    def compile_for_pretraining(self, optimizer=None, **compile_kwargs):
        """Compiles for `fit`; the optimizer is unused (updates are the SGD below)."""
        self.compile(optimizer=optimizer or keras.optimizers.SGD(), **compile_kwargs)
        return self

    def _scores(self, hidden, targets, negatives, mask=None):
        """Rows, labels-weights and logits of the target + negatives (`mask`:
        the examples' `example_mask`, 0 at the padding)."""
        rows = tf.concat([targets[:, None], negatives], axis=1)
        weights = tf.concat([tf.ones_like(targets[:, None], tf.float32),
                             tf.cast(tf.not_equal(negatives, targets[:, None]), tf.float32)],
                            axis=1)
        if mask is not None:
            weights = weights * mask[:, None]
        out = tf.gather(_tf_variable(self.output_vectors), rows)
        # products + sums, not einsum: a threaded matmul may add in any order,
        # and exact resume needs the same bits every run
        logits = tf.reduce_sum(hidden[:, None, :] * out, axis=-1)
        labels = tf.concat([tf.ones_like(weights[:, :1]), tf.zeros_like(weights[:, 1:])], 1)
        return rows, weights, labels, out, logits

    @staticmethod
    def _count(data):
        """Real (unpadded) examples of a batch, float32."""
        if "example_mask" in data:
            return tf.reduce_sum(data["example_mask"])
        return tf.cast(tf.shape(data["targets"])[0], tf.float32)

    @staticmethod
    def _loss(logits, labels, weights, count):
        losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)
        return tf.reduce_sum(losses * weights) / tf.maximum(count, 1.0)

    def _hidden(self, data):
        table = _tf_variable(self.backbone.embeddings)
        if self.objective == "skipgram":
            return tf.gather(table, data["inputs"])
        mask = data["context_mask"]
        vectors = tf.gather(table, data["contexts"]) * mask[..., None]
        return tf.reduce_sum(vectors, 1) / tf.maximum(tf.reduce_sum(mask, 1), 1.0)[:, None]

    def train_step(self, data, direct_scatter=False):
        """One SGD pass over the batch's examples; returns `loss`, `learning_rate`.

        Args:
            data: the batch (see `tfnlp.objectives.skipgram.SkipGram`).
            direct_scatter: scatter duplicates in one op (`scatter_add_direct`,
                only under XLA: `compiled_train_step`) instead of summing them
                first (`scatter_add_rows`).
        """
        if isinstance(data, tuple):
            data = data[0]
        scatter = scatter_add_direct if direct_scatter else scatter_add_rows
        lr = tf.cast(data["learning_rate"], tf.float32)
        hidden = self._hidden(data)
        rows, weights, labels, out, logits = self._scores(
            hidden, data["targets"], data["negatives"], data.get("example_mask"))
        # word2vec: g = (label - sigmoid(score)) * alpha, per target / negative
        g = (labels - tf.sigmoid(logits)) * weights * lr
        hidden_update = tf.reduce_sum(g[..., None] * out, axis=1)
        output_update = g[..., None] * hidden[:, None, :]
        dim = self.backbone.hidden_dim
        scatter(self.output_vectors, tf.reshape(rows, [-1]),
                tf.reshape(output_update, [-1, dim]))
        if self.objective == "skipgram":
            scatter(self.backbone.embeddings, data["inputs"], hidden_update)
        else:  # CBOW: every context word gets the whole update (the C tool's rule)
            mask = data["context_mask"]
            updates = hidden_update[:, None, :] * mask[..., None]
            scatter(self.backbone.embeddings, tf.reshape(data["contexts"], [-1]),
                    tf.reshape(updates, [-1, dim]))
        count_step(self)
        return {"loss": self._loss(logits, labels, weights, self._count(data)),
                "learning_rate": lr}

    def compiled_train_step(self, input_signature):
        """`train_step` as one XLA program (`jit_compile=True`) with direct scatters.

        XLA fuses the gathers, products and scatters of a step (measured on
        2 shared cores, 6,400 pairs x 6 rows x 100 dims: 16 ms of CPU per
        step against 41 ms for the uncompiled step with its segment sums).
        It compiles once per batch shape; the data pads the examples to a
        multiple of `pad_to`, so a run compiles a few times. The same shapes
        give the same program whether a run starts at batch 0 or resumes,
        so resumed vectors stay bit-identical.

        Args:
            input_signature: `[dataset.element_spec]`.

        Returns:
            a `tf.function`: batch -> `{"loss", "learning_rate"}`.
        """
        return tf.function(lambda data: self.train_step(data, direct_scatter=True),
                           input_signature=input_signature, jit_compile=True)

    def heldout_loss(self, data):
        """`(mean loss, examples)` of a batch, without updating anything."""
        hidden = self._hidden(data)
        _, weights, labels, _, logits = self._scores(
            hidden, data["targets"], data["negatives"], data.get("example_mask"))
        count = self._count(data)
        return self._loss(logits, labels, weights, count), tf.cast(count, tf.int32)

    def test_step(self, data):
        if isinstance(data, tuple):
            data = data[0]
        loss, _ = self.heldout_loss(data)
        return {"loss": loss}

    def finalize(self):
        """Called after training: the backbone already holds the vectors."""

    def state(self):
        """The variables a checkpoint holds: name -> Keras variable."""
        return {"input_vectors": self.backbone.embeddings,
                "output_vectors": self.output_vectors}

    def vectors(self):
        """The word vectors (numpy `[vocabulary_size, hidden_dim]`)."""
        return keras.ops.convert_to_numpy(self.backbone.embeddings)


class GlovePretrainer(keras.Model):
    """GloVe's weighted least squares with AdaGrad, over a `StaticEmbedding`.

    Holds word vectors `W`, context vectors `W~`, biases `b`, `b~` (all
    initialised uniform in +-0.5/dim, as the reference code) and their
    AdaGrad accumulators (starting at 1, as the reference code). After every
    step the backbone's table holds `W + W~`, the vectors GloVe outputs.

    Args:
        backbone: `StaticEmbedding`.
        x_max: `f(x) = min(1, (x / x_max) ** power)`.
        power: the exponent (0.75).
        **kwargs: `keras.Model` arguments.
    """

    def __init__(self, backbone, x_max=100.0, power=0.75, **kwargs):
        kwargs.setdefault("name", "glove")
        super().__init__(**kwargs)
        self.backbone = backbone
        self.x_max = float(x_max)
        self.power = float(power)
        vocab, dim = backbone.vocabulary_size, backbone.hidden_dim
        init = keras.initializers.RandomUniform(-0.5 / dim, 0.5 / dim)
        self.word_vectors = self.add_weight(shape=(vocab, dim), initializer=init,
                                            name="word_vectors")
        self.context_vectors = self.add_weight(shape=(vocab, dim), initializer=init,
                                               name="context_vectors")
        self.word_biases = self.add_weight(shape=(vocab,), initializer=init,
                                           name="word_biases")
        self.context_biases = self.add_weight(shape=(vocab,), initializer=init,
                                              name="context_biases")
        self._squares = [self.add_weight(shape=v.shape, initializer="ones", trainable=False,
                                         name=f"{v.name}_adagrad")
                         for v in (self.word_vectors, self.context_vectors,
                                   self.word_biases, self.context_biases)]
        self.built = True
        self.finalize()

    def call(self, inputs, training=False):
        return self.backbone(inputs, training=training)

    def compile_for_pretraining(self, optimizer=None, **compile_kwargs):
        """Compiles for `fit`; the optimizer is unused (AdaGrad is in `train_step`)."""
        self.compile(optimizer=optimizer or keras.optimizers.SGD(), **compile_kwargs)
        return self

    def _terms(self, data):
        rows, cols = data["rows"], data["cols"]
        w = tf.gather(_tf_variable(self.word_vectors), rows)
        c = tf.gather(_tf_variable(self.context_vectors), cols)
        bw = tf.gather(_tf_variable(self.word_biases), rows)
        bc = tf.gather(_tf_variable(self.context_biases), cols)
        counts = tf.cast(data["counts"], tf.float32)
        diff = tf.reduce_sum(w * c, axis=1) + bw + bc - tf.math.log(counts)
        weight = tf.minimum(1.0, tf.pow(counts / self.x_max, self.power))
        return w, c, diff, weight, counts

    def _adagrad(self, variable, square, rows, grads, lr):
        """Sums duplicate rows' gradients, then one AdaGrad step on those rows."""
        unique, position = tf.unique(rows)
        summed = tf.math.unsorted_segment_sum(grads, position, tf.shape(unique)[0])
        var, sq = _tf_variable(variable), _tf_variable(square)
        sq.scatter_add(tf.IndexedSlices(tf.square(summed), unique))
        step = lr * summed / tf.sqrt(tf.gather(sq, unique))
        var.scatter_sub(tf.IndexedSlices(step, unique))

    def train_step(self, data):
        """One AdaGrad step on the batch's entries; returns `loss`, `learning_rate`."""
        if isinstance(data, tuple):
            data = data[0]
        lr = tf.cast(data["learning_rate"], tf.float32)
        w, c, diff, weight, _ = self._terms(data)
        fdiff = weight * diff
        loss = 0.5 * tf.reduce_mean(fdiff * diff)
        rows, cols = data["rows"], data["cols"]
        sq_w, sq_c, sq_bw, sq_bc = self._squares
        self._adagrad(self.word_vectors, sq_w, rows, fdiff[:, None] * c, lr)
        self._adagrad(self.context_vectors, sq_c, cols, fdiff[:, None] * w, lr)
        self._adagrad(self.word_biases, sq_bw, rows, fdiff, lr)
        self._adagrad(self.context_biases, sq_bc, cols, fdiff, lr)
        self.finalize()
        count_step(self)
        return {"loss": loss, "learning_rate": lr}

    def heldout_loss(self, data):
        """`(loss, loss of an all-zero model, entries)` of a batch."""
        _, _, diff, weight, counts = self._terms(data)
        log = tf.math.log(counts)
        return (0.5 * tf.reduce_mean(weight * diff * diff),
                0.5 * tf.reduce_mean(weight * log * log), tf.shape(diff)[0])

    def test_step(self, data):
        if isinstance(data, tuple):
            data = data[0]
        return {"loss": self.heldout_loss(data)[0]}

    def finalize(self):
        """Writes `W + W~` into the backbone's table."""
        _tf_variable(self.backbone.embeddings).assign(
            _tf_variable(self.word_vectors) + _tf_variable(self.context_vectors))

    def state(self):
        """The variables a checkpoint holds: name -> Keras variable."""
        names = ("word_vectors", "context_vectors", "word_biases", "context_biases")
        state = {n: getattr(self, n) for n in names}
        state.update({f"{n}_adagrad": s for n, s in zip(names, self._squares)})
        return state

    def vectors(self):
        """`W + W~` (numpy `[vocabulary_size, hidden_dim]`)."""
        self.finalize()
        return keras.ops.convert_to_numpy(self.backbone.embeddings)
