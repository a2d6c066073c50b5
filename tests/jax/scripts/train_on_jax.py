"""Pretrains and fine-tunes a tiny BERT under KERAS_BACKEND=jax; run by tests/jax.

Usage: python train_on_jax.py OUT CORPUS VOCAB TASK_DIR

- pretrains with MLM through `tfnlp.pretraining.portable.pretrain_portable`
  (the objective's tf.data pipeline feeding `fit` on JAX) into `OUT/run`;
- reloads `OUT/run/keras` and records the pretrainer's outputs on one
  held-out batch (`OUT/pretrain_io.npz`);
- fine-tunes a WordNet lexname classifier (`build_task_model`) on the
  pretrained backbone with `fit`, evaluating before and after, and saves
  its weights (`OUT/classifier.weights.h5`) and its logits on the eval
  rows (`OUT/classifier_io.npz`);
- checks that the TensorFlow trainer's checkpoints refuse JAX with one
  clear error;
- writes every number to `OUT/results.json`.

The parent test asserts on them and loads the weights into the TensorFlow
backend's model.
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import keras  # noqa: E402
import numpy as np  # noqa: E402

SEQ = 64
ARCH = dict(num_layers=2, hidden_dim=64, num_heads=2, intermediate_dim=128,
            max_sequence_length=SEQ)


def pretrain(out, corpus, vocab):
    from tfnlp.pretraining import PretrainConfig
    from tfnlp.pretraining.portable import pretrain_portable

    config = PretrainConfig(model_dir=os.path.join(out, "run"), vocab=vocab, input=corpus,
                            steps=40, objective="mlm", seq_length=SEQ, batch_size=16,
                            learning_rate=2e-3, warmup_steps=4, log_every=10,
                            heldout_percent=5.0, eval_batches=2, seed=0, **ARCH)
    return config, pretrain_portable(config, log=lambda line: print(line, flush=True))


def record_pretrainer(out, config, keras_dir):
    """The reloaded pretrainer's MLM logits on a held-out batch."""
    from tfnlp.models.model_dir import load_model_dir
    from tfnlp.pretraining.trainer import build_datasets

    native = load_model_dir(keras_dir, seq_length=SEQ)
    pretrainer = native.build_pretrainer()
    _, heldout = build_datasets(config, config.input, native.tokenizer)
    x, _, _ = config.objective_object().split_features(next(iter(heldout)))
    x = {k: np.asarray(v) for k, v in x.items()}
    outputs = pretrainer.predict(x, verbose=0)
    sequence = native.backbone.predict({k: x[k] for k in ("token_ids", "segment_ids",
                                                          "padding_mask")}, verbose=0)
    np.savez(os.path.join(out, "pretrain_io.npz"), mlm=outputs["mlm"],
             sequence_output=sequence["sequence_output"], **x)


def finetune(out, keras_dir, task_dir):
    from tfnlp.optimizers import create_optimizer
    from tfnlp.tasks.encoder_source import input_specs, resolve_encoder
    from tfnlp.tasks.models import build_task_model
    from tfnlp.tasks.task_registry import make_task

    keras.utils.set_random_seed(0)
    source = resolve_encoder(keras_dir)
    task = make_task("classification", source.tokenizer, SEQ)
    train = task.read_train(os.path.join(task_dir, "train.jsonl"))
    held = task.read_eval(os.path.join(task_dir, "eval.jsonl"))
    model = build_task_model("classification", source, num_labels=task.num_labels)
    epochs, batch = 3, 32
    steps = epochs * -(-train.size // batch)
    model.compile(optimizer=create_optimizer("adamw", 2e-3, total_steps=steps,
                                             warmup_steps=2),
                  loss=task.losses(), metrics={"logits": ["accuracy"]})
    names = list(input_specs(model))
    before = model.evaluate(held.dataset(batch, names=names), verbose=0, return_dict=True)
    history = model.fit(train.dataset(batch, shuffle=True, seed=0, names=names),
                        epochs=epochs, verbose=0).history
    after = model.evaluate(held.dataset(batch, names=names), verbose=0, return_dict=True)
    model.save_weights(os.path.join(out, "classifier.weights.h5"))
    x = held.inputs(names)
    np.savez(os.path.join(out, "classifier_io.npz"),
             logits=model.predict(x, verbose=0)["logits"], **x)
    return {"num_labels": task.num_labels, "train_rows": train.size, "steps": steps,
            "train_loss": [float(v) for v in history["loss"]],
            "eval_before": {k: float(v) for k, v in before.items()},
            "eval_after": {k: float(v) for k, v in after.items()}}


def tf_trainer_refusal(run_dir):
    """The one-line error of the TensorFlow trainer's checkpoints on JAX."""
    from tfnlp.errors import TfnlpError
    from tfnlp.models.model_dir import load_model_dir
    from tfnlp.pretraining.checkpointing import TrainingCheckpoint

    backbone = load_model_dir(os.path.join(run_dir, "keras")).backbone
    try:
        TrainingCheckpoint(os.path.join(run_dir, "checkpoints"), backbone)
    except TfnlpError as error:
        return str(error)
    return None


def main(out, corpus, vocab, task_dir):
    config, result = pretrain(out, corpus, vocab)
    result["tf_trainer_error"] = tf_trainer_refusal(config.model_dir)
    record_pretrainer(out, config, result["keras_model_dir"])
    result["finetune"] = finetune(out, result["keras_model_dir"], task_dir)
    result["keras_backend"] = keras.backend.backend()
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main(*sys.argv[1:5])
