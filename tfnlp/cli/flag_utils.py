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


def parse_interval(text):
    """Parses an interval such as `"[1, inf)"`, `"(0, 1]"` or `"[0, 100]"`.

    Args:
        text: `[` or `(`, the lower bound, a comma, the upper bound, `]` or
            `)`; `-inf` / `inf` for no bound.

    Returns:
        (low, high, low_open, high_open): floats and bools.

    Example:

    >>> parse_interval("(0, 1]")
    (0.0, 1.0, True, False)
    """
    text = text.strip()
    if len(text) < 5 or text[0] not in "[(" or text[-1] not in "])" or "," not in text:
        raise ValueError(f"not an interval: {text!r}")
    low, high = (float(part) for part in text[1:-1].split(","))
    return low, high, text[0] == "(", text[-1] == ")"


def in_interval(value, text):
    """True if the number `value` lies in the interval `text` (see `parse_interval`)."""
    low, high, low_open, high_open = parse_interval(text)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    return above and below


def declare_ranges(flag_values, ranges):
    """Attaches a range check to numeric flags: a value outside is a flag error.

    The check runs when the command line is parsed, before any work, so
    `tfnlp CMD --flag=BAD` exits 2 with one line such as
    `flag --epochs=0: must be in [1, inf)`. An unset flag (None, meaning
    "the default") passes.

    Args:
        flag_values: the command's `absl.flags.FlagValues`.
        ranges: dict flag name -> interval text (`"[1, inf)"`, `"(0, 1]"`).
            Names the command does not define are skipped (a shared table).

    Returns:
        list of the flag names that got a check.

    Example:

    >>> fv = flags.FlagValues()
    >>> flags.DEFINE_integer("epochs", 3, "Epochs.", flag_values=fv)  # doctest: +ELLIPSIS
    <...>
    >>> declare_ranges(fv, {"epochs": "[1, inf)"})
    ['epochs']
    """
    names = []
    for name, interval in ranges.items():
        if name not in flag_values:
            continue
        parse_interval(interval)  # a typo in a table fails at definition

        def check(value, interval=interval):
            return value is None or in_interval(value, interval)

        flags.register_validator(name, check, message=f"must be in {interval}",
                                 flag_values=flag_values)
        names.append(name)
    return names


def numeric_flags(flag_values):
    """Names of the integer and float flags defined on `flag_values`."""
    return sorted(name for name, flag in flag_values._flags().items()
                  if isinstance(flag.parser, (flags.IntegerParser, flags.FloatParser))
                  and name == flag.name)
