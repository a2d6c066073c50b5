"""Tests for tfnlp.text.corpus: BERT-format corpus reading and its errors."""

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.text.corpus import (expand_files, read_documents,
                               require_multi_sentence_documents)


def test_read_documents_blank_lines_split_documents(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("One.\nTwo.\n\n\nThree.\n  \nFour.\nFive.\n", encoding="utf-8")
    assert read_documents(str(p)) == [["One.", "Two."], ["Three."], ["Four.", "Five."]]


def test_documents_do_not_cross_files_and_lists_globs_commas(tmp_path):
    (tmp_path / "a1.txt").write_text("A one.\nA two.", encoding="utf-8")
    (tmp_path / "a2.txt").write_text("\ufeffB one.\n", encoding="utf-8")
    (tmp_path / "z.txt").write_text("Z.\n", encoding="utf-8")
    glob_docs = read_documents(str(tmp_path / "a*.txt"))
    assert glob_docs == [["A one.", "A two."], ["B one."]]
    comma = f"{tmp_path / 'z.txt'},{tmp_path / 'a1.txt'}"
    assert read_documents(comma) == [["Z."], ["A one.", "A two."]]
    assert read_documents([tmp_path / "z.txt", str(tmp_path / "a2.txt")]) == [["Z."], ["B one."]]
    assert expand_files([str(tmp_path / "a*.txt"), str(tmp_path / "a1.txt")]) == [
        str(tmp_path / "a1.txt"), str(tmp_path / "a2.txt")]


def test_missing_file_and_glob(tmp_path):
    with pytest.raises(TfnlpError, match="corpus file not found: .*nope.txt"):
        read_documents(str(tmp_path / "nope.txt"))
    with pytest.raises(TfnlpError, match="corpus glob matches no file: .*x\\*.txt"):
        read_documents(str(tmp_path / "x*.txt"))
    with pytest.raises(TfnlpError, match="corpus path is not a file"):
        read_documents(str(tmp_path))
    with pytest.raises(TfnlpError, match="no corpus files given"):
        read_documents(" , ")
    with pytest.raises(TfnlpError, match="got int"):
        read_documents(3)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("\n \n", encoding="utf-8")
    with pytest.raises(TfnlpError, match="empty.txt: the corpus file is empty"):
        read_documents(str(p))


def test_non_utf8_names_file_offset_and_line(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("first line\nsecond ".encode() + "café".encode("latin-1") + b"\n")
    with pytest.raises(TfnlpError, match=r"latin1.txt: not valid UTF-8 at byte offset 21 \(line 2\)"):
        read_documents(str(p))


def test_require_multi_sentence_documents():
    assert require_multi_sentence_documents([["a."], ["b.", "c."], ["d.", "e.", "f."]]) == 2
    with pytest.raises(TfnlpError, match="corpus.txt: next-sentence prediction needs documents "
                                         "with at least two sentences"):
        require_multi_sentence_documents([["a."], ["b."]], source="corpus.txt")
