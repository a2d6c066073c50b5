"""The family contract: what one folder under `tfnlp/models/` provides.

A family (`bert`, `electra`, `distilbert`, `gpt2`, `xlnet`, `elmo`,
`word2vec`, `glove`) subclasses `Family`, sets its class attributes and
implements the methods below; `tfnlp.models.registry.register_family`
makes it reachable by name. Shared code (the trainer, export, the task
runner, ULMFiT) only ever calls these methods, so it never names a family.
docs/CONTRACTS.md maps every family onto this contract.

Example:

>>> from tfnlp.models.registry import get_family
>>> family = get_family("bert")
>>> config = family.resolve_config("bert_tiny", {"num_layers": 1})
>>> config["num_layers"], config["hidden_dim"]
(1, 128)
"""

import dataclasses
import importlib

from tfnlp.errors import TfnlpError

POOLINGS = ("pooled", "first", "last", "mean")


@dataclasses.dataclass(frozen=True)
class HubInterface:
    """The TF-Hub modules a family exports, and what loading checks.

    Attributes:
        kind: `"bert_encoder"` (Google's BERT encoder + preprocess modules;
            also ELECTRA, DistilBERT, GPT-2, XLNet), `"elmo"` (Google's
            `elmo` signatures) or `"text_embedding"` (strings -> vectors).
        modules: the module folders written under the export folder.
        subobjects: optional heads exported as `obj.<name>(inputs)`,
            e.g. `("mlm",)`, `("rtd",)`, `("lm",)`.
        asset_attribute: the module attribute holding the tokenizer asset
            (`"vocab_file"` or `"sp_model_file"`).
        module_builders: module name -> `fn(backbone, tokenizer, heads,
            seq_length) -> tf.Module`, for modules the shared exporters of
            `kind` do not build (ELMo's, text embeddings').
    """

    kind: str = "bert_encoder"
    modules: tuple = ("encoder", "preprocess")
    subobjects: tuple = ()
    asset_attribute: str = "vocab_file"
    module_builders: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ExportHead:
    """A pretraining head exported as a hub subobject (`obj.mlm`, `obj.lm`, ...).

    Attributes:
        fn: callable `(inputs, training) -> dict of tensors`; `inputs` has
            the backbone's Keras-named inputs plus `extra_inputs`.
        extra_inputs: names of extra int32 `[batch, None]` inputs (e.g.
            `("masked_lm_positions",)`), passed with the same names at the
            TF-Hub boundary.
        keras_objects: the layers whose variables the head reads (listed in
            the subobject's `variables`).
    """

    fn: object
    extra_inputs: tuple = ()
    keras_objects: tuple = ()


