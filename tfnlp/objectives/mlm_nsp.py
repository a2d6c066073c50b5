"""Objective `mlm_nsp`: BERT's masked-LM + next-sentence prediction.

Instances are NSP pairs made as Google's `create_pretraining_data.py` makes
them (50% actual next segment, 50% random; short_seq_prob 0.1); the corpus
needs documents of at least two sentences.

Example:

>>> from tfnlp.objectives import get_objective
>>> get_objective("mlm_nsp").metric_names[-1]
'nsp_accuracy'
"""

from tfnlp.objectives.mlm import MaskedLM


class MaskedLMWithNextSentence(MaskedLM):
    """`mlm` plus the NSP loss and accuracy."""

    name = "mlm_nsp"
    use_nsp = True
    metric_names = MaskedLM.metric_names + ("nsp_loss", "nsp_accuracy")
    heldout_metric_names = MaskedLM.heldout_metric_names + ("heldout_nsp_accuracy",)


OBJECTIVE = MaskedLMWithNextSentence()
