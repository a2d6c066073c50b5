"""Helpers for the CLI tests: run `tfnlp` in a fresh process, parse its JSON line."""

import json
import os
import subprocess
import sys

ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow",
           PYTHONWARNINGS="ignore")


def tfnlp(*args, timeout=600, check=True):
    """Runs `python -m tfnlp.cli.main ARGS` in a fresh process.

    Returns:
        (returncode, stdout, stderr).
    """
    proc = subprocess.run([sys.executable, "-m", "tfnlp.cli.main", *args],
                          capture_output=True, text=True, timeout=timeout, env=ENV)
    if check and proc.returncode != 0:
        raise AssertionError(f"tfnlp {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stderr[-3000:]}")
    return proc.returncode, proc.stdout, proc.stderr


def last_json(stdout):
    """Parses the last stdout line as JSON."""
    return json.loads(stdout.strip().splitlines()[-1])
