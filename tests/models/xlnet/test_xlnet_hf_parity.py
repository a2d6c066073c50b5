"""The HF converter: parity with transformers' XLNet (random init, save_pretrained)."""

import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tfnlp.errors import TfnlpError

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

TEXTS_A = ["an entity that has physical existence", "a thing", "the world"]
TEXTS_B = ["a general concept", "an act", "in 1990, again"]


@pytest.fixture(scope="module")
def hf_folder(tmp_path_factory, xlnet_spiece, xlnet_tokenizer):
    folder = tmp_path_factory.mktemp("hf_xlnet")
    torch.manual_seed(0)
    config = transformers.XLNetConfig(d_model=64, n_layer=2, n_head=2, d_inner=128,
                                      vocab_size=xlnet_tokenizer.vocab_size, mem_len=6)
    model = transformers.XLNetLMHeadModel(config).eval()
    # Non-trivial biases and LayerNorms (HF initialises some to 0 / 1).
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith(("bias", "layer_norm.weight")):
                param.add_(0.1 * torch.randn_like(param))
    model.save_pretrained(str(folder))
    shutil.copy(xlnet_spiece, folder / "spiece.model")
    return str(folder), model


@pytest.fixture(scope="module")
def converted(hf_folder):
    from tfnlp.models.xlnet.hf_converter import CONVERTER

    return CONVERTER.load(hf_folder[0], with_heads=True, seq_length=16)


@pytest.fixture(scope="module")
def batch(xlnet_tokenizer):
    a = xlnet_tokenizer.tokenize(tf.constant(TEXTS_A))
    b = xlnet_tokenizer.tokenize(tf.constant(TEXTS_B))
    packed = xlnet_tokenizer.pack([a, b], seq_length=16)
    packed = {k: v.numpy() for k, v in packed.items()}
    assert (packed["padding_mask"] == 0).any()  # left padding is exercised
    rng = np.random.default_rng(0)
    batch_size, length = packed["token_ids"].shape
    perm = np.zeros((batch_size, length, length), np.float32)
    for row in range(batch_size):
        order = rng.permutation(length)
        rank = np.argsort(order)
        perm[row] = (rank[None, :] >= rank[:, None]).astype(np.float32)
    mapping = np.zeros((batch_size, 3, length), np.float32)
    for row in range(batch_size):
        for slot, position in enumerate(rng.choice(np.arange(length - 8, length - 1), 3, False)):
            mapping[row, slot, position] = 1.0
    return packed, perm, mapping


def hf_inputs(packed, **extra):
    out = {"input_ids": torch.tensor(packed["token_ids"], dtype=torch.long),
           "token_type_ids": torch.tensor(packed["segment_ids"], dtype=torch.long),
           "attention_mask": torch.tensor(packed["padding_mask"], dtype=torch.float32)}
    out.update({k: torch.tensor(v) for k, v in extra.items()})
    return out


def test_plain_outputs_match(hf_folder, converted, batch):
    packed, _, _ = batch
    model = hf_folder[1]
    with torch.no_grad():
        expected = model.transformer(**hf_inputs(packed), output_hidden_states=True)
    ours = converted.backbone(packed)
    diff = np.abs(ours["sequence_output"].numpy() - expected.last_hidden_state.numpy()).max()
    print(f"plain sequence_output max abs diff {diff:.2e}")
    assert diff <= 1e-4, diff
    for i, layer in enumerate(ours["encoder_outputs"]):
        assert np.abs(layer.numpy() - expected.hidden_states[i + 1].numpy()).max() <= 1e-4
    with torch.no_grad():
        logits = model(**hf_inputs(packed)).logits.numpy()
    ours_logits = converted.pretrainer.lm_head(ours["sequence_output"]).numpy()
    print(f"plain LM logits max abs diff {np.abs(ours_logits - logits).max():.2e}")
    assert np.abs(ours_logits - logits).max() <= 1e-4


