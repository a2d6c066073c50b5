"""Read JSON Lines files with errors that name the file and the line."""

import json

from tfnlp.errors import TfnlpError


def read_jsonl(path):
    """Read a JSONL file: one JSON object per non-blank line.

    Args:
      path: path of a UTF-8 text file.

    Returns:
      A list of `(line_number, record)` pairs, `line_number` 1-based, `record`
      a dict. Blank lines are skipped.

    Raises:
      TfnlpError: the file is missing, empty, not UTF-8, or a line is not a
        JSON object. The message names the file and line.

    Example:
      >>> read_jsonl("train.jsonl")  # doctest: +SKIP
      [(1, {'text': 'a fine film', 'label': 'pos'})]
    """
    try:
        with open(path, "rb") as f:
            raw_lines = f.read().split(b"\n")
    except OSError as e:
        raise TfnlpError(f"{path}: cannot read file ({e.strerror})") from e
    records = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise TfnlpError(
                f"{path}:{number}: not valid UTF-8 (byte {e.start}); re-encode the file as UTF-8"
            ) from e
        if number == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise TfnlpError(f"{path}:{number}: bad JSON ({e.msg} at column {e.colno})") from e
        if not isinstance(record, dict):
            raise TfnlpError(
                f"{path}:{number}: expected a JSON object, got {type(record).__name__}"
            )
        records.append((number, record))
    if not records:
        raise TfnlpError(f"{path}: empty file, expected one JSON object per line")
    return records
