"""Runs every Colab notebook, shrunk, on the CPU in a fresh process.

Shell (`!`) and magic (`%`) lines are Colab set-up and are skipped; the
notebooks read `TFNLP_COLAB_SMOKE=1` to shrink their settings.

The BERT notebook ends by printing the label it served. Every other notebook
ends by printing one JSON line, `{"notebook": STEM, "checks": {NAME: bool}}`,
whose checks it computed from its own results (a loss that fell, a metric
above its baseline, an export that reloaded); all of them must be true.
"""

import glob
import json
import os
import subprocess
import sys

import pytest

NOTEBOOKS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "colab", "*.ipynb")))


def notebook_source(path):
    """The notebook's code cells as one Python script, Colab-only lines dropped."""
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    lines = []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            lines += [line.rstrip("\n") for line in cell["source"]
                      if not line.lstrip().startswith(("!", "%"))]
            lines.append("")
    return "\n".join(lines)


def test_there_is_a_notebook():
    assert NOTEBOOKS


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs_shrunk_on_cpu(path, tmp_path):
    script = tmp_path / "notebook.py"
    script.write_text(notebook_source(path), encoding="utf-8")
    env = dict(os.environ, TFNLP_COLAB_SMOKE="1", TFNLP_COLAB_WORK=str(tmp_path / "work"),
               TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    last_line = proc.stdout.strip().splitlines()[-1]
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem != "tfnlp_tpu_pretrain_finetune":
        summary = json.loads(last_line)
        assert summary["notebook"] == stem
        assert summary["checks"] and all(summary["checks"].values()), summary
        return
    labels = {json.loads(line)["label"]
              for line in open(tmp_path / "work" / "lexnames" / "train.jsonl", encoding="utf-8")}
    assert last_line in labels
