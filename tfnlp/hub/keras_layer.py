"""`HubLayer`: a Keras 3 layer that loads and fine-tunes a TF-Hub SavedModel.

`hub.KerasLayer` is a tf_keras (Keras 2) layer: inside a Keras 3 model it
fails on symbolic inputs or silently drops the module's weights
(tensorflow/hub#903). `HubLayer` does the same job natively in Keras 3:

- it loads the module (path or already-loaded object) with `load_module`;
- it wraps each restored `tf.Variable` in a `keras.Variable` (on the TF
  backend the wrapper keeps the very same `tf.Variable`, so the optimizer
  updates what the module's functions read); the Keras name is the TF name
  with ":0" dropped and "/" replaced by "__", because Keras variable names may
  not contain "/" and a ":" would leak into optimizer slot names; names stay
  unique and keep `transformer_layer_{i}` for ULMFiT grouping;
- `trainable_variables` of the module become trainable weights, the rest of
  `variables` non-trainable (the same split `hub.KerasLayer` makes); the
  module's `regularization_losses` are added as layer losses when trainable;
- it calls `obj(inputs, training=...)` when the module takes `training` (as
  `hub.KerasLayer`: training is on only if the layer is trainable), else
  `obj(inputs)`, or a named signature.

Example:
>>> ins = {k: keras.Input((None,), dtype="int32", name=k)          # doctest: +SKIP
...        for k in ("input_word_ids", "input_mask", "input_type_ids")}
>>> pooled = HubLayer("/tmp/bert_encoder", trainable=True,          # doctest: +SKIP
...                   output_key="pooled_output")(ins)
>>> model = keras.Model(ins, keras.layers.Dense(2)(pooled))        # doctest: +SKIP
"""

import os

import keras

from tfnlp.errors import TfnlpError
from tfnlp.hub.loader import (check_input_keys, function_has_training_argument,
                              check_declared_subobjects, load_module)


def keras_variable_name(tf_name):
    """The Keras-legal name for a restored variable's TF name.

    Args:
        tf_name: e.g. "transformer_layer_0/self_attention_layer/query/kernel:0".

    Returns:
        e.g. "transformer_layer_0__self_attention_layer__query__kernel".
    """
    name = tf_name.rsplit(":", 1)[0] if ":" in tf_name else tf_name
    return name.replace("/", "__").replace(":", "_")


