"""The electra_tiny_wordnet hub recipe: its config is a valid ELECTRA run and
build.sh reads only settings its config.json has."""

import json
import os
import re

from tfnlp.models.registry import get_family
from tfnlp.pretraining import PretrainConfig

RECIPE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "hub_modules",
                      "electra_tiny_wordnet")


def _recipe():
    with open(os.path.join(RECIPE, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    with open(os.path.join(RECIPE, "build.sh"), encoding="utf-8") as f:
        script = f.read()
    return config, script


def test_recipe_config_is_a_valid_electra_run(tmp_path):
    config, _ = _recipe()
    pretrain = config["pretrain"]
    run = PretrainConfig(
        model_dir=str(tmp_path / "model"), vocab="vocab.txt", input=config["corpus"],
        family=pretrain["family"], preset=pretrain["preset"],
        objective=pretrain["objective"],
        objective_options=json.dumps(pretrain["objective_options"]),
        seq_length=pretrain["seq_length"], batch_size=pretrain["batch_size"],
        steps=pretrain["steps"]).validate()
    assert run.family == "electra" and run.resolved_objective() == "rtd"
    family = get_family("electra")
    assert family.hub_interface.subobjects == ("rtd",) and config["export"]["with_heads"]
    assert family.tokenizer_kind == config["vocab"]["kind"]
    assert pretrain["objective_options"]["generator_hidden_ratio"] == 0.25   # the paper's 1/4


def test_build_script_reads_only_settings_the_config_has():
    config, script = _recipe()
    keys = re.findall(r'\$\(cfg ([\w.]+)\)', script)
    assert {"pretrain.family", "pretrain.objective", "pretrain.objective_options",
            "export.with_heads", "pretrain.steps"} <= set(keys)
    for key in keys:
        value = config
        for part in key.split("."):
            assert part in value, key
            value = value[part]
