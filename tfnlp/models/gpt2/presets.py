"""GPT-2 architecture presets (Radford et al. 2019) and a tiny one for tests.

`gpt2_small` is the 124M model (L12 H768 A12, 1024 positions),
`gpt2_medium` the 355M one (L24 H1024 A16). With GPT-2's 50,257-token
vocabulary they have GPT-2's parameter counts; the vocabulary size comes
from the tokenizer, not the preset.

Example:

>>> PRESETS["gpt2_small"]["num_layers"], PRESETS["gpt2_small"]["max_sequence_length"]
(12, 1024)
"""

_COMMON = {
    "dropout": 0.1,
    "layer_norm_epsilon": 1e-5,
    "initializer_range": 0.02,
    "normalize_first": True,
}


def _preset(num_layers, hidden_dim, num_heads, max_sequence_length=1024):
    return dict(_COMMON, num_layers=num_layers, hidden_dim=hidden_dim, num_heads=num_heads,
                intermediate_dim=4 * hidden_dim, max_sequence_length=max_sequence_length)


PRESETS = {
    "gpt2_tiny": _preset(2, 64, 2, max_sequence_length=128),
    "gpt2_small": _preset(12, 768, 12),
    "gpt2_medium": _preset(24, 1024, 16),
}
