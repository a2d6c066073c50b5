"""tfnlp.text."""
