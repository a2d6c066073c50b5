"""Where a task model's encoder comes from: a tfnlp model dir or a TF-Hub module.

`resolve_encoder(path)` accepts, in this order:

1. a tfnlp Keras model dir (`config.json` with format
   `tfnlp.keras_model_dir`, as written by `tfnlp pretrain` in `RUN/keras` and
   by the Hugging Face import in `OUT/keras`): a native `BertEncoder`;
2. a folder holding such a dir as `keras/` (a pretraining run dir, an
   import output dir);
3. a TF-Hub BERT encoder SavedModel (`saved_model.pb`), loaded with
   `tfnlp.hub.HubLayer`, trainable;
4. a folder holding such a module as `encoder/` (`tfnlp export` output).

The vocabulary and casing come with the source: `vocab.txt` and
`do_lower_case` of the model dir, or the module's `vocab_file` asset and
`do_lower_case` variable.

Example:

>>> source = resolve_encoder("/tmp/minilm")           # doctest: +SKIP
>>> source.kind, source.lower_case, source.max_sequence_length   # doctest: +SKIP
('native', True, 512)
"""

import dataclasses
import json
import os

from tfnlp.errors import TfnlpError

KERAS_FORMAT = "tfnlp.keras_model_dir"


@dataclasses.dataclass
class EncoderSource:
    """An encoder to fine-tune, with its vocabulary.

    Attributes:
        kind: "native" (a `BertEncoder`) or "hub" (a TF-Hub SavedModel).
        path: the model dir or SavedModel dir.
        vocab_path: the vocab file (inside the SavedModel's assets for hub).
        lower_case: bool, uncased vocabulary.
        max_sequence_length: int, learned positions of the encoder.
        num_layers: int, encoder blocks (length of `encoder_outputs`).
        hidden_dim: int.
    """

    kind: str
    path: str
    vocab_path: str
    lower_case: bool
    max_sequence_length: int
    num_layers: int
    hidden_dim: int
    # The object loaded while resolving, handed out by the first
    # `build_encoder` call so the weights are not read twice.
    loaded: object = dataclasses.field(default=None, repr=False, compare=False)

    def check_sequence_length(self, seq_length):
        """Raises `TfnlpError` if `seq_length` exceeds the encoder's positions.

        Args:
            seq_length: int, the task's packed length.
        """
        if seq_length > self.max_sequence_length:
            raise TfnlpError(
                f"--seq_length={seq_length} is longer than the encoder's "
                f"{self.max_sequence_length} learned positions ({self.path}); "
                f"use --seq_length={self.max_sequence_length} or less.")

    def build_encoder(self, trainable=True):
        """A fresh encoder object holding the source's weights.

        Args:
            trainable: bool. False freezes it (feature-based use).

        Returns:
            A `BertEncoder` (native) or a `tfnlp.hub.HubLayer` (hub). Call it
            through `call_encoder`.
        """
        loaded, self.loaded = self.loaded, None
        if self.kind == "native":
            from tfnlp.hub.keras_model_dir import load_keras_model_dir

            encoder = (loaded if loaded is not None
                       else load_keras_model_dir(self.path).encoder)
        else:
            from tfnlp.hub.keras_layer import HubLayer

            # A loaded object is fine here: task models are exported as
            # SavedModels, never re-serialized from their Keras config.
            encoder = HubLayer(loaded if loaded is not None else self.path,
                               trainable=trainable,
                               name="hub_encoder")
        encoder.trainable = trainable
        if not trainable:
            # Layer.trainable=False does not reach variables that HubLayer
            # wraps itself, and a functional model collects trainable
            # variables by their own flag; so set the flag on each.
            for variable in encoder.weights:
                variable.trainable = False
        return encoder


def call_encoder(encoder, inputs, training=None):
    """Runs a native or hub encoder on Keras-named inputs.

    Args:
        encoder: from `EncoderSource.build_encoder`.
        inputs: dict with `token_ids`, `segment_ids`, `padding_mask`.
        training: passed on (dropout).

    Returns:
        dict with `sequence_output`, `pooled_output`, `encoder_outputs`.
    """
    from tfnlp.hub.keras_layer import HubLayer

    if isinstance(encoder, HubLayer):
        outputs = encoder({
            "input_word_ids": inputs["token_ids"],
            "input_mask": inputs["padding_mask"],
            "input_type_ids": inputs["segment_ids"],
        }, training=training)
    else:
        outputs = encoder(inputs, training=training)
    return {k: outputs[k] for k in ("sequence_output", "pooled_output", "encoder_outputs")}


