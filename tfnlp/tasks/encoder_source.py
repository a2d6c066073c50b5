"""Where a task model's encoder comes from: a tfnlp model dir or a TF-Hub module.

`resolve_encoder(path)` accepts, in this order:

1. a tfnlp model dir (`config.json` of format `tfnlp.model_dir`, as written
   by `tfnlp pretrain` in `RUN/keras` and by `tfnlp import_checkpoint` in
   `OUT/keras`): the family's native backbone
   (`tfnlp.models.model_dir.load_model_dir`);
2. a folder holding such a dir as `keras/` (a pretraining run dir, an
   import output dir);
3. a TF-Hub encoder SavedModel (`saved_model.pb`), loaded with
   `tfnlp.hub.HubLayer`, trainable;
4. a folder holding such a module as `encoder/` (`tfnlp export` output);
5. a TF-Hub text-embedding module (strings `[batch]` -> `[batch, dim]`:
   Google's nnlm / Wiki-words, the word2vec / GloVe `embedding` module),
   or a folder holding one as `embedding/`: kind `"text_embedding"`, one
   string input `text` (`tfnlp.text.string_inputs.StringInputs` passes the
   texts through; the module tokenizes them itself), sentence
   classification only.

Every source carries its family (`tfnlp.models.registry.get_family`) and
the family's `Tokenizer`: from the model dir's `tokenizer/` folder, or
rebuilt from the module (its `tfnlp_family` variable, default `"bert"`;
its `assets/` folder, or its `vocab_file` / `sp_model_file` asset; its
`do_lower_case`). Nothing here names a family.

Example:

>>> source = resolve_encoder("/tmp/minilm")                      # doctest: +SKIP
>>> source.kind, source.family.name, source.tokenizer.kind       # doctest: +SKIP
('native', 'bert', 'wordpiece')
"""

import dataclasses
import os

from tfnlp.errors import TfnlpError
from tfnlp.hub.serving import keras_input_specs as input_specs
from tfnlp.io import is_saved_model_dir
from tfnlp.text.string_inputs import TEXT_KEY  # a text-embedding module's one input

DEFAULT_HUB_FAMILY = "bert"  # modules without `tfnlp_family` (Google's BERT modules)
ASSET_ATTRIBUTES = ("vocab_file", "sp_model_file")
TOKEN_INPUTS = ("token_ids", "segment_ids", "padding_mask")


@dataclasses.dataclass
class EncoderSource:
    """An encoder to fine-tune, with its family and tokenizer.

    Attributes:
        kind: "native" (a family backbone), "hub" (a TF-Hub encoder
            SavedModel) or "text_embedding" (a strings -> vectors module).
        path: the model dir or SavedModel dir.
        family: the `tfnlp.models.family.Family`.
        tokenizer: the family `Tokenizer` (tokenize, pack, special tokens).
        max_sequence_length: int, longest packed input, or None (no limit).
        num_layers: int, encoder blocks.
        hidden_dim: int.
        input_specs: dict input name -> `(shape, dtype)` (see `input_specs`):
            the keys of `tokenizer.pack`'s output the encoder reads.
        backbone: the loaded backbone (native) or module object (hub); the
            first `build_encoder` call hands it out, so weights are not read
            twice.
    """

    kind: str
    path: str
    family: object
    tokenizer: object
    max_sequence_length: object
    num_layers: int
    hidden_dim: int
    backbone: object = dataclasses.field(default=None, repr=False, compare=False)
    input_specs: dict = dataclasses.field(
        default_factory=lambda: {k: ((None,), "int32") for k in TOKEN_INPUTS})

    @property
    def token_inputs(self):
        """True if the encoder reads token ids (`token_ids`, `segment_ids`,
        `padding_mask`), as the word-aligned tasks (NER, SQuAD) need."""
        names = set(self.input_specs)
        return {"token_ids", "padding_mask"} <= names <= set(TOKEN_INPUTS)

    @property
    def pooling(self):
        """str: the family's default pooling for sentence tasks (`"pooled"`, ...)."""
        return getattr(self.family, "pooling", "pooled") or "pooled"

    def check_sequence_length(self, seq_length):
        """Raises `TfnlpError` if `seq_length` exceeds the encoder's positions.

        Args:
            seq_length: int, the task's packed length.
        """
        if self.max_sequence_length is not None and seq_length > self.max_sequence_length:
            raise TfnlpError(
                f"--seq_length={seq_length} is longer than the encoder's "
                f"{self.max_sequence_length} learned positions ({self.path}); "
                f"use --seq_length={self.max_sequence_length} or less.")

    def build_encoder(self, trainable=True):
        """An encoder object holding the source's weights.

        Args:
            trainable: bool. False freezes it (feature-based use).

        Returns:
            The family backbone (native) or a `tfnlp.hub.HubLayer` (hub,
            text_embedding).
            Call it through `call_encoder`.
        """
        loaded, self.backbone = self.backbone, None
        if self.kind == "native":
            from tfnlp.models.model_dir import load_model_dir

            import keras

            from tfnlp.precision import backbone_with_dtype

            encoder = loaded if loaded is not None else load_model_dir(self.path).backbone
            # Rebuilt under the policy in effect (finetune's --dtype scope).
            encoder = backbone_with_dtype(encoder, keras.config.dtype_policy().name)
        else:
            from tfnlp.hub.keras_layer import HubLayer
            from tfnlp.hub.loader import load_module

            # A loaded object is fine here: task models are exported as
            # SavedModels, never re-serialized from their Keras config.
            loaded = loaded if loaded is not None else load_module(self.path)
            encoder = HubLayer(loaded, trainable=trainable, name="hub_encoder")
            # The serving export tracks the module (its lookup tables).
            encoder.hub_module = loaded
        encoder.trainable = trainable
        if not trainable:
            # Layer.trainable=False does not reach variables that HubLayer
            # wraps itself, and a functional model collects trainable
            # variables by their own flag; so set the flag on each.
            for variable in encoder.weights:
                variable.trainable = False
        return encoder

    def layer_groups(self, encoder):
        """ULMFiT groups of `encoder`'s variables, bottom to top, or None.

        Native backbones use the family's `layer_groups`; a hub module has
        only variable names, which `tfnlp.finetuning.variable_groups` reads.

        Args:
            encoder: from `build_encoder`.

        Returns:
            list of `(name, [variables])`, or None (group by names).
        """
        if self.kind != "native":
            return None
        return self.family.layer_groups(encoder)


