"""Short-run defaults: held-out MLM accuracy of `tfnlp pretrain` after a few hundred steps.

A newcomer's first run is short (`bert_tiny`, 400 steps of batch 32 at
seq 64). This sweep runs `tfnlp.pretraining.pretrain` (what `tfnlp
pretrain` calls) once per named config on one corpus, with the vocab
learnt from that corpus as `tfnlp vocab` learns it, and prints for each
the held-out MLM accuracy, the unigram baseline on the same masks
(`unigram_baseline_accuracy`: the best constant guess on the held-out
masked positions) and their ratio, as the final JSON line of `tfnlp
pretrain` reports them, plus the learning curve: the same held-out
evaluation (same batches, same masks) of the checkpoints saved every
`--curve_every` steps of the run.

Each config is a JSON object of `PretrainConfig` fields (`learning_rate`,
`warmup_steps`, `dropout`, `weight_decay`, `objective`, ...) and, under
`"optimizer_options"`, `create_optimizer` arguments (`beta_2`, `epsilon`,
`clipnorm`, `end_learning_rate`); `{}` is the defaults.

Example (the README's table):

    python3 benchmarks/short_run_defaults.py --input=gcide --configs=defaults
    python3 benchmarks/short_run_defaults.py --input=corpus.txt \\
        --configs='{"lr3e-3": {"learning_rate": 3e-3}, "defaults": {}}'
"""

import argparse
import functools
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Named configs of the sweep: the defaults and the alternatives to compare.
CONFIGS = {
    "defaults": {},
    # The rates and dropout compared in the README (1e-3, dropout 0.1: the defaults).
    "old_defaults": {"learning_rate": 1e-3, "dropout": 0.1},
    "lr3e-3": {"learning_rate": 3e-3, "dropout": 0.1},
    "lr5e-3": {"learning_rate": 5e-3, "dropout": 0.1},
    "lr3e-3_dropout0": {"learning_rate": 3e-3, "dropout": 0.0},
    "lr5e-3_dropout0": {"learning_rate": 5e-3, "dropout": 0.0},
    "lr3e-3_dropout0_beta2_0.98": {"learning_rate": 3e-3, "dropout": 0.0,
                                   "optimizer_options": {"beta_2": 0.98}},
}


def parse_configs(text):
    """`--configs`: comma-separated names from CONFIGS, or a JSON object name -> config."""
    text = text.strip()
    if text.startswith("{"):
        return json.loads(text)
    return {name: CONFIGS[name] for name in text.split(",") if name}


def learn_vocab(corpus, vocab_size, path):
    """Learns the corpus's WordPiece vocab as `tfnlp vocab` does (cached by path)."""
    from tfnlp.text.vocab import learn_wordpiece_vocab, write_vocab

    if not os.path.isfile(path):
        write_vocab(learn_wordpiece_vocab(corpus, vocab_size), path)
    return path


def heldout_curve(config):
    """Held-out metrics of the checkpoints before the last, on the run's own held-out batches.

    Args:
        config: the finished run's `PretrainConfig`.

    Returns:
        list of (step, heldout_mlm_accuracy, unigram_baseline_accuracy).
    """
    from tfnlp.pretraining.builder import build_pretrainer
    from tfnlp.pretraining.checkpointing import TrainingCheckpoint, checkpoint_directory
    from tfnlp.pretraining.run_dir import load_run_tokenizer, resolve_input
    from tfnlp.pretraining.trainer import evaluate_heldout

    tokenizer = load_run_tokenizer(config, os.path.join(config.model_dir, "tokenizer"))
    family, objective = config.family_object(), config.objective_object()
    # The held-out half of `trainer.build_datasets` (the same batches and
    # masks), without tokenizing the training documents again.
    heldout = objective.build_dataset(resolve_input(config.input), tokenizer,
                                      config.data_options(), "heldout",
                                      config.seed + 1).take(config.eval_batches)
    pretrainer, _ = build_pretrainer(config, tokenizer)
    checkpoint = TrainingCheckpoint(checkpoint_directory(config.model_dir),
                                    family.checkpoint_model(pretrainer))
    curve = []
    for path in checkpoint.manager.checkpoints[:-1]:  # the last: the run's own result
        checkpoint.restore(path)
        metrics = evaluate_heldout(objective, pretrainer, heldout)
        curve.append((int(path.rsplit("-", 1)[1]), metrics["heldout_mlm_accuracy"],
                      metrics["unigram_baseline_accuracy"]))
    return curve


