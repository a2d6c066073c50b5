"""The BERT family (Devlin et al. 2018): WordPiece, post-LN encoder, MLM (+NSP).

The worked example of the family contract (docs/CONTRACTS.md):

- `presets.py`: `BERT_PRESETS` (BERT base/large, Turc et al.'s small BERTs);
- `backbone.py`: `BertEncoder`;
- `pretrainer.py`: `BertPretrainer` (tied MLM head, optional NSP head);
- the tokenizer is `tfnlp.text.bert_preprocessor.BertPreprocessor`
  (WordPiece, `vocab.txt`), shared with ELECTRA and DistilBERT;
- `hf_converter.py`: HF `BertModel` / `BertForMaskedLM` /
  `BertForPreTraining` folders.

Example:

>>> from tfnlp.models.registry import get_family
>>> bert = get_family("bert")
>>> bert.resolve_config("bert_tiny", {"hidden_dim": 64})["intermediate_dim"]
256
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.models.family import ExportHead, HubInterface, TransformerFamily
from tfnlp.models.registry import register_family
from tfnlp.models.bert.presets import BERT_PRESETS

VOCAB_FILE = "vocab.txt"


def wordpiece_vocab_path(path):
    """The `vocab.txt` of a WordPiece asset folder, or `path` if it is a file.

    Raises:
        TfnlpError: neither a file nor a folder holding `vocab.txt`.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        candidate = os.path.join(path, VOCAB_FILE)
        if not os.path.isfile(candidate):
            raise TfnlpError(f"{path}: no {VOCAB_FILE} in this tokenizer folder")
        return candidate
    if not os.path.isfile(path):
        raise TfnlpError(f"vocab file not found: {path}")
    return path


class WordPieceFamily(TransformerFamily):
    """Shared tokenizer handling of the WordPiece families (BERT, ELECTRA,
    DistilBERT): learn with tf-text's learner, load `vocab.txt`."""

    tokenizer_kind = "wordpiece"

    def learn_tokenizer(self, files, output, vocab_size, lower_case=True, max_lines=None):
        """Learns a WordPiece vocab; `output` is a `.txt` file or a folder.

        Returns:
            str, the vocab file written.
        """
        from tfnlp.text.vocab import learn_wordpiece_vocab, write_vocab

        tokens = learn_wordpiece_vocab(files, vocab_size, lower_case=lower_case,
                                       max_lines=max_lines)
        if not os.fspath(output).endswith(".txt"):
            output = os.path.join(output, VOCAB_FILE)
        return write_vocab(tokens, output)

    def load_tokenizer(self, path, lower_case=None, seq_length=128):
        """Loads a `BertPreprocessor` from `vocab.txt` or its folder.

        Args:
            path: the vocab file or a folder holding `vocab.txt`.
            lower_case: None means True (uncased).
            seq_length: default packed length.
        """
        from tfnlp.text.bert_preprocessor import BertPreprocessor

        return BertPreprocessor(wordpiece_vocab_path(path),
                                lower_case=True if lower_case is None else lower_case,
                                seq_length=seq_length)


def mlm_export_head(pretrainer):
    """The `mlm` hub subobject of a model with an `mlm_head` over `backbone`."""
    backbone, head = pretrainer.backbone, pretrainer.mlm_head

    def fn(inputs, training=False):
        encoded = backbone({k: inputs[k] for k in ("token_ids", "segment_ids",
                                                   "padding_mask")}, training=training)
        logits = head(encoded["sequence_output"],
                      mask_positions=inputs["masked_lm_positions"], training=training)
        return dict(encoded, mlm_logits=logits)

    return ExportHead(fn, extra_inputs=("masked_lm_positions",), keras_objects=(head,))


class BertFamily(WordPieceFamily):
    """BERT: see the module docstring."""

    name = "bert"
    presets = BERT_PRESETS
    default_preset = "bert_tiny"
    objectives = ("mlm_nsp", "mlm")
    default_objective = "mlm_nsp"
    pooling = "pooled"
    hub_interface = HubInterface(kind="bert_encoder", subobjects=("mlm",))
    backbone_path = "tfnlp.models.bert.backbone:BertEncoder"
    hf_converter_path = "tfnlp.models.bert.hf_converter:CONVERTER"

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        from tfnlp.models.bert.pretrainer import BertPretrainer

        if objective not in self.objectives:
            raise TfnlpError(f"bert cannot pretrain with objective {objective!r}; "
                             f"choose one of {', '.join(self.objectives)}")
        return BertPretrainer(backbone, use_nsp=objective == "mlm_nsp")

    def export_heads(self, pretrainer):
        return {"mlm": mlm_export_head(pretrainer)}


FAMILY = register_family(BertFamily())
