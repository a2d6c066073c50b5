"""Bad input to the CLI: exit code 2 and one clear `tfnlp <cmd>: error:` line, no traceback."""

import os

import pytest

from cli_helpers import tfnlp
from tfnlp.cli.main import main

TINY = ["--preset=custom", "--num_layers=1", "--hidden_dim=16", "--num_heads=2",
        "--seq_length=16", "--batch_size=2", "--steps=2"]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    words = ["the", "a", "dog", "cat", "is", "of", "in", "animal", "small", "."]
    (d / "vocab.txt").write_text("\n".join(SPECIALS + words) + "\n")
    (d / "no_specials.txt").write_text("\n".join(words) + "\n")
    (d / "empty.txt").write_text("\n\n")
    (d / "latin1.txt").write_bytes("the caf\xe9 is small.\nthe dog.\n".encode("latin-1"))
    (d / "one_line_docs.txt").write_text("the dog is small.\n\nthe cat is small.\n")
    return d


def _run(capsys, *argv):
    rc = main(["tfnlp", *argv])
    captured = capsys.readouterr()
    return rc, captured.err.strip().splitlines()


@pytest.mark.parametrize("case, needle", [
    ("missing corpus", "corpus file not found"),
    ("empty corpus", "the corpus file is empty"),
    ("non-UTF-8 corpus", "not valid UTF-8"),
    ("no multi-line document", "next-sentence prediction needs documents"),
    ("vocab without special tokens", "lacks the special tokens"),
    ("seq_length > max positions", "longer than the model's 512 positions"),
    ("unknown preset", "Unknown preset 'bert_gigantic'"),
    ("hidden not divisible by heads", "must be divisible by num_heads"),
    ("missing model_dir", "missing --model_dir"),
    ("unknown flag", "Unknown command line flag 'stepz'"),
])
def test_pretrain_bad_input(files, tmp_path, capsys, case, needle):
    corpus = {"missing corpus": str(files / "missing.txt"),
              "empty corpus": str(files / "empty.txt"),
              "non-UTF-8 corpus": str(files / "latin1.txt"),
              "no multi-line document": str(files / "one_line_docs.txt")
              }.get(case, str(files / "latin1.txt"))
    vocab = files / ("no_specials.txt" if case == "vocab without special tokens"
                     else "vocab.txt")
    args = ["pretrain", f"--input={corpus}", f"--vocab={vocab}",
            f"--model_dir={tmp_path / 'run'}", *TINY]
    extra = {"seq_length > max positions": ["--preset=bert_tiny", "--seq_length=1024"],
             "unknown preset": ["--preset=bert_gigantic"],
             "hidden not divisible by heads": ["--hidden_dim=30", "--num_heads=4"],
             "missing model_dir": ["--model_dir="],
             "unknown flag": ["--stepz=3"]}.get(case, [])
    rc, err = _run(capsys, *args, *extra)
    assert rc == 2, (case, err)
    assert len(err) == 1 and err[0].startswith("tfnlp pretrain: error: "), err
    assert needle in err[0], err
    # Nothing was written for input that fails the checks.
    assert not os.path.exists(tmp_path / "run" / "config.json")


def test_export_errors(files, tmp_path, capsys):
    rc, err = _run(capsys, "export", f"--model_dir={tmp_path}", "--output=x")
    assert rc == 2 and len(err) == 1 and "no config.json" in err[0]

    # A run whose checkpoint holds only an encoder (no pretraining heads).
    from tfnlp.models.bert.backbone import BertEncoder
    from tfnlp.pretraining.checkpointing import TrainingCheckpoint, checkpoint_directory
    from tfnlp.pretraining.run_config import PretrainConfig

    run = tmp_path / "run"
    config = PretrainConfig(model_dir=str(run), vocab=str(files / "vocab.txt"),
                            preset="custom", num_layers=1, hidden_dim=16, num_heads=2)
    config.save()
    (run / "tokenizer").mkdir()
    (run / "tokenizer" / "vocab.txt").write_text((files / "vocab.txt").read_text())
    encoder = BertEncoder(vocabulary_size=15, **config.architecture())
    TrainingCheckpoint(checkpoint_directory(str(run)), encoder).save(7)
    rc, err = _run(capsys, "export", f"--model_dir={run}", f"--output={tmp_path / 'hub'}",
                   "--with_mlm")
    assert rc == 2 and len(err) == 1, err
    assert err[0].startswith("tfnlp export: error: ") and "does not fit this model" in err[0]
    rc, err = _run(capsys, "export", f"--model_dir={run}", f"--output={tmp_path / 'hub'}",
                   "--seq_length=0")
    assert rc == 2 and "--seq_length=0: must be in [3, inf)" in err[0], err
    assert not (tmp_path / "hub").exists()


def test_vocab_errors(files, capsys):
    rc, err = _run(capsys, "vocab", f"--input={files / 'empty.txt'}", "--output=v.txt")
    assert rc == 2 and err == [f"tfnlp vocab: error: {files / 'empty.txt'}: the corpus file is empty"]
    rc, err = _run(capsys, "nonsense")
    assert rc == 2 and err[0].startswith("tfnlp nonsense: error: unknown command")


def test_error_in_a_fresh_process_has_no_traceback(files, tmp_path):
    rc, stdout, stderr = tfnlp("pretrain", f"--input={files / 'empty.txt'}",
                               f"--vocab={files / 'vocab.txt'}",
                               f"--model_dir={tmp_path / 'run'}", *TINY, check=False)
    assert rc == 2 and stdout == ""
    assert "Traceback" not in stderr
    ours = [line for line in stderr.splitlines() if line.startswith("tfnlp ")]
    assert ours == [f"tfnlp pretrain: error: {files / 'empty.txt'}: the corpus file is empty"]
    assert stderr.strip().splitlines()[-1] == ours[0]
