"""tfnlp.objectives: one module per pretraining objective, by name.

`get_objective(name)` imports the objective's module lazily, so importing
this package costs nothing.

Example:

>>> from tfnlp.objectives import get_objective, objective_names
>>> "mlm_nsp" in objective_names()
True
"""

import importlib
import importlib.util

from tfnlp.errors import TfnlpError

# name -> module that defines `OBJECTIVE`.
BUILTIN_OBJECTIVES = {
    "mlm": "tfnlp.objectives.mlm",
    "mlm_nsp": "tfnlp.objectives.mlm_nsp",
    "causal_lm": "tfnlp.objectives.causal_lm",
    "rtd": "tfnlp.objectives.rtd",
    "plm": "tfnlp.objectives.plm",
    "distill": "tfnlp.objectives.distill",
    "bilm": "tfnlp.objectives.bilm",
    "skipgram": "tfnlp.objectives.skipgram",
    "cbow": "tfnlp.objectives.cbow",
    "glove": "tfnlp.objectives.glove",
}


def objective_names():
    """Names of the objectives that can be loaded here."""
    return sorted(name for name, module in BUILTIN_OBJECTIVES.items()
                  if importlib.util.find_spec(module) is not None)


def get_objective(name):
    """Returns the `Objective` registered as `name`.

    Args:
        name: e.g. `"mlm"`.

    Raises:
        TfnlpError: no such objective.
    """
    module = BUILTIN_OBJECTIVES.get(name)
    if module is None or importlib.util.find_spec(module) is None:
        raise TfnlpError(f"unknown objective {name!r}; known objectives: "
                         f"{', '.join(objective_names())}")
    return importlib.import_module(module).OBJECTIVE