def call_encoder(encoder, inputs, training=None):
    """Runs a native or hub encoder on Keras-named inputs.

    Args:
        encoder: from `EncoderSource.build_encoder`.
        inputs: dict with `token_ids`, `segment_ids`, `padding_mask`, or
            with `text` (a text-embedding module).
        training: passed on (dropout).

    Returns:
        dict with `sequence_output`, `pooled_output`, `encoder_outputs`
        (a text-embedding module: `pooled_output` = its vectors, the
        sequence output one position holding them).
    """
    from keras import ops

    from tfnlp.hub.keras_layer import HubLayer

    if TEXT_KEY in inputs:
        vectors = encoder(inputs[TEXT_KEY], training=training)
        if isinstance(vectors, dict):
            vectors = vectors.get("default", next(iter(vectors.values())))
        sequence = ops.expand_dims(vectors, 1)
        return {"sequence_output": sequence, "pooled_output": vectors,
                "encoder_outputs": [sequence]}
    if isinstance(encoder, HubLayer):
        outputs = encoder({
            "input_word_ids": inputs["token_ids"],
            "input_mask": inputs["padding_mask"],
            "input_type_ids": inputs["segment_ids"],
        }, training=training)
    else:
        outputs = encoder({k: inputs[k] for k in input_specs(encoder)}, training=training)
    return {k: outputs[k] for k in ("sequence_output", "pooled_output", "encoder_outputs")}


def _native_source(path):
    from tfnlp.models.model_dir import load_model_dir

    loaded = load_model_dir(path)
    backbone = loaded.backbone
    limit = getattr(backbone, "max_sequence_length", None)
    return EncoderSource(
        kind="native", path=path, family=loaded.family, tokenizer=loaded.tokenizer,
        max_sequence_length=int(limit) if limit else None,
        num_layers=int(backbone.num_layers), hidden_dim=int(backbone.hidden_dim),
        backbone=backbone, input_specs=input_specs(backbone))


def _module_string(obj, name):
    value = getattr(obj, name, None)
    if value is None:
        return None
    value = value.numpy() if hasattr(value, "numpy") else value
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def hub_tokenizer_asset(path, obj):
    """The tokenizer asset of a loaded module: its `assets/` folder, else the
    `vocab_file` / `sp_model_file` asset's path.

    Args:
        path: the SavedModel dir.
        obj: the loaded module.

    Returns:
        str, a folder or file for `Family.load_tokenizer`.

    Raises:
        TfnlpError: the module carries no tokenizer asset.
    """
    assets = os.path.join(path, "assets")
    if os.path.isdir(assets) and os.listdir(assets):
        return assets
    for name in ASSET_ATTRIBUTES:
        asset = getattr(obj, name, None)
        if asset is not None and hasattr(asset, "asset_path"):
            return asset.asset_path.numpy().decode("utf-8")
    raise TfnlpError(
        f"{path}: the encoder module has no tokenizer asset (no assets/ folder, "
        f"no {' / '.join(ASSET_ATTRIBUTES)}); fine-tuning needs its vocabulary. "
        "Export it with `tfnlp export`.")


