"""tfnlp.data: real data sets built from installed packages (WordNet 3.0, WNUT-16).

`tfnlp.data` builds files; it never imports `tfnlp.tasks` (the task readers
read what it writes).
"""

from tfnlp.data.wordnet import (WORDNET_LEXNAMES, iter_synsets, wordnet_corpus,
                                wordnet_gloss_classification)

__all__ = ["WORDNET_LEXNAMES", "iter_synsets", "wordnet_corpus",
           "wordnet_gloss_classification"]
