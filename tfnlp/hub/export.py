"""Export driven by a family's hub interface: every declared module, as one unit.

`export_modules` writes `OUTPUT/<module>` for each module of
`family.hub_interface.modules` (`encoder` + `preprocess` for the BERT
interface; the family's own builders for other kinds) and, optionally,
more folders (`keras/` for `import_checkpoint`). All of it is written into
one temporary folder beside `OUTPUT` and renamed into place, so an export
that fails, or is killed, leaves the earlier export whole: never a new
`encoder/` beside an old `preprocess/`.

Example:

>>> run = load_run("run")                                          # doctest: +SKIP
>>> export_modules(run.family, run.backbone, run.tokenizer, "hub",
...                heads=run.family.export_heads(run.pretrainer))   # doctest: +SKIP
{'encoder': '/abs/hub/encoder', 'preprocess': '/abs/hub/preprocess'}
"""

import os

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.io import atomic_write_dir, check_output_dir, is_saved_model_dir


def is_export_dir(path):
    """An earlier export: every entry a SavedModel or a tfnlp model dir."""
    from tfnlp.models.model_dir import is_model_dir

    entries = [e for e in os.listdir(path) if not e.startswith(".")]
    return bool(entries) and all(
        is_saved_model_dir(os.path.join(path, e)) or is_model_dir(os.path.join(path, e))
        for e in entries)


def check_export_settings(family, backbone, heads, seq_length, output=None):
    """Checks everything an export needs before the first byte is written.

    Args:
        family, backbone, heads, seq_length: as for `export_modules`.
        output: the export folder, checked when given (an earlier export,
            empty or new).

    Raises:
        TfnlpError: a bad `seq_length`, a head the interface does not
            declare, a module with no builder, or an `output` that holds
            something other than an earlier export.
    """
    if output is not None:
        check_output_dir(output, allowed=is_export_dir, what="an earlier tfnlp export")
    if isinstance(seq_length, bool) or not isinstance(seq_length, int) or seq_length < 3:
        raise TfnlpError(f"seq_length must be an integer >= 3, got {seq_length!r}")
    limit = getattr(backbone, "max_sequence_length", None)
    if limit is not None and seq_length > limit:
        raise TfnlpError(f"seq_length {seq_length} is longer than the encoder's "
                         f"{limit} positions")
    interface = family.hub_interface
    unknown = sorted(set(heads or {}) - set(interface.subobjects))
    if unknown:
        raise TfnlpError(f"{family.name} modules have no subobject(s) {unknown}; "
                         f"declared: {list(interface.subobjects)}")
    for name in interface.modules:
        if name not in interface.module_builders and not (
                interface.kind == "bert_encoder" and name in ("encoder", "preprocess")):
            raise TfnlpError(f"{family.name}: no builder for hub module {name!r}")


def build_modules(family, backbone, tokenizer, heads=None, seq_length=128):
    """Builds (without saving) every module the family's interface declares.

    Returns:
        dict module name -> trackable.
    """
    from tfnlp.hub.export_encoder import build_encoder_module
    from tfnlp.hub.export_preprocess import build_preprocess_module

    interface = family.hub_interface
    modules = {}
    for name in interface.modules:
        if name in interface.module_builders:
            modules[name] = interface.module_builders[name](
                backbone, tokenizer, heads or {}, seq_length)
        elif name == "encoder":
            modules[name] = build_encoder_module(
                backbone, tokenizer, family.name, heads, interface.asset_attribute)
        else:
            modules[name] = build_preprocess_module(
                tokenizer, family.name, seq_length, interface.asset_attribute)
    return modules


def _save(module, path):
    signatures = getattr(module, "signatures_to_save", None)
    if signatures is None and hasattr(module, "serving_default"):
        signatures = {"serving_default": module.serving_default}
    tf.saved_model.save(module, path, signatures=signatures)


def export_modules(family, backbone, tokenizer, output, heads=None, seq_length=128,
                   extra_writers=None):
    """Writes the family's hub modules (and `extra_writers`' folders) as one unit.

    Args:
        family: the `Family`.
        backbone: its backbone, with the weights to export.
        tokenizer: its tokenizer, built from asset files.
        output: the export folder (new, empty, or an earlier export).
        heads: dict name -> `ExportHead` for the subobjects to include.
        seq_length: default packed length of the preprocess module.
        extra_writers: dict folder name -> `fn(path)` writing more folders
            into the same unit (e.g. `keras`).

    Returns:
        dict folder name -> absolute path.

    Raises:
        TfnlpError: bad settings (before anything is written), or an
            `output` that holds something other than an earlier export.
    """
    check_export_settings(family, backbone, heads, seq_length, output)
    modules = build_modules(family, backbone, tokenizer, heads, seq_length)

    def write(tmp):
        for name, module in modules.items():
            _save(module, os.path.join(tmp, name))
        for name, writer in (extra_writers or {}).items():
            writer(os.path.join(tmp, name))

    output = atomic_write_dir(output, write, allowed=is_export_dir,
                              what="an earlier tfnlp export")
    names = list(modules) + list(extra_writers or {})
    return {name: os.path.join(output, name) for name in names}
