"""ULMFiT variable groups: embeddings, each encoder layer, pooler, head.

Discriminative learning rates and gradual unfreezing act on groups of
variables, ordered from the bottom of the network to the top:

    embeddings, transformer_layer_0, ..., transformer_layer_{L-1}, head

Two sources of groups:

- a native backbone: its family's `layer_groups(backbone)` (bottom to top;
  the default reads `embeddings/...`, `transformer_layer_{i}/...`, and
  puts the rest in `"top"`); `groups_from_layers` adds the task head (every
  other variable) on top;
- a loaded TF-Hub module (plain variables, names only): `group_variables`,
  by the rules below.

The group of a variable (by name) comes from its path (`keras.Variable.path`, e.g.
`"transformer_layer_3/self_attention_layer/query/kernel"`) or, for a plain
`tf.Variable` of a loaded TF-Hub SavedModel, from its name (e.g.
`"bert_encoder/transformer_layer_3/self_attention/query/kernel:0"`, or the
same with `/` turned into `_` as `keras.layers.TFSMLayer` does). Rules, first
match wins:

1. A layer index: ELMo's `lstm_layer_{i}` (group `lstm_layer_{i}`, as the
   ELMo family names its native groups), `transformer_layer_{i}`, Model-Garden
   `transformer/layer_{i}`, or a path segment `layer_{i}` / `encoder_layer_{i}`
   (only at the start of a segment, so a head layer called `dense_layer_1` is
   not taken for layer 1).
2. `pooler` (also Model Garden's `pooler_transform`).
3. A word `embedding` / `embeddings` (`token_embedding`, `word_embeddings`,
   `embeddings/layer_norm`, ...).
4. Anything else is the task `head`.

Where the pooler goes: the pooler is pretrained with the encoder (on the
next-sentence task), so it is not a freshly initialised head; but it is a
single dense layer sitting on top of the last encoder layer. By default
(`pooler="merge"`) its variables join the top encoder layer's group: they
share its learning rate and are unfrozen with it, so the pooler does not cost
an extra unfreezing epoch or an extra factor of 2.6. With `pooler="separate"`
it is its own group between the top layer and the head. A model with a
pooler but no encoder layers keeps it as its own group.

Example:

>>> groups = group_variables(model.trainable_variables)
>>> list(groups)
['embeddings', 'transformer_layer_0', 'transformer_layer_1', 'head']
"""

import collections
import re

from tfnlp.errors import TfnlpError

EMBEDDINGS = "embeddings"
POOLER = "pooler"
HEAD = "head"
LAYER_PREFIX = "transformer_layer_"
LSTM_LAYER_PREFIX = "lstm_layer_"

# A path segment starts at the beginning, after "/" or after ":" (never
# after "_", so "dense_layer_1" is no layer); TFSMLayer writes "/" as "_", so
# the explicit `transformer_layer_` forms also accept a leading "_".
_LSTM_LAYER_PATTERN = re.compile(r"(?:^|[/_:])lstm_layer_(\d+)(?![0-9])")
_LAYER_PATTERNS = (
    _LSTM_LAYER_PATTERN,
    re.compile(r"(?:^|[/_:])transformer_layer_(\d+)(?![0-9])"),
    re.compile(r"(?:^|[/:])transformer/layer_(\d+)(?![0-9])"),
    re.compile(r"(?:^|[/:])(?:encoder[/_])?layer_(\d+)(?![0-9])"),
)
_POOLER_PATTERN = re.compile(r"(?<![A-Za-z])pooler(?![A-Za-z])")
_EMBEDDINGS_PATTERN = re.compile(r"(?<![A-Za-z])embeddings?(?![A-Za-z])")

POOLER_MODES = ("merge", "separate")


