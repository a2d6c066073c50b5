"""ELECTRA's pretraining options, checked without TensorFlow.

`PretrainConfig.validate` calls `check_pretrainer_options` (through the
family's `check_objective_options`) before any corpus is read, so a
generator wider than the discriminator is refused up front; the pretrainer
calls the same checks when it is built.

Example:
>>> check_pretrainer_options({"hidden_dim": 128, "num_layers": 2},
...                          {"generator_hidden_ratio": 0.5})["hidden_dim"]
64
"""

from types import SimpleNamespace

from tfnlp.errors import TfnlpError

# objective_options keys -> ElectraPretrainer arguments.
PRETRAINER_OPTIONS = ("generator_hidden_ratio", "generator_num_layers",
                      "generator_num_heads", "generator_intermediate_dim", "rtd_weight",
                      "sampling_seed")


def generator_shape(backbone, hidden_ratio=0.25, num_layers=None, num_heads=None,
                    intermediate_dim=None):
    """The generator's size from the discriminator's and the options.

    Args:
        backbone: the discriminator (`ElectraBackbone`).
        hidden_ratio: generator width / discriminator width (ELECTRA: 1/4).
        num_layers: generator depth (None: the discriminator's).
        num_heads: generator heads (None: width // 64, at least 1).
        intermediate_dim: feed-forward width (None: 4 * width).

    Returns:
        dict `hidden_dim, num_layers, num_heads, intermediate_dim`.

    Raises:
        TfnlpError: a generator wider than the discriminator, or a bad size.

    Example:
    >>> class B: hidden_dim, num_layers = 256, 12
    >>> generator_shape(B())
    {'hidden_dim': 64, 'num_layers': 12, 'num_heads': 1, 'intermediate_dim': 256}
    """
    if isinstance(hidden_ratio, bool) or not isinstance(hidden_ratio, (int, float)) \
            or hidden_ratio <= 0:
        raise TfnlpError(f"generator_hidden_ratio must be a positive number, got "
                         f"{hidden_ratio!r}")
    hidden = max(1, int(round(backbone.hidden_dim * hidden_ratio)))
    if hidden > backbone.hidden_dim:
        raise TfnlpError(
            f"generator_hidden_ratio={hidden_ratio} makes the generator {hidden} wide, "
            f"wider than the discriminator ({backbone.hidden_dim}); ELECTRA needs a "
            "generator at most as wide (the paper's best is 1/4 to 1/2)")
    shape = {
        "hidden_dim": hidden,
        "num_layers": backbone.num_layers if num_layers is None else num_layers,
        "num_heads": max(1, hidden // 64) if num_heads is None else num_heads,
        "intermediate_dim": 4 * hidden if intermediate_dim is None else intermediate_dim,
    }
    for key, value in shape.items():
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TfnlpError(f"generator_{key} must be a positive integer, got {value!r}")
    if hidden % shape["num_heads"]:
        raise TfnlpError(f"generator_num_heads ({shape['num_heads']}) must divide the "
                         f"generator width ({hidden})")
    return shape


def check_loss_options(rtd_weight=50.0, sampling_seed=0):
    """Raises `TfnlpError` for a negative or non-numeric `rtd_weight` or a non-integer seed.

    Args:
        rtd_weight: lambda, the weight of the discriminator loss.
        sampling_seed: int, the generator sampling seed.

    Returns:
        None.

    Example:
    >>> check_loss_options(50.0, 0)
    """
    if isinstance(rtd_weight, bool) or not isinstance(rtd_weight, (int, float)) \
            or rtd_weight < 0:
        raise TfnlpError(f"rtd_weight must be a non-negative number, got {rtd_weight!r}")
    if isinstance(sampling_seed, bool) or not isinstance(sampling_seed, int):
        raise TfnlpError(f"sampling_seed must be an integer, got {sampling_seed!r}")


def check_pretrainer_options(architecture, options):
    """Checks an `rtd` run's `objective_options` against the discriminator's size.

    Args:
        architecture: dict with the discriminator's `hidden_dim` and `num_layers`.
        options: dict of `PRETRAINER_OPTIONS` keys.

    Returns:
        dict, the generator's shape (see `generator_shape`).

    Raises:
        TfnlpError: an unknown option, a generator wider than the
            discriminator, or a bad size or loss setting.

    Example:
    >>> check_pretrainer_options({"hidden_dim": 64, "num_layers": 1}, {})["hidden_dim"]
    16
    """
    options = dict(options or {})
    unknown = sorted(set(options) - set(PRETRAINER_OPTIONS))
    if unknown:
        raise TfnlpError(f"unknown electra objective option(s) {', '.join(unknown)}; "
                         f"known: {', '.join(PRETRAINER_OPTIONS)}")
    check_loss_options(options.get("rtd_weight", 50.0), options.get("sampling_seed", 0))
    discriminator = SimpleNamespace(hidden_dim=architecture["hidden_dim"],
                                    num_layers=architecture["num_layers"])
    return generator_shape(discriminator, options.get("generator_hidden_ratio", 0.25),
                           options.get("generator_num_layers"),
                           options.get("generator_num_heads"),
                           options.get("generator_intermediate_dim"))
