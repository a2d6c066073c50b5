"""The GPT-2 family (Radford et al. 2019): byte-level BPE, a pre-LN decoder, causal LM.

- `presets.py`: `PRESETS` (`gpt2_tiny`, `gpt2_small` 124M, `gpt2_medium` 355M);
- `backbone.py`: `Gpt2Backbone` (pools the last real token; `lm_logits`
  through the tied token embedding; `normalize_first=False` for GPT-1);
- `pretrainer.py`: `Gpt2CausalLM`, objective `causal_lm`;
- the tokenizer is `tfnlp.text.bpe.BytePairTokenizer` (`vocab.json` +
  `merges.txt`; `load_tokenizer("gpt2")` loads GPT-2's real files);
- `generation.py`: cached greedy / sampled / beam generation;
  `zero_shot.py`: TL;DR summaries and multiple choice by likelihood;
- `hf_converter.py`: HF `GPT2LMHeadModel` / `GPT2Model` folders.

The exported `encoder` module is on the BERT encoder interface (last-token
`pooled_output`) with an `lm` subobject giving next-token logits, beside
`preprocess` and the serving module `generate` (`serving.py`: prompt
strings -> generated strings, greedy (`generate`) or with the decoding
settings as inputs (`sample`), and a core-ops `serve_ids` signature).

Example:

>>> from tfnlp.models.registry import get_family
>>> gpt2 = get_family("gpt2")
>>> gpt2.resolve_config("gpt2_tiny", {"hidden_dim": 32})["intermediate_dim"]
128
"""

import os

from tfnlp.errors import TfnlpError
from tfnlp.models.family import ExportHead, HubInterface, TransformerFamily
from tfnlp.models.gpt2.presets import PRESETS
from tfnlp.models.registry import register_family

GPT2_VOCAB_NAME = "gpt2"  # load_tokenizer("gpt2"): GPT-2's own BPE files


def _generate_module(backbone, tokenizer, heads, seq_length):
    from tfnlp.models.gpt2.serving import build_generate_module

    return build_generate_module(backbone, tokenizer, heads, seq_length)


def lm_export_head(pretrainer):
    """The `lm` hub subobject: inputs -> backbone outputs + `lm_logits [batch, seq, vocab]`."""
    backbone = pretrainer.backbone

    def fn(inputs, training=False):
        encoded = backbone({k: inputs[k] for k in ("token_ids", "segment_ids",
                                                   "padding_mask")}, training=training)
        return dict(encoded, lm_logits=backbone.lm_logits(encoded["sequence_output"]))

    return ExportHead(fn)


class Gpt2Family(TransformerFamily):
    """GPT-2: see the module docstring (config rules, lazy backbone and HF
    converter from `TransformerFamily`)."""

    name = "gpt2"
    presets = PRESETS
    default_preset = "gpt2_tiny"
    objectives = ("causal_lm",)
    default_objective = "causal_lm"
    tokenizer_kind = "bpe"
    pooling = "last"
    hub_interface = HubInterface(kind="bert_encoder",
                                 modules=("encoder", "preprocess", "generate"),
                                 subobjects=("lm",),
                                 module_builders={"generate": _generate_module})
    backbone_path = "tfnlp.models.gpt2.backbone:Gpt2Backbone"
    hf_converter_path = "tfnlp.models.gpt2.hf_converter:CONVERTER"

    def check_config(self, config):
        from tfnlp.models.gpt2.backbone import validate_gpt2_config

        super().check_config(config)
        validate_gpt2_config(1, config["num_layers"], config["num_heads"],
                             config["hidden_dim"], config["intermediate_dim"],
                             config["max_sequence_length"], config.get("dropout", 0.0))
        if not isinstance(config.get("normalize_first", True), bool):
            raise TfnlpError(f"gpt2 config: normalize_first must be true or false, got "
                             f"{config['normalize_first']!r}")

    # --- tokenizer ---------------------------------------------------------------------

    def learn_tokenizer(self, files, output, vocab_size, lower_case=True, max_lines=None):
        """Learns byte-level BPE (`vocab.json` + `merges.txt`) into the folder `output`.

        BPE is cased and byte-level: `lower_case` is ignored.

        Returns:
            str, the folder.
        """
        from tfnlp.text.bpe_learner import learn_bpe

        return learn_bpe(files, os.fspath(output), vocab_size, max_lines=max_lines)

    def load_tokenizer(self, path, lower_case=None, seq_length=128):
        """Loads a `BytePairTokenizer` from its folder (or one of its two files).

        Args:
            path: folder holding `vocab.json` + `merges.txt`, one of those
                files, or `"gpt2"` for GPT-2's own files (scripts/install.sh).
            lower_case: ignored (byte-level BPE keeps the text as it is).
            seq_length: default packed length.
        """
        from tfnlp.text.bpe import BytePairTokenizer, gpt2_bpe_files

        path = os.fspath(path)
        if path == GPT2_VOCAB_NAME and not os.path.exists(path):
            path = gpt2_bpe_files()
        if not os.path.exists(path):
            raise TfnlpError(f"BPE tokenizer folder not found: {path}")
        return BytePairTokenizer.from_folder(path, seq_length=seq_length)

    # --- models ----------------------------------------------------------------------------

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        from tfnlp.models.gpt2.pretrainer import Gpt2CausalLM

        if objective not in self.objectives:
            raise TfnlpError(f"gpt2 cannot pretrain with objective {objective!r}; "
                             f"choose one of {', '.join(self.objectives)}")
        if options:
            raise TfnlpError(f"causal_lm takes no objective options, got {sorted(options)}")
        check_vocab_match(backbone, tokenizer)
        return Gpt2CausalLM(backbone)

    def export_heads(self, pretrainer):
        return {"lm": lm_export_head(pretrainer)}


def check_vocab_match(backbone, tokenizer):
    """Raises `TfnlpError` if the model's vocabulary size is not the tokenizer's."""
    if tokenizer is not None and backbone.vocabulary_size != tokenizer.vocab_size:
        raise TfnlpError(
            f"the gpt2 model has {backbone.vocabulary_size} token ids but its tokenizer "
            f"has {tokenizer.vocab_size}; use the tokenizer the model was trained with")


FAMILY = register_family(Gpt2Family())
