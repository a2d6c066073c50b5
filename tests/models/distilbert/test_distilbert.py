"""DistilBERT: backbone, student initialisation, distillation fit, checkpoint
contents, errors, export heads, model dir round trip."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.distilbert import distiller
from tfnlp.models.distilbert.backbone import DistilBertBackbone
from tfnlp.models.model_dir import load_model_dir, save_model_dir
from tfnlp.models.registry import get_family
from tfnlp.objectives import get_objective
from tfnlp.objectives.base import DataOptions

SEQ, BATCH = 16, 16
OPTIONS = DataOptions(seq_length=SEQ, batch_size=BATCH, heldout_fraction=0.1)
FAMILY = get_family("distilbert")


@pytest.fixture(scope="module")
def tokenizer(vocab_file):
    return FAMILY.load_tokenizer(vocab_file, seq_length=SEQ)


@pytest.fixture(scope="module")
def dataset(corpus, tokenizer):
    return get_objective("distill").build_dataset(corpus, tokenizer, OPTIONS, "train", 1)


@pytest.fixture(scope="module")
def teacher(teacher_dir):
    return distiller.load_teacher(teacher_dir)


def _inputs(tokenizer, segment=0):
    x = tokenizer(np.array(["the cat sees a tree .", "a child likes the river ."]))
    x = {k: np.asarray(v) for k, v in x.items()}
    x["segment_ids"] = np.full_like(x["segment_ids"], segment) * x["padding_mask"]
    return x


def _distiller(teacher, tokenizer, **options):
    config, _, _ = FAMILY.teacher_config({"teacher": teacher, **options})
    student = FAMILY.build_backbone(dict(config, dropout=0.0), tokenizer.vocab_size)
    return FAMILY.build_pretrainer(student, "distill", config, tokenizer,
                                   {"teacher": teacher, **options})


def test_backbone_ignores_segments_and_pools_cls(tokenizer):
    backbone = DistilBertBackbone(tokenizer.vocab_size, 2, 2, 32, dropout=0.0)
    assert backbone.embeddings.segment_embedding is None
    assert not any("segment" in v.path for v in backbone.weights)
    a, b = backbone(_inputs(tokenizer, 0)), backbone(_inputs(tokenizer, 1))
    np.testing.assert_allclose(np.asarray(a["sequence_output"]),
                               np.asarray(b["sequence_output"]), atol=0)
    np.testing.assert_allclose(np.asarray(a["pooled_output"]),
                               np.asarray(a["sequence_output"])[:, 0], atol=0)
    clone = DistilBertBackbone.from_config(backbone.get_config())
    clone.set_weights(backbone.get_weights())
    np.testing.assert_allclose(np.asarray(clone(_inputs(tokenizer))["sequence_output"]),
                               np.asarray(a["sequence_output"]), atol=1e-6)
    assert "num_segments" not in backbone.get_config()


def test_presets_and_config_errors():
    base = FAMILY.resolve_config("distilbert_base")
    assert (base["num_layers"], base["hidden_dim"], base["num_heads"]) == (6, 768, 12)
    assert FAMILY.resolve_config("distilbert_tiny")["num_layers"] == 2
    with pytest.raises(TfnlpError, match="distilbert config: hidden_dim"):
        FAMILY.resolve_config("distilbert_tiny", {"num_heads": 5})
    with pytest.raises(TfnlpError, match="num_segments"):
        FAMILY.resolve_config("distilbert_tiny", {"num_segments": 2})
    assert FAMILY.pooling == "first" and FAMILY.hub_interface.subobjects == ("mlm",)


def test_student_layers_are_checked():
    assert distiller.resolve_student_layers(None, 4) == [0, 2]
    assert distiller.resolve_student_layers("0,2,4", 6) == [0, 2, 4]
    with pytest.raises(TfnlpError, match="out of range"):
        distiller.resolve_student_layers("0,2,6", 6)
    with pytest.raises(TfnlpError, match="increasing"):
        distiller.resolve_student_layers([2, 0], 6)
    with pytest.raises(TfnlpError, match="increasing"):
        distiller.resolve_student_layers([1, 1], 6)
    with pytest.raises(TfnlpError, match="comma-separated"):
        distiller.resolve_student_layers("0,two", 6)
    assert distiller.teacher_layer_map(3, 6) == [1, 3, 5]


def test_student_starts_from_teacher_layers(teacher, tokenizer):
    pretrainer = _distiller(teacher, tokenizer, student_layers=[0, 2])
    student, t = pretrainer.student, teacher.backbone
    for mine, theirs in zip(student.transformer_layers[1].weights,
                            t.transformer_layers[2].weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    # Segment 0 folded into the positions: the first layer computes exactly
    # what the teacher's first layer computes.
    x = _inputs(tokenizer)
    np.testing.assert_allclose(np.asarray(student(x)["encoder_outputs"][0]),
                               np.asarray(t(x)["encoder_outputs"][0]), atol=1e-5)
    # The student's MLM head starts as the teacher's.
    np.testing.assert_array_equal(np.asarray(pretrainer.mlm_head.weights[0]),
                                  np.asarray(teacher.mlm_head.weights[0]))


def test_vocab_mismatch_and_width_errors(teacher, tokenizer, vocab_file):
    other = FAMILY.load_tokenizer(vocab_file, seq_length=SEQ)
    other = type(other)(list(other.vocabulary[:-1]) + ["zebra"], seq_length=SEQ)
    config, _, _ = FAMILY.teacher_config({"teacher": teacher})
    student = FAMILY.build_backbone(config, tokenizer.vocab_size)
    with pytest.raises(TfnlpError, match="teacher's vocab .* differs"):
        FAMILY.build_pretrainer(student, "distill", config, other, {"teacher": teacher})
    narrow = FAMILY.build_backbone(dict(config, hidden_dim=16, intermediate_dim=64),
                                   tokenizer.vocab_size)
    with pytest.raises(TfnlpError, match="hidden_dim"):
        FAMILY.build_pretrainer(narrow, "distill", config, tokenizer, {"teacher": teacher})
    with pytest.raises(TfnlpError, match="needs a teacher"):
        FAMILY.build_pretrainer(student, "distill", config, tokenizer, {})
    with pytest.raises(TfnlpError, match="unknown distill option"):
        FAMILY.build_pretrainer(student, "distill", config, tokenizer,
                                {"teacher": teacher, "alpha": 1})


def test_checkpoint_model_leaves_the_teacher_out(teacher, tokenizer, tmp_path):
    from tfnlp.pretraining.checkpointing import TrainingCheckpoint

    pretrainer = _distiller(teacher, tokenizer)
    state = FAMILY.checkpoint_model(pretrainer)
    teacher_ids = {id(v) for v in teacher.backbone.variables}
    assert not teacher_ids & {id(v) for v in state.variables}
    assert [id(v) for v in state.trainable_variables] == \
        [id(v) for v in pretrainer.trainable_variables]
    assert not teacher.backbone.trainable_variables or not any(
        id(v) in teacher_ids for v in pretrainer.trainable_variables)
    optimizer = keras.optimizers.Adam(1e-3)
    checkpoint = TrainingCheckpoint(str(tmp_path / "ckpt"), state, optimizer)
    checkpoint.save(step=0)
    assert len(checkpoint.checkpoint.model.variables_by_key) == len(state.variables)
    # The pretrainer's weights file holds the student and its head only.
    pretrainer.save_weights(str(tmp_path / "w.weights.h5"))
    clone = _distiller(teacher, tokenizer)
    clone.student.transformer_layers[0].weights[0].assign(
        np.zeros(clone.student.transformer_layers[0].weights[0].shape))
    clone.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_array_equal(np.asarray(clone.student.weights[-1]),
                                  np.asarray(pretrainer.student.weights[-1]))
    np.testing.assert_array_equal(np.asarray(clone.student.transformer_layers[0].weights[0]),
                                  np.asarray(pretrainer.student.transformer_layers[0].weights[0]))


@pytest.mark.slow
def test_distillation_lowers_the_loss(teacher, tokenizer, dataset, capsys):
    objective = get_objective("distill")
    pretrainer = _distiller(teacher, tokenizer)
    assert "teacher has an MLM head" in capsys.readouterr().err
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(2e-3), jit_compile=False)
    history = pretrainer.fit(dataset.map(objective.split_features), steps_per_epoch=10,
                             epochs=2, verbose=0).history
    assert history["loss"][-1] < history["loss"][0]
    for name in ("kl_loss", "mlm_loss", "cosine_loss", "mlm_accuracy",
                 "teacher_mlm_accuracy", "teacher_agreement"):
        assert name in history
    head = FAMILY.export_heads(pretrainer)["mlm"]
    x = _inputs(tokenizer)
    x["masked_lm_positions"] = np.array([[1, 2], [2, 3]], "int32")
    assert tuple(head.fn(x)["mlm_logits"].shape) == (2, 2, tokenizer.vocab_size)


@pytest.mark.slow
def test_hidden_state_distillation_without_mlm_head(teacher, tokenizer, dataset, capsys):
    headless = distiller.Teacher(teacher.backbone, teacher.tokenizer, None)
    pretrainer = _distiller(headless, tokenizer, student_layers="1,3")
    assert "distilling hidden states only" in capsys.readouterr().err
    assert FAMILY.export_heads(pretrainer) == {}
    # The frozen head shares the token embedding, which keeps training.
    trained = {id(v) for v in pretrainer.trainable_variables}
    assert id(pretrainer.student.token_embedding.embeddings) in trained
    assert not pretrainer.mlm_head.trainable_variables
    # Move the student away from its teacher-copied start, then distil back.
    rng = np.random.default_rng(0)
    for variable in pretrainer.student.transformer_layers[-1].trainable_weights:
        variable.assign(np.asarray(variable) + rng.normal(0, 0.05, variable.shape))
    pretrainer.compile_for_pretraining(keras.optimizers.Adam(2e-3), jit_compile=False)
    objective = get_objective("distill")
    history = pretrainer.fit(dataset.map(objective.split_features), steps_per_epoch=8,
                             epochs=2, verbose=0).history
    assert history["hidden_mse"][-1] < history["hidden_mse"][0]
    assert history["loss"][-1] < history["loss"][0]
    assert "kl_loss" not in history


def test_mlm_objective_and_model_dir_round_trip(tokenizer, tmp_path):
    config = FAMILY.resolve_config("distilbert_tiny", {"hidden_dim": 32, "num_heads": 2})
    backbone = FAMILY.build_backbone(config, tokenizer.vocab_size)
    pretrainer = FAMILY.build_pretrainer(backbone, "mlm", config, tokenizer)
    assert "mlm" in FAMILY.export_heads(pretrainer)
    save_model_dir(str(tmp_path / "m"), "distilbert", backbone, tokenizer,
                   pretrainer=pretrainer, objective="mlm")
    loaded = load_model_dir(str(tmp_path / "m"), seq_length=SEQ)
    x = _inputs(tokenizer)
    np.testing.assert_allclose(np.asarray(loaded.backbone(x)["sequence_output"]),
                               np.asarray(backbone(x)["sequence_output"]), atol=1e-6)
    assert loaded.build_pretrainer() is not None


def test_corpus_that_tokenizes_to_nothing(tokenizer, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\u200b\u200b\n\u200b\n\n\u200b\n", encoding="utf-8")
    options = DataOptions(seq_length=SEQ, batch_size=4, heldout_fraction=0.0)
    with pytest.raises(TfnlpError, match="distillation corpus .* 0 instances"):
        get_objective("distill").build_dataset(str(path), tokenizer, options, "train", 0)
