"""Family-neutral safetensors reading and checked weight assignment.

A converter lists `(keras_variable, hf_key, transform)` triples;
`assign_weights` checks every key exists and every shape fits, and
`check_all_used` fails unless every variable was assigned and every
checkpoint tensor consumed. The checkpoint is read with
`safetensors.numpy` (no torch).

Kernel layouts: an HF `Linear` weight is `[out, in]`, a Keras kernel
`[in, out]` (`transpose`); Keras `MultiHeadAttention` keeps Q/K/V kernels as
`[hidden, heads, head_dim]` (biases `[heads, head_dim]`) and the output
kernel as `[heads, head_dim, hidden]` (`transpose_reshape`, `reshape`).

Example:

>>> import numpy as np
>>> transpose_reshape(np.zeros((8, 4)), (4, 2, 4)).shape
(4, 2, 4)
>>> find_prefix(["bert.embeddings.x", "cls.y"], "embeddings.")
'bert.'
"""

import os

import numpy as np

from tfnlp.errors import TfnlpError

MODEL_PREFIXES = ("bert.", "model.", "")


# --- reading --------------------------------------------------------------------


def load_safetensors(path):
    """Reads a `.safetensors` file; floating tensors become float32.

    Args:
        path: path of the file.

    Returns:
        dict name -> `np.ndarray`.

    Raises:
        TfnlpError: a missing or unreadable file.

    Example:

    >>> tensors = load_safetensors("folder/model.safetensors")   # doctest: +SKIP
    """
    if not os.path.isfile(path):
        raise TfnlpError(
            f"{path}: weights file not found; the importer needs the checkpoint "
            "as model.safetensors (convert pytorch_model.bin with transformers' "
            "save_pretrained(safe_serialization=True))")
    import safetensors.numpy

    try:
        tensors = safetensors.numpy.load_file(path)
    except Exception as e:  # safetensors raises its own error types.
        raise TfnlpError(f"{path}: cannot read safetensors file ({e})") from None
    return {k: v.astype(np.float32) if np.issubdtype(v.dtype, np.floating) else v
            for k, v in tensors.items()}


def tensor_names(path):
    """The tensor names of a `.safetensors` file, read from its header only.

    Example:

    >>> "cls.predictions.bias" in tensor_names("folder/model.safetensors")  # doctest: +SKIP
    True
    """
    import safetensors

    try:
        with safetensors.safe_open(path, framework="np") as f:
            return list(f.keys())
    except Exception as e:  # safetensors raises its own error types.
        raise TfnlpError(f"{path}: cannot read safetensors file ({e})") from None


def find_prefix(names, anchor, prefixes=MODEL_PREFIXES):
    """The model prefix (`"bert."`, `"model."`, `""`, ...) under which `anchor` keys live.

    Args:
        names: tensor names.
        anchor: the start of a key every checkpoint of the model has, after
            the prefix (e.g. `"embeddings."`).
        prefixes: candidates, tried in order.

    Returns:
        the first prefix `p` such that some name starts with `p + anchor`,
        or None.
    """
    for prefix in prefixes:
        if any(name.startswith(prefix + anchor) for name in names):
            return prefix
    return None


# --- kernel transforms: fn(array, target_shape) -> array --------------------------


def keep(x, shape):
    """The tensor as it is (embeddings, LayerNorm, biases)."""
    return x


def transpose(x, shape):
    """HF `Linear` `[out, in]` -> Keras `Dense` `[in, out]`."""
    return np.transpose(x)


def transpose_reshape(x, shape):
    """HF `Linear` `[out, in]` -> an `EinsumDense` kernel of `shape`."""
    return np.reshape(np.transpose(x), shape)


def reshape(x, shape):
    """A bias `[heads * head_dim]` -> `[heads, head_dim]` (`shape`)."""
    return np.reshape(x, shape)


def dense_entries(prefix, key, kernel_fn=transpose, bias_fn=keep):
    """`(keras_path, hf_key, fn)` for a dense layer's kernel and bias.

    Args:
        prefix: the Keras layer's variable path (e.g. `"pooler"`).
        key: the HF module name (e.g. `"pooler.dense"`).
        kernel_fn, bias_fn: transforms for `.weight` and `.bias`.
    """
    return [(f"{prefix}/kernel", f"{key}.weight", kernel_fn),
            (f"{prefix}/bias", f"{key}.bias", bias_fn)]


