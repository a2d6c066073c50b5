"""Presets of the static embedding families (word2vec, GloVe).

Example:

>>> STATIC_PRESETS["static_100"]["hidden_dim"]
100
"""

STATIC_PRESETS = {
    "static_tiny": {"hidden_dim": 32, "combiner": "sqrtn"},
    "static_50": {"hidden_dim": 50, "combiner": "sqrtn"},
    "static_100": {"hidden_dim": 100, "combiner": "sqrtn"},
    "static_300": {"hidden_dim": 300, "combiner": "sqrtn"},
}
