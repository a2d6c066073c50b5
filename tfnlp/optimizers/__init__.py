"""tfnlp.optimizers."""
