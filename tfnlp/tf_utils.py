"""TensorFlow helpers that every floor may use (families' hub module builders included).

Example:

>>> import keras
>>> layer = keras.layers.Dense(2)
>>> layer.build((None, 3))
>>> [v.shape for v in tf_variables(layer.weights)]
[TensorShape([3, 2]), TensorShape([2])]
"""

import tensorflow as tf

from tfnlp.errors import TfnlpError


def tf_variables(variables):
    """The `tf.Variable`s behind Keras 3 variables, de-duplicated, in order.

    A SavedModel must list the very `tf.Variable`s its functions read: a
    `keras.Variable` wrapper saves as a separate resource, which TF2 loading
    reconciles but a TF1 session (TF Serving, `saved_model_cli`) does not,
    leaving the functions' variables uninitialized.

    Args:
        variables: iterable of `keras.Variable` or `tf.Variable`.

    Returns:
        list of `tf.Variable`.

    Raises:
        TfnlpError: a variable not backed by a `tf.Variable` (another backend).
    """
    out, seen = [], set()
    for v in variables:
        tf_var = v if isinstance(v, tf.Variable) else getattr(v, "value", None)
        if not isinstance(tf_var, tf.Variable):
            raise TfnlpError(f"{getattr(v, 'path', v)} is not backed by a "
                             "tf.Variable; export needs KERAS_BACKEND=tensorflow.")
        if id(tf_var) not in seen:
            seen.add(id(tf_var))
            out.append(tf_var)
    return out
