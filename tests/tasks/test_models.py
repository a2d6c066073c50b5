"""Task models on native and TF-Hub encoders: outputs, modes, encoder errors."""

import os

import numpy as np
import pytest

import finetune_helpers as H


@pytest.fixture(scope="module")
def encoders(tmp_path_factory):
    return H.write_encoders(str(tmp_path_factory.mktemp("encoders")))


def _inputs(batch=2, seq=8, real=5):
    ids = np.full((batch, seq), 7, "int32")
    mask = np.zeros((batch, seq), "int32")
    mask[:, :real] = 1
    return {"token_ids": ids * mask, "segment_ids": np.zeros_like(ids), "padding_mask": mask}


@pytest.mark.parametrize("kind", ["model", "hub"])
def test_all_tasks_and_modes_build_and_run(encoders, kind):
    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.models import build_task_model

    source = resolve_encoder(encoders[kind])
    assert source.kind == ("native" if kind == "model" else "hub")
    assert (source.num_layers, source.hidden_dim, source.max_sequence_length) == (2, 32, 64)
    assert source.family.name == "bert" and source.pooling == "pooled"
    assert source.tokenizer.lower_case is True and source.tokenizer.kind == "wordpiece"
    assert source.tokenizer.vocabulary == H.tiny_tokenizer(encoders["vocab"]).vocabulary
    assert all(os.path.isfile(p) for p in source.tokenizer.asset_files().values())
    x = _inputs()
    cases = [(mode, task) for mode in ("finetune", "feature")
             for task in ("classification", "ner", "squad")]
    if kind == "hub":  # the heads are the same; hub-specific is the encoder call
        cases = [("finetune", "squad"), ("feature", "classification")]
    expected_shapes = {"classification": {"logits": (2, 3)}, "ner": {"logits": (2, 8, 3)},
                       "squad": {"start_logits": (2, 8), "end_logits": (2, 8)}}
    for mode, task in cases:
        expected = expected_shapes[task]
        model = build_task_model(task, source, num_labels=3, mode=mode)
        out = model(x)
        assert {k: tuple(v.shape) for k, v in out.items()} == expected
        encoder_vars = {id(v) for v in model.encoder.weights}
        trained = [v for v in model.trainable_variables if id(v) in encoder_vars]
        if mode == "feature":
            assert trained == [] and model.scalar_mix is not None
            assert any("scalar_mix" in v.path for v in model.trainable_variables)
        else:
            pooler = [v for v in model.encoder.weights if "pooler" in v.path]
            assert len(pooler) == 2
            assert all(v.trainable for v in pooler) == (task == "classification")
            assert len(trained) == len(model.encoder.trainable_weights) > 30
        if task == "squad":
            start = np.asarray(out["start_logits"])
            assert np.all(start[:, 5:] < -1e8)  # padding never wins


def test_native_model_dir_found_inside_run_folder(encoders, tmp_path):
    import shutil

    from tfnlp.tasks.encoder_source import resolve_encoder

    shutil.copytree(encoders["model"], tmp_path / "run" / "keras")
    shutil.copytree(encoders["hub"], tmp_path / "exported" / "encoder")
    assert resolve_encoder(str(tmp_path / "run")).kind == "native"
    assert resolve_encoder(str(tmp_path / "exported")).kind == "hub"


def test_encoder_errors(encoders, tmp_path):
    import tensorflow as tf

    from tfnlp.errors import TfnlpError
    from tfnlp.tasks.encoder_source import resolve_encoder

    with pytest.raises(TfnlpError, match="no such directory"):
        resolve_encoder(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(TfnlpError, match="found neither"):
        resolve_encoder(str(tmp_path / "empty"))

    class Wrong(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
        def __call__(self, text):
            return {"length": tf.strings.length(text)}

    tf.saved_model.save(Wrong(), str(tmp_path / "wrong"))
    with pytest.raises(TfnlpError, match="not a TF-Hub BERT encoder"):
        resolve_encoder(str(tmp_path / "wrong"))
    source = resolve_encoder(encoders["hub"])
    with pytest.raises(TfnlpError, match="longer than the encoder's 64 learned positions"):
        source.check_sequence_length(128)


def test_build_errors(encoders):
    from tfnlp.errors import TfnlpError
    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.models import build_task_model

    source = resolve_encoder(encoders["model"])
    with pytest.raises(TfnlpError, match="task='pos'"):
        build_task_model("pos", source, num_labels=2)
    with pytest.raises(TfnlpError, match="num_labels"):
        build_task_model("ner", source)
    with pytest.raises(TfnlpError, match="mode='frozen'"):
        build_task_model("classification", source, num_labels=2, mode="frozen")
    with pytest.raises(TfnlpError, match="--pooling='max'"):
        build_task_model("classification", source, num_labels=2, pooling="max")


def test_classification_poolings(encoders):
    """`first` equals the top layer at [CLS]; `last` the last real token; `mean`
    the masked mean; `pooled` the backbone's own pooler. The pooler trains
    only when it is used."""
    import keras

    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.models import build_task_model

    source = resolve_encoder(encoders["model"])
    encoder = source.build_encoder()
    x = _inputs(real=5)
    x["padding_mask"][1, 3:] = 0
    sequence = np.asarray(encoder(x)["sequence_output"])
    mask = x["padding_mask"]
    want = {"first": sequence[:, 0],
            "last": sequence[[0, 1], [4, 2]],
            "mean": (sequence * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)}
    for pooling, expected in want.items():
        model = build_task_model("classification", source, num_labels=2, pooling=pooling,
                                 encoder=encoder, dropout=0.0)
        pooled = keras.Model(model.inputs, model.get_layer(f"{pooling}_pooling").output)
        np.testing.assert_allclose(np.asarray(pooled(x)), expected, atol=1e-5)
        assert model.pooling == pooling
        assert not any(v.trainable for v in encoder.weights if "pooler" in v.path)
    for v in encoder.weights:
        v.trainable = True
    model = build_task_model("classification", source, num_labels=2, encoder=encoder)
    assert model.pooling == "pooled"
    assert all(v.trainable for v in encoder.weights if "pooler" in v.path)
