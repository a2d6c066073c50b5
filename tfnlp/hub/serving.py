"""Export a fine-tuned model (preprocess + encoder + task head) for serving.

The SavedModel has two signatures:

- `serving_default`: string `text` (and `text_b` for sentence-pair models)
  `[batch]` -> the head's outputs. Tokenizes in-graph, so it needs tf-text
  ops (a server must link tensorflow_text's kernels).
- `serve_ids`: int32 `[batch, seq]` `input_word_ids`, `input_mask`,
  `input_type_ids` -> the head's outputs. Its graph holds only core TF ops,
  `signature_op_types` and `non_core_op_types` check that. An encoder that
  reads other inputs (ELMo's `char_ids`) gets `serve_features` instead:
  its Keras-named inputs (`keras_input_specs`) -> the head's outputs.

A loader imports the whole graph, every signature's functions included, so
the two-signature SavedModel still needs tf-text ops to *load* (measured:
`tf.compat.v1.saved_model.loader.load`, the TF Serving path, fails with "Op
type not registered 'NormalizeUTF8'" without tensorflow_text). For a stock
TF Serving binary pass `ids_only_dir`: a second SavedModel with only the ids
signature (as `serving_default` and `serve_ids`) and no tf-text op anywhere.

The head is any Keras 3 layer/model mapping the encoder's output dict
(`sequence_output`, `pooled_output`, `encoder_outputs`) to a dict of named
tensors (a single tensor is returned as `{"outputs": tensor}`), so
classification, tagging and span heads plug in unchanged.

The strings signature is built from the encoder's family tokenizer (any
`tfnlp.text.tokenizer.Tokenizer`): `tokenizer.pack([tokenizer.tokenize(text)
(, tokenizer.tokenize(text_b))], seq_length)`, in-graph, so its special
tokens, trimming and padding side are the family's. The tokenizer's asset
files travel as SavedModel assets (`tokenizer_assets`).

Example:

>>> tokenizer = get_family("bert").load_tokenizer("vocab.txt")   # doctest: +SKIP
>>> head = ClassificationHead(num_classes=2)                     # doctest: +SKIP
>>> export_serving_model(tokenizer, encoder, head, "/tmp/serve",  # doctest: +SKIP
...                      seq_length=128)
"""

import os

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.hub.interface import (HUB_INPUT_NAMES, encoder_input_spec, tf_variables,
                                 to_keras_inputs)
from tfnlp.io import atomic_write_dir, check_output_dir
from tfnlp.precision import float32_outputs
from tfnlp.text.tokenizer import Tokenizer

SERVE_IDS = "serve_ids"
SERVE_FEATURES = "serve_features"
TOKEN_INPUTS = ("token_ids", "segment_ids", "padding_mask")


def keras_input_specs(model):
    """The Keras-named inputs a backbone (or task model) takes.

    Args:
        model: a functional Keras model with dict inputs, or anything else
            (e.g. a hub layer: the three token inputs).

    Returns:
        dict name -> `(shape without batch, dtype)`: `{"token_ids":
        ((None,), "int32"), ...}`, or ELMo's `{"char_ids": ((None, 50),
        "int32"), "padding_mask": ((None,), "int32")}`.
    """
    structure = getattr(model, "input", None) if hasattr(model, "inputs") else None
    if isinstance(structure, dict):
        return {k: (tuple(v.shape[1:]), str(v.dtype)) for k, v in structure.items()}
    return {k: ((None,), "int32") for k in TOKEN_INPUTS}


def _as_output_dict(result):
    if isinstance(result, dict):
        return dict(result)
    if isinstance(result, (list, tuple)):
        raise TfnlpError("the head must return a tensor or a dict of named "
                         f"tensors, got a {type(result).__name__}")
    return {"outputs": result}


def _check_tokenizer(tokenizer):
    if not isinstance(tokenizer, Tokenizer):
        raise TfnlpError("the serving preprocessing is built from a family Tokenizer "
                         "(tfnlp.text.tokenizer.Tokenizer, e.g. get_family(name)."
                         f"load_tokenizer(path)), got {type(tokenizer).__name__}")
    return tokenizer


def trim_trailing_padding(features):
    """Drops the trailing columns that are padding in every row of a batch.

    With right-padded inputs and attention masking, the outputs at real
    positions (and so `pooled_output` and anything pooled over real tokens)
    do not depend on those columns, so a served batch of short texts packed
    to `seq_length` runs at the cost of its longest text. Left-padded
    inputs (XLNet) end in a real token and are left whole.

    Args:
        features: dict with `padding_mask` (`[batch, seq]`, nonzero for real
            tokens) and other `[batch, seq, ...]` tensors.

    Returns:
        dict of the same tensors sliced to `[:, :length]`, `length` being
        one past the last column with a real token in any row (at least 1).

    Example:
    >>> f = trim_trailing_padding({"padding_mask": tf.constant([[1, 1, 0, 0]])})
    >>> f["padding_mask"].shape.as_list()
    [1, 2]
    """
    mask = features["padding_mask"]
    real_columns = tf.reduce_any(tf.not_equal(mask, 0), axis=0)
    ends = tf.where(real_columns, tf.range(1, tf.shape(mask)[1] + 1), 0)
    length = tf.maximum(tf.reduce_max(ends), 1)
    return {k: v[:, :length] for k, v in features.items()}


