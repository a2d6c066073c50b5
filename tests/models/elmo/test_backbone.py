"""ElmoBackbone: outputs, masking, directions, config, family contract."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.models.elmo.backbone import ElmoBackbone
from tfnlp.models.registry import get_family


@pytest.fixture(scope="module")
def backbone():
    return get_family("elmo").build_backbone(
        get_family("elmo").resolve_config("elmo_tiny", {"dropout": 0.0}))


def encode(backbone, tokenizer, texts):
    packed = tokenizer(tf.constant(texts))
    out = backbone({"char_ids": packed["char_ids"], "padding_mask": packed["padding_mask"]})
    return packed, {k: (keras.ops.convert_to_numpy(v) if not isinstance(v, list)
                        else [keras.ops.convert_to_numpy(t) for t in v])
                    for k, v in out.items()}


def test_outputs_layers_and_mean_pooling(backbone, tokenizer):
    packed, out = encode(backbone, tokenizer, ["The cat sat.", "A dog ran in the park."])
    assert out["sequence_output"].shape == (2, 16, 64)
    assert len(out["encoder_outputs"]) == 3 and out["word_emb"].shape == (2, 16, 32)
    layer0 = out["encoder_outputs"][0]
    np.testing.assert_array_equal(layer0[..., :32], out["word_emb"])
    np.testing.assert_array_equal(layer0[..., 32:], out["word_emb"])
    np.testing.assert_array_equal(out["encoder_outputs"][2], out["sequence_output"])
    np.testing.assert_array_equal(out["lstm_outputs1"], out["encoder_outputs"][1])
    mask = packed["padding_mask"].numpy()
    assert (out["sequence_output"][mask == 0] == 0).all()
    expected = out["sequence_output"][0, :mask[0].sum()].mean(axis=0)
    np.testing.assert_allclose(out["pooled_output"][0], expected, atol=1e-5)


def test_padding_and_batch_mates_do_not_change_outputs(backbone, tokenizer):
    _, alone = encode(backbone, tokenizer, ["The cat sat."])
    _, batched = encode(backbone, tokenizer, ["The cat sat.", "Cats like fish and dogs like meat."])
    n = 6   # <S> The cat sat . </S>
    np.testing.assert_allclose(batched["sequence_output"][0, :n], alone["sequence_output"][0, :n],
                               atol=1e-5)


def test_forward_reads_the_past_backward_the_future(backbone, tokenizer):
    _, a = encode(backbone, tokenizer, ["The cat sat on the mat."])
    _, b = encode(backbone, tokenizer, ["The cat sat on the dog."])
    fwd_a, fwd_b = a["sequence_output"][0, :, :32], b["sequence_output"][0, :, :32]
    bwd_a, bwd_b = a["sequence_output"][0, :, 32:], b["sequence_output"][0, :, 32:]
    changed = 6                                       # "mat" / "dog"
    np.testing.assert_allclose(fwd_a[:changed], fwd_b[:changed], atol=1e-6)
    assert np.abs(fwd_a[changed:8] - fwd_b[changed:8]).max() > 1e-4
    np.testing.assert_allclose(bwd_a[changed + 1:], bwd_b[changed + 1:], atol=1e-6)
    assert np.abs(bwd_a[:changed + 1] - bwd_b[:changed + 1]).max() > 1e-4


def test_config_round_trip_and_variable_groups(backbone, tokenizer):
    clone = ElmoBackbone.from_config(backbone.get_config())
    clone.set_weights(backbone.get_weights())
    _, a = encode(backbone, tokenizer, ["A bird."])
    _, b = encode(clone, tokenizer, ["A bird."])
    np.testing.assert_allclose(a["sequence_output"], b["sequence_output"], atol=1e-6)
    groups = get_family("elmo").layer_groups(backbone)
    assert [name for name, _ in groups] == ["embeddings", "lstm_layer_0", "lstm_layer_1"]
    assert sum(len(v) for _, v in groups) == len(backbone.weights)
    assert all("/backward/" in v.path or "/forward/" in v.path for v in groups[1][1])


def test_presets_and_bad_configs():
    family = get_family("elmo")
    original = family.resolve_config("elmo_original")
    assert (original["lstm_dim"], original["projection_dim"]) == (4096, 512)
    assert sum(c for _, c in original["filters"]) == 2048
    small = family.resolve_config("elmo_small")
    assert (small["lstm_dim"], small["projection_dim"]) == (1024, 128)
    with pytest.raises(TfnlpError, match="wider than max_chars_per_word"):
        family.resolve_config("elmo_tiny", {"max_chars_per_word": 3})
    with pytest.raises(TfnlpError, match="unknown elmo model setting"):
        family.resolve_config("elmo_tiny", {"hidden_size": 3})
    with pytest.raises(TfnlpError, match="lstm_dim"):
        family.resolve_config("elmo_tiny", {"lstm_dim": 0})
    with pytest.raises(TfnlpError, match="(?i)unknown preset .elmo_huge"):
        family.resolve_config("elmo_huge")


def test_feature_mix_trains_only_the_mix_and_checks_layers(backbone, tokenizer):
    from tfnlp.models.elmo.features import ElmoFeatures

    clone = ElmoBackbone.from_config(backbone.get_config())
    features = ElmoFeatures(clone, layers=[0, 2])
    packed = tokenizer(tf.constant(["The cat sat."]))
    inputs = {"char_ids": packed["char_ids"], "padding_mask": packed["padding_mask"]}
    out = keras.ops.convert_to_numpy(features(inputs))
    enc = clone(inputs)["encoder_outputs"]
    expected = 0.5 * (keras.ops.convert_to_numpy(enc[0]) + keras.ops.convert_to_numpy(enc[2]))
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert sorted(v.path for v in features.trainable_weights) == [
        "scalar_mix/gamma", "scalar_mix/scalar_weights"]
    with pytest.raises(TfnlpError, match="cannot mix ELMo layers \\[0, 3\\]"):
        ElmoFeatures(clone, layers=[0, 3])
