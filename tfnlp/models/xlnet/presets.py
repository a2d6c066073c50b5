"""XLNet architecture presets.

`xlnet_base` is XLNet-Base (Yang et al. 2019: 12 layers, width 768, 12
heads, feed-forward 3072); `xlnet_tiny` is the 2-layer model the tests and
the shrunk notebooks train.

Example:

>>> XLNET_PRESETS["xlnet_base"]["num_layers"]
12
"""

_COMMON = {
    "dropout": 0.1,
    "activation": "gelu",
    "layer_norm_epsilon": 1e-12,
    "initializer_range": 0.02,
    "clamp_len": -1,
    "mem_len": 0,
}


def _preset(num_layers, hidden_dim, num_heads, intermediate_dim):
    return dict(_COMMON, num_layers=num_layers, hidden_dim=hidden_dim,
                num_heads=num_heads, intermediate_dim=intermediate_dim)


XLNET_PRESETS = {
    "xlnet_tiny": _preset(2, 64, 2, 256),
    "xlnet_small": _preset(4, 256, 4, 1024),
    "xlnet_base": _preset(12, 768, 12, 3072),
    "xlnet_large": _preset(24, 1024, 16, 4096),
}
