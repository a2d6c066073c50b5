"""In-process tests of tfnlp.hub.HubLayer (Keras 3) and load_module errors.

The fresh-process fine-tuning checks are in test_fresh_processes.py.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from foreign_module import save_foreign_module
from hub_test_modules import TOKENS, exported_modules, has_gradient
from tfnlp.errors import TfnlpError
from tfnlp.hub import HubLayer, KerasLayer, load_module
from tfnlp.hub.keras_layer import keras_variable_name


def _encoder_inputs():
    return {k: keras.Input((None,), dtype="int32", name=k)
            for k in ("input_word_ids", "input_mask", "input_type_ids")}


def _ids(batch=8, seq=6):
    rng = np.random.default_rng(0)
    return {"input_word_ids": rng.integers(5, len(TOKENS), (batch, seq)).astype("int32"),
            "input_mask": np.ones((batch, seq), "int32"),
            "input_type_ids": np.zeros((batch, seq), "int32")}


def test_keras_variable_name():
    assert keras_variable_name("transformer_layer_0/query/kernel:0") == \
        "transformer_layer_0__query__kernel"
    assert keras_variable_name("a:b/c:1") == "a_b__c"
    assert KerasLayer is HubLayer


def test_encoder_fine_tunes_in_functional_model():
    path = exported_modules()["encoder"]
    layer = HubLayer(path, trainable=True, output_key="pooled_output", name="bert")
    module_vars = list(layer._var_source.trainable_variables)
    assert len(layer.trainable_weights) == len(module_vars) > 0
    assert all("/" not in w.name and ":" not in w.name for w in layer.weights)
    assert any(w.path.startswith("bert/transformer_layer_1__") for w in layer.weights)
    ins = _encoder_inputs()
    model = keras.Model(ins, keras.layers.Dense(2)(layer(ins)))
    model.compile(keras.optimizers.Adam(1e-2),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [v.numpy().copy() for v in module_vars]
    model.fit(_ids(), np.arange(8) % 2, epochs=1, batch_size=4, verbose=0)
    unchanged = [v.name for b, v in zip(before, module_vars)
                 if np.array_equal(b, v.numpy())]
    assert [n for n in unchanged if has_gradient(n)] == []
    # Config is path-based and round-trips.
    clone = HubLayer.from_config(layer.get_config())
    x = {k: tf.constant(v) for k, v in _ids().items()}
    assert clone.get_config()["handle"] == path
    assert clone(x).shape == (8, 32)


def test_frozen_layer_has_no_trainable_weights_and_no_dropout():
    layer = HubLayer(exported_modules()["encoder"], trainable=False,
                     output_key="sequence_output")
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) > 0
    x = {k: tf.constant(v) for k, v in _ids().items()}
    np.testing.assert_array_equal(layer(x, training=True), layer(x, training=True))
    layer.trainable = True
    assert np.max(np.abs(layer(x, training=True) - layer(x, training=True))) > 1e-3


def test_mlm_endpoint_and_arguments():
    layer = HubLayer(exported_modules()["encoder"], endpoint="mlm",
                     output_key="mlm_logits")
    x = {k: tf.constant(v) for k, v in _ids(batch=2).items()}
    x["masked_lm_positions"] = tf.constant([[1, 2, 3], [0, 0, 5]])
    assert layer(x).shape == (2, 3, len(TOKENS))
    assert len(layer.weights) > len(HubLayer(exported_modules()["encoder"]).weights)


def test_foreign_module_fine_tunes(tmp_path):
    path = save_foreign_module(str(tmp_path / "foreign"))
    layer = HubLayer(path, trainable=True, output_key="hidden")
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 1
    assert len({w.path for w in layer.weights}) == 3  # clashing names made unique
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    out = layer({"features": tf.constant(x)})
    assert len(layer.losses) == 1  # the module's regularization loss
    ins = {"features": keras.Input((4,), name="features")}
    model = keras.Model(ins, keras.layers.Dense(1)(layer(ins)))
    model.compile(keras.optimizers.Adam(1e-2), "mse")
    tvars = list(layer._var_source.trainable_variables)
    before = [v.numpy().copy() for v in tvars]
    scale = float(layer._var_source.variables[2].numpy())
    model.fit({"features": x}, np.ones((16, 1)), epochs=2, batch_size=8, verbose=0)
    assert all(not np.allclose(b, v.numpy()) for b, v in zip(before, tvars))
    assert float(layer._var_source.variables[2].numpy()) == scale
    assert out.shape == (16, 3)


def test_errors(tmp_path):
    with pytest.raises(TfnlpError, match="no such file"):
        HubLayer(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(TfnlpError, match="not a SavedModel"):
        load_module(str(tmp_path / "empty"))
    # A SavedModel without __call__ or variable lists.
    plain = tf.Module()
    plain.v = tf.Variable(1.0)
    tf.saved_model.save(plain, str(tmp_path / "plain"))
    with pytest.raises(TfnlpError, match=r"lacks __call__\(inputs, training\), "
                                         r"attribute `variables`"):
        load_module(str(tmp_path / "plain"), expect="encoder")
    with pytest.raises(TfnlpError, match="lacks __call__"):
        HubLayer(str(tmp_path / "plain"))
    # Wrong input keys are named.
    foreign = save_foreign_module(str(tmp_path / "foreign"))
    with pytest.raises(TfnlpError, match=r"input key 'input_word_ids'"):
        load_module(foreign, expect="encoder")
    layer = HubLayer(foreign)
    with pytest.raises(TfnlpError, match=r"missing \['features'\], unexpected \['x'\]"):
        layer({"x": tf.zeros([1, 4])})
    with pytest.raises(TfnlpError, match="no output 'nope'"):
        HubLayer(foreign, output_key="nope")({"features": tf.zeros([1, 4])})
    with pytest.raises(TfnlpError, match="cannot be serialized"):
        HubLayer(tf.saved_model.load(foreign)).get_config()
    with pytest.raises(TfnlpError, match="cannot be fine-tuned"):
        HubLayer(foreign, signature="serving_default", trainable=True)


def test_frozen_hub_layer_contributes_no_trainable_weights_to_a_model():
    """A frozen HubLayer's variables stay out of a model's trainable weights,
    and toggling `trainable` brings back exactly the module's trainable ones."""
    layer = HubLayer(exported_modules()["encoder"], trainable=False)
    ids = keras.Input(shape=(None,), dtype="int32")
    inputs = {"input_word_ids": ids, "input_mask": ids, "input_type_ids": ids}
    model = keras.Model(ids, keras.layers.Dense(2)(layer(inputs)["pooled_output"]))
    assert len(model.trainable_weights) == 2  # the Dense kernel and bias only
    layer.trainable = True
    assert len(model.trainable_weights) == 2 + len(layer.trainable_weights) > 2
    layer.trainable = False
    assert len(model.trainable_weights) == 2
