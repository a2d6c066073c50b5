"""The ELECTRA family (Clark et al. 2020): BERT's WordPiece, factorized
embeddings, replaced-token-detection pretraining.

- `presets.py`: `PRESETS` (`electra_tiny`, `electra_small`, `electra_base`);
- `backbone.py`: `ElectraBackbone` (the discriminator; pools `[CLS]`);
- `pretrainer.py`: `ElectraPretrainer` (generator + discriminator, custom
  `train_step`), objective `rtd`;
- the tokenizer is BERT's (`WordPieceFamily`);
- `hf_converter.py`: HF `ElectraModel` / `ElectraForPreTraining`
  (discriminator) and `ElectraForMaskedLM` (generator) folders.

The exported module is the discriminator on the BERT encoder interface,
with an `rtd` subobject (per-token replaced logits).

Example:

>>> from tfnlp.models.registry import get_family
>>> electra = get_family("electra")
>>> electra.resolve_config("electra_small")["embedding_dim"]
128
"""

from tfnlp.errors import TfnlpError
from tfnlp.models.bert import WordPieceFamily
from tfnlp.models.electra.options import PRETRAINER_OPTIONS, check_pretrainer_options  # noqa: F401
from tfnlp.models.electra.presets import PRESETS
from tfnlp.models.family import ExportHead, HubInterface
from tfnlp.models.registry import register_family



def rtd_export_head(pretrainer):
    """The `rtd` hub subobject: inputs -> `{"rtd_logits": [batch, seq]}`."""

    def fn(inputs, training=False):
        return {"rtd_logits": pretrainer.rtd_logits(inputs, training=training)}

    return ExportHead(fn, keras_objects=(pretrainer.rtd_head,))


class ElectraFamily(WordPieceFamily):
    """ELECTRA: see the module docstring."""

    name = "electra"
    presets = PRESETS
    default_preset = "electra_tiny"
    objectives = ("rtd",)
    default_objective = "rtd"
    pooling = "first"
    hub_interface = HubInterface(kind="bert_encoder", subobjects=("rtd",))
    backbone_path = "tfnlp.models.electra.backbone:ElectraBackbone"
    hf_converter_path = "tfnlp.models.electra.hf_converter:CONVERTER"

    def derived_overrides(self, preset_config, overrides):
        # The feed-forward width follows hidden_dim (4H); an unfactorized
        # preset's embedding width follows it too.
        derived = {}
        if "hidden_dim" in overrides:
            if "intermediate_dim" not in overrides:
                derived["intermediate_dim"] = 4 * overrides["hidden_dim"]
            if "embedding_dim" not in overrides and \
                    preset_config["embedding_dim"] == preset_config["hidden_dim"]:
                derived["embedding_dim"] = overrides["hidden_dim"]
        return derived

    def check_config(self, config):
        from tfnlp.models.electra.backbone import check_encoder_config

        super().check_config(config)
        check_encoder_config(config, self.name)

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        """An `ElectraPretrainer`; `options` may set `PRETRAINER_OPTIONS`.

        Objective `"mlm"` (not a pretraining choice: what an imported HF
        generator, `ElectraForMaskedLM`, is saved with) gives a
        `BertPretrainer` without NSP.
        """
        from tfnlp.models.electra.pretrainer import ElectraPretrainer

        if objective == "mlm":
            from tfnlp.models.bert.pretrainer import BertPretrainer

            return BertPretrainer(backbone, use_nsp=False)
        if objective not in self.objectives:
            raise TfnlpError(f"electra cannot pretrain with objective {objective!r}; "
                             f"choose one of {', '.join(self.objectives)}")
        options = dict(options or {})
        check_pretrainer_options(backbone.get_config(), options)
        return ElectraPretrainer(backbone, **options)

    def check_objective_options(self, objective, architecture, options):
        """An `rtd` run's generator options, checked before any data is read."""
        if objective == "rtd":
            check_pretrainer_options(architecture, options)

    def export_heads(self, pretrainer):
        return {"rtd": rtd_export_head(pretrainer)}


FAMILY = register_family(ElectraFamily())
