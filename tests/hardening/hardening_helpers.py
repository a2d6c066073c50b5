"""Helpers of the hardening tests (a module of its own: not imported from conftest).

Runs `tfnlp` command lines in this process and compares folders byte by byte.
"""

import os

from tfnlp.cli.main import main

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TINY = ["--preset=custom", "--num_layers=1", "--hidden_dim=16", "--num_heads=2",
        "--seq_length=16", "--batch_size=2", "--steps=2", "--checkpoint_every=2",
        "--eval_batches=1"]


def call(capsys, *argv):
    """Runs `tfnlp ARGV` in this process.

    Returns:
        (exit code, list of stderr lines, stdout). An exception escaping
        `main` is returned as exit code None with its type and message as
        the one "line", so a table reports it instead of stopping.
    """
    try:
        rc = main(["tfnlp", *map(str, argv)])
    except SystemExit as e:  # absl may exit on its own
        rc = e.code
    except BaseException as e:  # noqa: BLE001 - a traceback is what the case reports
        out = capsys.readouterr()
        return None, [f"TRACEBACK {type(e).__name__}: {e}"], out.out
    out = capsys.readouterr()
    return rc, [line for line in out.err.splitlines() if line.strip()], out.out


def assert_clean(result, command, needle):
    """Exit 2 and exactly one `tfnlp COMMAND: error:` line containing `needle`."""
    rc, err, _ = result
    assert rc == 2, (rc, err)
    assert len(err) == 1, err
    assert err[0].startswith(f"tfnlp {command}: error: "), err
    assert needle in err[0], err


def tree_bytes(path):
    """dict relative path -> bytes of every file under `path` (for byte-identity)."""
    files = {}
    for root, _, names in os.walk(path):
        for name in names:
            full = os.path.join(root, name)
            with open(full, "rb") as f:
                files[os.path.relpath(full, path)] = f.read()
    return files


FINETUNE = ["--task=classification", "--epochs=1", "--batch_size=8", "--seq_length=16"]
