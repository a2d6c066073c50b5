"""`pretrain(config)`: one trainer for every family, with checkpoints, resume, TensorBoard and a held-out check.

The run: validate everything up front (settings, tokenizer, a saved run's
settings) -> build the train and held-out datasets with the objective
(corpus errors surface here) -> resolve the distribution strategy -> write
the run directory (config + tokenizer copy) -> build the family's backbone
+ pretrainer + optimizer under the strategy scope -> restore the latest
checkpoint (if any) -> `model.fit` up to `config.steps`, checkpointing every
`checkpoint_every` steps -> evaluate on held-out documents against the
objective's baseline -> save the backbone (+ heads) as a tfnlp model dir.
The trainer never names a family or an objective.

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

from tfnlp.io import atomic_write_text, print_log
from tfnlp.tf_utils import fit_with_xla_fallback
from tfnlp.pretraining.callbacks import PretrainingCallback, write_scalar
from tfnlp.pretraining.checkpointing import TrainingCheckpoint, checkpoint_directory
from tfnlp.pretraining.run_dir import check_run_dir, resolve_input, write_run_dir

RESULTS_FILE = "results.json"
# results.json keys of the held-out metrics before an init_from run trained.
START_PREFIX = "start_"
KERAS_SUBDIR = "keras"
LOGS_SUBDIR = "logs"


def build_datasets(config, corpus, tokenizer):
    """Builds the (infinite, shuffled) training and (finite) held-out datasets.

    Args:
        config: the `PretrainConfig`.
        corpus: corpus path(s), resolved (see `resolve_input`).
        tokenizer: the run's tokenizer.

    Returns:
        (train_dataset, heldout_dataset) of the objective's feature dicts.
    """
    import tensorflow as tf

    # tf.data's seeded ops (shuffle) derive their seeds from the global seed
    # too: fix it, so the batch order depends on `config.seed` alone (not on
    # what ran before in this process) and a resume in-process is exact.
    tf.random.set_seed(config.seed)
    objective = config.objective_object()
    options = config.data_options()
    train = objective.build_dataset(corpus, tokenizer, options, "train", config.seed)
    heldout = objective.build_dataset(corpus, tokenizer, options, "heldout",
                                      config.seed + 1)
    return train, heldout.take(config.eval_batches)


def evaluate_heldout(objective, pretrainer, heldout, log_dir=None, step=0):
    """The objective's held-out metrics, each beside its baseline.

    Args:
        objective: the run's `Objective`.
        pretrainer: the compiled pretrainer.
        heldout: finite dataset of feature dicts.
        log_dir: TensorBoard folder for the eval scalars, or None.
        step: the global step to log them at.

    Returns:
        dict of the objective's held-out metrics and baselines.
    """
    import tensorflow as tf

    results = objective.evaluate(pretrainer, heldout)
    if log_dir:
        writer = tf.summary.create_file_writer(log_dir)
        with writer.as_default():
            for key, value in results.items():
                if isinstance(value, float):
                    write_scalar(key, value, step)
        writer.flush()
    return results


def save_keras_model(config, tokenizer, pretrainer, directory):
    """Saves the trained backbone (+ heads) as a tfnlp model dir, atomically.

    Args:
        config: the run's `PretrainConfig`.
        tokenizer: the run's tokenizer.
        pretrainer: the trained pretrainer.
        directory: output folder (`tfnlp.models.model_dir` layout).

    Returns:
        str, the directory.
    """
    from tfnlp.io import atomic_write_dir
    from tfnlp.models.model_dir import is_model_dir, save_model_dir

    family = config.family_object()

    def write(tmp):
        save_model_dir(tmp, family.name, pretrainer.backbone, tokenizer,
                       pretrainer=family.checkpoint_model(pretrainer),
                       objective=config.resolved_objective(),
                       options=config.resolved_objective_options(),
                       source="tfnlp pretrain")

    return atomic_write_dir(directory, write, allowed=is_model_dir, what="a tfnlp model dir")


def pretrain(config, log=print_log):
    """Runs (or resumes) the pretraining run described by `config`.

    A resumed run with a different `steps` keeps its step and recomputes
    the learning-rate schedule for the new total (warmup + linear decay to
    `steps`).

    Args:
        config: a `tfnlp.pretraining.PretrainConfig`.
        log: callable taking one str, for progress lines (default: stderr).

    Returns:
        dict: `step`, `resumed_from_step`, the objective's training metrics
        (means over the last `log_every` steps), `steps_per_second`, its
        held-out metrics and baselines, `family`, `objective`, `model_dir`
        and `keras_model_dir`. Also written to `model_dir/results.json`.

    Raises:
        TfnlpError: bad settings, tokenizer or corpus, or a `model_dir`
            holding an incompatible run.

    Example:

    >>> result = pretrain(PretrainConfig(model_dir="run", vocab="vocab.txt",
    ...                                  steps=100))   # doctest: +SKIP
    """
    from tfnlp.distribute import resolve_strategy
    from tfnlp.pretraining.builder import build_pretrainer

    config = config.with_family_settings()
    source = _init_source(config)
    tokenizer, changes = check_run_dir(config, source.tokenizer if source else None)
    family, objective = config.family_object(), config.objective_object()
    corpus = resolve_input(config.input)
    # Reads, checks and tokenizes the corpus before the run dir is touched.
    train_ds, heldout_ds = build_datasets(config, corpus, tokenizer)
    strategy = resolve_strategy(config.strategy)

    with strategy.scope():
        pretrainer, optimizer = build_pretrainer(config, tokenizer)
        checkpoint = TrainingCheckpoint(
            checkpoint_directory(config.model_dir), family.checkpoint_model(pretrainer),
            optimizer, max_to_keep=config.keep_checkpoints)
        initial_step = checkpoint.restore_latest()
        if source is not None and not initial_step:
            source.load_into(pretrainer, objective.name, log)
    # Written once the saved checkpoint has been read: a broken one leaves
    # the run's config.json as it was.
    tokenizer = write_run_dir(config, tokenizer)
    for change in changes:
        log(f"resuming with a changed setting: {change}")
    checkpoint.remove_stale_files()
    if initial_step:
        log(f"resuming from {checkpoint.latest} at step {initial_step}"
            + (" (not re-initialised from --init_from)" if config.init_from else ""))
    origin = f"from {config.init_from}" if config.init_from else config.resolved_preset()
    log(f"model: {family.name} {origin} {config.architecture()} "
        f"{'XLA' if pretrainer.jit_compile else 'graph'} step; "
        f"vocab {tokenizer.vocab_size}; objective {objective.name}; "
        f"{_count_parameters(family.checkpoint_model(pretrainer)):,} parameters "
        f"trained; strategy "
        f"{type(strategy).__name__} x{strategy.num_replicas_in_sync}")

    callback = PretrainingCallback(
        checkpoint, total_steps=config.steps,
        checkpoint_every=config.checkpoint_every, log_every=config.log_every,
        log_dir=os.path.join(config.model_dir, LOGS_SUBDIR, "train"),
        # The optimizer's public `learning_rate` is the schedule's value at
        # its current step.
        learning_rate=lambda step: float(optimizer.learning_rate),
        log=log, objective=objective)
    previous = _read_results(config.model_dir)
    start_metrics = {k: v for k, v in previous.items() if k.startswith(START_PREFIX)}
    if source is not None and not initial_step:
        # Where the adaptation starts: the source model on the run's held-out text.
        start = evaluate_heldout(objective, pretrainer, heldout_ds)
        start_metrics = {START_PREFIX + k: v for k, v in start.items()}
        log("held-out at the start (the --init_from model): " + ", ".join(
            f"{k} {v:.4f}" for k, v in start.items() if isinstance(v, float)))
    if initial_step < config.steps:
        every = config.checkpoint_every
        initial_epoch = initial_step // every
        epochs = initial_epoch + math.ceil((config.steps - initial_step) / every)
        data = train_ds.skip(initial_step).map(objective.split_features)
        with warnings.catch_warnings():
            # Without NSP the pooler gets no gradient, as intended.
            warnings.filterwarnings("ignore", message="Gradients do not exist for variables")
            warnings.filterwarnings("ignore", message=".*`shuffle=True` was passed")
            fit_with_xla_fallback(
                pretrainer, lambda: pretrainer.fit(
                    data, steps_per_epoch=every, epochs=epochs, initial_epoch=initial_epoch,
                    verbose=0, callbacks=[callback]), log)
    else:
        log(f"{config.model_dir} is already at step {initial_step} >= "
            f"--steps={config.steps}; evaluating only")
    step = checkpoint.step

    train_metrics = callback.last_metrics or {
        k: previous.get(k) for k in objective.metric_names if k in previous}
    eval_metrics = evaluate_heldout(
        objective, pretrainer, heldout_ds,
        os.path.join(config.model_dir, LOGS_SUBDIR, "eval"), step)
    log("held-out: " + ", ".join(
        f"{k} {v:.4f}" for k, v in eval_metrics.items() if isinstance(v, float)))
    keras_dir = save_keras_model(config, tokenizer, pretrainer,
                                 os.path.join(config.model_dir, KERAS_SUBDIR))
    result = {"step": step, "resumed_from_step": initial_step,
              "family": family.name, "objective": objective.name}
    result.update({k: round(float(v), 6) for k, v in train_metrics.items() if v is not None})
    result["steps_per_second"] = (round(callback.steps_per_second, 3)
                                  if callback.steps_per_second else previous.get("steps_per_second"))
    result.update({k: (round(v, 6) if isinstance(v, float) else v)
                   for k, v in eval_metrics.items()})
    if config.init_from:
        result["init_from"] = config.init_from
        result.update({k: (round(v, 6) if isinstance(v, float) else v)
                       for k, v in start_metrics.items()})
    result["model_dir"] = config.model_dir
    result["keras_model_dir"] = keras_dir
    # The run's own record holds its folders relative to itself.
    recorded = dict(result, model_dir=".", keras_model_dir=KERAS_SUBDIR)
    atomic_write_text(os.path.join(config.model_dir, RESULTS_FILE),
                      json.dumps(recorded, indent=2) + "\n")
    return result


def _init_source(config):
    """The `--init_from` source to copy weights from (None: none to copy), applied to `config`.

    A rerun without `init_from` on a run dir started from a source takes
    the saved run's source settings (architecture, tokenizer, source hash)
    and needs no access to the source, unless the run has no checkpoint yet.
    A rerun with `init_from` resolves it, so that `check_resumable` can
    refuse another source.
    """
    from tfnlp.pretraining.checkpointing import latest_checkpoint
    from tfnlp.pretraining.run_config import CONFIG_FILE, TOKENIZER_SUBDIR, PretrainConfig

    if not config.init_from and os.path.isfile(os.path.join(config.model_dir, CONFIG_FILE)):
        saved = PretrainConfig.load(config.model_dir)
        if saved.init_from:
            config.init_from, config.init_from_sha256 = saved.init_from, saved.init_from_sha256
            if latest_checkpoint(config.model_dir) is not None:
                config.model_config, config.lower_case = saved.model_config, saved.lower_case
                config.vocab = config.vocab or os.path.join(config.model_dir, TOKENIZER_SUBDIR)
                return None
            # The run's own copy of the source's tokenizer (the saved `vocab`
            # is recorded portably, relative to the run dir).
            config.vocab = config.vocab or os.path.join(config.model_dir, TOKENIZER_SUBDIR)
    if not config.init_from:
        return None
    from tfnlp.pretraining.init_source import apply_init_source, resolve_init_source

    config.validate()
    source = resolve_init_source(config.init_from, config.seq_length)
    apply_init_source(config, source)
    return source


def _count_parameters(trackable):
    """Parameters a run trains and checkpoints (a distillation teacher is not counted)."""
    return sum(int(math.prod(v.shape)) for v in trackable.variables
               if getattr(v, "trainable", True))


def _read_results(model_dir):
    path = os.path.join(model_dir, RESULTS_FILE)
    if not os.path.isfile(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except ValueError:
        return {}
