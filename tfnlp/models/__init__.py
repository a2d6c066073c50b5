"""tfnlp.models: model families, one folder each, behind one contract.

- `registry.py`: `get_family(name)`, `family_names()`, `register_family`.
- `family.py`: the `Family` contract, `HubInterface`, `ExportHead`.
- `model_dir.py`: the native model dir (backbone + tokenizer + heads).
- `bert/`, `electra/`, `distilbert/`, `gpt2/`, `xlnet/`, `elmo/`, `static/`.

Importing this package imports no TensorFlow; a family's folder is
imported on first use.

Example:

>>> from tfnlp.models import get_family
>>> get_family("bert").name
'bert'
"""

from tfnlp.models.registry import family_names, get_family, register_family  # noqa: F401
