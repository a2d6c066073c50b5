"""Family name -> family object. Families register themselves on import.

The built-in families are imported lazily, by name, the first time they are
asked for, so importing the registry costs nothing and a broken family
cannot break the others.

Example:

>>> from tfnlp.models.registry import family_names, get_family
>>> "bert" in family_names()
True
>>> get_family("bert").default_objective
'mlm_nsp'
"""

import importlib
import importlib.util

from tfnlp.errors import TfnlpError

# name -> module that registers it (the built-in families).
BUILTIN_FAMILIES = {
    "bert": "tfnlp.models.bert",
    "electra": "tfnlp.models.electra",
    "distilbert": "tfnlp.models.distilbert",
    "gpt2": "tfnlp.models.gpt2",
    "xlnet": "tfnlp.models.xlnet",
    "elmo": "tfnlp.models.elmo",
    "word2vec": "tfnlp.models.static",
    "glove": "tfnlp.models.static",
}

_FAMILIES = {}


def register_family(family):
    """Registers a `tfnlp.models.family.Family` instance under `family.name`.

    Args:
        family: the instance.

    Returns:
        the family (so it can be used as `FAMILY = register_family(X())`).
    """
    if not family.name:
        raise TfnlpError(f"{type(family).__name__} has no name")
    _FAMILIES[family.name] = family
    return family


def _available_builtins():
    return [name for name, module in BUILTIN_FAMILIES.items()
            if importlib.util.find_spec(module) is not None]


def family_names():
    """The names of every family that can be loaded here (built-in + registered)."""
    return sorted(set(_available_builtins()) | set(_FAMILIES))


def get_family(name):
    """Returns the registered family called `name`, importing it if built in.

    Args:
        name: str, e.g. `"bert"`.

    Returns:
        a `Family`.

    Raises:
        TfnlpError: no such family.
    """
    if name not in _FAMILIES and name in BUILTIN_FAMILIES:
        module = BUILTIN_FAMILIES[name]
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    if name not in _FAMILIES:
        raise TfnlpError(f"unknown model family {name!r}; known families: "
                         f"{', '.join(family_names())}")
    return _FAMILIES[name]


def families_with_hub_interface(kind):
    """The loadable families whose TF-Hub interface is of `kind`, in registry order.

    Loads every built-in family (only ask when a module names none).

    Args:
        kind: a `HubInterface.kind`, e.g. `"text_embedding"`.

    Returns:
        a list of `Family` (built-in ones first, as `BUILTIN_FAMILIES` orders them).

    Example:

    >>> [f.name for f in families_with_hub_interface("text_embedding")]
    ['word2vec', 'glove']
    """
    names = [n for n in BUILTIN_FAMILIES if n in _available_builtins()]
    names += [n for n in _FAMILIES if n not in names]
    return [get_family(n) for n in names if get_family(n).hub_interface.kind == kind]
