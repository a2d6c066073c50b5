"""tfnlp.text: in-graph text pipeline (vocab, tokenization, packing, corpora).

Public names:
- `SPECIAL_TOKENS`, `load_vocab`, `validate_vocab`, `write_vocab`,
  `learn_wordpiece_vocab` (vocab.py)
- `normalize_text` (normalization.py)
- `BertPreprocessor` (bert_preprocessor.py)
- `read_documents`, `require_multi_sentence_documents`, `expand_files`
  (corpus.py)
"""

from tfnlp.text.bert_preprocessor import BertPreprocessor
from tfnlp.text.corpus import (expand_files, iter_lines, read_documents,
                               require_multi_sentence_documents)
from tfnlp.text.normalization import normalize_text
from tfnlp.text.vocab import (SPECIAL_TOKENS, learn_wordpiece_vocab,
                              load_vocab, validate_vocab, write_vocab)

__all__ = [
    "SPECIAL_TOKENS", "load_vocab", "validate_vocab", "write_vocab",
    "learn_wordpiece_vocab", "normalize_text", "BertPreprocessor",
    "expand_files", "iter_lines", "read_documents",
    "require_multi_sentence_documents",
]
