"""HF DistilBERT import: parity with transformers (DistilBertModel,
DistilBertForMaskedLM), every tensor used, other architectures refused."""

import json

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from corpus_helpers import vocab_tokens  # noqa: E402

CONFIG = dict(vocab_size=len(vocab_tokens()), dim=32, n_layers=2, n_heads=2, hidden_dim=48,
              max_position_embeddings=40, activation="gelu")


def _save(model, folder):
    model.save_pretrained(str(folder))
    (folder / "vocab.txt").write_text("\n".join(vocab_tokens()) + "\n", encoding="utf-8")
    return str(folder)


def _inputs():
    rng = np.random.default_rng(0)
    ids = rng.integers(5, CONFIG["vocab_size"], (2, 12)).astype("int32")
    mask = np.ones_like(ids)
    mask[1, 7:] = 0
    return {"token_ids": ids, "segment_ids": np.zeros_like(ids), "padding_mask": mask}


def _hf(model, x):
    with torch.no_grad():
        return model(input_ids=torch.tensor(x["token_ids"], dtype=torch.long),
                     attention_mask=torch.tensor(x["padding_mask"], dtype=torch.long))


def test_model_and_masked_lm_parity(tmp_path):
    torch.manual_seed(0)
    base = transformers.DistilBertModel(transformers.DistilBertConfig(**CONFIG)).eval()
    converter = get_family("distilbert").hf_converter
    converted = converter.load(_save(base, tmp_path / "base"))
    x = _inputs()
    real = x["padding_mask"].astype(bool)
    diff = np.abs(np.asarray(converted.backbone(x)["sequence_output"])
                  - _hf(base, x).last_hidden_state.numpy())
    assert diff[real].max() <= 1e-4
    with pytest.raises(TfnlpError, match="no MLM head"):
        converter.load(str(tmp_path / "base"), with_heads=True)

    torch.manual_seed(1)
    mlm = transformers.DistilBertForMaskedLM(transformers.DistilBertConfig(**CONFIG)).eval()
    converted = converter.load(_save(mlm, tmp_path / "mlm"), with_heads=True)
    positions = np.array([[1, 4, 7], [2, 3, 5]], "int32")
    ours = converted.pretrainer({**x, "masked_lm_positions": positions})["mlm"]
    theirs = np.take_along_axis(_hf(mlm, x).logits.numpy(), positions[:, :, None], 1)
    assert np.abs(np.asarray(ours) - theirs).max() <= 1e-4
    assert converter.objective_of(converted.pretrainer) == "mlm"


def test_other_architectures_and_left_over_tensors_are_refused(tmp_path):
    torch.manual_seed(0)
    electra = transformers.ElectraModel(transformers.ElectraConfig(
        vocab_size=CONFIG["vocab_size"], embedding_size=16, hidden_size=32,
        num_hidden_layers=1, num_attention_heads=2, intermediate_size=48))
    with pytest.raises(TfnlpError, match="not a DistilBERT checkpoint"):
        get_family("distilbert").hf_converter.load(_save(electra, tmp_path / "electra"))
    base = transformers.DistilBertModel(transformers.DistilBertConfig(**CONFIG))
    folder = tmp_path / "short"
    _save(base, folder)
    config = json.loads((folder / "config.json").read_text())
    config["n_layers"] = 1
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(TfnlpError, match="not used"):
        get_family("distilbert").hf_converter.load(str(folder))
