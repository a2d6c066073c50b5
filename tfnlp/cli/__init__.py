"""tfnlp.cli."""
