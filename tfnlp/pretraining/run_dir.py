"""Prepares a run directory: checks inputs, copies the vocab, saves or checks the config.

Layout of a run directory `DIR`:

- `DIR/config.json`: the `PretrainConfig` (updated on each resume).
- `DIR/vocab.txt`: the vocabulary (a copy; the run reads this one).
- `DIR/checkpoints/ckpt-<step>.*`: the last few checkpoints.
- `DIR/logs/train`, `DIR/logs/eval`: TensorBoard event files.
- `DIR/keras/`: the final encoder as a tfnlp Keras model dir
  (`config.json`, `encoder.weights.h5`, `pretrainer.weights.h5`, `vocab.txt`).
- `DIR/results.json`: the final metrics.

Example:

>>> changes = check_run_dir(config)   # doctest: +SKIP
>>> write_run_dir(config)              # doctest: +SKIP
"""

import os
import shutil

from tfnlp.errors import TfnlpError
from tfnlp.pretraining.run_config import (
    CONFIG_FILE,
    VOCAB_FILE,
    PretrainConfig,
    file_sha256,
)

WORDNET_INPUT = "wordnet"


def resolve_input(input_files):
    """Turns `--input` into corpus paths: `"wordnet"` is the embedded WordNet corpus.

    Args:
        input_files: str, comma-separated paths/globs, or `"wordnet"`.

    Returns:
        str or list of str for `tfnlp.text` (paths are checked there).

    Example:

    >>> resolve_input("a.txt,b.txt")
    'a.txt,b.txt'
    """
    if not input_files:
        raise TfnlpError("no corpus given: pass --input=FILE[,FILE...] or --input=wordnet")
    if str(input_files).strip().lower() == WORDNET_INPUT:
        from tfnlp.data.wordnet import wordnet_corpus

        return wordnet_corpus()
    return input_files


def check_vocab(path):
    """Loads and validates a vocab file (special tokens, `[PAD]` first, UTF-8).

    Args:
        path: vocab file.

    Returns:
        list of str tokens.
    """
    from tfnlp.text.vocab import load_vocab

    return load_vocab(path)


def check_run_dir(config):
    """Validates a config, its vocab, and its compatibility with a saved run; writes nothing.

    Args:
        config: a `PretrainConfig` (its `vocab_sha256` is filled in).

    Returns:
        list of str describing allowed changes from the saved run (empty for
        a new run).

    Raises:
        TfnlpError: bad settings, a bad vocab, or an incompatible saved run.
    """
    config.validate()
    check_vocab(config.vocab)
    config.vocab_sha256 = file_sha256(config.vocab)
    model_dir = config.model_dir
    if os.path.exists(model_dir) and not os.path.isdir(model_dir):
        raise TfnlpError(f"--model_dir={model_dir} exists and is not a folder")
    if os.path.isfile(os.path.join(model_dir, CONFIG_FILE)):
        return config.check_resumable(PretrainConfig.load(model_dir))
    return []


def write_run_dir(config):
    """Creates the run directory and writes `config.json` and a copy of the vocab.

    Args:
        config: a `PretrainConfig` checked by `check_run_dir`.

    Returns:
        str, the path of the vocab copy (`model_dir/vocab.txt`).
    """
    try:
        os.makedirs(config.model_dir, exist_ok=True)
    except OSError as error:
        raise TfnlpError(f"cannot create --model_dir={config.model_dir}: {error}") from None
    vocab_copy = os.path.join(config.model_dir, VOCAB_FILE)
    if os.path.abspath(config.vocab) != os.path.abspath(vocab_copy):
        tmp = vocab_copy + ".tmp"
        shutil.copyfile(config.vocab, tmp)
        os.replace(tmp, vocab_copy)
    config.save()
    return vocab_copy
