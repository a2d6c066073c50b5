"""Kind 6: no command-line value runs code; artifacts hold no path of the writer's machine.

Run dirs (`config.json`, `results.json`, `keras/config.json`), exports and
`task.json` record names, relative paths and hashes; older run dirs and
outputs that recorded absolute paths still load. Output folders get the
user's normal permissions.
"""

import json
import os
import shutil
import sys

import pytest

from tfnlp.errors import TfnlpError


def test_pypi_name_is_found_without_running_it(capsys):
    from tfnlp.hf.folder import resolve_hf_folder

    had_this = "this" in sys.modules
    with pytest.raises(TfnlpError):
        resolve_hf_folder("pypi:this")
    assert "Beautiful is better than ugly" not in capsys.readouterr().out
    assert ("this" in sys.modules) == had_this


def _files_mentioning(folder, needle):
    hits = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                if needle.encode() in f.read():
                    hits.append(os.path.relpath(path, folder))
    return hits


def test_artifacts_hold_no_machine_path(run_dir, export_dir, finetune_out, tmp_path_factory):
    machine = str(tmp_path_factory.getbasetemp())  # every fixture was written under it
    for folder in (run_dir, export_dir, finetune_out):
        assert _files_mentioning(folder, machine) == [], folder
    config = json.loads((run_dir / "config.json").read_text())
    assert config["model_dir"] == "." and config["input"] == "corpus.txt"
    assert config["vocab"] == "vocab.txt" and len(config["tokenizer_sha256"]) == 64
    settings = json.loads((finetune_out / "task.json").read_text())["settings"]
    assert settings["encoder"] == "run" and settings["train"] == "train.jsonl"


def test_older_run_dir_with_absolute_paths_still_loads(run_dir, corpus, vocab, tmp_path):
    from tfnlp.pretraining.builder import load_run
    from tfnlp.pretraining.run_config import PretrainConfig

    old = shutil.copytree(run_dir, tmp_path / "moved_run")
    path = old / "config.json"
    config = json.loads(path.read_text())
    config.update(model_dir="/home/someone/runs/run", input=str(corpus), vocab=str(vocab))
    path.write_text(json.dumps(config))
    loaded = PretrainConfig.load(str(old))
    assert loaded.model_dir == str(old)
    again = PretrainConfig(**dict(loaded.to_dict(), input=str(corpus), vocab=str(vocab)))
    assert again.check_resumable(loaded) == []
    assert load_run(str(old)).step == 2


def test_older_task_json_with_absolute_paths_still_loads(finetune_out, tmp_path):
    from tfnlp.tasks.saved_task import load_saved_task

    old = shutil.copytree(finetune_out, tmp_path / "old_out")
    path = old / "task.json"
    info = json.loads(path.read_text())
    info["settings"].update(encoder="/home/someone/run", output="/home/someone/out")
    path.write_text(json.dumps(info))
    assert load_saved_task(str(old)).predict_texts(["the dog"])[0]


def test_outputs_have_normal_permissions(export_dir, finetune_out):
    umask = os.umask(0)
    os.umask(umask)
    for folder in (export_dir, export_dir / "encoder", export_dir / "encoder" / "variables",
                   finetune_out, finetune_out / "serving"):
        assert os.stat(folder).st_mode & 0o777 == 0o777 & ~umask, folder
