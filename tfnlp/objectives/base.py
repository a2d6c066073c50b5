"""The objective contract: data, features, evaluation and metric names of one
pretraining objective (docs/CONTRACTS.md).

An objective is family-neutral where it can be (`mlm` serves BERT,
DistilBERT and ELECTRA's generator) and talks to the text only through the
family's tokenizer (`tfnlp.text.tokenizer.Tokenizer`).

Example:

>>> from tfnlp.objectives import get_objective
>>> get_objective("mlm").metric_names
('loss', 'mlm_loss', 'mlm_accuracy')
"""

import dataclasses


def stateless_epoch_stream(table, seed):
    """The rows of `table` forever, epoch `e` in a stateless permutation keyed by `(seed, e)`.

    Element `i` (and so batch `k`) depends on the seed alone, for every
    iterator over the dataset: a re-iterated `Dataset.shuffle` does not
    give that, and resume-by-skipping needs it.

    Args:
        table: a tensor or RaggedTensor whose rows are the examples.
        seed: int.

    Returns:
        an infinite `tf.data.Dataset` of rows.

    Example:

    >>> import tensorflow as tf
    >>> ds = stateless_epoch_stream(tf.range(4), seed=0)
    >>> sorted(int(x) for x in ds.take(4))
    [0, 1, 2, 3]
    """
    import tensorflow as tf

    count = int(table.nrows()) if isinstance(table, tf.RaggedTensor) else int(table.shape[0])

    def pick(i):
        key = tf.stack([tf.constant(int(seed), tf.int64), i // count])
        index = tf.random.experimental.index_shuffle(i % count, seed=key, max_index=count - 1)
        return tf.gather(table, index)

    return tf.data.Dataset.counter().map(pick)


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """The run settings an objective's dataset reads.

    Attributes:
        seq_length: packed length.
        batch_size: global batch size.
        heldout_fraction: fraction of documents held out.
        max_predictions_per_seq: masked/predicted positions per sequence
            (None: the objective's default for `seq_length`).
        whole_word_masking: mask every piece of a word together.
        extra: the run's `objective_options` (objective-specific settings).
    """

    seq_length: int = 128
    batch_size: int = 32
    heldout_fraction: float = 0.05
    max_predictions_per_seq: int = None
    whole_word_masking: bool = False
    extra: dict = dataclasses.field(default_factory=dict)


class Objective:
    """Base class of an objective. Subclasses implement every method.

    Attributes:
        name: registry name (`--objective`).
        metric_names: Keras log keys the trainer logs (console, TensorBoard,
            final JSON), in display order.
        heldout_metric_names: keys `evaluate` returns, each beside its
            baseline.
    """

    name = None
    metric_names = ("loss",)
    heldout_metric_names = ()

    def default_max_predictions(self, seq_length):
        """Predicted positions per sequence when the run sets none."""
        return None

    def build_dataset(self, files, tokenizer, options, split, seed):
        """Returns the batched feature-dict dataset of `split`.

        `split="train"` repeats forever and is deterministic in (seed, batch
        index), so that a resumed run that skips the batches it has seen
        continues exactly; `split="heldout"` is finite.

        Args:
            files: corpus path(s).
            tokenizer: the family `Tokenizer`.
            options: a `DataOptions`.
            split: `"train"` or `"heldout"`.
            seed: int.

        Raises:
            TfnlpError: an empty corpus, one that tokenizes to nothing, or a
                corpus the objective cannot use.
        """
        raise NotImplementedError

    def split_features(self, features):
        """A feature dict -> Keras `(x, y, sample_weight)`."""
        raise NotImplementedError

    def evaluate(self, model, heldout):
        """Held-out metrics of a compiled pretrainer, each beside its baseline.

        Returns:
            dict of floats (`heldout_*` and `*_baseline*` keys).
        """
        raise NotImplementedError

    def canonical_metrics(self, logs):
        """Keras logs -> the `metric_names` present, as floats (a model
        with one output logs `accuracy`, not `mlm_accuracy`)."""
        logs = dict(logs or {})
        return {k: float(logs[k]) for k in self.metric_names if logs.get(k) is not None}
