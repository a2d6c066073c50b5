"""tfnlp.models."""
