"""ELECTRA architecture presets (Clark et al. 2020, Table 6), without a vocab size.

`embedding_dim` is the width of the token/position/segment embeddings; when it
is smaller than `hidden_dim` a dense projection (under `embeddings/`) maps
the embeddings to the encoder width.

Example:
>>> PRESETS["electra_small"]["embedding_dim"]
128
"""

_COMMON = {
    "dropout": 0.1,
    "activation": "gelu",
    "max_sequence_length": 512,
    "num_segments": 2,
    "layer_norm_epsilon": 1e-12,
    "initializer_range": 0.02,
}


def _preset(num_layers, hidden_dim, num_heads, embedding_dim):
    return dict(_COMMON, num_layers=num_layers, hidden_dim=hidden_dim,
                num_heads=num_heads, embedding_dim=embedding_dim,
                intermediate_dim=4 * hidden_dim)


PRESETS = {
    "electra_tiny": _preset(2, 128, 2, 64),
    "electra_small": _preset(12, 256, 4, 128),
    "electra_base": _preset(12, 768, 12, 768),
}
