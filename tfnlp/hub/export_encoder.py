"""Export a `BertEncoder` as a TF-Hub BERT encoder SavedModel.

The module honours the interface of Google's BERT encoders on TF Hub (see
DESIGN.md, "The TF-Hub BERT interface we honour"), so `hub.KerasLayer`
(tf_keras), `tfnlp.hub.HubLayer` (Keras 3) and plain `tf.saved_model.load`
all use it unchanged:

- `obj(inputs, training=False)`: `inputs` a dict of int32 `[batch, seq]`
  `input_word_ids`, `input_mask`, `input_type_ids`; returns
  `pooled_output`, `sequence_output`, `encoder_outputs` (list), `default`.
  Traced for `training=True` (dropout on) and `training=False`.
- attributes `variables`, `trainable_variables`, `regularization_losses`
  (lists, which `hub.KerasLayer` reads to register weights), `vocab_file`
  (an Asset copied into `assets/`) and `do_lower_case` (bool variable).
- optional `obj.mlm(inputs + masked_lm_positions)`, adding `mlm_logits`.
- a `serving_default` signature (training off, flat outputs
  `encoder_outputs_{i}`).

How the lists are saved: the module is a `tf.train.Checkpoint`, which is an
auto-tracking object with no `variables` property of its own, so plain
list attributes are saved as such and restored by `tf.saved_model.load` as
attributes (a `tf.Module` would compute `variables` instead and lose it).

Example:

>>> encoder = BertEncoder.from_preset("bert_tiny", vocabulary_size=30522)  # doctest: +SKIP
>>> export_encoder_module(encoder, "vocab.txt", True, "/tmp/bert_encoder")  # doctest: +SKIP
>>> obj = tf.saved_model.load("/tmp/bert_encoder")                         # doctest: +SKIP
>>> obj(inputs, training=False)["pooled_output"]                           # doctest: +SKIP
"""

import os

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.hub.atomic import atomic_write_dir, check_output_dir
from tfnlp.hub.interface import (HUB_INPUT_NAMES, encoder_input_spec,
                                 flatten_encoder_outputs, tf_variables,
                                 to_keras_inputs)
from tfnlp.text.vocab import load_vocab


def _hub_outputs(encoder_outputs):
    return {
        "pooled_output": encoder_outputs["pooled_output"],
        "sequence_output": encoder_outputs["sequence_output"],
        "encoder_outputs": list(encoder_outputs["encoder_outputs"]),
        "default": encoder_outputs["pooled_output"],
    }


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


def _check_mlm_head(mlm_head, encoder):
    head = getattr(mlm_head, "mlm_head", mlm_head)  # a BertPretrainer works too
    if not callable(head):
        raise TfnlpError(
            f"mlm_head must be a Keras layer called as head(sequence_output, "
            f"mask_positions=...), got {type(mlm_head).__name__}")
    vocab_size = getattr(head, "vocabulary_size", None)
    if vocab_size not in (None, encoder.vocabulary_size):
        raise TfnlpError(
            f"mlm_head predicts {vocab_size} tokens but the encoder has "
            f"{encoder.vocabulary_size}")
    return head


def build_encoder_module(encoder, vocab_file, do_lower_case, mlm_head=None):
    """Builds (without saving) the trackable object `export_encoder_module` saves.

    Args:
        encoder: a built `tfnlp.models.BertEncoder`.
        vocab_file: path of the vocab file the encoder was trained with.
        do_lower_case: bool, True for uncased vocabularies.
        mlm_head: optional masked-LM head (e.g. `BertPretrainer.mlm_head`, or
            the `BertPretrainer` itself) called as
            `head(sequence_output, mask_positions=positions)`.

    Returns:
        A `tf.train.Checkpoint` with `__call__`, the variable lists,
        `vocab_file`, `do_lower_case`, optional `mlm`, and a
        `serving_default` concrete function in `module.signatures_to_save`.
    """
    if not isinstance(do_lower_case, bool):
        raise TfnlpError(f"do_lower_case must be True or False, got {do_lower_case!r}")
    vocab_file = os.fspath(vocab_file)
    tokens = load_vocab(vocab_file)
    if len(tokens) > encoder.vocabulary_size:
        raise TfnlpError(
            f"{vocab_file}: {len(tokens)} tokens but the encoder embeds only "
            f"{encoder.vocabulary_size}; export with the encoder's own vocab.")

    def encode(inputs, training):
        return _hub_outputs(encoder(to_keras_inputs(inputs), training=training))

    spec = encoder_input_spec()
    module = tf.train.Checkpoint()
    module.__call__ = _trace_call(encode, spec)
    _attach_variable_lists(module, [encoder])
    module.vocab_file = tf.saved_model.Asset(vocab_file)
    module.do_lower_case = tf.Variable(do_lower_case, trainable=False,
                                       name="do_lower_case")

    if mlm_head is not None:
        head = _check_mlm_head(mlm_head, encoder)

        def encode_mlm(inputs, training):
            outputs = encoder(to_keras_inputs(inputs), training=training)
            result = _hub_outputs(outputs)
            result["mlm_logits"] = head(
                outputs["sequence_output"],
                mask_positions=inputs["masked_lm_positions"],
                training=training)
            return result

        mlm_spec = dict(spec)
        mlm_spec["masked_lm_positions"] = tf.TensorSpec(
            [None, None], tf.int32, name="masked_lm_positions")
        mlm = tf.train.Checkpoint()
        mlm.__call__ = _trace_call(encode_mlm, mlm_spec)
        _attach_variable_lists(mlm, [encoder, head])
        module.mlm = mlm

    @tf.function(input_signature=[spec[name] for name in HUB_INPUT_NAMES])
    def serve(input_word_ids, input_mask, input_type_ids):
        inputs = {"input_word_ids": input_word_ids, "input_mask": input_mask,
                  "input_type_ids": input_type_ids}
        return flatten_encoder_outputs(encode(inputs, False))

    module.serving_default = serve
    return module


def export_encoder_module(encoder, vocab_file, do_lower_case, output_dir,
                          mlm_head=None):
    """Writes `encoder` as a TF-Hub BERT encoder SavedModel at `output_dir`.

    The SavedModel is written to a temporary directory beside `output_dir`
    and renamed into place, so a failed export leaves an earlier module at
    `output_dir` intact. Variable names keep the Keras paths
    (`transformer_layer_{i}/...`), which ULMFiT variable grouping reads.

    Args:
        encoder: a `tfnlp.models.BertEncoder`.
        vocab_file: path of its vocab file; copied into the SavedModel's
            `assets/` and exposed as `obj.vocab_file`.
        do_lower_case: bool, exposed as the bool variable `obj.do_lower_case`.
        output_dir: target directory (new, empty, or an earlier SavedModel).
        mlm_head: optional masked-LM head (or a `BertPretrainer`); adds the
            `obj.mlm` subobject returning `mlm_logits [batch, P, vocab]`.

    Returns:
        The absolute path of the written SavedModel.

    Example:
    >>> export_encoder_module(encoder, "vocab.txt", True, "out/encoder",  # doctest: +SKIP
    ...                       mlm_head=pretrainer.mlm_head)
    """
    check_output_dir(output_dir)
    module = build_encoder_module(encoder, vocab_file, do_lower_case, mlm_head)

    def write(tmp_dir):
        tf.saved_model.save(
            module, tmp_dir,
            signatures={"serving_default": module.serving_default})

    return atomic_write_dir(output_dir, write)
