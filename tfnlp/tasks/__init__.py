"""tfnlp.tasks: data, features, decoding and metrics of downstream tasks.

- Classification: `read_classification_jsonl`, `accuracy`, `macro_f1`.
- NER: `read_conll`, `conll_to_features`, `word_predictions`, `conlleval`.
- Extractive QA: `read_squad`, `convert_squad_examples`,
  `decode_squad_predictions`, `squad_evaluate`.
- `WordPieces`, `pack_with_layout`: words → pieces through any family
  `Tokenizer`, and where `tokenizer.pack` puts them (the feature builders
  hard-code no special token).
- `resolve_encoder`: the encoder (native model dir or TF-Hub module) with
  its family, tokenizer and pooling.
"""

from tfnlp.tasks.classification_data import (  # noqa: F401
    ClassificationData,
    build_label_vocab,
    read_classification_jsonl,
)
from tfnlp.tasks.classification_metrics import accuracy, macro_f1, per_class_f1  # noqa: F401
from tfnlp.tasks.conll import (  # noqa: F401
    TaggedSentence,
    build_tag_vocab,
    iob1_to_iob2,
    iob2_violation,
    read_conll,
    write_conll,
)
from tfnlp.tasks.conll_features import IGNORE_LABEL, conll_to_features, word_predictions  # noqa: F401
from tfnlp.tasks.conlleval import ConllevalResult, conlleval  # noqa: F401
from tfnlp.tasks.squad import SquadExample, gold_answers, read_squad  # noqa: F401
from tfnlp.tasks.squad_decode import (  # noqa: F401
    SquadPredictions,
    decode_squad_predictions,
    get_final_text,
)
from tfnlp.tasks.squad_features import (  # noqa: F401
    SquadFeature,
    convert_squad_examples,
    squad_features_to_arrays,
)
from tfnlp.tasks.squad_metrics import (  # noqa: F401
    normalize_answer,
    squad_evaluate,
    squad_v1_evaluate,
    squad_v2_evaluate,
)
from tfnlp.tasks.encoder_source import EncoderSource, resolve_encoder  # noqa: F401
from tfnlp.tasks.packing import WordPieces, pack_with_layout  # noqa: F401

__all__ = [
    "ClassificationData", "build_label_vocab", "read_classification_jsonl",
    "accuracy", "macro_f1", "per_class_f1",
    "TaggedSentence", "build_tag_vocab", "iob1_to_iob2", "iob2_violation", "read_conll",
    "write_conll", "IGNORE_LABEL", "conll_to_features", "word_predictions",
    "ConllevalResult", "conlleval",
    "SquadExample", "gold_answers", "read_squad",
    "SquadPredictions", "decode_squad_predictions", "get_final_text",
    "SquadFeature", "convert_squad_examples", "squad_features_to_arrays",
    "normalize_answer", "squad_evaluate", "squad_v1_evaluate", "squad_v2_evaluate",
    "WordPieces", "pack_with_layout", "EncoderSource", "resolve_encoder",
]
