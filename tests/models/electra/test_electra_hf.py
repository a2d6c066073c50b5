"""HF ELECTRA import: parity with transformers (ElectraModel, ElectraForPreTraining,
ElectraForMaskedLM, embedding_size != hidden_size), every tensor used, other
architectures refused."""

import json

import numpy as np
import pytest

from tfnlp.errors import TfnlpError
from tfnlp.models.registry import get_family

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from corpus_helpers import vocab_tokens  # noqa: E402

CONFIG = dict(vocab_size=len(vocab_tokens()), embedding_size=16, hidden_size=32,
              num_hidden_layers=2, num_attention_heads=2, intermediate_size=48,
              max_position_embeddings=40, hidden_act="gelu")


def _save(model, folder):
    model.save_pretrained(str(folder))
    (folder / "vocab.txt").write_text("\n".join(vocab_tokens()) + "\n", encoding="utf-8")
    return str(folder)


def _inputs(seed=0, batch=2, seq=12):
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, CONFIG["vocab_size"], (batch, seq)).astype("int32")
    mask = np.ones_like(ids)
    mask[1, 8:] = 0
    types = np.zeros_like(ids)
    types[:, 6:] = 1
    return {"token_ids": ids, "segment_ids": types * mask, "padding_mask": mask}


def _hf(model, x):
    with torch.no_grad():
        return model(input_ids=torch.tensor(x["token_ids"], dtype=torch.long),
                     attention_mask=torch.tensor(x["padding_mask"], dtype=torch.long),
                     token_type_ids=torch.tensor(x["segment_ids"], dtype=torch.long))


def _built(cls, seed=0):
    torch.manual_seed(seed)
    return cls(transformers.ElectraConfig(**CONFIG)).eval()


def test_discriminator_parity(tmp_path):
    hf = _built(transformers.ElectraForPreTraining)
    folder = _save(hf, tmp_path / "disc")
    converted = get_family("electra").hf_converter.load(folder, with_heads=True)
    assert converted.backbone.embedding_dim == 16 and converted.backbone.hidden_dim == 32
    x = _inputs()
    with torch.no_grad():
        theirs = hf(input_ids=torch.tensor(x["token_ids"], dtype=torch.long),
                    attention_mask=torch.tensor(x["padding_mask"], dtype=torch.long),
                    token_type_ids=torch.tensor(x["segment_ids"], dtype=torch.long),
                    output_hidden_states=True)
    ours = converted.backbone(x)
    real = x["padding_mask"].astype(bool)
    diff = np.abs(np.asarray(ours["sequence_output"]) - theirs.hidden_states[-1].numpy())
    assert diff[real].max() <= 1e-4
    logits = np.asarray(converted.pretrainer.rtd_logits(x))
    assert np.abs(logits - theirs.logits.numpy())[real].max() <= 1e-4
    assert get_family("electra").hf_converter.objective_of(converted.pretrainer) == "rtd"


def test_base_model_and_generator_parity(tmp_path):
    base = _built(transformers.ElectraModel, seed=1)
    converted = get_family("electra").hf_converter.load(_save(base, tmp_path / "base"))
    x = _inputs(seed=2)
    real = x["padding_mask"].astype(bool)
    diff = np.abs(np.asarray(converted.backbone(x)["sequence_output"])
                  - _hf(base, x).last_hidden_state.numpy())
    assert diff[real].max() <= 1e-4
    with pytest.raises(TfnlpError, match="no head"):
        get_family("electra").hf_converter.load(str(tmp_path / "base"), with_heads=True)

    generator = _built(transformers.ElectraForMaskedLM, seed=3)
    converted = get_family("electra").hf_converter.load(_save(generator, tmp_path / "gen"),
                                                        with_heads=True)
    positions = np.array([[1, 4, 7], [2, 3, 5]], "int32")
    ours = converted.pretrainer({**x, "masked_lm_positions": positions})["mlm"]
    theirs = np.take_along_axis(_hf(generator, x).logits.numpy(), positions[:, :, None], 1)
    assert np.abs(np.asarray(ours) - theirs).max() <= 1e-4


def test_other_architectures_and_extra_tensors_are_refused(tmp_path):
    bert = transformers.BertModel(transformers.BertConfig(
        vocab_size=CONFIG["vocab_size"], hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=48))
    folder = _save(bert, tmp_path / "bert")
    with pytest.raises(TfnlpError, match="not an ELECTRA checkpoint"):
        get_family("electra").hf_converter.load(folder)
    hf = _built(transformers.ElectraModel)
    folder = tmp_path / "deep"
    _save(hf, folder)
    config = json.loads((folder / "config.json").read_text())
    config["num_hidden_layers"] = 1   # the checkpoint holds 2: one is left over
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(TfnlpError, match="not used"):
        get_family("electra").hf_converter.load(str(folder))
