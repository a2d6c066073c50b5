"""The native tfnlp model dir: one family's backbone, tokenizer and (optionally) pretrainer.

Layout of `DIR`:

- `config.json`: `{"format": "tfnlp.model_dir", "family": NAME,
  "backbone": <backbone.get_config()>, "tokenizer": {"kind", "lower_case"},
  "backbone_weights": "backbone.weights.h5", "source": ...,
  ["pretrainer": {"objective", "weights", "options"}]}`;
- `tokenizer/`: the tokenizer's asset files (`vocab.txt`, `vocab.json` +
  `merges.txt`, `spiece.model`, ...);
- `backbone.weights.h5` and, when the pretraining heads were kept,
  `pretrainer.weights.h5`.

`tfnlp pretrain` writes one as `RUN/keras`, `tfnlp import_checkpoint` as
`OUT/keras`; Keras 3 code rebuilds the backbone from it without TF-Hub.

Example:

>>> save_model_dir("out/keras", "bert", backbone, tokenizer)     # doctest: +SKIP
>>> model = load_model_dir("out/keras")                         # doctest: +SKIP
>>> model.family.name, model.backbone.num_layers                 # doctest: +SKIP
('bert', 2)
"""

import dataclasses
import json
import os

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_text, portable_path, read_json

FORMAT = "tfnlp.model_dir"
CONFIG_FILE = "config.json"
TOKENIZER_SUBDIR = "tokenizer"
BACKBONE_WEIGHTS = "backbone.weights.h5"
PRETRAINER_WEIGHTS = "pretrainer.weights.h5"


@dataclasses.dataclass
class NativeModel:
    """What `load_model_dir` returns.

    Attributes:
        family: the `Family`.
        backbone: the backbone with its weights.
        tokenizer: the family tokenizer.
        config: the dir's parsed `config.json`.
        directory: the dir.
    """

    family: object
    backbone: object
    tokenizer: object
    config: dict
    directory: str

    @property
    def pretrainer_weights(self):
        """Path of the saved pretrainer weights, or None."""
        entry = self.config.get("pretrainer")
        return os.path.join(self.directory, entry["weights"]) if entry else None

    def build_pretrainer(self):
        """Rebuilds the saved pretrainer (heads included) around `backbone`.

        Returns:
            the pretrainer with the saved weights, or None if none was saved.
        """
        entry = self.config.get("pretrainer")
        if not entry:
            return None
        pretrainer = self.family.build_pretrainer(
            self.backbone, entry["objective"], self.config["backbone"], self.tokenizer,
            entry.get("options") or {})
        _load_weights(pretrainer, self.pretrainer_weights)
        return pretrainer


def is_model_dir(path):
    """True if `path` holds a tfnlp model dir's `config.json`."""
    config = os.path.join(path, CONFIG_FILE)
    if not os.path.isfile(config):
        return False
    try:
        with open(config, encoding="utf-8") as f:
            return json.load(f).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def save_model_dir(directory, family, backbone, tokenizer, pretrainer=None,
                   objective=None, options=None, source=None):
    """Writes a tfnlp model dir (layout in the module docstring).

    Args:
        directory: output folder (created; files in it are replaced).
        family: the family name.
        backbone: the backbone.
        tokenizer: its tokenizer.
        pretrainer: optional pretraining model whose heads to keep.
        objective: the pretrainer's objective name (with `pretrainer`).
        options: the pretrainer's objective options (with `pretrainer`).
        source: a short description of where the weights came from.

    Returns:
        str, the directory.
    """
    os.makedirs(directory, exist_ok=True)
    tokenizer.save_assets(os.path.join(directory, TOKENIZER_SUBDIR))
    backbone.save_weights(os.path.join(directory, BACKBONE_WEIGHTS))
    config = {
        "format": FORMAT,
        "family": family,
        "backbone": backbone.get_config(),
        "tokenizer": {"kind": tokenizer.kind,
                      "lower_case": getattr(tokenizer, "lower_case", None)},
        "backbone_weights": BACKBONE_WEIGHTS,
        "source": portable_path(source),
    }
    if pretrainer is not None:
        pretrainer.save_weights(os.path.join(directory, PRETRAINER_WEIGHTS))
        config["pretrainer"] = {"objective": objective, "weights": PRETRAINER_WEIGHTS,
                                "options": options or {}}
    atomic_write_text(os.path.join(directory, CONFIG_FILE),
                      json.dumps(config, indent=2, sort_keys=True) + "\n")
    return directory


def load_model_dir(directory, seq_length=128):
    """Rebuilds what `save_model_dir` wrote.

    Args:
        directory: a tfnlp model dir.
        seq_length: default packed length of the returned tokenizer.

    Returns:
        a `NativeModel`.

    Raises:
        TfnlpError: not a model dir, an unknown family, missing or
            unreadable files.
    """
    from tfnlp.models.registry import get_family

    path = os.path.join(directory, CONFIG_FILE)
    config = read_json(path, "tfnlp model dir config")
    if config.get("format") != FORMAT:
        raise TfnlpError(f"{path}: not a tfnlp model dir (format "
                         f"{config.get('format')!r}, expected {FORMAT!r})")
    for key in ("family", "backbone", "tokenizer", "backbone_weights"):
        if key not in config:
            raise TfnlpError(f"{path}: missing key {key!r}")
    family = get_family(config["family"])
    tokenizer = family.load_tokenizer(
        os.path.join(directory, TOKENIZER_SUBDIR),
        lower_case=config["tokenizer"].get("lower_case"), seq_length=seq_length)
    try:
        backbone = family.backbone_from_config(config["backbone"])
    except (TypeError, ValueError, KeyError) as error:
        if isinstance(error, TfnlpError):
            raise
        raise TfnlpError(f"{path}: cannot rebuild the {family.name} backbone "
                         f"({type(error).__name__}: {error})") from None
    _load_weights(backbone, os.path.join(directory, config["backbone_weights"]))
    return NativeModel(family, backbone, tokenizer, config, directory)


def _load_weights(model, path):
    if not os.path.isfile(path):
        raise TfnlpError(f"{path}: weights file not found")
    try:
        model.load_weights(path)
    except (OSError, ValueError, KeyError) as error:
        raise TfnlpError(f"{path}: cannot load these weights ({type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''})") from None
