"""BERT (MLM), ELECTRA (RTD) and XLNet (PLM) pretrained for the same wall-clock time, then fine-tuned.

ELECTRA's claim (Clark et al. 2020) is that replaced-token detection beats
masked-LM pretraining at equal compute; XLNet's (Yang et al. 2019) that
permutation-LM does. This benchmark measures both claims on one machine at
tiny scale:

1. One WordPiece vocab is learnt from the corpus and shared by BERT and
   ELECTRA; XLNet learns its SentencePiece model from the same lines.
2. Each family pretrains through the real trainer
   (`tfnlp.pretraining.pretrain`) for the same wall-clock seconds
   (`--seconds`), on the same corpus, batch size and sequence length, with
   the trainer's default learning rate for its width and a full schedule
   (10% warmup, linear decay to the last step).
   Equal time is reached by **calibration**, not by stopping a run early: a
   short calibration run of each family (`--calibration_steps`, same
   settings, its own scratch folder) measures its steady steps/s under the
   current load, and the real run gets `steps = seconds * steps/s`.
   Stopping on a clock would cut each family's learning-rate schedule at a
   different point (a faster family would stop at a higher rate), which is
   not the same recipe; the calibration keeps every schedule whole. The
   seconds are steady training seconds: the one-off graph tracing (tens of
   seconds on a loaded CPU, more for ELECTRA's two networks) is a start-up
   cost that does not grow with the budget, so it is measured and reported
   (`startup_seconds`) but not charged. The table shows the steady seconds
   each run really took (`steps / its own steady steps/s`), so a drift of
   the machine's load between calibration and run shows.
3. Each pretrained encoder (the run's Keras model dir) is fine-tuned on the
   WordNet gloss -> lexicographer-class task
   (`tfnlp.data.wordnet.sample_gloss_classification` +
   `tfnlp.tasks.runner.finetune`) with one recipe for all, once per seed;
   a seed draws the train/test sample and the head's initialisation, and
   every family gets the same sample for that seed, so gaps are paired.
   `--scratch` adds a BERT with no pretraining (0 steps), the control that
   says how much the pretraining itself bought.

Prints one table and, last, one JSON line with every number.

Run (the README's numbers came from `--seconds=60 --vocab_size=4000
--sp_vocab_size=4000 --vocab_max_lines=5000 --calibration_steps=20
--train_size=300 --test_size=300`: about 55 minutes on 2 CPU cores at a
load average of ~20, with the fine-tuning split over two processes by
`--reuse_pretraining --finetune_families=...`):
    python benchmarks/equal_time_pretraining.py --seconds=120 --seeds=3
        [--families=bert,electra,xlnet] [--input=wordnet|gcide]
        [--presets=bert=bert_tiny,electra=electra_tiny,xlnet=xlnet_tiny]
        [--model_configs='{"xlnet": {"hidden_dim": 128}}']
        [--seq_length=64] [--batch_size=32] [--train_size=1000]
        [--test_size=1000] [--epochs=3] [--schedule=linear]
        [--finetune_learning_rate=1e-3] [--scratch] [--work_dir=/tmp/...]
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import json  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402

from absl import app, flags  # noqa: E402

OBJECTIVES = {"bert": "mlm", "electra": "rtd", "xlnet": "plm"}
DEFAULT_PRESETS = {"bert": "bert_tiny", "electra": "electra_tiny", "xlnet": "xlnet_tiny"}
# (held-out metric, its baseline) of each objective, from `pretrain`'s result.
HELDOUT = {"mlm": ("heldout_mlm_accuracy", "unigram_baseline_accuracy"),
           "rtd": ("heldout_rtd_accuracy", "rtd_baseline_accuracy"),
           "plm": ("heldout_plm_accuracy", "plm_unigram_baseline_accuracy")}

FAMILIES = flags.DEFINE_string("families", "bert,electra,xlnet",
                               "Comma-separated families; bert is the reference of the gaps.")
SECONDS = flags.DEFINE_float("seconds", 120.0, "Wall-clock training seconds per family.")
INPUT = flags.DEFINE_string("input", "wordnet", "Corpus: wordnet, gcide or files.")
PRESETS = flags.DEFINE_string("presets", None,
                              "family=preset,... overrides of the tiny presets.")
MODEL_CONFIGS = flags.DEFINE_string("model_configs", None,
                                    'JSON {"family": {setting: value}} of model overrides.')
SEQ = flags.DEFINE_integer("seq_length", 64, "Pretraining sequence length.")
BATCH = flags.DEFINE_integer("batch_size", 32, "Pretraining batch size.")
VOCAB_SIZE = flags.DEFINE_integer("vocab_size", 8192, "WordPiece vocab size (BERT, ELECTRA).")
SP_VOCAB_SIZE = flags.DEFINE_integer("sp_vocab_size", 8000, "SentencePiece vocab size (XLNet).")
VOCAB_LINES = flags.DEFINE_integer("vocab_max_lines", 20000, "Corpus lines the vocabs learn from.")
CALIBRATION = flags.DEFINE_integer("calibration_steps", 30,
                                   "Steps of each calibration run (the first third traces).")
SEEDS = flags.DEFINE_integer("seeds", 3, "Fine-tuning seeds 0..N-1.")
TRAIN_SIZE = flags.DEFINE_integer("train_size", 500, "Fine-tuning train examples.")
TEST_SIZE = flags.DEFINE_integer("test_size", 500, "Fine-tuning test examples.")
EPOCHS = flags.DEFINE_integer("epochs", 3, "Fine-tuning epochs.")
FT_BATCH = flags.DEFINE_integer("finetune_batch_size", 32, "Fine-tuning batch size.")
FT_SEQ = flags.DEFINE_integer("finetune_seq_length", 64, "Fine-tuning sequence length.")
SCHEDULE = flags.DEFINE_enum("schedule", "linear", ["linear", "ulmfit"], "Fine-tuning schedule.")
FT_LR = flags.DEFINE_float("finetune_learning_rate", 1e-3,
                           "Fine-tuning peak rate (the head's peak for ulmfit).")
EVAL_SPLIT = flags.DEFINE_enum("eval_split", "test", ["test", "eval"],
                               "WordNet split the fine-tuned models are scored on.")
SCRATCH = flags.DEFINE_bool("scratch", True, "Also fine-tune a BERT with no pretraining.")
WORK = flags.DEFINE_string("work_dir", "/tmp/tfnlp_equal_time", "Scratch folder (replaced).")
REUSE = flags.DEFINE_bool("reuse_pretraining", False,
                          "Keep --work_dir's finished pretraining (pretrain_rows.json) and "
                          "only fine-tune again.")
FT_FAMILIES = flags.DEFINE_string("finetune_families", None,
                                  "With --reuse_pretraining: fine-tune only these rows "
                                  "(e.g. to split the fine-tuning over processes).")


def _mean_sd(values):
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


class TimedLog:
    """A `pretrain` log that keeps each line with its time (and echoes it)."""

    def __init__(self, prefix):
        self.prefix, self.lines = prefix, []

    def __call__(self, message):
        self.lines.append((time.perf_counter(), message))
        print(f"[{self.prefix}] {message}", flush=True)

    def training_seconds(self):
        """Seconds from the "model:" line (fit starts) to the last checkpoint line."""
        start = next(t for t, m in self.lines if m.startswith("model:"))
        end = [t for t, m in self.lines if "saved checkpoint" in m][-1]
        return end - start

    def first_window_seconds(self):
        """Seconds from the "model:" line to the first progress line (includes tracing)."""
        start = next(t for t, m in self.lines if m.startswith("model:"))
        first = next(t for t, m in self.lines if m.startswith("step ") and "steps/s" in m)
        return first - start


def learn_vocabs(corpus, folder):
    """One WordPiece vocab (BERT and ELECTRA) and XLNet's SentencePiece model."""
    from tfnlp.models.registry import get_family

    wordpiece = get_family("bert").learn_tokenizer(
        corpus, os.path.join(folder, "wordpiece", "vocab.txt"), VOCAB_SIZE.value,
        lower_case=True, max_lines=VOCAB_LINES.value)
    spiece = get_family("xlnet").learn_tokenizer(
        corpus, os.path.join(folder, "spiece"), SP_VOCAB_SIZE.value,
        lower_case=True, max_lines=VOCAB_LINES.value)
    return {"bert": wordpiece, "electra": wordpiece, "xlnet": spiece}


