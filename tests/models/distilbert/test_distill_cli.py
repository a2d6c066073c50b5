"""`tfnlp distill` through the shared trainer: run, resume, checkpoint
contents (no teacher), the run's model dir, bad flags."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.cli.main import main

RUN_FLAGS = ["--batch_size=8", "--seq_length=16", "--checkpoint_every=2", "--log_every=2",
             "--eval_batches=2", "--heldout_percent=10"]


def _distill(teacher_dir, corpus, model_dir, steps, *extra):
    return main(["tfnlp", "distill", f"--teacher={teacher_dir}", f"--input={corpus}",
                 f"--model_dir={model_dir}", f"--steps={steps}", *RUN_FLAGS, *extra])


def test_bad_student_layers_and_teacher(teacher_dir, corpus, tmp_path, capsys):
    assert _distill(teacher_dir, corpus, tmp_path / "a", 2, "--student_layers=0,4") == 2
    assert "out of range" in capsys.readouterr().err
    assert _distill(teacher_dir, corpus, tmp_path / "b", 2, "--student_layers=2,0") == 2
    assert "increasing" in capsys.readouterr().err
    assert _distill(tmp_path, corpus, tmp_path / "c", 2) == 2
    assert "neither a tfnlp model dir" in capsys.readouterr().err


@pytest.mark.slow
def test_distill_runs_resumes_and_keeps_the_teacher_out(teacher_dir, corpus, tmp_path,
                                                        capsys):
    run = tmp_path / "run"
    assert _distill(teacher_dir, corpus, run, 2, "--student_layers=1,3") == 0
    assert _distill(teacher_dir, corpus, run, 4, "--student_layers=1,3") == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["step"] == 4 and result["resumed_from_step"] == 2
    assert result["family"] == "distilbert" and result["objective"] == "distill"
    assert "heldout_teacher_mlm_accuracy" in result
    keys = [name for name, _ in tf.train.list_variables(str(run / "checkpoints" / "ckpt-4"))]
    model_keys = [k for k in keys if k.startswith("model/")]
    assert model_keys and not any("segment_embedding" in k or "transformer_layer_2" in k
                                  for k in model_keys)
    from tfnlp.models.model_dir import load_model_dir

    native = load_model_dir(str(run / "keras"), seq_length=16)
    assert native.family.name == "distilbert" and native.backbone.num_layers == 2
    pretrainer = native.build_pretrainer()
    np.testing.assert_array_equal(np.asarray(pretrainer.student.weights[-1]),
                                  np.asarray(native.backbone.weights[-1]))
    assert os.path.isfile(run / "results.json")
