"""DistilBERT architecture presets (Sanh et al. 2019), without a vocab size.

Example:
>>> PRESETS["distilbert_base"]["num_layers"]
6
"""

_COMMON = {
    "dropout": 0.1,
    "activation": "gelu",
    "max_sequence_length": 512,
    "layer_norm_epsilon": 1e-12,
    "initializer_range": 0.02,
}


def _preset(num_layers, hidden_dim, num_heads):
    return dict(_COMMON, num_layers=num_layers, hidden_dim=hidden_dim, num_heads=num_heads,
                intermediate_dim=4 * hidden_dim)


PRESETS = {
    "distilbert_tiny": _preset(2, 128, 2),
    "distilbert_base": _preset(6, 768, 12),
}
