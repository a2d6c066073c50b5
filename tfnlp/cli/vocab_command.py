"""`tfnlp vocab`: learn a BERT WordPiece vocabulary from raw text.

Example:

    tfnlp vocab --input=corpus.txt --vocab_size=8000 --output=vocab.txt

The last stdout line is JSON: `{"vocab": path, "vocab_size": n}`.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "learn a WordPiece vocabulary (with BERT's special tokens) from text files"


def define_flags(flag_values):
    """Defines `--input --vocab_size --output --lower_case --max_lines`."""
    flags.DEFINE_string("input", None, "Corpus: comma-separated files/globs, or 'wordnet' "
                        "(the embedded WordNet 3.0 corpus).", flag_values=flag_values)
    flags.DEFINE_integer("vocab_size", 8192, "Target size, special tokens included "
                         "(the learner may return a few fewer).", flag_values=flag_values)
    flags.DEFINE_string("output", None, "Vocab file to write (one token per line).",
                        flag_values=flag_values)
    flags.DEFINE_boolean("lower_case", True, "Uncased vocabulary (lower-case, strip "
                         "accents); false for cased.", flag_values=flag_values)
    flags.DEFINE_integer("max_lines", None, "Learn from at most this many non-blank "
                         "lines (faster on big corpora).", flag_values=flag_values)


def run(flag_values):
    """Learns and writes the vocabulary; prints one JSON line."""
    for name in ("input", "output"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    from tfnlp.pretraining.run_dir import resolve_input
    from tfnlp.text.vocab import learn_wordpiece_vocab, write_vocab

    tokens = learn_wordpiece_vocab(resolve_input(flag_values.input),
                                   flag_values.vocab_size,
                                   lower_case=flag_values.lower_case,
                                   max_lines=flag_values.max_lines)
    path = write_vocab(tokens, flag_values.output)
    print(json.dumps({"vocab": path, "vocab_size": len(tokens)}), flush=True)
    return 0
