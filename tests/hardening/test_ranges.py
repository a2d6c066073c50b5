"""Kind 3: every numeric flag of every command has a range; a value outside is refused.

The table is built from the commands themselves: for each numeric flag, a
value just outside its declared interval must exit 2 with one
`flag --NAME=VALUE: must be in [...]` line, at parse time (no work done).
What a run records is what it used.
"""

import importlib
import json
import math

import pytest
from absl import flags

from hardening_helpers import assert_clean, call
from tfnlp.cli.flag_utils import in_interval, numeric_flags, parse_interval
from tfnlp.cli.main import COMMANDS
from tfnlp.errors import TfnlpError


def _defined(command):
    module = importlib.import_module(COMMANDS[command])
    flag_values = flags.FlagValues()
    module.define_flags(flag_values)
    return module, flag_values


def _outside(interval, is_int):
    """A value just outside the interval (below it, else above it)."""
    low, high, low_open, high_open = parse_interval(interval)
    if math.isfinite(low):
        value = low if low_open else low - (1 if is_int else 0.5)
    else:
        value = high if high_open else high + (1 if is_int else 0.5)
    return int(value) if is_int else value


def _cases():
    cases = []
    for command in COMMANDS:
        module, flag_values = _defined(command)
        for name in numeric_flags(flag_values):
            interval = module.RANGES[name]
            is_int = isinstance(flag_values[name].parser, flags.IntegerParser)
            cases.append((command, name, _outside(interval, is_int), interval))
    return cases


CASES = _cases()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_numeric_flag_has_a_range(command):
    module, flag_values = _defined(command)
    missing = [n for n in numeric_flags(flag_values) if n not in getattr(module, "RANGES", {})]
    assert not missing, f"tfnlp {command}: no range for {missing}"


@pytest.mark.parametrize("command, name, value, interval", CASES,
                         ids=[f"{c}--{n}={v}" for c, n, v, _ in CASES])
def test_value_outside_its_range_is_refused(command, name, value, interval, capsys):
    assert not in_interval(value, interval)
    result = call(capsys, command, f"--{name}={value}")
    assert_clean(result, command, f"--{name}={value}: must be in {interval}")


@pytest.mark.parametrize("case, line, needle", [
    ("vocab --max_lines=-1", ["vocab", "--input=wordnet", "--output=v.txt", "--max_lines=-1"],
     "--max_lines=-1: must be in [1, inf)"),
    ("pretrain --intermediate_dim=0", ["pretrain", "--vocab=v.txt", "--model_dir=r",
                                        "--intermediate_dim=0"],
     "--intermediate_dim=0: must be in [1, inf)"),
    ("finetune --doc_stride=0", ["finetune", "--task=squad", "--doc_stride=0"],
     "--doc_stride=0: must be in [1, inf)"),
    ("export --seq_length=0", ["export", "--model_dir=r", "--output=o", "--seq_length=0"],
     "--seq_length=0: must be in [3, inf)"),
    ("a float flag given a word", ["finetune", "--dropout=lots"], "--dropout"),
])
def test_issue_examples(case, line, needle, capsys):
    assert_clean(call(capsys, *line), line[0], needle)


def test_python_api_refuses_a_zero_size():
    from tfnlp.pretraining.run_config import PretrainConfig

    for name in ("num_layers", "hidden_dim", "num_heads", "intermediate_dim",
                 "max_sequence_length"):
        with pytest.raises(TfnlpError, match=f"{name} must be a positive integer"):
            PretrainConfig(model_dir="r", vocab="v.txt", **{name: 0}).validate()


def test_squad_options_refused_in_the_python_api(tmp_path):
    from tfnlp.tasks.runner import FinetuneConfig

    train = tmp_path / "t.json"
    train.write_text("{}")
    for name in ("doc_stride", "max_query_length"):
        config = FinetuneConfig(encoder="e", task="squad", train=str(train),
                                output=str(tmp_path / "o"), **{name: 0})
        with pytest.raises(TfnlpError, match=f"--{name} must be a positive integer"):
            config.check()


def test_recorded_is_used(run_dir, finetune_out):
    """The run records the feed-forward width it built; task.json the values it used."""
    keras_config = json.loads((run_dir / "keras" / "config.json").read_text())
    assert keras_config["backbone"]["intermediate_dim"] == 4 * 16
    settings = json.loads((finetune_out / "task.json").read_text())["settings"]
    assert settings["seq_length"] == 16 and settings["learning_rate"] == 5e-5
