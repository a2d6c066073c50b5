"""Training precision (`--dtype`): Keras dtype policies, applied and undone.

- `float32`: everything in float32 (the default).
- `mixed_bfloat16`: float32 variables, bfloat16 compute; Keras keeps
  LayerNorm, softmax and the compiled losses in float32.
- `bfloat16`: variables and compute in bfloat16.

Exported modules keep float32 interfaces whatever the policy
(`float32_outputs` casts at the boundary; inputs are int32 ids).

Example:

>>> import keras
>>> with dtype_policy_scope("mixed_bfloat16"):
...     layer = keras.layers.Dense(2)
>>> layer.dtype_policy.name
'mixed_bfloat16'
>>> keras.config.dtype_policy().name
'float32'
"""

import contextlib

from tfnlp.errors import TfnlpError

DTYPES = ("float32", "bfloat16", "mixed_bfloat16")


def check_dtype(dtype, flag="--dtype"):
    """Returns `dtype` if it is one of `DTYPES`.

    Args:
        dtype: the policy name.
        flag: what to call it in the message.

    Returns:
        str, `dtype`.

    Raises:
        TfnlpError: another value.
    """
    if dtype not in DTYPES:
        raise TfnlpError(f"unknown {flag}={dtype!r}: choose one of {', '.join(DTYPES)}")
    return dtype


@contextlib.contextmanager
def dtype_policy_scope(dtype):
    """Sets Keras' global dtype policy for the layers built inside; restores it.

    Args:
        dtype: one of `DTYPES`.

    Yields:
        None.
    """
    import keras  # here: config code checks --dtype before TensorFlow loads

    check_dtype(dtype)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(dtype)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def backbone_with_dtype(backbone, dtype):
    """The backbone, rebuilt under another dtype policy with the same weights.

    Args:
        backbone: a built family backbone whose `get_config` has a `dtype`.
        dtype: one of `DTYPES`.

    Returns:
        `backbone` itself when its policy already is `dtype`, else a new
        backbone of the same class (weights cast to the new variable dtype).

    Raises:
        TfnlpError: a backbone that cannot be rebuilt from its config.
    """
    check_dtype(dtype)
    if backbone.dtype_policy.name == dtype:
        return backbone
    try:
        config = dict(backbone.get_config(), dtype=dtype)
        with dtype_policy_scope(dtype):  # sublayers built without an explicit dtype too
            rebuilt = type(backbone).from_config(config)
        rebuilt.set_weights(backbone.get_weights())
    except (NotImplementedError, TypeError, ValueError) as error:
        raise TfnlpError(f"--dtype={dtype}: cannot rebuild this "
                         f"{type(backbone).__name__} under the policy "
                         f"({type(error).__name__}: {error})") from None
    return rebuilt


def float32_outputs(structure):
    """Casts every floating tensor of a nested structure to float32.

    Args:
        structure: nest of tensors (dicts, lists).

    Returns:
        the same structure; bfloat16/float16 tensors cast to float32, the
        rest unchanged.
    """
    import keras

    def cast(x):
        dtype = keras.backend.standardize_dtype(x.dtype)
        if dtype in ("bfloat16", "float16"):
            return keras.ops.cast(x, "float32")
        return x

    return keras.tree.map_structure(cast, structure)