def _text_embedding_source(path, obj):
    import tensorflow as tf

    from tfnlp.hub.loader import module_family
    from tfnlp.models.registry import families_with_hub_interface, get_family
    from tfnlp.text.string_inputs import StringInputs

    probe = obj(tf.constant(["a"]))
    if isinstance(probe, dict):
        probe = probe.get("default", next(iter(probe.values())))
    if len(probe.shape) != 2:
        raise TfnlpError(f"{path}: the text-embedding module returns shape "
                         f"{tuple(probe.shape)} for 1 string; expected [batch, dim].")
    # A foreign module (no tfnlp_family) is a static embedding all the same:
    # it takes the first family that publishes this interface.
    name = module_family(obj)
    family = get_family(name) if name else families_with_hub_interface("text_embedding")[0]
    return EncoderSource(
        kind="text_embedding", path=path, family=family, tokenizer=StringInputs(),
        max_sequence_length=None, num_layers=0, hidden_dim=int(probe.shape[-1]),
        backbone=obj, input_specs={TEXT_KEY: ((), "string")})


def _is_text_embedding(obj):
    from tfnlp.hub.loader import check_text_embedding_interface

    try:
        check_text_embedding_interface(obj)
    except (TfnlpError, TypeError, ValueError):
        return False
    return True


def _hub_source(path):
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (modules may hold tf-text ops)

    from tfnlp.hub.loader import load_module
    from tfnlp.models.registry import get_family

    obj = load_module(path)
    if _is_text_embedding(obj):
        return _text_embedding_source(path, obj)
    obj = load_module(obj, expect="encoder")
    family = get_family(_module_string(obj, "tfnlp_family") or DEFAULT_HUB_FAMILY)
    lower = getattr(obj, "do_lower_case", None)
    lower_case = None if lower is None else bool(np.asarray(lower))
    tokenizer = family.load_tokenizer(hub_tokenizer_asset(path, obj), lower_case=lower_case)
    positions = [v for v in obj.variables
                 if "position_embedding" in v.name and len(v.shape) == 2]
    probe = tokenizer.pack([tokenizer.tokenize(tf.constant(["a"]))], seq_length=8)
    outputs = obj({"input_word_ids": probe["token_ids"], "input_mask": probe["padding_mask"],
                   "input_type_ids": probe["segment_ids"]}, training=False)
    for key in ("sequence_output", "pooled_output", "encoder_outputs"):
        if key not in outputs:
            raise TfnlpError(f"{path}: the encoder module returns no {key!r} "
                             f"(returns {sorted(outputs)}); not a TF-Hub encoder.")
    return EncoderSource(
        kind="hub", path=path, family=family, tokenizer=tokenizer,
        max_sequence_length=int(positions[0].shape[0]) if positions else None,
        num_layers=len(outputs["encoder_outputs"]),
        hidden_dim=int(outputs["pooled_output"].shape[-1]), backbone=obj)


def resolve_encoder(path):
    """Finds the encoder at `path` (see the module docstring for the layouts).

    Args:
        path: a tfnlp model dir, a TF-Hub encoder module, or a folder with
            `keras/` or `encoder/` in it.

    Returns:
        An `EncoderSource`.

    Raises:
        TfnlpError: nothing usable at `path`, or a module without the TF-Hub
            encoder interface (wrong signature, no tokenizer asset).

    Example:

    >>> resolve_encoder("/tmp/run").kind     # doctest: +SKIP
    'native'
    """
    from tfnlp.models.model_dir import FORMAT, is_model_dir

    path = os.path.abspath(os.fspath(path))
    if not os.path.isdir(path):
        raise TfnlpError(f"--encoder={path}: no such directory; pass a tfnlp model "
                         "dir or a TF-Hub encoder module.")
    if is_model_dir(path):
        return _native_source(path)
    if is_model_dir(os.path.join(path, "keras")):
        return _native_source(os.path.join(path, "keras"))
    if is_saved_model_dir(path):
        return _hub_source(path)
    for sub in ("encoder", "embedding"):
        if is_saved_model_dir(os.path.join(path, sub)):
            return _hub_source(os.path.join(path, sub))
    raise TfnlpError(
        f"--encoder={path}: found neither a tfnlp model dir (config.json of format "
        f"{FORMAT!r}, here or in keras/) nor a TF-Hub encoder or text-embedding "
        "SavedModel (saved_model.pb, here or in encoder/ or embedding/).")
