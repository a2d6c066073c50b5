"""Kind 7: invalid UTF-8 is read as U+FFFD, alike in the Python API, the CLI and the graphs.

Every family tokenizer's `tokenize` passes its strings through
`tfnlp.text.tokenizer.valid_utf8`, so the exported preprocess module and a
fine-tuned `serving_default` (which call it in-graph) and the command line
(which decodes its arguments the same way) all see
`bytes.decode("utf-8", "replace")` of what they were given. Data files are
different: a corpus or training file that is not UTF-8 is refused with its
file and line.
"""

import json

import numpy as np
import tensorflow as tf

from hardening_helpers import assert_clean, call

BROKEN = [b"the caf\xe9 is small", b"\xff\xfe\xfd", b"a dog \xc3\x28 of metal",
          b"cut \xed\xa0\x80 off", b"ok \xf0\x9f\x98 end", b"the dog"]
REPLACED = [b.decode("utf-8", "replace").encode("utf-8") for b in BROKEN]


def test_python_api(run_dir):
    from tfnlp.models.registry import get_family

    tokenizer = get_family("bert").load_tokenizer(str(run_dir / "tokenizer"))
    assert tokenizer.tokenize(tf.constant(BROKEN)).to_list() == \
        tokenizer.tokenize(tf.constant(REPLACED)).to_list()


def test_valid_utf8_matches_python():
    from tfnlp.text.tokenizer import valid_utf8

    assert valid_utf8(tf.constant(BROKEN)).numpy().tolist() == REPLACED
    ragged = tf.ragged.constant([[BROKEN[0]], [BROKEN[1], BROKEN[2]]])
    assert valid_utf8(ragged).flat_values.numpy().tolist() == REPLACED[:3]


def test_preprocess_module(export_dir):
    import tensorflow_text  # noqa: F401

    preprocess = tf.saved_model.load(str(export_dir / "preprocess"))
    got, want = preprocess(tf.constant(BROKEN)), preprocess(tf.constant(REPLACED))
    for key in want:
        np.testing.assert_array_equal(got[key].numpy(), want[key].numpy())


def test_serving_default(finetune_out):
    import tensorflow_text  # noqa: F401

    serve = tf.saved_model.load(str(finetune_out / "serving")).signatures["serving_default"]
    got, want = serve(tf.constant(BROKEN)), serve(tf.constant(REPLACED))
    for key in want:
        np.testing.assert_allclose(got[key].numpy(), want[key].numpy(), rtol=1e-6)


def test_cli_text_argument(finetune_out, capsys):
    """A non-UTF-8 argument reaches Python as surrogate escapes; predicted as U+FFFD."""
    escaped = BROKEN[0].decode("utf-8", "surrogateescape")
    rc_a, err_a, out_a = call(capsys, "predict", f"--model={finetune_out}", f"--text={escaped}")
    rc_b, err_b, out_b = call(capsys, "predict", f"--model={finetune_out}",
                              f"--text={REPLACED[0].decode()}")
    assert rc_a == rc_b == 0, (err_a, err_b)
    assert json.loads(out_a.splitlines()[-1]) == json.loads(out_b.splitlines()[-1])


def test_data_file_that_is_not_utf8_is_refused(finetune_out, tmp_path, capsys):
    bad = tmp_path / "inputs.jsonl"
    bad.write_bytes(b'{"text": "the dog"}\n{"text": "caf\xe9"}\n')
    result = call(capsys, "predict", f"--model={finetune_out}", f"--input={bad}")
    assert_clean(result, "predict", f"{bad}:2: not valid UTF-8")
