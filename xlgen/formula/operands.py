"""What a formula computes with besides cell values: references, arrays and LAMBDA functions.

A cell holds a :data:`xlgen.values.Value`; while a formula is evaluated, an
intermediate result can also be a :class:`Ref` (``A1:B3``, a :class:`xlgen.cells.Range` not yet read, so
that ``ROW``, ``INDEX`` and ``SUM`` see a reference), an :class:`Array`
(``{1,2;3,4}``, ``A1:A3*2``) or a :class:`Lambda`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..cells import Range
from ..values import NA


Ref = Range  # a reference as the evaluator passes it around: a rectangle of cells on one sheet


class Array:
    """A 2-D array of values (row-major lists); never empty."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[list[object]]):
        self.rows = rows

    @property
    def height(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return len(self.rows[0])

    def at(self, row: int, column: int) -> object:
        """Element (row, column), 0-based, with Excel's broadcasting: a single row or column repeats; else #N/A."""
        rows = self.rows
        if row >= len(rows):
            if len(rows) != 1:
                return NA
            row = 0
        line = rows[row]
        if column >= len(line):
            if len(line) != 1:
                return NA
            column = 0
        return line[column]

    def map(self, function: Callable[[object], object]) -> Array:
        return Array([[function(value) for value in row] for row in self.rows])

    def values(self):
        for row in self.rows:
            yield from row

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Array) and other.rows == self.rows

    def __repr__(self) -> str:
        return f"Array({self.rows!r})"


def broadcast_shape(*arrays: Array) -> tuple[int, int]:
    """The size of an elementwise result: the largest height and width among the operands."""
    return max(a.height for a in arrays), max(a.width for a in arrays)


@dataclass(eq=False)
class Lambda:
    """A LAMBDA value: parameter keys, the compiled body and the variables it closes over.

    ``required`` parameters come first; the rest are optional (typed ``[y]``, stored ``_xlop.y``) and may be
    left out of a call. A built-in function passed by name (``MAP(A1:A3, ABS)``, stored ``_xleta.ABS``) is a
    Lambda whose ``native(context, args)`` takes the arguments directly, however many there are.
    """

    parameters: tuple[str, ...]
    body: Callable | None  # body(context) -> value
    environment: dict  # LET/LAMBDA variables visible where the LAMBDA was written
    name: str = "LAMBDA"  # the defined name it was read from, for messages
    required: int | None = None  # how many parameters a call must give; None: all of them
    native: Callable | None = None  # native(context, args) -> value, for a built-in function


class Omitted:
    """An argument left out, as in ``IF(A1,,2)``: each function decides what it means (often 0)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "OMITTED"


OMITTED = Omitted()
