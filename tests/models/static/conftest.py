"""Shared fixtures: a small structured corpus and a trained word2vec run."""

import random

import pytest

ANIMALS = ["cat", "dog", "horse", "cow", "sheep", "goat"]
FOODS = ["bread", "cheese", "apple", "rice", "soup", "meat"]
PLACES = ["house", "barn", "field", "garden", "yard", "stable"]


def make_corpus(path, lines=600, seed=0):
    rng = random.Random(seed)
    rows = []
    for _ in range(lines):
        animal, food, place = rng.choice(ANIMALS), rng.choice(FOODS), rng.choice(PLACES)
        template = rng.choice([
            "the {a} eats the {f} in the {p} .",
            "a {a} sleeps in the {p} .",
            "we gave {f} to the {a} near the {p} .",
            "the {p} has a {a} and some {f} .",
        ])
        rows.append(template.format(a=animal, f=food, p=place))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return make_corpus(tmp_path_factory.mktemp("static") / "corpus.txt")


@pytest.fixture(scope="session")
def tokenizer(corpus, tmp_path_factory):
    from tfnlp.models.registry import get_family

    family = get_family("word2vec")
    folder = tmp_path_factory.mktemp("tokenizer")
    from tfnlp.text.word_vocab import learn_word_vocab

    learn_word_vocab(corpus, min_count=1).save(str(folder))
    return family.load_tokenizer(str(folder))
