"""Reading pretraining corpora in the BERT format.

The format (Google's `create_pretraining_data.py`): plain UTF-8 text, one
sentence per line, a blank line between documents.

Example:

>>> from tfnlp.text.corpus import read_documents
>>> docs = read_documents("wiki_*.txt")       # doctest: +SKIP
>>> docs[0][:2]                                # doctest: +SKIP
['First sentence.', 'Second sentence.']
"""

import glob
import os

from tfnlp.errors import TfnlpError


def expand_files(files):
    """Expands a path, comma-separated list, glob or list of those to files.

    Args:
      files: str or os.PathLike (may hold commas and glob patterns), or a
        list/tuple of them.

    Returns:
      list of str paths, in the order given (glob matches sorted), no repeats.

    Raises:
      TfnlpError: if nothing is given, or a path or pattern matches no file.

    Example:

    >>> expand_files("a.txt,b.txt")   # doctest: +SKIP
    ['a.txt', 'b.txt']
    """
    if isinstance(files, (str, os.PathLike)):
        items = [os.fspath(files)]
    elif isinstance(files, (list, tuple)):
        items = [os.fspath(f) for f in files]
    else:
        raise TfnlpError(
            f"corpus files must be a path, a comma-separated list, a glob or a "
            f"list of paths; got {type(files).__name__}")
    patterns = [p.strip() for item in items for p in item.split(",") if p.strip()]
    if not patterns:
        raise TfnlpError("no corpus files given (empty path list)")
    out = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            matches = sorted(m for m in glob.glob(pattern) if os.path.isfile(m))
            if not matches:
                raise TfnlpError(f"corpus glob matches no file: {pattern}")
        else:
            if not os.path.exists(pattern):
                raise TfnlpError(f"corpus file not found: {pattern}")
            if not os.path.isfile(pattern):
                raise TfnlpError(f"corpus path is not a file: {pattern}")
            matches = [pattern]
        for m in matches:
            if m not in out:
                out.append(m)
    return out


def _read_text(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise TfnlpError(
            f"{path}: not valid UTF-8 at byte offset {e.start} (line {line}); "
            "re-encode the corpus as UTF-8") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def iter_lines(files):
    """Yields the stripped lines of the corpus files, in order.

    A blank line ("") is yielded at the end of each file so documents never
    run across files.

    Args:
      files: as for `expand_files`.

    Returns:
      An iterator of str.

    Raises:
      TfnlpError: for missing, empty or non-UTF-8 files.

    Example:

    >>> list(iter_lines("corpus.txt"))[:2]   # doctest: +SKIP
    ['First sentence.', 'Second sentence.']
    """
    for path in expand_files(files):
        text = _read_text(path)
        if not text.strip():
            raise TfnlpError(f"{path}: the corpus file is empty")
        for line in text.splitlines():
            yield line.strip()
        yield ""


def read_documents(files):
    """Reads BERT-format corpus files into documents of sentences.

    Args:
      files: a path, comma-separated paths, a glob, or a list of those.

    Returns:
      list of documents; each is a non-empty list of sentence strings.

    Raises:
      TfnlpError: if a file is missing, empty or not UTF-8 (naming the file,
        byte offset and line), or the whole corpus has no text.

    Example:

    >>> docs = read_documents("corpus.txt")   # doctest: +SKIP
    """
    docs, current = [], []
    for line in iter_lines(files):
        if line:
            current.append(line)
        elif current:
            docs.append(current)
            current = []
    if current:
        docs.append(current)
    if not docs:
        raise TfnlpError(f"{files}: the corpus has no text")
    return docs


def require_multi_sentence_documents(docs, source="corpus"):
    """Checks that next-sentence prediction can be trained on these documents.

    NSP needs at least one document with two or more sentences (lines) to
    make "actual next" pairs.

    Args:
      docs: list of documents (lists of sentences), as from `read_documents`.
      source: what to call the corpus in the error message.

    Returns:
      The number of documents with at least two sentences.

    Raises:
      TfnlpError: if no document has two or more sentences.

    Example:

    >>> require_multi_sentence_documents([["a.", "b."]])
    1
    """
    n = sum(1 for d in docs if len(d) >= 2)
    if n == 0:
        raise TfnlpError(
            f"{source}: next-sentence prediction needs documents with at least "
            "two sentences (one sentence per line, a blank line between "
            "documents), but every document has one line; split the text into "
            "sentences or use objective='mlm'")
    return n
