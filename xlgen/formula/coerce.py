"""Excel's conversions between numbers, text and logicals, and its ordering of values.

- To a number: a logical is 1 or 0, an empty cell 0, text that reads as a
  number (``" 1.5 "``, ``"1e3"``, ``"-2"``, ``"1,000"``, ``"50%"``) that number,
  other text ``#VALUE!``. Dates, times and currency symbols in text are not
  read (``#VALUE!``; Excel would read some of them).
- To text: numbers as Excel's General format writes them with up to 15
  significant digits, logicals ``TRUE``/``FALSE``, an empty cell ``""``.
- To a logical: a number is TRUE unless 0, text ``"TRUE"``/``"FALSE"`` (any
  case), other text ``#VALUE!``, an empty cell FALSE.
- Ordering: numbers < text < logicals; text compares case-insensitively; an
  empty cell compares as 0, ``""`` or FALSE, whichever the other side is.

Errors pass through every conversion unchanged, and so does
:class:`~xlgen.values.Unsupported`, which the engine treats as an error that
no function may catch.
"""

from __future__ import annotations

import re

from ..values import VALUE, ExcelError, Unsupported

_NUMERIC_TEXT = re.compile(
    r"^\s*([+-]?)((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)\s*(%?)\s*$")


def is_failure(value: object) -> bool:
    """An error value, or a value the engine could not compute: both propagate through operators."""
    kind = type(value)
    return kind is ExcelError or kind is Unsupported


def parse_number(text: str) -> float | ExcelError:
    """Text as a number the way arithmetic reads it, or ``#VALUE!``."""
    match = _NUMERIC_TEXT.match(text)
    if match is None or not any(ch.isdigit() for ch in match.group(2).split("e")[0].split("E")[0]):
        return VALUE
    sign, body, percent = match.groups()
    number = float(body.replace(",", ""))
    if sign == "-":
        number = -number
    if percent:
        number /= 100.0
    return number if number - number == 0.0 else VALUE


def to_number(value: object) -> object:
    """A float, or the error that stops the conversion."""
    kind = type(value)
    if kind is float:
        return value
    if kind is bool:
        return 1.0 if value else 0.0
    if value is None:
        return 0.0
    if kind is str:
        return parse_number(value)
    if kind is ExcelError or kind is Unsupported:
        return value
    if kind is int:
        return float(value)
    return VALUE


def number_text(number: float) -> str:
    """A number as Excel's General format writes it in text: up to 15 significant digits."""
    if number == 0.0:
        return "0"
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = f"{number:.15G}"
    if "E" in text:
        mantissa, _, exponent = text.partition("E")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        sign = exponent[0]
        digits = exponent[1:].lstrip("0") or "0"
        exponent_value = int(sign + digits)
        if -10 < exponent_value < 0:
            # Excel writes small numbers out in full while they fit 15 significant digits.
            return f"{number:.{15 - exponent_value - 1}f}".rstrip("0").rstrip(".")
        return f"{mantissa}E{sign}{digits}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def to_text(value: object) -> object:
    """A str, or the error that stops the conversion."""
    kind = type(value)
    if kind is str:
        return value
    if kind is float:
        return number_text(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if value is None:
        return ""
    if kind is ExcelError or kind is Unsupported:
        return value
    return VALUE


def to_logical(value: object) -> object:
    """A bool, or the error that stops the conversion."""
    kind = type(value)
    if kind is bool:
        return value
    if kind is float:
        return value != 0.0
    if value is None:
        return False
    if kind is str:
        upper = value.strip().upper()
        if upper == "TRUE":
            return True
        if upper == "FALSE":
            return False
        return VALUE
    if kind is ExcelError or kind is Unsupported:
        return value
    return VALUE


_RANK = {float: 0, str: 1, bool: 2}


def compare(left: object, right: object) -> int:
    """-1, 0 or 1 for two non-error scalars, in Excel's order (numbers < text < logicals)."""
    if left is None:
        left = _blank_like(right)
    if right is None:
        right = _blank_like(left)
    if type(left) is int:
        left = float(left)
    if type(right) is int:
        right = float(right)
    left_rank, right_rank = _RANK[type(left)], _RANK[type(right)]
    if left_rank != right_rank:
        return -1 if left_rank < right_rank else 1
    if left_rank == 1:
        left, right = left.casefold(), right.casefold()
    return (left > right) - (left < right)


def _blank_like(other: object) -> object:
    kind = type(other)
    if kind is str:
        return ""
    if kind is bool:
        return False
    return 0.0
