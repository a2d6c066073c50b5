"""tfnlp's cache folder for data files built from installed packages.

Example:

>>> cache_folder("wordnet")      # doctest: +SKIP
'/root/.cache/tfnlp/wordnet'
"""

import os

from tfnlp.errors import TfnlpError


def cache_folder(name, cache_dir=None):
    """Returns (and creates) a cache folder.

    Args:
      name: subfolder under the cache root, used when `cache_dir` is None.
      cache_dir: folder to use instead; default `$TFNLP_CACHE/<name>` or
        `~/.cache/tfnlp/<name>`.

    Returns:
      str, an existing folder.

    Raises:
      TfnlpError: the folder cannot be created.
    """
    if cache_dir is None:
        root = os.environ.get("TFNLP_CACHE") or os.path.join(
            os.path.expanduser("~"), ".cache", "tfnlp")
        cache_dir = os.path.join(root, name)
    cache_dir = os.fspath(cache_dir)
    try:
        os.makedirs(cache_dir, exist_ok=True)
    except OSError as e:
        raise TfnlpError(f"cannot create the cache folder {cache_dir}: {e}") from None
    return cache_dir
