"""ELMo's scalar mix: a learned, softmax-weighted sum of encoder layers."""

import keras
from keras import ops

from tfnlp.errors import TfnlpError


@keras.saving.register_keras_serializable(package="tfnlp")
class ScalarMix(keras.layers.Layer):
    """`gamma * sum_j softmax(w)_j * h_j` over a list of layer outputs.

    As in ELMo (Peters et al. 2018, eq. 1): `w` has one scalar per input
    layer (initialised to 0, i.e. equal weights) and `gamma` scales the whole
    mix (initialised to 1). With `layer_norm=True` each input is first
    normalised to zero mean and unit variance over its non-padding entries
    (ELMo's `do_layer_norm`, computed over the whole batch as AllenNLP does).

    Args:
        num_inputs: int or None. Number of layers to mix; taken from the
            input list at build time when None.
        layer_norm: bool. Normalise each input first. Defaults to False.
        initial_weights: optional list of floats, the initial `w` (before
            the softmax); zeros when None.
        initial_gamma: float. Initial `gamma`. Defaults to 1.0.
        **kwargs: standard `keras.layers.Layer` arguments.

    Returns (from `call(inputs, padding_mask=None)`):
        A tensor shaped like each input, e.g. `[batch, seq, hidden]`.

    Example:
    >>> mix = ScalarMix()
    >>> layers = [keras.ops.ones((2, 5, 8)) * i for i in range(3)]
    >>> mix(layers).shape
    (2, 5, 8)
    """

    def __init__(self, num_inputs=None, layer_norm=False, initial_weights=None,
                 initial_gamma=1.0, **kwargs):
        super().__init__(**kwargs)
        if initial_weights is not None:
            initial_weights = [float(w) for w in initial_weights]
            if num_inputs is None:
                num_inputs = len(initial_weights)
            elif len(initial_weights) != num_inputs:
                raise TfnlpError(
                    f"initial_weights has {len(initial_weights)} values but "
                    f"num_inputs={num_inputs}; give one weight per input layer.")
        if num_inputs is not None and (not isinstance(num_inputs, int) or num_inputs < 1):
            raise TfnlpError(f"num_inputs must be a positive int, got {num_inputs!r}")
        self.num_inputs = num_inputs
        self.layer_norm = bool(layer_norm)
        self.initial_weights = initial_weights
        self.initial_gamma = float(initial_gamma)

    def build(self, input_shapes):
        if not isinstance(input_shapes, (list, tuple)) or not input_shapes or not isinstance(
                input_shapes[0], (list, tuple)):
            raise TfnlpError("ScalarMix takes a list of layer outputs "
                             "(e.g. the encoder's `encoder_outputs`).")
        if self.num_inputs is None:
            self.num_inputs = len(input_shapes)
        if len(input_shapes) != self.num_inputs:
            raise TfnlpError(f"ScalarMix was configured for {self.num_inputs} "
                             f"inputs but got {len(input_shapes)}.")
        init = (keras.initializers.Constant(self.initial_weights)
                if self.initial_weights is not None else "zeros")
        self.scalar_weights = self.add_weight(
            name="scalar_weights", shape=(self.num_inputs,), initializer=init)
        self.gamma = self.add_weight(
            name="gamma", shape=(),
            initializer=keras.initializers.Constant(self.initial_gamma))
        self.built = True

    def _normalize(self, x, mask):
        if mask is None:
            mean = ops.mean(x)
            variance = ops.mean(ops.square(x - mean))
        else:
            m = ops.cast(mask, x.dtype)[..., None]
            count = ops.sum(m) * ops.cast(ops.shape(x)[-1], x.dtype)
            count = ops.maximum(count, ops.cast(1, x.dtype))
            mean = ops.sum(x * m) / count
            variance = ops.sum(ops.square((x - mean) * m)) / count
        return (x - mean) / ops.sqrt(variance + 1e-12)

    def call(self, inputs, padding_mask=None):
        if len(inputs) != self.num_inputs:
            raise TfnlpError(f"ScalarMix was configured for {self.num_inputs} "
                             f"inputs but got {len(inputs)}.")
        weights = ops.softmax(ops.cast(self.scalar_weights, self.compute_dtype))
        total = None
        for j, x in enumerate(inputs):
            if self.layer_norm:
                x = self._normalize(x, padding_mask)
            term = weights[j] * x
            total = term if total is None else total + term
        return ops.cast(self.gamma, self.compute_dtype) * total

    def mixing_weights(self):
        """The current `softmax(w)` as a numpy array (for inspection).

        Returns:
            float array `[num_inputs]` summing to 1.
        """
        return keras.ops.convert_to_numpy(ops.softmax(self.scalar_weights))

    def compute_output_shape(self, input_shapes):
        return tuple(input_shapes[0])

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_inputs": self.num_inputs,
            "layer_norm": self.layer_norm,
            "initial_weights": self.initial_weights,
            "initial_gamma": self.initial_gamma,
        })
        return config
