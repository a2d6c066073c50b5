"""Prepares a run directory: checks inputs, copies the tokenizer, saves or checks the config.

Layout of a run directory `DIR`:

- `DIR/config.json`: the `PretrainConfig` (updated on each resume).
- `DIR/tokenizer/`: the tokenizer's asset files (a copy; the run reads this one).
- `DIR/checkpoints/ckpt-<step>.*`: the last few checkpoints.
- `DIR/logs/train`, `DIR/logs/eval`: TensorBoard event files.
- `DIR/keras/`: the final backbone (+ heads) as a tfnlp model dir
  (`tfnlp.models.model_dir`).
- `DIR/results.json`: the final metrics.

Example:

>>> tokenizer, changes = check_run_dir(config)   # doctest: +SKIP
>>> tokenizer = write_run_dir(config, tokenizer)  # doctest: +SKIP
"""

import json
import os

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_dir, check_output_dir, check_writable, files_sha256
from tfnlp.pretraining.run_config import (
    CONFIG_FILE,
    TOKENIZER_SUBDIR,
    PretrainConfig,
    parse_json_setting,
)

# --input names of the embedded corpora -> (module, function) building them.
EMBEDDED_CORPORA = {
    "wordnet": ("tfnlp.data.wordnet", "wordnet_corpus"),
    "gcide": ("tfnlp.data.gcide", "gcide_corpus"),
}


def resolve_input(input_files):
    """Turns `--input` into corpus paths; `wordnet` and `gcide` are embedded corpora.

    Args:
        input_files: str, comma-separated paths/globs, or an embedded corpus
            name (`EMBEDDED_CORPORA`).

    Returns:
        str or list of str for `tfnlp.text` (paths are checked there).

    Example:

    >>> resolve_input("a.txt,b.txt")
    'a.txt,b.txt'
    """
    if not input_files:
        raise TfnlpError("no corpus given: pass --input=FILE[,FILE...] or "
                         f"--input={'|'.join(EMBEDDED_CORPORA)}")
    name = str(input_files).strip().lower()
    if name in EMBEDDED_CORPORA:
        import importlib

        module, function = EMBEDDED_CORPORA[name]
        return getattr(importlib.import_module(module), function)()
    return input_files


def load_run_tokenizer(config, path=None):
    """Loads (and so checks) the run's tokenizer with its family's loader.

    Args:
        config: a `PretrainConfig`.
        path: the tokenizer assets; default `config.vocab`.

    Returns:
        the family `Tokenizer`.
    """
    return config.family_object().load_tokenizer(
        path or config.vocab, lower_case=config.lower_case, seq_length=config.seq_length)


def check_run_dir(config, tokenizer=None):
    """Validates a config, its tokenizer, and its compatibility with a saved run; writes nothing.

    Args:
        config: a `PretrainConfig` (its `tokenizer_sha256` is filled in).
        tokenizer: the run's tokenizer when it does not come from
            `config.vocab` (an `init_from` source's); None loads `config.vocab`.

    Returns:
        (tokenizer, changes): the loaded tokenizer, and a list of str
        describing allowed changes from the saved run (empty for a new run).

    Raises:
        TfnlpError: bad settings, a bad tokenizer, or an incompatible saved run.
    """
    config.validate()
    tokenizer = tokenizer or load_run_tokenizer(config)
    config.tokenizer_sha256 = files_sha256(tokenizer.asset_files())
    model_dir = config.model_dir
    # The rule of every command's output folder; a run is resumed in place.
    check_output_dir(model_dir, allowed=lambda d: os.path.isfile(os.path.join(d, CONFIG_FILE)),
                     what=f"a tfnlp pretraining run (no {CONFIG_FILE})")
    check_writable(model_dir, inside=True)
    if os.path.isfile(os.path.join(model_dir, CONFIG_FILE)):
        return tokenizer, config.check_resumable(PretrainConfig.load(model_dir))
    return tokenizer, []


def write_run_dir(config, tokenizer):
    """Creates the run directory and writes `config.json` and the tokenizer assets.

    Args:
        config: a `PretrainConfig` checked by `check_run_dir`.
        tokenizer: the tokenizer `check_run_dir` returned.

    Returns:
        the tokenizer loaded from the run's own copy (`model_dir/tokenizer`).
    """
    try:
        os.makedirs(config.model_dir, exist_ok=True)
    except OSError as error:
        raise TfnlpError(f"cannot create --model_dir={config.model_dir}: {error}") from None
    folder = os.path.join(config.model_dir, TOKENIZER_SUBDIR)
    if not os.path.isdir(folder):
        atomic_write_dir(folder, tokenizer.save_assets, allowed=lambda _: True,
                         what="a tokenizer folder")
    if not config.vocab:  # an init_from run: the tokenizer is the source's, copied here
        config.vocab = folder
    overrides = parse_json_setting(config.model_config, "model_config")
    config.model_config = json.dumps(overrides, sort_keys=True) if overrides else None
    options = config.resolved_objective_options()
    config.objective_options = json.dumps(options, sort_keys=True) if options else None
    config.save()
    return load_run_tokenizer(config, folder)
