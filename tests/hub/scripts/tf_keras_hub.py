"""Fresh process: Google's consumer path, tf_keras + hub.KerasLayer.

argv: encoder_dir preprocess_dir. Prints `RESULT <json>`.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402,F401  (registers the preprocess ops)
import tensorflow_hub as hub  # noqa: E402
import tf_keras  # noqa: E402

from hub_test_modules import SENTENCES, has_gradient  # noqa: E402

encoder_dir, preprocess_dir = sys.argv[1:3]
tf_keras.utils.set_random_seed(0)
result = {}

preprocess = hub.KerasLayer(preprocess_dir)
encoder = hub.KerasLayer(encoder_dir, trainable=True)
text = tf_keras.Input(shape=(), dtype=tf.string)
pooled = encoder(preprocess(text))["pooled_output"]
model = tf_keras.Model(text, tf_keras.layers.Dense(2)(pooled))
model.compile(tf_keras.optimizers.Adam(1e-2),
              tf_keras.losses.SparseCategoricalCrossentropy(from_logits=True))
module = encoder.resolved_object
result["n_trainable_weights"] = len(encoder.trainable_weights)
result["n_module_trainable"] = len(module.trainable_variables)
before = [v.numpy().copy() for v in module.trainable_variables]
x = tf.constant(SENTENCES)
y = np.arange(len(SENTENCES)) % 2
model.fit(x, y, epochs=2, batch_size=4, verbose=0)
result["unchanged_with_gradient"] = [
    v.name for b, v in zip(before, module.trainable_variables)
    if np.array_equal(b, v.numpy()) and has_gradient(v.name)]

ids = preprocess(x)
a, b = (encoder(ids, training=True)["sequence_output"] for _ in range(2))
c, d = (encoder(ids, training=False)["sequence_output"] for _ in range(2))
result["train_diff"] = float(np.max(np.abs(a - b)))
result["eval_diff"] = float(np.max(np.abs(c - d)))
frozen = hub.KerasLayer(encoder_dir, trainable=False)
e, f = (frozen(ids, training=True)["sequence_output"] for _ in range(2))
result["frozen_train_diff"] = float(np.max(np.abs(e - f)))

# Google's documented pair packing: tokenize + bert_pack_inputs(seq_length=L).
loaded = hub.load(preprocess_dir)
tokenize = hub.KerasLayer(loaded.tokenize)
pack = hub.KerasLayer(loaded.bert_pack_inputs, arguments=dict(seq_length=24))
packed = pack([tokenize(x), tokenize(x)])
result["pair_shape"] = list(packed["input_word_ids"].shape)
mlm = hub.KerasLayer(hub.load(encoder_dir).mlm, trainable=True)
mlm_in = dict(ids, masked_lm_positions=tf.constant([[1, 2]] * len(SENTENCES)))
result["mlm_shape"] = list(mlm(mlm_in)["mlm_logits"].shape)
print("RESULT " + json.dumps(result))
