"""`pretrain(config)`: BERT pretraining with checkpoints, resume, TensorBoard and a held-out check.

The run: validate everything up front (settings, vocab, a saved run's
settings) -> build the train and held-out datasets
(`tfnlp.text.pretraining_data`; corpus errors surface here) -> write the
run directory (config + vocab copy) -> resolve the distribution strategy
-> build `BertEncoder` +
`BertPretrainer` + optimizer under the strategy scope -> restore the latest
checkpoint (if any) -> `model.fit` up to `config.steps`, checkpointing every
`checkpoint_every` steps -> evaluate on held-out documents against the
unigram baseline -> save the encoder as a Keras model dir.

Resuming is exact: the data pipeline is deterministic (its batches depend
only on the seed and the batch index), so the resumed run skips the batches
already seen, and the checkpoint holds the model, the optimizer slots, the
step and the dropout RNG states. A resumed run therefore logs the same
losses as an uninterrupted one.

Example:

>>> from tfnlp.pretraining import PretrainConfig, pretrain
>>> result = pretrain(PretrainConfig(model_dir="/tmp/run", vocab="vocab.txt",
...                                  input="wordnet", steps=1000))   # doctest: +SKIP
>>> result["heldout_mlm_accuracy"] > result["unigram_baseline_accuracy"]  # doctest: +SKIP
True
"""

import json
import math
import os
import warnings

from tfnlp.errors import TfnlpError
from tfnlp.pretraining.callbacks import (
    PretrainingCallback,
    canonical_metrics,
    print_log,
    write_scalar,
)
from tfnlp.pretraining.checkpointing import TrainingCheckpoint, checkpoint_directory
from tfnlp.pretraining.run_config import VOCAB_FILE, atomic_write_text
from tfnlp.pretraining.run_dir import check_run_dir, resolve_input, write_run_dir

RESULTS_FILE = "results.json"
KERAS_SUBDIR = "keras"
LOGS_SUBDIR = "logs"


def build_datasets(config, corpus, vocab_path):
    """Builds the (infinite, shuffled) training and (finite) held-out datasets.

    Args:
        config: the `PretrainConfig`.
        corpus: corpus path(s), resolved (see `resolve_input`).
        vocab_path: the vocab file.

    Returns:
        (train_dataset, heldout_dataset) of feature dicts.
    """
    from tfnlp.text.pretraining_data import build_pretraining_dataset

    common = dict(
        vocabulary=vocab_path,
        lower_case=config.lower_case,
        seq_length=config.seq_length,
        objective=config.objective,
        max_predictions_per_seq=config.resolved_max_predictions(),
        whole_word_masking=config.whole_word_masking,
        heldout_fraction=config.heldout_percent / 100.0,
    )
    train = build_pretraining_dataset(
        corpus, batch_size=config.batch_size, seed=config.seed, split="train",
        repeat=True, **common)
    heldout = build_pretraining_dataset(
        corpus, batch_size=config.batch_size, seed=config.seed + 1,
        split="heldout", repeat=False, drop_remainder=False, **common)
    return train, heldout.take(config.eval_batches)


def evaluate_heldout(pretrainer, heldout, log_dir=None, step=0):
    """Held-out MLM (and NSP) accuracy and the unigram baseline on the same masks.

    Args:
        pretrainer: a compiled `BertPretrainer`.
        heldout: finite dataset of feature dicts.
        log_dir: TensorBoard folder for the eval scalars, or None.
        step: the global step to log them at.

    Returns:
        dict with `heldout_loss`, `heldout_mlm_accuracy`, (with NSP)
        `heldout_nsp_accuracy`, `unigram_baseline_accuracy` and
        `unigram_baseline_token_id`.
    """
    import tensorflow as tf

    from tfnlp.models.bert.pretrainer import BertPretrainer
    from tfnlp.text.pretraining_data import unigram_baseline_accuracy

    metrics = canonical_metrics(pretrainer.evaluate(
        heldout.map(BertPretrainer.split_features), verbose=0, return_dict=True))
    baseline, token_id = unigram_baseline_accuracy(heldout)
    results = {"heldout_loss": float(metrics["loss"]),
               "heldout_mlm_accuracy": float(metrics["mlm_accuracy"])}
    if "nsp_accuracy" in metrics:
        results["heldout_nsp_accuracy"] = float(metrics["nsp_accuracy"])
    results["unigram_baseline_accuracy"] = float(baseline)
    results["unigram_baseline_token_id"] = int(token_id)
    if log_dir:
        writer = tf.summary.create_file_writer(log_dir)
        with writer.as_default():
            for key, value in results.items():
                if key != "unigram_baseline_token_id":
                    write_scalar(key, value, step)
        writer.flush()
    return results


def save_keras_model(pretrainer, config, vocab_path, directory):
    """Saves the trained encoder (+ heads) as a tfnlp Keras model dir.

    The layout is `tfnlp.hub.keras_model_dir`'s, so
    `load_keras_model_dir(directory)` rebuilds the encoder for fine-tuning.

    Args:
        pretrainer: the trained `BertPretrainer`.
        config: its `PretrainConfig`.
        vocab_path: the run's vocab file.
        directory: output folder.

    Returns:
        str, the directory.
    """
    from tfnlp.hub.import_hf import HfBert
    from tfnlp.hub.keras_model_dir import save_keras_model_dir

    tmp = directory + ".tmp"
    if os.path.isdir(tmp):
        import shutil

        shutil.rmtree(tmp)
    save_keras_model_dir(
        HfBert(pretrainer.encoder, vocab_path, config.lower_case, None), tmp,
        pretrainer=pretrainer, source=f"tfnlp pretrain ({config.model_dir})")
    if os.path.isdir(directory):
        import shutil

        shutil.rmtree(directory)
    os.replace(tmp, directory)
    return directory


