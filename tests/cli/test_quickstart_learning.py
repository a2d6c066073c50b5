"""`tfnlp quickstart` end to end, and real learning checks on WordNet.

Shrunk: BERT-Tiny pretrained (MLM) for 300 steps on the embedded WordNet
corpus must predict held-out masked tokens clearly better than the unigram
baseline (always the most frequent masked token of the held-out data);
then the same labeled glosses are fine-tuned from a random BERT-Tiny, the
pretrained one (its TF-Hub module), a Hugging Face BERT folder (here a
2-layer one with MiniLM's vocab, standing in for the 22M-parameter MiniLM
to keep CI short; the real MiniLM's import, parity and fine-tuning past the
majority class are checked in tests/hf/test_minilm_import.py) and that folder
adapted by masked LM on the task's texts (`pretrain --init_from`). The
table must have the four rows, and the serving SavedModel must answer
strings with training labels.
"""

import json
import os
import shutil

import pytest

from cli_helpers import last_json, tfnlp


def _small_hf_bert(folder):
    """A 2-layer, hidden-32 HF BERT folder with MiniLM's real WordPiece vocab."""
    from tfnlp.hf.minilm import MINILM_MODULE, minilm_folder

    pytest.importorskip(MINILM_MODULE)
    transformers = pytest.importorskip("transformers")
    minilm = minilm_folder()
    with open(os.path.join(minilm, "vocab.txt"), encoding="utf-8") as f:
        vocab_size = sum(1 for _ in f)
    config = transformers.BertConfig(vocab_size=vocab_size, hidden_size=32,
                                     num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=64)
    transformers.BertModel(config).save_pretrained(str(folder), safe_serialization=True)
    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(minilm, name), folder)
    return str(folder)


@pytest.mark.slow
def test_quickstart_pretrains_transfers_and_serves(tmp_path):
    out = tmp_path / "qs"
    hf_bert = _small_hf_bert(tmp_path / "hf_bert")
    _, stdout, stderr = tfnlp("quickstart", f"--output={out}", "--steps=300",
                              "--vocab_size=1000", "--vocab_max_lines=3000",
                              "--log_every=100", "--finetune_train_examples=400",
                              "--finetune_eval_examples=200", "--finetune_epochs=2",
                              "--finetune_seq_length=24", "--adapt_steps=10",
                              f"--minilm={hf_bert}", "--serve_examples=2", timeout=1800)
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
    assert 0 < result["majority_class_accuracy"] < 0.5
    for row in rows.values():
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["macro_f1"] <= 1, row
    # The adaptation run started from MiniLM (its MLM head fresh) and trained.
    with open(out / "minilm_adapted" / "config.json", encoding="utf-8") as f:
        adapted = json.load(f)
    assert adapted["init_from"] == hf_bert and adapted["schedule"] == "ulmfit"
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
