"""Maps Hugging Face BERT safetensors weights onto tfnlp's Keras BERT layers.

The checkpoint is read with `safetensors.numpy` (no torch). Keys may carry a
`bert.` or `model.` prefix or none. Every encoder tensor of the checkpoint
must be consumed and every encoder variable assigned, or a `TfnlpError`
lists what is left over.

HF `Linear` weights are `[out, in]`, Keras kernels `[in, out]`; Keras
`MultiHeadAttention` keeps Q/K/V kernels as `[hidden, heads, head_dim]`
(biases `[heads, head_dim]`) and the output kernel as
`[heads, head_dim, hidden]`.

Example:

>>> tensors = load_safetensors("model.safetensors")            # doctest: +SKIP
>>> encoder_tensors, head_tensors = split_checkpoint(tensors)  # doctest: +SKIP
>>> assign_encoder_weights(encoder, encoder_tensors)           # doctest: +SKIP
"""

import os

import numpy as np

from tfnlp.errors import TfnlpError

ENCODER_SCOPES = ("embeddings.", "encoder.", "pooler.")
HEAD_SCOPE = "cls."
# Buffers, not weights: HF stores them, nothing reads them back.
_BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")
_PREFIXES = ("bert.", "model.", "")


def load_safetensors(path):
    """Reads a `.safetensors` file into float32/int numpy arrays.

    Args:
        path: path of the file.

    Returns:
        dict name -> `np.ndarray`.

    Example:

    >>> tensors = load_safetensors("folder/model.safetensors")   # doctest: +SKIP
    """
    if not os.path.isfile(path):
        raise TfnlpError(
            f"{path}: weights file not found; import_hf needs the checkpoint as "
            "model.safetensors (convert pytorch_model.bin with transformers' "
            "save_pretrained(safe_serialization=True))"
        )
    import safetensors.numpy

    try:
        tensors = safetensors.numpy.load_file(path)
    except Exception as e:  # safetensors raises its own error types.
        raise TfnlpError(f"{path}: cannot read safetensors file ({e})") from None
    return {
        k: v.astype(np.float32) if np.issubdtype(v.dtype, np.floating) else v
        for k, v in tensors.items()
    }


def checkpoint_has_mlm(path):
    """Tells, from the tensor names only, whether a checkpoint has an MLM head.

    Args:
        path: path of a `.safetensors` file.

    Returns:
        bool, True if some tensor is named `[prefix.]cls.predictions.*`.

    Example:

    >>> checkpoint_has_mlm("folder/model.safetensors")   # doctest: +SKIP
    False
    """
    import safetensors

    try:
        with safetensors.safe_open(path, framework="np") as f:
            names = list(f.keys())
    except Exception as e:  # safetensors raises its own error types.
        raise TfnlpError(f"{path}: cannot read safetensors file ({e})") from None
    return any(n.startswith("cls.predictions.") or ".cls.predictions." in n
               for n in names)


def split_checkpoint(tensors):
    """Strips the model prefix and separates encoder tensors from `cls.` heads.

    Args:
        tensors: dict name -> array, as in the checkpoint.

    Returns:
        `(encoder_tensors, head_tensors, other_keys)`: encoder tensors keyed
        `embeddings.…`/`encoder.…`/`pooler.…` (buffers dropped), pretraining
        head tensors keyed `cls.…`, and the sorted list of any other keys
        (e.g. a fine-tuned `classifier.*`), which the importer ignores.

    Example:

    >>> enc, heads, other = split_checkpoint({"bert.pooler.dense.bias": 0,
    ...     "bert.embeddings.position_ids": 1, "cls.predictions.bias": 2,
    ...     "classifier.bias": 3})
    >>> sorted(enc), sorted(heads), other
    (['pooler.dense.bias'], ['cls.predictions.bias'], ['classifier.bias'])
    """
    for prefix in _PREFIXES:
        if any(k.startswith(prefix + "embeddings.") for k in tensors):
            break
    else:
        raise TfnlpError(
            "the checkpoint has no BERT embeddings (looked for 'embeddings.*', "
            f"'bert.embeddings.*', 'model.embeddings.*'); keys start with "
            f"{sorted({k.split('.')[0] for k in tensors})[:10]}"
        )
    encoder, heads, other = {}, {}, []
    for key, value in tensors.items():
        name = key[len(prefix):] if key.startswith(prefix) else key
        if name.startswith(ENCODER_SCOPES) and key.startswith(prefix):
            if name not in _BUFFERS:
                encoder[name] = value
        elif name.startswith(HEAD_SCOPE):
            heads[name] = value
        else:
            other.append(key)
    return encoder, heads, sorted(other)


