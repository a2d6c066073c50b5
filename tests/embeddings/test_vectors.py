"""WordVectors: lookups, neighbours, analogies, word2vec/GloVe files, clear errors."""

import numpy as np
import pytest

from tfnlp.embeddings.vectors import WordVectors, load_vectors, parse_expression
from tfnlp.errors import TfnlpError


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    words = ["king", "man", "woman", "queen", "mañana", "x"]
    return WordVectors(words, rng.normal(size=(6, 7)).astype("float32"),
                       counts=[60, 50, 40, 30, 20, 10])


def test_real_glove_answers_king_man_woman(glove):
    assert len(glove) == 400000 and glove.dim == 50
    assert glove.analogy("man", "king", "woman", topn=1)[0][0] == "queen"
    neighbours = [w for w, _ in glove.most_similar("france", topn=5)]
    assert "france" not in neighbours and {"belgium", "spain"} & set(neighbours)
    assert glove.analogy("man", "king", "woman", topn=1, method="3cosmul")[0][0] == "queen"
    assert glove.similarity("cat", "dog") > glove.similarity("cat", "finance")


def test_gensim_gives_the_same_neighbours(glove):
    from gensim.models import KeyedVectors

    top = glove.restrict(20000)
    kv = KeyedVectors(50)
    kv.add_vectors(top.words, top.matrix)
    for query in (dict(positive=["king", "woman"], negative=["man"]),
                  dict(positive=["paris"], negative=[])):
        ours = top.most_similar(query["positive"], query["negative"], topn=10)
        theirs = kv.most_similar(positive=query["positive"], negative=query["negative"], topn=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
    ours = top.most_similar(["king", "woman"], ["man"], topn=5, method="3cosmul")
    theirs = kv.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=5)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-4)


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_files_round_trip_and_gensim_reads_them(small, tmp_path, binary):
    from gensim.models import KeyedVectors

    path = small.save_word2vec(str(tmp_path / "v.bin"), binary=binary)
    back = WordVectors.load(path)
    assert back.words == small.words
    np.testing.assert_allclose(back.matrix, small.matrix, rtol=0 if binary else 1e-5)
    kv = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert kv.index_to_key == small.words
    np.testing.assert_allclose(kv.vectors, small.matrix, rtol=1e-5)
    # and we read what gensim writes
    theirs = str(tmp_path / "gensim.out")
    kv.save_word2vec_format(theirs, binary=binary)
    again = WordVectors.load(theirs)
    assert again.words == small.words
    np.testing.assert_allclose(again.matrix, small.matrix, rtol=1e-5)
    assert load_vectors(theirs, max_words=2).words == ["king", "man"]


def test_glove_text_without_header(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_text("the 0.1 0.2 0.3\nof -1 0 2.5\n", encoding="utf-8")
    vectors = WordVectors.load(str(path))
    assert vectors.words == ["the", "of"] and vectors.dim == 3
    np.testing.assert_allclose(vectors.vector("of"), [-1, 0, 2.5])


def test_bad_files_and_queries(small, tmp_path):
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("2 3\nthe 0.1 0.2 0.3\nof 1 2\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match=r"ragged.txt:3: row has 2 values, expected 3"):
        WordVectors.load(str(ragged))
    header = tmp_path / "header.txt"
    header.write_text("5 2\na 1 2\n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="header says 5 words"):
        WordVectors.load(str(header))
    truncated = tmp_path / "cut.bin"
    small.save_word2vec(str(truncated), binary=True)
    truncated.write_bytes(truncated.read_bytes()[:-20])
    with pytest.raises(TfnlpError, match="truncated"):
        WordVectors.load(str(truncated), binary=True)
    with pytest.raises(TfnlpError, match="not found"):
        WordVectors.load(str(tmp_path / "none.txt"))
    with pytest.raises(TfnlpError, match="'prince' is not in the vocabulary"):
        small.analogy("man", "king", "prince")
    with pytest.raises(TfnlpError, match="white space"):
        WordVectors(["a b"], [[1.0]]).save_word2vec(str(tmp_path / "w.txt"))
    with pytest.raises(TfnlpError, match="does not match"):
        WordVectors(["a", "b"], [[1.0]])


def test_parse_expression():
    assert parse_expression("king - man + woman") == (["king", "woman"], ["man"])
    assert parse_expression("paris -france +italy") == (["paris", "italy"], ["france"])
    assert parse_expression("well-known") == (["well-known"], [])
    with pytest.raises(TfnlpError, match="no words"):
        parse_expression(" + ")