def _is_keras_dir(path):
    config = os.path.join(path, "config.json")
    if not os.path.isfile(config):
        return False
    try:
        with open(config, encoding="utf-8") as f:
            return json.load(f).get("format") == KERAS_FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _is_saved_model(path):
    return os.path.isfile(os.path.join(path, "saved_model.pb"))


def _native_source(path):
    from tfnlp.hub.keras_model_dir import load_keras_model_dir

    loaded = load_keras_model_dir(path)
    encoder = loaded.encoder
    return EncoderSource(
        kind="native", path=path, vocab_path=loaded.vocab_path,
        lower_case=bool(loaded.do_lower_case),
        max_sequence_length=int(encoder.max_sequence_length),
        num_layers=int(encoder.num_layers), hidden_dim=int(encoder.hidden_dim),
        loaded=encoder)


def _hub_source(path):
    import tensorflow_text  # noqa: F401  (modules may hold tf-text ops)

    from tfnlp.hub.loader import load_module

    obj = load_module(path, expect="encoder")
    missing = [a for a in ("vocab_file", "do_lower_case") if not hasattr(obj, a)]
    if missing:
        raise TfnlpError(
            f"{path}: the encoder module has no {' / '.join(missing)}; fine-tuning "
            "needs its vocabulary (export it with tfnlp.hub.export_encoder_module).")
    vocab_path = obj.vocab_file.asset_path.numpy().decode("utf-8")
    positions = [v for v in obj.variables
                 if "position_embedding" in v.name and len(v.shape) == 2]
    if not positions:
        raise TfnlpError(f"{path}: no position embedding variable found; not a BERT encoder module.")
    ids = {k: [[2, 3]] for k in ("input_word_ids", "input_mask", "input_type_ids")}
    ids["input_type_ids"] = [[0, 0]]
    import tensorflow as tf

    outputs = obj({k: tf.constant(v, tf.int32) for k, v in ids.items()}, training=False)
    for key in ("sequence_output", "pooled_output", "encoder_outputs"):
        if key not in outputs:
            raise TfnlpError(f"{path}: the encoder module returns no {key!r} "
                             f"(returns {sorted(outputs)}); not a TF-Hub BERT encoder.")
    return EncoderSource(
        kind="hub", path=path, vocab_path=vocab_path,
        lower_case=bool(obj.do_lower_case.numpy()),
        max_sequence_length=int(positions[0].shape[0]),
        num_layers=len(outputs["encoder_outputs"]),
        hidden_dim=int(outputs["pooled_output"].shape[-1]), loaded=obj)


def resolve_encoder(path):
    """Finds the encoder at `path` (see the module docstring for the layouts).

    Args:
        path: a tfnlp model dir, a TF-Hub encoder module, or a folder with
            `keras/` or `encoder/` in it.

    Returns:
        An `EncoderSource`.

    Raises:
        TfnlpError: nothing usable at `path`, or a module without the TF-Hub
            BERT encoder interface (wrong signature, no vocab).

    Example:

    >>> resolve_encoder("/tmp/run").kind     # doctest: +SKIP
    'native'
    """
    path = os.path.abspath(os.fspath(path))
    if not os.path.isdir(path):
        raise TfnlpError(f"--encoder={path}: no such directory; pass a tfnlp model "
                         "dir or a TF-Hub BERT encoder module.")
    if _is_keras_dir(path):
        return _native_source(path)
    if _is_keras_dir(os.path.join(path, "keras")):
        return _native_source(os.path.join(path, "keras"))
    if _is_saved_model(path):
        return _hub_source(path)
    if _is_saved_model(os.path.join(path, "encoder")):
        return _hub_source(os.path.join(path, "encoder"))
    raise TfnlpError(
        f"--encoder={path}: found neither a tfnlp model dir (config.json of format "
        f"{KERAS_FORMAT!r}, here or in keras/) nor a TF-Hub encoder SavedModel "
        "(saved_model.pb, here or in encoder/).")
