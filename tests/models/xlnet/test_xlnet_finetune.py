"""XLNet through `tfnlp finetune`: NER (word alignment of SentencePiece
pieces), SQuAD (left-padded windows, answers mapped back to the context's
characters) and the ULMFiT schedule over XLNet's layer groups.

A tiny XLNet (2 layers, hidden 32, random weights) on the session's
WordNet `spiece.model` overfits a few real sentences / questions; the
metrics after training are compared with the untrained model's, and
`predict` reads the exported serving model.
"""

import json
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tasks"))
import finetune_helpers as H  # noqa: E402

SEQ = 32
TAGS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
# Context words the WordNet pieces split, an accented answer, and a
# context long enough for several windows.
ACCENT_PARAGRAPH = ("The old café in Zürich opened in 1889. Its owner was Anna.",
                    [("q9", "Where is the old café?", "Zürich"),
                     ("q10", "Who owned the café?", "Anna")])


def tfnlp(capsys, *args):
    """Runs `tfnlp <args>` in-process; returns (exit code, stdout lines, stderr)."""
    from tfnlp.cli.main import main

    code = main(["tfnlp", *args])
    out, err = capsys.readouterr()
    return code, out.strip().splitlines(), err


@pytest.fixture(scope="module")
def xlnet_dir(tmp_path_factory, xlnet_spiece):
    """(root, model dir) of a tiny random XLNet on the WordNet spiece.model."""
    import keras

    from tfnlp.models.model_dir import save_model_dir
    from tfnlp.models.registry import get_family

    family = get_family("xlnet")
    root = tmp_path_factory.mktemp("xlnet_finetune")
    tokenizer = family.load_tokenizer(xlnet_spiece, seq_length=SEQ)
    keras.utils.set_random_seed(5)
    config = family.resolve_config("xlnet_tiny", {"hidden_dim": 32, "intermediate_dim": 64,
                                                 "dropout": 0.0})
    backbone = family.build_backbone(config, tokenizer.vocab_size)
    return str(root), save_model_dir(str(root / "model"), "xlnet", backbone, tokenizer,
                                     source="test")


def _squad_file(path):
    """SQuAD v1.1 JSON: the helper paragraphs plus the accented one."""
    H.write_squad(path)
    data = json.load(open(path))
    context, qas = ACCENT_PARAGRAPH
    data["data"][0]["paragraphs"].append({"context": context, "qas": [
        {"id": qid, "question": q, "answers": [{"text": a, "answer_start": context.index(a)}]}
        for qid, q, a in qas]})
    json.dump(data, open(path, "w"))
    return path


def _untrained(task_name, model, data, **options):
    """The untrained task model's metrics (the seed `finetune` uses)."""
    import keras

    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.models import build_task_model
    from tfnlp.tasks.runner import predict_outputs
    from tfnlp.tasks.task_registry import make_task

    source = resolve_encoder(model)
    task = make_task(task_name, source.tokenizer, SEQ, **options)
    task.read_train(data)
    split = task.read_eval(data)
    keras.utils.set_random_seed(0)
    network = build_task_model(task_name, source, num_labels=task.num_labels)
    return task.score(split, predict_outputs(network, split, 8))


FLAGS = ["--epochs=20", "--batch_size=4", "--learning_rate=6e-3", f"--seq_length={SEQ}",
         "--dropout=0.0"]


@pytest.mark.slow
def test_ner_aligns_pieces_learns_and_predicts(xlnet_dir, capsys):
    from tfnlp.tasks.conll import read_conll
    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.ner_task import NerTask

    root, model = xlnet_dir
    conll = H.write_conll(os.path.join(root, "train.conll"))
    # Words of several pieces: the label sits on the first that holds a
    # character (not on a bare "▁", which many words share); left padding
    # puts the pieces at the end, before `<sep> <cls>`.
    tokenizer = resolve_encoder(model).tokenizer
    split = NerTask(tokenizer, SEQ, meta={"tags": TAGS})._split(read_conll(conll))
    feats = split.extra["features"]
    assert (feats["padding_mask"][:, -1] == 1).all() and (feats["padding_mask"][:, 0] == 0).all()
    assert (feats["token_ids"][:, -1] == tokenizer.cls_id).all()
    bare = tokenizer.vocabulary.index("\u2581")
    labeled = feats["label_ids"] != -100
    assert labeled.sum() == sum(len(s.words) for s in read_conll(conll))
    assert (feats["token_ids"] == bare).any() and not labeled[feats["token_ids"] == bare].any()

    untrained = _untrained("ner", model, conll)["f1"]
    out = os.path.join(root, "ner_out")
    code, lines, err = tfnlp(capsys, "finetune", f"--encoder={model}", "--task=ner",
                             f"--train={conll}", f"--eval={conll}", f"--output={out}", *FLAGS)
    assert code == 0, err
    trained = json.loads(lines[-1])
    assert trained["f1"] >= 80.0 and trained["f1"] > untrained + 30.0, (untrained, trained)
    info = json.load(open(os.path.join(out, "task.json")))
    assert info["family"] == "xlnet" and info["tokenizer_kind"] == "sentencepiece"
    assert os.path.isfile(os.path.join(out, "tokenizer", "spiece.model"))
    # The serving model tags a training sentence as learnt.
    code, lines, err = tfnlp(capsys, "predict", f"--model={out}",
                             "--text=Peter Smith moved to Berlin .")
    assert code == 0, err
    row = json.loads(lines[-1])
    assert row["words"] == ["Peter", "Smith", "moved", "to", "Berlin", "."]
    assert row["tags"] == ["B-PER", "I-PER", "O", "O", "B-LOC", "O"], row


