"""BERT architecture presets: the BERT paper's base/large and Turc et al.'s small BERTs.

Example:
>>> get_preset_config("bert_tiny")["num_layers"]
2
"""

from tfnlp.errors import TfnlpError

_COMMON = {
    "dropout": 0.1,
    "activation": "gelu",
    "max_sequence_length": 512,
    "num_segments": 2,
    "layer_norm_epsilon": 1e-12,
    "initializer_range": 0.02,
}


def _preset(num_layers, hidden_dim, num_heads):
    return dict(
        _COMMON,
        num_layers=num_layers,
        hidden_dim=hidden_dim,
        num_heads=num_heads,
        intermediate_dim=4 * hidden_dim,
    )


BERT_PRESETS = {
    "bert_tiny": _preset(2, 128, 2),
    "bert_mini": _preset(4, 256, 4),
    "bert_small": _preset(4, 512, 8),
    "bert_medium": _preset(8, 512, 8),
    "bert_base": _preset(12, 768, 12),
    "bert_large": _preset(24, 1024, 16),
}


def get_preset_config(name):
    """Returns a copy of the architecture config of a named preset.

    Args:
        name: str, one of `BERT_PRESETS`.

    Returns:
        A dict of `BertEncoder` constructor arguments (without the vocabulary size).

    Raises:
        TfnlpError: the name is not a known preset.
    """
    if name not in BERT_PRESETS:
        raise TfnlpError(
            f"Unknown preset {name!r}. Known presets: {', '.join(BERT_PRESETS)}."
        )
    return dict(BERT_PRESETS[name])
