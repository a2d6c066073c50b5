"""The settings of one pretraining run, saved as `MODEL_DIR/config.json`.

A run directory holds one model. Rerunning `pretrain` on the same directory
resumes it; `check_resumable` refuses a config that would change the model's
variables (preset, architecture, vocabulary, objective, optimizer) and lets
the rest (steps, learning rate, batch size, data, ...) change.

Example:

>>> config = PretrainConfig(model_dir="/tmp/run", vocab="vocab.txt",
...                         input="wordnet", steps=1000)   # doctest: +SKIP
>>> config.resolved_max_predictions()                    # doctest: +SKIP
20
"""

import dataclasses
import hashlib
import json
import math
import os
import tempfile

from tfnlp.errors import TfnlpError

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.txt"
OBJECTIVES = ("mlm_nsp", "mlm")
OPTIMIZERS = ("adamw", "lamb")
# Preset "custom" means: no preset, the architecture flags give every size.
CUSTOM_PRESET = "custom"

# Settings that fix the variables in a checkpoint; a resumed run must keep them.
MODEL_FIELDS = ("preset", "num_layers", "hidden_dim", "num_heads",
                "intermediate_dim", "max_sequence_length", "vocab_sha256",
                "lower_case", "objective", "optimizer")


def default_learning_rate(hidden_dim):
    """The peak learning rate used when none is given, by model width.

    BERT-Base/Large pretrain with 1e-4 (AdamW) for ~1M steps. Our small
    models and short runs learn much faster with a larger rate; with linear
    warmup, 1e-3 is stable for widths up to 256 (bert_tiny, bert_mini),
    5e-4 up to 512 (bert_small, bert_medium), and 1e-4 above.

    Args:
        hidden_dim: int, the encoder width.

    Returns:
        float, the peak learning rate.

    Example:

    >>> default_learning_rate(128)
    0.001
    """
    if hidden_dim <= 256:
        return 1e-3
    if hidden_dim <= 512:
        return 5e-4
    return 1e-4


