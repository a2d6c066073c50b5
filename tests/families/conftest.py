"""Fixtures of the shared family harness: a real corpus and a scratch folder."""

import pytest


@pytest.fixture(scope="session")
def harness_corpus(tmp_path_factory):
    """The first 200 multi-sentence documents of the WordNet corpus (real English)."""
    from tfnlp.data.wordnet import wordnet_corpus

    out = tmp_path_factory.mktemp("harness_corpus") / "wordnet_200.txt"
    docs, current = [], []
    with open(wordnet_corpus(), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                current.append(line.strip())
            elif current:
                if len(current) > 1:
                    docs.append(current)
                current = []
                if len(docs) == 200:
                    break
    out.write_text("\n\n".join("\n".join(d) for d in docs) + "\n", encoding="utf-8")
    return str(out)


@pytest.fixture(scope="session")
def harness_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("families"))
