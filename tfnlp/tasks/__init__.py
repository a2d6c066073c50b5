"""tfnlp.tasks."""
