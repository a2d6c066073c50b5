"""CharCNN and Highway against plain numpy."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.layers.char_cnn import CharCNN
from tfnlp.layers.highway import Highway


def test_char_cnn_matches_numpy_conv_and_max_pool():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 262, size=(2, 3, 9)).astype("int32")
    cnn = CharCNN(262, 4, [(1, 3), (3, 5)], activation="tanh")
    out = keras.ops.convert_to_numpy(cnn(ids))
    assert out.shape == (2, 3, 8) and cnn.output_dim == 8
    table = keras.ops.convert_to_numpy(cnn.char_embedding.embeddings)
    x = table[ids]                                        # [2, 3, 9, 4]
    parts = []
    for conv, (width, _) in zip(cnn.convolutions, cnn.filters):
        kernel, bias = (keras.ops.convert_to_numpy(v) for v in conv.weights)
        windows = np.stack([x[..., t:t + width, :] for t in range(9 - width + 1)], axis=-3)
        conv_out = np.einsum("abtwc,wcf->abtf", windows, kernel) + bias
        parts.append(np.tanh(conv_out.max(axis=-2)))
    np.testing.assert_allclose(out, np.concatenate(parts, -1), atol=1e-5)
    clone = CharCNN.from_config(cnn.get_config())
    assert clone.get_config() == cnn.get_config()


def test_char_cnn_refuses_bad_filters():
    with pytest.raises(TfnlpError, match="positive"):
        CharCNN(262, 4, [(0, 3)])
    with pytest.raises(TfnlpError, match="wider"):
        CharCNN(262, 4, [(7, 3)])(np.zeros((1, 5), "int32"))


def test_highway_matches_numpy():
    x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    layer = Highway(2)
    out = keras.ops.convert_to_numpy(layer(x))
    ref = x
    for t, g in zip(layer.transforms, layer.gates):
        wt, bt = (keras.ops.convert_to_numpy(v) for v in t.weights)
        wg, bg = (keras.ops.convert_to_numpy(v) for v in g.weights)
        gate = 1 / (1 + np.exp(-(ref @ wg + bg)))
        ref = gate * np.maximum(ref @ wt + bt, 0) + (1 - gate) * ref
    np.testing.assert_allclose(out, ref, atol=1e-5)
    assert keras.ops.convert_to_numpy(layer.gates[0].bias).tolist() == [-2.0] * 6
