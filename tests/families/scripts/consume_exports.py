"""Fresh process: every family's export consumed as a published module.

argv: cases.json. For each case (one family's export) it:
- loads the encoder with plain `tf.saved_model.load` and compares its
  outputs on fixed ids with the exporting process's (max abs difference);
- fine-tunes it one step in tf_keras through `hub.KerasLayer(trainable=True)`
  and in Keras 3 through `tfnlp.hub.HubLayer(trainable=True)`, and lists
  the trainable variables whose gradient is non-zero but that did not move;
- a text-generation serving module (GPT-2's `generate`): `saved_model_cli
  show --all` and its signatures through `tf.saved_model.load`.
Prints `RESULT <json>`: {family: {...}}.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tensorflow_text  # noqa: E402,F401  (registers the preprocess ops)


def moved_report(variables, grads, before):
    # A gradient below 1e-7 (an attention key bias's, zero up to round-off)
    # need not move a float32 weight at this learning rate.
    with_gradient = [v for v, g in zip(variables, grads)
                     if g is not None and float(tf.reduce_max(tf.abs(
                         tf.convert_to_tensor(g)))) > 1e-7]
    moving = {id(v) for v in with_gradient}
    stuck = [v.name for v, b in zip(variables, before)
             if id(v) in moving and np.array_equal(b, v.numpy())]
    return {"n_trainable": len(variables), "n_with_gradient": len(with_gradient),
            "stuck": stuck}


def tf_keras_step(case, inputs):
    import tensorflow_hub as hub
    import tf_keras

    layer = hub.KerasLayer(case["encoder"], trainable=True)
    keys = sorted(inputs)
    ins = {k: tf_keras.Input(shape=(None,), dtype=tf.int32, name=k) for k in keys}
    pooled = layer(ins)["pooled_output"]
    model = tf_keras.Model(ins, tf_keras.layers.Dense(2)(pooled))
    variables = layer.trainable_weights
    before = [v.numpy().copy() for v in variables]
    labels = tf.constant([0, 1] * (inputs[keys[0]].shape[0] // 2))
    with tf.GradientTape() as tape:
        logits = model(inputs, training=True)
        loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
            labels, logits, from_logits=True))
    grads = tape.gradient(loss, variables)
    tf_keras.optimizers.SGD(0.5).apply_gradients(
        [(g, v) for g, v in zip(grads, variables) if g is not None])
    return moved_report(variables, grads, before)


def keras3_step(case, inputs):
    import keras

    from tfnlp.hub import HubLayer

    layer = HubLayer(case["encoder"], trainable=True)
    keys = sorted(inputs)
    ins = {k: keras.Input(shape=(None,), dtype="int32", name=k) for k in keys}
    pooled = layer(ins)["pooled_output"]
    model = keras.Model(ins, keras.layers.Dense(2)(pooled))
    variables = layer.trainable_weights
    before = [v.numpy().copy() for v in variables]
    labels = tf.constant([0, 1] * (inputs[keys[0]].shape[0] // 2))
    with tf.GradientTape() as tape:
        logits = model(inputs, training=True)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
            labels, logits, from_logits=True))
    grads = tape.gradient(loss, [v.value for v in variables])
    keras.optimizers.SGD(0.5).apply_gradients(
        [(g, v) for g, v in zip(grads, variables) if g is not None])
    return moved_report([v.value for v in variables], grads, before)


def string_module_steps(case):
    """Modules called on strings (ELMo's, text embeddings'): outputs and one
    fine-tuning step in each Keras world."""
    import keras
    import tensorflow_hub as hub
    import tf_keras

    from tfnlp.hub import HubLayer

    texts = tf.constant(case["texts"])
    key = case.get("output_key")
    obj = tf.saved_model.load(case["module"])
    out = obj(texts)
    out = out[key] if key else out
    entry = {"max_diff": float(np.max(np.abs(out.numpy() - np.load(case["expected"])["out"])))}
    labels = tf.constant([0, 1] * (len(case["texts"]) // 2))
    kwargs = {"output_key": key} if key else {}

    layer = hub.KerasLayer(case["module"], trainable=True, **kwargs)
    text_in = tf_keras.Input(shape=(), dtype=tf.string)
    model = tf_keras.Model(text_in, tf_keras.layers.Dense(2)(layer(text_in)))
    variables = layer.trainable_weights
    before = [v.numpy().copy() for v in variables]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
            labels, model(texts, training=True), from_logits=True))
    grads = tape.gradient(loss, variables)
    tf_keras.optimizers.SGD(0.5).apply_gradients(
        [(g, v) for g, v in zip(grads, variables) if g is not None])
    entry["tf_keras"] = moved_report(variables, grads, before)

    layer3 = HubLayer(case["module"], trainable=True, **kwargs)
    text_in3 = keras.Input(shape=(), dtype="string")
    model3 = keras.Model(text_in3, keras.layers.Dense(2)(layer3(text_in3)))
    variables3 = layer3.trainable_weights
    before3 = [v.numpy().copy() for v in variables3]
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(
            labels, model3(texts, training=True), from_logits=True))
    grads3 = tape.gradient(loss, [v.value for v in variables3])
    keras.optimizers.SGD(0.5).apply_gradients(
        [(g, v) for g, v in zip(grads3, variables3) if g is not None])
    entry["keras3"] = moved_report([v.value for v in variables3], grads3, before3)
    return entry


def generation_checks(path):
    """A `generate` serving module: its signatures as `saved_model_cli show --all`
    lists them, and greedy / seeded / bad-setting calls of `tf.saved_model.load`."""
    import contextlib
    import io

    from tensorflow.python.tools import saved_model_cli

    shown = io.StringIO()
    argv, sys.argv = sys.argv, ["saved_model_cli", "show", "--all", "--dir", path]
    try:
        with contextlib.redirect_stdout(shown):
            saved_model_cli.main()  # absl's app.run: ends with sys.exit
    except SystemExit as e:
        if e.code not in (None, 0):
            raise
    finally:
        sys.argv = argv
    signatures = tf.saved_model.load(path).signatures
    prompts = tf.constant(["the dog", "", "a cat sat on"])
    settings = {"max_new_tokens": tf.constant(4), "temperature": tf.constant(1.0),
                "top_p": tf.constant(1.0), "seed": tf.constant(5)}

    def sample(sampler, top_k=0, **changes):
        args = dict(settings, sampler=tf.constant(sampler), top_k=tf.constant(top_k),
                    **{k: tf.constant(v) for k, v in changes.items()})
        return signatures["sample"](prompt=prompts, **args)["text"].numpy().tolist()

    greedy = signatures["generate"](prompt=prompts,
                                    max_new_tokens=tf.constant(4))["text"].numpy().tolist()
    try:
        sample("top_p", top_p=1.5)
        bad = ""
    except tf.errors.InvalidArgumentError as e:
        bad = e.message
    return {"shown": shown.getvalue(), "greedy": [t.decode("utf-8", "replace") for t in greedy],
            "top_k_1_is_greedy": sample("top_k", top_k=1) == greedy,
            "seeded_repeats": sample("random") == sample("random"),
            "bad_top_p_error": "top_p must be in (0, 1]" in bad}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    result = {}
    for case in cases:
        if case.get("kind") == "strings":
            result[case["family"]] = string_module_steps(case)
            continue
        expected = np.load(case["expected"])
        inputs = {k: tf.constant(expected[k]) for k in
                  ("input_word_ids", "input_mask", "input_type_ids")}
        obj = tf.saved_model.load(case["encoder"])
        out = obj(inputs, training=False)
        entry = {"max_diff": float(np.max(np.abs(
            out["sequence_output"].numpy() - expected["sequence_output"])))}
        if case.get("preprocess"):
            pre = tf.saved_model.load(case["preprocess"])
            packed = pre(tf.constant(["a short sentence.", "another one here"]))
            entry["preprocess_shape"] = list(packed["input_word_ids"].shape)
            entry["preprocess_family"] = pre.tfnlp_family.numpy().decode()
        entry["tf_keras"] = tf_keras_step(case, inputs)
        entry["keras3"] = keras3_step(case, inputs)
        if case.get("generate"):
            entry["generate"] = generation_checks(case["generate"])
        result[case["family"]] = entry
    print("RESULT " + json.dumps(result))


main()
