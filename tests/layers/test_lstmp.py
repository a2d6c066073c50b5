"""LSTMP: one step and whole sequences against a plain-numpy LSTMP."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.layers.lstmp import BiLSTMPLayer, LSTMP, LSTMPCell


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def numpy_step(cell, x, c, r):
    """bilm-tf's LSTMCell(num_proj, cell_clip, proj_clip) in numpy."""
    w, u, b, p = (keras.ops.convert_to_numpy(v) for v in
                  (cell.kernel, cell.recurrent_kernel, cell.bias, cell.projection))
    z = x @ w + r @ u + b
    i, j, f, o = np.split(z, 4, axis=-1)
    c = sigmoid(f + cell.forget_bias) * c + sigmoid(i) * np.tanh(j)
    if cell.cell_clip is not None:
        c = np.clip(c, -cell.cell_clip, cell.cell_clip)
    h = sigmoid(o) * np.tanh(c)
    r = h @ p
    if cell.proj_clip is not None:
        r = np.clip(r, -cell.proj_clip, cell.proj_clip)
    return c, r


def numpy_sequence(cell, x, lengths, backwards=False):
    out = np.zeros(x.shape[:2] + (cell.projection_dim,), np.float32)
    for row, n in enumerate(lengths):
        c = np.zeros((1, cell.units), np.float32)
        r = np.zeros((1, cell.projection_dim), np.float32)
        steps = range(n - 1, -1, -1) if backwards else range(n)
        for t in steps:
            c, r = numpy_step(cell, x[row:row + 1, t], c, r)
            out[row, t] = r[0]
    return out


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(3, 7, 5)).astype("float32") * 3.0


def test_one_step_matches_numpy_with_clipping(inputs):
    cell = LSTMPCell(12, 6, cell_clip=0.5, proj_clip=0.3)
    c0 = np.random.default_rng(1).normal(size=(3, 12)).astype("float32")
    r0 = np.random.default_rng(2).normal(size=(3, 6)).astype("float32")
    out, (c, r) = cell(inputs[:, 0], (c0, r0))
    c_ref, r_ref = numpy_step(cell, inputs[:, 0], c0, r0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c), c_ref, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), r_ref, atol=1e-5)
    # The clips bind: some values sit exactly on them.
    assert np.isclose(np.abs(c_ref), 0.5).any() and np.isclose(np.abs(r_ref), 0.3).any()


@pytest.mark.parametrize("backwards", [False, True])
def test_sequence_with_padding_matches_numpy(inputs, backwards):
    layer = LSTMP(12, 6, cell_clip=3.0, proj_clip=3.0, go_backwards=backwards)
    lengths = [7, 4, 1]
    mask = (np.arange(7)[None] < np.array(lengths)[:, None]).astype("int32")
    out = keras.ops.convert_to_numpy(layer(inputs, padding_mask=mask))
    ref = numpy_sequence(layer.cell, inputs, lengths, backwards=backwards)
    np.testing.assert_allclose(out, ref, atol=1e-5)
    assert (out[1, 4:] == 0).all()


def test_bidirectional_residual_and_config(inputs):
    x = inputs[..., :4]
    layer = BiLSTMPLayer(10, 4, cell_clip=3.0, proj_clip=3.0, residual=True)
    forward, backward = layer(x, x, padding_mask=np.ones((3, 7), "int32"))
    plain = keras.ops.convert_to_numpy(layer.forward_lstm(x))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(forward), plain + x, atol=1e-5)
    assert backward.shape == (3, 7, 4)
    clone = BiLSTMPLayer.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(TfnlpError, match="residual"):
        BiLSTMPLayer(10, 4, residual=True)(inputs, inputs)
