"""Kind 4: an error is one line on stderr, in a fresh process on a machine without a GPU.

The only fresh-process test of the hardening suite: TensorFlow's native
start-up notices (CUDA probe, oneDNN, absl) must not reach the terminal.
"""

import os
import subprocess
import sys


def test_error_is_the_only_stderr_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(CUDA_VISIBLE_DEVICES="-1", PYTHONWARNINGS="ignore")
    (tmp_path / "not_a_run").mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "tfnlp.cli.main", "export",
         f"--model_dir={tmp_path / 'not_a_run'}", f"--output={tmp_path / 'hub'}"],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("tfnlp export: error: ") and "no config.json" in lines[0]
