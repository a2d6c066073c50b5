"""Shared fixtures of the ELMo tests: a tiny corpus, vocab and tokenizer."""

import os

import pytest

SENTENCES = [
    "The cat sat on the mat.",
    "A dog ran in the park.",
    "The dog saw the cat.",
    "Birds sing in the morning.",
    "The cat and the dog are friends.",
    "A bird sat on the dog.",
    "Cats like fish and dogs like meat.",
    "The morning sun was warm.",
    "A small bird ate the seed.",
    "The park was quiet in the morning.",
]


@pytest.fixture(scope="session")
def corpus_file(tmp_path_factory):
    """A small corpus: documents of sentences, a blank line between them."""
    path = tmp_path_factory.mktemp("elmo_corpus") / "corpus.txt"
    lines = []
    for repeat in range(6):
        for i in range(0, len(SENTENCES), 2):
            lines += SENTENCES[i:i + 2] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def vocab_file(corpus_file, tmp_path_factory):
    from tfnlp.models.elmo.vocab import learn_word_vocab, write_word_vocab

    words = learn_word_vocab(corpus_file, max_size=200)
    return write_word_vocab(words, os.path.join(tmp_path_factory.mktemp("elmo_vocab"),
                                                "vocab.txt"))


@pytest.fixture(scope="session")
def tokenizer(vocab_file):
    from tfnlp.models.elmo.tokenizer import ElmoTokenizer

    return ElmoTokenizer(vocab_file, seq_length=16)


@pytest.fixture(scope="session")
def data_options():
    from tfnlp.objectives.base import DataOptions

    return DataOptions(seq_length=16, batch_size=8, heldout_fraction=0.2)


@pytest.fixture(scope="session")
def trained(corpus_file, tokenizer, data_options):
    """A tiny biLM trained for 40 steps (one traced train step), with held-out metrics."""
    import keras

    from tfnlp.models.registry import get_family
    from tfnlp.objectives import get_objective

    keras.utils.set_random_seed(0)
    family = get_family("elmo")
    objective = get_objective("bilm")
    config = family.resolve_config("elmo_tiny")
    backbone = family.build_backbone(config)
    pretrainer = family.build_pretrainer(backbone, "bilm", config, tokenizer, {})
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(3e-3))
    train = objective.build_dataset(corpus_file, tokenizer, data_options, "train", seed=3)
    heldout = objective.build_dataset(corpus_file, tokenizer, data_options, "heldout", seed=3)
    history = pretrainer.fit(train.map(objective.split_features), steps_per_epoch=20,
                             epochs=2, verbose=0)
    after = objective.evaluate(pretrainer, heldout)
    return {"family": family, "objective": objective, "config": config,
            "backbone": backbone, "pretrainer": pretrainer, "history": history.history,
            "after": after, "heldout": heldout}
