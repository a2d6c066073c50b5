"""Tests for BertEncoder, BertEmbeddings and the presets."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.bert.backbone import BertEncoder
from tfnlp.models.bert.presets import BERT_PRESETS, get_preset_config


def _inputs(batch=2, seq=12, vocab=100, pad_from=None):
    rng = np.random.default_rng(0)
    ids = rng.integers(5, vocab, (batch, seq)).astype("int32")
    mask = np.ones_like(ids)
    if pad_from is not None:
        mask[:, pad_from:] = 0
        ids[:, pad_from:] = 0
    segments = np.zeros_like(ids)
    segments[:, seq // 2 :] = 1
    return {"token_ids": ids, "segment_ids": segments, "padding_mask": mask}


def _tiny(**overrides):
    config = dict(vocabulary_size=100, num_layers=2, num_heads=2, hidden_dim=32)
    config.update(overrides)
    return BertEncoder(**config)


def test_output_shapes_and_dynamic_length():
    encoder = _tiny()
    for seq in (7, 19):
        out = encoder(_inputs(seq=seq))
        assert out["sequence_output"].shape == (2, seq, 32)
        assert out["pooled_output"].shape == (2, 32)
        assert len(out["encoder_outputs"]) == 2
        np.testing.assert_allclose(
            np.asarray(out["encoder_outputs"][-1]), np.asarray(out["sequence_output"])
        )


def test_pooled_output_is_tanh_dense_on_first_token():
    encoder = _tiny()
    out = encoder(_inputs())
    kernel, bias = (np.asarray(w) for w in encoder.pooler.weights)
    first = np.asarray(out["sequence_output"])[:, 0, :]
    np.testing.assert_allclose(
        np.asarray(out["pooled_output"]), np.tanh(first @ kernel + bias), atol=1e-5
    )


def test_padding_does_not_change_real_positions():
    encoder = _tiny(dropout=0.0)
    short = _inputs(seq=8)
    padded = {k: np.pad(v, ((0, 0), (0, 4))) for k, v in short.items()}
    a = np.asarray(encoder(short)["sequence_output"])
    b = np.asarray(encoder(padded)["sequence_output"])[:, :8]
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_segment_ids_matter():
    encoder = _tiny(dropout=0.0)
    inputs = _inputs()
    flipped = dict(inputs, segment_ids=1 - inputs["segment_ids"])
    a = np.asarray(encoder(inputs)["sequence_output"])
    b = np.asarray(encoder(flipped)["sequence_output"])
    assert np.abs(a - b).max() > 1e-3


def test_variable_paths_carry_the_layer_index():
    encoder = _tiny()
    paths = [v.path for v in encoder.weights]
    for i in range(2):
        assert any(p.startswith(f"transformer_layer_{i}/") for p in paths)
    assert any(p.startswith("embeddings/token_embedding") for p in paths)
    assert any(p.startswith("pooler/") for p in paths)


def test_serialization_round_trip(tmp_path):
    encoder = _tiny(dropout=0.0)
    inputs = _inputs()
    expected = np.asarray(encoder(inputs)["sequence_output"])
    path = str(tmp_path / "encoder.keras")
    encoder.save(path)
    restored = keras.saving.load_model(path)
    assert isinstance(restored, BertEncoder)
    assert restored.get_config() == encoder.get_config()
    np.testing.assert_allclose(
        np.asarray(restored(inputs)["sequence_output"]), expected, atol=1e-6
    )


@pytest.mark.parametrize("name", list(BERT_PRESETS))
def test_presets_follow_the_papers(name):
    config = get_preset_config(name)
    assert config["intermediate_dim"] == 4 * config["hidden_dim"]
    assert config["hidden_dim"] % config["num_heads"] == 0
    assert config["max_sequence_length"] == 512


def test_preset_sizes():
    sizes = {k: (v["num_layers"], v["hidden_dim"], v["num_heads"]) for k, v in BERT_PRESETS.items()}
    assert sizes["bert_tiny"] == (2, 128, 2)
    assert sizes["bert_mini"] == (4, 256, 4)
    assert sizes["bert_small"] == (4, 512, 8)
    assert sizes["bert_medium"] == (8, 512, 8)
    assert sizes["bert_base"] == (12, 768, 12)
    assert sizes["bert_large"] == (24, 1024, 16)
    tiny = BertEncoder.from_preset("bert_tiny", vocabulary_size=1000)
    # token 1000*128 + pos 512*128 + seg 2*128 + LN 256, two layers, pooler.
    per_layer = 4 * (128 * 128 + 128) + 2 * 256 + 128 * 512 + 512 + 512 * 128 + 128
    expected = 1000 * 128 + 512 * 128 + 2 * 128 + 256 + 2 * per_layer + 128 * 128 + 128
    assert tiny.count_params() == expected


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(TfnlpError, match="Unknown preset 'bert_huge'.*bert_tiny"):
        BertEncoder.from_preset("bert_huge", vocabulary_size=10)


def test_hidden_dim_must_divide_by_heads():
    with pytest.raises(TfnlpError, match=r"hidden_dim \(30\).*num_heads \(4\)"):
        _tiny(hidden_dim=30, num_heads=4)


def test_sequence_length_check():
    encoder = _tiny(max_sequence_length=64)
    encoder.check_sequence_length(64)
    with pytest.raises(TfnlpError, match="seq_length 65 .* 64 learned positions"):
        encoder.check_sequence_length(65)
