"""Task name → task class, and the per-task default sequence length.

Example:

>>> task = make_task("ner", source.tokenizer, 128)      # doctest: +SKIP
"""

from tfnlp.tasks.models import TASKS, check_choice

# BERT's fine-tuning lengths (SPEC): 128 for sentence and token tasks, 384 for SQuAD.
DEFAULT_SEQ_LENGTH = {"classification": 128, "ner": 128, "squad": 384}


def task_class(name):
    """The class implementing task `name`.

    Args:
        name: "classification", "ner" or "squad".

    Returns:
        A class with `read_train`, `read_eval`, `losses`, `score`,
        `read_inputs`, `read_input_file`, `predictions`, `meta`.
    """
    check_choice("--task", name, TASKS)
    if name == "classification":
        from tfnlp.tasks.classification_task import ClassificationTask
        return ClassificationTask
    if name == "ner":
        from tfnlp.tasks.ner_task import NerTask
        return NerTask
    from tfnlp.tasks.squad_task import SquadTask
    return SquadTask


def make_task(name, tokenizer, seq_length, meta=None, **options):
    """Builds the task object.

    Args:
        name: task name.
        tokenizer: the encoder's family `Tokenizer`.
        seq_length: int.
        meta: dict from a saved task.json, or None for a new task.
        **options: task-specific options (SQuAD: `doc_stride`,
            `max_query_length`); None values are dropped.

    Returns:
        The task object.
    """
    options = {k: v for k, v in options.items() if v is not None}
    return task_class(name)(tokenizer, seq_length, meta=meta, **options)
