"""Task models: an encoder plus a head, fine-tuned or feature-based.

Two modes:

* `"finetune"`: the whole encoder trains; the head reads the pooled output
  (classification: the family's own `pooled_output`, or `pooling=
  "first" | "last" | "mean"` over the sequence output, see
  `tfnlp.tasks.pooling`) or the top layer's sequence output (NER, SQuAD).
* `"feature"` (ELMo): the encoder is frozen; a `ScalarMix` learns a
  weighted sum of all its layers (`encoder_outputs`) and a small task
  network (`"bilstm"` or `"dense"`) sits between the mix and the head.

Every model takes the encoder's Keras-named inputs (the keys of the
family tokenizer's `pack` that the backbone reads: `token_ids`,
`segment_ids`, `padding_mask`, int32 `[batch, seq]`; ELMo's `char_ids`
`[batch, seq, chars]` and `padding_mask`) and returns a dict:
`{"logits": [batch, classes]}` (classification), `{"logits": [batch, seq,
tags]}` (NER) or `{"start_logits", "end_logits"}` `[batch, seq]` (SQuAD,
padding masked).

Example:

>>> source = resolve_encoder("/tmp/run")                        # doctest: +SKIP
>>> model = build_task_model("classification", source, num_labels=3)  # doctest: +SKIP
"""

import keras
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.layers.classification_head import ClassificationHead
from tfnlp.layers.scalar_mix import ScalarMix
from tfnlp.layers.span_head import SpanHead
from tfnlp.layers.token_classification_head import TokenClassificationHead
from tfnlp.tasks.encoder_source import call_encoder, input_specs
from tfnlp.tasks.pooling import SequencePooling, check_pooling

TASKS = ("classification", "ner", "squad")
MODES = ("finetune", "feature")
TASK_NETWORKS = ("bilstm", "dense")


def check_choice(name, value, choices):
    """Raises `TfnlpError` unless `value` is one of `choices`.

    Args:
        name: the flag or argument name, for the message.
        value: the given value.
        choices: the allowed values.
    """
    if value not in choices:
        raise TfnlpError(f"{name}={value!r}: use one of {', '.join(choices)}.")


def output_names(task):
    """The output keys of a task model.

    Args:
        task: one of `TASKS`.

    Returns:
        tuple of str.
    """
    check_choice("task", task, TASKS)
    return ("start_logits", "end_logits") if task == "squad" else ("logits",)


def _feature_network(task, mixed, padding_mask, task_network, units, dropout):
    """The small model between the scalar mix and the head (feature mode)."""
    mixed = keras.layers.Dropout(dropout, name="mix_dropout")(mixed)
    if task_network == "bilstm":
        mask = ops.cast(padding_mask, "bool")
        if task == "classification":
            lstm = keras.layers.Bidirectional(
                keras.layers.LSTM(units), name="task_bilstm")
            return lstm(mixed, mask=mask)
        lstm = keras.layers.Bidirectional(
            keras.layers.LSTM(units, return_sequences=True), name="task_bilstm")
        return lstm(mixed, mask=mask)
    hidden = keras.layers.Dense(units, activation="gelu", name="task_dense")(mixed)
    if task == "classification":
        return SequencePooling("mean", name="task_mean_pooling")(hidden, padding_mask)
    return hidden


