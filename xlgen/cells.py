"""A1 references: column letters, cells and ranges, with optional sheet names.

Rows and columns are 1-based, as in Excel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import XlgenError

MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


def column_index(letters: str) -> int:
    """``"A"`` -> 1, ``"AB"`` -> 28."""
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index


def column_letter(index: int) -> str:
    """1 -> ``"A"``, 28 -> ``"AB"``."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column: int, absolute: bool = False) -> str:
    """(4, 3) -> ``"C4"`` (or ``"$C$4"``)."""
    dollar = "$" if absolute else ""
    return f"{dollar}{column_letter(column)}{dollar}{row}"


def parse_cell(text: str) -> tuple[int, int]:
    """``"$C$4"`` -> (4, 3)."""
    match = _CELL.match(text.strip())
    if not match:
        raise XlgenError(f"not a cell reference: {text!r}")
    row, column = int(match.group(2)), column_index(match.group(1))
    if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
        raise XlgenError(f"cell reference out of Excel's grid: {text!r}")
    return row, column


def quote_sheet(sheet: str) -> str:
    """A sheet name as a formula writes it: quoted when it is not a plain identifier."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", sheet) and not _CELL.match(sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Range:
    """A rectangle of cells on one sheet, e.g. ``basic!C4:C32`` (the evaluator's references too)."""

    sheet: str
    first_row: int
    first_column: int
    last_row: int
    last_column: int

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def columns(self) -> int:
        return self.last_column - self.first_column + 1

    @property
    def size(self) -> int:
        return self.rows * self.columns

    @property
    def is_cell(self) -> bool:
        return self.first_row == self.last_row and self.first_column == self.last_column

    def cells(self) -> list[tuple[int, int]]:
        """(row, column) of every cell, row by row."""
        return [
            (row, column)
            for row in range(self.first_row, self.last_row + 1)
            for column in range(self.first_column, self.last_column + 1)
        ]

    def cell_at(self, index: int) -> tuple[int, int]:
        """(row, column) of cell ``index`` of :meth:`cells`, without listing them."""
        row, column = divmod(index, self.columns)
        return self.first_row + row, self.first_column + column

    def index_of(self, row: int, column: int) -> int | None:
        """The position of (row, column) in :meth:`cells`, or None outside the range."""
        if not (self.first_row <= row <= self.last_row and self.first_column <= column <= self.last_column):
            return None
        return (row - self.first_row) * self.columns + column - self.first_column

    def cell_names(self) -> list[str]:
        return [cell_name(row, column) for row, column in self.cells()]

    def __str__(self) -> str:
        first = cell_name(self.first_row, self.first_column)
        if self.size == 1:
            return f"{quote_sheet(self.sheet)}!{first}"
        return f"{quote_sheet(self.sheet)}!{first}:{cell_name(self.last_row, self.last_column)}"


def parse_range(text: str, default_sheet: str | None = None) -> Range:
    """``"basic!C4:C32"``, ``"'my sheet'!$A$1"`` or ``"C4:C32"`` (with ``default_sheet``) -> :class:`Range`."""
    text = text.strip().lstrip("=")
    sheet = default_sheet
    if "!" in text:
        sheet_part, _, text = text.rpartition("!")
        if sheet_part.startswith("'") and sheet_part.endswith("'") and len(sheet_part) >= 2:
            sheet_part = sheet_part[1:-1].replace("''", "'")
        sheet = sheet_part
    if not sheet:
        raise XlgenError(f"range {text!r} names no sheet")
    first, colon, last = text.partition(":")
    if colon and not last.strip():
        raise XlgenError(f"range {text!r} ends with ':' (give its last cell, as in C4:C32)")
    first_row, first_column = parse_cell(first)
    last_row, last_column = parse_cell(last) if last else (first_row, first_column)
    if last_row < first_row or last_column < first_column:
        raise XlgenError(f"range {text!r} is upside down")
    return Range(sheet, first_row, first_column, last_row, last_column)
