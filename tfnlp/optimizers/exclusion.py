"""Which variables skip weight decay / layer adaptation, chosen by path.

Keras 3's own `Optimizer.exclude_from_weight_decay(var_names=...)` matches
against `variable.name`. What that name is depends on the backend: the Keras
variable's `name` is only the last part of the path (`"gamma"`, `"beta"`),
so on JAX a pattern such as `"layer_norm"` never matches a LayerNormalization
weight, while on TensorFlow Keras checks the underlying `tf.Variable`, named
`"layer_normalization/gamma:0"`. We match regular expressions
against `variable.path` instead, e.g.
`"transformer_layer_0/self_attention_layer_norm/gamma"` or
`"layer_normalization/beta"`, and hand the matched variables to the
optimizer as a `var_list`.
"""

import re

# "LayerNorm": TF1/BERT checkpoint style; "layer_norm": keras-hub and tfnlp
# layer names and the default Keras name "layer_normalization"; "bias": every
# Dense / EinsumDense bias.
DEFAULT_EXCLUDE_PATTERNS = ("LayerNorm", "layer_norm", "bias")


def variable_path(variable):
    """Returns the path of a Keras variable (falls back to its name).

    Args:
        variable: a `keras.Variable` (or anything with `.path` / `.name`).

    Returns:
        str, e.g. `"dense/bias"`.

    Example:

    >>> layer = keras.layers.Dense(2, name="d")
    >>> layer.build((None, 3))
    >>> variable_path(layer.bias)
    'd/bias'
    """
    path = getattr(variable, "path", None)
    return path if path else variable.name


def matches_any(variable, patterns):
    """Whether any regex in `patterns` is found in the variable's path.

    Args:
        variable: a `keras.Variable`.
        patterns: iterable of regular-expression strings; empty or None
            matches nothing.

    Returns:
        bool.

    Example:

    >>> matches_any(model.get_layer("dense").bias, ["bias"])
    True
    """
    if not patterns:
        return False
    path = variable_path(variable)
    return any(re.search(p, path) for p in patterns)
