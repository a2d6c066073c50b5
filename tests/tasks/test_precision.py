"""`--dtype`: a mixed_bfloat16 pretrain exports float32 modules; so does a mixed finetune.

One tiny BERT (2 layers, hidden 32) pretrained a few steps with
mixed_bfloat16, exported, reloaded; then fine-tuned a few steps with
mixed_bfloat16 from its keras/ model dir; a bfloat16 rebuild of an encoder
is checked against its float32 original. In-process, real computation.
(A pure-bfloat16 AdamW run reaches NaN after its first update: Keras takes
Adam's `beta ** step` in the variable dtype, where 0.999 rounds to 1.)
"""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from finetune_helpers import (ANIMAL, FOOD, classification_split, write_classification,
                              write_vocab)
from tfnlp.errors import TfnlpError
from tfnlp.precision import DTYPES, backbone_with_dtype, check_dtype, dtype_policy_scope


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    from tfnlp.cli.export_command import export_run
    from tfnlp.pretraining.run_config import PretrainConfig
    from tfnlp.pretraining.trainer import pretrain

    root = tmp_path_factory.mktemp("precision")
    vocab = write_vocab(str(root / "vocab.txt"))
    corpus = root / "corpus.txt"
    docs = [ANIMAL[i:i + 4] for i in range(0, 16, 4)] + [FOOD[i:i + 4] for i in range(0, 16, 4)]
    corpus.write_text("\n\n".join("\n".join(d) for d in docs) + "\n", encoding="utf-8")
    run = str(root / "run")
    config = PretrainConfig(
        model_dir=run, input=str(corpus), vocab=vocab, preset="custom", num_layers=2,
        hidden_dim=32, num_heads=2, intermediate_dim=64, seq_length=16, batch_size=4,
        steps=3, checkpoint_every=3, log_every=1, heldout_percent=20, eval_batches=1,
        objective="mlm", dtype="mixed_bfloat16")
    result = pretrain(config)
    hub = export_run(run, str(root / "hub"))
    return {"root": root, "run": run, "result": result, "hub": hub}


def test_mixed_pretrain_records_dtype_and_exports_float32(mixed_run):
    import keras

    assert keras.config.dtype_policy().name == "float32"  # the scope was undone
    assert np.isfinite(mixed_run["result"]["loss"])
    with open(os.path.join(mixed_run["run"], "config.json")) as f:
        assert json.load(f)["dtype"] == "mixed_bfloat16"
    encoder = tf.saved_model.load(mixed_run["hub"]["encoder"])
    signature = encoder.signatures["serving_default"]
    for spec in signature.structured_input_signature[1].values():
        assert spec.dtype == tf.int32
    ids = tf.constant([[2, 7, 8, 3, 0, 0]], tf.int32)
    out = signature(input_word_ids=ids, input_mask=tf.cast(ids > 0, tf.int32),
                    input_type_ids=tf.zeros_like(ids))
    assert out and all(v.dtype == tf.float32 for v in out.values())
    assert all(np.isfinite(v.numpy()).all() for v in out.values())
    call_out = encoder({"input_word_ids": ids, "input_mask": tf.cast(ids > 0, tf.int32),
                        "input_type_ids": tf.zeros_like(ids)}, training=False)
    assert call_out["pooled_output"].dtype == tf.float32


def test_resume_keeps_the_recorded_dtype(mixed_run):
    from tfnlp.pretraining.run_config import PretrainConfig

    saved = PretrainConfig.load(mixed_run["run"])
    assert saved.dtype == "mixed_bfloat16"
    changed = PretrainConfig.from_dict(dict(saved.to_dict(), dtype="float32"))
    with pytest.raises(TfnlpError, match="dtype: saved 'mixed_bfloat16', now 'float32'"):
        changed.check_resumable(saved)


def test_mixed_finetune_serves_float32(mixed_run):
    from tfnlp.tasks.runner import FinetuneConfig, finetune
    from tfnlp.tasks.saved_task import load_saved_task

    root = mixed_run["root"]
    train_rows, eval_rows = classification_split()
    train = write_classification(str(root / "train.jsonl"), train_rows)
    dev = write_classification(str(root / "dev.jsonl"), eval_rows)
    result = finetune(FinetuneConfig(
        encoder=os.path.join(mixed_run["run"], "keras"), task="classification",
        train=train, eval=dev, output=str(root / "out"), epochs=1, batch_size=8,
        seq_length=16, dtype="mixed_bfloat16", verbose=False))
    assert np.isfinite(result["train_loss"])
    with open(os.path.join(result["output"], "task.json")) as f:
        assert json.load(f)["settings"]["dtype"] == "mixed_bfloat16"
    serving = tf.saved_model.load(os.path.join(result["output"], "serving"))
    out = serving.signatures["serving_default"](text=tf.constant(["The dog barked."]))
    assert out["logits"].dtype == tf.float32 and np.isfinite(out["logits"].numpy()).all()
    predictions = load_saved_task(result["output"]).predict_texts(["The cat ran."])
    assert predictions[0]["label"] in ("animal", "food")


def test_policy_helpers():
    import keras

    assert check_dtype("bfloat16") == "bfloat16"
    with pytest.raises(TfnlpError, match="unknown --dtype='float16'"):
        check_dtype("float16")
    from finetune_helpers import tiny_encoder

    encoder = tiny_encoder(40)
    with dtype_policy_scope("bfloat16"):
        assert keras.config.dtype_policy().name == "bfloat16"
    rebuilt = backbone_with_dtype(encoder, "bfloat16")
    assert rebuilt.dtype_policy.name == "bfloat16"
    assert rebuilt.weights[0].dtype == "bfloat16"
    assert backbone_with_dtype(encoder, "float32") is encoder
    ids = np.array([[2, 5, 6, 3, 0]], "int32")
    inputs = {"token_ids": ids, "segment_ids": ids * 0, "padding_mask": (ids > 0) * 1}
    np.testing.assert_allclose(
        np.asarray(keras.ops.cast(rebuilt(inputs)["pooled_output"], "float32")),
        np.asarray(encoder(inputs)["pooled_output"]), atol=0.05)
    assert set(DTYPES) == {"float32", "bfloat16", "mixed_bfloat16"}
