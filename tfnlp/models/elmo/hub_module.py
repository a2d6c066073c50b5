"""The TF-Hub module of an ELMo backbone, with Google's `elmo` interface.

Google's `elmo/3` signatures, widths following the preset:

- `default`: `strings` string `[batch]` (untokenized; split into words by
  `tfnlp.text.words.split_words`, the tokenizer's casing);
- `tokens`: `tokens` string `[batch, max_len]` and `sequence_len` int32
  `[batch]` (the words of row `i` are `tokens[i, :sequence_len[i]]`).

Both return `word_emb [batch, max_len, P]` (the character encoder's
vectors), `lstm_outputs{i} [batch, max_len, 2P]` (layer `i`, forward and
backward), `elmo [batch, max_len, 2P]` (the trainable scalar mix
`gamma * sum_j softmax(s)_j h_j` of `[word_emb, word_emb]` and the LSTM
layers) and `default [batch, 2P]` (`elmo` averaged over the real words).
`<S>` and `</S>` are added inside and their positions dropped from the
outputs, so position `t` is word `t`; positions past a row's length are
zero.

The module's `__call__(inputs, training=False)` takes either input (a
string tensor, or a dict `tokens` + `sequence_len`) and returns the same
dict: `hub.KerasLayer(path, trainable=True, output_key="elmo")` trains the
mix weights and `gamma` through it (TF-Hub refuses `trainable=True` on a
signature). `trainable_variables` holds only the mix: the language model
stays frozen, as in feature-based ELMo. Attributes: `variables`,
`trainable_variables`, `regularization_losses`, `vocab_file` (the word
vocabulary, an Asset), `do_lower_case`, `max_chars_per_word`,
`tfnlp_family` (`"elmo"`). The module needs `import tensorflow_text`
before loading.

Example:

>>> module = build_elmo_module(backbone, tokenizer)          # doctest: +SKIP
>>> tf.saved_model.save(module, "hub/elmo",
...                     signatures=module.signatures_to_save)   # doctest: +SKIP
>>> elmo = tf.saved_model.load("hub/elmo")                    # doctest: +SKIP
>>> elmo.signatures["default"](strings=tf.constant(["the cat"]))["elmo"].shape  # doctest: +SKIP
TensorShape([1, 2, 64])
"""

import os
import tempfile

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.layers.scalar_mix import ScalarMix
from tfnlp.models.elmo.characters import BOS_TOKEN, EOS_TOKEN, sentence_char_ids
from tfnlp.models.elmo.tokenizer import VOCAB_FILE
from tfnlp.text.words import split_words
from tfnlp.tf_utils import tf_variables


def elmo_layer_outputs(backbone, mix, words, max_len, training=False):
    """The module's outputs for ragged words (no markers).

    Args:
        backbone: an `ElmoBackbone`.
        mix: a `ScalarMix` over `num_layers + 1` inputs (None: no `elmo`
            and `default` outputs, the layers only).
        words: string `tf.RaggedTensor [batch, (words)]`, each row at most
            `max_len` words.
        max_len: int32 scalar, the output length.
        training: dropout on/off.

    Returns:
        dict: `word_emb`, `lstm_outputs1..L`, `sequence_len`, then with a
        mix `elmo` and `default`, without one `layers` (the `num_layers + 1`
        tensors a mix would take, `[word_emb, word_emb]` first).
    """
    batch = words.nrows()
    lengths = tf.cast(words.row_lengths(), tf.int32)
    sentences = tf.concat([tf.fill([batch, 1], BOS_TOKEN), words,
                           tf.fill([batch, 1], EOS_TOKEN)], axis=1)
    char_ids = sentence_char_ids(sentences, backbone.max_chars_per_word)
    char_ids = tf.pad(char_ids, [[0, 0], [0, max_len + 2 - tf.shape(char_ids)[1]], [0, 0]])
    padding_mask = tf.sequence_mask(lengths + 2, max_len + 2, dtype=tf.int32)
    encoded = backbone({"char_ids": char_ids, "padding_mask": padding_mask},
                       training=training)
    mask = tf.sequence_mask(lengths, max_len, dtype=tf.float32)[..., None]

    def strip(x):
        # Drop <S> (position 0) and </S>; keep max_len positions.
        return x[:, 1:max_len + 1] * tf.cast(mask, x.dtype)

    outputs = {"word_emb": strip(encoded["word_emb"])}
    layers = [tf.concat([outputs["word_emb"]] * 2, axis=-1)]
    for i in range(1, backbone.num_layers + 1):
        outputs[f"lstm_outputs{i}"] = strip(encoded[f"lstm_outputs{i}"])
        layers.append(outputs[f"lstm_outputs{i}"])
    outputs["sequence_len"] = lengths
    if mix is None:
        outputs["layers"] = layers
        return outputs
    elmo = mix(layers, padding_mask=mask[..., 0]) * mask
    outputs["elmo"] = elmo
    outputs["default"] = tf.reduce_sum(elmo, axis=1) / tf.maximum(
        tf.reduce_sum(mask, axis=1), 1.0)
    return outputs


