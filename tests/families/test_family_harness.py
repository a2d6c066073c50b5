"""The shared family harness: every registered family passes the same checks.

For each family (with the tiny model of `family_specs.py`): config round
trip and a clear error for a bad field; native model dir save/reload;
pretrain, stop, resume at the same step with the same losses and weights;
export its hub modules and consume them in one fresh process (plain
`tf.saved_model.load`, tf_keras `hub.KerasLayer`, Keras 3 `HubLayer`, one
fine-tuning step that moves every variable with a gradient); fine-tune a
classifier through the task runner; HF parity where it has a converter.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from family_harness import HERE, REPO, family_run, run_config
from family_specs import SPECS
from tfnlp.errors import TfnlpError
from tfnlp.models.registry import family_names, get_family
from tfnlp.objectives import get_objective

FAMILIES = [name for name in family_names() if name in SPECS]
BERT_INTERFACE = [n for n in FAMILIES if get_family(n).hub_interface.kind == "bert_encoder"]
# Modules called on strings: kind -> the output key holding the features.
STRING_KINDS = {"elmo": "default", "text_embedding": None}
STRING_MODULES = [n for n in FAMILIES if get_family(n).hub_interface.kind in STRING_KINDS]
TEXTS = ["the dog ran", "a cat sat on a mat", "trees grew tall", "rain fell"]


def test_every_registered_family_has_a_harness_spec():
    assert sorted(set(family_names()) - set(SPECS)) == []
    assert "bert" in FAMILIES


def _packed(tokenizer, seq_length, texts=("a small dog barked at the cat.",
                                          "the tree grew in the garden")):
    import tensorflow as tf

    return tokenizer.pack([tokenizer.tokenize(tf.constant(list(texts)))], seq_length)


@pytest.mark.parametrize("name", FAMILIES)
def test_config_round_trip_and_bad_field(name):
    import keras

    family, spec = get_family(name), SPECS[name]
    config = family.resolve_config(spec.preset, spec.model_config)
    backbone = family.build_backbone(config, 97)
    again = family.backbone_from_config(backbone.get_config())
    assert again.get_config() == backbone.get_config()
    clone = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(backbone))
    assert clone.get_config() == backbone.get_config()
    with pytest.raises(TfnlpError, match="no_such_setting"):
        family.resolve_config(spec.preset, {"no_such_setting": 1})
    with pytest.raises(TfnlpError, match="Unknown preset 'no_such_preset'"):
        family.resolve_config("no_such_preset")
    groups = family.layer_groups(backbone)
    grouped = [v.path for _, variables in groups for v in variables]
    assert len(groups) >= 1 and sorted(grouped) == sorted(
        v.path for v in backbone.weights)


@pytest.mark.parametrize("name", FAMILIES)
def test_model_dir_round_trip(name, harness_corpus, harness_root, tmp_path):
    from tfnlp.models.model_dir import load_model_dir
    from tfnlp.pretraining.builder import load_run

    entry = family_run(name, harness_corpus, harness_root)
    run = load_run(entry["run"])
    reloaded = load_model_dir(os.path.join(entry["run"], "keras"))
    assert reloaded.family.name == name
    inputs = _packed(run.tokenizer, entry["spec"].seq_length)
    assert reloaded.tokenizer.vocab_size == run.tokenizer.vocab_size
    np.testing.assert_allclose(
        reloaded.backbone(inputs)["sequence_output"],
        run.backbone(inputs)["sequence_output"], atol=1e-5)
    pretrainer = reloaded.build_pretrainer()
    assert pretrainer is not None


@pytest.mark.slow
@pytest.mark.parametrize("name", FAMILIES)
def test_pretrain_stop_and_resume_is_exact(name, harness_corpus, harness_root, tmp_path):
    from tfnlp.pretraining import pretrain
    from tfnlp.pretraining.builder import load_run

    entry = family_run(name, harness_corpus, harness_root)
    result = entry["result"]
    assert result["step"] == 4 and result["family"] == name
    for key in get_objective(entry["spec"].objective).metric_names:
        assert np.isfinite(result[key]), key
    # A run killed right after its step-2 checkpoint (the progress log
    # raises there), then resumed to step 4.
    run = str(tmp_path / "resumed")

    class Killed(Exception):
        pass

    def kill_after_step_2(message):
        if message.startswith("step 2: saved checkpoint"):
            raise Killed(message)

    with pytest.raises(Killed):
        pretrain(run_config(entry["spec"], harness_corpus, entry["tokenizer_path"], run,
                            steps=4), log=kill_after_step_2)
    again = pretrain(run_config(entry["spec"], harness_corpus, entry["tokenizer_path"],
                                run, steps=4), log=lambda m: None)
    assert (again["resumed_from_step"], again["step"]) == (2, 4)
    for key in ("loss",) + tuple(k for k in result if k.startswith("heldout_")):
        assert again[key] == pytest.approx(result[key], rel=1e-5, abs=1e-6), key
    a, b = load_run(entry["run"]).backbone, load_run(run).backbone
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-6, err_msg=x.path)
    # A resume with another model is refused, and names the difference.
    other = run_config(entry["spec"], harness_corpus, entry["tokenizer_path"], run, 6)
    other.seed = 3
    other.model_config = json.dumps(dict(entry["spec"].model_config, num_layers=1))
    with pytest.raises(TfnlpError, match="num_layers"):
        pretrain(other, log=lambda m: None)


@pytest.fixture(scope="module")
def exports(harness_corpus, harness_root):
    """Exports every BERT-interface family once; runs the consumer process once."""
    import tensorflow as tf

    from tfnlp.hub.export import build_modules, export_modules
    from tfnlp.hub.interface import to_hub_inputs
    from tfnlp.pretraining.builder import load_run

    cases, paths = [], {}
    for name in BERT_INTERFACE:
        entry = family_run(name, harness_corpus, harness_root)
        run = load_run(entry["run"], seq_length=entry["spec"].seq_length)
        out = os.path.join(entry["root"], "hub")
        written = export_modules(run.family, run.backbone, run.tokenizer, out,
                                 heads=run.family.export_heads(run.pretrainer),
                                 seq_length=entry["spec"].seq_length)
        inputs = _packed(run.tokenizer, entry["spec"].seq_length,
                         texts=("the dog ran", "a cat sat on a mat", "trees", "rain fell"))
        expected = {k: v.numpy() for k, v in to_hub_inputs(inputs).items()}
        expected["sequence_output"] = run.backbone(inputs)["sequence_output"].numpy()
        npz = os.path.join(entry["root"], "expected.npz")
        np.savez(npz, **expected)
        cases.append({"family": name, "encoder": written["encoder"],
                      "preprocess": written.get("preprocess"), "expected": npz,
                      "generate": written.get("generate")})
        paths[name] = written
    for name in STRING_MODULES:
        entry = family_run(name, harness_corpus, harness_root)
        run = load_run(entry["run"], seq_length=entry["spec"].seq_length)
        interface = run.family.hub_interface
        out = os.path.join(entry["root"], "hub")
        written = export_modules(run.family, run.backbone, run.tokenizer, out,
                                 seq_length=entry["spec"].seq_length)
        module_name = interface.modules[0]
        built = build_modules(run.family, run.backbone, run.tokenizer,
                              seq_length=entry["spec"].seq_length)[module_name]
        key = STRING_KINDS[interface.kind]
        expected = built.__call__(tf.constant(TEXTS))  # (an unsaved module: not callable)
        expected = expected[key] if key else expected
        npz = os.path.join(entry["root"], "expected.npz")
        np.savez(npz, out=expected.numpy())
        cases.append({"family": name, "kind": "strings", "module": written[module_name],
                      "output_key": key, "texts": TEXTS, "expected": npz})
        paths[name] = written
    cases_file = os.path.join(harness_root, "cases.json")
    with open(cases_file, "w", encoding="utf-8") as f:
        json.dump(cases, f)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow",
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "scripts", "consume_exports.py"), cases_file],
        capture_output=True, text=True, timeout=600, env=env, cwd=REPO)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-6000:]
    return paths, json.loads(lines[-1][len("RESULT "):])


@pytest.mark.slow
@pytest.mark.parametrize("name", BERT_INTERFACE + STRING_MODULES)
def test_export_reloads_in_a_fresh_process_and_fine_tunes(name, exports):
    paths, results = exports
    got = results[name]
    assert got["max_diff"] < 1e-5
    if name in BERT_INTERFACE:
        assert got["preprocess_family"] == name and got["preprocess_shape"][0] == 2
    for world in ("tf_keras", "keras3"):
        report = got[world]
        assert report["n_trainable"] > 0, world
        assert report["n_with_gradient"] >= 0.8 * report["n_trainable"], (world, report)
        assert report["stuck"] == [], (world, report["stuck"])
    if "generate" in paths[name]:  # a text-generation serving module (GPT-2's)
        generate = got["generate"]
        for signature in ("generate", "sample", "serve_ids"):
            assert f"signature_def['{signature}']" in generate["shown"], signature
        for argument in ("prompt", "max_new_tokens", "sampler", "temperature", "top_k",
                         "top_p", "seed"):
            assert f"['{argument}'] tensor_info" in generate["shown"], argument
        assert len(generate["greedy"]) == 3
        assert generate["top_k_1_is_greedy"] and generate["seeded_repeats"]
        assert generate["bad_top_p_error"]


@pytest.mark.slow
@pytest.mark.parametrize("name", FAMILIES)
def test_finetune_classification_through_the_runner(name, harness_corpus, harness_root,
                                                    tmp_path):
    from tfnlp.tasks.runner import FinetuneConfig, finetune

    entry = family_run(name, harness_corpus, harness_root)
    rows = [("a small dog barked at the cat", "animal"), ("the horse ran in the field", "animal"),
            ("a bird sang in the tree", "animal"), ("the cow ate the grass", "animal"),
            ("bread with butter and jam", "food"), ("a bowl of hot soup", "food"),
            ("fresh apples and pears", "food"), ("rice cooked with beans", "food")]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": l}) + "\n" for t, l in rows))
    out = str(tmp_path / "out")
    metrics = finetune(FinetuneConfig(
        encoder=os.path.join(entry["run"], "keras"), task="classification",
        train=str(path), eval=str(path), output=out, epochs=2, batch_size=4,
        seq_length=entry["spec"].seq_length, learning_rate=1e-3, verbose=False))
    assert 0.0 <= metrics["accuracy"] <= 1.0
    with open(os.path.join(out, "task.json"), encoding="utf-8") as f:
        assert json.load(f)["family"] == name
    assert os.path.isfile(os.path.join(out, "serving", "saved_model.pb"))


HF_FAMILIES = [n for n in FAMILIES if SPECS[n].hf_model is not None]


@pytest.mark.parametrize("name", HF_FAMILIES)
def test_hf_parity(name, harness_corpus, harness_root, tmp_path):
    entry = family_run(name, harness_corpus, harness_root)
    family, spec = entry["family"], entry["spec"]
    tokenizer = family.load_tokenizer(entry["tokenizer_path"], lower_case=spec.lower_case)
    config = family.resolve_config(spec.preset, spec.model_config)
    reference = spec.hf_model(tokenizer, config, str(tmp_path))
    converted = family.hf_converter.load(str(tmp_path))
    inputs = _packed(converted.tokenizer, spec.seq_length)
    ids, mask = inputs["token_ids"].numpy(), inputs["padding_mask"].numpy()
    ours = converted.backbone(inputs)["sequence_output"].numpy()
    theirs = reference(ids, mask)
    real = mask.astype(bool)
    assert np.max(np.abs(ours[real] - theirs[real])) < 1e-4
