"""Tests for tfnlp.data.wordnet: parsing, the corpus, the lexname task."""

import json
import os

import pytest

from tfnlp.data import wordnet
from tfnlp.io import read_jsonl
from tfnlp.errors import TfnlpError
from tfnlp.text.corpus import read_documents


def test_parse_data_line_fields():
    line = ("01035217 32 v 03 browbeat 0 bully 0 swagger 1 002 @ 00768796 v 0000 "
            "+ 09879297 n 0201 02 + 09 00 + 30 00 | discourage or frighten with "
            "threats or a domineering manner; intimidate  \n")
    s = wordnet.parse_data_line(line)
    assert s["lexname"] == "verb.communication" and s["pos"] == "v"
    assert s["words"] == ["browbeat", "bully", "swagger"]
    assert s["definition"] == "discourage or frighten with threats or a domineering manner; intimidate"
    assert s["examples"] == []
    adj = wordnet.parse_data_line(
        '00001740 00 a 02 able(a) 0 capable_of 0 000 | (usually followed by `to\') having '
        'the necessary means; "able to swim"; "she was able to program her computer"  \n')
    assert adj["words"] == ["able", "capable of"] and adj["lexname"] == "adj.all"
    assert adj["examples"] == ["able to swim", "she was able to program her computer"]
    assert adj["definition"] == "(usually followed by `to') having the necessary means"
    with pytest.raises(TfnlpError, match="not a WordNet data line"):
        wordnet.parse_data_line("garbage line | gloss")
    assert len(wordnet.WORDNET_LEXNAMES) == 45


def test_missing_wordnet_says_how_to_install(tmp_path):
    with pytest.raises(TfnlpError, match="apt-get install -y wordnet-base"):
        wordnet.wordnet_corpus(cache_dir=str(tmp_path), wordnet_path=str(tmp_path))
    with pytest.raises(TfnlpError, match="data.noun, data.verb, data.adj, data.adv not found"):
        wordnet.wordnet_gloss_classification(cache_dir=str(tmp_path), wordnet_path=str(tmp_path))


def test_all_synsets_parse():
    synsets = list(wordnet.iter_synsets())
    assert len(synsets) == 117659  # WordNet 3.0
    assert {s["lexname"] for s in synsets} == set(wordnet.WORDNET_LEXNAMES)
    assert sum(len(s["examples"]) for s in synsets) > 40000
    assert all(s["definition"] or s["examples"] for s in synsets)


def test_corpus_is_bert_format_real_english(tmp_path):
    path = wordnet.wordnet_corpus(cache_dir=str(tmp_path))
    assert os.path.getsize(path) > 8_000_000
    assert wordnet.wordnet_corpus(cache_dir=str(tmp_path)) == path  # cached
    assert [p for p in os.listdir(tmp_path) if p.startswith(".tmp")] == []
    docs = read_documents(path)
    assert 4000 < len(docs) < 12000
    assert sum(len(d) for d in docs) > 150000
    assert docs[0][0].startswith("entity: that which is perceived")
    assert any(line.startswith("dog, domestic dog, Canis familiaris: a member of the genus Canis")
               for d in docs for line in d)
    assert sum(1 for d in docs if len(d) >= 2) > 0.95 * len(docs)


def test_gloss_classification_splits(tmp_path):
    paths = wordnet.wordnet_gloss_classification(cache_dir=str(tmp_path))
    sizes, labels = {}, {}
    for split, p in paths.items():
        rows = [record for _, record in read_jsonl(p)]
        texts, labs = [r["text"] for r in rows], [r["label"] for r in rows]
        sizes[split], labels[split] = len(texts), set(labs)
        assert all(t.strip() for t in texts)
    total = sum(sizes.values())
    assert total == 117659
    assert 0.08 < sizes["test"] / total < 0.12 and 0.08 < sizes["eval"] / total < 0.12
    assert labels["train"] == set(wordnet.WORDNET_LEXNAMES)
    with open(paths["train"], encoding="utf-8") as f:
        row = json.loads(f.readline())
    assert set(row) == {"text", "label"}
    # Deterministic: a second build (fresh folder) writes identical files.
    again = wordnet.wordnet_gloss_classification(cache_dir=str(tmp_path / "again"), split="test")
    assert open(again, encoding="utf-8").read() == open(paths["test"], encoding="utf-8").read()
    with pytest.raises(TfnlpError, match="split must be one of"):
        wordnet.wordnet_gloss_classification(cache_dir=str(tmp_path), split="dev")
    with pytest.raises(TfnlpError, match="eval_percent=60 and test_percent=50"):
        wordnet.wordnet_gloss_classification(cache_dir=str(tmp_path), eval_percent=60,
                                             test_percent=50)


def test_licence_file_is_shipped():
    text = open(os.path.join(os.path.dirname(wordnet.__file__), "WORDNET_LICENSE"),
                encoding="utf-8").read()
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in text