def tokens_to_words(tokens, sequence_len):
    """`tokens [batch, max_len]` + `sequence_len [batch]` -> ragged words.

    Raises (in-graph, `InvalidArgumentError`): a `sequence_len` that is not
    one length per row, or a length outside `[0, max_len]`.
    """
    tokens = tf.convert_to_tensor(tokens, tf.string)
    sequence_len = tf.cast(sequence_len, tf.int32)
    max_len = tf.shape(tokens)[1]
    checks = [
        tf.debugging.assert_equal(
            tf.shape(sequence_len)[0], tf.shape(tokens)[0],
            message="elmo `tokens` signature: sequence_len must have one length per row "
                    "of tokens [batch, max_len]"),
        tf.debugging.assert_non_negative(
            sequence_len, message="elmo `tokens` signature: sequence_len must be >= 0"),
        tf.debugging.assert_less_equal(
            sequence_len, max_len,
            message="elmo `tokens` signature: sequence_len must be <= max_len, the "
                    "second dimension of tokens"),
    ]
    with tf.control_dependencies(checks):
        sequence_len = tf.identity(sequence_len)
    return tf.RaggedTensor.from_tensor(tokens, lengths=sequence_len), max_len


def check_tokens_inputs(tokens, sequence_len):
    """Checks inputs of the `tokens` signature in Python (before any graph runs).

    Inside the SavedModel the same checks are graph asserts: calling the
    signature directly with a bad `sequence_len` raises
    `tf.errors.InvalidArgumentError` with an "elmo `tokens` signature: ..."
    message (a graph cannot raise `TfnlpError`). `elmo_tokens` runs these
    checks first, so Python callers get one `TfnlpError`.

    Args:
        tokens: strings `[batch, max_len]` (nested lists, numpy or a tensor).
        sequence_len: ints `[batch]`, the words of each row.

    Returns:
        `(tokens, sequence_len)`: a string tensor and an int32 tensor.

    Raises:
        TfnlpError: `tokens` not a 2-D string array, `sequence_len` not one
            integer per row, or a length outside `[0, max_len]`.

    Example:

    >>> check_tokens_inputs([["a", "b"]], [3])
    Traceback (most recent call last):
    ...
    tfnlp.errors.TfnlpError: elmo `tokens` signature: sequence_len[0] = 3 is not in [0, 2] ...
    """
    import numpy as np

    try:
        tokens = tf.convert_to_tensor(tokens, tf.string)
    except (TypeError, ValueError):
        raise TfnlpError("elmo `tokens` signature: tokens must be strings [batch, max_len] "
                         f"(pad short rows with \"\"), got {type(tokens).__name__}") from None
    if tokens.shape.rank != 2:
        raise TfnlpError("elmo `tokens` signature: tokens must be strings [batch, max_len], "
                         f"got shape {tokens.shape.as_list()}")
    lengths = np.asarray(sequence_len.numpy() if hasattr(sequence_len, "numpy")
                         else sequence_len)
    if lengths.ndim != 1 or not (lengths.size == 0 or np.issubdtype(lengths.dtype, np.integer)):
        raise TfnlpError("elmo `tokens` signature: sequence_len must be integers [batch], "
                         f"got {lengths.dtype} of shape {list(lengths.shape)}")
    batch, max_len = tokens.shape.as_list()
    if lengths.shape[0] != batch:
        raise TfnlpError(f"elmo `tokens` signature: sequence_len has {lengths.shape[0]} "
                         f"length(s) for {batch} row(s) of tokens; give one per row")
    bad = np.flatnonzero((lengths < 0) | (lengths > max_len))
    if bad.size:
        i = int(bad[0])
        raise TfnlpError(f"elmo `tokens` signature: sequence_len[{i}] = {int(lengths[i])} is "
                         f"not in [0, {max_len}] (max_len, the width of tokens)")
    return tokens, tf.constant(lengths.astype(np.int32).reshape([-1]), tf.int32)


