"""A tiny patterned corpus and its word-level WordPiece vocab, for the
ELECTRA and DistilBERT tests (their conftests import it)."""

import numpy as np

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
