"""Export a family backbone as a TF-Hub BERT-interface encoder SavedModel.

The module honours the interface of Google's BERT encoders on TF Hub (see
DESIGN.md, "The TF-Hub BERT interface we honour"), so `hub.KerasLayer`
(tf_keras), `tfnlp.hub.HubLayer` (Keras 3) and plain `tf.saved_model.load`
all use it unchanged:

- `obj(inputs, training=False)`: `inputs` a dict of int32 `[batch, seq]`
  `input_word_ids`, `input_mask`, `input_type_ids`; returns
  `pooled_output`, `sequence_output`, `encoder_outputs` (list), `default`,
  float32 whatever the backbone's dtype policy (a bfloat16 or
  mixed_bfloat16 backbone is cast at the boundary).
  Traced for `training=True` (dropout on) and `training=False`.
- attributes `variables`, `trainable_variables`, `regularization_losses`
  (lists, which `hub.KerasLayer` reads to register weights), `vocab_file`
  (or `sp_model_file`: an Asset copied into `assets/`), `do_lower_case`
  (bool variable) and `tfnlp_family` (string variable).
- the family's subobjects, e.g. `obj.mlm(inputs + masked_lm_positions)`
  adding `mlm_logits`, `obj.rtd(inputs)`, `obj.lm(inputs)`.
- a `serving_default` signature (training off, flat outputs
  `encoder_outputs_{i}`).

How the lists are saved: the module is a `tf.train.Checkpoint`, which is an
auto-tracking object with no `variables` property of its own, so plain
list attributes are saved as such and restored by `tf.saved_model.load` as
attributes (a `tf.Module` would compute `variables` instead and lose it).

Example:

>>> encoder = BertEncoder.from_preset("bert_tiny", vocabulary_size=30522)  # doctest: +SKIP
>>> export_encoder_module(encoder, tokenizer, "/tmp/bert_encoder")          # doctest: +SKIP
>>> obj = tf.saved_model.load("/tmp/bert_encoder")                         # doctest: +SKIP
>>> obj(inputs, training=False)["pooled_output"]                           # doctest: +SKIP
"""

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.hub.export_preprocess import attach_tokenizer_assets
from tfnlp.hub.interface import (HUB_INPUT_NAMES, encoder_input_spec,
                                 flatten_encoder_outputs, tf_variables,
                                 to_keras_inputs)
from tfnlp.io import atomic_write_dir, check_output_dir
from tfnlp.precision import float32_outputs


def _hub_outputs(outputs):
    """Backbone outputs as the hub module returns them (lists, `default`, float32)."""
    result = float32_outputs(dict(outputs))
    result["encoder_outputs"] = list(result["encoder_outputs"])
    result["default"] = result["pooled_output"]
    return result


def _attach_variable_lists(module, keras_objects):
    """Sets `variables`, `trainable_variables`, `regularization_losses`."""
    variables = tf_variables(v for obj in keras_objects for v in obj.variables)
    module.variables = variables
    trainable = {id(v) for v in tf_variables(
        v for obj in keras_objects for v in obj.trainable_variables)}
    module.trainable_variables = [v for v in variables if id(v) in trainable]
    # Callables returning scalars; tfnlp encoders carry no weight penalties
    # (weight decay lives in the optimizer).
    module.regularization_losses = []


def _trace_call(fn, input_spec):
    """Wraps `fn(inputs, training)` in a tf.function traced for both modes."""
    @tf.function
    def call(inputs, training=False):
        return fn(inputs, training)

    call.get_concrete_function(input_spec, training=False)
    call.get_concrete_function(input_spec, training=True)
    return call