def file_sha256(path):
    """Returns the hex SHA-256 of a file's bytes.

    Args:
        path: str, the file.

    Returns:
        str, 64 hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclasses.dataclass
class PretrainConfig:
    """Everything `tfnlp.pretraining.pretrain` needs to run (and resume) BERT pretraining.

    Args:
        model_dir: output folder (checkpoints, logs, config, vocab, encoder).
        vocab: WordPiece vocab file (copied into `model_dir`).
        input: corpus files (comma-separated paths / globs) or `"wordnet"`
            for the embedded WordNet corpus.
        steps: total optimizer steps of the run (a resumed run continues to
            this step).
        preset: a `tfnlp.models.BERT_PRESETS` name, or `"custom"` (then
            `num_layers`, `hidden_dim` and `num_heads` are required).
        num_layers, hidden_dim, num_heads, intermediate_dim,
            max_sequence_length: override the preset's sizes (None keeps it).
        dropout: dropout rate (None keeps the preset's 0.1).
        objective: `"mlm_nsp"` (BERT) or `"mlm"` (RoBERTa-style, no NSP).
        lower_case: lower-case the text (must match the vocabulary).
        seq_length: packed sequence length.
        batch_size: global batch size.
        max_predictions_per_seq: masked positions per sequence; None means
            ceil(0.15 * seq_length) (20 at 128, as BERT).
        whole_word_masking: mask all pieces of a word together.
        optimizer: `"adamw"` or `"lamb"`.
        learning_rate: peak rate; None picks `default_learning_rate`.
        warmup_steps: linear warmup; None means 10% of `steps` (at most 10000).
        weight_decay: decoupled weight decay (not on LayerNorm/bias).
        checkpoint_every: steps between checkpoints (and progress epochs).
        keep_checkpoints: how many recent checkpoints to keep.
        log_every: steps between progress lines and TensorBoard points.
        strategy: a `tfnlp.distribute.resolve_strategy` name.
        seed: seed of the data pipeline and the initial weights.
        heldout_percent: percent of documents held out for evaluation.
        eval_batches: batches of held-out data for the final evaluation.

    Example:

    >>> PretrainConfig(model_dir="run", vocab="v.txt", input="wordnet",
    ...                steps=10).objective
    'mlm_nsp'
    """

    model_dir: str
    vocab: str
    input: str = "wordnet"
    steps: int = 1000
    preset: str = "bert_tiny"
    num_layers: int = None
    hidden_dim: int = None
    num_heads: int = None
    intermediate_dim: int = None
    max_sequence_length: int = None
    dropout: float = None
    objective: str = "mlm_nsp"
    lower_case: bool = True
    seq_length: int = 128
    batch_size: int = 32
    max_predictions_per_seq: int = None
    whole_word_masking: bool = False
    optimizer: str = "adamw"
    learning_rate: float = None
    warmup_steps: int = None
    weight_decay: float = 0.01
    checkpoint_every: int = 100
    keep_checkpoints: int = 3
    log_every: int = 10
    strategy: str = "auto"
    seed: int = 0
    heldout_percent: float = 5.0
    eval_batches: int = 20
    vocab_sha256: str = None

    # --- derived settings -------------------------------------------------

    def architecture(self):
        """Returns the `BertEncoder` constructor arguments (minus the vocab size).

        Returns:
            dict: the preset's config with the overrides applied.

        Raises:
            TfnlpError: unknown preset, a `custom` preset without sizes, or
                sizes that cannot be built (e.g. hidden not divisible by heads).
        """
        from tfnlp.models.bert.backbone import validate_encoder_config
        from tfnlp.models.bert.presets import BERT_PRESETS, get_preset_config

        if self.preset == CUSTOM_PRESET:
            missing = [name for name in ("num_layers", "hidden_dim", "num_heads")
                       if getattr(self, name) is None]
            if missing:
                raise TfnlpError(
                    f"preset 'custom' needs {', '.join('--' + m for m in missing)}"
                    f" (or pick one of: {', '.join(BERT_PRESETS)})")
            config = dict(get_preset_config("bert_tiny"))
        else:
            config = get_preset_config(self.preset)
        if self.hidden_dim is not None or self.preset == CUSTOM_PRESET:
            config["intermediate_dim"] = None  # follows hidden_dim (4H) unless given
        for name in ("num_layers", "hidden_dim", "num_heads", "intermediate_dim",
                     "max_sequence_length", "dropout"):
            value = getattr(self, name)
            if value is not None:
                config[name] = value
        if config.get("intermediate_dim") is None:
            config["intermediate_dim"] = 4 * config["hidden_dim"]
        validate_encoder_config(1, config["num_layers"], config["num_heads"],
                                config["hidden_dim"])
        return config

    def resolved_max_predictions(self):
        """Returns `max_predictions_per_seq`, defaulting to ceil(0.15 * seq_length)."""
        if self.max_predictions_per_seq is not None:
            return self.max_predictions_per_seq
        return max(1, math.ceil(0.15 * self.seq_length))

    def resolved_learning_rate(self):
        """Returns the peak learning rate (see `default_learning_rate`)."""
        if self.learning_rate is not None:
            return self.learning_rate
        return default_learning_rate(self.architecture()["hidden_dim"])

    def resolved_warmup_steps(self):
        """Returns the warmup steps: 10% of `steps` (at most 10000) by default."""
        if self.warmup_steps is not None:
            return self.warmup_steps
        return min(10000, self.steps // 10)

    # --- checks -------------------------------------------------------------

    def validate(self):
        """Checks the settings that need no corpus reading and no TensorFlow.

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
        if not self.vocab:
            raise TfnlpError("vocab is required (make one with `tfnlp vocab`)")
        for name in ("steps", "seq_length", "batch_size", "checkpoint_every",
                     "keep_checkpoints", "log_every", "eval_batches"):
            positive_int(name)
        if self.objective not in OBJECTIVES:
            raise TfnlpError(
                f"unknown objective {self.objective!r}: choose one of {', '.join(OBJECTIVES)}")
        if self.optimizer not in OPTIMIZERS:
            raise TfnlpError(
                f"unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
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
        if self.seq_length > arch["max_sequence_length"]:
            raise TfnlpError(
                f"seq_length={self.seq_length} is longer than the model's "
                f"{arch['max_sequence_length']} positions (preset {self.preset!r}); "
                f"use --seq_length <= {arch['max_sequence_length']}")
        if self.seq_length < 8:
            raise TfnlpError(
                f"seq_length={self.seq_length} is too short; use at least 8")
        max_pred = self.resolved_max_predictions()
        if not isinstance(max_pred, int) or max_pred <= 0 or max_pred > self.seq_length - 2:
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
        mine, theirs = self.model_signature(), saved.model_signature()
        bad = [k for k in mine if mine[k] != theirs.get(k)]
        if bad:
            details = "; ".join(
                "vocab: a different vocab file content" if k == "vocab_sha256"
                else f"{k}: saved {theirs.get(k)!r}, now {mine[k]!r}" for k in bad)
            raise TfnlpError(
                f"{self.model_dir} holds a run with a different model ({details}); "
                "use a new --model_dir, or the saved settings to resume it")
        changes = []
        for field in dataclasses.fields(self):
            a, b = getattr(saved, field.name), getattr(self, field.name)
            if field.name not in MODEL_FIELDS and a != b:
                changes.append(f"{field.name}: {a!r} -> {b!r}")
        return changes

    def model_signature(self):
        """Returns the settings that fix the checkpoint's variables, resolved.

        Returns:
            dict: `preset`, the architecture sizes (not the dropout rate),
            `vocab_sha256`, `lower_case`, `objective` and `optimizer`.
        """
        signature = {"preset": self.preset}
        signature.update(self.architecture())
        signature.pop("dropout")  # a rate, not a variable: may change
        for name in ("vocab_sha256", "lower_case", "objective", "optimizer"):
            signature[name] = getattr(self, name)
        return signature

    # --- files --------------------------------------------------------------

    def to_dict(self):
        """Returns the config as a JSON-ready dict."""
        return dataclasses.asdict(self)

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
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
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
        try:
            with open(path, encoding="utf-8") as f:
                values = json.load(f)
        except ValueError as error:
            raise TfnlpError(f"{path}: not valid JSON ({error})") from None
        if not isinstance(values, dict):
            raise TfnlpError(f"{path}: expected a JSON object")
        return cls.from_dict(values, source=path)


def atomic_write_text(path, text):
    """Writes a text file so that readers see the old or the new one, never half.

    Args:
        path: destination file; its folder must exist or is created.
        text: str, written as UTF-8.

    Returns:
        str, the path.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path
