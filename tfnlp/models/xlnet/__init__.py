"""The XLNet family (Yang et al. 2019): permutation LM with two-stream attention.

The family contract (docs/CONTRACTS.md) for XLNet:

- `tokenizer.py`: `XLNetTokenizer` (SentencePiece `spiece.model`, XLNet's
  `prepro_utils` rules in-graph, `A <sep> B <sep> <cls>` padded on the
  left) and `learn_xlnet_sentencepiece`;
- `presets.py`: `xlnet_tiny`, `xlnet_small`, `xlnet_base` (L12 H768 A12),
  `xlnet_large`;
- `layers.py`, `backbone.py`: `XLNetBackbone` (relative positions,
  relative segments, two streams, memory); `pooled_output` is the tanh
  summary of the last real token, the `<cls>` XLNet packs at the end;
- `pretrainer.py`: `XLNetPretrainer` for the `plm` objective
  (`tfnlp.objectives.plm`);
- `hf_converter.py`: HF `XLNetModel` / `XLNetLMHeadModel` folders.

It exports on the BERT encoder interface with the SentencePiece model as
the `sp_model_file` asset. ULMFiT groups: `embeddings`, each
`transformer_layer_{i}`, then the summary (`top`).

Example:

>>> from tfnlp.models.registry import get_family
>>> xlnet = get_family("xlnet")
>>> xlnet.resolve_config("xlnet_tiny", {"hidden_dim": 32})["intermediate_dim"]
128
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.models.family import HubInterface, TransformerFamily
from tfnlp.models.registry import register_family
from tfnlp.models.xlnet.presets import XLNET_PRESETS

SPIECE_FILE = "spiece.model"


def _model_lower_cases(path):
    """True if a SentencePiece model case-folds (normalizer `nmt_nfkc_cf`),
    as `learn_xlnet_sentencepiece(lower_case=True)` writes it."""
    from tfnlp.text.sentencepiece_tokenizer import model_proto, read_model

    return model_proto(read_model(path)[1]).normalizer_spec.name.endswith("_cf")


class XLNetFamily(TransformerFamily):
    """XLNet: see the module docstring."""

    name = "xlnet"
    presets = XLNET_PRESETS
    default_preset = "xlnet_tiny"
    objectives = ("plm",)
    default_objective = "plm"
    tokenizer_kind = "sentencepiece"
    pooling = "pooled"
    hub_interface = HubInterface(kind="bert_encoder", asset_attribute="sp_model_file")
    backbone_path = "tfnlp.models.xlnet.backbone:XLNetBackbone"
    hf_converter_path = "tfnlp.models.xlnet.hf_converter:CONVERTER"

    def resolve_config(self, preset=None, overrides=None):
        """As `Family.resolve_config`; a `max_sequence_length` is refused by name.

        Raises:
            TfnlpError: also for `max_sequence_length`: XLNet's positions are
                relative, there is no length to set.
        """
        if (overrides or {}).get("max_sequence_length") is not None:
            raise TfnlpError(
                "xlnet has no max_sequence_length: its positions are relative "
                "(sinusoids of the distance), so any length runs; drop the setting "
                "(clamp_len caps the distances it tells apart)")
        return super().resolve_config(preset, overrides)

    def check_config(self, config):
        from tfnlp.models.xlnet.backbone import validate_xlnet_config

        super().check_config(config)
        validate_xlnet_config(1, config["num_layers"], config["num_heads"],
                              config["hidden_dim"], config["intermediate_dim"],
                              config.get("mem_len", 0), config.get("dropout", 0.0))

    def max_sequence_length(self, config):
        """None: relative positions have no length limit."""
        return None

    def learn_tokenizer(self, files, output, vocab_size, lower_case=False, max_lines=None):
        """Learns an XLNet `spiece.model` (with XLNet's special pieces).

        Args:
            files: corpus path(s).
            output: a folder (gets `spiece.model`) or a `.model` file path.
            vocab_size: pieces (a soft limit).
            lower_case: an uncased model (recorded in the model's normalizer).
            max_lines: learn from at most this many lines.

        Returns:
            str, the model file written.
        """
        from tfnlp.models.xlnet.tokenizer import learn_xlnet_sentencepiece

        output = os.fspath(output)
        target = output if output.endswith(".model") else os.path.join(output, SPIECE_FILE)
        path = learn_xlnet_sentencepiece(files, os.path.dirname(target) or ".", vocab_size,
                                         lower_case=bool(lower_case), max_lines=max_lines)
        if os.path.abspath(path) != os.path.abspath(target):
            os.replace(path, target)
        return target

    def load_tokenizer(self, path, lower_case=None, seq_length=128):
        """An `XLNetTokenizer` from `spiece.model` or its folder.

        Args:
            path: the `.model` file or a folder holding `spiece.model`.
            lower_case: None: as the model was learnt (case-folding
                normalizer), else cased.
            seq_length: default packed length.

        Raises:
            TfnlpError: not a SentencePiece model, or one without XLNet's
                special pieces.
        """
        from tfnlp.models.xlnet.tokenizer import XLNetTokenizer

        if lower_case is None:
            lower_case = _model_lower_cases(path)
        return XLNetTokenizer(path, seq_length=seq_length, lower_case=bool(lower_case))

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        """An `XLNetPretrainer` (the `plm` options are read by the objective)."""
        from tfnlp.models.xlnet.pretrainer import XLNetPretrainer

        if objective not in self.objectives:
            raise TfnlpError(f"xlnet cannot pretrain with objective {objective!r}; "
                             f"choose one of {', '.join(self.objectives)}")
        if tokenizer is not None and tokenizer.vocab_size > backbone.vocabulary_size:
            raise TfnlpError(f"the tokenizer has {tokenizer.vocab_size} pieces but the "
                             f"backbone embeds {backbone.vocabulary_size}")
        return XLNetPretrainer(backbone)


FAMILY = register_family(XLNetFamily())
