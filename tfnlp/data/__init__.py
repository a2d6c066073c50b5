"""tfnlp.data: real data sets built from installed packages (WordNet 3.0)."""

from tfnlp.data.wordnet import (WORDNET_LEXNAMES, iter_synsets, read_jsonl,
                                wordnet_corpus, wordnet_gloss_classification)

__all__ = ["WORDNET_LEXNAMES", "iter_synsets", "read_jsonl", "wordnet_corpus",
           "wordnet_gloss_classification"]
