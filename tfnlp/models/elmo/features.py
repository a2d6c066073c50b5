"""Feature-based ELMo: a frozen backbone and a trainable scalar mix of its layers.

`ELMo_t = gamma * sum_j softmax(s)_j h_{t,j}` (Peters et al. 2018, eq. 1)
over chosen layers `j` of `encoder_outputs` (0: the character encoder's
vectors duplicated to both directions, `1..L`: the biLSTM layers), with
optional layer normalisation of each layer. The backbone is frozen; only
`s` and `gamma` train (with the task model above them).

Example:

>>> features = ElmoFeatures(backbone)                       # doctest: +SKIP
>>> features(tokenizer(tf.constant(["The cat sat."])))      # doctest: +SKIP
<tf.Tensor: shape=(1, 128, 64), ...>
"""

import keras

from tfnlp.errors import TfnlpError
from tfnlp.layers.scalar_mix import ScalarMix


def check_mix_layers(layers, num_layers):
    """The layer indices to mix, checked against a backbone of `num_layers`.

    Args:
        layers: iterable of ints in `[0, num_layers]` (None: all of them).
        num_layers: the backbone's biLSTM layers.

    Returns:
        list of ints.

    Raises:
        TfnlpError: empty, repeated or out-of-range indices.
    """
    if layers is None:
        return list(range(num_layers + 1))
    try:
        layers = [int(j) for j in layers]
    except (TypeError, ValueError):
        raise TfnlpError(f"mix layers must be integers, got {layers!r}") from None
    bad = [j for j in layers if not 0 <= j <= num_layers]
    if not layers or bad or len(set(layers)) != len(layers):
        raise TfnlpError(f"cannot mix ELMo layers {layers}: this model has layers 0 (the "
                         f"character encoder) to {num_layers} (its biLSTM layers); give "
                         "distinct indices in that range")
    return layers


@keras.saving.register_keras_serializable(package="tfnlp")
class ElmoFeatures(keras.layers.Layer):
    """A frozen `ElmoBackbone` plus a trainable `ScalarMix` of its layers.

    Args:
        backbone: an `ElmoBackbone` (set non-trainable here).
        layers: indices of `encoder_outputs` to mix (None: all).
        layer_norm: normalise each layer over its real positions first.
        **kwargs: `keras.layers.Layer` arguments.

    Returns (from `call(inputs)` with `char_ids`, `padding_mask`):
        float `[batch, time, 2 * projection_dim]`, zero at padding.

    Example:

    >>> ElmoFeatures(backbone, layers=[1, 2]).mix.num_inputs   # doctest: +SKIP
    2
    """

    def __init__(self, backbone, layers=None, layer_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.layers_to_mix = check_mix_layers(layers, backbone.num_layers)
        self.backbone = backbone
        self.backbone.trainable = False
        self.layer_norm = bool(layer_norm)
        self.mix = ScalarMix(num_inputs=len(self.layers_to_mix), layer_norm=self.layer_norm,
                             dtype=self.dtype_policy, name="scalar_mix")
        self.mix.build([(None, None, backbone.hidden_dim)] * len(self.layers_to_mix))

    def build(self, input_shape=None):
        self.built = True

    def call(self, inputs):
        mask = inputs["padding_mask"]
        encoded = self.backbone({"char_ids": inputs["char_ids"], "padding_mask": mask},
                                training=False)
        chosen = [encoded["encoder_outputs"][j] for j in self.layers_to_mix]
        mixed = self.mix(chosen, padding_mask=mask)
        return mixed * keras.ops.cast(mask, mixed.dtype)[..., None]

    def compute_output_shape(self, input_shape):
        shape = input_shape["padding_mask"]
        return tuple(shape) + (self.backbone.hidden_dim,)
