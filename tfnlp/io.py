"""File helpers shared by every part of tfnlp: atomic writes, JSON/JSONL
reading with clear errors, content hashes, one-line progress logging.

One copy of each: everything else imports them from here.

Example:

>>> import os, tempfile
>>> path = atomic_write_text(os.path.join(tempfile.mkdtemp(), "a.txt"), "hi\\n")
>>> open(path).read()
'hi\\n'
"""

import hashlib
import json
import os
import shutil
import sys
import tempfile

from tfnlp.errors import TfnlpError


def _default_mode(directory=False):
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


def atomic_write(path, write_fn, binary=False):
    """Writes a file so that readers see the old or the new one, never half.

    Args:
        path: destination file; its folder is created.
        write_fn: callable taking the open temporary file object.
        binary: open the temporary file in binary mode.

    Returns:
        str, the path.
    """
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.tmp-", dir=folder)
    try:
        mode = "wb" if binary else "w"
        kwargs = {} if binary else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def atomic_write_text(path, text):
    """Writes `text` (UTF-8) to `path` atomically. Returns the path."""
    return atomic_write(path, lambda f: f.write(text))


def atomic_copy(source, path):
    """Copies a file to `path` atomically. Returns the path."""
    with open(source, "rb") as src:
        return atomic_write(path, lambda f: shutil.copyfileobj(src, f), binary=True)


def is_saved_model_dir(path):
    """True if `path` is a directory holding a `saved_model.pb`."""
    return os.path.isfile(os.path.join(os.fspath(path), "saved_model.pb"))


