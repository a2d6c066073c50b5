"""ELECTRA through the shared trainer (`tfnlp.pretraining.pretrain`): a run,
its metrics, its checkpoint (generator and discriminator) and its model dir."""

import json
import numpy as np
import pytest
import tensorflow as tf

MODEL_CONFIG = {"num_layers": 2, "hidden_dim": 64, "embedding_dim": 32, "num_heads": 2,
                "dropout": 0.1}


def _config(model_dir, vocab_file, corpus):
    from tfnlp.pretraining.run_config import PretrainConfig

    return PretrainConfig(
        model_dir=str(model_dir), vocab=vocab_file, input=corpus, family="electra",
        objective="rtd", model_config=json.dumps(MODEL_CONFIG),
        objective_options=json.dumps({"generator_hidden_ratio": 0.5}), steps=4,
        checkpoint_every=2, log_every=2, batch_size=8, seq_length=16, eval_batches=2,
        heldout_percent=10.0, learning_rate=1e-3, warmup_steps=1)


def _values(path):
    reader = tf.train.load_checkpoint(path)
    return {name: reader.get_tensor(name) for name, _ in tf.train.list_variables(path)
            if name.startswith(("model/", "optimizer/"))}


@pytest.mark.slow
def test_pretrain_checkpoints_and_exports_a_model_dir(vocab_file, corpus, tmp_path):
    from tfnlp.models.model_dir import load_model_dir
    from tfnlp.pretraining.trainer import pretrain

    run = tmp_path / "run"
    result = pretrain(_config(run, vocab_file, corpus), log=lambda line: None)
    assert result["step"] == 4 and result["family"] == "electra"
    for name in ("rtd_auc", "rtd_baseline_accuracy", "replaced_fraction",
                 "heldout_rtd_accuracy", "rtd_baseline_accuracy"):
        assert name in result, name
    full = _values(str(run / "checkpoints" / "ckpt-4"))
    assert any("generator_layer_0" in k for k in full)

    # The exact resume after a kill (generator, discriminator, optimizer and
    # the step-seeded sampler) is checked for ELECTRA by the family harness
    # (tests/families) and by test_electra_pretrainer.py.

    native = load_model_dir(str(run / "keras"), seq_length=16)
    assert native.family.name == "electra" and native.backbone.embedding_dim == 32
    pretrainer = native.build_pretrainer()
    x = native.tokenizer(np.array(["the cat sees a tree ."]))
    assert tuple(pretrainer.rtd_logits(x).shape) == (1, 16)