def layer_norm_entries(prefix, key, tensors):
    """`(keras_path, hf_key, fn)` for a LayerNorm; HF names `weight`/`bias`,
    TF-converted checkpoints `gamma`/`beta` (picked from `tensors`)."""
    gamma, beta = ("gamma", "beta") if f"{key}.gamma" in tensors else ("weight", "bias")
    return [(f"{prefix}/gamma", f"{key}.{gamma}", keep),
            (f"{prefix}/beta", f"{key}.{beta}", keep)]


# --- assignment -------------------------------------------------------------------


def variables_by_path(model):
    """dict `variable.path` -> variable of a Keras layer or model."""
    return {v.path: v for v in model.weights}


def resolve_mapping(model, entries):
    """Turns `(keras_path, hf_key, fn)` entries into `(variable, hf_key, fn)`.

    Raises:
        TfnlpError: a path the model has no variable for (the model and the
            converter disagree).
    """
    variables = variables_by_path(model)
    missing = [path for path, _, _ in entries if path not in variables]
    if missing:
        raise TfnlpError(f"{model.name} has no variable(s) {missing[:5]}; the "
                         "converter does not fit this model")
    return [(variables[path], key, fn) for path, key, fn in entries]


def assign_weights(mapping, tensors, what, model="model"):
    """Assigns checkpoint tensors to Keras variables, checking every shape.

    Args:
        mapping: list of `(variable, key, fn)`.
        tensors: dict key -> array.
        what: name of the part being loaded, for messages (`"encoder"`).
        model: the model's name, for messages (`"BERT"`).

    Returns:
        set of the keys consumed.

    Raises:
        TfnlpError: a missing key, or a tensor whose shape does not fit.

    Example:

    >>> used = assign_weights(mapping, encoder_tensors, "encoder", "BERT")  # doctest: +SKIP
    """
    missing = [key for _, key, _ in mapping if key not in tensors]
    if missing:
        raise TfnlpError(f"the checkpoint lacks {len(missing)} {what} tensor(s) that "
                         f"tfnlp's {model} needs, e.g. {missing[:5]}")
    for variable, key, fn in mapping:
        target = tuple(variable.shape)
        source = tensors[key]
        try:
            value = fn(source, target)
        except ValueError:
            value = None
        if value is None or tuple(value.shape) != target:
            raise TfnlpError(
                f"checkpoint tensor {key} has shape {tuple(source.shape)}, which does "
                f"not fit {what} variable {variable.path} {target}; config.json does "
                "not match model.safetensors")
        variable.assign(np.asarray(value, np.float32))
    return {key for _, key, _ in mapping}


def check_tied(heads, key, reference, consumed, head="head"):
    """Accepts an output projection that equals the word embeddings (within 1e-6).

    tfnlp's LM heads tie their projection to the token embedding, so a
    checkpoint's separate copy is only checked, then counted as used.

    Args:
        heads: dict name -> array, the checkpoint's head tensors.
        key: the projection's tensor name (absent: nothing to check).
        reference: the word-embedding matrix.
        consumed: set of used tensor names (`key` is added).
        head: how to name the head in the message.

    Raises:
        TfnlpError: the projection differs (an untied head).
    """
    value = heads.get(key)
    if value is None:
        return
    if value.shape != reference.shape or not (abs(value - reference) <= 1e-6).all():
        raise TfnlpError(f"{key} differs from the word embeddings; tfnlp's MLM head ties "
                         f"them, so an untied {head} is not supported")
    consumed.add(key)


def check_all_used(variables, mapping, tensors, consumed, what, model="model"):
    """Fails unless every variable was assigned and every tensor consumed.

    Args:
        variables: all variables of the Keras part that was loaded.
        mapping: the mapping used to load it.
        tensors: the checkpoint tensors for that part.
        consumed: keys consumed by the load.
        what: name of the part, for messages.
        model: the model's name, for messages.

    Raises:
        TfnlpError: naming the first variables left unassigned or tensors
            left unused.

    Example:

    >>> check_all_used(encoder.weights, mapping, enc, used, "encoder")  # doctest: +SKIP
    """
    assigned = {v.path for v, _, _ in mapping}
    unassigned = [v.path for v in variables if v.path not in assigned]
    if unassigned:
        raise TfnlpError(f"{len(unassigned)} {what} variable(s) have no checkpoint "
                         f"tensor: {unassigned[:5]}")
    unused = sorted(set(tensors) - set(consumed))
    if unused:
        raise TfnlpError(f"{len(unused)} {what} tensor(s) of the checkpoint were not "
                         f"used, so it is not a plain {model} of this config: "
                         f"{unused[:5]}")
