"""`tfnlp analogy`: the nearest words to "king - man + woman".

Example:

    tfnlp analogy --vectors=glove-6b-50d --query="king - man + woman"
    tfnlp analogy --vectors=runs/w2v "paris - france + italy" --method=3cosmul

The query is words joined by `+` and `-` (`--query`, or the one positional
argument where the CLI passes it). Prints the nearest words, one per line
(stderr), and a JSON last line `{"query", "positive", "negative",
"neighbours": [[word, score], ...]}`.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "nearest words to a vector expression such as 'king - man + woman'"
POSITIONAL = "query"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {"topn": "[1, inf)", "restrict_vocab": "[1, inf)"}


def define_flags(flag_values):
    """Defines `--vectors --query --topn --method --restrict_vocab`."""
    flags.DEFINE_string("vectors", None, "Vectors file, run folder, or glove-6b-50d.",
                        flag_values=flag_values)
    flags.DEFINE_string("query", None, "e.g. 'king - man + woman'.", flag_values=flag_values)
    flags.DEFINE_integer("topn", 10, "How many neighbours.", flag_values=flag_values)
    flags.DEFINE_enum("method", "3cosadd", ["3cosadd", "3cosmul"], "Scoring.",
                      flag_values=flag_values)
    flags.DEFINE_integer("restrict_vocab", None, "Search only the N most frequent words.",
                         flag_values=flag_values)


def run(flag_values):
    """Answers the query; prints one JSON line."""
    for name in ("vectors", "query"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    from tfnlp.embeddings.vectors import load_vectors, parse_expression
    from tfnlp.io import print_log

    positive, negative = parse_expression(flag_values.query)
    vectors = load_vectors(flag_values.vectors)
    neighbours = vectors.most_similar(positive, negative, topn=flag_values.topn,
                                      restrict_vocab=flag_values.restrict_vocab,
                                      method=flag_values.method)
    for word, score in neighbours:
        print_log(f"{word}\t{score:.4f}")
    print(json.dumps({"query": flag_values.query, "positive": positive, "negative": negative,
                      "method": flag_values.method,
                      "neighbours": [[w, round(s, 6)] for w, s in neighbours]}), flush=True)
    return 0
