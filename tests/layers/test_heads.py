"""Tests for the task heads: shapes, padding masking, serialization."""

import keras
import numpy as np
import pytest

from tfnlp.layers.classification_head import ClassificationHead
from tfnlp.layers.span_head import SpanHead
from tfnlp.layers.token_classification_head import TokenClassificationHead


def _roundtrip(layer):
    return keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))


def test_classification_head_shape_and_config():
    head = ClassificationHead(num_classes=4, dropout=0.2, initializer_range=0.05)
    assert tuple(head(np.zeros((3, 16), "float32")).shape) == (3, 4)
    clone = _roundtrip(head)
    assert isinstance(clone, ClassificationHead)
    assert (clone.num_classes, clone.dropout, clone.initializer_range) == (4, 0.2, 0.05)


def test_classification_head_dropout_only_in_training():
    head = ClassificationHead(num_classes=2, dropout=0.5)
    x = np.ones((64, 16), "float32")
    inference = keras.ops.convert_to_numpy(head(x, training=False))
    np.testing.assert_allclose(inference, keras.ops.convert_to_numpy(head(x)))
    train = keras.ops.convert_to_numpy(head(x, training=True))
    assert not np.allclose(train, inference)


def test_token_classification_head_shape_and_config():
    head = TokenClassificationHead(num_classes=5)
    out = head(np.random.rand(2, 7, 16).astype("float32"))
    assert tuple(out.shape) == (2, 7, 5)
    assert _roundtrip(head).get_config() == head.get_config()


def test_span_head_pads_never_win():
    head = SpanHead()
    x = np.random.rand(2, 6, 16).astype("float32")
    head(x)  # build
    # Weights that favour the last (padded) positions strongly.
    kernel = np.zeros((16, 2), "float32")
    kernel[0] = 100.0
    head.dense.kernel.assign(kernel)
    x[:, 3:, 0] = 10.0
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0]], "int32")
    out = head(x, padding_mask=mask)
    for key in ("start_logits", "end_logits"):
        logits = keras.ops.convert_to_numpy(out[key])
        assert logits.shape == (2, 6)
        best = logits.argmax(-1)
        assert best[0] < 3 and best[1] in (3, 4)
        assert np.all(logits[mask == 0] < -1e8)
    unmasked = keras.ops.convert_to_numpy(head(x)["start_logits"])
    assert unmasked[0].argmax() >= 3  # without the mask a pad would win


def test_span_head_in_functional_model_and_config():
    seq = keras.Input((None, 8))
    mask = keras.Input((None,), dtype="int32")
    out = SpanHead(name="span")(seq, padding_mask=mask)
    model = keras.Model([seq, mask], out)
    result = model([np.ones((1, 4, 8), "float32"), np.array([[1, 1, 0, 0]], "int32")])
    assert set(result) == {"start_logits", "end_logits"}
    assert _roundtrip(SpanHead(dropout=0.1)).dropout == 0.1


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_span_head_mask_value_finite_in_half_precision(dtype):
    head = SpanHead(dtype=dtype)
    out = head(np.ones((1, 3, 4), "float32"), padding_mask=np.array([[1, 0, 0]]))
    logits = keras.ops.convert_to_numpy(keras.ops.cast(out["start_logits"], "float32"))
    assert np.all(np.isfinite(logits))
    assert logits[0, 0] > logits[0, 1]