def _linear(x, shape):
    return np.transpose(x)


def _same(x, shape):
    return x


def _transpose_reshape(x, shape):
    return np.reshape(np.transpose(x), shape)


def _reshape(x, shape):
    return np.reshape(x, shape)


def _layer_norm_keys(tensors, scope):
    # HF uses LayerNorm.weight/bias; old TF-converted checkpoints gamma/beta.
    if f"{scope}.gamma" in tensors:
        return f"{scope}.gamma", f"{scope}.beta"
    return f"{scope}.weight", f"{scope}.bias"


def _layer_norm(layer, tensors, scope):
    gamma, beta = _layer_norm_keys(tensors, scope)
    return [(layer.gamma, gamma, _same), (layer.beta, beta, _same)]


def _dense(layer, scope, kernel_fn=_linear, bias_fn=_same):
    return [(layer.kernel, f"{scope}.weight", kernel_fn),
            (layer.bias, f"{scope}.bias", bias_fn)]


def encoder_weight_map(encoder, tensors):
    """Lists `(keras_variable, hf_key, transform)` for every encoder variable.

    Args:
        encoder: a built `tfnlp.models.BertEncoder`.
        tensors: the encoder tensors from `split_checkpoint` (used only to
            pick the LayerNorm naming).

    Returns:
        list of `(variable, key, fn)`; `fn(array, target_shape)` gives the
        value to assign.

    Example:

    >>> mapping = encoder_weight_map(encoder, encoder_tensors)   # doctest: +SKIP
    """
    emb = encoder.embeddings
    mapping = [
        (emb.token_embedding.embeddings, "embeddings.word_embeddings.weight", _same),
        (emb.position_embedding.position_embeddings,
         "embeddings.position_embeddings.weight", _same),
        (emb.segment_embedding.embeddings,
         "embeddings.token_type_embeddings.weight", _same),
    ]
    mapping += _layer_norm(emb.layer_norm, tensors, "embeddings.LayerNorm")
    for i, block in enumerate(encoder.transformer_layers):
        scope = f"encoder.layer.{i}"
        attn = block._self_attention_layer
        for name, dense in (("query", attn.query_dense), ("key", attn.key_dense),
                            ("value", attn.value_dense)):
            mapping += _dense(dense, f"{scope}.attention.self.{name}",
                              _transpose_reshape, _reshape)
        mapping += _dense(attn.output_dense, f"{scope}.attention.output.dense",
                          _transpose_reshape)
        mapping += _layer_norm(block._self_attention_layer_norm, tensors,
                               f"{scope}.attention.output.LayerNorm")
        mapping += _dense(block._feedforward_intermediate_dense,
                          f"{scope}.intermediate.dense")
        mapping += _dense(block._feedforward_output_dense, f"{scope}.output.dense")
        mapping += _layer_norm(block._feedforward_layer_norm, tensors,
                               f"{scope}.output.LayerNorm")
    mapping += _dense(encoder.pooler, "pooler.dense")
    return mapping


def assign_weights(mapping, tensors, what):
    """Assigns checkpoint tensors to Keras variables, checking every shape.

    Args:
        mapping: list of `(variable, key, fn)` as from `encoder_weight_map`.
        tensors: dict key -> array.
        what: name of the part being loaded, for error messages.

    Returns:
        set of the keys consumed.

    Example:

    >>> used = assign_weights(mapping, encoder_tensors, "encoder")   # doctest: +SKIP
    """
    missing = [key for _, key, _ in mapping if key not in tensors]
    if missing:
        raise TfnlpError(
            f"the checkpoint lacks {len(missing)} {what} tensor(s) that tfnlp's "
            f"BERT needs, e.g. {missing[:5]}"
        )
    for variable, key, fn in mapping:
        target = tuple(variable.shape)
        source = tensors[key]
        try:
            value = fn(source, target)
        except ValueError:
            value = None
        if value is None or tuple(value.shape) != target:
            raise TfnlpError(
                f"checkpoint tensor {key} has shape {tuple(source.shape)}, which "
                f"does not fit {what} variable {variable.path} {target}; "
                "config.json does not match model.safetensors"
            )
        variable.assign(value.astype(np.float32))
    return {key for _, key, _ in mapping}


