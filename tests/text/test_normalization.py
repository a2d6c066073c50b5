"""normalize_text: the plain-ASCII fast path and the full rule give one result."""

import numpy as np
import tensorflow as tf

from tfnlp.text.normalization import normalize_string, normalize_text

MIXED = ["The Quick Brown Fox.", "Café™ Ångström", "a\x00b\x7fc\tD\nE\rF", "ﬁne ½",
         "", "HELLO, World!", "x\u200by", "日本語 Text", "\x1f\x1e", "naïve RÉSUMÉ"]


def test_mixed_rows_match_the_python_rule(wordnet_texts):
    rows = MIXED + list(wordnet_texts[:200])
    for lower_case in (True, False):
        got = [s.decode() for s in normalize_text(tf.constant(rows), lower_case).numpy()]
        assert got == [normalize_string(s, lower_case) for s in rows]


def test_shape_kept_and_invalid_utf8_repaired():
    grid = tf.reshape(tf.constant(MIXED), [2, 5])
    out = normalize_text(grid, True)
    assert out.shape == (2, 5)
    np.testing.assert_array_equal(out.numpy().reshape(-1), normalize_text(tf.constant(MIXED), True))
    broken = tf.constant([b"caf\xe9 OK", b"PLAIN"])
    got = normalize_text(broken, True, repair_utf8=True).numpy().tolist()
    assert got == [b"caf ok", b"plain"]  # U+FFFD from the bad byte is then dropped
