"""The DistilBERT family (Sanh et al. 2019): BERT's WordPiece, no token types,
no pooler; pretrained by distillation from a BERT teacher (or by MLM).

- `presets.py`: `PRESETS` (`distilbert_tiny`, `distilbert_base`);
- `backbone.py`: `DistilBertBackbone` (accepts and ignores `segment_ids`;
  pools `[CLS]`);
- `distiller.py`: teacher loading, student initialisation from teacher
  layers, `DistillationPretrainer` (objective `distill`);
- objective `mlm`: BERT's `BertPretrainer` without NSP;
- `hf_converter.py`: HF `DistilBertModel` / `DistilBertForMaskedLM`.

Objective options of `distill`: `teacher` (a path, or a
`tfnlp.models.distilbert.distiller.Teacher`), `student_layers` (default
every other teacher layer), `temperature`, `alpha_ce`, `alpha_mlm`,
`alpha_cos`, `alpha_mse`. `run_settings` gives the trainer the student's
sizes, vocab and casing from the teacher, so `tfnlp pretrain
--family=distilbert --objective=distill --objective_options='{"teacher":
PATH}'` needs no `--model_config` nor `--vocab` (`tfnlp distill` is the same
run with flags for the options).

Example:

>>> from tfnlp.models.registry import get_family
>>> get_family("distilbert").resolve_config("distilbert_base")["num_layers"]
6
"""

from tfnlp.errors import TfnlpError
from tfnlp.models.bert import WordPieceFamily, mlm_export_head
from tfnlp.models.distilbert.presets import PRESETS
from tfnlp.models.family import HubInterface
from tfnlp.models.registry import register_family

DISTILL_OPTIONS = ("teacher", "student_layers", "temperature", "alpha_ce", "alpha_mlm",
                   "alpha_cos", "alpha_mse")


class DistilBertFamily(WordPieceFamily):
    """DistilBERT: see the module docstring."""

    name = "distilbert"
    presets = PRESETS
    default_preset = "distilbert_tiny"
    objectives = ("distill", "mlm")
    default_objective = "distill"
    pooling = "first"
    hub_interface = HubInterface(kind="bert_encoder", subobjects=("mlm",))
    backbone_path = "tfnlp.models.distilbert.backbone:DistilBertBackbone"
    hf_converter_path = "tfnlp.models.distilbert.hf_converter:CONVERTER"

    def check_config(self, config):
        from tfnlp.models.electra.backbone import check_encoder_config

        super().check_config(config)
        check_encoder_config(config, self.name)

    def run_settings(self, objective, options):
        """`distill`: the student's config (the teacher's width, one layer per
        `student_layers`), the teacher's vocab and casing, read from the
        teacher's config files (no weights are loaded)."""
        if objective != "distill":
            return {}
        from tfnlp.models.distilbert import distiller

        teacher = self._teacher_option(options)
        if isinstance(teacher, distiller.Teacher):
            config = distiller.student_config(teacher.backbone, 0)
            num_layers, source = teacher.backbone.num_layers, teacher.source
            assets = teacher.tokenizer.asset_files() if teacher.tokenizer is not None else {}
            vocab, lower_case = assets.get("vocab.txt"), getattr(teacher.tokenizer,
                                                                  "lower_case", None)
        else:
            found = distiller.teacher_settings(teacher)
            config, vocab, lower_case = found["config"], found["vocab"], found["lower_case"]
            num_layers, source = config["num_layers"], found["source"]
        layers = distiller.resolve_student_layers(options.get("student_layers"), num_layers)
        return {"model_config": distiller.student_config(config, len(layers)),
                "vocab": vocab, "lower_case": lower_case,
                "source": f"the distillation teacher {source}"}

    @staticmethod
    def _teacher_option(options):
        teacher = (options or {}).get("teacher")
        if teacher is None:
            raise TfnlpError("objective distill needs a teacher: --teacher=PATH (a tfnlp "
                             "model or run dir, or an HF BERT folder)")
        return teacher

    def teacher_config(self, options):
        """The student config a distillation run must use, from its teacher.

        Args:
            options: the run's objective options (`teacher`, `student_layers`).

        Returns:
            `(config, teacher, student_layers)`: the backbone config (no
            `vocabulary_size`), the loaded `Teacher`, the layer list.
        """
        from tfnlp.models.distilbert import distiller

        teacher = self._teacher_option(options)
        if not isinstance(teacher, distiller.Teacher):
            teacher = distiller.load_teacher(teacher)
        layers = distiller.resolve_student_layers(options.get("student_layers"),
                                                  teacher.backbone.num_layers)
        return distiller.student_config(teacher.backbone, len(layers)), teacher, layers

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        """`mlm`: a `BertPretrainer` without NSP. `distill`: a
        `DistillationPretrainer`; `backbone` is (re)initialised from the
        teacher's layers `student_layers` (it must be as wide as the teacher)."""
        options = dict(options or {})
        if objective == "mlm":
            from tfnlp.models.bert.pretrainer import BertPretrainer

            return BertPretrainer(backbone, use_nsp=False)
        if objective != "distill":
            raise TfnlpError(f"distilbert cannot pretrain with objective {objective!r}; "
                             f"choose one of {', '.join(self.objectives)}")
        from tfnlp.models.distilbert import distiller

        unknown = sorted(set(options) - set(DISTILL_OPTIONS))
        if unknown:
            raise TfnlpError(f"unknown distill option(s) {', '.join(unknown)}; known: "
                             f"{', '.join(DISTILL_OPTIONS)}")
        _, teacher, layers = self.teacher_config(options)
        distiller.check_same_vocab(tokenizer, teacher.tokenizer)
        distiller.init_student_from_teacher(backbone, teacher.backbone, layers)
        weights = {k: options[k] for k in DISTILL_OPTIONS[2:] if k in options}
        return distiller.DistillationPretrainer(backbone, teacher, **weights)

    def checkpoint_model(self, pretrainer):
        """The student and its MLM head (a distillation teacher stays out)."""
        return getattr(pretrainer, "student_state", pretrainer)

    def export_heads(self, pretrainer):
        """`mlm`, unless the student was distilled on hidden states only."""
        if getattr(pretrainer, "uses_mlm", True) is False:
            return {}
        return {"mlm": mlm_export_head(pretrainer)}


FAMILY = register_family(DistilBertFamily())