def variable_name(variable):
    """The name the grouping rules look at: the path, else the name.

    Args:
        variable: a `keras.Variable` (has `.path`), a `tf.Variable` (has
            `.name`), or a string.

    Returns:
        str, e.g. `"transformer_layer_0/self_attention_layer/query/kernel"`.

    Example:

    >>> variable_name("transformer_layer_3/self_attention/query/kernel:0")
    'transformer_layer_3/self_attention/query/kernel:0'
    """
    if isinstance(variable, str):
        return variable
    path = getattr(variable, "path", None)
    if path:
        return str(path)
    return str(variable.name)


def layer_index(name):
    """The encoder layer index in a variable name, or None.

    Args:
        name: str, a variable path or name.

    Returns:
        int or None.

    Example:

    >>> layer_index("bert/transformer/layer_3/self_attention/query/kernel:0")
    3
    >>> layer_index("classifier/kernel") is None
    True
    """
    for pattern in _LAYER_PATTERNS:
        match = pattern.search(name)
        if match:
            return int(match.group(1))
    return None


def variable_group(variable):
    """The raw group of one variable: `embeddings`, a layer, `pooler`, `head`.

    This is the contract's classification (`docs/CONTRACTS.md`, "Variable
    groups"); `group_variables` decides where the pooler ends up.

    Args:
        variable: a `keras.Variable`, a `tf.Variable` or a name string.

    Returns:
        str: `"embeddings"`, `"transformer_layer_{i}"` (`"lstm_layer_{i}"`
        for ELMo's biLSTM layers), `"pooler"` or `"head"`.

    Example:

    >>> variable_group("transformer_layer_1_feedforward_output_dense_kernel_0")
    'transformer_layer_1'
    >>> variable_group("embeddings/token_embedding/embeddings")
    'embeddings'
    >>> variable_group("lstm_layer_1/backward/cell/kernel:0")
    'lstm_layer_1'
    """
    name = variable_name(variable)
    lstm = _LSTM_LAYER_PATTERN.search(name)
    if lstm:
        return f"{LSTM_LAYER_PREFIX}{int(lstm.group(1))}"
    index = layer_index(name)
    if index is not None:
        return f"{LAYER_PREFIX}{index}"
    if _POOLER_PATTERN.search(name):
        return POOLER
    if _EMBEDDINGS_PATTERN.search(name):
        return EMBEDDINGS
    return HEAD


def _sort_key(group):
    if group == EMBEDDINGS:
        return (0, 0)
    for prefix in (LAYER_PREFIX, LSTM_LAYER_PREFIX):
        if group.startswith(prefix):
            return (1, int(group[len(prefix):]))
    if group == POOLER:
        return (2, 0)
    return (3, 0)


def group_variables(variables, pooler="merge", require_layers=False):
    """Splits variables into ULMFiT groups, ordered bottom to top.

    Args:
        variables: iterable of `keras.Variable`s or `tf.Variable`s (e.g.
            `model.trainable_variables`, or a hub module's variables).
        pooler: `"merge"` (default) puts pooler variables into the top
            encoder layer's group; `"separate"` keeps a `pooler` group.
        require_layers: bool. If True, raise `TfnlpError` when no variable
            name carries an encoder layer index (discriminative learning
            rates and gradual unfreezing need one).

    Returns:
        `collections.OrderedDict` from group name to the list of its
        variables (in input order), ordered embeddings, `transformer_layer_0`
        ... `transformer_layer_{L-1}` (by index), pooler (if separate), head.
        Groups with no variables are left out.

    Raises:
        TfnlpError: bad `pooler`, or `require_layers` and no layer index.

    Example:

    >>> groups = group_variables(model.trainable_variables)
    >>> [(name, len(vs)) for name, vs in groups.items()]
    [('embeddings', 1), ('transformer_layer_0', 16), ('head', 2)]
    """
    if pooler not in POOLER_MODES:
        raise TfnlpError(
            f"group_variables: pooler={pooler!r}; use one of {POOLER_MODES}."
        )
    variables = list(variables)
    raw = collections.defaultdict(list)
    for variable in variables:
        raw[variable_group(variable)].append(variable)
    layers = sorted(
        (g for g in raw if g.startswith((LAYER_PREFIX, LSTM_LAYER_PREFIX))), key=_sort_key
    )
    if require_layers and not layers:
        shown = ", ".join(variable_name(v) for v in variables[:5])
        raise TfnlpError(
            "No encoder layer index found in any variable name "
            f"({len(variables)} variables, e.g. {shown or 'none'}). "
            "Discriminative learning rates and gradual unfreezing need "
            "variables named with `transformer_layer_{i}` (or "
            "`transformer/layer_{i}`, `layer_{i}`, ELMo's `lstm_layer_{i}`); re-export the module with "
            "layer-indexed names, or use a single learning rate "
            "(schedule 'linear')."
        )
    if pooler == "merge" and POOLER in raw and layers:
        raw[layers[-1]].extend(raw.pop(POOLER))
    ordered = collections.OrderedDict()
    for group in sorted(raw, key=_sort_key):
        ordered[group] = raw[group]
    return ordered


