"""Zero-shot multiple choice with a small GPT-2 pretrained on WordNet + GCIDE.

The GPT-2 paper's claim is that a pretrained LM does tasks without any
fine-tuning. This measures it on a cloze set built from WordNet
(`tfnlp.data.wordnet.wordnet_cloze`): a held-out synset's definition and
four candidate headwords, one right. The held-out synsets are left out of
the pretraining corpus (`wordnet_corpus(exclude_test_percent=...)`);
GCIDE (Webster's 1913) defines many of the same words in other words,
which is the knowledge the model can bring. The distractors are
frequency-matched (within a few ranks of the answer's count in the
pretraining text), so the unigram-frequency guess is near chance.

Steps: learn a byte-level BPE on the corpus (`tfnlp vocab --kind=bpe`),
pretrain GPT-2 (`tfnlp pretrain --family=gpt2 --objective=causal_lm`), then
score each question four ways:

- `gloss->word`: context `Definition: <gloss>\\nWord:`, the candidates
  `" <word>"` as continuations, summed log-likelihood and per token
  (length-normalised);
- `word->gloss`: the corpus's own layout `<word>: <gloss>`: the gloss's
  log-likelihood after each candidate (the paper's "partial scoring" for
  Winograd; the same tokens are scored for every candidate, so no
  normalisation is needed and a candidate's own frequency does not count);

beside chance and the unigram guess (the candidate most frequent in the
pretraining text). Also prints one `TL;DR:` sample (top-k 2). Prints a
table; the last line is JSON.

    python3 benchmarks/zero_shot_gpt2.py [--steps=400 --layers=4 --hidden=128
        --heads=4 --seq_length=64 --batch_size=16 --vocab_size=8000
        --questions=300 --work=/tmp/zero_shot_gpt2]

Rerunning on the same `--work` resumes or reuses the pretraining run.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TLDR_TEXT = ("The dog is a domesticated descendant of the wolf. It was the first species "
             "to be domesticated by humans, and it has been bred for herding, hunting, "
             "guarding and companionship. Dogs eat meat and have a keen sense of smell.")


def word_counts(paths):
    counts = collections.Counter()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                counts.update(re.findall(r"[a-z]+", line.lower()))
    return counts


def tfnlp_cli(args, log):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "tfnlp.cli.main"] + args
    print("$ tfnlp " + " ".join(args), flush=True)
    with open(log, "a", encoding="utf-8") as f:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=f, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"tfnlp {args[0]} failed ({proc.returncode}); see {log}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fitting(model, questions, limit):
    """The first `limit` questions whose prompts fit in the model's positions."""
    import tensorflow as tf

    positions = model.backbone.max_sequence_length
    texts = [f"Definition: {q['definition']}\nWord: {max(q['choices'], key=len)}"
             for q in questions]
    lengths = model.tokenizer.tokenize(tf.constant(texts)).row_lengths().numpy()
    # (the longest candidate by characters; a margin of 4 for the others)
    return [q for q, n in zip(questions, lengths) if n + 4 <= positions][:limit]


