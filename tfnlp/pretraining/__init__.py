"""tfnlp.pretraining."""
