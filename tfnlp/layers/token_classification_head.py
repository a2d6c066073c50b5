"""Token classification (NER) head: dropout + dense on every position."""

import keras

from tfnlp.layers.classification_head import ClassificationHead


@keras.saving.register_keras_serializable(package="tfnlp")
class TokenClassificationHead(ClassificationHead):
    """Maps each position's hidden state to tag logits.

    The same dropout + dense as `ClassificationHead`, applied to
    `sequence_output`; a padding mask on the input (e.g. from a masked LSTM)
    carries over to the per-position logits. The loss should ignore positions
    that carry no label (later word pieces, `[CLS]`, `[SEP]`, padding); see
    `tfnlp.tasks.conll_features.IGNORE_LABEL`.

    Args:
        num_classes: int. Number of tags.
        dropout: float. Dropout rate applied before the dense layer.
        initializer_range: float. Stddev of the truncated-normal kernel init.
        **kwargs: standard `keras.layers.Layer` arguments.

    Returns (from `call(sequence_output)`):
        Logits `[batch, seq, num_classes]`.

    Example:
    >>> head = TokenClassificationHead(num_classes=5)
    >>> head(keras.ops.zeros((2, 7, 32))).shape
    (2, 7, 5)
    """

    def __init__(self, num_classes, dropout=0.1, initializer_range=0.02, **kwargs):
        super().__init__(num_classes, dropout=dropout,
                         initializer_range=initializer_range, **kwargs)
        self.supports_masking = True
