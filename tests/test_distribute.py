"""resolve_strategy, and Keras 3 model.fit under our data-parallel strategies."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import tensorflow as tf

from tfnlp.distribute import (
    KerasMultiWorkerMirroredStrategy,
    configure_logical_cpus,
    parse_tf_config,
    resolve_strategy,
)
from tfnlp.errors import TfnlpError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Trains a tiny transformer classifier with Lamb under a strategy and prints
# one JSON line. argv[1]: "cpu2" (2 logical CPUs, MirroredStrategy, plus a
# one-device reference run) or "multi_worker" (TF_CONFIG set by the test).
WORKER = textwrap.dedent(
    """
    import json, os, sys
    os.environ["KERAS_BACKEND"] = "tensorflow"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    mode = sys.argv[1]
    from tfnlp.distribute import configure_logical_cpus, resolve_strategy
    if mode == "cpu2":
        configure_logical_cpus(2)
    # Multi-worker collectives must be set up before any TensorFlow op.
    strategy = resolve_strategy("cpu" if mode == "cpu2" else "multi_worker")
    import keras, keras_hub, numpy as np, tensorflow as tf
    from tfnlp.optimizers import Lamb, create_optimizer

    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, (64, 8)).astype("int32")
    y = (x[:, 0] > 25).astype("int32")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(8)

    def train(strategy):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            inputs = keras.Input((8,), dtype="int32")
            h = keras.layers.Embedding(50, 32)(inputs)
            h = keras_hub.layers.TransformerEncoder(
                intermediate_dim=64, num_heads=2)(h)
            h = keras.layers.GlobalAveragePooling1D()(h)
            model = keras.Model(inputs, keras.layers.Dense(2)(h))
            model.compile(optimizer=Lamb(learning_rate=1e-2),
                          loss=keras.losses.SparseCategoricalCrossentropy(
                              from_logits=True))
        history = model.fit(dataset, steps_per_epoch=4, epochs=3, verbose=0)
        eval_loss = 0.0
        if mode == "multi_worker":
            eval_loss = model.evaluate(dataset, steps=2, verbose=0)
        return model, history.history["loss"], float(eval_loss)

    model, losses, eval_loss = train(strategy)
    weights = model.get_weights()
    result = {
        "replicas": strategy.num_replicas_in_sync,
        "strategy": type(strategy).__name__,
        "losses": losses,
        "eval_loss": eval_loss,
        "checksum": float(sum(np.abs(w).astype("float64").sum() for w in weights)),
    }
    if mode == "cpu2":
        # Same data, same init, one device: data parallelism must not change
        # the result (global batch 8 either way).
        reference, ref_losses, _ = train(tf.distribute.OneDeviceStrategy("/cpu:0"))
        result["max_weight_diff"] = max(
            float(np.max(np.abs(a - b)))
            for a, b in zip(weights, reference.get_weights()))
        result["ref_losses"] = ref_losses
        # AdamW's LayerNorm/bias exclusion also holds for mirrored variables.
        with strategy.scope():
            optimizer = create_optimizer("adamw", 0.1, total_steps=10,
                                         warmup_steps=0)
            optimizer.build(model.trainable_variables)
        before = [v.numpy() for v in model.trainable_variables]

        @tf.function
        def zero_step():
            def fn():
                optimizer.apply_gradients(
                    [(tf.zeros_like(v), v) for v in model.trainable_variables])
            strategy.run(fn)

        zero_step()
        result["decayed"] = sorted(
            v.path for v, b in zip(model.trainable_variables, before)
            if not np.array_equal(v.numpy(), b))
    print("RESULT " + json.dumps(result), flush=True)
    """
)


def _run_worker(tmp_path, mode, env_extra=None):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, PYTHONPATH=REPO)
    env.pop("TF_CONFIG", None)
    env.update(env_extra or {})
    return subprocess.Popen(
        [sys.executable, str(script), mode], env=env, cwd=str(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _result(process, timeout):
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        pytest.fail(f"worker timed out; output:\n{out[-4000:]}")
    assert process.returncode == 0, out[-4000:]
    lines = [l for l in out.splitlines() if l.startswith("RESULT ")]
    assert lines, out[-4000:]
    return json.loads(lines[-1][len("RESULT "):])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_mirrored_fit_on_two_logical_cpus_matches_one_device(tmp_path):
    result = _result(_run_worker(tmp_path, "cpu2"), timeout=180)
    assert result["replicas"] == 2
    assert result["strategy"] == "MirroredStrategy"
    losses = result["losses"]
    assert losses[-1] < losses[0], losses
    assert result["max_weight_diff"] < 1e-4, result
    assert result["losses"] == pytest.approx(result["ref_losses"], rel=1e-4)
    assert result["decayed"] == [
        "dense/kernel", "embedding/embeddings",
        "transformer_encoder/feedforward_intermediate_dense/kernel",
        "transformer_encoder/feedforward_output_dense/kernel",
        "transformer_encoder/self_attention_layer/attention_output/kernel",
        "transformer_encoder/self_attention_layer/key/kernel",
        "transformer_encoder/self_attention_layer/query/kernel",
        "transformer_encoder/self_attention_layer/value/kernel",
    ]


@pytest.mark.slow
def test_multi_worker_fit_two_processes_stay_in_sync(tmp_path):
    workers = [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers},
                     "task": {"type": "worker", "index": index}}
        (tmp_path / str(index)).mkdir()
        processes.append(_run_worker(tmp_path / str(index), "multi_worker",
                                     {"TF_CONFIG": json.dumps(tf_config)}))
    try:
        results = [_result(p, timeout=240) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    for result in results:
        assert result["replicas"] == 2
        assert result["strategy"] == "KerasMultiWorkerMirroredStrategy"
        assert result["losses"][-1] < result["losses"][0], result["losses"]
    assert results[0]["checksum"] == results[1]["checksum"]
    assert results[0]["losses"] == results[1]["losses"]
    assert results[0]["eval_loss"] == pytest.approx(results[1]["eval_loss"])


def test_cpu_and_auto_without_accelerators():
    strategy = resolve_strategy("cpu")
    assert strategy.num_replicas_in_sync == len(tf.config.list_logical_devices("CPU"))
    if not tf.config.list_physical_devices("GPU") and not os.environ.get("TPU_NAME"):
        assert type(resolve_strategy("auto")) is type(strategy)
    assert resolve_strategy("mirrored").num_replicas_in_sync >= 1


def test_unknown_name_lists_choices():
    with pytest.raises(TfnlpError, match="auto, cpu, gpu, mirrored, tpu, multi_worker"):
        resolve_strategy("horovod")


@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")),
                    reason="a GPU is present")
def test_gpu_without_gpu_is_a_clear_error():
    with pytest.raises(TfnlpError, match="no GPU"):
        resolve_strategy("gpu")


def test_tpu_without_tpu_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("TPU_NAME", raising=False)
    monkeypatch.delenv("COLAB_TPU_ADDR", raising=False)
    monkeypatch.setattr("tfnlp.distribute.glob.glob", lambda pattern: [])
    with pytest.raises(TfnlpError, match="no TPU found"):
        resolve_strategy("tpu")


def test_tpu_unreachable_address_is_a_clear_error():
    with pytest.raises(TfnlpError, match="could not connect"):
        resolve_strategy("tpu", tpu_address="local")


def test_multi_worker_without_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(TfnlpError, match="TF_CONFIG"):
        resolve_strategy("multi_worker")


@pytest.mark.parametrize("raw, message", [
    ("{not json", "not valid JSON"),
    ('{"task": {"type": "worker", "index": 0}}', "no 'cluster'"),
    ('{"cluster": {"worker": "a:1"}, "task": {"type": "worker", "index": 0}}',
     "host:port"),
    ('{"cluster": {"worker": ["a:1"]}}', "needs 'task'"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}',
     "does not name a member"),
    ('{"cluster": {"ps": ["a:1"]}, "task": {"type": "ps", "index": 0}}',
     "'worker'"),
])
def test_malformed_tf_config(monkeypatch, raw, message):
    monkeypatch.setenv("TF_CONFIG", raw)
    with pytest.raises(TfnlpError, match=message):
        resolve_strategy("multi_worker")


def test_parse_tf_config_accepts_a_valid_config():
    raw = json.dumps({"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
                      "task": {"type": "worker", "index": 1}})
    config = parse_tf_config({"TF_CONFIG": raw})
    assert config["task"] == {"type": "worker", "index": 1}


def test_configure_logical_cpus_after_initialisation_is_a_clear_error():
    have = len(tf.config.list_logical_devices("CPU"))  # initialises TF
    assert configure_logical_cpus(have) == [
        d.name for d in tf.config.list_logical_devices("CPU")]
    with pytest.raises(TfnlpError, match="already initialised"):
        configure_logical_cpus(have + 1)
    with pytest.raises(TfnlpError, match="must be >= 1"):
        configure_logical_cpus(0)


def test_keras_strategy_reduce_handles_nests_and_scalars():
    """Single-worker check of the reduce extensions (the 2-worker case is
    exercised by the multi-worker fit test)."""
    strategy = KerasMultiWorkerMirroredStrategy()
    assert strategy.num_replicas_in_sync == 1
    values = strategy.experimental_distribute_values_from_function(
        lambda ctx: (tf.constant([1.0, 3.0]), tf.constant(2.0)))
    vector, scalar = strategy.reduce("MEAN", values, axis=None)
    assert vector.numpy().tolist() == [1.0, 3.0] and float(scalar) == 2.0
    assert float(strategy.reduce("MEAN", values[1], axis=0)) == 2.0


def test_multi_worker_after_tensorflow_started_is_a_clear_error(monkeypatch):
    tf.constant(1.0) + 1.0  # TensorFlow is running in this process
    monkeypatch.setenv("TF_CONFIG", json.dumps({
        "cluster": {"worker": [f"127.0.0.1:{_free_port()}",
                               f"127.0.0.1:{_free_port()}"]},
        "task": {"type": "worker", "index": 0}}))
    with pytest.raises(TfnlpError, match="program start"):
        resolve_strategy("multi_worker")
