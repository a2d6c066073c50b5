"""A hand-built module following the TF-Hub reusable-SavedModel interface.

Not written by tfnlp's exporter: a bare AutoTrackable (`tf.train.Checkpoint`)
with `__call__(inputs, training)`, `variables`, `trainable_variables` and
`regularization_losses`, inputs under other keys, variables with clashing
names, a non-trainable variable and a regularization loss.
"""

import tensorflow as tf


def save_foreign_module(path):
    """Saves the module at `path`: out = relu(x @ w + b) * scale (+ dropout).

    Returns:
        `path`.
    """
    w = tf.Variable(tf.random.stateless_normal([4, 3], seed=[1, 2]), name="dense/kernel")
    b = tf.Variable(tf.zeros([3]), name="dense/kernel")  # same name on purpose
    scale = tf.Variable(2.0, trainable=False, name="scale")
    obj = tf.train.Checkpoint()
    obj.variables = [w, b, scale]
    obj.trainable_variables = [w, b]

    @tf.function(input_signature=[])
    def l2():
        return 1e-3 * tf.reduce_sum(tf.square(w))

    obj.regularization_losses = [l2]

    @tf.function
    def call(inputs, training=False):
        h = tf.nn.relu(tf.matmul(inputs["features"], w) + b) * scale
        if training:
            h = tf.nn.dropout(h, rate=0.5)
        return {"hidden": h}

    spec = {"features": tf.TensorSpec([None, 4], tf.float32)}
    call.get_concrete_function(spec, training=True)
    call.get_concrete_function(spec, training=False)
    obj.__call__ = call
    tf.saved_model.save(obj, path)
    return path
