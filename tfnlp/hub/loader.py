"""Load a TF-Hub style SavedModel with clear errors, and inspect its interface.

`tf.saved_model.load` fails with long TF errors for the common mistakes: a
path that is not a SavedModel, a module using tf-text ops loaded before
`import tensorflow_text`, a module called with the wrong input keys. The
helpers here turn them into `TfnlpError`s that name the problem and the fix.

This module imports neither tensorflow_text nor keras, so the tf-text check
below is reachable.

Example:

>>> obj = load_module("/tmp/bert_encoder", expect="encoder")   # doctest: +SKIP
>>> obj(inputs, training=False)["pooled_output"]              # doctest: +SKIP
"""

import inspect
import os

import tensorflow as tf

from tfnlp.errors import TfnlpError
from tfnlp.hub.interface import HUB_INPUT_NAMES

TF_TEXT_MESSAGE = ("import tensorflow_text before loading; the preprocess "
                   "module needs tf-text ops")


def _load_path(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise TfnlpError(f"{path}: no such file or directory; expected a "
                         "SavedModel directory.")
    if not os.path.isdir(path) or not (
            os.path.isfile(os.path.join(path, "saved_model.pb"))
            or os.path.isfile(os.path.join(path, "saved_model.pbtxt"))):
        raise TfnlpError(f"{path}: not a SavedModel (no saved_model.pb in it).")
    try:
        return tf.saved_model.load(path)
    except Exception as e:  # TF raises several types for unregistered ops.
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        if "Op type not registered" in str(e):
            raise TfnlpError(f"{path}: {TF_TEXT_MESSAGE} ({first})") from e
        # A garbage or truncated saved_model.pb / variables file.
        raise TfnlpError(f"{path}: cannot load this SavedModel, saved_model.pb or "
                         f"variables/ is corrupt or truncated ({type(e).__name__}: "
                         f"{first[:200]})") from None


def function_has_training_argument(fn):
    """True if the (restored) function takes a `training` argument.

    Args:
        fn: a callable, e.g. `obj.__call__` of a loaded SavedModel.

    Returns:
        bool.
    """
    try:
        spec = inspect.getfullargspec(fn)
    except TypeError:
        return False
    return "training" in spec.args or "training" in spec.kwonlyargs


def expected_input_keys(fn):
    """The dict keys the traced concrete functions of `fn` take as `inputs`.

    Args:
        fn: a `tf.function` or restored function.

    Returns:
        A set of str, or None if `fn` has no traced concrete functions whose
        first argument is a dict (nothing to check).
    """
    concrete = getattr(fn, "concrete_functions", None)
    if not concrete:
        return None
    keys = set()
    for cf in concrete:
        args, _ = cf.structured_input_signature
        if args and isinstance(args[0], dict):
            keys.update(args[0].keys())
    return keys or None


def check_input_keys(fn, inputs, what="module"):
    """Raises `TfnlpError` if the dict `inputs` misses keys `fn` was traced for.

    Args:
        fn: a restored function.
        inputs: the inputs about to be passed (checked only if a dict).
        what: how to name the module in the message.
    """
    expected = expected_input_keys(fn)
    if expected is None or not isinstance(inputs, dict):
        return
    missing = sorted(expected - set(inputs))
    extra = sorted(set(inputs) - expected)
    if missing or extra:
        raise TfnlpError(
            f"{what} expects input keys {sorted(expected)}; missing "
            f"{missing}, unexpected {extra}.")


def check_encoder_interface(obj, what="module"):
    """Raises `TfnlpError` naming what a TF-Hub BERT encoder object lacks.

    Args:
        obj: a loaded SavedModel object.
        what: how to name it in the message (e.g. its path).
    """
    missing = []
    if not callable(obj):
        missing.append("__call__(inputs, training)")
    else:
        if not function_has_training_argument(obj.__call__):
            missing.append("a `training` argument of __call__")
        keys = expected_input_keys(obj.__call__)
        if keys is not None:
            missing += [f"input key {k!r}" for k in HUB_INPUT_NAMES if k not in keys]
    for attr in ("variables", "trainable_variables", "regularization_losses"):
        if not hasattr(obj, attr):
            missing.append(f"attribute `{attr}`")
    if missing:
        raise TfnlpError(f"{what} is not a TF-Hub BERT encoder: it lacks "
                         + ", ".join(missing) + ".")


def check_preprocess_interface(obj, what="module"):
    """Raises `TfnlpError` naming what a TF-Hub BERT preprocess object lacks.

    Args:
        obj: a loaded SavedModel object.
        what: how to name it in the message.
    """
    missing = []
    if not callable(obj):
        missing.append("__call__(strings)")
    for attr in ("tokenize", "bert_pack_inputs"):
        if not hasattr(obj, attr):
            missing.append(f"`{attr}`")
    if hasattr(obj, "tokenize") and not hasattr(obj.tokenize, "get_special_tokens_dict"):
        missing.append("`tokenize.get_special_tokens_dict`")
    if missing:
        raise TfnlpError(f"{what} is not a TF-Hub BERT preprocess module: it "
                         "lacks " + ", ".join(missing) + ".")


def check_elmo_interface(obj, what="module"):
    """Raises `TfnlpError` unless `obj` has Google's `elmo` signatures."""
    signatures = getattr(obj, "signatures", {}) or {}
    missing = [name for name in ("default", "tokens") if name not in signatures]
    if missing:
        raise TfnlpError(f"{what} is not an ELMo module: it lacks the signature(s) "
                         f"{', '.join(missing)}.")


def check_text_embedding_interface(obj, what="module"):
    """Raises `TfnlpError` unless `obj` maps strings `[batch]` to vectors."""
    keys = expected_input_keys(obj.__call__) if callable(obj) else None
    if not callable(obj) or keys:
        raise TfnlpError(f"{what} is not a text-embedding module: it must be called "
                         "on a string tensor [batch].")
    for attr in ("variables", "trainable_variables"):
        if not hasattr(obj, attr):
            raise TfnlpError(f"{what} is not a text-embedding module: it lacks `{attr}`.")


# expect= name -> check. The BERT interface's two modules, and the kinds of
# `tfnlp.models.family.HubInterface`.
INTERFACE_CHECKS = {
    "encoder": check_encoder_interface,
    "preprocess": check_preprocess_interface,
    "elmo": check_elmo_interface,
    "text_embedding": check_text_embedding_interface,
}


def module_family(obj):
    """The `tfnlp_family` a tfnlp module records, or None (a foreign module)."""
    variable = getattr(obj, "tfnlp_family", None)
    if variable is None:
        return None
    value = variable.numpy()
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def check_declared_subobjects(obj, what="module"):
    """A tfnlp module must carry no subobject its family does not declare, and
    each declared one it carries must be callable."""
    family = module_family(obj)
    if family is None:
        return
    from tfnlp.models.registry import get_family

    interface = get_family(family).hub_interface
    for name in interface.subobjects:
        sub = getattr(obj, name, None)
        if sub is not None and not callable(sub):
            raise TfnlpError(f"{what}: the {family} subobject `{name}` is not callable.")


def load_module(handle, expect=None):
    """Loads a SavedModel (or passes through a loaded one) and checks it.

    Args:
        handle: path of a SavedModel directory, or an already-loaded object.
        expect: None (no interface check), or one of `INTERFACE_CHECKS`
            (`"encoder"`, `"preprocess"`, `"elmo"`, `"text_embedding"`).

    Returns:
        The loaded object.

    Raises:
        TfnlpError: the path is missing or not a SavedModel; the module needs
            tf-text ops that are not registered (import tensorflow_text); or
            the module lacks the expected interface (what is missing is named).

    Example:
    >>> import tensorflow_text  # noqa: F401  (registers the ops)   # doctest: +SKIP
    >>> pre = load_module("/tmp/bert_preprocess", expect="preprocess")  # doctest: +SKIP
    """
    if isinstance(handle, (str, os.PathLike)):
        what = os.fspath(handle)
        obj = _load_path(handle)
    else:
        what, obj = type(handle).__name__, handle
    if expect is not None:
        if expect not in INTERFACE_CHECKS:
            raise TfnlpError(f"expect must be None or one of {sorted(INTERFACE_CHECKS)}, "
                             f"got {expect!r}")
        INTERFACE_CHECKS[expect](obj, what)
        if expect == "encoder":
            check_declared_subobjects(obj, what)
    return obj
