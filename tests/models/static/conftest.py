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


@pytest.fixture(scope="session")
def lexnames(tmp_path_factory):
    """A small real WordNet gloss -> lexname sample (train 400, eval 120)."""
    from tfnlp.data.wordnet import sample_gloss_classification

    return sample_gloss_classification(str(tmp_path_factory.mktemp("lexnames")), 400, 120,
                                       seed=0)


@pytest.fixture(scope="session")
def w2v_run(lexnames, tmp_path_factory):
    """A tiny word2vec run (dim 16) trained on the lexname glosses and the
    structured corpus, with its text-embedding module exported to `hub`."""
    import json

    from tfnlp.hub.export import export_modules
    from tfnlp.models.model_dir import load_model_dir
    from tfnlp.models.static.training import train_static

    folder = tmp_path_factory.mktemp("w2v_run")
    texts = [json.loads(line)["text"] for line in open(lexnames["train"], encoding="utf-8")]
    corpus_path = make_corpus(folder / "corpus.txt", lines=300)
    with open(corpus_path, "a", encoding="utf-8") as f:
        f.write("\n".join(texts) + "\n")
    run = str(folder / "run")
    result = train_static("word2vec", corpus_path, run, hidden_dim=16, min_count=2,
                          options={"epochs": 2, "chunk_words": 4000, "window": 4,
                                   "negative": 4, "sample": 1e-3}, log_every=0)
    native = load_model_dir(result["model_dir"])
    hub = export_modules(native.family, native.backbone, native.tokenizer,
                         str(folder / "hub"))
    return {"run": run, "hub": str(folder / "hub"), "module": hub["embedding"],
            "result": result}


@pytest.fixture(scope="session")
def word_classes():
    """The structured corpus's word classes: name -> words."""
    return {"ANIMAL": ANIMALS, "FOOD": FOODS, "PLACE": PLACES}
