"""An LSTM with a projection layer (LSTMP, Sak et al. 2014), on `keras.ops`.

Keras 3 has no projected LSTM cell. `LSTMPCell` is bilm-tf's
`LSTMCell(num_units, num_proj, cell_clip, proj_clip)`: gates in the order
input, candidate, forget, output; forget bias 1; no peepholes; the cell is
clipped to `[-cell_clip, cell_clip]` and the projected output to
`[-proj_clip, proj_clip]`. The recurrent state is `(c [units],
r [projection_dim])` and the output is `r`.

`LSTMP` runs a cell over time with `keras.ops.scan` (JAX, TF and torch).
Padding steps (mask 0) keep the state and output zeros, so with right
padding `go_backwards=True` reads each row's real tokens last-to-first,
exactly as a per-row sequence reversal would.

Example:

>>> layer = LSTMP(units=16, projection_dim=8)
>>> layer(keras.ops.ones((2, 5, 4)), padding_mask=keras.ops.ones((2, 5))).shape
(2, 5, 8)
"""

import keras
from keras import ops

from tfnlp.errors import TfnlpError


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TfnlpError(f"{name} must be a positive integer, got {value!r}")
    return value


def _clip(value, bound):
    return value if bound is None else ops.clip(value, -bound, bound)


@keras.saving.register_keras_serializable(package="tfnlp")
class LSTMPCell(keras.layers.Layer):
    """One LSTMP step: `(x_t, (c, r)) -> (r', (c', r'))`.

    Args:
        units: cell width (ELMo: 4096).
        projection_dim: projected output width (ELMo: 512).
        cell_clip: clip of the cell state (None: no clip; ELMo: 3).
        proj_clip: clip of the projected output (None: no clip; ELMo: 3).
        forget_bias: added to the forget gate's pre-activation.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(x, state)`):
        `(output, (c, r))`, `output == r` `[batch, projection_dim]`.

    Example:

    >>> cell = LSTMPCell(16, 8, cell_clip=3.0, proj_clip=3.0)
    >>> out, (c, r) = cell(keras.ops.ones((2, 4)), cell.initial_state(2))
    >>> out.shape, c.shape
    ((2, 8), (2, 16))
    """

    def __init__(self, units, projection_dim, cell_clip=None, proj_clip=None,
                 forget_bias=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units = _positive("units", units)
        self.projection_dim = _positive("projection_dim", projection_dim)
        self.cell_clip = None if cell_clip is None else float(cell_clip)
        self.proj_clip = None if proj_clip is None else float(proj_clip)
        self.forget_bias = float(forget_bias)

    def build(self, input_shape):
        init = keras.initializers.GlorotUniform()
        self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], 4 * self.units),
                                      initializer=init)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.projection_dim, 4 * self.units),
            initializer=init)
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer="zeros")
        self.projection = self.add_weight(
            name="projection", shape=(self.units, self.projection_dim), initializer=init)
        self.built = True

    def initial_state(self, batch_size):
        """Zero `(c, r)` for `batch_size` rows."""
        return (ops.zeros((batch_size, self.units), self.compute_dtype),
                ops.zeros((batch_size, self.projection_dim), self.compute_dtype))

    def input_projection(self, x):
        """`x W + b`, the input part of the gates (computed once for all steps)."""
        return ops.matmul(x, ops.cast(self.kernel, x.dtype)) + ops.cast(self.bias, x.dtype)

    def step(self, gates_in, state):
        """One step from the precomputed `input_projection(x_t)`.

        Returns:
            `(r', (c', r'))`.
        """
        c, r = state
        z = gates_in + ops.matmul(r, ops.cast(self.recurrent_kernel, r.dtype))
        i, j, f, o = ops.split(z, 4, axis=-1)
        c = ops.sigmoid(f + self.forget_bias) * c + ops.sigmoid(i) * ops.tanh(j)
        c = _clip(c, self.cell_clip)
        h = ops.sigmoid(o) * ops.tanh(c)
        r = _clip(ops.matmul(h, ops.cast(self.projection, h.dtype)), self.proj_clip)
        return r, (c, r)

    def call(self, x, state):
        return self.step(self.input_projection(x), state)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units, "projection_dim": self.projection_dim,
                       "cell_clip": self.cell_clip, "proj_clip": self.proj_clip,
                       "forget_bias": self.forget_bias})
        return config


