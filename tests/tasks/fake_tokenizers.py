"""Tokenizers for task tests: hand-checkable ids, and an XLNet-style layout.

- `DictTokenizer`: words -> fixed piece ids from a dict, BERT layout
  (`[CLS] a [SEP] (b [SEP])`, right padding).
- `LeftPaddedWordPiece`: real WordPiece ids (the BERT family tokenizer) with
  XLNet's layout: `a [SEP] (b [SEP]) [CLS]`, padded on the LEFT, so the
  feature builders cannot lean on BERT's positions.
"""

import numpy as np
import tensorflow as tf

from tfnlp.text.bert_preprocessor import BertPreprocessor
from tfnlp.text.tokenizer import Tokenizer


def _rows(segment):
    if isinstance(segment, tf.RaggedTensor):
        return segment.to_list()
    return np.asarray(segment).tolist()


def pack_lists(segments, seq_length, ids, left):
    """Packs python id lists: BERT layout (right) or XLNet layout (left)."""
    segments = [_rows(s) for s in segments]
    out = {k: [] for k in ("token_ids", "segment_ids", "padding_mask")}
    for parts in zip(*segments):
        parts = [list(p) for p in parts]
        budget = seq_length - len(parts) - 1
        while sum(len(p) for p in parts) > budget:
            max(parts, key=len).pop()
        if left:
            tokens, types = [], []
            for k, part in enumerate(parts):
                tokens += part + [ids["sep"]]
                types += [k] * (len(part) + 1)
            tokens, types = tokens + [ids["cls"]], types + [2]
            pad = seq_length - len(tokens)
            out["token_ids"].append([ids["pad"]] * pad + tokens)
            out["segment_ids"].append([0] * pad + types)
            out["padding_mask"].append([0] * pad + [1] * len(tokens))
        else:
            tokens, types = [ids["cls"]], [0]
            for k, part in enumerate(parts):
                tokens += part + [ids["sep"]]
                types += [k] * (len(part) + 1)
            pad = seq_length - len(tokens)
            out["token_ids"].append(tokens + [ids["pad"]] * pad)
            out["segment_ids"].append(types + [0] * pad)
            out["padding_mask"].append([1] * len(tokens) + [0] * pad)
    return {k: tf.constant(np.asarray(v, np.int32).reshape(-1, seq_length))
            for k, v in out.items()}


class DictTokenizer(Tokenizer):
    """Word -> piece ids from `pieces` (unknown words give no piece)."""

    kind = "test"

    def __init__(self, vocab, pieces, **kwargs):
        super().__init__(**kwargs)
        self.vocab = list(vocab)
        self.pieces = dict(pieces)

    @property
    def vocab_size(self):
        return len(self.vocab)

    @property
    def special_tokens(self):
        index = {t: i for i, t in enumerate(self.vocab)}
        return {"vocab_size": len(self.vocab), "padding_id": index["[PAD]"],
                "start_of_sequence_id": index["[CLS]"], "end_of_segment_id": index["[SEP]"],
                "mask_id": None, "unknown_id": index["[UNK]"]}

    def asset_files(self):
        return {}

    def tokenize(self, strings):
        texts = [s.decode() if isinstance(s, bytes) else s
                 for s in np.asarray(strings).reshape(-1).tolist()]
        return tf.ragged.constant([[p for w in t.split() for p in self.pieces.get(w, [])]
                                   for t in texts], dtype=tf.int32, ragged_rank=1,
                                  inner_shape=())

    def detokenize(self, token_ids):
        rows = _rows(token_ids)
        return tf.constant([" ".join(self.vocab[i] for i in r).replace(" ##", "")
                            for r in rows])

    def pack(self, segments, seq_length=None):
        s = self.special_tokens
        ids = {"cls": s["start_of_sequence_id"], "sep": s["end_of_segment_id"],
               "pad": s["padding_id"]}
        return pack_lists(segments, seq_length or self.seq_length, ids, left=False)


class LeftPaddedWordPiece(BertPreprocessor):
    """WordPiece ids, XLNet layout: `a [SEP] (b [SEP]) [CLS]`, left padded."""

    padding_side = "left"

    def pack(self, segments, seq_length=None):
        s = self.special_tokens
        ids = {"cls": s["start_of_sequence_id"], "sep": s["end_of_segment_id"],
               "pad": s["padding_id"]}
        if isinstance(segments, (tf.Tensor, tf.RaggedTensor)):
            segments = [segments]
        return pack_lists(segments, seq_length or self.seq_length, ids, left=True)
