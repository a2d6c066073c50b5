"""`tfnlp vocab`: learn a tokenizer's assets from raw text, for any family.

Example:

    tfnlp vocab --input=corpus.txt --vocab_size=8000 --output=vocab.txt
    tfnlp vocab --kind=bpe --input=gcide --vocab_size=8000 --output=bpe_dir
    tfnlp vocab --family=xlnet --input=wordnet --vocab_size=8000 --output=sp_dir

`--kind` picks the tokenizer (`wordpiece`, `bpe`, `sentencepiece`, `word`,
...), `--family` the family whose tokenizer to learn (with its special
tokens); either names the family's learner, so the output loads with
`--vocab=OUTPUT` everywhere a tokenizer is taken.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "learn a tokenizer (WordPiece, BPE, SentencePiece, word) from text files"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {"vocab_size": "[10, inf)", "max_lines": "[1, inf)"}


def define_flags(flag_values):
    """Defines `--input --vocab_size --output --kind --family --lower_case --max_lines`."""
    flags.DEFINE_string("input", None, "Corpus: comma-separated files/globs, or 'wordnet' / "
                        "'gcide' (embedded corpora).", flag_values=flag_values)
    flags.DEFINE_integer("vocab_size", 8192, "Target size, special tokens included "
                         "(the learner may return a few fewer).", flag_values=flag_values)
    flags.DEFINE_string("output", None, "Where to write: a vocab file (wordpiece) or a "
                        "folder (bpe: vocab.json + merges.txt; sentencepiece: "
                        "spiece.model).", flag_values=flag_values)
    flags.DEFINE_string("kind", None, "Tokenizer kind: wordpiece, bpe, sentencepiece, word "
                        "(default: the family's; wordpiece for bert).",
                        flag_values=flag_values)
    flags.DEFINE_string("family", None, "Learn the tokenizer of this family (default: the "
                        "first family whose tokenizer is --kind; bert).",
                        flag_values=flag_values)
    flags.DEFINE_boolean("lower_case", True, "Uncased vocabulary (lower-case, strip "
                         "accents); false for cased.", flag_values=flag_values)
    flags.DEFINE_integer("max_lines", None, "Learn from at most this many non-blank "
                         "lines (faster on big corpora).", flag_values=flag_values)


def family_for(kind=None, family=None):
    """The family whose tokenizer `tfnlp vocab` learns.

    Args:
        kind: a tokenizer kind, or None.
        family: a family name, or None.

    Returns:
        a `Family`.

    Raises:
        TfnlpError: an unknown kind, or a family whose tokenizer is of
            another kind.
    """
    from tfnlp.models.registry import family_names, get_family

    if family:
        chosen = get_family(family)
        if kind and chosen.tokenizer_kind != kind:
            raise TfnlpError(f"--family={family} uses a {chosen.tokenizer_kind} tokenizer, "
                             f"not --kind={kind}")
        return chosen
    if not kind:
        return get_family("bert")
    kinds = {}
    for name in family_names():
        kinds.setdefault(get_family(name).tokenizer_kind, name)
    if kind not in kinds:
        raise TfnlpError(f"unknown --kind={kind!r}; known kinds: {', '.join(sorted(kinds))}")
    return get_family(kinds[kind])


def run(flag_values):
    """Learns and writes the tokenizer assets; prints one JSON line."""
    for name in ("input", "output"):
        if not flag_values[name].value:
            raise TfnlpError(f"missing --{name}")
    if flag_values.vocab_size is None:
        raise TfnlpError("missing --vocab_size")
    from tfnlp.io import check_writable
    from tfnlp.pretraining.run_dir import resolve_input

    # Before learning: a `.txt` / `.model` output is a file, anything else a folder.
    is_file = flag_values.output.endswith((".txt", ".model"))
    check_writable(flag_values.output, folder=not is_file, inside=not is_file)
    family = family_for(flag_values.kind, flag_values.family)
    path = family.learn_tokenizer(resolve_input(flag_values.input), flag_values.output,
                                  flag_values.vocab_size, lower_case=flag_values.lower_case,
                                  max_lines=flag_values.max_lines)
    tokenizer = family.load_tokenizer(path, lower_case=flag_values.lower_case)
    print(json.dumps({"vocab": path, "vocab_size": tokenizer.vocab_size,
                      "kind": family.tokenizer_kind, "family": family.name}), flush=True)
    return 0
