"""Highway layers (Srivastava et al. 2015), as ELMo stacks after its char CNN."""

import keras
from keras import ops

from tfnlp.errors import TfnlpError


@keras.saving.register_keras_serializable(package="tfnlp")
class Highway(keras.layers.Layer):
    """`num_layers` highway layers of constant width.

    Each layer computes `g * relu(W_h x + b_h) + (1 - g) * x` with the
    transform gate `g = sigmoid(W_g x + b_g)`; `b_g` starts at
    `gate_bias` (-2: carry the input at first, as bilm-tf does).

    Args:
        num_layers: number of layers (ELMo: 2).
        gate_bias: initial gate bias.
        activation: the transform's activation.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(x)`):
        a tensor shaped like `x`.

    Example:

    >>> Highway(2)(keras.ops.ones((3, 8))).shape
    (3, 8)
    """

    def __init__(self, num_layers=2, gate_bias=-2.0, activation="relu", **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 0:
            raise TfnlpError(f"num_highway_layers must be an integer >= 0, got {num_layers!r}")
        self.num_layers = num_layers
        self.gate_bias = float(gate_bias)
        self.activation = activation
        self._activation = keras.activations.get(activation)

    def build(self, input_shape):
        width = input_shape[-1]
        self.transforms, self.gates = [], []
        for i in range(self.num_layers):
            transform = keras.layers.Dense(width, dtype=self.dtype_policy,
                                           name=f"transform_{i}")
            gate = keras.layers.Dense(
                width, dtype=self.dtype_policy, name=f"gate_{i}",
                bias_initializer=keras.initializers.Constant(self.gate_bias))
            transform.build(input_shape)
            gate.build(input_shape)
            self.transforms.append(transform)
            self.gates.append(gate)
        self.built = True

    def call(self, x):
        for transform, gate in zip(self.transforms, self.gates):
            g = ops.sigmoid(gate(x))
            x = g * self._activation(transform(x)) + (1.0 - g) * x
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"num_layers": self.num_layers, "gate_bias": self.gate_bias,
                       "activation": self.activation})
        return config
