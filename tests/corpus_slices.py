"""Small real-English corpora for tests: leading slices of the embedded WordNet corpus.

One helper, used by the conftest files of tests/cli, tests/families and
tests/hardening, so that every suite trains on the same kind of text.

Example:
    >>> path = write_wordnet_slice(tmp_path / "corpus.txt", num_docs=60)
"""

from tfnlp.data.wordnet import wordnet_corpus


def write_wordnet_slice(path, num_docs, min_sentences=1):
    """Writes the first `num_docs` documents of the WordNet corpus to `path`.

    Args:
        path: a `pathlib.Path` to write (one sentence per line, a blank line
            between documents, as `tfnlp pretrain` reads it).
        num_docs: how many documents to keep.
        min_sentences: skip documents with fewer sentences (NSP-style
            objectives want pairs, so the family harness asks for 2).

    Returns:
        `path`.
    """
    docs, current = [], []
    with open(wordnet_corpus(), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                current.append(line.strip())
                continue
            if len(current) >= min_sentences:
                docs.append(current)
            current = []
            if len(docs) == num_docs:
                break
    path.write_text("\n\n".join("\n".join(d) for d in docs) + "\n", encoding="utf-8")
    return path
