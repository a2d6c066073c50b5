"""`tfnlp finetune / evaluate / predict` end to end on sentence classification.

A tiny random-init encoder (2 layers, hidden 32) learns to tell sentences
about animals from sentences about food, and generalizes to held-out
sentences; the exported serving model then classifies raw strings in a
fresh process.
"""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tasks"))
import finetune_helpers as H  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tfnlp(capsys, *args):
    """Runs `tfnlp <args>` in-process; returns (exit code, stdout lines, stderr)."""
    from tfnlp.cli.main import main

    code = main(["tfnlp", *args])
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), err


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("cls")
    paths = H.write_encoders(str(root / "enc"))
    train, held = H.classification_split()
    paths["train"] = H.write_classification(str(root / "train.jsonl"), train)
    paths["eval"] = H.write_classification(str(root / "eval.jsonl"), held)
    paths["root"] = str(root)
    return paths


TRAIN_FLAGS = ["--task=classification", "--epochs=40", "--batch_size=8",
               "--learning_rate=3e-3", "--seq_length=32"]


@pytest.mark.slow
def test_finetune_evaluate_predict_and_serve(data, capsys):
    out = os.path.join(data["root"], "out")
    code, lines, err = tfnlp(capsys, "finetune", f"--encoder={data['hub']}",
                             f"--train={data['train']}", f"--eval={data['eval']}",
                             f"--output={out}", *TRAIN_FLAGS)
    assert code == 0, err
    assert "epoch 40/40" in err  # progress on stderr
    result = json.loads(lines[-1])
    assert result["accuracy"] >= 0.75 and result["examples"] == 8  # chance is 0.5
    info = json.load(open(os.path.join(out, "task.json")))
    assert info["task"] == "classification" and info["seq_length"] == 32
    assert info["task_meta"]["labels"] == ["animal", "food"] and info["lower_case"] is True
    assert info["family"] == "bert" and info["pooling"] == "pooled"
    assert os.path.isfile(os.path.join(out, info["tokenizer"], "vocab.txt"))

    code, lines, err = tfnlp(capsys, "evaluate", f"--model={out}", f"--data={data['eval']}")
    assert code == 0, err
    metrics = json.loads(lines[-1])
    assert metrics["accuracy"] == pytest.approx(result["accuracy"])
    assert set(metrics) >= {"accuracy", "macro_f1"}

    code, lines, err = tfnlp(capsys, "predict", f"--model={out}",
                             "--text=The old horse sleeps in the barn.",
                             "--text=We ate cheese and bread for lunch.")
    assert code == 0, err
    rows = [json.loads(line) for line in lines]
    assert [r["label"] for r in rows] == ["animal", "food"]
    assert sum(rows[0]["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)

    # The serving model takes raw strings, in a fresh process, without tfnlp.
    script = (
        "import json, sys, tensorflow as tf, tensorflow_text\n"
        "m = tf.saved_model.load(sys.argv[1])\n"
        "texts = tf.constant(['A fox hid in the forest.', 'The soup was hot.'])\n"
        "logits = m.signatures['serving_default'](text=texts)['logits']\n"
        "print(json.dumps(tf.argmax(logits, -1).numpy().tolist()))\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.run([sys.executable, "-c", script, os.path.join(out, "serving")],
                          capture_output=True, text=True, timeout=180, env=env, cwd="/")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [0, 1]


@pytest.mark.slow
def test_native_encoder_ulmfit_and_failed_run_keeps_earlier_output(data, capsys, monkeypatch):
    out = os.path.join(data["root"], "out_native")
    code, lines, err = tfnlp(capsys, "finetune", f"--encoder={data['model']}",
                             f"--train={data['train']}", f"--eval={data['eval']}",
                             f"--output={out}", "--schedule=ulmfit", *TRAIN_FLAGS)
    assert code == 0, err
    first = json.loads(lines[-1])
    assert first["accuracy"] >= 0.75
    before = open(os.path.join(out, "task.json")).read()

    from tfnlp.hub import serving

    def fail(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(serving, "save_serving_module", fail)
    code, _, err = tfnlp(capsys, "finetune", f"--encoder={data['model']}",
                         f"--train={data['train']}", f"--output={out}",
                         "--task=classification", "--epochs=1", "--seq_length=32")
    assert code == 2 and "interrupted" in err
    assert open(os.path.join(out, "task.json")).read() == before
    leftovers = [n for n in os.listdir(data["root"]) if n.startswith(".out_native")]
    assert leftovers == []


def test_user_errors(data, capsys, tmp_path):
    def error(*args):
        code, _, err = tfnlp(capsys, "finetune", *args)
        assert code == 2
        return err

    base = [f"--encoder={data['model']}", "--task=classification",
            f"--train={data['train']}", f"--output={tmp_path / 'o'}", "--seq_length=32"]
    unseen = tmp_path / "unseen.jsonl"
    unseen.write_text(json.dumps({"text": "A red car.", "label": "vehicle"}) + "\n")
    assert "do not occur in the training labels" in error(*base, f"--eval={unseen}")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "label": "a"}\n{"text": broken\n')
    assert "bad.jsonl:2" in error(f"--encoder={data['model']}", "--task=classification",
                                  f"--train={bad}", f"--output={tmp_path / 'o'}",
                                  "--seq_length=32")
    assert "64 learned positions" in error(*base, "--seq_length=128")
    assert "ulmfit" in error(*base, "--mode=feature", "--schedule=ulmfit")
    assert "--unfreeze_every='soon'" in error(*base, "--schedule=ulmfit", "--unfreeze_every=soon")
    assert "flag --lr_factor=0.0: must be in (0, inf)" in error(*base, "--schedule=ulmfit", "--lr_factor=0")
    keep = tmp_path / "keep"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    assert "refusing to replace" in error(*base[:3], f"--output={keep}", "--seq_length=32")
    assert "missing --train" in error(f"--encoder={data['model']}", "--task=ner",
                                      f"--output={tmp_path / 'o'}")
    code, _, err = tfnlp(capsys, "evaluate", f"--model={tmp_path}", f"--data={data['eval']}")
    assert code == 2 and "no task.json" in err
