"""PretrainConfig: defaults, validation errors, resume compatibility, JSON round trip."""

import json

import pytest

from tfnlp.errors import TfnlpError
from tfnlp.pretraining.run_config import PretrainConfig, default_learning_rate

def _config(**kw):
    values = dict(model_dir="run", vocab="vocab.txt", input="corpus.txt", steps=100)
    values.update(kw)
    return PretrainConfig(**values)

def test_defaults_follow_bert():
    config = _config(seq_length=128)
    assert config.resolved_max_predictions() == 20  # BERT's value at 128
    assert config.resolved_warmup_steps() == 10
    # tiny widths keep 1e-3 (3e-3 collapsed in benchmarks/short_run_defaults.py);
    # wider models take BERT-like rates.
    assert config.resolved_learning_rate() == default_learning_rate(128, "mlm_nsp") == 1e-3
    assert _config(objective="mlm").resolved_learning_rate() == 1e-3
    assert default_learning_rate(128, "plm") == default_learning_rate(256, "mlm") == 1e-3
    assert default_learning_rate(512, "mlm") == 5e-4
    assert default_learning_rate(768) == 1e-4
    assert config.architecture()["num_layers"] == 2  # bert_tiny

def test_custom_preset_and_overrides():
    arch = _config(preset="custom", num_layers=1, hidden_dim=32, num_heads=4).architecture()
    assert (arch["num_layers"], arch["hidden_dim"], arch["num_heads"],
            arch["intermediate_dim"]) == (1, 32, 4, 128)
    arch = _config(preset="bert_mini", num_layers=1).architecture()
    assert (arch["num_layers"], arch["hidden_dim"], arch["intermediate_dim"]) == (1, 256, 1024)

@pytest.mark.parametrize("kw, needle", [
    (dict(seq_length=600), "seq_length=600 is longer than the model's 512 positions"),
    (dict(preset="bert_huge"), "Unknown preset 'bert_huge'"),
    (dict(preset="custom", hidden_dim=32), "--num_layers, --num_heads"),
    (dict(hidden_dim=30, num_heads=4), "divisible by num_heads"),
    (dict(objective="clm"), "unknown objective 'clm'"),
    (dict(optimizer="sgd"), "unknown optimizer 'sgd'"),
    (dict(steps=0), "steps must be a positive integer"),
    (dict(warmup_steps=500), "warmup_steps=500"),
    (dict(seq_length=32, max_predictions_per_seq=40), "max_predictions_per_seq=40"),
])
def test_validate_rejects_bad_settings(kw, needle):
    with pytest.raises(TfnlpError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        _config(**kw).validate()

def test_resume_allows_run_settings_but_not_model_settings():
    saved = _config(tokenizer_sha256="abc")
    changes = _config(tokenizer_sha256="abc", steps=200, learning_rate=5e-4).check_resumable(saved)
    assert "steps: 100 -> 200" in changes and len(changes) == 2
    with pytest.raises(TfnlpError, match="preset: saved 'bert_tiny', now 'bert_mini'"):
        _config(tokenizer_sha256="abc", preset="bert_mini").check_resumable(saved)
    with pytest.raises(TfnlpError, match="different vocab"):
        _config(tokenizer_sha256="xyz").check_resumable(saved)
    with pytest.raises(TfnlpError, match="objective"):
        _config(tokenizer_sha256="abc", objective="mlm").check_resumable(saved)
    # A different dropout rate keeps the same variables: allowed.
    assert _config(tokenizer_sha256="abc", dropout=0.0).check_resumable(saved)

def test_save_load_round_trip(tmp_path):
    config = _config(model_dir=str(tmp_path), whole_word_masking=True)
    config.save()
    assert PretrainConfig.load(str(tmp_path)) == config
    data = json.loads((tmp_path / "config.json").read_text())
    data["bogus"] = 1
    (tmp_path / "config.json").write_text(json.dumps(data))
    with pytest.raises(TfnlpError, match="unknown settings"):
        PretrainConfig.load(str(tmp_path))
    with pytest.raises(TfnlpError, match="no config.json"):
        PretrainConfig.load(str(tmp_path / "missing"))
