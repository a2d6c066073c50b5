"""Write a SavedModel directory so that a failed export never clobbers the last one.

The SavedModel is written into a fresh temporary directory next to the
target (same filesystem), then swapped in with renames. If writing fails,
the temporary directory is removed and the earlier module at the target is
left untouched.

Example:

>>> atomic_write_dir("/models/encoder",                      # doctest: +SKIP
...                  lambda tmp: tf.saved_model.save(obj, tmp))
'/models/encoder'
"""

import os
import shutil
import tempfile

from tfnlp.errors import TfnlpError


def is_saved_model_dir(path):
    """True if `path` is a directory holding a `saved_model.pb`.

    Args:
        path: a filesystem path.

    Returns:
        bool.
    """
    return os.path.isfile(os.path.join(os.fspath(path), "saved_model.pb"))


def check_output_dir(output_dir):
    """Raises `TfnlpError` unless `output_dir` may be (over)written by an export.

    An export may replace an earlier SavedModel or fill an empty or missing
    directory; it refuses to replace a plain file or a non-empty directory
    that is not a SavedModel (it would delete the user's files).

    Args:
        output_dir: the target directory.

    Returns:
        The absolute path of `output_dir`.
    """
    output_dir = os.path.abspath(os.fspath(output_dir))
    if os.path.exists(output_dir):
        if not os.path.isdir(output_dir):
            raise TfnlpError(f"{output_dir}: exists and is not a directory; "
                             "choose another output_dir.")
        if os.listdir(output_dir) and not is_saved_model_dir(output_dir):
            raise TfnlpError(
                f"{output_dir}: non-empty directory that is not a SavedModel; "
                "refusing to replace it. Choose an empty or new output_dir.")
    return output_dir


def atomic_write_dir(output_dir, write_fn):
    """Runs `write_fn(tmp_dir)` and moves `tmp_dir` to `output_dir`.

    The temporary directory is created beside `output_dir`. An existing
    `output_dir` is renamed aside, the new one renamed into place, then the
    old one deleted; the only window in which neither exists is between two
    `rename` calls.

    Args:
        output_dir: target directory (checked with `check_output_dir`).
        write_fn: callable taking the temporary directory path; writes the
            whole SavedModel there.

    Returns:
        The absolute path of `output_dir`.
    """
    output_dir = check_output_dir(output_dir)
    parent = os.path.dirname(output_dir)
    os.makedirs(parent, exist_ok=True)
    base = os.path.basename(output_dir)
    tmp_dir = tempfile.mkdtemp(prefix=f".{base}.tmp-", dir=parent)
    try:
        write_fn(tmp_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    old_dir = None
    if os.path.exists(output_dir):
        old_dir = tempfile.mkdtemp(prefix=f".{base}.old-", dir=parent)
        os.rmdir(old_dir)
        os.rename(output_dir, old_dir)
    try:
        os.rename(tmp_dir, output_dir)
    except BaseException:
        if old_dir is not None:
            os.rename(old_dir, output_dir)
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    if old_dir is not None:
        shutil.rmtree(old_dir, ignore_errors=True)
    return output_dir
