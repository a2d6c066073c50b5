"""The one exception type that tfnlp raises for bad user input.

Every check on files, vocabularies, shapes, configs and modules raises
`TfnlpError` with a message that names the problem and, where it helps, the
fix. The CLI catches it and prints one line instead of a traceback.

Example:

>>> from tfnlp.errors import TfnlpError
>>> raise TfnlpError("corpus.txt: file not found")
Traceback (most recent call last):
...
tfnlp.errors.TfnlpError: corpus.txt: file not found
"""


class TfnlpError(ValueError):
    """Bad input given to tfnlp: a file, vocab, config, shape or module.

    Subclasses `ValueError` so that callers who already catch `ValueError`
    keep working.
    """