def elmo_tokens(module, tokens, sequence_len, output_key=None):
    """Calls an `elmo` module's `tokens` signature after `check_tokens_inputs`.

    Args:
        module: a loaded (`tf.saved_model.load`) or built `elmo` module.
        tokens, sequence_len: as `check_tokens_inputs`.
        output_key: one output (`elmo`, `default`, ...) or None for all.

    Returns:
        the signature's dict, or one tensor.

    Raises:
        TfnlpError: bad inputs, an unknown `output_key`, or a module
            without the `tokens` signature.

    Example:

    >>> elmo_tokens(module, [["the", "cat"]], [2], "elmo").shape   # doctest: +SKIP
    TensorShape([1, 2, 64])
    """
    tokens, sequence_len = check_tokens_inputs(tokens, sequence_len)
    signatures = getattr(module, "signatures", None) or {}
    function = signatures.get("tokens") or getattr(module, "tokens_signature", None)
    if function is None:
        raise TfnlpError("this module has no `tokens` signature (not an elmo module?)")
    outputs = function(tokens=tokens, sequence_len=sequence_len)
    if output_key is None:
        return outputs
    if output_key not in outputs:
        raise TfnlpError(f"elmo module has no output {output_key!r}; outputs: "
                         f"{', '.join(sorted(outputs))}")
    return outputs[output_key]


def build_elmo_module(backbone, tokenizer, layer_norm=False):
    """Builds (without saving) the `elmo` module of a backbone.

    Args:
        backbone: an `ElmoBackbone` with the weights to export.
        tokenizer: its `ElmoTokenizer` (casing and word vocabulary).
        layer_norm: normalise each layer before the mix.

    Returns:
        a trackable with `signatures_to_save` (`default`, `tokens`) and the
        attributes in the module docstring.
    """
    if not hasattr(backbone, "lstm_layers"):
        raise TfnlpError(f"the elmo module needs an ElmoBackbone, got {type(backbone).__name__}")
    mix = ScalarMix(num_inputs=backbone.num_layers + 1, layer_norm=layer_norm,
                    name="elmo_scalar_mix")
    width = backbone.hidden_dim
    mix.build([(None, None, width)] * (backbone.num_layers + 1))
    lower_case = bool(getattr(tokenizer, "lower_case", False))

    module = tf.train.Checkpoint()
    # Only the tf.Variables are attached (not the Keras objects, whose
    # variable wrappers would save as separate resources that the restored
    # functions do not read). `variables` (not `weights`): the dropout
    # seed states are read too.
    module.variables = tf_variables(list(backbone.variables) + list(mix.variables))
    module.trainable_variables = tf_variables(mix.weights)
    module.regularization_losses = []
    module.do_lower_case = tf.Variable(lower_case, trainable=False, name="do_lower_case")
    module.max_chars_per_word = tf.Variable(backbone.max_chars_per_word, trainable=False,
                                            name="max_chars_per_word")
    module.tfnlp_family = tf.Variable("elmo", trainable=False, name="tfnlp_family")
    vocab_path = tokenizer.asset_files().get(VOCAB_FILE)
    if vocab_path is None:
        folder = tempfile.mkdtemp(prefix="tfnlp-elmo-vocab-")
        vocab_path = os.path.join(tokenizer.save_assets(folder), VOCAB_FILE)
    module.vocab_file = tf.saved_model.Asset(vocab_path)

    def from_strings(strings, training):
        words = split_words(strings, lower_case=lower_case)
        max_len = tf.cast(tf.reduce_max(tf.concat([words.row_lengths(), [0]], 0)), tf.int32)
        return elmo_layer_outputs(backbone, mix, words, max_len, training=training)

    def from_tokens(tokens, sequence_len, training):
        words, max_len = tokens_to_words(tokens, sequence_len)
        return elmo_layer_outputs(backbone, mix, words, max_len, training=training)

    strings_spec = tf.TensorSpec([None], tf.string, name="strings")
    tokens_spec = {"tokens": tf.TensorSpec([None, None], tf.string, name="tokens"),
                   "sequence_len": tf.TensorSpec([None], tf.int32, name="sequence_len")}

    @tf.function
    def call(inputs, training=False):
        if isinstance(inputs, dict):
            return from_tokens(inputs["tokens"], inputs["sequence_len"], training=training)
        return from_strings(inputs, training=training)

    for spec in (strings_spec, tokens_spec):
        for mode in (False, True):
            call.get_concrete_function(spec, training=mode)

    # The signatures call the traced `__call__` (no second trace).
    @tf.function(input_signature=[strings_spec])
    def default(strings):
        return call(strings, training=False)

    @tf.function(input_signature=[tokens_spec["tokens"], tokens_spec["sequence_len"]])
    def tokens(tokens, sequence_len):
        return call({"tokens": tokens, "sequence_len": sequence_len}, training=False)

    module.__call__ = call
    module.default_signature = default
    module.tokens_signature = tokens
    module.signatures_to_save = {"default": default, "tokens": tokens}
    return module
