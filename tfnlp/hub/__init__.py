"""tfnlp.hub."""
