"""tfnlp.text: in-graph text pipeline (vocab, tokenization, packing, corpora).

Public names:
- `SPECIAL_TOKENS`, `load_vocab`, `validate_vocab`, `write_vocab`,
  `learn_wordpiece_vocab` (vocab.py)
- `normalize_text` (normalization.py)
- `BertPreprocessor` (bert_preprocessor.py)
- `read_documents`, `require_multi_sentence_documents`, `expand_files`
  (corpus.py)
- `create_nsp_instances`, `truncate_seq_pair` (nsp.py)
- `MlmMasker`, `default_max_predictions` (masking.py)
- `build_pretraining_dataset`, `split_heldout`, `tokenize_documents`,
  `create_mlm_instances`, `unigram_baseline_accuracy` (pretraining_data.py)
"""

from tfnlp.text.bert_preprocessor import BertPreprocessor
from tfnlp.text.corpus import (expand_files, iter_lines, read_documents,
                               require_multi_sentence_documents)
from tfnlp.text.masking import MlmMasker, default_max_predictions
from tfnlp.text.normalization import normalize_text
from tfnlp.text.nsp import create_nsp_instances, truncate_seq_pair
from tfnlp.text.pretraining_data import (build_pretraining_dataset,
                                         create_mlm_instances, split_heldout,
                                         tokenize_documents,
                                         unigram_baseline_accuracy)
from tfnlp.text.vocab import (SPECIAL_TOKENS, learn_wordpiece_vocab,
                              load_vocab, validate_vocab, write_vocab)

__all__ = [
    "SPECIAL_TOKENS", "load_vocab", "validate_vocab", "write_vocab",
    "learn_wordpiece_vocab", "normalize_text", "BertPreprocessor",
    "expand_files", "iter_lines", "read_documents",
    "require_multi_sentence_documents", "create_nsp_instances",
    "truncate_seq_pair", "MlmMasker", "default_max_predictions",
    "build_pretraining_dataset", "create_mlm_instances", "split_heldout",
    "tokenize_documents", "unigram_baseline_accuracy",
]
