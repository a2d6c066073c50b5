"""`finetune`: data → task model → training → metrics → serving export.

The whole of `tfnlp finetune`. Output folder layout (`OUT`):

- `serving/`: SavedModel from `tfnlp.hub.serving` (preprocessing built
  from the family tokenizer); `serving_default` takes strings (`text`,
  plus `text_b` for pair classification and for SQuAD: question, context)
  and `serve_ids` takes int32 `input_word_ids / input_mask /
  input_type_ids` (`serve_features`, the Keras-named inputs, for an
  encoder that reads others, e.g. ELMo's `char_ids`). Outputs are the task
  model's: `logits [B, classes]` (classification), `logits [B, seq, tags]`
  per word piece (NER) or `start_logits / end_logits [B, seq]` (SQuAD).
  Mapping those to labels, words and answer texts needs `task.json` (what
  `tfnlp evaluate` / `tfnlp predict` do).
- `task.json`: task, labels / tags / SQuAD settings, seq_length, the
  encoder's family, its tokenizer folder and casing, the training settings
  and the eval metrics.
- `tokenizer/`: the family tokenizer's asset files (`vocab.txt`, ...).

The folder is built in a temporary sibling and renamed into place at the
end, so an interrupted or failed run leaves an earlier `OUT` intact.

Example:

>>> metrics = finetune(FinetuneConfig(encoder="hub/encoder", task="classification",
...     train="train.jsonl", eval="dev.jsonl", output="out"))   # doctest: +SKIP
"""

import dataclasses
import json
import math
import os
import time
from typing import Optional

from tfnlp.errors import TfnlpError
from tfnlp.io import (atomic_write_dir, atomic_write_text, check_output_dir, portable_path,
                      print_log)
from tfnlp.precision import check_dtype, dtype_policy_scope
from tfnlp.tasks.models import MODES, TASK_NETWORKS, build_task_model, check_choice
from tfnlp.tasks.pooling import check_pooling
from tfnlp.tasks.task_registry import DEFAULT_SEQ_LENGTH, make_task

TASK_FILE = "task.json"
SERVING_DIR = "serving"
TOKENIZER_DIR = "tokenizer"
FORMAT = "tfnlp.finetuned_task"
SCHEDULES = ("linear", "ulmfit")
# BERT's fine-tuning learning rate (SPEC); a frozen encoder's small task
# network trains from scratch and takes the usual Adam rate. ULMFiT's rate is
# the head's peak: groups below get /2.6 each and train only once unfrozen,
# so it needs a far higher peak (best of 3e-4 / 1e-3 / 3e-3 for MiniLM on
# 100 WordNet examples: 3e-3; benchmarks/finetune_vs_transformers.py).
DEFAULT_LR = {"finetune": 5e-5, "feature": 1e-3}
DEFAULT_ULMFIT_LR = 3e-3
# Runs that train on at least this many tokens (steps x batch x seq_length)
# XLA-compile the train step by default: compiling costs seconds per batch
# shape, paid back in proportion to the tokens trained on (MiniLM, 1,000
# examples x 3 epochs at seq 64 is ~200k; benchmarks/finetune_vs_transformers.py).
# Tiny runs (tests, smoke runs) stay uncompiled, and so do encoders loaded
# from a SavedModel (TF-Hub modules): XLA can abort the process on some of
# their ops rather than refuse them, so they compile only on --jit_compile.
XLA_MIN_TOKENS = 100_000


def default_learning_rate(mode, schedule):
    """The peak learning rate used when `--learning_rate` is not given.

    Args:
        mode: "finetune" or "feature".
        schedule: "linear" or "ulmfit".

    Returns:
        float.

    Example:

    >>> default_learning_rate("finetune", "ulmfit")
    0.003
    """
    if mode == "finetune" and schedule == "ulmfit":
        return DEFAULT_ULMFIT_LR
    return DEFAULT_LR[mode]


