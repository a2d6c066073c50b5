"""Keras 3 layers: embeddings, pretraining heads, scalar mix."""

from tfnlp.layers.bert_embeddings import BertEmbeddings  # noqa: F401
