"""Shared fixtures: the ELECTRA tests' corpus and vocab, a small BERT teacher."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "electra"))
from corpus_helpers import vocab_tokens, write_corpus  # noqa: E402


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus") / "corpus.txt")


@pytest.fixture(scope="session")
def vocab_file(tmp_path_factory):
    from tfnlp.text.vocab import write_vocab

    return write_vocab(vocab_tokens(), tmp_path_factory.mktemp("vocab") / "vocab.txt")


@pytest.fixture(scope="session")
def teacher_dir(vocab_file, tmp_path_factory):
    """A 4-layer BERT teacher with an MLM head, saved as a tfnlp model dir."""
    import keras

    from tfnlp.models.bert.backbone import BertEncoder
    from tfnlp.models.bert.pretrainer import BertPretrainer
    from tfnlp.models.model_dir import save_model_dir
    from tfnlp.models.registry import get_family

    tokenizer = get_family("bert").load_tokenizer(vocab_file, seq_length=16)
    keras.utils.set_random_seed(3)
    encoder = BertEncoder(vocabulary_size=tokenizer.vocab_size, num_layers=4, num_heads=2,
                          hidden_dim=32, dropout=0.0)
    pretrainer = BertPretrainer(encoder, use_nsp=False)
    return save_model_dir(str(tmp_path_factory.mktemp("teacher") / "keras"), "bert",
                          encoder, tokenizer, pretrainer=pretrainer, objective="mlm")