def test_two_stream_logits_match(hf_folder, converted, batch):
    packed, perm, mapping = batch
    with torch.no_grad():
        expected = hf_folder[1](**hf_inputs(packed, perm_mask=perm,
                                             target_mapping=mapping)).logits.numpy()
    ours = converted.pretrainer(dict(packed, perm_mask=perm, target_mapping=mapping))
    diff = np.abs(ours["plm"].numpy() - expected).max()
    print(f"two-stream logits max abs diff {diff:.2e}")
    assert expected.shape == (3, 3, converted.tokenizer.vocab_size)
    assert diff <= 1e-4, diff
    # The query stream really depends on the mask: a different order changes it.
    other = converted.pretrainer(dict(packed, perm_mask=np.transpose(perm, (0, 2, 1)),
                                      target_mapping=mapping))["plm"].numpy()
    assert np.abs(other - expected).max() > 1e-3


def test_perm_mask_without_target_mapping_matches(hf_folder, converted, batch):
    packed, perm, _ = batch
    with torch.no_grad():
        expected = hf_folder[1].transformer(**hf_inputs(packed, perm_mask=perm))
    ours = converted.backbone.two_stream(dict(packed, perm_mask=perm))
    diff = np.abs(ours["sequence_output"].numpy() - expected.last_hidden_state.numpy()).max()
    print(f"perm_mask-only max abs diff {diff:.2e}")
    assert diff <= 1e-4, diff
    assert "query_output" not in ours


def test_memory_matches(hf_folder, converted, batch):
    packed, _, _ = batch
    model = hf_folder[1]
    first = {k: v[:, :8] for k, v in packed.items()}
    second = {k: np.ones_like(v[:, 8:]) if k == "padding_mask" else v[:, 8:]
              for k, v in packed.items()}
    with torch.no_grad():
        out1 = model.transformer(**hf_inputs(first), use_mems=True)
        out2 = model.transformer(**hf_inputs(second), mems=out1.mems, use_mems=True)
    assert converted.backbone.mem_len == 6
    ours1 = converted.backbone.two_stream(first)
    ours2 = converted.backbone.two_stream(second, mems=ours1["mems"])
    for a, b in zip(ours1["mems"], out1.mems):
        np.testing.assert_allclose(a.numpy(), np.transpose(b.numpy(), (1, 0, 2)), atol=1e-4)
    diff = np.abs(ours2["sequence_output"].numpy() - out2.last_hidden_state.numpy()).max()
    print(f"with memory max abs diff {diff:.2e}")
    assert diff <= 1e-4, diff


def test_xlnet_model_folder_and_bad_folders(hf_folder, tmp_path, xlnet_spiece):
    from tfnlp.models.xlnet.hf_converter import CONVERTER

    base = tmp_path / "base"
    hf_folder[1].transformer.save_pretrained(str(base))
    shutil.copy(xlnet_spiece, base / "spiece.model")
    converted = CONVERTER.load(str(base))
    assert converted.pretrainer is None and converted.backbone.num_layers == 2
    with pytest.raises(TfnlpError, match="no LM head"):
        CONVERTER.load(str(base), with_heads=True)
    bert = tmp_path / "bert"
    transformers.BertModel(transformers.BertConfig(
        vocab_size=50, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64)).save_pretrained(str(bert))
    shutil.copy(xlnet_spiece, bert / "spiece.model")
    with pytest.raises(TfnlpError, match="is not an XLNet"):
        CONVERTER.load(str(bert))
    uni = tmp_path / "uni"
    shutil.copytree(base, uni)
    config = json.loads((uni / "config.json").read_text())
    config["attn_type"] = "uni"
    (uni / "config.json").write_text(json.dumps(config))
    with pytest.raises(TfnlpError, match="attn_type"):
        CONVERTER.load(str(uni))
    extra = tmp_path / "extra"
    shutil.copytree(base, extra)
    import safetensors.numpy

    tensors = safetensors.numpy.load_file(str(extra / "model.safetensors"))
    tensors["logits_proj.weight"] = np.zeros((2, 64), np.float32)
    safetensors.numpy.save_file(tensors, str(extra / "model.safetensors"))
    with pytest.raises(TfnlpError, match="not used"):
        CONVERTER.load(str(extra))
    assert os.path.isfile(base / "spiece.model")
