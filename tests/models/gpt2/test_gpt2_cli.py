"""`tfnlp generate` and `tfnlp score` on a gpt2 model dir (in-process)."""

import json

import pytest

from tfnlp.cli.main import main
from tfnlp.models.gpt2.generation import Generator
from tfnlp.models.model_dir import save_model_dir


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, tiny_backbone, gpt2_tokenizer):
    return save_model_dir(str(tmp_path_factory.mktemp("gpt2_dir")), "gpt2", tiny_backbone,
                          gpt2_tokenizer)


def _last_json(capsys):
    out = capsys.readouterr().out
    return out, json.loads(out.strip().splitlines()[-1])


def test_generate_streams_the_greedy_continuation(model_dir, tiny_backbone, gpt2_tokenizer,
                                                  capsys):
    assert main(["tfnlp", "generate", f"--model={model_dir}", "--prompt=the dog",
                 "--max_new_tokens=6", "--nostop_at_end_of_text"]) == 0
    out, result = _last_json(capsys)
    expected = Generator(tiny_backbone, gpt2_tokenizer, jit_compile=False).generate(
        ["the dog"], 6, stop_at_end_of_text=False)[0]
    assert result["text"] == expected and out.startswith(expected)
    assert main(["tfnlp", "generate", f"--model={model_dir}", "--sampler=top_p",
                 "--top_p=1.5"]) == 2
    assert "flag --top_p=1.5: must be in (0, 1]" in capsys.readouterr().err


def test_score_one_question_and_a_file(model_dir, tmp_path, capsys):
    assert main(["tfnlp", "score", f"--model={model_dir}", "--context=the dog",
                 "--choice= barked", "--choice= a tree"]) == 0
    _, result = _last_json(capsys)
    assert len(result["log_likelihood"]) == 2 and result["best_choice"] in (" barked", " a tree")
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps({"context": "a cat", "choices": [" sat", " x y"],
                                               "label": i % 2}) for i in range(4)) + "\n")
    assert main(["tfnlp", "score", f"--model={model_dir}", f"--input={questions}"]) == 0
    _, result = _last_json(capsys)
    assert result["questions"] == 4 and result["chance"] == 0.5
    assert result["accuracy"] == 0.5  # the same question, labels alternating


NER = [("John lives in Paris .", "B-PER O O B-LOC O"),
       ("Mary visited London last year .", "B-PER O B-LOC O O O"),
       ("Peter Smith moved to Berlin .", "B-PER I-PER O O B-LOC O"),
       ("Anna met John in Madrid .", "B-PER O B-PER O B-LOC O")]


@pytest.mark.slow
def test_finetune_ner_through_the_bpe_word_alignment(model_dir, tmp_path, capsys):
    conll = tmp_path / "train.conll"
    conll.write_text("".join("".join(f"{w} {t}\n" for w, t in zip(words.split(), tags.split()))
                             + "\n" for words, tags in NER), encoding="utf-8")
    out = str(tmp_path / "ner")
    assert main(["tfnlp", "finetune", f"--encoder={model_dir}", "--task=ner",
                 f"--train={conll}", f"--eval={conll}", f"--output={out}", "--epochs=30",
                 "--batch_size=4", "--learning_rate=3e-3", "--seq_length=24"]) == 0
    _, result = _last_json(capsys)
    # Every word gets a tag (the label sits on its first piece): the trained
    # model tags its own training sentences almost perfectly.
    assert result["f1"] >= 60.0, result
    assert main(["tfnlp", "predict", f"--model={out}", "--text=Mary lives in Berlin ."]) == 0
    _, row = _last_json(capsys)
    assert row["words"] == ["Mary", "lives", "in", "Berlin", "."] and len(row["tags"]) == 5
