"""Shared GPT-2 fixtures: a small real-English corpus (WordNet), a BPE learned
on it, a tiny backbone."""

import pytest


@pytest.fixture(scope="session")
def gpt2_corpus(tmp_path_factory):
    """About 250 WordNet documents (definitions + examples), one sentence a line."""
    from tfnlp.data.wordnet import wordnet_corpus

    with open(wordnet_corpus(), encoding="utf-8") as f:
        docs = f.read().split("\n\n")
    out = tmp_path_factory.mktemp("gpt2_corpus") / "corpus.txt"
    out.write_text("\n\n".join(d.strip() for d in docs[::40][:250]) + "\n", encoding="utf-8")
    return str(out)


@pytest.fixture(scope="session")
def gpt2_bpe_folder(gpt2_corpus, tmp_path_factory):
    from tfnlp.text.bpe_learner import learn_bpe

    return learn_bpe(gpt2_corpus, str(tmp_path_factory.mktemp("gpt2_bpe")), vocab_size=400)


@pytest.fixture(scope="session")
def gpt2_tokenizer(gpt2_bpe_folder):
    from tfnlp.models.registry import get_family

    return get_family("gpt2").load_tokenizer(gpt2_bpe_folder, seq_length=32)


@pytest.fixture(scope="session")
def tiny_config():
    return {"num_layers": 2, "num_heads": 2, "hidden_dim": 32, "intermediate_dim": 64,
            "max_sequence_length": 64, "dropout": 0.0}


@pytest.fixture(scope="session")
def tiny_backbone(gpt2_tokenizer, tiny_config):
    import keras

    from tfnlp.models.registry import get_family

    keras.utils.set_random_seed(7)
    config = get_family("gpt2").resolve_config("gpt2_tiny", tiny_config)
    return get_family("gpt2").build_backbone(config, gpt2_tokenizer.vocab_size)
