"""`pretrain_portable(config)`: pretraining with plain `model.fit`, on any Keras backend.

`tfnlp.pretraining.pretrain` is TensorFlow's trainer: its checkpoints
(`tf.train.CheckpointManager`), TensorBoard events and distribution
strategies need `KERAS_BACKEND=tensorflow`. This is the same run without
them, so it also works under `KERAS_BACKEND=jax`: the same family model
code (`build_pretrainer`), the same `tf.data` pipeline of the objective
(Keras 3 feeds a `tf.data.Dataset` to every backend), `fit` for
`config.steps` steps (jit-compiled), the objective's held-out metrics
beside its baseline, and the same outputs in `config.model_dir`:
`config.json`, `tokenizer/`, `keras/` (a tfnlp model dir, weights in
`.weights.h5`, which any backend reads) and `results.json`. A TensorFlow
process fine-tunes `keras/` (`tfnlp finetune --encoder=RUN/keras`).

What it does not do: resume (there are no checkpoints; a run dir that
already holds a checkpoint is refused), `init_from`, or the `ulmfit`
schedule (whose optimizer is tested on TensorFlow only).

Example:

>>> from tfnlp.pretraining import PretrainConfig
>>> result = pretrain_portable(PretrainConfig(model_dir="/tmp/run", vocab="vocab.txt",
...                                           input="wordnet", steps=100))  # doctest: +SKIP
>>> result["backend"], result["loss_curve"][0] > result["loss_curve"][-1]   # doctest: +SKIP
('jax', True)
"""

import json
import math
import os
import warnings

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_text, print_log


def _check_portable(config):
    """Raises `TfnlpError` for the settings only the TensorFlow trainer has."""
    from tfnlp.pretraining.checkpointing import checkpoint_directory, latest_checkpoint

    if config.init_from:
        raise TfnlpError("init_from needs the TensorFlow trainer "
                         "(tfnlp.pretraining.pretrain, KERAS_BACKEND=tensorflow)")
    if config.schedule != "linear":
        raise TfnlpError(f"schedule={config.schedule!r}: a portable run trains with the "
                         "'linear' schedule only")
    if latest_checkpoint(config.model_dir) is not None:
        raise TfnlpError(
            f"{config.model_dir} holds checkpoints of a TensorFlow run "
            f"({checkpoint_directory(config.model_dir)}); a portable run cannot "
            "resume it: use a new model_dir")


def pretrain_portable(config, log=print_log, jit_compile=True):
    """Runs `config` from scratch with `fit` on the current Keras backend.

    Args:
        config: a `tfnlp.pretraining.PretrainConfig` (`strategy`,
            `checkpoint_every` and `keep_checkpoints` are not used).
        log: callable taking one str, for progress lines (default: stderr).
        jit_compile: compile the train step (XLA on TensorFlow, `jax.jit`
            on JAX, where a step runs op by op without it).

    Returns:
        dict: `step`, `backend`, `family`, `objective`, `loss_curve` (the
        mean loss of every `log_every` steps, in order), the last interval's
        training metrics, the held-out metrics and baselines, `model_dir`
        and `keras_model_dir`; also written to `model_dir/results.json`.

    Raises:
        TfnlpError: bad settings, tokenizer or corpus, or a setting only
            the TensorFlow trainer supports (see the module docstring).
    """
    import keras

    from tfnlp.pretraining.builder import build_pretrainer
    from tfnlp.pretraining.run_dir import check_run_dir, resolve_input, write_run_dir
    from tfnlp.pretraining.trainer import (KERAS_SUBDIR, RESULTS_FILE, build_datasets,
                                           save_keras_model)

    config = config.with_family_settings()
    _check_portable(config)
    tokenizer, _ = check_run_dir(config)
    family, objective = config.family_object(), config.objective_object()
    train_ds, heldout_ds = build_datasets(config, resolve_input(config.input), tokenizer)
    tokenizer = write_run_dir(config, tokenizer)
    pretrainer, optimizer = build_pretrainer(config, tokenizer)
    # The builder compiles for TensorFlow's trainer; compile again with the
    # same optimizer and losses, jit-compiled for this backend.
    pretrainer.compile_for_pretraining(optimizer, jit_compile=jit_compile)
    backend = keras.backend.backend()
    log(f"portable run on {backend}: {family.name} {config.architecture()} vocab "
        f"{tokenizer.vocab_size}; objective {objective.name}; {config.steps} steps")

    every = min(config.log_every, config.steps)
    with warnings.catch_warnings():
        # Without NSP the pooler gets no gradient, as intended.
        warnings.filterwarnings("ignore", message="Gradients do not exist for variables")
        history = pretrainer.fit(
            train_ds.map(objective.split_features), steps_per_epoch=every,
            epochs=math.ceil(config.steps / every), verbose=0).history
    losses = [float(v) for v in history["loss"]]
    last = objective.canonical_metrics({k: v[-1] for k, v in history.items()})
    for i, loss in enumerate(losses):
        log(f"step {min((i + 1) * every, config.steps)}: loss {loss:.4f}")
    heldout = objective.evaluate(pretrainer, heldout_ds)
    log("held-out: " + ", ".join(f"{k} {v:.4f}" for k, v in heldout.items()
                                 if isinstance(v, float)))
    keras_dir = save_keras_model(config, tokenizer, pretrainer,
                                 os.path.join(config.model_dir, KERAS_SUBDIR))
    result = {"step": int(optimizer.iterations), "backend": backend,
              "family": family.name, "objective": objective.name,
              "loss_curve": [round(v, 6) for v in losses]}
    result.update({k: round(float(v), 6) for k, v in last.items()
                   if k in objective.metric_names})
    result.update({k: (round(v, 6) if isinstance(v, float) else v)
                   for k, v in heldout.items()})
    recorded = dict(result, model_dir=".", keras_model_dir=KERAS_SUBDIR)
    atomic_write_text(os.path.join(config.model_dir, RESULTS_FILE),
                      json.dumps(recorded, indent=2) + "\n")
    return dict(result, model_dir=config.model_dir, keras_model_dir=keras_dir)
