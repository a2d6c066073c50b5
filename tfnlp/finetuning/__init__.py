"""tfnlp.finetuning."""