# Family groups that hold what sits above the last encoder layer (BERT's
# pooler): with pooler="merge" they join the group below.
TOP_GROUPS = ("top", POOLER)


def groups_from_layers(layer_groups, variables, pooler="merge", require_layers=False):
    """ULMFiT groups from a family's backbone groups plus the task head.

    Args:
        layer_groups: list of `(name, [variables])`, bottom to top, from
            `Family.layer_groups(backbone)`.
        variables: the variables to group (e.g. the task model's trainable
            variables); those in no backbone group form the `head` group.
        pooler: `"merge"` (default): a last backbone group named `"top"` or
            `"pooler"` joins the group below it (as the pooler joins the
            top layer in `group_variables`); `"separate"` keeps it.
        require_layers: raise `TfnlpError` when no variable falls in a
            backbone group.

    Returns:
        `collections.OrderedDict` group name -> variables (input order
        within a group), bottom to top, `head` last; empty groups left out.

    Raises:
        TfnlpError: bad `pooler`, a variable in two groups, or
            `require_layers` and no backbone variable.

    Example:

    >>> groups = groups_from_layers(family.layer_groups(backbone),
    ...                             model.trainable_variables)  # doctest: +SKIP
    >>> list(groups)                                           # doctest: +SKIP
    ['embeddings', 'transformer_layer_0', 'transformer_layer_1', 'head']
    """
    if pooler not in POOLER_MODES:
        raise TfnlpError(f"groups_from_layers: pooler={pooler!r}; use one of {POOLER_MODES}.")
    variables = list(variables)
    names = [name for name, _ in layer_groups]
    if len(set(names)) != len(names) or HEAD in names:
        raise TfnlpError(f"layer groups must have distinct names other than {HEAD!r}, "
                         f"got {names}")
    if pooler == "merge" and len(names) > 1 and names[-1] in TOP_GROUPS:
        names = names[:-1]
        merged = list(layer_groups[-2][1]) + list(layer_groups[-1][1])
        layer_groups = list(layer_groups[:-2]) + [(names[-1], merged)]
    group_of = {}
    for name, members in layer_groups:
        for variable in members:
            if id(variable) in group_of and group_of[id(variable)] != name:
                raise TfnlpError(f"variable {variable_name(variable)} is in two layer groups "
                                 f"({group_of[id(variable)]}, {name})")
            group_of[id(variable)] = name
    raw = collections.defaultdict(list)
    for variable in variables:
        raw[group_of.get(id(variable), HEAD)].append(variable)
    if require_layers and not set(raw) - {HEAD}:
        raise TfnlpError(
            f"none of the {len(variables)} variables is in a backbone layer group; "
            "discriminative learning rates and gradual unfreezing need the encoder's "
            "variables (use schedule 'linear' otherwise).")
    ordered = collections.OrderedDict()
    for name in names + [HEAD]:
        if raw.get(name):
            ordered[name] = raw[name]
    return ordered
