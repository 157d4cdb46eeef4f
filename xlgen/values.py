"""Cell values as every engine returns them.

A value is a ``float``, a ``bool``, a ``str``, ``None`` (an empty cell), an
:class:`ExcelError` (``#NUM!``, ``#DIV/0!``, ...) or :class:`Unsupported` (the
engine cannot evaluate the cell, with the reason). Numbers are always floats,
never ints: Excel has only IEEE doubles.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import XlgenError


class ExcelError(str):
    """An Excel error value; compares equal to its text (``ExcelError("#NUM!") == "#NUM!"``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ExcelError({str(self)!r})"


NULL = ExcelError("#NULL!")
DIV0 = ExcelError("#DIV/0!")
VALUE = ExcelError("#VALUE!")
REF = ExcelError("#REF!")
NAME = ExcelError("#NAME?")
NUM = ExcelError("#NUM!")
NA = ExcelError("#N/A")
SPILL = ExcelError("#SPILL!")
CALC = ExcelError("#CALC!")

ERRORS: dict[str, ExcelError] = {  # every error value Excel writes in a cell
    e: e for e in (NULL, DIV0, VALUE, REF, NAME, NUM, NA, SPILL, CALC, *map(ExcelError, (
        "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!", "#PYTHON!", "#EXTERNAL!")))
}


def as_error(text: str) -> ExcelError:
    """The error value spelled ``text``; a text that is none of Excel's error values is refused."""
    error = ERRORS.get(text)
    if error is None:
        raise XlgenError(f"error value {text!r} is not one of Excel's")
    return error


@dataclass(frozen=True)
class Unsupported:
    """A cell the engine could not evaluate, with why (``"LAMBDA: LibreOffice has no LAMBDA"``)."""

    reason: str

    def __str__(self) -> str:
        return f"unsupported: {self.reason}"


Value = float | bool | str | ExcelError | Unsupported | None
