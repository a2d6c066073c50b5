"""Training word2vec / GloVe end to end: vocabulary, batches, sparse steps, resume.

`train_static(...)` learns the word vocabulary, builds the family's
backbone and pretrainer, runs the objective's batches through the
pretrainer's `train_step` (in `tf.function`), logs progress (words/s, the
current learning rate, the loss), writes atomic checkpoints and resumes
from the last one at the exact batch (batches are a pure function of their
index), and writes:

- `OUT/vectors.txt` (word2vec text format, the vocabulary without `[UNK]`),
  `OUT/vectors.bin` with `binary=True`;
- `OUT/keras/`: a tfnlp model dir (`tfnlp.models.model_dir`);
- `OUT/results.json`: settings, words/s, final loss (and evaluation when
  asked).

Example:

>>> result = train_static("word2vec", "corpus.txt", "out", objective="skipgram",
...                       hidden_dim=100, epochs=3)            # doctest: +SKIP
>>> result["words_per_second"] > 0                               # doctest: +SKIP
True
"""

import json
import os
import time

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write, atomic_write_text, print_log

CHECKPOINT = "checkpoint.npz"


def save_checkpoint(directory, state, batch):
    """Writes `state` (name -> variable) and the next batch index atomically."""
    arrays = {name: np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
              for name, variable in state.items()}
    arrays["next_batch"] = np.array(batch, np.int64)
    atomic_write(os.path.join(directory, CHECKPOINT), lambda f: np.savez(f, **arrays),
                 binary=True)


def restore_checkpoint(directory, state):
    """Loads the last checkpoint into `state`; returns the batch to start at (0 if none)."""
    path = os.path.join(directory, CHECKPOINT) if directory else None
    if not path or not os.path.isfile(path):
        return 0
    with np.load(path) as arrays:
        missing = sorted(set(state) - set(arrays.files))
        if missing:
            raise TfnlpError(f"{path}: checkpoint lacks {', '.join(missing)}; it belongs "
                             "to another model")
        for name, variable in state.items():
            if tuple(arrays[name].shape) != tuple(variable.shape):
                raise TfnlpError(f"{path}: {name} has shape {arrays[name].shape}, the model "
                                 f"{tuple(variable.shape)}; it belongs to another model")
            variable.assign(arrays[name])
        return int(arrays["next_batch"])


# Runs of at least this many batches take the XLA step (when the pretrainer
# has one): compiling costs ~4 s per batch shape on the shared CI machine and
# saves ~25 ms of CPU per 2,000-word batch, so tiny runs stay uncompiled.
XLA_MIN_BATCHES = 400


def use_xla(pretrainer, total_batches, jit_compile=None):
    """Whether `run_batches` compiles the step (`None`: runs of at least
    `XLA_MIN_BATCHES` batches, if the pretrainer has `compiled_train_step`).

    The answer depends on the whole run, not on where it starts, so a
    resumed run takes the same kernels as an uninterrupted one.
    """
    if not hasattr(pretrainer, "compiled_train_step"):
        return False
    if jit_compile is None:
        return total_batches >= XLA_MIN_BATCHES
    return bool(jit_compile)


