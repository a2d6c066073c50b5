"""Shared fixtures: a tiny patterned corpus, its word-level WordPiece vocab."""

import numpy as np
import pytest

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SUBJECTS = ["the cat", "a dog", "the bird", "my friend", "the old man", "a child"]
VERBS = ["sees", "likes", "finds", "follows", "watches"]
OBJECTS = ["the ball", "a tree", "the red car", "some food", "the river", "a house"]


def write_corpus(path, lines=400, seed=0):
    """Writes `lines` patterned sentences (subject verb object .), documents of 4."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(lines):
        out.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} .")
        if i % 4 == 3:
            out.append("")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return str(path)


def vocab_tokens():
    words = sorted({w for phrase in SUBJECTS + VERBS + OBJECTS for w in phrase.split()})
    return SPECIALS + words + ["."]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.txt")


@pytest.fixture(scope="session")
def vocab_file(tmp_path_factory):
    from tfnlp.text.vocab import write_vocab

    return write_vocab(vocab_tokens(), tmp_path_factory.mktemp("vocab") / "vocab.txt")