def check_writable(path, folder=True, inside=False):
    """Raises `TfnlpError` unless `path` can be written, before any work is done.

    The nearest existing folder above `path` (where a temporary file or
    folder beside `path` is created) must be a folder this process can
    write in: the check creates and removes a small file there, so it also
    catches read-only file systems, which permission bits do not show.

    Args:
        path: the file or folder to be written.
        folder: True if `path` is to be a folder, False a file, None either.
        inside: also check that an existing folder `path` can be written in
            (a run folder that is resumed in place).

    Returns:
        The absolute path.

    Example:

    >>> import tempfile
    >>> check_writable(os.path.join(tempfile.mkdtemp(), "new", "out")).endswith("out")
    True
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.isdir(path) and folder is False:
        raise TfnlpError(f"{path}: is a folder; give a file path")
    if os.path.exists(path) and not os.path.isdir(path) and folder is True:
        raise TfnlpError(f"{path}: exists and is not a folder; choose another output folder")
    probes = [os.path.dirname(path)] + ([path] if inside and os.path.isdir(path) else [])
    for probe in probes:
        while not os.path.lexists(probe):
            probe = os.path.dirname(probe)
        if not os.path.isdir(probe):
            raise TfnlpError(f"{path}: cannot be created, {probe} is a file, not a folder")
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tfnlp-write-check-", dir=probe)
            os.close(fd)
            os.remove(tmp)
        except OSError as e:
            raise TfnlpError(f"{path}: cannot write in {probe} "
                             f"({e.strerror or type(e).__name__})") from None
    return path


def check_output_dir(output_dir, allowed=is_saved_model_dir, what="a SavedModel"):
    """Raises `TfnlpError` unless `output_dir` may be (over)written.

    The one rule of every command that writes a folder (`pretrain`,
    `export`, `import_checkpoint`, `finetune`, ...): it may be new, empty,
    or an earlier output of the same command (`allowed`); a plain file, a
    non-empty folder of anything else (it holds the user's files), or a
    place this process cannot write is refused, before any work.

    Args:
        output_dir: the target directory.
        allowed: predicate on a non-empty existing directory.
        what: what `allowed` accepts, for the message.

    Returns:
        The absolute path of `output_dir`.
    """
    output_dir = check_writable(output_dir, folder=True)
    if os.path.isdir(output_dir):
        entries = [e for e in os.listdir(output_dir) if not e.startswith(".tfnlp-write-check-")]
        if entries and not allowed(output_dir):
            raise TfnlpError(
                f"{output_dir}: a non-empty folder that is not {what}; "
                "refusing to replace it. Choose an empty or new output folder")
    return output_dir


def remove_stale_temp_dirs(parent, base):
    """Deletes `.BASE.tmp-*` / `.BASE.old-*` folders an interrupted write left.

    A write killed between its two renames (old output aside, new one not
    yet in place) leaves no `BASE` but a whole `.BASE.old-*`: that previous
    output is renamed back first.
    """
    if not os.path.isdir(parent):
        return
    target = os.path.join(parent, base)
    old = sorted(n for n in os.listdir(parent) if n.startswith(f".{base}.old-"))
    if old and not os.path.lexists(target):
        os.rename(os.path.join(parent, old[-1]), target)
    for name in os.listdir(parent):
        if name.startswith((f".{base}.tmp-", f".{base}.old-")):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def atomic_write_dir(output_dir, write_fn, allowed=is_saved_model_dir, what="a SavedModel"):
    """Runs `write_fn(tmp_dir)` and swaps `tmp_dir` in as `output_dir`.

    The temporary directory is created beside `output_dir` (same
    filesystem). An existing `output_dir` is renamed aside, the new one
    renamed into place, then the old one deleted. A failure leaves the old
    output untouched; leftovers of an earlier interrupted write are removed.

    Args:
        output_dir: target directory (checked with `check_output_dir`).
        write_fn: callable taking the temporary directory path.
        allowed, what: see `check_output_dir`.

    Returns:
        The absolute path of `output_dir`.
    """
    output_dir = check_output_dir(output_dir, allowed, what)
    parent = os.path.dirname(output_dir)
    os.makedirs(parent, exist_ok=True)
    base = os.path.basename(output_dir)
    remove_stale_temp_dirs(parent, base)
    tmp_dir = tempfile.mkdtemp(prefix=f".{base}.tmp-", dir=parent)
    try:
        write_fn(tmp_dir)
        for root, dirs, _ in os.walk(tmp_dir):
            for d in dirs:
                os.chmod(os.path.join(root, d), _default_mode(directory=True))
        os.chmod(tmp_dir, _default_mode(directory=True))
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


def read_json(path, what="JSON"):
    """Loads a JSON object from `path`, with a clear error if it is broken.

    Args:
        path: file path.
        what: short description used in error messages (e.g. "config").

    Returns:
        The decoded dict.
    """
    if not os.path.isfile(path):
        raise TfnlpError(f"{path}: {what} file not found")
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (ValueError, UnicodeDecodeError) as e:
        raise TfnlpError(f"{path}: not valid JSON ({e})") from None
    except OSError as e:
        raise TfnlpError(f"{path}: cannot read ({e.strerror})") from None
    if not isinstance(value, dict):
        raise TfnlpError(f"{path}: expected a JSON object, got {type(value).__name__}")
    return value


def read_jsonl(path):
    """Reads a JSONL file: one JSON object per non-blank line.

    Args:
        path: path of a UTF-8 text file.

    Returns:
        A list of `(line_number, record)` pairs, `line_number` 1-based.

    Raises:
        TfnlpError: the file is missing, empty, not UTF-8, or a line is not
            a JSON object. The message names the file and line.
    """
    try:
        with open(path, "rb") as f:
            raw_lines = f.read().split(b"\n")
    except OSError as e:
        raise TfnlpError(f"{path}: cannot read file ({e.strerror})") from None
    records = []
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise TfnlpError(f"{path}:{number}: not valid UTF-8 (byte {e.start}); "
                             "re-encode the file as UTF-8") from None
        if number == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise TfnlpError(f"{path}:{number}: bad JSON ({e.msg} at column {e.colno})") from None
        if not isinstance(record, dict):
            raise TfnlpError(f"{path}:{number}: expected a JSON object, "
                             f"got {type(record).__name__}")
        records.append((number, record))
    if not records:
        raise TfnlpError(f"{path}: empty file, expected one JSON object per line")
    return records


def portable_path(value):
    """What an artifact records of a path given by the user: nothing machine-bound.

    Names (`wordnet`, `pypi:NAME`, `tfnlp pretrain`) and relative paths are
    kept as given; an absolute path is recorded by its base name only, so a
    run dir or `task.json` does not carry the writer's folder layout (the
    content is pinned by hashes such as `tokenizer_sha256` instead). A
    comma-separated list is treated item by item.

    Args:
        value: str, or None.

    Returns:
        str (or None).

    Example:

    >>> portable_path("/home/ada/data/a.txt,b/c.txt,wordnet")
    'a.txt,b/c.txt,wordnet'
    """
    if not isinstance(value, str):
        return value
    items = value.split(",") if "," in value else [value]
    return ",".join(os.path.basename(i.rstrip("/\\")) or i if os.path.isabs(i) else i
                    for i in items)


def file_sha256(path):
    """Returns the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_sha256(files):
    """One hex SHA-256 over several named files (a tokenizer's asset folder).

    Args:
        files: dict file name -> path.

    Returns:
        str, 64 hex digits; it changes when any file's name or bytes change.
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + file_sha256(files[name]).encode() + b"\0")
    return digest.hexdigest()


def print_log(message):
    """Writes one progress line to stderr (stdout is kept for results)."""
    print(f"[tfnlp] {message}", file=sys.stderr, flush=True)