def _has_sequence_outputs(predict, specs):
    """True if some output of `predict` has a length axis (rank >= 2, dim 1 unknown).

    Traced once on the dynamic-length specs (which also builds a head that
    has no weights yet); trimming would change such outputs' length.
    """
    probe = tf.function(predict).get_concrete_function(
        {k: tf.TensorSpec((None,) + shape, dtype) for k, (shape, dtype) in specs.items()})
    return any(t.shape.rank is None or (t.shape.rank >= 2 and t.shape[1] is None)
               for t in tf.nest.flatten(probe.structured_outputs))


def build_serving_module(tokenizer, encoder, head, seq_length=None, text_pairs=False,
                         trim_padding=True):
    """Builds (without saving) the object `export_serving_model` saves.

    Args: as `export_serving_model`.

    Returns:
        `(module, signatures)`: a `tf.train.Checkpoint` and the dict of
        signature concrete functions; pass both to `save_serving_module`.
    """
    tokenizer = _check_tokenizer(tokenizer)
    seq_length = seq_length or tokenizer.seq_length
    if hasattr(encoder, "check_sequence_length"):
        encoder.check_sequence_length(seq_length)

    specs = keras_input_specs(encoder)
    names = list(specs)

    def run_model(features):
        # float32 out whatever the training --dtype (bfloat16 cast at the boundary).
        return float32_outputs(_as_output_dict(
            head(encoder(features, training=False), training=False)))

    # Per-example outputs (logits of a pooled vector) are served from the
    # batch trimmed to its longest real text; per-token outputs keep the
    # packed length.
    trim = (trim_padding and set(names) == set(TOKEN_INPUTS)
            and not _has_sequence_outputs(run_model, specs))

    def predict(features):
        return run_model(trim_trailing_padding(features) if trim else features)

    def predict_text(texts):
        packed = tokenizer.pack([tokenizer.tokenize(t) for t in texts], seq_length)
        return predict({k: packed[k] for k in names})

    if set(names) == set(TOKEN_INPUTS):
        spec = encoder_input_spec()

        @tf.function(input_signature=[spec[name] for name in HUB_INPUT_NAMES])
        def serve_ids(input_word_ids, input_mask, input_type_ids):
            return predict(to_keras_inputs({"input_word_ids": input_word_ids,
                                            "input_mask": input_mask,
                                            "input_type_ids": input_type_ids}))
        ids_name = SERVE_IDS
    else:
        @tf.function(input_signature=[tf.TensorSpec((None,) + specs[k][0], specs[k][1], name=k)
                                      for k in names])
        def serve_ids(*features):
            return predict(dict(zip(names, features)))
        ids_name = SERVE_FEATURES

    text_spec = tf.TensorSpec([None], tf.string, name="text")
    if text_pairs:
        @tf.function(input_signature=[text_spec,
                                      tf.TensorSpec([None], tf.string, name="text_b")])
        def serve_text(text, text_b):
            return predict_text([text, text_b])
    else:
        @tf.function(input_signature=[text_spec])
        def serve_text(text):
            return predict_text([text])

    # Trace first: a head that is not built yet creates its variables here.
    signatures = {"serving_default": serve_text.get_concrete_function(),
                  ids_name: serve_ids.get_concrete_function()}
    module = tf.train.Checkpoint()
    variables = tf_variables(v for obj in (encoder, head) for v in obj.variables)
    module.variables = variables
    module.serve_ids = serve_ids
    module.serve_text = serve_text
    # Tracked, so tokenizer resources (e.g. a SentencePiece model) export.
    module.tokenizer = tokenizer
    module.tokenizer_assets = [tf.saved_model.Asset(path) for _, path in
                               sorted(tokenizer.asset_files().items())]
    return module, signatures


def save_serving_module(built, output_dir):
    """Saves what `build_serving_module` returned as a SavedModel (not atomic).

    Args:
        built: `(module, signatures)`.
        output_dir: the SavedModel directory.

    Returns:
        str, `output_dir`.
    """
    module, signatures = built
    tf.saved_model.save(module, output_dir, signatures=signatures)
    return output_dir


