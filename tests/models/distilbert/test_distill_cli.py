"""Distillation through the shared trainer, both spellings (`tfnlp pretrain
--family=distilbert --objective=distill` and its alias `tfnlp distill`):
run, resume, checkpoint contents (no teacher), the run's model dir, and one
clear error per bad input."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.cli.main import main
from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family

RUN_FLAGS = ["--batch_size=8", "--seq_length=16", "--checkpoint_every=2", "--log_every=2",
             "--eval_batches=2", "--heldout_percent=10"]


def _distill(teacher_dir, corpus, model_dir, steps, *extra):
    return main(["tfnlp", "distill", f"--teacher={teacher_dir}", f"--input={corpus}",
                 f"--model_dir={model_dir}", f"--steps={steps}", *RUN_FLAGS, *extra])


def _pretrain(options, corpus, model_dir, steps, *extra):
    return main(["tfnlp", "pretrain", "--family=distilbert", "--objective=distill",
                 f"--objective_options={json.dumps(options)}", f"--input={corpus}",
                 f"--model_dir={model_dir}", f"--steps={steps}", *RUN_FLAGS, *extra])


def _other_vocab(vocab_file, tmp):
    lines = open(vocab_file, encoding="utf-8").read().splitlines()
    path = tmp / "other_vocab.txt"
    path.write_text("\n".join(lines[:-1] + ["zebra"]) + "\n", encoding="utf-8")
    return str(path)


def _hf_folder(tmp, model_type):
    folder = tmp / f"hf_{model_type}"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "model_type": model_type, "vocab_size": 30, "hidden_size": 32, "dim": 32,
        "num_hidden_layers": 1, "n_layers": 1, "num_attention_heads": 2, "n_heads": 2,
        "intermediate_size": 64, "hidden_dim": 64, "max_position_embeddings": 32}))
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
    (folder / "model.safetensors").write_bytes(b"")
    return str(folder)


def _empty_corpus(tmp):
    path = tmp / "zero_width.txt"
    path.write_text("\u200b\u200b\n\u200b\n\n\u200b\n", encoding="utf-8")
    return str(path)


# case -> (fn(teacher_dir, corpus, vocab_file, tmp) -> exit code, message fragment)
BAD_INPUT = {
    "teacher vocab differs from the student's": (
        lambda t, c, v, tmp: _pretrain({"teacher": t}, c, tmp / "r", 2,
                                       f"--vocab={_other_vocab(v, tmp)}"),
        "differs from the distillation teacher"),
    "student layer out of range": (
        lambda t, c, v, tmp: _distill(t, c, tmp / "r", 2, "--student_layers=0,4"),
        "layer(s) [4] out of range; the teacher has 4 layers"),
    "student layers unsorted": (
        lambda t, c, v, tmp: _pretrain({"teacher": t, "student_layers": [2, 0]}, c,
                                       tmp / "r", 2),
        "must be increasing and distinct"),
    "model_config contradicts the teacher": (
        lambda t, c, v, tmp: _pretrain({"teacher": t}, c, tmp / "r", 2,
                                       '--model_config={"hidden_dim": 64}'),
        "hidden_dim=64 (it must be 32)"),
    "teacher is no model folder": (
        lambda t, c, v, tmp: _distill(tmp, c, tmp / "r", 2),
        "neither a tfnlp model dir nor a run dir nor an HF folder"),
    "HF teacher of another architecture": (
        lambda t, c, v, tmp: _distill(_hf_folder(tmp, "distilbert"), c, tmp / "r", 2),
        "model_type 'distilbert' is not a BERT teacher"),
    "corpus tokenizes to nothing": (
        lambda t, c, v, tmp: _distill(t, _empty_corpus(tmp), tmp / "r", 2),
        "0 instances"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_one_clear_error(case, teacher_dir, corpus, vocab_file, tmp_path, capsys):
    run, needle = BAD_INPUT[case]
    assert run(teacher_dir, corpus, vocab_file, tmp_path) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not os.path.exists(tmp_path / "r" / "checkpoints")


def test_hf_folder_of_another_architecture_for_the_distilbert_importer(tmp_path):
    with pytest.raises(TfnlpError, match="model_type 'bert' .* is not a DistilBERT checkpoint"):
        get_family("distilbert").hf_converter.load(_hf_folder(tmp_path, "bert"))


def test_both_spellings_resolve_the_same_run(teacher_dir, corpus, tmp_path):
    from absl import flags

    from tfnlp.cli import distill_command, pretrain_command

    def parse(module, argv):
        values = flags.FlagValues()
        module.define_flags(values)
        values(["prog", *argv])
        return module.config_from_flags(values)

    run = [f"--input={corpus}", f"--model_dir={tmp_path / 'r'}"]
    alias = parse(distill_command, [f"--teacher={teacher_dir}", "--student_layers=1,3", *run])
    spelled = parse(pretrain_command, [
        "--family=distilbert", "--objective=distill", *run,
        "--objective_options=" + json.dumps({"teacher": teacher_dir,
                                             "student_layers": [1, 3]})])
    assert alias.model_signature() == spelled.model_signature()
    assert json.loads(spelled.model_config)["num_layers"] == 2
    assert spelled.vocab == os.path.join(teacher_dir, "tokenizer", "vocab.txt")
    assert spelled.with_family_settings() == spelled


@pytest.mark.slow
def test_distill_runs_resumes_and_keeps_the_teacher_out(teacher_dir, corpus, tmp_path,
                                                        capsys):
    run = tmp_path / "run"
    # The pretrain spelling (no --model_config, no --vocab) starts the run,
    # the alias resumes it: one run.
    assert _pretrain({"teacher": str(teacher_dir), "student_layers": [1, 3]}, corpus,
                     run, 2) == 0
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
