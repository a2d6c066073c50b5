"""Fresh process: tfnlp.hub.HubLayer in Keras 3, and loading without tf-text.

argv: encoder_dir preprocess_dir foreign_dir reexported_preprocess_dir.
Prints `RESULT <json>`.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfnlp.errors import TfnlpError  # noqa: E402
from tfnlp.hub import HubLayer, load_module  # noqa: E402
from hub_test_modules import SENTENCES, has_gradient  # noqa: E402

encoder_dir, preprocess_dir, foreign_dir, reexported_dir = sys.argv[1:5]
keras.utils.set_random_seed(0)
result = {"tf_text_imported_by_tfnlp_hub": "tensorflow_text" in sys.modules}

# (c) without tensorflow_text: our loader names the fix.
try:
    load_module(preprocess_dir)
    result["no_tf_text_error"] = None
except TfnlpError as e:
    result["no_tf_text_error"] = str(e)
import tensorflow_text  # noqa: E402,F401
result["plain_load_keys"] = sorted(load_module(preprocess_dir, expect="preprocess")(
    tf.constant(["hello world"])))

# (b) Keras 3 functional model: strings -> preprocess -> encoder -> Dense.
text = keras.Input(shape=(), dtype="string")
encoder = HubLayer(encoder_dir, trainable=True, name="bert")
preprocess = HubLayer(preprocess_dir)
pooled = encoder(preprocess(text))["pooled_output"]
model = keras.Model(text, keras.layers.Dense(2)(pooled))
model.compile(keras.optimizers.Adam(1e-2),
              keras.losses.SparseCategoricalCrossentropy(from_logits=True))
module_vars = list(load_module(encoder_dir, expect="encoder").trainable_variables)
tvars = [w.value for w in encoder.trainable_weights]
result["n_trainable_weights"] = len(tvars)
result["n_module_trainable"] = len(module_vars)
before = [v.numpy().copy() for v in tvars]
x = tf.constant(SENTENCES)
y = np.arange(len(SENTENCES)) % 2
history = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
result["loss"] = [float(l) for l in history.history["loss"]]
result["unchanged_with_gradient"] = [
    v.name for b, v in zip(before, tvars)
    if np.array_equal(b, v.numpy()) and has_gradient(v.name)]
ids = preprocess(x)
a, b = (encoder(ids, training=True)["sequence_output"] for _ in range(2))
result["train_diff"] = float(np.max(np.abs(a - b)))

# The hand-built foreign module.
foreign = HubLayer(foreign_dir, trainable=True, output_key="hidden")
ins = {"features": keras.Input((4,), name="features")}
fmodel = keras.Model(ins, keras.layers.Dense(1)(foreign(ins)))
fmodel.compile(keras.optimizers.Adam(1e-2), "mse")
fvars = [w.value for w in foreign.trainable_weights]
fbefore = [v.numpy().copy() for v in fvars]
feats = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
fmodel.fit({"features": feats}, np.ones((16, 1)), epochs=2, batch_size=8, verbose=0)
result["foreign_changed"] = [not np.array_equal(b, v.numpy()) for b, v in zip(fbefore, fvars)]

# The re-exported preprocess module, its sources deleted.
re = tf.saved_model.load(reexported_dir)
result["reexported_ids"] = re(tf.constant(["hello world"]))["input_word_ids"].numpy()[0, :4].tolist()
result["reexported_asset"] = re.vocab_file.asset_path.numpy().decode()
print("RESULT " + json.dumps(result))
