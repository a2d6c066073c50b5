"""End-to-end `tfnlp vocab` -> `pretrain` -> resume -> kill -9 -> resume -> `export`, in fresh processes."""

import glob
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cli_helpers import ENV, last_json, tfnlp

TINY = ["--preset=custom", "--num_layers=2", "--hidden_dim=32", "--num_heads=2",
        "--seq_length=32", "--batch_size=8", "--heldout_percent=10",
        "--eval_batches=5", "--log_every=5"]


def _listed_checkpoints(ckpt_dir):
    state = os.path.join(ckpt_dir, "checkpoint")
    if not os.path.isfile(state):
        return []
    with open(state) as f:
        return [line.split('"')[1] for line in f if line.startswith("all_model_checkpoint_paths")]


@pytest.mark.slow
def test_vocab_pretrain_resume_kill_export(small_corpus, tmp_path):
    vocab = str(tmp_path / "vocab.txt")
    out = last_json(tfnlp("vocab", f"--input={small_corpus}", "--vocab_size=500",
                          f"--output={vocab}")[1])
    assert out["vocab"] == vocab and 300 < out["vocab_size"] <= 500
    run = str(tmp_path / "run")
    args = ["pretrain", f"--input={small_corpus}", f"--vocab={vocab}",
            f"--model_dir={run}", "--checkpoint_every=10", *TINY]

    # 1. A fresh run of 30 steps.
    _, stdout, stderr = tfnlp(*args, "--steps=30")
    result = last_json(stdout)
    assert result["step"] == 30 and result["resumed_from_step"] == 0
    for key in ("loss", "mlm_accuracy", "nsp_accuracy", "heldout_mlm_accuracy",
                "unigram_baseline_accuracy", "steps_per_second"):
        assert isinstance(result[key], float), key
    assert "step 30/30" in stderr
    assert glob.glob(os.path.join(run, "logs", "train", "events.out.tfevents.*"))
    assert glob.glob(os.path.join(run, "logs", "eval", "events.out.tfevents.*"))
    with open(vocab) as a, open(os.path.join(run, "tokenizer", "vocab.txt")) as b:
        assert a.read() == b.read()
    with open(os.path.join(run, "config.json")) as f:
        saved = json.load(f)
    assert saved["family"] == "bert" and len(saved["tokenizer_sha256"]) == 64
    assert os.path.isfile(os.path.join(run, "keras", "backbone.weights.h5"))
    assert _listed_checkpoints(os.path.join(run, "checkpoints")) == [
        "ckpt-10", "ckpt-20", "ckpt-30"]

    # 2. Rerun with more steps, killed with SIGKILL while training (it
    # checkpoints every step, so the kill often lands in or near a save).
    proc = subprocess.Popen(
        [sys.executable, "-m", "tfnlp.cli.main", *args, "--steps=100000",
         "--checkpoint_every=1", "--nojit_compile"],  # no XLA compile before the kill
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    ckpt_dir = os.path.join(run, "checkpoints")
    deadline = time.time() + 300
    try:
        while time.time() < deadline:
            listed = _listed_checkpoints(ckpt_dir)
            if listed and int(listed[-1].split("-")[1]) >= 36:
                break
            assert proc.poll() is None, "training exited early"
            time.sleep(0.05)
        else:
            pytest.fail("no checkpoint after step 35 within 300 s")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    listed = _listed_checkpoints(ckpt_dir)
    killed_at = int(listed[-1].split("-")[1])
    assert killed_at >= 36
    import tensorflow as tf

    # The newest checkpoint the state file names is complete and loadable. An
    # older one may already be pruned, or be mid-prune if the kill landed
    # there (TF records the new state, deletes the old index, then its data,
    # then records again): one whose index is still there loads.
    reader = tf.train.load_checkpoint(os.path.join(ckpt_dir, listed[-1]))
    assert reader.has_tensor("optimizer/variables_by_key/iteration/.ATTRIBUTES/VARIABLE_VALUE")
    for name in listed[:-1]:
        if os.path.isfile(os.path.join(ckpt_dir, name + ".index")):
            tf.train.load_checkpoint(os.path.join(ckpt_dir, name))

    # 3. Rerun: resumes from the last complete checkpoint, at its step.
    _, stdout, stderr = tfnlp(*args, f"--steps={killed_at + 5}", "--checkpoint_every=5")
    result = last_json(stdout)
    assert (result["resumed_from_step"], result["step"]) == (killed_at, killed_at + 5)
    assert f"resuming from {ckpt_dir}/ckpt-{killed_at} at step {killed_at}" in stderr
    assert not glob.glob(os.path.join(ckpt_dir, "*_temp*"))

    # 4. Export the run as TF-Hub modules, with the MLM head.
    hub = str(tmp_path / "hub")
    out = last_json(tfnlp("export", f"--model_dir={run}", f"--output={hub}",
                          "--with_mlm", "--seq_length=32")[1])
    assert out["step"] == killed_at + 5
    assert os.path.isfile(os.path.join(hub, "encoder", "saved_model.pb"))
    assert os.path.isfile(os.path.join(hub, "preprocess", "saved_model.pb"))


def test_help_lists_commands_and_flags():
    rc, stdout, _ = tfnlp("--help")
    assert rc == 0 and "pretrain" in stdout and "vocab" in stdout and "export" in stdout
    rc, stdout, _ = tfnlp("pretrain", "--help")
    assert rc == 0
    for flag in ("--input", "--vocab", "--preset", "--objective", "--seq_length",
                 "--batch_size", "--steps", "--model_dir", "--optimizer",
                 "--learning_rate", "--warmup_steps", "--checkpoint_every",
                 "--strategy", "whole_word_masking", "--max_predictions_per_seq",
                 "--family", "--model_config", "--objective_options"):
        assert flag in stdout, flag
