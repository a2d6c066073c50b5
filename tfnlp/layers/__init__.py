"""Keras 3 layers: embeddings, pretraining and task heads, scalar mix."""

from tfnlp.layers.bert_embeddings import BertEmbeddings  # noqa: F401
from tfnlp.layers.classification_head import ClassificationHead  # noqa: F401
from tfnlp.layers.next_sentence_head import NextSentenceHead  # noqa: F401
from tfnlp.layers.scalar_mix import ScalarMix  # noqa: F401
from tfnlp.layers.span_head import SpanHead  # noqa: F401
from tfnlp.layers.token_classification_head import TokenClassificationHead  # noqa: F401
