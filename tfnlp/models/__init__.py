"""Encoders and pretraining networks."""

from tfnlp.models.bert_encoder import BertEncoder  # noqa: F401
from tfnlp.models.bert_presets import BERT_PRESETS, get_preset_config  # noqa: F401
