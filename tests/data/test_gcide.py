"""GCIDE corpus: markup stripping, entry grouping, caching, clear errors."""

import gzip
import os

import pytest

from tfnlp.data import gcide
from tfnlp.errors import TfnlpError

SAMPLE = """00-database-url
   ftp://ftp.gnu.org/gnu/gcide

00-database-info
   This file was converted from the original database.
The original data was distributed with the notice shown below.

Abuse \\A*buse"\\, n. [F. abus, L. abusus, fr. abuti. See {Abuse},
   v. t.]
   1. Improper treatment or use; application to a wrong or bad
      purpose; misuse. [Obs.]
      [1913 Webster]

            Liberty may be endangered by the abuses of liberty.
                                                  --Madison.
      [1913 Webster]

   2. Physical ill treatment; injury. "Rejoice at the
      abuse of Falstaff." --Shak.
      [1913 Webster]

   Syn: Invective; contumely; reproach.

Abutilon \\A*bu"ti*lon\\, n. [Ar. aub[=u]t[imac]l[=u]n.] (Bot.)
   A genus of malvaceous plants found in the torrid zones; -- called also
   {Indian mallow}. A caf[eacute] plant.
   [1913 Webster]
"""


@pytest.fixture(scope="module")
def sample_dict(tmp_path_factory):
    path = tmp_path_factory.mktemp("gcide") / "gcide.dict.dz"
    with gzip.open(path, "wb") as f:
        f.write(SAMPLE.encode("utf-8") + b"   caf\x92s\n")  # one Windows-1252 line
    return str(path)


def test_corpus_strips_markup_and_separates_entries(sample_dict, tmp_path):
    path = gcide.gcide_corpus(cache_dir=str(tmp_path), source=sample_dict)
    text = open(path, encoding="utf-8").read()
    entries = text.strip().split("\n\n")
    assert entries[0].splitlines() == [
        "Abuse: Improper treatment or use; application to a wrong or bad purpose; misuse.",
        "Liberty may be endangered by the abuses of liberty.",
        'Physical ill treatment; injury. "Rejoice at the abuse of Falstaff."',
        "Invective; contumely; reproach.",
    ]
    assert entries[1].splitlines()[0] == (
        "Abutilon: A genus of malvaceous plants found in the torrid zones; -- called "
        "also Indian mallow. A cafe plant. caf\u2019s")
    for mark in ("[", "]", "{", "\\", "--Shak", "database", "original data"):
        assert mark not in text
    # cached: a second call returns the same file without rewriting it
    mtime = os.stat(path).st_mtime_ns
    assert gcide.gcide_corpus(cache_dir=str(tmp_path), source=sample_dict) == path
    assert os.stat(path).st_mtime_ns == mtime


def test_missing_dictionary_names_the_install_command(tmp_path):
    with pytest.raises(TfnlpError, match="dict-gcide"):
        gcide.gcide_corpus(cache_dir=str(tmp_path), source=str(tmp_path / "nope.dict.dz"))


def test_not_a_dictionary(tmp_path):
    bad = tmp_path / "bad.dict.dz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(TfnlpError, match="cannot read"):
        gcide.gcide_corpus(cache_dir=str(tmp_path), source=str(bad))
    empty = tmp_path / "empty.dict.dz"
    with gzip.open(empty, "wb") as f:
        f.write(b"00-database-url\n   x\n")
    with pytest.raises(TfnlpError, match="no dictionary entries"):
        gcide.gcide_corpus(cache_dir=str(tmp_path), source=str(empty))


@pytest.mark.skipif(not os.path.isfile(gcide.GCIDE_DICT), reason="dict-gcide not installed")
def test_real_dictionary_head(tmp_path):
    # the first 30,000 lines of the real dictionary, streamed the same way
    head = tmp_path / "head.dict.dz"
    with gzip.open(gcide.GCIDE_DICT, "rb") as src, gzip.open(head, "wb") as dst:
        for number, line in enumerate(src):
            if number >= 30000:
                break
            dst.write(line)
    stats = gcide.write_corpus(str(head), str(tmp_path / "corpus.txt"))
    assert stats["entries"] > 1000 and stats["words"] > 50000
    lines = open(tmp_path / "corpus.txt", encoding="utf-8").read().splitlines()
    assert lines[0].startswith("0: ")
    assert any(line.startswith("Abuse: To put to a wrong use") for line in lines)
    assert not any("[1913 Webster]" in line or "\\" in line for line in lines)