def pretrain(config, log=print_log):
    """Runs (or resumes) BERT pretraining as described by `config`.

    A resumed run with a different `steps` keeps its step and recomputes
    the learning-rate schedule for the new total (warmup + linear decay to
    `steps`).

    Args:
        config: a `tfnlp.pretraining.PretrainConfig`.
        log: callable taking one str, for progress lines (default: stderr).

    Returns:
        dict: `step`, `resumed_from_step`, `loss`, `mlm_loss`,
        `mlm_accuracy`, (with NSP) `nsp_loss`, `nsp_accuracy` (means over
        the last `log_every` steps), `steps_per_second`, the held-out
        numbers of `evaluate_heldout`, and `model_dir`. Also written to
        `model_dir/results.json`.

    Raises:
        TfnlpError: bad settings, vocab or corpus, or a `model_dir` holding
            an incompatible run.

    Example:

    >>> result = pretrain(PretrainConfig(model_dir="run", vocab="vocab.txt",
    ...                                  steps=100))   # doctest: +SKIP
    """
    from tfnlp.distribute import resolve_strategy
    from tfnlp.models.bert.pretrainer import BertPretrainer
    from tfnlp.pretraining.builder import build_pretrainer
    from tfnlp.text.vocab import load_vocab

    changes = check_run_dir(config)
    corpus = resolve_input(config.input)
    # Reads, checks and tokenizes the corpus before the run dir is touched.
    train_ds, heldout_ds = build_datasets(config, corpus, config.vocab)
    vocab_path = write_run_dir(config)
    for change in changes:
        log(f"resuming with a changed setting: {change}")
    vocab_size = len(load_vocab(vocab_path))

    strategy = resolve_strategy(config.strategy)
    with strategy.scope():
        pretrainer, optimizer = build_pretrainer(config, vocab_size)
        checkpoint = TrainingCheckpoint(
            checkpoint_directory(config.model_dir), pretrainer, optimizer,
            max_to_keep=config.keep_checkpoints)
        initial_step = checkpoint.restore_latest()
    checkpoint.remove_stale_files()
    if initial_step:
        log(f"resuming from {checkpoint.latest} at step {initial_step}")
    log(f"model: {config.preset} {config.architecture()} vocab {vocab_size}; "
        f"{pretrainer.count_params():,} parameters; strategy "
        f"{type(strategy).__name__} x{strategy.num_replicas_in_sync}")

    callback = PretrainingCallback(
        checkpoint, total_steps=config.steps,
        checkpoint_every=config.checkpoint_every, log_every=config.log_every,
        log_dir=os.path.join(config.model_dir, LOGS_SUBDIR, "train"),
        # The optimizer's public `learning_rate` is the schedule's value at
        # its current step.
        learning_rate=lambda step: float(optimizer.learning_rate),
        log=log)
    if initial_step < config.steps:
        every = config.checkpoint_every
        initial_epoch = initial_step // every
        epochs = initial_epoch + math.ceil((config.steps - initial_step) / every)
        data = train_ds.skip(initial_step).map(BertPretrainer.split_features)
        with warnings.catch_warnings():
            # Without NSP the pooler gets no gradient, as intended.
            warnings.filterwarnings("ignore", message="Gradients do not exist for variables")
            warnings.filterwarnings("ignore", message=".*`shuffle=True` was passed")
            pretrainer.fit(data, steps_per_epoch=every, epochs=epochs,
                           initial_epoch=initial_epoch, verbose=0, callbacks=[callback])
    else:
        log(f"{config.model_dir} is already at step {initial_step} >= "
            f"--steps={config.steps}; evaluating only")
    step = checkpoint.step

    previous = _read_results(config.model_dir)
    train_metrics = callback.last_metrics or {
        k: previous.get(k) for k in ("loss", "mlm_loss", "mlm_accuracy",
                                     "nsp_loss", "nsp_accuracy") if k in previous}
    eval_metrics = evaluate_heldout(
        pretrainer, heldout_ds, os.path.join(config.model_dir, LOGS_SUBDIR, "eval"), step)
    log(f"held-out MLM accuracy {eval_metrics['heldout_mlm_accuracy']:.4f} vs "
        f"unigram baseline {eval_metrics['unigram_baseline_accuracy']:.4f}")
    keras_dir = save_keras_model(pretrainer, config, vocab_path,
                                 os.path.join(config.model_dir, KERAS_SUBDIR))
    result = {"step": step, "resumed_from_step": initial_step}
    result.update({k: round(float(v), 6) for k, v in train_metrics.items() if v is not None})
    result["steps_per_second"] = (round(callback.steps_per_second, 3)
                                  if callback.steps_per_second else previous.get("steps_per_second"))
    result.update({k: (round(v, 6) if isinstance(v, float) else v)
                   for k, v in eval_metrics.items()})
    result["model_dir"] = config.model_dir
    result["keras_model_dir"] = keras_dir
    atomic_write_text(os.path.join(config.model_dir, RESULTS_FILE),
                      json.dumps(result, indent=2) + "\n")
    return result


def _read_results(model_dir):
    path = os.path.join(model_dir, RESULTS_FILE)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except ValueError:
        return {}
