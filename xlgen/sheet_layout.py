"""A hand-made workbook seen as a learner lays it out: columns of numbers under headers, and labelled inputs.

A column is a run of number cells (constants or formulas) down one column of
a sheet, headed by the text cells just above it. An input is a number
constant outside the long columns, with the texts beside it (left, above,
below) and the defined names that point at it. Nothing here knows an
experiment: :mod:`xlgen.draft_spec` matches these to one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .cells import Range, parse_range
from .errors import XlgenError
from .manifest import MANIFEST_SHEET
from .xlsx.reader import Workbook

HEADER_GAP = 2  # empty cells allowed between a column and its header (xlgen's start row)
SHORTEST_COLUMN = 3  # fewer cells than this are inputs (b and a at start in C1:C2), not a column
SHORTEST_DATA = 8  # a column of typed numbers this short may be inputs stacked one under the other


@dataclass(frozen=True)
class Column:
    """Cells ``first_row``..``last_row`` of ``column`` on ``sheet``: every one a number or a formula."""

    sheet: str
    column: int
    first_row: int
    last_row: int
    headers: tuple[str, ...]  # the texts directly above, nearest first
    constants: bool  # its first cell is a typed number (data), not a formula

    @property
    def size(self) -> int:
        return self.last_row - self.first_row + 1

    def range(self, offset: int = 0, size: int | None = None) -> Range:
        first = self.first_row + offset
        return Range(self.sheet, first, self.column, first + (size or self.size - offset) - 1, self.column)


@dataclass(frozen=True)
class Input:
    """A number constant that may be a parameter, with what names it."""

    cell: Range
    labels: tuple[str, ...]  # texts beside it, and the defined names that point at it


@dataclass
class Layout:
    columns: list[Column] = field(default_factory=list)
    inputs: dict[Range, Input] = field(default_factory=dict)
    names: dict[str, Range] = field(default_factory=dict)  # defined name -> the one cell it names
    formulas: list[Range] = field(default_factory=list)  # formula cells outside the columns (an rmse below)
    typed: set[tuple[str, int, int]] = field(default_factory=set)  # (sheet, row, column) of typed numbers


def layout_of(workbook: Workbook) -> Layout:
    """The columns and inputs of the workbook's visible sheets (xlgen's manifest sheet left out)."""
    layout = Layout()
    for name, defined in ((d.name, d) for d in workbook.names):
        if defined.name.startswith("_xl") or defined.hidden:
            continue
        try:
            target = parse_range(defined.text.replace("$", ""))
        except XlgenError:
            continue  # a formula, a LAMBDA or an error: not a cell
        sheet = {key.casefold(): key for key in workbook.sheets}.get(target.sheet.casefold())
        if target.is_cell and sheet is not None:
            layout.names.setdefault(name, Range(sheet, target.first_row, target.first_column,
                                                target.last_row, target.last_column))
    named: dict[Range, list[str]] = {}
    for name, target in layout.names.items():
        named.setdefault(target, []).append(name)
    for sheet_name, sheet in workbook.sheets.items():
        if sheet.state != "visible" or sheet_name == MANIFEST_SHEET:
            continue
        constants = {key: value for key, value in sheet.values.items() if key not in sheet.formulas}
        numbers = {key for key, value in constants.items() if isinstance(value, float)}
        numbers |= set(sheet.formulas)
        texts = {key: value for key, value in constants.items() if isinstance(value, str) and value.strip()}
        layout.typed |= {(sheet_name, *key) for key, value in constants.items() if isinstance(value, (float, bool))}
        in_columns: set[tuple[int, int]] = set()
        starts: list[tuple[tuple[int, int], tuple[str, ...]]] = []
        by_column: dict[int, list[int]] = {}
        for row, column in numbers:
            by_column.setdefault(column, []).append(row)
        for column in sorted(by_column):
            rows = sorted(by_column[column])
            start = 0
            for index in range(1, len(rows) + 1):
                if index == len(rows) or rows[index] != rows[index - 1] + 1:
                    first, last = rows[start], rows[index - 1]
                    start = index
                    formulas = any((r, column) in sheet.formulas for r in range(first, last + 1))
                    if last - first + 1 < (2 if formulas else SHORTEST_COLUMN):  # rmse of two epochs is a column
                        continue
                    headers = _headers(texts, first, column)
                    layout.columns.append(Column(sheet_name, column, first, last, tuple(headers),
                                                 (first, column) not in sheet.formulas))
                    in_columns |= {(r, column) for r in range(first, last + 1)}
                    if (first, column) not in sheet.formulas and (first + 1, column) in sheet.formulas:
                        starts.append(((first, column), tuple(headers)))  # b at start typed over =N4 ...
                    if formulas:  # a state pasted below the steps (graddesc's row 33), read by their first row
                        starts += [((r, column), ()) for r in range(first + 1, last + 1)
                                   if (r, column) not in sheet.formulas]
        layout.formulas += [Range(sheet_name, r, c, r, c) for r, c in sorted(set(sheet.formulas) - in_columns)]
        switches = {key for key, value in constants.items() if isinstance(value, bool)}  # decouple_wd: TRUE
        for (row, column) in sorted((numbers | switches) - set(sheet.formulas) - in_columns):
            cell = Range(sheet_name, row, column, row, column)
            beside = [texts[key] for key in ((row, column - 1), (row - 1, column), (row + 1, column),
                                             (row, column - 2)) if key in texts]
            layout.inputs[cell] = Input(cell, tuple(beside + named.get(cell, [])))
        for found in list(layout.columns):  # a stack of labelled inputs (lr, h, a and b at start) is not data
            if found.sheet == sheet_name and all((r, found.column) not in sheet.formulas
                                                 for r in range(found.first_row, found.last_row + 1)):
                labelled = [r for r in range(found.first_row, found.last_row + 1) if (r, found.column - 1) in texts]
                if found.size <= SHORTEST_DATA or len(labelled) == found.size:
                    layout.columns.remove(found)
                    for row in range(found.first_row, found.last_row + 1):
                        cell = Range(sheet_name, row, found.column, row, found.column)
                        beside = [texts[key] for key in ((row, found.column - 1), (row, found.column - 2))
                                  if key in texts]
                        layout.inputs[cell] = Input(cell, tuple(beside + named.get(cell, [])))
        for (row, column), headers in starts:
            cell = Range(sheet_name, row, column, row, column)
            layout.inputs[cell] = Input(cell, headers + tuple(named.get(cell, [])))
    for target, names in named.items():  # a name on a cell inside a column, or on a formula cell
        if target not in layout.inputs:
            layout.inputs[target] = Input(target, tuple(names))
    return layout


def _headers(texts: dict[tuple[int, int], str], first: int, column: int) -> tuple[str, ...]:
    """The texts just above row ``first`` (an empty row or two between them and the column allowed)."""
    row = first - 1
    while row > 0 and (row, column) not in texts and first - row <= HEADER_GAP:
        row -= 1
    headers = []
    while (row, column) in texts and len(headers) < 3:
        headers.append(texts[(row, column)])
        row -= 1
    return tuple(headers)