def score_cloze(model, questions):
    """Accuracy of each scoring (and of the unigram guess) over the questions."""
    import numpy as np

    from tfnlp.models.gpt2.zero_shot import score_continuations

    forward, partial = [], []
    for q in questions:
        forward += [(f"Definition: {q['definition']}\nWord:", " " + w) for w in q["choices"]]
        partial += [(f"{w}:", " " + q["definition"]) for w in q["choices"]]
    n = len(questions[0]["choices"])

    def picks(scores, per_token=False):
        values = np.asarray(scores["log_likelihood"])
        if per_token:
            values = values / np.asarray(scores["num_tokens"])
        return values.reshape(-1, n).argmax(axis=1)

    labels = np.asarray([q["label"] for q in questions])
    forward = score_continuations(model.backbone, model.tokenizer, forward)
    partial = score_continuations(model.backbone, model.tokenizer, partial)
    unigram = np.asarray([q["counts"] for q in questions]).argmax(axis=1)
    return {"gloss->word sum": float(np.mean(picks(forward) == labels)),
            "gloss->word mean": float(np.mean(picks(forward, True) == labels)),
            "word->gloss": float(np.mean(picks(partial) == labels)),
            "unigram guess": float(np.mean(unigram == labels))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--seq_length", type=int, default=64)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--vocab_size", type=int, default=8000)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--test_percent", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default="/tmp/zero_shot_gpt2")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    log = os.path.join(args.work, "log.txt")

    from tfnlp.data.gcide import gcide_corpus
    from tfnlp.data.wordnet import wordnet_cloze, wordnet_corpus

    start = time.time()
    corpus = [wordnet_corpus(exclude_test_percent=args.test_percent), gcide_corpus()]
    bpe = os.path.join(args.work, "bpe")
    if not os.path.isfile(os.path.join(bpe, "merges.txt")):
        tfnlp_cli(["vocab", "--kind=bpe", f"--input={','.join(corpus)}",
                   f"--vocab_size={args.vocab_size}", f"--output={bpe}"], log)
    run = os.path.join(args.work, "run")
    config = {"num_layers": args.layers, "hidden_dim": args.hidden, "num_heads": args.heads,
              "intermediate_dim": 4 * args.hidden, "max_sequence_length": args.seq_length}
    train_start = time.time()
    done = os.path.join(run, "results.json")
    result = None
    if os.path.isfile(done):
        with open(done, encoding="utf-8") as f:
            result = json.load(f)
        if result.get("step") != args.steps:
            result = None
    result = result or tfnlp_cli(["pretrain", "--family=gpt2", "--objective=causal_lm",
                        f"--vocab={bpe}", f"--input={','.join(corpus)}",
                        f"--model_config={json.dumps(config)}",
                        f"--seq_length={args.seq_length}", f"--batch_size={args.batch_size}",
                        f"--steps={args.steps}", f"--checkpoint_every={args.steps}",
                        "--log_every=100", f"--seed={args.seed}", f"--model_dir={run}"], log)
    train_seconds = time.time() - train_start

    from tfnlp.models.gpt2.zero_shot import Generator, tldr_summarize
    from tfnlp.models.model_dir import load_model_dir

    model = load_model_dir(os.path.join(run, "keras"))
    drawn = wordnet_cloze(word_counts(corpus), num_questions=4 * args.questions,
                          test_percent=args.test_percent, seed=args.seed)
    questions = fitting(model, drawn, args.questions)
    accuracy = score_cloze(model, questions)
    tldr = tldr_summarize(Generator(model.backbone, model.tokenizer), [TLDR_TEXT],
                          max_new_tokens=40, seed=args.seed)[0]

    print(f"\nGPT-2 L{args.layers} H{args.hidden}, {args.steps} steps x {args.batch_size} x "
          f"{args.seq_length} on WordNet (held-out synsets removed) + GCIDE "
          f"({train_seconds:.0f} s)")
    print(f"held-out perplexity {result['heldout_perplexity']:.1f} vs unigram "
          f"{result['unigram_baseline_perplexity']:.1f}")
    print(f"\n{len(questions)} cloze questions (glosses that fit in {args.seq_length} "
          f"positions), 4 frequency-matched choices")
    print(f"{'scoring':<20}{'accuracy':>9}")
    print(f"{'chance':<20}{0.25:>9.3f}")
    for name, value in accuracy.items():
        print(f"{name:<20}{value:>9.3f}")
    print(f"\nTL;DR sample: {tldr!r}")
    print(json.dumps({"benchmark": "zero_shot_gpt2", "layers": args.layers,
                      "hidden": args.hidden, "steps": args.steps,
                      "train_seconds": round(train_seconds, 1),
                      "heldout_perplexity": result["heldout_perplexity"],
                      "unigram_baseline_perplexity": result["unigram_baseline_perplexity"],
                      "questions": len(questions), "chance": 0.25,
                      "accuracy": accuracy, "tldr": tldr,
                      "total_seconds": round(time.time() - start, 1)}))


if __name__ == "__main__":
    main()
