"""`tfnlp finetune / evaluate / predict` end to end on NER and SQuAD v2.0.

Overfit checks on a few real sentences / questions: after training on them,
conlleval F1 and SQuAD EM on the same data rise far above the untrained
model's, and `predict` decodes words' tags and answers from the exported
serving model.
"""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tasks"))
import finetune_helpers as H  # noqa: E402


def tfnlp(capsys, *args):
    """Runs `tfnlp <args>` in-process; returns (exit code, stdout lines, stderr)."""
    from tfnlp.cli.main import main

    code = main(["tfnlp", *args])
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), err


@pytest.fixture(scope="module")
def enc(tmp_path_factory):
    root = tmp_path_factory.mktemp("ner_squad")
    paths = H.write_encoders(str(root / "enc"))
    paths["root"] = str(root)
    return paths


def _untrained_f1(encoder, conll):
    """conlleval F1 of the task model before training (same seed as finetune)."""
    import keras

    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.models import build_task_model
    from tfnlp.tasks.runner import predict_outputs
    from tfnlp.tasks.task_registry import make_task

    source = resolve_encoder(encoder)
    task = make_task("ner", source.tokenizer, 48)
    task.read_train(conll)
    split = task.read_eval(conll)
    keras.utils.set_random_seed(0)
    model = build_task_model("ner", source, num_labels=task.num_labels)
    return task.score(split, predict_outputs(model, split, 8))["f1"]


FLAGS = ["--epochs=40", "--batch_size=4", "--learning_rate=3e-3", "--seq_length=48"]


@pytest.mark.slow
def test_ner_f1_rises_and_predict_tags_words(enc, capsys):
    conll = H.write_conll(os.path.join(enc["root"], "train.conll"))
    out = os.path.join(enc["root"], "ner_out")
    untrained = _untrained_f1(enc["hub"], conll)
    code, lines, err = tfnlp(capsys, "finetune", f"--encoder={enc['hub']}", "--task=ner",
                             f"--train={conll}", f"--eval={conll}", f"--output={out}", *FLAGS)
    assert code == 0, err
    trained = json.loads(lines[-1])
    assert untrained < 30.0 and trained["f1"] >= 80.0, (untrained, trained)
    assert json.load(open(os.path.join(out, "task.json")))["task_meta"]["tags"] == [
        "O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    code, lines, err = tfnlp(capsys, "evaluate", f"--model={out}", f"--data={conll}")
    assert code == 0, err
    assert json.loads(lines[-1])["f1"] == pytest.approx(trained["f1"])
    code, lines, err = tfnlp(capsys, "predict", f"--model={out}",
                             "--text=Mary lives in Paris .")
    assert code == 0, err
    row = json.loads(lines[-1])
    assert row["words"] == ["Mary", "lives", "in", "Paris", "."]
    assert row["tags"] == ["B-PER", "O", "O", "B-LOC", "O"]
    assert [e["text"] for e in row["entities"]] == ["Mary", "Paris"]

    bad = os.path.join(enc["root"], "unseen.conll")
    with open(bad, "w") as f:
        f.write("Acme B-ORG\nsells O\n\n")
    code, _, err = tfnlp(capsys, "evaluate", f"--model={out}", f"--data={bad}")
    assert code == 2 and "B-ORG" in err and "unseen.conll:1" in err


@pytest.mark.slow
def test_squad_v2_em_rises_and_predict_answers(enc, capsys):
    squad = H.write_squad(os.path.join(enc["root"], "squad2.json"), version_2=True)
    out = os.path.join(enc["root"], "squad_out")
    code, lines, err = tfnlp(capsys, "finetune", f"--encoder={enc['model']}", "--task=squad",
                             f"--train={squad}", f"--eval={squad}", f"--output={out}", *FLAGS)
    assert code == 0, err
    trained = json.loads(lines[-1])
    assert trained["HasAns_total"] == 6 and trained["NoAns_total"] == 2
    # Untrained, a span model finds almost none of the 6 answers.
    assert trained["HasAns_exact"] >= 50.0 and trained["exact_match"] >= 50.0, trained
    info = json.load(open(os.path.join(out, "task.json")))
    assert info["task_meta"]["version_2_with_negative"] is True
    assert info["task_meta"]["doc_stride"] == 16 and info["task_meta"]["max_query_length"] == 8
    code, lines, err = tfnlp(capsys, "predict", f"--model={out}", f"--input={squad}")
    assert code == 0, err
    rows = {r["id"]: r for r in map(json.loads, lines)}
    assert set(rows) == {f"q{i}" for i in range(1, 9)}
    assert all("null_score_diff" in r for r in rows.values())
    correct = sum(rows[q]["answer"] == a for _, qas in H.SQUAD_PARAGRAPHS for q, _, a in qas)
    assert correct >= 3
    code, _, err = tfnlp(capsys, "predict", f"--model={out}", "--text=Where?")
    assert code == 2 and "context" in err