def check_all_used(variables, mapping, tensors, consumed, what):
    """Fails unless every variable was assigned and every tensor consumed.

    Args:
        variables: all variables of the Keras part that was loaded.
        mapping: the mapping used to load it.
        tensors: the checkpoint tensors for that part.
        consumed: keys consumed by the load.
        what: name of the part, for error messages.

    Example:

    >>> check_all_used(encoder.weights, mapping, enc, used, "encoder")  # doctest: +SKIP
    """
    assigned = {v.path for v, _, _ in mapping}
    unassigned = [v.path for v in variables if v.path not in assigned]
    if unassigned:
        raise TfnlpError(
            f"{len(unassigned)} {what} variable(s) have no checkpoint tensor: "
            f"{unassigned[:5]}"
        )
    unused = sorted(set(tensors) - set(consumed))
    if unused:
        raise TfnlpError(
            f"{len(unused)} {what} tensor(s) of the checkpoint were not used, so "
            f"it is not a plain BERT of this config: {unused[:5]}"
        )


def load_encoder_weights(encoder, tensors, allow_missing_pooler=False):
    """Loads HF BERT encoder tensors into a `BertEncoder`, checking coverage.

    Args:
        encoder: a built `BertEncoder` whose config matches the checkpoint.
        tensors: encoder tensors from `split_checkpoint`.
        allow_missing_pooler: if True, a checkpoint without `pooler.dense.*`
            (as `BertForMaskedLM` saves) keeps the pooler's random init;
            otherwise that is an error.

    Returns:
        bool, True if the pooler was loaded from the checkpoint.

    Example:

    >>> load_encoder_weights(encoder, encoder_tensors)   # doctest: +SKIP
    True
    """
    mapping = encoder_weight_map(encoder, tensors)
    has_pooler = "pooler.dense.weight" in tensors
    if not has_pooler:
        if not allow_missing_pooler:
            raise TfnlpError(
                "the checkpoint has no pooler.dense weights (BertForMaskedLM "
                "checkpoints save none), so pooled_output would be random; pass "
                "allow_missing_pooler=True to import it with a random pooler")
        pooler = {v.path for v in encoder.pooler.weights}
        mapping = [m for m in mapping if m[0].path not in pooler]
    consumed = assign_weights(mapping, tensors, "encoder")
    variables = encoder.weights
    if not has_pooler:
        variables = [v for v in variables if v.path not in pooler]
    check_all_used(variables, mapping, tensors, consumed, "encoder")
    return has_pooler


def load_head_weights(pretrainer, heads):
    """Loads HF `cls.predictions.*` (and `cls.seq_relationship.*`) tensors.

    The MLM decoder must be tied to the word embeddings (as in every released
    BERT); an untied decoder raises `TfnlpError`.

    Args:
        pretrainer: a `BertPretrainer` built on the imported encoder; it has
            an `nsp_head` exactly when `heads` holds `cls.seq_relationship.*`.
        heads: dict of `cls.*` tensors from `split_checkpoint`.

    Example:

    >>> load_head_weights(pretrainer, head_tensors)   # doctest: +SKIP
    """
    mlm = pretrainer.mlm_head
    mapping = _dense(mlm._intermediate_dense, "cls.predictions.transform.dense")
    mapping += _layer_norm(mlm._intermediate_layer_norm, heads,
                           "cls.predictions.transform.LayerNorm")
    bias_key = "cls.predictions.bias"
    if bias_key not in heads and "cls.predictions.decoder.bias" in heads:
        bias_key = "cls.predictions.decoder.bias"
    mapping.append((mlm._bias, bias_key, _same))
    variables = list(mlm.weights)
    if pretrainer.nsp_head is not None:
        mapping += _dense(pretrainer.nsp_head.dense, "cls.seq_relationship")
        variables += list(pretrainer.nsp_head.weights)
    # The tied embedding is loaded with the encoder; don't count it twice.
    tied = pretrainer.encoder.token_embedding.embeddings.path
    variables = [v for v in variables if v.path != tied]
    consumed = assign_weights(mapping, heads, "MLM head")
    decoder = heads.get("cls.predictions.decoder.weight")
    if decoder is not None:
        embedding = np.asarray(pretrainer.encoder.token_embedding.embeddings)
        if decoder.shape != embedding.shape or not np.allclose(decoder, embedding):
            raise TfnlpError(
                "cls.predictions.decoder.weight differs from the word embeddings; "
                "tfnlp's MLM head ties them, so an untied decoder is not supported"
            )
        consumed.add("cls.predictions.decoder.weight")
    decoder_bias = heads.get("cls.predictions.decoder.bias")
    if decoder_bias is not None and bias_key != "cls.predictions.decoder.bias":
        if not np.allclose(decoder_bias, heads[bias_key]):
            raise TfnlpError("cls.predictions.decoder.bias differs from "
                             "cls.predictions.bias; the checkpoint is inconsistent")
        consumed.add("cls.predictions.decoder.bias")
    check_all_used(variables, mapping, heads, consumed, "MLM head")
