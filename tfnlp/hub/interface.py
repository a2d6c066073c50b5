"""Names and input specs of the TF-Hub BERT interface (docs: DESIGN.md).

Inside tfnlp the encoder inputs are `token_ids`, `segment_ids` and
`padding_mask`; at the TF-Hub boundary they are `input_word_ids`,
`input_type_ids` and `input_mask`. This module is the one place that maps
between the two.

Example:

>>> to_keras_inputs({"input_word_ids": ids, "input_mask": m,      # doctest: +SKIP
...                  "input_type_ids": t})
{'token_ids': ids, 'padding_mask': m, 'segment_ids': t}
"""

import tensorflow as tf

from tfnlp.tf_utils import tf_variables  # noqa: F401  (re-exported for hub code)

HUB_INPUT_NAMES = ("input_word_ids", "input_mask", "input_type_ids")
HUB_TO_KERAS = {
    "input_word_ids": "token_ids",
    "input_mask": "padding_mask",
    "input_type_ids": "segment_ids",
}
KERAS_TO_HUB = {v: k for k, v in HUB_TO_KERAS.items()}
ENCODER_OUTPUT_NAMES = ("pooled_output", "sequence_output", "encoder_outputs",
                        "default")


def encoder_input_spec():
    """The input signature of a hub encoder: dict of int32 `[None, None]` specs.

    Returns:
        dict name -> `tf.TensorSpec`, for the three `HUB_INPUT_NAMES`.
    """
    return {name: tf.TensorSpec([None, None], tf.int32, name=name)
            for name in HUB_INPUT_NAMES}


def to_keras_inputs(hub_inputs):
    """Renames a hub input dict to the Keras-side encoder input names.

    Args:
        hub_inputs: dict with the three `HUB_INPUT_NAMES`.

    Returns:
        dict with `token_ids`, `segment_ids`, `padding_mask`.
    """
    return {HUB_TO_KERAS[name]: hub_inputs[name] for name in HUB_INPUT_NAMES}


def to_hub_inputs(keras_inputs):
    """Renames a Keras-side encoder input dict to the hub names.

    Args:
        keras_inputs: dict with `token_ids`, `segment_ids`, `padding_mask`.

    Returns:
        dict with `input_word_ids`, `input_type_ids`, `input_mask`.
    """
    return {KERAS_TO_HUB[name]: value for name, value in keras_inputs.items()}


def flatten_encoder_outputs(outputs):
    """Turns the encoder output dict into a flat dict for a signature.

    Signatures cannot return lists, so `encoder_outputs` becomes
    `encoder_outputs_0`, `encoder_outputs_1`, ...

    Args:
        outputs: dict with `encoder_outputs` a list of tensors.

    Returns:
        dict name -> tensor.
    """
    flat = {k: v for k, v in outputs.items() if k != "encoder_outputs"}
    for i, layer_output in enumerate(outputs.get("encoder_outputs", [])):
        flat[f"encoder_outputs_{i}"] = layer_output
    return flat
