"""`tfnlp glove`: train GloVe vectors on a corpus.

Example:

    tfnlp glove --input=gcide --output=runs/glove --dim=100 --window=10 --epochs=25

Counts distance-weighted co-occurrences (window 10) in memory-bounded
shards, then fits GloVe's weighted least squares (x_max 100, power 0.75)
with AdaGrad (0.05); the vectors written are W + W~. Same outputs, progress
and resume as `tfnlp word2vec`. The last stdout line is JSON.
"""

from absl import flags

from tfnlp.cli.word2vec_command import COMMON_RANGES, define_common_flags, run_family

SUMMARY = "train GloVe vectors (co-occurrence counts, AdaGrad) on a corpus"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = dict(COMMON_RANGES, window="[1, inf)", x_max="(0, inf)", power="(0, inf)",
              learning_rate="(0, inf)", batch_size="[1, inf)")


def define_flags(flag_values):
    """Defines the corpus/vocabulary flags and GloVe's own."""
    define_common_flags(flag_values, epochs=25)
    flags.DEFINE_integer("window", 10, "Largest distance counted (weight 1/distance).",
                         flag_values=flag_values)
    flags.DEFINE_float("x_max", 100.0, "f(x) = min(1, (x/x_max)^power).",
                       flag_values=flag_values)
    flags.DEFINE_float("power", 0.75, "The exponent of f.", flag_values=flag_values)
    flags.DEFINE_float("learning_rate", 0.05, "AdaGrad learning rate.",
                       flag_values=flag_values)
    flags.DEFINE_integer("batch_size", 16384, "Co-occurrence entries per batch.",
                         flag_values=flag_values)


def run(flag_values):
    """Trains GloVe; prints one JSON line."""
    options = {"window": flag_values.window, "x_max": flag_values.x_max,
               "power": flag_values.power, "learning_rate": flag_values.learning_rate,
               "epochs": flag_values.epochs, "batch_size": flag_values.batch_size}
    return run_family(flag_values, "glove", "glove", options)
