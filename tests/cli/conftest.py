"""Fixtures for the CLI tests: a small slice of real English text."""

import pytest


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    """The first 150 documents of the embedded WordNet corpus (real English)."""
    from tfnlp.data.wordnet import wordnet_corpus

    out = tmp_path_factory.mktemp("corpus") / "wordnet_150.txt"
    docs, current = [], []
    with open(wordnet_corpus(), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                current.append(line.strip())
            elif current:
                docs.append(current)
                current = []
                if len(docs) == 150:
                    break
    out.write_text("\n\n".join("\n".join(d) for d in docs) + "\n", encoding="utf-8")
    return str(out)