def run_batches(pretrainer, make_dataset, total_batches, checkpoint_dir=None,
                checkpoint_every=0, log_every=100, stop_after=None, epochs=1,
                jit_compile=None):
    """Runs `train_step` over batches `start .. total_batches - 1`.

    Args:
        pretrainer: a model with `train_step(features) -> {"loss",
            "learning_rate"}` and `state()`.
        make_dataset: `fn(start_batch) -> tf.data.Dataset` of feature dicts
            (each with `words`, the raw corpus words it covers).
        total_batches: batches of the whole run.
        checkpoint_dir: where `checkpoint.npz` lives (None: no checkpoints).
        checkpoint_every: batches between checkpoints (0: only at the end).
        log_every: batches between progress lines.
        stop_after: stop after this many batches in this call (for tests
            and time-boxed runs); a checkpoint is written first.
        epochs: for the progress lines.
        jit_compile: run the pretrainer's `compiled_train_step` (XLA):
            True, False, or None (`use_xla`'s rule).

    Returns:
        dict: `start_batch`, `next_batch`, `xla` (compiled step), `loss` (mean of the last
        logged stretch), `learning_rate`, `words`, `seconds`, `words_per_second`.
    """
    import tensorflow as tf

    state = pretrainer.state()
    start = restore_checkpoint(checkpoint_dir, state)
    if start:
        print_log(f"resuming at batch {start} of {total_batches}")
    dataset = make_dataset(start)
    # One trace for every batch shape: the same kernels whether a run starts
    # at batch 0 or resumes, so resumed vectors equal uninterrupted ones. A
    # pretrainer with `compiled_train_step` (word2vec) runs it under XLA.
    xla = use_xla(pretrainer, total_batches, jit_compile)
    step = (pretrainer.compiled_train_step([dataset.element_spec]) if xla
            else tf.function(pretrainer.train_step, input_signature=[dataset.element_spec]))
    batch = start
    words = stretch_words = 0
    losses, lr = [], float("nan")
    started = stretch_started = time.perf_counter()
    end = total_batches if stop_after is None else min(total_batches, start + stop_after)
    if batch < end:
        for features in dataset:
            metrics = step(features)
            batch += 1
            n = int(features["words"])
            words += n
            stretch_words += n
            losses.append(float(metrics["loss"]))
            if not np.isfinite(losses[-1]):
                raise TfnlpError(
                    f"training diverged at batch {batch} (loss {losses[-1]}): summed "
                    "updates of one batch overshoot; lower chunk_words (word2vec) / "
                    "batch_size (GloVe) or the learning rate")
            lr = float(metrics["learning_rate"])
            if log_every and (batch % log_every == 0 or batch == end):
                now = time.perf_counter()
                rate = stretch_words / max(now - stretch_started, 1e-9)
                per_epoch = max(total_batches // max(epochs, 1), 1)
                print_log(f"batch {batch}/{total_batches} epoch "
                          f"{min((batch - 1) // per_epoch + 1, epochs)}/{epochs} "
                          f"loss {np.mean(losses[-log_every:]):.4f} lr {lr:.6f} "
                          f"words/s {rate:,.0f}")
                stretch_words, stretch_started = 0, now
            if checkpoint_dir and checkpoint_every and batch % checkpoint_every == 0 \
                    and batch < end:
                save_checkpoint(checkpoint_dir, state, batch)
            if batch >= end:
                break
    seconds = time.perf_counter() - started
    if checkpoint_dir:
        save_checkpoint(checkpoint_dir, state, batch)
    tail = losses[-log_every:] if log_every else losses
    return {"start_batch": start, "next_batch": batch, "xla": xla,
            "loss": float(np.mean(tail)) if tail else float("nan"),
            "learning_rate": lr, "words": int(words), "seconds": seconds,
            "words_per_second": words / seconds if seconds > 0 else 0.0}


def train_static(family_name, files, output_dir, objective=None, hidden_dim=100,
                 min_count=5, max_vocab=None, lower_case=True, seed=0, options=None,
                 checkpoint_every=0, log_every=100, stop_after=None, max_lines=None,
                 binary=False, evaluate=False, restrict_vocab=30000, jit_compile=None):
    """Trains word2vec or GloVe vectors on a corpus (see the module docstring).

    Args:
        family_name: `"word2vec"` or `"glove"`.
        files: corpus path(s).
        output_dir: run folder (created; a checkpoint in it is resumed).
        objective: `skipgram` / `cbow` (word2vec) or `glove` (None: the
            family's default).
        hidden_dim: vector width.
        min_count, max_vocab, lower_case: the vocabulary.
        seed: data seed (batches are a function of (seed, batch index)).
        options: objective options (`window`, `negative`, `sample`,
            `epochs`, `alpha`, ..., GloVe's `x_max`, `alpha`, `learning_rate`).
        checkpoint_every, log_every, stop_after: see `run_batches`.
        max_lines: read at most this many corpus lines.
        binary: also write `vectors.bin`.
        evaluate: run `tfnlp.embeddings.evaluation.evaluate_all` at the end.
        restrict_vocab: its vocabulary restriction.
        jit_compile: XLA step (word2vec): True, False or None (runs of at
            least `XLA_MIN_BATCHES` batches).

    Returns:
        dict, also written to `OUT/results.json`.
    """
    from tfnlp.embeddings.vectors import WordVectors
    from tfnlp.models.model_dir import save_model_dir
    from tfnlp.models.registry import get_family
    from tfnlp.objectives import get_objective
    from tfnlp.objectives.base import DataOptions
    from tfnlp.text.word_vocab import WordVocab, learn_word_vocab

    family = get_family(family_name)
    objective = objective or family.default_objective
    if objective not in family.objectives:
        raise TfnlpError(f"{family.name} trains with {', '.join(family.objectives)}, "
                         f"not {objective!r}")
    os.makedirs(output_dir, exist_ok=True)
    tokenizer_dir = os.path.join(output_dir, "tokenizer")
    settings = dict(options or {})
    settings.setdefault("max_lines", max_lines)
    objective_impl = get_objective(objective)
    checked = objective_impl.options(DataOptions(extra=settings))  # bad options fail early
    if os.path.isfile(os.path.join(output_dir, CHECKPOINT)) and os.path.isfile(
            os.path.join(tokenizer_dir, "vocab.txt")):
        vocab = WordVocab.load(tokenizer_dir, lower_case)  # resume: the same vocabulary
    else:
        vocab = learn_word_vocab(files, min_count=min_count, max_vocab=max_vocab,
                                 lower_case=lower_case, max_lines=max_lines)
        vocab.save(tokenizer_dir)
    tokenizer = family.load_tokenizer(tokenizer_dir, lower_case=lower_case)
    print_log(f"{family.name}/{objective}: {len(vocab):,} words (min_count {min_count}), "
              f"dim {hidden_dim}")
    config = family.resolve_config(None, {"hidden_dim": hidden_dim})
    backbone = family.build_backbone(config, tokenizer.vocab_size)
    pretrainer = family.build_pretrainer(backbone, objective, config, tokenizer, checked)
    settings["heldout_fraction"] = 0.0

    def make_dataset(start):
        extra = dict(settings, start_batch=start)
        return objective_impl.build_dataset(files, tokenizer, DataOptions(extra=extra,
                                                                          heldout_fraction=0.0),
                                            "train", seed)

    total = objective_impl.total_batches_for(files, tokenizer, DataOptions(extra=settings))
    epochs = int(checked["epochs"])
    run = run_batches(pretrainer, make_dataset, total, checkpoint_dir=output_dir,
                      checkpoint_every=checkpoint_every, log_every=log_every,
                      stop_after=stop_after, epochs=epochs, jit_compile=jit_compile)
    pretrainer.finalize()
    matrix = pretrainer.vectors()[:len(vocab)]
    vectors = WordVectors(vocab.words, matrix, vocab.counts)
    vectors.save_word2vec(os.path.join(output_dir, "vectors.txt"))
    if binary:
        vectors.save_word2vec(os.path.join(output_dir, "vectors.bin"), binary=True)
    save_model_dir(os.path.join(output_dir, "keras"), family.name, backbone, tokenizer,
                   source=f"tfnlp {family.name} {objective}")
    result = {"family": family.name, "objective": objective, "vocab_size": len(vocab),
              "hidden_dim": hidden_dim, "min_count": min_count, "seed": seed,
              "options": {k: v for k, v in checked.items() if k != "start_batch"},
              "total_batches": total, "finished": run["next_batch"] >= total,
              "vectors": os.path.join(output_dir, "vectors.txt"),
              "model_dir": os.path.join(output_dir, "keras"), **run}
    if evaluate and result["finished"]:
        from tfnlp.embeddings.evaluation import evaluate_all

        result["evaluation"] = evaluate_all(vectors, restrict_vocab=restrict_vocab)
    atomic_write_text(os.path.join(output_dir, "results.json"),
                      json.dumps(result, indent=2, sort_keys=True, default=float) + "\n")
    return result