@keras.saving.register_keras_serializable(package="tfnlp")
class LSTMP(keras.layers.Layer):
    """An `LSTMPCell` run over a sequence, with masking.

    Args:
        units, projection_dim, cell_clip, proj_clip, forget_bias: the cell's.
        go_backwards: read the sequence last-to-first (outputs are returned
            in the input's order).
        dropout: dropout rate on the inputs while training.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(x, padding_mask=None, training=None)`):
        float `[batch, time, projection_dim]`; zero where `padding_mask` is 0.

    Example:

    >>> LSTMP(16, 8, go_backwards=True)(keras.ops.ones((2, 3, 4))).shape
    (2, 3, 8)
    """

    def __init__(self, units, projection_dim, cell_clip=None, proj_clip=None,
                 forget_bias=1.0, go_backwards=False, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(dropout) < 1.0:
            raise TfnlpError(f"dropout must be in [0, 1), got {dropout!r}")
        self.go_backwards = bool(go_backwards)
        self.dropout = float(dropout)
        self.cell = LSTMPCell(units, projection_dim, cell_clip=cell_clip,
                              proj_clip=proj_clip, forget_bias=forget_bias,
                              dtype=self.dtype_policy, name="cell")
        self.dropout_layer = keras.layers.Dropout(self.dropout, dtype=self.dtype_policy)

    def build(self, input_shape):
        self.cell.build(input_shape)
        self.built = True

    def call(self, x, padding_mask=None, training=None):
        x = self.dropout_layer(x, training=training)
        if padding_mask is None:
            padding_mask = ops.ones(ops.shape(x)[:2], x.dtype)
        mask = ops.cast(padding_mask, x.dtype)[..., None]
        gates = self.cell.input_projection(x)
        if self.go_backwards:
            gates, mask = ops.flip(gates, axis=1), ops.flip(mask, axis=1)
        # Time-major for the scan.
        gates = ops.transpose(gates, (1, 0, 2))
        mask_t = ops.transpose(mask, (1, 0, 2))

        units = self.cell.units

        def step(carry, inputs):
            # One carry tensor [batch, units + projection_dim] holding
            # (c, r); the per-step output is the masked carry too (the TF
            # backend's scan wants outputs shaped like the carry), and `r`
            # is sliced out after the scan. The mask rides as the last
            # column of one scanned tensor (the TF backend's scan fails on
            # several scanned tensors of unknown length).
            gates_t, m = inputs[:, :-1], inputs[:, -1:]
            _, (c_new, r_new) = self.cell.step(gates_t, (carry[:, :units], carry[:, units:]))
            new = ops.concatenate([c_new, r_new], axis=-1)
            return m * new + (1.0 - m) * carry, m * new

        init = ops.concatenate(self.cell.initial_state(ops.shape(x)[0]), axis=-1)
        _, outputs = ops.scan(step, init, ops.concatenate([gates, mask_t], axis=-1))
        outputs = ops.transpose(outputs[..., units:], (1, 0, 2))
        if self.go_backwards:
            outputs = ops.flip(outputs, axis=1)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.cell.projection_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.cell.units, "projection_dim": self.cell.projection_dim,
                       "cell_clip": self.cell.cell_clip, "proj_clip": self.cell.proj_clip,
                       "forget_bias": self.cell.forget_bias,
                       "go_backwards": self.go_backwards, "dropout": self.dropout})
        return config


@keras.saving.register_keras_serializable(package="tfnlp")
class BiLSTMPLayer(keras.layers.Layer):
    """One layer of ELMo's two LSTMP stacks: a forward and a backward LSTMP.

    The two directions are separate stacks (as in bilm-tf): the forward
    LSTMP reads the forward input, the backward one the backward input.
    With `residual=True` each direction adds its input to its output (ELMo
    does for every layer above the first).

    Args:
        units, projection_dim, cell_clip, proj_clip, dropout: as `LSTMP`.
        residual: add the input to the output.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(forward_input, backward_input, padding_mask=None)`):
        `(forward [batch, time, projection_dim], backward [...])`.

    Example:

    >>> layer = BiLSTMPLayer(16, 8, residual=True)
    >>> x = keras.ops.ones((2, 3, 8))
    >>> [t.shape for t in layer(x, x)]
    [(2, 3, 8), (2, 3, 8)]
    """

    def __init__(self, units, projection_dim, cell_clip=None, proj_clip=None,
                 dropout=0.0, residual=False, **kwargs):
        super().__init__(**kwargs)
        self.residual = bool(residual)
        args = dict(units=units, projection_dim=projection_dim, cell_clip=cell_clip,
                    proj_clip=proj_clip, dropout=dropout, dtype=self.dtype_policy)
        self.forward_lstm = LSTMP(go_backwards=False, name="forward", **args)
        self.backward_lstm = LSTMP(go_backwards=True, name="backward", **args)

    def build(self, forward_input_shape, backward_input_shape=None):
        forward_shape, backward_shape = forward_input_shape, backward_input_shape
        if self.residual and forward_shape[-1] != self.forward_lstm.cell.projection_dim:
            raise TfnlpError(f"a residual LSTMP layer needs inputs as wide as its "
                             f"projection ({self.forward_lstm.cell.projection_dim}), got "
                             f"{forward_shape[-1]}")
        self.forward_lstm.build(forward_shape)
        self.backward_lstm.build(backward_shape or forward_shape)
        self.built = True

    def call(self, forward_input, backward_input, padding_mask=None, training=None):
        forward = self.forward_lstm(forward_input, padding_mask=padding_mask,
                                    training=training)
        backward = self.backward_lstm(backward_input, padding_mask=padding_mask,
                                      training=training)
        if self.residual:
            forward, backward = forward + forward_input, backward + backward_input
        if padding_mask is not None:
            m = ops.cast(padding_mask, forward.dtype)[..., None]
            forward, backward = forward * m, backward * m
        return forward, backward

    def compute_output_shape(self, forward_input_shape, backward_input_shape=None):
        shape = tuple(forward_input_shape[:-1]) + (self.forward_lstm.cell.projection_dim,)
        return shape, shape

    def get_config(self):
        config = super().get_config()
        cell = self.forward_lstm.cell
        config.update({"units": cell.units, "projection_dim": cell.projection_dim,
                       "cell_clip": cell.cell_clip, "proj_clip": cell.proj_clip,
                       "dropout": self.forward_lstm.dropout, "residual": self.residual})
        return config
