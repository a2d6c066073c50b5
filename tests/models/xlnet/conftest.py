"""Shared XLNet fixtures: a WordNet corpus and an XLNet spiece.model learnt on it."""

import pytest

NUMBER_LINES = [
    "items 1, 2, 3, and 4, 5, 6, were counted in 1990, 1991, and 2001, again.",
    "pages 10, 20, 30, 40, and 50, of volumes 7, 8, and 9, were read.",
]


@pytest.fixture(scope="session")
def xlnet_corpus(tmp_path_factory):
    """~1,500 real English lines (WordNet noun glosses and examples), a few
    number lists (so pieces like "▁1," are learnt) and accented text, as a
    BERT-format corpus (documents of 8 lines)."""
    from tfnlp.data import wordnet

    lines = []
    for i, synset in enumerate(wordnet.iter_synsets(pos_files=("noun",))):
        if i % 50 == 0:
            lines.append(synset["definition"])
            lines.extend(synset["examples"][:1])
        if len(lines) >= 1500:
            break
    lines[::50] = [NUMBER_LINES[k % 2] for k in range(len(lines[::50]))]
    lines[5::97] = ["Café déjà vu in Zürich, ``quoted'' text." for _ in lines[5::97]]
    out = []
    for k, line in enumerate(lines):
        out.append(line)
        if k % 8 == 7:
            out.append("")
    path = tmp_path_factory.mktemp("xlnet_corpus") / "corpus.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def xlnet_spiece(tmp_path_factory, xlnet_corpus):
    """An XLNet spiece.model (cased, 320 pieces) learnt with the family's learner."""
    from tfnlp.models.xlnet.tokenizer import learn_xlnet_sentencepiece

    folder = tmp_path_factory.mktemp("xlnet_spiece")
    return learn_xlnet_sentencepiece(xlnet_corpus, str(folder), vocab_size=320)


@pytest.fixture(scope="session")
def xlnet_tokenizer(xlnet_spiece):
    from tfnlp.models.xlnet.tokenizer import XLNetTokenizer

    return XLNetTokenizer(xlnet_spiece, seq_length=32)