def run_config(name, overrides, args, vocab, work):
    """One pretraining run + its learning curve; returns the result row."""
    import tfnlp.optimizers as optimizers
    from tfnlp.pretraining import PretrainConfig, pretrain

    overrides = dict(overrides)
    options = overrides.pop("optimizer_options", None) or {}
    original = optimizers.create_optimizer
    if options:  # the builder looks `create_optimizer` up at call time
        optimizers.create_optimizer = functools.partial(original, **options)
    config = PretrainConfig(
        model_dir=os.path.join(work, name), vocab=vocab, input=args.input,
        steps=args.steps, batch_size=args.batch_size, seq_length=args.seq_length,
        preset="bert_tiny", checkpoint_every=args.curve_every,
        keep_checkpoints=args.steps // args.curve_every + 1, log_every=args.steps,
        seed=args.seed, **overrides)
    start = time.time()
    try:
        result = pretrain(config, log=lambda line: None)
        curve = heldout_curve(config)
    finally:
        optimizers.create_optimizer = original
    acc, base = result["heldout_mlm_accuracy"], result["unigram_baseline_accuracy"]
    curve.append((result["step"], acc, base))
    return {"config": name, "settings": dict(overrides, **options),
            "heldout_mlm_accuracy": acc, "unigram_baseline_accuracy": base,
            "ratio": round(acc / base, 3),
            "curve": [[s, round(a, 4), round(a / b, 2)] for s, a, b in curve],
            "learning_rate": config.resolved_learning_rate(),
            "warmup_steps": config.resolved_warmup_steps(),
            "seconds": round(time.time() - start, 1)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", default="gcide",
                        help="corpus file(s), or wordnet / gcide")
    parser.add_argument("--vocab", default=None,
                        help="vocab.txt (default: learnt from --input, --vocab_size)")
    parser.add_argument("--vocab_size", type=int, default=8192,
                        help="WordPiece vocab size when learning it (tfnlp vocab's default)")
    parser.add_argument("--configs", default="defaults",
                        help="names from CONFIGS, comma-separated, or a JSON object")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--seq_length", type=int, default=64)
    parser.add_argument("--curve_every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work_dir", default=None, help="run folders (default: a temp dir)")
    args = parser.parse_args(argv)

    from tfnlp.pretraining.run_dir import resolve_input

    work = args.work_dir or tempfile.mkdtemp(prefix="short_run_")
    os.makedirs(work, exist_ok=True)
    vocab = args.vocab or learn_vocab(resolve_input(args.input), args.vocab_size,
                                      os.path.join(work, f"vocab_{args.vocab_size}.txt"))
    rows = []
    for name, overrides in parse_configs(args.configs).items():
        row = run_config(name, overrides, args, vocab, work)
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"\ncorpus {args.input}: bert_tiny, {args.steps} steps, batch {args.batch_size}, "
          f"seq {args.seq_length}, vocab {os.path.basename(vocab)}")
    print("| config | held-out MLM acc | unigram | ratio | curve (step: acc, ratio) |")
    print("|---|---|---|---|---|")
    for row in rows:
        curve = ", ".join(f"{s}: {a:.1%} ({r}x)" for s, a, r in row["curve"])
        print(f"| {row['config']} | {row['heldout_mlm_accuracy']:.1%} | "
              f"{row['unigram_baseline_accuracy']:.1%} | {row['ratio']}x | {curve} |")
    print(json.dumps({"input": args.input, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
