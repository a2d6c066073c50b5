"""`pretrain(init_from=...)`: continued pretraining from a run, a model dir, an export.

Through the family contract on the harness's cached tiny runs (bert, gpt2):
the adapted run starts exactly where the source ended (its held-out metric
at the start equals the source's own final one: same weights, same heads,
same held-out data), resumes without re-initialising, and every bad input
of the issue is one clear error. `--schedule=ulmfit` trains it too.
"""

import json
import os
import shutil

import pytest

from family_harness import family_run, run_config
from tfnlp.errors import TfnlpError

METRIC = {"bert": "heldout_mlm_accuracy", "gpt2": "heldout_lm_loss"}


def _adapt_config(entry, model_dir, init_from, steps=2, **changes):
    import dataclasses

    config = run_config(entry["spec"], entry["corpus"], None, model_dir, steps)
    values = {"preset": None, "model_config": None, "init_from": init_from, **changes}
    return dataclasses.replace(config, **values)


@pytest.fixture(scope="module")
def runs(harness_corpus, harness_root):
    out = {}
    for name in ("bert", "gpt2"):
        entry = dict(family_run(name, harness_corpus, harness_root), corpus=harness_corpus)
        out[name] = entry
    return out


def _pretrain(config, logs=None):
    from tfnlp.pretraining import pretrain

    return pretrain(config, log=(logs.append if logs is not None else lambda m: None))


@pytest.mark.parametrize("name", ["bert", "gpt2"])
def test_init_from_starts_where_the_source_ended_and_resumes(runs, name, tmp_path):
    entry = runs[name]
    metric = METRIC[name] if METRIC[name] in entry["result"] else next(
        k for k in entry["result"] if k.startswith("heldout_"))
    source = entry["run"] if name == "bert" else os.path.join(entry["run"], "keras")
    logs = []
    model_dir = str(tmp_path / "adapted")
    result = _pretrain(_adapt_config(entry, model_dir, source), logs)
    assert result["step"] == 2 and result["init_from"] == source
    # Same weights and head, same held-out batches: the start is the source's end.
    assert result["start_" + metric] == pytest.approx(entry["result"][metric], abs=1e-5)
    assert any("head start from the source's weights" in m for m in logs), logs
    with open(os.path.join(model_dir, "config.json")) as f:
        saved = json.load(f)
    assert saved["init_from"] == source and len(saved["init_from_sha256"]) == 64
    assert saved["family"] == name
    with open(os.path.join(model_dir, "tokenizer", os.listdir(
            os.path.join(model_dir, "tokenizer"))[0]), "rb") as a:
        first = a.read()
    assert first  # the source's tokenizer, copied
    # A resume (no --init_from: taken from config.json) continues, not re-inits.
    logs = []
    resumed = _pretrain(_adapt_config(entry, model_dir, None, steps=3), logs)
    assert resumed["resumed_from_step"] == 2 and resumed["step"] == 3
    assert resumed["start_" + metric] == result["start_" + metric]
    assert any("not re-initialised" in m for m in logs), logs
    assert not any("start from the source" in m for m in logs)


def test_a_source_without_a_head_gets_a_fresh_one_and_ulmfit_trains(runs, tmp_path):
    from tfnlp.models.model_dir import load_model_dir, save_model_dir

    entry = runs["bert"]
    native = load_model_dir(os.path.join(entry["run"], "keras"))
    bare = save_model_dir(str(tmp_path / "bare"), "bert", native.backbone,
                          native.tokenizer, source="test")
    logs = []
    with pytest.raises(TfnlpError, match="ulmfit needs --steps >= 10"):
        _pretrain(_adapt_config(entry, str(tmp_path / "a"), bare, steps=3, schedule="ulmfit"))
    result = _pretrain(_adapt_config(entry, str(tmp_path / "a"), bare, steps=10,
                                     schedule="ulmfit", learning_rate=1e-3,
                                     checkpoint_every=10, log_every=5), logs)
    assert any("head starts fresh (the source has no pretraining head)" in m
               for m in logs), logs
    assert result["step"] == 10 and result["loss"] > 0
    # A fresh head predicts masked words worse than the trained one.
    assert result["start_heldout_mlm_accuracy"] <= entry["result"]["heldout_mlm_accuracy"]
    with open(os.path.join(str(tmp_path / "a"), "config.json")) as f:
        assert json.load(f)["schedule"] == "ulmfit"

    # A resume into that run dir from another source is refused.
    with pytest.raises(TfnlpError, match="started from --init_from=.*bare.*not from"):
        _pretrain(_adapt_config(entry, str(tmp_path / "a"), entry["run"], steps=12))