def _head_subobject(backbone, name, head, spec):
    if not callable(getattr(head, "fn", None)):
        raise TfnlpError(f"export head {name!r} must be a tfnlp.models.family.ExportHead, "
                         f"got {type(head).__name__}")
    head_spec = dict(spec)
    for extra in head.extra_inputs:
        head_spec[extra] = tf.TensorSpec([None, None], tf.int32, name=extra)

    def encode_head(inputs, training):
        keras_inputs = to_keras_inputs(inputs)
        keras_inputs.update({k: inputs[k] for k in head.extra_inputs})
        outputs = float32_outputs(dict(head.fn(keras_inputs, training=training)))
        if "pooled_output" in outputs:
            outputs = _hub_outputs(outputs)
        return outputs

    sub = tf.train.Checkpoint()
    sub.__call__ = _trace_call(encode_head, head_spec)
    _attach_variable_lists(sub, [backbone, *head.keras_objects])
    return sub


def build_encoder_module(backbone, tokenizer, family="bert", heads=None,
                         asset_attribute="vocab_file"):
    """Builds (without saving) the trackable object `export_encoder_module` saves.

    Args:
        backbone: a built family backbone (dict in with `token_ids`,
            `segment_ids`, `padding_mask`; dict out).
        tokenizer: its `Tokenizer`, built from its asset files.
        family: the family name (recorded as `tfnlp_family`).
        heads: optional dict name -> `tfnlp.models.family.ExportHead`,
            exported as subobjects `obj.<name>(inputs + extra inputs)`.
        asset_attribute: `"vocab_file"` or `"sp_model_file"`.

    Returns:
        A `tf.train.Checkpoint` with `__call__`, the variable lists, the
        tokenizer asset attributes, the subobjects and `serving_default`.
    """
    vocabulary_size = getattr(backbone, "vocabulary_size", None)
    if vocabulary_size is not None and tokenizer.vocab_size > vocabulary_size:
        raise TfnlpError(
            f"the tokenizer has {tokenizer.vocab_size} tokens but the encoder embeds "
            f"only {vocabulary_size}; export with the encoder's own tokenizer")

    def encode(inputs, training):
        return _hub_outputs(backbone(to_keras_inputs(inputs), training=training))

    spec = encoder_input_spec()
    module = tf.train.Checkpoint()
    module.__call__ = _trace_call(encode, spec)
    _attach_variable_lists(module, [backbone])
    attach_tokenizer_assets(module, tokenizer, family, asset_attribute)
    for name, head in (heads or {}).items():
        setattr(module, name, _head_subobject(backbone, name, head, spec))

    @tf.function(input_signature=[spec[name] for name in HUB_INPUT_NAMES])
    def serve(input_word_ids, input_mask, input_type_ids):
        inputs = {"input_word_ids": input_word_ids, "input_mask": input_mask,
                  "input_type_ids": input_type_ids}
        return flatten_encoder_outputs(encode(inputs, False))

    module.serving_default = serve
    return module


def export_encoder_module(backbone, tokenizer, output_dir, family="bert", heads=None,
                          asset_attribute="vocab_file"):
    """Writes `backbone` as a TF-Hub BERT-interface encoder SavedModel at `output_dir`.

    The SavedModel is written to a temporary directory beside `output_dir`
    and renamed into place, so a failed export leaves an earlier module at
    `output_dir` intact. Variable names keep the Keras paths
    (`transformer_layer_{i}/...`), which ULMFiT variable grouping reads.

    Args:
        backbone: the family backbone.
        tokenizer: its `Tokenizer` (assets copied into `assets/`).
        output_dir: target directory (new, empty, or an earlier SavedModel).
        family: the family name.
        heads: optional dict name -> `ExportHead` (e.g. `{"mlm": ...}`).
        asset_attribute: `"vocab_file"` or `"sp_model_file"`.

    Returns:
        The absolute path of the written SavedModel.

    Example:
    >>> export_encoder_module(encoder, tokenizer, "out/encoder",       # doctest: +SKIP
    ...                       heads=get_family("bert").export_heads(pretrainer))
    """
    check_output_dir(output_dir)
    module = build_encoder_module(backbone, tokenizer, family, heads, asset_attribute)

    def write(tmp_dir):
        tf.saved_model.save(
            module, tmp_dir,
            signatures={"serving_default": module.serving_default})

    return atomic_write_dir(output_dir, write)
