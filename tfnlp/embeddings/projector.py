"""Files for TensorBoard's embedding projector (and projector.tensorflow.org).

`export_projector(vectors, folder)` writes:

- `tensors.tsv`: one vector per line, tab-separated;
- `metadata.tsv`: the word of each line (one column, so no header), or a
  header `word<TAB>count` and two columns when counts are known;
- `projector_config.pbtxt`: the `embeddings { tensor_name tensor_path
  metadata_path }` entry that points TensorBoard at the two files (run
  `tensorboard --logdir=FOLDER`, tab "Projector"; or load the two TSVs at
  https://projector.tensorflow.org).

Example:

>>> paths = export_projector(vectors, "/tmp/projector", max_words=5000)  # doctest: +SKIP
>>> sorted(paths)                                                        # doctest: +SKIP
['config', 'metadata', 'tensors']
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write

TENSORS = "tensors.tsv"
METADATA = "metadata.tsv"
CONFIG = "projector_config.pbtxt"


def export_projector(vectors, folder, max_words=10000, tensor_name="word_vectors"):
    """Writes the projector files for the first `max_words` words.

    Args:
        vectors: `WordVectors` (rows in frequency order).
        folder: output folder (created).
        max_words: how many words (the projector handles ~100k at most).
        tensor_name: the name TensorBoard shows.

    Returns:
        dict `tensors`, `metadata`, `config` -> paths.
    """
    if max_words is not None and max_words < 1:
        raise TfnlpError(f"max_words must be >= 1, got {max_words}")
    count = len(vectors) if not max_words else min(max_words, len(vectors))
    os.makedirs(folder, exist_ok=True)
    matrix = vectors.matrix[:count]
    words = vectors.words[:count]
    counts = None if vectors.counts is None else vectors.counts[:count]

    def write_tensors(f):
        for row in matrix:
            f.write("\t".join(f"{x:.6g}" for x in row) + "\n")

    def write_metadata(f):
        if counts is not None:
            f.write("word\tcount\n")
            for word, n in zip(words, counts):
                f.write(f"{_clean(word)}\t{int(n)}\n")
        else:
            for word in words:
                f.write(_clean(word) + "\n")

    def write_config(f):
        f.write("embeddings {\n"
                f'  tensor_name: "{tensor_name}"\n'
                f'  tensor_path: "{TENSORS}"\n'
                f'  metadata_path: "{METADATA}"\n'
                f"  tensor_shape: {count}\n"
                f"  tensor_shape: {vectors.dim}\n"
                "}\n")

    return {"tensors": atomic_write(os.path.join(folder, TENSORS), write_tensors),
            "metadata": atomic_write(os.path.join(folder, METADATA), write_metadata),
            "config": atomic_write(os.path.join(folder, CONFIG), write_config)}


def _clean(word):
    return word.replace("\t", " ").replace("\n", " ") or " "
