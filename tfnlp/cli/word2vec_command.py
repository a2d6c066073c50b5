"""`tfnlp word2vec`: train word2vec vectors (skip-gram or CBOW) on a corpus.

Example:

    tfnlp word2vec --input=gcide --output=runs/w2v --objective=skipgram \\
        --dim=100 --window=5 --negative=5 --sample=1e-3 --min_count=5 --epochs=3

Progress lines on stderr give words/s and the current learning rate; a
killed run started again with the same `--output` resumes from its last
checkpoint and ends with the same vectors. Writes `OUT/vectors.txt`
(word2vec text format; `--binary` adds `vectors.bin`), `OUT/keras/` (a
tfnlp model dir), `OUT/results.json`, and with `--hub_output` the
text-embedding TF-Hub module. The last stdout line is JSON.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "train word2vec vectors (skip-gram / CBOW, negative sampling) on a corpus"

# Ranges of the flags `define_common_flags` defines (see flag_utils.declare_ranges).
COMMON_RANGES = {
    "dim": "[1, inf)", "min_count": "[1, inf)", "max_vocab": "[1, inf)", "epochs": "[1, inf)",
    "seed": "[0, inf)", "max_lines": "[1, inf)", "checkpoint_every": "[1, inf)",
    "log_every": "[1, inf)", "restrict_vocab": "[1, inf)",
}
RANGES = dict(COMMON_RANGES, window="[1, inf)", negative="[1, inf)", sample="[0, 1)",
              alpha="(0, inf)", min_alpha="[0, inf)", chunk_words="[1, inf)")


def define_common_flags(flag_values, epochs):
    """Flags shared by `tfnlp word2vec` and `tfnlp glove`."""
    flags.DEFINE_string("input", None, "Corpus: comma-separated files/globs, 'wordnet' or "
                        "'gcide' (the embedded corpora).", flag_values=flag_values)
    flags.DEFINE_string("output", None, "Run folder (a checkpoint in it is resumed).",
                        flag_values=flag_values)
    flags.DEFINE_integer("dim", 100, "Vector width.", flag_values=flag_values)
    flags.DEFINE_integer("min_count", 5, "Drop words seen fewer times.",
                         flag_values=flag_values)
    flags.DEFINE_integer("max_vocab", None, "Keep at most this many words.",
                         flag_values=flag_values)
    flags.DEFINE_integer("epochs", epochs, "Passes over the corpus.", flag_values=flag_values)
    flags.DEFINE_integer("seed", 0, "Data seed.", flag_values=flag_values)
    flags.DEFINE_boolean("lower_case", True, "Lower-case words.", flag_values=flag_values)
    flags.DEFINE_integer("max_lines", None, "Read at most this many corpus lines.",
                         flag_values=flag_values)
    flags.DEFINE_integer("checkpoint_every", 500, "Batches between checkpoints.",
                         flag_values=flag_values)
    flags.DEFINE_integer("log_every", 100, "Batches between progress lines.",
                         flag_values=flag_values)
    flags.DEFINE_boolean("binary", False, "Also write vectors.bin (word2vec binary).",
                         flag_values=flag_values)
    flags.DEFINE_boolean("evaluate", False, "Evaluate at the end (analogies, WS353, SimLex).",
                         flag_values=flag_values)
    flags.DEFINE_integer("restrict_vocab", 30000, "Evaluation: top-N words.",
                         flag_values=flag_values)
    flags.DEFINE_string("hub_output", None, "Export the text-embedding TF-Hub module here.",
                        flag_values=flag_values)


def define_flags(flag_values):
    """Defines the corpus/vocabulary flags and word2vec's own."""
    define_common_flags(flag_values, epochs=5)
    flags.DEFINE_enum("objective", "skipgram", ["skipgram", "cbow"], "word2vec objective.",
                      flag_values=flag_values)
    flags.DEFINE_integer("window", 5, "Largest window (each word draws 1..window).",
                         flag_values=flag_values)
    flags.DEFINE_integer("negative", 5, "Negatives per example.", flag_values=flag_values)
    flags.DEFINE_float("sample", 1e-3, "Subsampling threshold (1e-3 ... 1e-5; 0 off).",
                       flag_values=flag_values)
    flags.DEFINE_float("alpha", None, "Starting learning rate (default 0.025 skip-gram, "
                       "0.05 CBOW).", flag_values=flag_values)
    flags.DEFINE_float("min_alpha", 1e-4, "Final learning rate.", flag_values=flag_values)
    flags.DEFINE_integer("chunk_words", 2000, "Corpus words per batch.",
                         flag_values=flag_values)


def run_family(flag_values, family, objective, options):
    """Trains, optionally exports the hub module, prints the final JSON line."""
    for name in ("input", "output"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    from tfnlp.models.static.training import train_static
    from tfnlp.pretraining.run_dir import resolve_input

    result = train_static(
        family, resolve_input(flag_values.input), flag_values.output, objective=objective,
        hidden_dim=flag_values.dim, min_count=flag_values.min_count,
        max_vocab=flag_values.max_vocab, lower_case=flag_values.lower_case,
        seed=flag_values.seed, options=options, checkpoint_every=flag_values.checkpoint_every,
        log_every=flag_values.log_every, max_lines=flag_values.max_lines,
        binary=flag_values.binary, evaluate=flag_values.evaluate,
        restrict_vocab=flag_values.restrict_vocab)
    if flag_values.hub_output:
        from tfnlp.hub.export import export_modules
        from tfnlp.models.model_dir import load_model_dir

        native = load_model_dir(result["model_dir"])
        result["hub"] = export_modules(native.family, native.backbone, native.tokenizer,
                                       flag_values.hub_output)
    summary = {k: v for k, v in result.items() if k != "options"}
    print(json.dumps(summary, sort_keys=True, default=float), flush=True)
    return 0


def run(flag_values):
    """Trains word2vec; prints one JSON line."""
    options = {"window": flag_values.window, "negative": flag_values.negative,
               "sample": flag_values.sample, "epochs": flag_values.epochs,
               "min_alpha": flag_values.min_alpha, "chunk_words": flag_values.chunk_words}
    if flag_values.alpha is not None:
        options["alpha"] = flag_values.alpha
    return run_family(flag_values, "word2vec", flag_values.objective, options)