@dataclasses.dataclass
class FinetuneConfig:
    """Settings of one `tfnlp finetune` run (the CLI flags).

    Attributes:
        encoder: tfnlp model dir or TF-Hub encoder module (`resolve_encoder`).
        task: "classification", "ner" or "squad".
        train: training file (JSONL / CoNLL / SQuAD JSON).
        output: output folder.
        eval: optional eval file of the same format.
        schedule: "linear" (AdamW, 10% warmup, linear decay) or "ulmfit"
            (discriminative LRs, slanted triangular LR, gradual unfreezing).
        lr_factor: ulmfit: learning-rate ratio between neighbouring groups
            (head, each encoder layer, embeddings). Defaults to 2.6.
        unfreeze_every: ulmfit: "auto" (one group per epoch when there are
            at least as many epochs as groups, else evenly spread so every
            group trains for the last 1/groups of the steps), "epoch", a
            number of steps (int or digit string), or "none" (nothing frozen).
        epochs: training epochs.
        batch_size: examples (windows) per step.
        learning_rate: peak rate; None = 5e-5 (linear fine-tuning), 3e-3
            (ulmfit, the head's peak) or 1e-3 (feature).
        seq_length: packed length; None = 128 (384 for SQuAD).
        mode: "finetune" or "feature" (frozen encoder + ScalarMix + task net).
        task_network: feature mode: "bilstm" or "dense".
        dropout: dropout before the head.
        pooling: classification: "pooled" (the family's own pooled output),
            "first", "last" or "mean" over the sequence output; None = the
            family's default.
        seed: random seed (init, shuffling, dropout).
        doc_stride, max_query_length: SQuAD windows (None = seq_length // 3,
            seq_length // 6).
        jit_compile: XLA-compile the train step: True, False, or None (runs
            of at least `XLA_MIN_TOKENS` tokens on a native encoder). A step
            XLA refuses to compile (e.g. an LSTM's gradient) trains uncompiled.
        dtype: training precision (`tfnlp.precision.DTYPES`); the serving
            model's outputs stay float32.
        verbose: log progress lines.
    """

    encoder: str
    task: str
    train: str
    output: str
    eval: Optional[str] = None
    schedule: str = "linear"
    lr_factor: float = 2.6
    unfreeze_every: object = "auto"
    epochs: int = 3
    batch_size: int = 32
    learning_rate: Optional[float] = None
    seq_length: Optional[int] = None
    mode: str = "finetune"
    task_network: str = "bilstm"
    dropout: float = 0.1
    pooling: Optional[str] = None
    seed: int = 0
    doc_stride: Optional[int] = None
    max_query_length: Optional[int] = None
    jit_compile: Optional[bool] = None
    dtype: str = "float32"
    verbose: bool = True

    def check(self):
        """Raises `TfnlpError` for settings that cannot run."""
        check_choice("--schedule", self.schedule, SCHEDULES)
        check_choice("--mode", self.mode, MODES)
        check_choice("--task_network", self.task_network, TASK_NETWORKS)
        check_dtype(self.dtype)
        if self.pooling is not None:
            check_pooling(self.pooling)
        for name in ("epochs", "batch_size", "doc_stride", "max_query_length"):
            value = getattr(self, name)
            if value is None and name in ("doc_stride", "max_query_length"):
                continue  # squad's defaults, resolved from seq_length
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TfnlpError(f"--{name} must be a positive integer, got {value!r}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise TfnlpError(f"--learning_rate must be > 0, got {self.learning_rate}")
        if self.seq_length is not None and self.seq_length < 8:
            raise TfnlpError(f"--seq_length must be at least 8, got {self.seq_length}")
        if not self.lr_factor > 0:
            raise TfnlpError(f"--lr_factor must be > 0, got {self.lr_factor}")
        unfreeze_steps(self.unfreeze_every, 1, 1, 1)  # raises on a bad value
        if not 0.0 <= self.dropout < 1.0:
            raise TfnlpError(f"--dropout must be in [0, 1), got {self.dropout}")
        if self.mode == "feature" and self.schedule == "ulmfit":
            raise TfnlpError(
                "--schedule=ulmfit fine-tunes the encoder layer by layer, but "
                "--mode=feature keeps it frozen; use --schedule=linear with --mode=feature.")
        for name in ("train", "eval"):
            path = getattr(self, name)
            if path is not None and not os.path.isfile(path):
                raise TfnlpError(f"--{name}={path}: no such file")
        check_output_folder(self.output)


def unfreeze_steps(unfreeze_every, epochs, total_steps, groups):
    """Resolves `--unfreeze_every` to what `ulmfit_optimizer` takes.

    Args:
        unfreeze_every: "auto", "epoch", "none", or a positive number of
            steps (int or digit string).
        epochs: training epochs.
        total_steps: training steps.
        groups: variable groups (encoder layers + 2).

    Returns:
        "epoch", an int number of steps, or None (no gradual unfreezing).

    Raises:
        TfnlpError: any other value.

    Example:

    >>> unfreeze_steps("auto", epochs=3, total_steps=96, groups=8)
    12
    """
    value = str(unfreeze_every).strip().lower()
    if value == "auto":
        # ULMFiT unfreezes one group per epoch; with fewer epochs than
        # groups, spread the unfreezing evenly over the run instead.
        return "epoch" if epochs >= groups else max(1, total_steps // groups)
    if value == "epoch":
        return "epoch"
    if value == "none":
        return None
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise TfnlpError(f"--unfreeze_every={unfreeze_every!r}: use auto, epoch, none "
                     "or a number of steps > 0.")


def is_finetune_output(path):
    """True if `path` holds an earlier `tfnlp finetune` output (its task.json)."""
    return os.path.isfile(os.path.join(path, TASK_FILE))


def check_output_folder(output):
    """Raises `TfnlpError` unless `output` is new, empty or an earlier run's.

    Args:
        output: the output folder (the rule of `tfnlp.io.check_output_dir`).
    """
    check_output_dir(output, allowed=is_finetune_output,
                     what=f"an earlier finetune output (no {TASK_FILE})")


def _log(config, message):
    if config.verbose:
        print_log(message)


def _progress_callback(config, steps_per_epoch):
    import keras

    every = max(1, steps_per_epoch // 5)

    class Progress(keras.callbacks.Callback):
        """Logs loss a few times per epoch and at each epoch end (stderr)."""

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch, self.start = epoch, time.time()

        def on_train_batch_end(self, batch, logs=None):
            if (batch + 1) % every == 0 and batch + 1 < steps_per_epoch:
                _log(config, f"epoch {self.epoch + 1}/{config.epochs} step "
                     f"{batch + 1}/{steps_per_epoch} loss {float(logs.get('loss', 0)):.4f}")

        def on_epoch_end(self, epoch, logs=None):
            _log(config, f"epoch {epoch + 1}/{config.epochs} done in "
                 f"{time.time() - self.start:.1f}s: loss {float(logs.get('loss', 0)):.4f}")

    return Progress()


def _optimizer_setup(config, model, learning_rate, total_steps, layer_groups):
    from tfnlp.finetuning import finetuning_setup
    from tfnlp.finetuning.variable_groups import group_variables, groups_from_layers

    if config.schedule == "linear":
        return finetuning_setup("linear", model, lr_max=learning_rate, total_steps=total_steps,
                                layer_groups=layer_groups)
    # Groups: embeddings, each layer (the pooler joins the top one), head:
    # the family's layer groups for a native backbone, names for a module.
    groups = (groups_from_layers(layer_groups, model.trainable_variables)
              if layer_groups is not None else group_variables(model.trainable_variables))
    unfreeze = unfreeze_steps(config.unfreeze_every, config.epochs, total_steps, len(groups))
    return finetuning_setup("ulmfit", model, lr_max=learning_rate,
                            total_steps=total_steps, unfreeze_every=unfreeze,
                            factor=config.lr_factor, layer_groups=layer_groups)


def predict_outputs(model, split, batch_size):
    """Runs a task model over a split's inputs.

    Args:
        model: the Keras task model.
        split: a `TaskSplit`.
        batch_size: int.

    Returns:
        dict output name -> numpy array.
    """
    from tfnlp.tasks.encoder_source import input_specs

    return model.predict(split.dataset(batch_size, with_targets=False,
                                       names=list(input_specs(model))), verbose=0)


def train_task_model(config, source, task, train, learning_rate, seq_length):
    """Builds, compiles and fits the task model.

    Args:
        config: `FinetuneConfig`.
        source: `EncoderSource`.
        task: the task object (after `read_train`).
        train: the training `TaskSplit`.
        learning_rate: float.
        seq_length: int.

    Returns:
        `(model, history)`.
    """
    import keras

    from tfnlp.tf_utils import choose_jit_compile, fit_with_xla_fallback

    keras.utils.set_random_seed(config.seed)
    with dtype_policy_scope(config.dtype):  # the encoder and head take --dtype
        model = build_task_model(config.task, source, num_labels=task.num_labels,
                                 mode=config.mode, dropout=config.dropout,
                                 task_network=config.task_network, pooling=config.pooling)
    steps_per_epoch = math.ceil(train.size / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    setup = _optimizer_setup(config, model, learning_rate, total_steps,
                             source.layer_groups(model.encoder))
    model.compile(optimizer=setup.optimizer, loss=task.losses(),
                  loss_weights=getattr(task, "loss_weights", lambda: None)(),
                  jit_compile=choose_jit_compile(
                      config.jit_compile, total_steps * config.batch_size * seq_length,
                      XLA_MIN_TOKENS, compilable=source.kind == "native"))
    _log(config, f"{config.task} ({config.mode}, {config.schedule}): {train.size} "
         f"training rows, {steps_per_epoch} steps/epoch x {config.epochs} epochs, "
         f"lr {learning_rate:g}, seq_length {seq_length}, encoder {source.kind} "
         f"{source.family.name} {source.num_layers}x{source.hidden_dim}, pooling "
         f"{model.pooling}, {'XLA' if model.jit_compile else 'graph'} step")
    from tfnlp.tasks.encoder_source import input_specs

    data = train.dataset(config.batch_size, shuffle=True, seed=config.seed,
                         names=list(input_specs(model)))
    history = fit_with_xla_fallback(model, lambda: model.fit(
        data, epochs=config.epochs, verbose=0, shuffle=False,
        callbacks=list(setup.callbacks) + [_progress_callback(config, steps_per_epoch)]),
        lambda line: _log(config, line))
    # Predictions run once over the eval set: a plain graph, not another
    # XLA compilation per batch shape.
    if model.jit_compile:
        model.jit_compile = False
        model.make_predict_function(force=True)
    return model, history


def write_output(config, source, task, model, seq_length, record):
    """Writes `OUT` (serving SavedModel, task.json, tokenizer) atomically.

    Args:
        config: `FinetuneConfig`.
        source: `EncoderSource`.
        task: the task object.
        model: the trained task model.
        seq_length: int.
        record: dict merged into task.json (settings, metrics).

    Returns:
        The absolute output path.
    """
    import keras

    from tfnlp.hub.serving import build_serving_module, save_serving_module

    check_output_folder(config.output)
    text_pairs = config.task == "squad" or bool(getattr(task, "text_pairs", False))
    # The whole task model plays the exporter's "encoder" (it takes the
    # encoder inputs, and SpanHead needs padding_mask); the head passes
    # its output dict through.
    serving = build_serving_module(source.tokenizer, model,
                                   keras.layers.Identity(name="outputs"),
                                   seq_length=seq_length, text_pairs=text_pairs)
    if getattr(model.encoder, "hub_module", None) is not None:
        serving[0].hub_module = model.encoder.hub_module  # tables, assets it uses
    info = {"format": FORMAT, "task": config.task, "seq_length": seq_length,
            "family": source.family.name, "tokenizer": TOKENIZER_DIR,
            "tokenizer_kind": source.tokenizer.kind,
            "lower_case": getattr(source.tokenizer, "lower_case", None),
            "serving": SERVING_DIR, "text_pairs": text_pairs,
            "pooling": getattr(model, "pooling", None), "task_meta": task.meta}
    info.update(record)

    def write(tmp):
        source.tokenizer.save_assets(os.path.join(tmp, TOKENIZER_DIR))
        save_serving_module(serving, os.path.join(tmp, SERVING_DIR))
        atomic_write_text(os.path.join(tmp, TASK_FILE),
                          json.dumps(info, indent=2, ensure_ascii=False))

    return atomic_write_dir(config.output, write, allowed=is_finetune_output,
                            what=f"an earlier finetune output (no {TASK_FILE})")


def finetune(config):
    """Runs `tfnlp finetune`: train, evaluate, export.

    Args:
        config: a `FinetuneConfig`.

    Returns:
        dict: the eval metrics (if `config.eval`), `train_loss`, `output`,
        `train_rows`, `seconds`, and the seconds of each part:
        `load_seconds` (the encoder), `data_seconds` (reading and
        tokenizing), `train_seconds` (model building and `fit`),
        `eval_seconds` (predicting and scoring the eval file) and
        `export_seconds` (the serving SavedModel and task.json).

    Raises:
        TfnlpError: bad settings or data (unseen eval labels, malformed
            files), an encoder with fewer positions than `seq_length`, or a
            module that is not a TF-Hub BERT encoder.

    Example:

    >>> finetune(FinetuneConfig(encoder="run", task="ner", train="train.conll",
    ...                         output="out"))   # doctest: +SKIP
    """
    from tfnlp.tasks.encoder_source import resolve_encoder

    start = time.time()
    config.check()
    source = resolve_encoder(config.encoder)
    phases = {"load_seconds": time.time() - start}
    seq_length = config.seq_length or DEFAULT_SEQ_LENGTH[config.task]
    source.check_sequence_length(seq_length)
    if config.task != "classification" and not source.token_inputs:
        raise TfnlpError(
            f"--task={config.task} aligns words with token pieces, but this "
            f"{source.family.name} encoder reads {sorted(source.input_specs)}; use "
            "--task=classification")
    # A family may set its own linear fine-tuning rate (static embeddings:
    # a bag of word vectors and a linear head train from ~scratch).
    family_rate = (getattr(source.family, "finetune_learning_rate", None)
                   if (config.mode, config.schedule) == ("finetune", "linear") else None)
    learning_rate = (config.learning_rate or family_rate
                     or default_learning_rate(config.mode, config.schedule))
    options = {}
    if config.task == "squad":
        options = {"doc_stride": config.doc_stride, "max_query_length": config.max_query_length}
    task = make_task(config.task, source.tokenizer, seq_length, **options)
    train = task.read_train(config.train)
    evaluation = task.read_eval(config.eval) if config.eval else None
    phases["data_seconds"] = time.time() - start - phases["load_seconds"]
    model, history = train_task_model(config, source, task, train, learning_rate, seq_length)
    phases["train_seconds"] = time.time() - start - sum(phases.values())
    result = {"train_loss": float(history.history["loss"][-1]), "train_rows": train.size}
    if evaluation is not None:
        metrics = task.score(evaluation, predict_outputs(model, evaluation, config.batch_size))
        _log(config, "eval: " + json.dumps(metrics))
        result.update(metrics)
    phases["eval_seconds"] = time.time() - start - sum(phases.values())
    settings = dataclasses.asdict(config)
    settings.update(learning_rate=learning_rate, seq_length=seq_length)
    for name in ("encoder", "train", "eval", "output"):  # no path of this machine
        settings[name] = portable_path(os.fspath(settings[name]) if settings[name] else None)
    if config.task == "squad":  # what the windows used, not None for "default"
        settings.update(doc_stride=task.doc_stride, max_query_length=task.max_query_length)
    settings.pop("verbose")
    output = write_output(config, source, task, model, seq_length,
                          {"settings": settings, "metrics": result})
    result["output"] = output
    phases["export_seconds"] = time.time() - start - sum(phases.values())
    result.update({k: round(v, 1) for k, v in phases.items()})
    result["seconds"] = round(time.time() - start, 1)
    _log(config, f"wrote {output}")
    return result