def export_serving_model(tokenizer, encoder, head, output_dir, seq_length=None,
                         text_pairs=False, ids_only_dir=None, trim_padding=True):
    """Writes a serving SavedModel: strings or ids in, task outputs out.

    Args:
        tokenizer: the encoder's family `Tokenizer` (tokenizes and packs the
            strings in-graph; its assets are copied in).
        encoder: a Keras encoder taking `token_ids`, `segment_ids`,
            `padding_mask` (a family backbone, or a whole task model).
        head: Keras 3 layer/model: encoder output dict -> dict of named
            tensors (or one tensor, served as `outputs`).
        output_dir: target directory (new, empty, or an earlier SavedModel);
            written atomically.
        seq_length: packed length for `serving_default` (default: the
            tokenizer's).
        text_pairs: if True `serving_default` takes `text` and `text_b`.
        ids_only_dir: optional second target: a SavedModel with only the
            ids (or features) signature, loadable without tensorflow_text
            (stock TF Serving).
        trim_padding: if True (and every output is per example, e.g.
            logits of the pooled vector), the served graph first drops the
            trailing columns that are padding in every row
            (`trim_trailing_padding`), so short texts cost less; the
            outputs are the same up to float rounding.

    Returns:
        The absolute path of the SavedModel (of `output_dir`).

    Example:
    >>> path = export_serving_model(tokenizer, encoder, head, "serve/1")  # doctest: +SKIP
    >>> tf.saved_model.load(path).signatures["serve_ids"](                # doctest: +SKIP
    ...     input_word_ids=ids, input_mask=mask, input_type_ids=types)
    """
    check_output_dir(output_dir)
    if ids_only_dir is not None:
        check_output_dir(ids_only_dir)
    built = build_serving_module(tokenizer, encoder, head, seq_length, text_pairs,
                                 trim_padding)
    path = atomic_write_dir(output_dir, lambda tmp: save_serving_module(built, tmp))
    if ids_only_dir is not None:
        module, signatures = built
        ids_module = tf.train.Checkpoint()
        ids_module.variables = module.variables
        ids_module.serve_ids = module.serve_ids
        name = SERVE_IDS if SERVE_IDS in signatures else SERVE_FEATURES
        ids_fn = signatures[name]
        atomic_write_dir(ids_only_dir, lambda tmp: tf.saved_model.save(
            ids_module, tmp, signatures={"serving_default": ids_fn, name: ids_fn}))
    return path


def signature_op_types(saved_model_dir, signature, tag="serve"):
    """All op types a signature's graph can run, nested functions included.

    Reads `saved_model.pb` only (no ops are loaded, so tf-text is not needed).

    Args:
        saved_model_dir: SavedModel directory.
        signature: signature name, e.g. "serve_ids".
        tag: MetaGraph tag.

    Returns:
        set of op type names.
    """
    from tensorflow.core.protobuf import saved_model_pb2  # proto, no ops

    sm = saved_model_pb2.SavedModel()
    with open(os.path.join(saved_model_dir, "saved_model.pb"), "rb") as f:
        sm.ParseFromString(f.read())
    metas = [m for m in sm.meta_graphs if tag in m.meta_info_def.tags]
    if not metas:
        raise TfnlpError(f"{saved_model_dir}: no MetaGraph tagged {tag!r}")
    meta = metas[0]
    if signature not in meta.signature_def:
        raise TfnlpError(f"{saved_model_dir}: no signature {signature!r} "
                         f"(has {sorted(meta.signature_def)})")
    graph = meta.graph_def
    library = {fn.signature.name: fn for fn in graph.library.function}
    nodes = {n.name: n for n in graph.node}
    ops, seen_fns = set(), set()

    def visit_node(node, stack):
        if node.op in library:  # a function called by name
            stack.append(node.op)
        else:
            ops.add(node.op)
        for attr in node.attr.values():
            names = [attr.func.name] if attr.func.name else []
            names += [f.name for f in attr.list.func]
            stack.extend(n for n in names if n)

    stack, pending = [], []
    for tensor in meta.signature_def[signature].outputs.values():
        pending.append(tensor.name.split(":")[0])
    visited = set()
    while pending:  # graph nodes feeding the outputs
        name = pending.pop().lstrip("^")
        if name in visited or name not in nodes:
            continue
        visited.add(name)
        node = nodes[name]
        visit_node(node, stack)
        pending.extend(i.split(":")[0] for i in node.input)
    while stack:  # functions they call, transitively
        fn_name = stack.pop()
        if fn_name in seen_fns or fn_name not in library:
            continue
        seen_fns.add(fn_name)
        for node in library[fn_name].node_def:
            visit_node(node, stack)
    return ops


def non_core_op_types(op_types):
    """The op types that core TensorFlow does not define (e.g. tf-text ops).

    Args:
        op_types: iterable of op type names.

    Returns:
        sorted list of the names missing from `tf.raw_ops`.
    """
    core = set(dir(tf.raw_ops))
    return sorted(op for op in set(op_types) if op not in core)
