"""`tfnlp plot_embeddings`: a PCA picture of chosen words, and projector files.

Example:

    tfnlp plot_embeddings --vectors=glove-6b-50d --output=words.png \\
        --words=king,queen,man,woman,prince,princess --offsets=man:king,woman:queen \\
        --projector=runs/projector --projector_words=10000

Writes the PNG (PCA of the chosen words, each `a:b` offset drawn as an
arrow) and, with `--projector`, TensorBoard's embedding-projector files
(`tensors.tsv`, `metadata.tsv`, `projector_config.pbtxt`). The last stdout
line is JSON with the paths.
"""

import json

from absl import flags

from tfnlp.errors import TfnlpError

SUMMARY = "PNG plot of words (PCA, analogy arrows) and TensorBoard projector files"

# Range of every numeric flag (checked at parse time, see flag_utils.declare_ranges).
RANGES = {"projector_words": "[1, inf)"}


def define_flags(flag_values):
    """Defines `--vectors --words --offsets --output --projector --projector_words`."""
    flags.DEFINE_string("vectors", None, "Vectors file, run folder, or glove-6b-50d.",
                        flag_values=flag_values)
    flags.DEFINE_list("words", [], "Words to plot.", flag_values=flag_values)
    flags.DEFINE_list("offsets", [], "Arrows a:b (e.g. man:king,woman:queen).",
                      flag_values=flag_values)
    flags.DEFINE_string("output", None, "PNG file to write.", flag_values=flag_values)
    flags.DEFINE_string("projector", None, "Also write projector files into this folder.",
                        flag_values=flag_values)
    flags.DEFINE_integer("projector_words", 10000, "Words in the projector files.",
                         flag_values=flag_values)


def run(flag_values):
    """Writes the plot (and projector files); prints one JSON line."""
    if not flag_values.vectors:
        raise TfnlpError("missing --vectors")
    if not flag_values.output and not flag_values.projector:
        raise TfnlpError("give --output=PNG and/or --projector=FOLDER")
    offsets = []
    for item in flag_values.offsets:
        parts = item.split(":")
        if len(parts) != 2 or not all(parts):
            raise TfnlpError(f"--offsets takes a:b pairs, got {item!r}")
        offsets.append(tuple(parts))
    from tfnlp.embeddings.plots import plot_words
    from tfnlp.embeddings.projector import export_projector
    from tfnlp.embeddings.vectors import load_vectors

    vectors = load_vectors(flag_values.vectors)
    result = {"vectors": flag_values.vectors}
    if flag_values.output:
        result["plot"] = plot_words(vectors, flag_values.words, offsets, flag_values.output)
    if flag_values.projector:
        result["projector"] = export_projector(vectors, flag_values.projector,
                                               max_words=flag_values.projector_words)
    print(json.dumps(result, sort_keys=True), flush=True)
    return 0
