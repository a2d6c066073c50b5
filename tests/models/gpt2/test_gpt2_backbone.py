"""Gpt2Backbone: shapes, causality, last-token pooling, post-LN switch,
config round trip, ULMFiT groups, config errors."""

import numpy as np
import pytest
from keras import ops

from tfnlp.errors import TfnlpError
from tfnlp.models.gpt2.backbone import Gpt2Backbone
from tfnlp.models.registry import get_family


def _run(backbone, ids, mask=None):
    ids = np.asarray(ids, np.int32)
    mask = np.ones_like(ids) if mask is None else np.asarray(mask, np.int32)
    out = backbone({"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": mask})
    return {k: [ops.convert_to_numpy(t) for t in v] if isinstance(v, list)
            else ops.convert_to_numpy(v) for k, v in out.items()}


def test_outputs_causality_and_last_token_pooling(tiny_backbone):
    rng = np.random.default_rng(0)
    ids = rng.integers(0, tiny_backbone.vocabulary_size, (3, 10))
    out = _run(tiny_backbone, ids)
    assert out["sequence_output"].shape == (3, 10, 32)
    assert len(out["encoder_outputs"]) == 2
    np.testing.assert_allclose(out["encoder_outputs"][-1], out["sequence_output"])
    # Causal: changing token 6 leaves positions 0..5 unchanged, changes 6.
    changed = ids.copy()
    changed[:, 6] = (changed[:, 6] + 1) % tiny_backbone.vocabulary_size
    out2 = _run(tiny_backbone, changed)
    np.testing.assert_allclose(out2["sequence_output"][:, :6], out["sequence_output"][:, :6],
                               atol=1e-5)
    assert np.abs(out2["sequence_output"][:, 6] - out["sequence_output"][:, 6]).max() > 1e-3
    # Right padding: pooled = the last real token, real positions unchanged.
    mask = np.ones_like(ids)
    mask[0, 4:] = 0
    mask[1, 7:] = 0
    padded = _run(tiny_backbone, np.where(mask, ids, 0), mask)
    np.testing.assert_allclose(padded["pooled_output"][0], out["sequence_output"][0, 3], atol=1e-5)
    np.testing.assert_allclose(padded["pooled_output"][1], out["sequence_output"][1, 6], atol=1e-5)
    np.testing.assert_allclose(padded["pooled_output"][2], out["sequence_output"][2, 9], atol=1e-5)
    logits = ops.convert_to_numpy(tiny_backbone.lm_logits(out["sequence_output"]))
    embedding = ops.convert_to_numpy(tiny_backbone.token_embedding.embeddings)
    np.testing.assert_allclose(logits, out["sequence_output"] @ embedding.T, atol=1e-4)


def test_config_round_trip_and_groups(tiny_backbone, gpt2_tokenizer):
    family = get_family("gpt2")
    rebuilt = family.backbone_from_config(tiny_backbone.get_config())
    rebuilt.set_weights(tiny_backbone.get_weights())
    ids = np.arange(8)[None] % tiny_backbone.vocabulary_size
    np.testing.assert_allclose(_run(rebuilt, ids)["pooled_output"],
                               _run(tiny_backbone, ids)["pooled_output"], atol=1e-6)
    groups = [name for name, _ in family.layer_groups(tiny_backbone)]
    assert groups == ["embeddings", "transformer_layer_0", "transformer_layer_1", "top"]
    assert family.pooling == "last" and family.tokenizer_kind == "bpe"
    assert family.hub_interface.subobjects == ("lm",)


def test_post_ln_variant_is_a_switch():
    gpt1 = Gpt2Backbone(100, 2, 2, 16, max_sequence_length=16, normalize_first=False,
                        dropout=0.0)
    assert gpt1.layer_norm is None
    assert not any(v.path.startswith("layer_norm/") for v in gpt1.weights)
    out = _run(gpt1, np.arange(6)[None])
    # Post-LN: every block output is layer-normalised (unit variance per position).
    np.testing.assert_allclose(out["sequence_output"].std(-1), 1.0, atol=1e-2)


def test_presets_and_config_errors():
    family = get_family("gpt2")
    small = family.resolve_config("gpt2_small")
    assert (small["num_layers"], small["hidden_dim"], small["num_heads"],
            small["max_sequence_length"]) == (12, 768, 12, 1024)
    medium = family.resolve_config("gpt2_medium")
    assert (medium["num_layers"], medium["hidden_dim"], medium["num_heads"]) == (24, 1024, 16)
    with pytest.raises(TfnlpError, match="divisible by num_heads"):
        family.resolve_config("gpt2_tiny", {"num_heads": 3})
    with pytest.raises(TfnlpError, match="unknown gpt2 model setting"):
        family.resolve_config("gpt2_tiny", {"num_segments": 2})
    with pytest.raises(TfnlpError, match="gpt3"):
        family.resolve_config("gpt3")
