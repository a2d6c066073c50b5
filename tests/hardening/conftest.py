"""Shared fixtures of the hardening tests: one tiny run, its export, one fine-tuning.

Everything is built once per session through the CLI's entry function
(`tfnlp.cli.main.main`), in this process; the cases then damage copies.
"""

import json
import os
import shutil

import pytest
from corpus_slices import write_wordnet_slice

from hardening_helpers import FINETUNE, SPECIALS, TINY
from tfnlp.cli.main import main


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """60 documents of the embedded WordNet corpus (real English)."""
    return write_wordnet_slice(tmp_path_factory.mktemp("h_corpus") / "corpus.txt", num_docs=60)


@pytest.fixture(scope="session")
def vocab(corpus, tmp_path_factory):
    """A WordPiece vocab.txt: the special tokens and the corpus's 300 commonest words."""
    import collections
    import re

    counts = collections.Counter(re.findall(r"\w+|[^\w\s]", corpus.read_text().lower()))
    path = tmp_path_factory.mktemp("h_vocab") / "vocab.txt"
    words = [w for w, _ in counts.most_common(300)]
    path.write_text("\n".join(SPECIALS + words) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def run_dir(corpus, vocab, tmp_path_factory):
    """A finished 2-step tiny BERT pretraining run."""
    path = tmp_path_factory.mktemp("h_run") / "run"
    rc = main(["tfnlp", "pretrain", f"--input={corpus}", f"--vocab={vocab}",
               f"--model_dir={path}", *TINY])
    assert rc == 0
    return path


@pytest.fixture(scope="session")
def export_dir(run_dir, tmp_path_factory):
    """`tfnlp export` of `run_dir` (encoder/ + preprocess/)."""
    path = tmp_path_factory.mktemp("h_export") / "hub"
    rc = main(["tfnlp", "export", f"--model_dir={run_dir}", f"--output={path}",
               "--seq_length=16"])
    assert rc == 0
    return path


@pytest.fixture(scope="session")
def train_file(tmp_path_factory):
    """A 16-example two-label classification JSONL file."""
    path = tmp_path_factory.mktemp("h_cls") / "train.jsonl"
    rows = [{"text": f"the {w} is a small animal", "label": "animal"}
            for w in ("dog", "cat", "horse", "bird", "fish", "cow", "goat", "pig")]
    rows += [{"text": f"the {w} is a tool of metal", "label": "tool"}
             for w in ("hammer", "saw", "knife", "drill", "axe", "file", "awl", "plane")]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path




@pytest.fixture(scope="session")
def finetune_out(run_dir, train_file, tmp_path_factory):
    """A one-epoch classification fine-tuning of `run_dir`."""
    path = tmp_path_factory.mktemp("h_ft") / "out"
    rc = main(["tfnlp", "finetune", f"--encoder={run_dir}", f"--train={train_file}",
               f"--output={path}", *FINETUNE])
    assert rc == 0
    return path


@pytest.fixture
def copy_of(tmp_path):
    """Returns a function copying a fixture folder into this test's tmp_path."""
    def copy(src, name=None):
        return shutil.copytree(src, tmp_path / (name or os.path.basename(src)))
    return copy


@pytest.fixture(scope="session")
def read_only_dir(tmp_path_factory):
    """A folder this process cannot write in (chmod 555; /sys when running as root)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        try:
            os.mkdir("/sys/tfnlp-write-probe")
        except OSError:
            return "/sys"
        pytest.skip("running as root with no read-only file system to write to")
    path = tmp_path_factory.mktemp("h_read_only")
    os.chmod(path, 0o555)
    return str(path)
