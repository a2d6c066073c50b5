"""tfnlp.layers."""