@pytest.mark.slow
def test_squad_left_padded_windows_learn_and_predict(xlnet_dir, capsys):
    from tfnlp.tasks import (convert_squad_examples, decode_squad_predictions, read_squad)
    from tfnlp.tasks.encoder_source import resolve_encoder

    root, model = xlnet_dir
    squad = _squad_file(os.path.join(root, "squad.json"))
    tokenizer = resolve_encoder(model).tokenizer
    examples = read_squad(squad)
    features = convert_squad_examples(examples, tokenizer, max_seq_length=SEQ, doc_stride=8,
                                      max_query_length=8)
    assert len(features) > len(examples)  # several windows per context
    # Perfect logits at the gold positions give every answer back, at the
    # right characters of the context, through left-padded windows.
    start = np.full((len(features), SEQ), -10.0)
    end = np.full((len(features), SEQ), -10.0)
    padded = 0
    for i, f in enumerate(features):
        assert f.token_ids[-1] == tokenizer.cls_id and f.null_position == SEQ - 1
        padded += f.padding_mask[0] == 0
        start[i, f.start_position] = end[i, f.end_position] = 10.0
    assert padded > 0
    answers = decode_squad_predictions(examples, features, start, end, tokenizer,
                                       lower_case=False).answers
    starts = {q["id"]: q["answers"][0]["answer_start"] for paragraph in
              json.load(open(squad))["data"][0]["paragraphs"] for q in paragraph["qas"]}
    for example in examples:
        answer, begin = answers[example.qas_id], starts[example.qas_id]
        assert answer == example.orig_answer_text  # e.g. "Zürich", accents and all
        assert example.context_text[begin:begin + len(answer)] == answer

    untrained = _untrained("squad", model, squad, doc_stride=8, max_query_length=8)
    out = os.path.join(root, "squad_out")
    code, lines, err = tfnlp(capsys, "finetune", f"--encoder={model}", "--task=squad",
                             f"--train={squad}", f"--eval={squad}", f"--output={out}",
                             "--doc_stride=8", "--max_query_length=8", *FLAGS)
    assert code == 0, err
    trained = json.loads(lines[-1])
    # Untrained: EM 0 (F1 ~9); 20 epochs on 8 questions: EM ~38.
    assert trained["exact_match"] >= untrained["exact_match"] + 25.0, (untrained, trained)
    assert trained["f1"] >= untrained["f1"] + 20.0, (untrained, trained)
    code, lines, err = tfnlp(capsys, "predict", f"--model={out}", f"--input={squad}")
    assert code == 0, err
    rows = {r["id"]: r["answer"] for r in map(json.loads, lines)}
    gold = {e.qas_id: e.orig_answer_text for e in examples}
    assert set(rows) == set(gold)
    assert sum(rows[q] == a for q, a in gold.items()) >= 2, rows


@pytest.mark.slow
def test_ulmfit_unfreezes_xlnet_groups_top_down(xlnet_dir):
    from tfnlp.finetuning.discriminative import DiscriminativeOptimizer
    from tfnlp.tasks.encoder_source import resolve_encoder
    from tfnlp.tasks.runner import FinetuneConfig, train_task_model
    from tfnlp.tasks.task_registry import make_task

    root, model = xlnet_dir
    train_rows, _ = H.classification_split()
    train_path = H.write_classification(os.path.join(root, "cls.jsonl"), train_rows)
    source = resolve_encoder(model)
    assert source.max_sequence_length is None  # relative positions: no length limit
    source.check_sequence_length(4096)
    config = FinetuneConfig(encoder=model, task="classification", train=train_path,
                            output=os.path.join(root, "cls_out"), schedule="ulmfit",
                            epochs=4, batch_size=8, seq_length=16, verbose=False)
    task = make_task("classification", source.tokenizer, 16)
    split = task.read_train(train_path)
    network, _ = train_task_model(config, source, task, split, 3e-3, 16)
    groups = source.layer_groups(network.encoder)
    assert [name for name, _ in groups] == [
        "embeddings", "transformer_layer_0", "transformer_layer_1", "top"]
    optimizer = network.optimizer
    assert isinstance(optimizer, DiscriminativeOptimizer)
    # The summary (`top`) joins the top layer; 4 epochs of 3 steps, 4
    # groups: one more group from the top each epoch.
    assert optimizer.group_names == ["embeddings", "transformer_layer_0",
                                     "transformer_layer_1", "head"]
    counts = optimizer.group_iterations()
    assert counts == {"embeddings": 3, "transformer_layer_0": 6, "transformer_layer_1": 9,
                      "head": 12}, counts
    rates = optimizer.group_multipliers()
    assert list(rates.values()) == sorted(rates.values())