def family_config(family, vocab, model_dir, steps, presets, model_configs, **extra):
    from tfnlp.pretraining import PretrainConfig

    return PretrainConfig(
        model_dir=model_dir, vocab=vocab, input=INPUT.value, steps=steps, family=family,
        preset=presets[family], objective=OBJECTIVES[family],
        model_config=json.dumps(model_configs[family]) if model_configs.get(family) else None,
        lower_case=True, seq_length=SEQ.value, batch_size=BATCH.value, **extra)


def calibrate(family, vocab, presets, model_configs):
    """Steady steps/s and start-up seconds of `family`, from a short real run."""
    from tfnlp.pretraining import pretrain

    steps = CALIBRATION.value
    log = TimedLog(f"{family} calibration")
    result = pretrain(family_config(
        family, vocab, os.path.join(WORK.value, "calibration", family), steps, presets,
        model_configs, log_every=max(1, steps // 3), checkpoint_every=steps,
        eval_batches=1), log=log)
    rate = result["steps_per_second"]
    startup = max(0.0, log.first_window_seconds() - max(1, steps // 3) / rate)
    return rate, startup


def pretrain_family(family, vocab, steps, presets, model_configs):
    from tfnlp.pretraining import pretrain

    log = TimedLog(family)
    start = time.perf_counter()
    model_dir = os.path.join(WORK.value, "pretrain", family)
    result = pretrain(family_config(
        family, vocab, model_dir, steps, presets, model_configs,
        log_every=max(10, steps // 10), checkpoint_every=steps), log=log)
    metric, baseline = HELDOUT[OBJECTIVES[family]]
    row = {"family": family, "objective": OBJECTIVES[family], "preset": presets[family],
           "steps": result["step"], "steps_per_second": result["steps_per_second"],
           "steady_seconds": round(result["step"] / result["steps_per_second"], 1),
           "fit_seconds": round(log.training_seconds(), 1),
           "pretrain_call_seconds": round(time.perf_counter() - start, 1),
           "heldout_metric": metric, "heldout": round(result[metric], 4),
           "baseline": round(result[baseline], 4), "keras_model_dir": result["keras_model_dir"],
           "parameters": _parameters(log)}
    if family == "electra":
        row["heldout_rtd_auc"] = round(result["heldout_rtd_auc"], 4)
        row["heldout_generator_mlm_accuracy"] = round(result["heldout_mlm_accuracy"], 4)
    return row


def _parameters(log):
    import re

    for _, message in log.lines:
        found = re.search(r"([\d,]+) parameters trained", message)
        if found:
            return int(found.group(1).replace(",", ""))
    return None


def scratch_model(vocab, presets, model_configs):
    """A BERT model dir with no pretraining, written by the trainer.

    The trainer runs at least one step; this one runs at a learning rate of
    1e-12, so the saved weights are the initial ones.
    """
    from tfnlp.pretraining import pretrain

    result = pretrain(family_config(
        "bert", vocab, os.path.join(WORK.value, "pretrain", "bert_scratch"), 1, presets,
        model_configs, eval_batches=1, learning_rate=1e-12, warmup_steps=0),
        log=TimedLog("bert scratch"))
    return result["keras_model_dir"]


def finetune_seed(model_dir, task, seed, out_dir):
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    metrics = finetune(FinetuneConfig(
        encoder=model_dir, task="classification", train=task["train"], eval=task["eval"],
        output=out_dir, schedule=SCHEDULE.value, epochs=EPOCHS.value,
        batch_size=FT_BATCH.value, learning_rate=FT_LR.value, seq_length=FT_SEQ.value,
        seed=seed, verbose=False))
    return round(metrics["accuracy"], 4), round(metrics["macro_f1"], 4), metrics["seconds"]


def print_table(rows, seeds):
    print()
    print("| family | preset | params | pretrain steps | steady s | held-out metric "
          "| value | baseline | " + " | ".join(f"seed {s} acc / F1" for s in seeds)
          + " | acc mean ± sd | F1 mean ± sd | gap vs bert (points) per seed | gap mean ± sd |")
    print("|---" * (11 + len(seeds)) + "|")
    for row in rows:
        accs = [f"{100 * a:.1f} / {100 * f:.1f}" for a, f in zip(row["accuracy"], row["macro_f1"])]
        gaps = row.get("gap_points")
        gap_cells = ("—", "—") if not gaps else (
            ", ".join(f"{g:+.1f}" for g in gaps),
            f"{row['gap_mean']:+.1f} ± {row['gap_sd']:.1f}")
        print(f"| {row['family']} | {row['preset']} | {row.get('parameters') or '—'} "
              f"| {row['steps']} | {row.get('steady_seconds', '—')} "
              f"| {row.get('heldout_metric', '—')} | {row.get('heldout', '—')} "
              f"| {row.get('baseline', '—')} | " + " | ".join(accs)
              + f" | {100 * row['accuracy_mean']:.1f} ± {100 * row['accuracy_sd']:.1f} "
              f"| {100 * row['macro_f1_mean']:.1f} ± {100 * row['macro_f1_sd']:.1f} "
              f"| {gap_cells[0]} | {gap_cells[1]} |")


def main(_):
    from tfnlp.errors import TfnlpError

    families = [f.strip() for f in FAMILIES.value.split(",") if f.strip()]
    unknown = [f for f in families if f not in OBJECTIVES]
    if unknown or "bert" not in families:
        raise TfnlpError(f"--families must include bert and name only {sorted(OBJECTIVES)}, "
                         f"got {FAMILIES.value!r}")
    presets = dict(DEFAULT_PRESETS)
    for item in (PRESETS.value or "").split(","):
        if item.strip():
            name, _, preset = item.partition("=")
            presets[name.strip()] = preset.strip()
    model_configs = json.loads(MODEL_CONFIGS.value) if MODEL_CONFIGS.value else {}
    begin = time.perf_counter()
    print(f"load average at start: {os.getloadavg()}", flush=True)
    rows_path = os.path.join(WORK.value, "pretrain_rows.json")
    if REUSE.value and os.path.isfile(rows_path):
        with open(rows_path, encoding="utf-8") as f:
            rows = json.load(f)
    else:
        rows = pretrain_all(families, presets, model_configs)
        with open(rows_path, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    finetune_and_report(rows, begin)


def pretrain_all(families, presets, model_configs):
    """Stage 1: vocabs, calibration and the equal-time runs (+ the scratch control)."""
    from tfnlp.pretraining.run_dir import resolve_input

    if os.path.isdir(WORK.value):
        shutil.rmtree(WORK.value)
    os.makedirs(WORK.value)
    corpus = resolve_input(INPUT.value)
    vocabs = learn_vocabs(corpus, os.path.join(WORK.value, "vocab"))
    rows = []
    for family in families:
        rate, startup = calibrate(family, vocabs[family], presets, model_configs)
        steps = max(1, int(SECONDS.value * rate))
        print(f"[{family}] calibration: {rate:.3f} steps/s (start-up {startup:.1f} s) "
              f"-> {steps} steps for {SECONDS.value:.0f} s", flush=True)
        row = pretrain_family(family, vocabs[family], steps, presets, model_configs)
        row.update(calibrated_steps_per_second=round(rate, 3),
                   startup_seconds=round(startup, 1))
        rows.append(row)
    if SCRATCH.value:
        rows.append({"family": "bert_scratch", "objective": None, "preset": presets["bert"],
                     "steps": 0, "keras_model_dir": scratch_model(
                         vocabs["bert"], presets, model_configs)})
    return rows


def finetune_and_report(rows, begin):
    """Stage 2: every encoder fine-tuned on the same lexname samples; table + JSON."""
    seeds = list(range(SEEDS.value))
    from tfnlp.data.wordnet import sample_gloss_classification

    if FT_FAMILIES.value:
        keep = {f.strip() for f in FT_FAMILIES.value.split(",")}
        rows = [r for r in rows if r["family"] in keep]

    tasks = {seed: sample_gloss_classification(
        os.path.join(WORK.value, "lexname", f"seed{seed}"), TRAIN_SIZE.value, TEST_SIZE.value,
        seed=seed, eval_split=EVAL_SPLIT.value) for seed in seeds}
    for row in rows:
        row["accuracy"], row["macro_f1"], row["finetune_seconds"] = [], [], []
        for seed in seeds:
            acc, f1, seconds = finetune_seed(
                row["keras_model_dir"], tasks[seed], seed,
                os.path.join(WORK.value, "finetune", f"{row['family']}_seed{seed}"))
            print(f"[{row['family']}] seed {seed}: accuracy {acc:.4f} macro-F1 {f1:.4f} "
                  f"({seconds} s)", flush=True)
            row["accuracy"].append(acc)
            row["macro_f1"].append(f1)
            row["finetune_seconds"].append(seconds)
        for key in ("accuracy", "macro_f1"):
            mean, sd = _mean_sd(row[key])
            row[f"{key}_mean"], row[f"{key}_sd"] = round(mean, 4), round(sd, 4)
    bert = next((r for r in rows if r["family"] == "bert"), None)
    for row in rows:
        if bert is not None and row is not bert:
            row["gap_points"] = [round(100 * (a - b), 2)
                                 for a, b in zip(row["accuracy"], bert["accuracy"])]
            row["gap_mean"], row["gap_sd"] = (round(v, 2) for v in _mean_sd(row["gap_points"]))
        row.pop("keras_model_dir")

    print_table(rows, seeds)
    settings = {"seconds": SECONDS.value, "input": INPUT.value, "seq_length": SEQ.value,
                "batch_size": BATCH.value, "vocab_size": VOCAB_SIZE.value,
                "sp_vocab_size": SP_VOCAB_SIZE.value, "equal_time": "calibrated steps",
                "calibration_steps": CALIBRATION.value, "train_size": TRAIN_SIZE.value,
                "test_size": TEST_SIZE.value, "labels": [len(tasks[s]["labels"]) for s in seeds],
                "epochs": EPOCHS.value, "schedule": SCHEDULE.value,
                "finetune_learning_rate": FT_LR.value, "finetune_seq_length": FT_SEQ.value,
                "eval_split": EVAL_SPLIT.value, "load_average": list(os.getloadavg()),
                "wall_seconds": round(time.perf_counter() - begin, 1)}
    print(json.dumps({"benchmark": "equal_time_pretraining", "settings": settings,
                      "rows": rows}))


if __name__ == "__main__":
    app.run(main)
