"""tfnlp.hub: TF-Hub modules in and out.

Public names (imported lazily, so that `from tfnlp.hub import load_module`
does not import tensorflow_text and its clear error stays reachable):
- `export_modules` (export.py): every module a family's hub interface
  declares, written as one unit.
- `export_encoder_module` (export_encoder.py): backbone + tokenizer -> TF-Hub
  BERT-interface encoder SavedModel (+ the family's subobjects).
- `export_preprocess_module` (export_preprocess.py): tokenizer -> TF-Hub BERT
  preprocess SavedModel.
- `HubLayer`, alias `KerasLayer` (keras_layer.py): Keras 3 layer that loads
  and fine-tunes such modules.
- `export_serving_model` (serving.py): preprocess + encoder + task head ->
  serving SavedModel with `serving_default` (strings) and `serve_ids` (ids).
- `load_module` (loader.py): `tf.saved_model.load` with clear errors.
- `import_checkpoint` (import_checkpoint.py): Hugging Face checkpoint ->
  `OUTPUT/keras` + the family's hub modules (the converters live in the
  family folders, the shared pieces in `tfnlp.hf`).
"""

import importlib

_EXPORTS = {
    "export_modules": "tfnlp.hub.export",
    "export_encoder_module": "tfnlp.hub.export_encoder",
    "export_preprocess_module": "tfnlp.hub.export_preprocess",
    "HubLayer": "tfnlp.hub.keras_layer",
    "KerasLayer": "tfnlp.hub.keras_layer",
    "export_serving_model": "tfnlp.hub.serving",
    "load_module": "tfnlp.hub.loader",
    "import_checkpoint": "tfnlp.hub.import_checkpoint",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'tfnlp.hub' has no attribute {name!r}")


def __dir__():
    return __all__
