"""Tiny BERT pieces and exported hub modules shared by the tests/hub tests.

Built once per pytest process (memoized here, since this module is imported
once) so that the in-process and fresh-process tests share one export.
"""

import json
import os
import subprocess
import sys
import tempfile

TOKENS = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "the", "quick", "brown", "fox", "jump", "##s", "##ed", "over", "lazy",
    "dog", ".", ",", "hello", "world", "a", "b", "good", "bad", "movie",
    "is", "was", "not", "very", "##ly", "!", "?", "cafe",
]
SENTENCES = ["The quick brown fox jumps over the lazy dog.",
             "hello world!", "A movie was very good.", "Bad, bad movie?",
             "Café is not lazy", "jumped", "", "the dog jumps"]
SEQ_LENGTH = 16
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

_CACHE = {}


def has_gradient(variable_name):
    """False for the attention key bias, whose gradient is exactly zero.

    q.(k + b) adds the same q.b to every key's score, and softmax ignores a
    constant shift, so no loss depends on the key bias; it cannot change.
    """
    return "/key/bias" not in variable_name


def write_vocab(path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(TOKENS) + "\n")
    return path


def wordpiece(vocab, lower_case=True):
    """The BERT family's tokenizer on a vocab file."""
    from tfnlp.text.bert_preprocessor import BertPreprocessor

    return BertPreprocessor(vocab, lower_case=lower_case)


def tiny_pretrainer():
    """A 2-layer, hidden-32 BertEncoder inside a BertPretrainer (cached)."""
    if "pretrainer" not in _CACHE:
        from tfnlp.models.bert.backbone import BertEncoder
        from tfnlp.models.bert.pretrainer import BertPretrainer
        encoder = BertEncoder(vocabulary_size=len(TOKENS), num_layers=2,
                              num_heads=2, hidden_dim=32, intermediate_dim=64,
                              max_sequence_length=64)
        _CACHE["pretrainer"] = BertPretrainer(encoder, use_nsp=False)
    return _CACHE["pretrainer"]


def exported_modules():
    """Exports the tiny encoder (+mlm) and a preprocess module once.

    Returns:
        dict with `root`, `vocab`, `encoder`, `preprocess` paths.
    """
    if "modules" not in _CACHE:
        from tfnlp.hub import export_encoder_module, export_preprocess_module
        from tfnlp.models.bert import mlm_export_head
        root = tempfile.mkdtemp(prefix="tfnlp_hub_test_")
        vocab = write_vocab(os.path.join(root, "vocab.txt"))
        pretrainer = tiny_pretrainer()
        _CACHE["modules"] = {
            "root": root,
            "vocab": vocab,
            "encoder": export_encoder_module(
                pretrainer.encoder, wordpiece(vocab), os.path.join(root, "encoder"),
                heads={"mlm": mlm_export_head(pretrainer)}),
            "preprocess": export_preprocess_module(
                wordpiece(vocab), os.path.join(root, "preprocess"),
                seq_length=SEQ_LENGTH),
        }
    return _CACHE["modules"]


def run_script(name, *args, timeout=240):
    """Runs tests/hub/scripts/<name> in a fresh Python; returns its JSON result.

    The script prints one line `RESULT <json>`; a non-zero exit fails with
    the output.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", KERAS_BACKEND="tensorflow",
               PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "scripts", name), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise AssertionError(f"{name} exited {proc.returncode}:\n{out[-6000:]}")
    lines = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    if not lines:
        raise AssertionError(f"{name} printed no RESULT line:\n{out[-6000:]}")
    return json.loads(lines[-1][len("RESULT "):])