@keras.saving.register_keras_serializable(package="tfnlp")
class HubLayer(keras.layers.Layer):
    """Wraps a TF-Hub style SavedModel as a (fine-tunable) Keras 3 layer.

    Args:
        handle: path of a SavedModel directory, or an already-loaded object
            (then `get_config` cannot serialize the layer).
        trainable: bool. Whether the module's trainable variables are
            trained, and whether `training=True` reaches the module (dropout).
        arguments: optional dict of extra keyword arguments for every call
            (e.g. `{"seq_length": 64}` for `bert_pack_inputs`).
        output_key: optional key to pick from a dict output.
        endpoint: optional attribute of the loaded object to call instead of
            the object itself, e.g. "mlm", "tokenize", "bert_pack_inputs".
        signature: optional signature name (e.g. "serving_default") to call
            instead; signatures cannot be fine-tuned.
        **kwargs: standard `keras.layers.Layer` arguments (`name`, ...).

    Returns (from `__call__`):
        What the module returns (dict of tensors for encoders), or the
        `output_key` entry of it.

    Example:
    >>> encoder = HubLayer("/tmp/bert_encoder", trainable=True)    # doctest: +SKIP
    >>> outputs = encoder(preprocess(text))                         # doctest: +SKIP
    """

    def __init__(self, handle, trainable=False, arguments=None, output_key=None,
                 endpoint=None, signature=None, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        if signature and endpoint:
            raise TfnlpError("pass at most one of `endpoint` and `signature`.")
        if signature and trainable:
            raise TfnlpError(
                f"signature {signature!r} cannot be fine-tuned (signatures "
                "have no training mode); use trainable=False, or call the "
                "module itself.")
        self.handle = os.fspath(handle) if isinstance(handle, (str, os.PathLike)) else None
        self.arguments = dict(arguments or {})
        self.output_key = output_key
        self.endpoint = endpoint
        self.signature = signature
        root = load_module(handle)
        what = self.handle or type(handle).__name__
        check_declared_subobjects(root, what)
        self._fn, self._var_source = self._resolve_callable(root, what)
        self._has_training = (not signature
                              and function_has_training_argument(self._fn))
        self._what = what
        self._wrap_variables(self._var_source)
        losses = list(getattr(self._var_source, "regularization_losses", []) or [])
        if not all(callable(loss) for loss in losses):
            raise TfnlpError(f"{what}: regularization_losses must be callables "
                             "returning scalars.")
        self._regularization_losses = losses
        self.built = True

    def _resolve_callable(self, root, what):
        if self.signature:
            signatures = getattr(root, "signatures", {})
            if self.signature not in signatures:
                raise TfnlpError(f"{what} has no signature {self.signature!r} "
                                 f"(available: {sorted(signatures)}).")
            return signatures[self.signature], root
        obj = root
        if self.endpoint:
            if not hasattr(root, self.endpoint):
                raise TfnlpError(f"{what} has no attribute {self.endpoint!r}.")
            obj = getattr(root, self.endpoint)
        if not callable(obj):
            raise TfnlpError(
                f"{what}{'.' + self.endpoint if self.endpoint else ''} is not "
                "callable: it lacks __call__; pass `endpoint` or `signature`.")
        fn = obj if hasattr(obj, "concrete_functions") else obj.__call__
        source = obj if hasattr(obj, "variables") else root
        return fn, source

    def _wrap_variables(self, obj):
        """Registers the module's tf.Variables as this layer's Keras weights."""
        variables = list(getattr(obj, "variables", []) or [])
        if hasattr(obj, "trainable_variables"):
            trainable_ids = {id(v) for v in obj.trainable_variables}
        else:  # no split given: trust each variable's own flag
            trainable_ids = {id(v) for v in variables if v.trainable}
        if not variables and trainable_ids:
            variables = list(obj.trainable_variables)
        used, wrapped = set(), []
        with keras.name_scope(self.name):
            for v in variables:
                base = keras_variable_name(v.name)
                name, n = base, 1
                while name in used:
                    name, n = f"{base}_{n}", n + 1
                used.add(name)
                # On the TF backend a keras.Variable built from a tf.Variable
                # wraps that same variable (no copy).
                wrapped.append(keras.Variable(
                    initializer=v, trainable=id(v) in trainable_ids,
                    dtype=v.dtype, name=name))
        # Which variables the module itself marks trainable; the layer's
        # `trainable` flag switches exactly these (see the setter below).
        self._module_trainable = [w.trainable for w in wrapped]
        self._hub_variables = wrapped  # tracked by Keras attribute tracking
        self._sync_variable_trainability()
        if len(wrapped) and wrapped[0].value is not variables[0]:
            raise TfnlpError("HubLayer needs the TensorFlow backend "
                             "(KERAS_BACKEND=tensorflow).")

    @property
    def trainable(self):
        """Whether the module's trainable variables are trained (settable)."""
        return keras.layers.Layer.trainable.fget(self)

    @trainable.setter
    def trainable(self, value):
        keras.layers.Layer.trainable.fset(self, value)
        self._sync_variable_trainability()

    def _sync_variable_trainability(self):
        # Keras's own setter only flips variables that were created trainable,
        # and a model collects `v.trainable` variables from all its layers, so
        # a frozen HubLayer must clear the flag on its wrapped variables.
        for variable, module_trainable in zip(
            getattr(self, "_hub_variables", []), getattr(self, "_module_trainable", [])
        ):
            variable.trainable = bool(self.trainable) and module_trainable

    def call(self, inputs, training=None):
        check_input_keys(self._fn, inputs, self._what)
        if self.trainable:  # as hub.KerasLayer: penalties only when trained
            for loss in self._regularization_losses:
                self.add_loss(loss())
        kwargs = dict(self.arguments)
        if self.signature:
            if isinstance(inputs, dict):
                result = self._fn(**inputs, **kwargs)
            else:
                names = list(self._fn.structured_input_signature[1])
                if len(names) != 1:
                    raise TfnlpError(f"signature {self.signature!r} takes "
                                     f"{names}; pass a dict.")
                result = self._fn(**{names[0]: inputs}, **kwargs)
        elif self._has_training:
            kwargs["training"] = bool(training) and self.trainable
            result = self._fn(inputs, **kwargs)
        else:
            result = self._fn(inputs, **kwargs)
        if self.output_key is not None:
            if not isinstance(result, dict):
                raise TfnlpError(f"output_key={self.output_key!r} but {self._what} "
                                 f"returns a {type(result).__name__}, not a dict.")
            if self.output_key not in result:
                raise TfnlpError(f"{self._what} has no output {self.output_key!r} "
                                 f"(available: {sorted(result)}).")
            result = result[self.output_key]
        return result

    def get_config(self):
        if self.handle is None:
            raise TfnlpError("HubLayer built from a loaded object cannot be "
                             "serialized; build it from a SavedModel path.")
        config = super().get_config()
        config.update({
            "handle": self.handle,
            "arguments": self.arguments,
            "output_key": self.output_key,
            "endpoint": self.endpoint,
            "signature": self.signature,
        })
        return config


KerasLayer = HubLayer