def build_task_model(task, source, num_labels=None, mode="finetune", dropout=0.1,
                     task_network="bilstm", units=None, encoder=None, name=None,
                     pooling=None):
    """Builds the Keras model of a task on an encoder.

    Args:
        task: "classification", "ner" or "squad".
        source: an `EncoderSource` (from `resolve_encoder`); a fresh encoder
            is taken from it unless `encoder` is given.
        num_labels: number of classes / tags (not for "squad").
        mode: "finetune" or "feature" (see module docstring).
        dropout: float, dropout before the head.
        task_network: feature mode only: "bilstm" or "dense".
        units: feature mode only: LSTM units per direction / dense width;
            defaults to `hidden_dim // 2` (bilstm) or `hidden_dim` (dense).
        encoder: optional encoder object to use instead of a fresh one.
        name: optional model name.
        pooling: classification in finetune mode: `"pooled"` (the backbone's
            `pooled_output`), `"first"`, `"last"` or `"mean"`; None = the
            family's default (`source.pooling`).

    Returns:
        A `keras.Model` with the outputs named in `output_names(task)`. Its
        attributes: `encoder`, `task`, `mode`, `pooling` and
        `scalar_mix` (feature mode, else None).

    Raises:
        TfnlpError: bad task / mode / network / pooling, or no `num_labels`.

    Example:

    >>> model = build_task_model("ner", source, num_labels=9)   # doctest: +SKIP
    >>> model(features)["logits"].shape                         # doctest: +SKIP
    TensorShape([8, 128, 9])
    """
    check_choice("task", task, TASKS)
    check_choice("mode", mode, MODES)
    check_choice("task_network", task_network, TASK_NETWORKS)
    pooling = check_pooling(pooling or (source.pooling if source is not None else "pooled"))
    if task != "squad" and (not isinstance(num_labels, int) or num_labels < 1):
        raise TfnlpError(f"num_labels must be a positive int for task {task!r}, "
                         f"got {num_labels!r}")
    feature = mode == "feature"
    if encoder is None:
        encoder = source.build_encoder(trainable=not feature)
    elif feature:
        encoder.trainable = False
    if not feature and (task != "classification" or pooling != "pooled"):
        # A head reading the sequence output leaves the pooler without
        # gradient: keep it out of the trained variables (and out of
        # Keras's "gradients do not exist" warning).
        for variable in encoder.weights:
            if "pooler" in variable.path:
                variable.trainable = False
    specs = source.input_specs if source is not None else input_specs(encoder)
    if "padding_mask" not in specs and (feature or task != "classification"
                                        or pooling != "pooled"):
        # A text-embedding module: one vector per text, no positions.
        raise TfnlpError(f"the encoder takes {sorted(specs)}; this head needs its "
                         "padding_mask (an encoder of one vector per text fits only "
                         "--task=classification --mode=finetune --pooling=pooled)")
    inputs = {k: keras.Input(shape=shape, dtype=dtype, name=k)
              for k, (shape, dtype) in specs.items()}
    encoded = call_encoder(encoder, inputs)
    mix = None
    if feature:
        mix = ScalarMix(num_inputs=len(encoded["encoder_outputs"]), name="scalar_mix")
        x = mix(list(encoded["encoder_outputs"]), padding_mask=inputs["padding_mask"])
        hidden = int(encoded["sequence_output"].shape[-1])
        width = units or (hidden // 2 if task_network == "bilstm" else hidden)
        x = _feature_network(task, x, inputs["padding_mask"], task_network, width, dropout)
    elif task != "classification":
        x = encoded["sequence_output"]
    elif pooling == "pooled":
        x = encoded["pooled_output"]
    else:
        x = SequencePooling(pooling, name=f"{pooling}_pooling")(
            encoded["sequence_output"], inputs["padding_mask"])
    init = 0.02
    if task == "classification":
        outputs = {"logits": ClassificationHead(
            num_labels, dropout=dropout, initializer_range=init,
            name="classification_head")(x)}
    elif task == "ner":
        outputs = {"logits": TokenClassificationHead(
            num_labels, dropout=dropout, initializer_range=init,
            name="token_classification_head")(x)}
    else:
        outputs = SpanHead(initializer_range=init, dropout=dropout if feature else 0.0,
                           name="span_head")(x, padding_mask=inputs["padding_mask"])
    model = keras.Model(inputs, outputs, name=name or f"{task}_{mode}_model")
    model.encoder = encoder
    model.task = task
    model.mode = mode
    model.pooling = pooling
    model.scalar_mix = mix
    return model