class Family:
    """Base class of a model family. Subclasses set the attributes and
    implement the methods marked "implement".

    Attributes:
        name: registry name.
        presets: preset name -> dict of backbone constructor arguments
            (without `vocabulary_size`).
        default_preset: the preset used when none is given.
        objectives: names of `tfnlp.objectives` this family pretrains with.
        default_objective: one of `objectives`.
        tokenizer_kind: the asset kind its tokenizer reads.
        pooling: how task heads pool the backbone: `"pooled"` (the
            backbone's own `pooled_output`), `"first"`, `"last"` (last real
            token) or `"mean"`.
        hub_interface: a `HubInterface`.
        hf_converter: an object with `model_types` (HF `model_type`s) and
            `load(folder) -> ConvertedModel`, or None.
    """

    name = None
    presets = {}
    default_preset = None
    objectives = ()
    default_objective = None
    tokenizer_kind = None
    pooling = "pooled"
    hub_interface = HubInterface()
    # "module:NAME" of the HF converter object, imported on first use.
    hf_converter_path = None

    @property
    def hf_converter(self):
        """The family's HF converter (`hf_converter_path`), or None."""
        return _import_object(self.hf_converter_path) if self.hf_converter_path else None

    # --- config ----------------------------------------------------------------

    def resolve_config(self, preset=None, overrides=None):
        """Returns a preset's backbone config with `overrides`, checked.

        Args:
            preset: a key of `presets` (None: `default_preset`).
            overrides: dict of constructor arguments replacing the preset's;
                a `None` value keeps the preset's.

        Returns:
            dict of backbone constructor arguments (no `vocabulary_size`).

        Raises:
            TfnlpError: unknown preset or field, or a config `check_config`
                refuses.
        """
        preset = preset or self.default_preset
        if preset not in self.presets:
            raise TfnlpError(f"Unknown preset {preset!r} for family {self.name}; known presets: "
                             f"{', '.join(self.presets)}")
        config = dict(self.presets[preset])
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        unknown = sorted(set(overrides) - set(config) - set(self.optional_fields()))
        if unknown:
            raise TfnlpError(
                f"unknown {self.name} model setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(set(config) | set(self.optional_fields())))}")
        config.update(self.derived_overrides(config, overrides))
        config.update(overrides)
        self.check_config(config)
        return config

    def optional_fields(self):
        """Constructor arguments that may be set although no preset sets them."""
        return ()

    def derived_overrides(self, preset_config, overrides):
        """Fields that follow others when those are overridden (e.g. the
        feed-forward width follows `hidden_dim`). Returns a dict."""
        return {}

    def check_config(self, config):
        """Raises `TfnlpError` naming the first bad field of `config`.

        The default checks that integer sizes are positive; families add
        their own rules (heads dividing the width, ...).
        """
        for key, value in config.items():
            if key.endswith(("_dim", "_layers", "_heads", "_length", "_size")) and (
                    isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                if value is None:
                    continue
                raise TfnlpError(f"{self.name} config: {key} must be a positive "
                                 f"integer, got {value!r}")

    def run_settings(self, objective, options):
        """Run settings that an objective's options fix, for the trainer to fill in.

        The trainer (`PretrainConfig.with_family_settings`) starts the run's
        backbone config from `model_config` (the run's own `--model_config`
        may add fields, e.g. `dropout`, but not contradict one), takes
        `vocab` when the run names none, and `lower_case` when the run
        leaves it None. DistilBERT's `distill` sizes the student from its
        teacher this way.

        Args:
            objective: the run's objective name.
            options: the run's `objective_options` dict.

        Returns:
            dict with any of `model_config` (dict of backbone fields),
            `vocab` (tokenizer asset path), `lower_case` (bool), `source`
            (what fixed them, for messages). Default: `{}`.

        Example:
        >>> Family().run_settings("mlm", {})
        {}
        """
        return {}

    def max_sequence_length(self, config):
        """The longest packed input the backbone takes (None: no limit)."""
        return config.get("max_sequence_length")

    def check_objective_options(self, objective, architecture, options):
        """Raises `TfnlpError` for `objective_options` this family cannot build.

        Called by `PretrainConfig.validate` before any corpus is read.
        Default: nothing to check (`build_pretrainer` still checks).

        Args:
            objective: the run's objective name.
            architecture: the resolved backbone config (minus the vocab size).
            options: the `objective_options` dict.
        """

    # --- tokenizer (implement) -----------------------------------------------------

    def learn_tokenizer(self, files, output, vocab_size, lower_case=True, max_lines=None):
        """Learns tokenizer assets from a corpus and writes them to `output`.

        Returns:
            str, the path to pass to `load_tokenizer`.
        """
        raise NotImplementedError(f"{self.name} cannot learn a tokenizer")

    def load_tokenizer(self, path, lower_case=None, seq_length=128):
        """Loads the tokenizer from its asset folder (or its one asset file).

        Args:
            path: asset folder or file.
            lower_case: casing, where the asset does not fix it (None: the
                asset's default).
            seq_length: default packed length.

        Returns:
            a `tfnlp.text.tokenizer.Tokenizer`.
        """
        raise NotImplementedError

    # --- models (implement) ----------------------------------------------------------

    def build_backbone(self, config, vocabulary_size):
        """Returns the Keras 3 backbone: dict in (`token_ids`, `segment_ids`,
        `padding_mask`, or the family's own), dict out (`sequence_output`,
        `pooled_output`, `encoder_outputs`)."""
        raise NotImplementedError

    def backbone_from_config(self, config):
        """Rebuilds a backbone from its `get_config()` (model dirs)."""
        raise NotImplementedError

    def build_pretrainer(self, backbone, objective, config, tokenizer, options=None):
        """Returns the (uncompiled) pretraining model for `objective`.

        The model has `backbone` as attribute `backbone`, and a
        `compile_for_pretraining(optimizer, **compile_kwargs)` method.
        `options` is the run's `objective_options` dict.
        """
        raise NotImplementedError

    def export_heads(self, pretrainer):
        """Heads exported as hub subobjects: dict name -> callable taking
        `(backbone_outputs, inputs)` and returning a dict of tensors."""
        return {}

    def checkpoint_model(self, pretrainer):
        """The trackable a training checkpoint saves (a frozen teacher stays
        out). Default: the pretrainer itself."""
        return pretrainer

    def layer_groups(self, backbone):
        """ULMFiT groups, bottom to top: list of `(name, [variables])`.

        Default: variables under `embeddings/` first, then each
        `transformer_layer_{i}/`, then the rest of the backbone.
        """
        groups, rest = {}, []
        names = ["embeddings"] + [f"transformer_layer_{i}" for i in range(1000)]
        for variable in backbone.weights:
            head = variable.path.split("/")[1] if variable.path.count("/") > 1 else ""
            first = variable.path.split("/")[0]
            key = next((n for n in (first, head) if n in names), None)
            if key is None:
                rest.append(variable)
            else:
                groups.setdefault(key, []).append(variable)
        ordered = [(n, groups[n]) for n in names if n in groups]
        if rest:
            ordered.append(("top", rest))
        return ordered

    def describe(self):
        """One line for logs: name, presets, objectives."""
        return (f"{self.name}: presets {', '.join(self.presets)}; objectives "
                f"{', '.join(self.objectives)}")


def _import_object(path):
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


class TransformerFamily(Family):
    """A `Family` whose backbone is a Transformer stack sized by `num_layers`,
    `hidden_dim`, `num_heads`, `intermediate_dim`: the feed-forward width
    follows `hidden_dim` (4H) unless given, the heads must divide the width,
    `dtype` may be set, and the backbone class is named by `backbone_path`
    (`"module:Class"`, imported on first use, with `from_config`)."""

    backbone_path = None

    def backbone_class(self):
        """The backbone's Keras class."""
        return _import_object(self.backbone_path)

    def optional_fields(self):
        return ("dtype",)

    def derived_overrides(self, preset_config, overrides):
        if "hidden_dim" in overrides and "intermediate_dim" not in overrides:
            return {"intermediate_dim": 4 * overrides["hidden_dim"]}
        return {}

    def check_config(self, config):
        super().check_config(config)
        heads, width = config.get("num_heads"), config.get("hidden_dim")
        if isinstance(heads, int) and isinstance(width, int) and width % heads:
            raise TfnlpError(f"{self.name} config: hidden_dim ({width}) must be divisible "
                             f"by num_heads ({heads}).")
        dropout = config.get("dropout", 0.0)
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise TfnlpError(f"{self.name} config: dropout must be in [0, 1), got {dropout!r}")

    def build_backbone(self, config, vocabulary_size):
        return self.backbone_class()(vocabulary_size=vocabulary_size, **config)

    def backbone_from_config(self, config):
        return self.backbone_class().from_config(config)


@dataclasses.dataclass
class ConvertedModel:
    """What an HF converter returns.

    Attributes:
        family: the family name.
        backbone: the backbone holding the checkpoint's weights.
        tokenizer: the family tokenizer built from the folder's assets.
        pretrainer: a pretraining model holding the checkpoint's heads, or
            None when the checkpoint has none.
        source: where it came from (for model-dir records).
    """

    family: str
    backbone: object
    tokenizer: object
    pretrainer: object = None
    source: str = None
