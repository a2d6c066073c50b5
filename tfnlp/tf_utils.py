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


def choose_jit_compile(requested, work, min_work, compilable=True):
    """Whether a train step is XLA-compiled: the flag, else a rule of thumb.

    Compiling costs tens of seconds on CPU, paid back in proportion to the
    work trained on, so by default only runs of at least `min_work` compile.

    Args:
        requested: True, False, or None (decide by `work`).
        work: the run's size (steps, or tokens), in `min_work`'s unit.
        min_work: the smallest run compiled by default.
        compilable: False where compiling is risky by default (a loaded
            SavedModel's functions, on which XLA can abort the process); only
            the default is affected, an explicit True still compiles.

    Returns:
        bool.

    Example:

    >>> choose_jit_compile(None, work=300, min_work=200)
    True
    >>> choose_jit_compile(None, work=300, min_work=200, compilable=False)
    False
    """
    if requested is None:
        return bool(compilable) and work >= min_work
    return bool(requested)


def _is_xla_compile_error(error):
    """Whether `error` is XLA refusing to compile a graph (not a runtime failure)."""
    text = str(error)
    return (isinstance(error, (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError))
            and "XLA" in text and ("compil" in text or "unsupported" in text.lower()))


def fit_with_xla_fallback(model, fit, log=print):
    """Runs `fit()`; if XLA cannot compile `model`'s step, reruns it uncompiled.

    XLA compiles the whole step before the first one runs, so a refusal
    leaves the weights, optimizer and step untouched, and the rerun trains
    exactly what the compiled run would have.

    Args:
        model: the compiled Keras model `fit` trains.
        fit: zero-argument callable running `model.fit(...)`.
        log: callable taking one str (the fallback's one line).

    Returns:
        what `fit()` returns.

    Example:

    >>> fit_with_xla_fallback(model, lambda: model.fit(data, epochs=1))  # doctest: +SKIP
    """
    step = int(model.optimizer.iterations.numpy())
    try:
        return fit()
    except Exception as error:  # noqa: BLE001 - re-raised unless XLA refused the graph
        if not (model.jit_compile and _is_xla_compile_error(error)
                and int(model.optimizer.iterations.numpy()) == step):
            raise
        first_line = str(error).strip().splitlines()[0][:200]
        log(f"XLA cannot compile this train step ({first_line}); "
            "training with the plain TF graph (--nojit_compile skips the attempt)")
    model.jit_compile = False
    model.make_train_function(force=True)
    model.make_test_function(force=True)
    model.make_predict_function(force=True)
    return fit()
