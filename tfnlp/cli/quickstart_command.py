"""`tfnlp quickstart`: vocab -> short BERT-Tiny pretraining -> TF-Hub export, on WordNet.

A few minutes on two CPU cores. Prints the held-out masked-LM accuracy next
to the unigram baseline (always predicting the most frequent masked token),
then exports the encoder (+mlm) and preprocess modules.

Example:

    tfnlp quickstart --output=quickstart
    tfnlp quickstart --output=quickstart --steps=2000    # longer, better

All defaults are in `QUICKSTART_DEFAULTS`. The last stdout line is JSON with
the pretraining result plus `vocab`, `encoder` and `preprocess` paths.
"""

import json
import os

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = ("try it: learn a vocab, pretrain BERT-Tiny briefly on the embedded "
           "WordNet corpus, export TF-Hub modules")

# The one place for the quickstart's settings.
QUICKSTART_DEFAULTS = {
    "output": "tfnlp_quickstart",
    "input": "wordnet",
    "vocab_size": 2000,
    "vocab_max_lines": 5000,    # ~1 min; all 172k WordNet lines take ~10 min
    "preset": "bert_tiny",
    "objective": "mlm",
    "seq_length": 64,
    "batch_size": 32,
    "steps": 500,               # ~3 min at ~3 steps/s on 2 CPU cores
    "learning_rate": 2e-3,
    "warmup_steps": 50,
    "checkpoint_every": 100,
    "log_every": 50,
    "with_mlm": True,
}


def define_flags(flag_values):
    """Defines the quickstart flags (defaults from `QUICKSTART_DEFAULTS`)."""
    d = QUICKSTART_DEFAULTS
    flags.DEFINE_string("output", d["output"], "Folder for vocab.txt, model/ (the run) "
                        "and hub/ (the modules).", flag_values=flag_values)
    flags.DEFINE_string("input", d["input"], "Corpus files, or 'wordnet'.",
                        flag_values=flag_values)
    flags.DEFINE_integer("vocab_size", d["vocab_size"], "WordPiece vocab size.",
                         flag_values=flag_values)
    flags.DEFINE_integer("vocab_max_lines", d["vocab_max_lines"], "Lines read to learn "
                         "the vocab.", flag_values=flag_values)
    flags.DEFINE_string("preset", d["preset"], "Model preset.", flag_values=flag_values)
    flags.DEFINE_string("objective", d["objective"], "mlm or mlm_nsp.",
                        flag_values=flag_values)
    flags.DEFINE_integer("seq_length", d["seq_length"], "Sequence length.",
                         flag_values=flag_values)
    flags.DEFINE_integer("batch_size", d["batch_size"], "Batch size.",
                         flag_values=flag_values)
    flags.DEFINE_integer("steps", d["steps"], "Pretraining steps.", flag_values=flag_values)
    flags.DEFINE_float("learning_rate", d["learning_rate"], "Peak learning rate.",
                       flag_values=flag_values)
    flags.DEFINE_integer("warmup_steps", d["warmup_steps"], "Warmup steps.",
                         flag_values=flag_values)
    flags.DEFINE_integer("checkpoint_every", d["checkpoint_every"], "Checkpoint period.",
                         flag_values=flag_values)
    flags.DEFINE_integer("log_every", d["log_every"], "Progress period.",
                         flag_values=flag_values)
    flags.DEFINE_boolean("with_mlm", d["with_mlm"], "Export the MLM head too.",
                         flag_values=flag_values)


def run(flag_values):
    """Runs vocab -> pretrain -> export; prints progress and one JSON line."""
    import warnings

    from tfnlp.cli.export_command import export_run
    from tfnlp.pretraining.callbacks import print_log
    from tfnlp.pretraining.run_config import PretrainConfig
    from tfnlp.pretraining.run_dir import resolve_input
    from tfnlp.pretraining.trainer import pretrain
    from tfnlp.text.vocab import learn_wordpiece_vocab, write_vocab

    f = flag_values
    if not f.output:
        raise TfnlpError("missing --output")
    warnings.filterwarnings("ignore", message=".*`shuffle=True` was passed.*")
    config = PretrainConfig(
        model_dir=os.path.join(f.output, "model"),
        vocab=os.path.join(f.output, "vocab.txt"), input=f.input,
        preset=f.preset, objective=f.objective, seq_length=f.seq_length,
        batch_size=f.batch_size, steps=f.steps, learning_rate=f.learning_rate,
        warmup_steps=f.warmup_steps, checkpoint_every=f.checkpoint_every,
        log_every=f.log_every)
    config.validate()
    corpus = resolve_input(f.input)
    if os.path.isfile(config.vocab):
        print_log(f"1/3 vocab: reusing {config.vocab}")
    else:
        print_log(f"1/3 vocab: learning {f.vocab_size} WordPieces from {corpus}")
        write_vocab(learn_wordpiece_vocab(corpus, f.vocab_size,
                                          max_lines=f.vocab_max_lines), config.vocab)
    print_log(f"2/3 pretrain: {f.preset}, {f.objective}, {f.steps} steps -> {config.model_dir}")
    result = pretrain(config)
    print_log(f"held-out masked-LM accuracy {result['heldout_mlm_accuracy']:.1%} "
              f"vs unigram baseline {result['unigram_baseline_accuracy']:.1%}")
    print_log(f"3/3 export -> {os.path.join(f.output, 'hub')}")
    paths = export_run(config.model_dir, os.path.join(f.output, "hub"),
                       with_mlm=f.with_mlm, seq_length=f.seq_length)
    result.update(vocab=config.vocab, encoder=paths["encoder"],
                  preprocess=paths["preprocess"])
    print(json.dumps(result), flush=True)
    return 0
