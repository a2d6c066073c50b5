"""tfnlp.hub: TF-Hub modules in and out.

Public names (imported lazily, so that `from tfnlp.hub import load_module`
does not import tensorflow_text and its clear error stays reachable):
- `export_encoder_module` (export_encoder.py): BertEncoder -> TF-Hub BERT
  encoder SavedModel (+ optional `mlm`).
- `export_preprocess_module` (export_preprocess.py): vocab -> TF-Hub BERT
  preprocess SavedModel.
- `HubLayer`, alias `KerasLayer` (keras_layer.py): Keras 3 layer that loads
  and fine-tunes such modules.
- `export_serving_model` (serving.py): preprocess + encoder + task head ->
  serving SavedModel with `serving_default` (strings) and `serve_ids` (ids).
- `load_module` (loader.py): `tf.saved_model.load` with clear errors.
- `load_hf_bert` (import_hf.py): Hugging Face BERT checkpoint -> BertEncoder.
"""

import importlib

_EXPORTS = {
    "export_encoder_module": "tfnlp.hub.export_encoder",
    "export_preprocess_module": "tfnlp.hub.export_preprocess",
    "HubLayer": "tfnlp.hub.keras_layer",
    "KerasLayer": "tfnlp.hub.keras_layer",
    "export_serving_model": "tfnlp.hub.serving",
    "load_module": "tfnlp.hub.loader",
    "load_hf_bert": "tfnlp.hub.import_hf",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'tfnlp.hub' has no attribute {name!r}")


def __dir__():
    return __all__
