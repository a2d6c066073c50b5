"""ElectraBackbone: factorized embeddings, names, pooling, config, presets."""

import keras
import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.electra.backbone import ElectraBackbone
from tfnlp.models.registry import get_family

VOCAB, SEQ = 50, 12


def _inputs(batch=2, seq=SEQ, pad=3, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, VOCAB, (batch, seq)).astype("int32")
    mask = np.ones_like(ids)
    mask[:, seq - pad:] = 0
    ids[mask == 0] = 0
    return {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": mask}


@pytest.fixture(scope="module")
def backbone():
    return ElectraBackbone(VOCAB, num_layers=2, num_heads=2, hidden_dim=32, embedding_dim=16,
                           dropout=0.0)


def test_outputs_and_cls_pooling(backbone):
    out = backbone(_inputs())
    assert out["sequence_output"].shape == (2, SEQ, 32)
    assert len(out["encoder_outputs"]) == 2
    np.testing.assert_allclose(np.asarray(out["pooled_output"]),
                               np.asarray(out["sequence_output"])[:, 0], atol=0)
    np.testing.assert_allclose(np.asarray(out["encoder_outputs"][-1]),
                               np.asarray(out["sequence_output"]), atol=0)


def test_factorized_embeddings_are_named_under_embeddings(backbone):
    shapes = {v.path: tuple(v.shape) for v in backbone.weights}
    assert shapes["embeddings/token_embedding/embeddings"] == (VOCAB, 16)
    assert shapes["embeddings/embeddings_projection/kernel"] == (16, 32)
    assert all(p.split("/")[0] in ("embeddings", "transformer_layer_0", "transformer_layer_1")
               for p in shapes)
    groups = get_family("electra").layer_groups(backbone)
    assert [name for name, _ in groups] == ["embeddings", "transformer_layer_0",
                                            "transformer_layer_1"]
    assert any("embeddings_projection" in v.path for v in groups[0][1])


def test_no_projection_when_widths_match():
    b = ElectraBackbone(VOCAB, 1, 2, 32, dropout=0.0)
    assert b.embedding_dim == 32 and b.embeddings.projection is None


def test_padding_does_not_change_real_positions(backbone):
    short = _inputs(seq=SEQ, pad=3)
    longer = {k: np.concatenate([v, np.zeros((2, 4), "int32")], axis=1)
              for k, v in short.items()}
    a = np.asarray(backbone(short)["sequence_output"])[:, :SEQ - 3]
    b = np.asarray(backbone(longer)["sequence_output"])[:, :SEQ - 3]
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_get_config_round_trip(backbone):
    config = backbone.get_config()
    assert config["embedding_dim"] == 16 and config["dtype"]
    clone = ElectraBackbone.from_config(config)
    clone.set_weights(backbone.get_weights())
    x = _inputs(seed=1)
    np.testing.assert_allclose(np.asarray(clone(x)["sequence_output"]),
                               np.asarray(backbone(x)["sequence_output"]), atol=1e-6)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(backbone))
    assert isinstance(restored, ElectraBackbone) and restored.hidden_dim == 32


def test_presets_and_config_errors():
    family = get_family("electra")
    small = family.resolve_config("electra_small")
    assert (small["num_layers"], small["hidden_dim"], small["num_heads"],
            small["embedding_dim"]) == (12, 256, 4, 128)
    base = family.resolve_config("electra_base")
    assert (base["num_layers"], base["hidden_dim"], base["num_heads"]) == (12, 768, 12)
    assert family.resolve_config("electra_tiny", {"hidden_dim": 64})["intermediate_dim"] == 256
    with pytest.raises(TfnlpError, match="num_heads"):
        family.resolve_config("electra_tiny", {"num_heads": 3})
    with pytest.raises(TfnlpError, match="embedding_dim"):
        family.resolve_config("electra_tiny", {"embedding_dim": 0})
    with pytest.raises(TfnlpError, match="dropout"):
        family.resolve_config("electra_tiny", {"dropout": 1.5})
    with pytest.raises(TfnlpError, match="(?i)unknown preset"):
        family.resolve_config("electra_huge")
    with pytest.raises(TfnlpError, match="hidden_dim"):
        ElectraBackbone(VOCAB, 1, 4, 30)
    backbone = family.build_backbone(family.resolve_config("electra_tiny", {"num_layers": 1}),
                                     VOCAB)
    assert backbone.num_layers == 1 and backbone.embedding_dim == 64
