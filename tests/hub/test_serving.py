"""Tests of tfnlp.hub.serving: strings and ids signatures, TF1-session loading."""

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from hub_test_modules import REPO, exported_modules, run_script, tiny_pretrainer
from tfnlp.errors import TfnlpError
from tfnlp.hub import export_serving_model
from tfnlp.hub.serving import non_core_op_types, signature_op_types
from tfnlp.text.bert_preprocessor import BertPreprocessor


class PairHead(keras.layers.Layer):
    """A tiny classification head: encoder outputs -> logits and probs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(3)

    def call(self, features):
        logits = self.dense(features["pooled_output"])
        return {"logits": logits, "probs": keras.ops.softmax(logits)}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("serving")
    vocab = exported_modules()["vocab"]
    encoder, head = tiny_pretrainer().encoder, PairHead()
    pre = BertPreprocessor(vocab, seq_length=16)
    path = export_serving_model(pre, encoder, head, str(root / "serve"),
                                text_pairs=True, ids_only_dir=str(root / "ids_only"))
    return {"path": path, "ids_only": str(root / "ids_only"), "pre": pre,
            "predict": lambda f: head(encoder(f, training=False))}


def test_signatures_in_process(served):
    obj = tf.saved_model.load(served["path"])
    assert set(obj.signatures) == {"serving_default", "serve_ids"}
    text, text_b = tf.constant(["hello world", "bad movie"]), tf.constant(["a b", "good"])
    out = obj.signatures["serving_default"](text=text, text_b=text_b)
    pre = served["pre"]
    want = served["predict"](pre([text, text_b]))
    np.testing.assert_allclose(out["logits"], want["logits"], atol=1e-5)
    np.testing.assert_allclose(out["probs"], want["probs"], atol=1e-5)
    packed = pre([text, text_b])
    ids_out = obj.signatures["serve_ids"](
        input_word_ids=packed["token_ids"], input_mask=packed["padding_mask"],
        input_type_ids=packed["segment_ids"])
    np.testing.assert_allclose(ids_out["logits"], want["logits"], atol=1e-5)


def test_serve_ids_graph_has_no_tf_text_ops(served):
    ids_ops = signature_op_types(served["path"], "serve_ids")
    text_ops = signature_op_types(served["path"], "serving_default")
    assert "MatMul" in ids_ops or "BatchMatMulV2" in ids_ops
    assert non_core_op_types(ids_ops) == []
    # Positive control: the strings signature does hold tf-text ops.
    assert "FastWordpieceTokenizeWithOffsets" in non_core_op_types(text_ops)
    assert non_core_op_types(signature_op_types(served["ids_only"], "serving_default")) == []
    with pytest.raises(TfnlpError, match="no signature 'nope'"):
        signature_op_types(served["path"], "nope")


@pytest.mark.slow
def test_fresh_process_serving(served, tmp_path):
    """saved_model_cli show/run and TF1-session loading, in fresh processes."""
    cli = [sys.executable, "-c",
           "import sys; from tensorflow.python.tools.saved_model_cli import main; "
           "sys.argv[0] = 'saved_model_cli'; sys.exit(main())"]
    cli_tf_text = [sys.executable, "-c",
                   "import sys, tensorflow_text; "
                   "from tensorflow.python.tools.saved_model_cli import main; "
                   "sys.argv[0] = 'saved_model_cli'; sys.exit(main())"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")

    def sh(cmd):
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                              env=env, cwd=REPO)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    shown = sh(cli + ["show", "--all", "--dir", served["path"]])
    assert "signature_def['serve_ids']" in shown and "input_word_ids" in shown
    assert "signature_def['serving_default']" in shown and "text_b" in shown
    feeds = {
        "input_word_ids": np.array([[2, 17, 18, 3, 0]] * 2, np.int32),
        "input_mask": np.array([[1, 1, 1, 1, 0]] * 2, np.int32),
        "input_type_ids": np.zeros((2, 5), np.int32),
        "text": np.array([b"hello world", b"bad movie"]),
        "text_b": np.array([b"a b", b"good"]),
    }
    for name, value in feeds.items():
        np.save(tmp_path / f"{name}.npy", value)

    def inputs(*names):
        return ";".join(f"{n}={tmp_path / n}.npy" for n in names)

    sh(cli + ["run", "--dir", served["ids_only"], "--tag_set", "serve",
              "--signature_def", "serve_ids", "--outdir", str(tmp_path / "ids"),
              "--inputs", inputs("input_word_ids", "input_mask", "input_type_ids")])
    sh(cli_tf_text + ["run", "--dir", served["path"], "--tag_set", "serve",
                      "--signature_def", "serving_default",
                      "--outdir", str(tmp_path / "text"),
                      "--inputs", inputs("text", "text_b")])
    ids = {"token_ids": tf.constant([[2, 17, 18, 3, 0]] * 2),
           "padding_mask": tf.constant([[1, 1, 1, 1, 0]] * 2),
           "segment_ids": tf.zeros((2, 5), tf.int32)}
    want_ids = served["predict"](ids)["logits"]
    np.testing.assert_allclose(np.load(tmp_path / "ids" / "logits.npy"), want_ids, atol=1e-5)
    pre = served["pre"]
    want_text = served["predict"](pre([tf.constant(["hello world", "bad movie"]),
                                       tf.constant(["a b", "good"])]))["logits"]
    np.testing.assert_allclose(np.load(tmp_path / "text" / "logits.npy"), want_text,
                               atol=1e-5)

    r = run_script("v1_session_serving.py", served["path"], served["ids_only"])
    np.testing.assert_allclose(r["ids_only_no_tf_text"]["logits"], want_ids, atol=1e-5)
    np.testing.assert_allclose(r["combined_serve_ids"]["logits"], want_ids, atol=1e-5)
    np.testing.assert_allclose(r["combined_text"]["logits"], want_text, atol=1e-5)
    # Documented limit: the two-signature model needs tf-text ops to load.
    assert "Op type not registered" in r["combined_no_tf_text_error"]


def test_tokenizer_assets_travel(served):
    assets = os.listdir(os.path.join(served["path"], "assets"))
    assert assets == ["vocab.txt"]


def test_bad_arguments(tmp_path):
    encoder = tiny_pretrainer().encoder
    with pytest.raises(TfnlpError, match="family Tokenizer"):
        export_serving_model(exported_modules()["vocab"], encoder, PairHead(),
                             str(tmp_path / "a"))
    with pytest.raises(TfnlpError, match="family Tokenizer"):
        export_serving_model(42, encoder, PairHead(), str(tmp_path / "b"))
    with pytest.raises(TfnlpError, match="longer than"):
        export_serving_model(BertPreprocessor(exported_modules()["vocab"]), encoder,
                             PairHead(), str(tmp_path / "c"), seq_length=100)
