"""Training task models through the runner's pieces (no export): SQuAD v1
overfits, and feature-based (frozen encoder + ScalarMix + biLSTM) and full
fine-tuning both learn the same small real-text classification task."""

import numpy as np
import pytest

import finetune_helpers as H


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    paths = H.write_encoders(str(root / "enc"))
    train, held = H.classification_split()
    paths["train"] = H.write_classification(str(root / "train.jsonl"), train)
    paths["eval"] = H.write_classification(str(root / "eval.jsonl"), held)
    paths["squad"] = H.write_squad(str(root / "squad.json"))
    paths["root"] = str(root)
    return paths


def _run(root, task_name, train_path, eval_path, **overrides):
    """Scores an untrained and a trained model; returns (before, after, model)."""
    import keras

    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.models import build_task_model
    from tfnlp.tasks.runner import FinetuneConfig, predict_outputs, train_task_model
    from tfnlp.tasks.task_registry import make_task

    settings = dict(encoder=root["model"], task=task_name, train=train_path,
                    output=root["root"] + "/unused", epochs=40, batch_size=8,
                    learning_rate=3e-3, seq_length=48, verbose=False)
    settings.update(overrides)
    config = FinetuneConfig(**settings)
    source = resolve_encoder(config.encoder)
    task = make_task(task_name, source.tokenizer, config.seq_length)
    train = task.read_train(train_path)
    evaluation = task.read_eval(eval_path)
    keras.utils.set_random_seed(config.seed)
    untrained = build_task_model(task_name, source, num_labels=task.num_labels,
                                 mode=config.mode, task_network=config.task_network)
    before = task.score(evaluation, predict_outputs(untrained, evaluation, 8))
    model, _ = train_task_model(config, source, task, train, config.learning_rate,
                                config.seq_length)
    after = task.score(evaluation, predict_outputs(model, evaluation, 8))
    return before, after, model


@pytest.mark.slow
def test_squad_v1_overfits(root):
    before, after, _ = _run(root, "squad", root["squad"], root["squad"], batch_size=6,
                            epochs=30)
    assert before["exact_match"] <= 20.0
    assert after["exact_match"] >= 60.0 and after["f1"] >= after["exact_match"]


@pytest.mark.slow
def test_feature_based_and_finetuning_both_learn(root):
    """ELMo-style feature extraction vs BERT-style fine-tuning, same data.

    The encoder is random (no pretraining), so neither number says which
    mode transfers better; the test shows both train end to end, that the
    feature mode leaves the encoder untouched and learns the mix weights.
    """
    # Fine-tuning with the XLA step (what real-sized runs get by default).
    _, tuned, _ = _run(root, "classification", root["train"], root["eval"], jit_compile=True)
    before, feature, model = _run(root, "classification", root["train"], root["eval"],
                                  mode="feature", learning_rate=1e-2, epochs=30)
    assert tuned["accuracy"] >= 0.75 and feature["accuracy"] >= 0.75  # chance: 0.5
    weights = model.scalar_mix.mixing_weights()
    assert not np.allclose(weights, [0.5, 0.5], atol=1e-3)  # the mix was learned
    from tfnlp.models.model_dir import load_model_dir

    original = load_model_dir(root["model"]).backbone.get_weights()
    for got, want in zip(model.encoder.get_weights(), original):
        np.testing.assert_array_equal(got, want)  # the encoder stayed frozen
