"""Fresh process: load serving SavedModels as TF Serving does (TF1 session).

argv: serve_dir ids_only_dir. Prints `RESULT <json>`.
"""
import json
import sys

import numpy as np
import tensorflow as tf

serve_dir, ids_only_dir = sys.argv[1:3]
tf.compat.v1.disable_eager_execution()
IDS = {"input_word_ids": np.array([[2, 17, 18, 3, 0]] * 2, np.int32),
       "input_mask": np.array([[1, 1, 1, 1, 0]] * 2, np.int32),
       "input_type_ids": np.zeros((2, 5), np.int32)}


def run(path, signature, feeds):
    with tf.compat.v1.Session(graph=tf.Graph()) as sess:
        meta = tf.compat.v1.saved_model.loader.load(sess, ["serve"], path)
        sig = meta.signature_def[signature]
        feed = {sig.inputs[k].name: v for k, v in feeds.items()}
        out = sess.run({k: v.name for k, v in sig.outputs.items()}, feed)
        return {k: np.asarray(v).tolist() for k, v in out.items()}


result = {"ids_only_no_tf_text": run(ids_only_dir, "serve_ids", IDS)}
try:
    run(serve_dir, "serve_ids", IDS)
    result["combined_no_tf_text_error"] = None
except Exception as e:  # noqa: BLE001  (recorded for the test to check)
    result["combined_no_tf_text_error"] = str(e).splitlines()[0]
import tensorflow_text  # noqa: E402,F401
result["combined_serve_ids"] = run(serve_dir, "serve_ids", IDS)
result["combined_text"] = run(serve_dir, "serving_default",
                              {"text": np.array([b"hello world", b"bad movie"]),
                               "text_b": np.array([b"a b", b"good"])})
print("RESULT " + json.dumps(result))