def test_a_ulmfit_run_from_a_source_with_a_head_loads_it_without_optimizer_noise(
        runs, tmp_path):
    """The source's saved optimizer state (AdamW) does not fit ULMFiT's; it is dropped quietly."""
    import warnings

    entry = runs["bert"]
    logs = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _pretrain(_adapt_config(entry, str(tmp_path / "u"), entry["run"], steps=10,
                                         schedule="ulmfit", learning_rate=1e-3,
                                         checkpoint_every=10, log_every=5), logs)
    assert any("head start from the source's weights" in m for m in logs), logs
    assert result["start_heldout_mlm_accuracy"] == pytest.approx(
        entry["result"]["heldout_mlm_accuracy"], abs=1e-5)
    noise = [str(w.message) for w in caught if "optimizer" in str(w.message)]
    assert not noise, noise


def test_bad_init_from_inputs_are_one_clear_error_each(runs, tmp_path):
    import dataclasses

    bert, gpt2 = runs["bert"], runs["gpt2"]
    out = str(tmp_path / "x")
    with pytest.raises(TfnlpError, match="is a gpt2 model but --family=bert"):
        _pretrain(_adapt_config(bert, out, gpt2["run"]))
    broken = str(tmp_path / "no_tokenizer")
    shutil.copytree(os.path.join(bert["run"], "keras"), broken)
    shutil.rmtree(os.path.join(broken, "tokenizer"))
    with pytest.raises(TfnlpError, match="tokenizer assets are missing"):
        _pretrain(_adapt_config(bert, out, broken))
    with pytest.raises(TfnlpError, match="sizes contradict --init_from.*hidden_dim"):
        _pretrain(_adapt_config(bert, out, bert["run"], preset="bert_tiny"))
    vocab = str(tmp_path / "other_vocab.txt")
    with open(os.path.join(bert["run"], "tokenizer", "vocab.txt")) as f:
        words = f.read().splitlines()
    with open(vocab, "w") as f:
        f.write("\n".join(words[:-1] + ["zzzz"]) + "\n")
    with pytest.raises(TfnlpError, match="differs from the tokenizer of --init_from"):
        _pretrain(dataclasses.replace(_adapt_config(bert, out, bert["run"]), vocab=vocab))
    with pytest.raises(TfnlpError, match="TF-Hub module without its tfnlp model dir"):
        bare_module = tmp_path / "module"
        bare_module.mkdir()
        (bare_module / "saved_model.pb").write_bytes(b"")
        _pretrain(_adapt_config(bert, out, str(bare_module)))
    assert not os.path.exists(out)  # nothing written by a refused run


def test_an_exported_tf_hub_folder_is_a_source(harness_corpus, harness_root, tmp_path):
    """`tfnlp export --with_heads` output (folder or its `encoder/` module) continues exactly."""
    from tfnlp.cli.export_command import export_run
    from tfnlp.pretraining.init_source import resolve_init_source

    # Only the BERT run (not the `runs` fixture, which also builds GPT-2).
    entry = dict(family_run("bert", harness_corpus, harness_root), corpus=harness_corpus)
    hub = str(tmp_path / "hub")
    paths = export_run(entry["run"], hub, with_heads=True, seq_length=entry["spec"].seq_length)
    module = resolve_init_source(paths["encoder"])  # the module: its keras/ beside it
    assert module.family.name == "bert" and module.heads is not None
    logs = []
    result = _pretrain(_adapt_config(entry, str(tmp_path / "adapted"), hub), logs)
    assert result["init_from"] == hub and result["step"] == 2
    assert any("head start from the source's weights" in m for m in logs), logs
    # The exported weights (backbone and head) are the run's: same held-out start.
    assert result["start_heldout_mlm_accuracy"] == pytest.approx(
        entry["result"]["heldout_mlm_accuracy"], abs=1e-5)
