"""Defines absl flags from a dataclass, so a config's defaults live in one place.

Example:

>>> fv = flags.FlagValues()                                    # doctest: +SKIP
>>> define_dataclass_flags(fv, PretrainConfig, HELP)             # doctest: +SKIP
>>> config = dataclass_from_flags(fv, PretrainConfig)           # doctest: +SKIP
"""

import dataclasses

from absl import flags

from tfnlp.errors import TfnlpError

_DEFINE = {int: flags.DEFINE_integer, float: flags.DEFINE_float,
           bool: flags.DEFINE_boolean, str: flags.DEFINE_string}


def define_dataclass_flags(flag_values, cls, help_texts, skip=(), defaults=None):
    """Defines one flag per dataclass field (name, type and default from the field).

    Args:
        flag_values: `absl.flags.FlagValues` to define the flags on.
        cls: the dataclass.
        help_texts: dict field name -> help string (required for each flag).
        skip: field names not exposed as flags.
        defaults: dict field name -> default overriding the dataclass's.

    Returns:
        list of the flag names defined.
    """
    names = []
    for field in dataclasses.fields(cls):
        if field.name in skip:
            continue
        if defaults and field.name in defaults:
            default = defaults[field.name]
        elif field.default is not dataclasses.MISSING:
            default = field.default
        else:
            default = None
        _DEFINE[field.type](field.name, default, help_texts[field.name],
                            flag_values=flag_values)
        names.append(field.name)
    return names


def dataclass_from_flags(flag_values, cls, required=(), skip=()):
    """Builds the dataclass from parsed flags.

    Args:
        flag_values: parsed `FlagValues`.
        cls: the dataclass.
        required: flag names that must be given.
        skip: fields not taken from flags.

    Returns:
        An instance of `cls`.

    Raises:
        TfnlpError: a required flag is missing.
    """
    missing = [n for n in required if flag_values[n].value in (None, "")]
    if missing:
        raise TfnlpError(f"missing {', '.join('--' + n for n in missing)}")
    values = {f.name: flag_values[f.name].value
              for f in dataclasses.fields(cls) if f.name not in skip}
    return cls(**values)
