"""Grading an exercise: each quantity left to the learner is right, wrong, not filled yet, or typed in.

The check compares every quantity as usual; grading reads that comparison
per blanked quantity. An empty cell is "not filled", and the cells that
only inherit a wrong or empty cell (the next row's b reads new b) are not
mistakes of their own: a quantity whose every mismatch reads another
mismatching cell *waits* for that one. A number typed where a formula
belongs is reported even when it matches: a change of the inputs would not
reach it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .causes import MismatchingCells, ShapeCache, precedents
from .cells import cell_name, parse_cell
from .results import CellResult, WorkbookResult, cell_result

STATUS = {
    "right": "right",
    "wrong": "wrong",
    "partly filled": "partly filled",
    "not filled": "not filled yet",
    "constants": "typed in",
    "waits": "waits",
    "changed": "changed",
}

@dataclass
class Grade:
    """How far one quantity of an exercise is done."""

    quantity: str
    status: str  # a key of STATUS; "changed" is a given quantity whose formula the learner broke
    hint: str = ""
    cells: int = 0
    empty: int = 0
    first: Any = None  # the CellResult where it goes wrong (wrong, changed, waits)
    constants: int = 0
    first_constant: str | None = None  # sheet!cell of the first number typed in
    first_empty: str | None = None
    waits_for: str | None = None  # the quantity whose wrong or empty cells this one reads

    @property
    def done(self) -> bool:
        return self.status == "right"

    def as_json(self) -> dict[str, Any]:
        first = self.first
        return {
            "quantity": self.quantity, "status": self.status, "cells": self.cells, "empty": self.empty,
            "constants": self.constants, "first_constant": self.first_constant, "first_empty": self.first_empty,
            "waits_for": self.waits_for, "hint": self.hint,
            "first_wrong": None if first is None else {
                "cell": f"{first.sheet}!{first.cell}", "formula": first.formula,
                "workbook_value": first.as_json()["workbook_value"],
                "reference_value": first.as_json()["reference_value"]},
        }


class Inheritance:
    """Which mismatching cells are wrong by themselves, and which only read another mismatching cell.

    ``mismatches`` are the listed ones; with the ``comparisons`` (and the workbook's ``formulas``), a cell
    read that is a mismatch but not listed counts too, as a result row made when it is met.
    """

    def __init__(self, mismatches: Sequence[CellResult], comparisons: Sequence[Any] = (),
                 formulas: Mapping[tuple[str, int, int], str] | None = None):
        self._shapes = ShapeCache()
        self._by_cell = {(c.sheet.casefold(), *parse_cell(c.cell)): c for c in mismatches}
        self._upstream: dict[int, CellResult | None] = {}
        self._all = MismatchingCells(comparisons)
        self._formulas = formulas or {}

    def upstream(self, cell: CellResult) -> CellResult | None:
        """A mismatching cell that ``cell`` reads, or None when it is wrong by itself (or empty, or typed in)."""
        if cell.workbook_value is None or not cell.formula:
            return None
        if id(cell) not in self._upstream:
            row, column = parse_cell(cell.cell)
            own = (cell.sheet.casefold(), row, column)
            read = precedents(cell.formula, cell.sheet, row, column, self._shapes) - {own}
            listed = read & self._by_cell.keys()
            if not listed:
                listed = {key for key in read if key in self._all}
            self._upstream[id(cell)] = self._row(cell.file, min(listed)) if listed else None
        return self._upstream[id(cell)]

    def _row(self, file: str, key: tuple[str, int, int]) -> CellResult:
        if key not in self._by_cell:
            comparison, index = self._all.where(key)
            sheet = comparison.source.sheet
            self._by_cell[key] = cell_result(file, comparison, index, key[1], key[2],
                                             self._formulas.get((sheet, key[1], key[2])))
        return self._by_cell[key]

    def root(self, cell: CellResult) -> CellResult:
        """The cell where the error that reaches ``cell`` starts."""
        seen = set()
        while (above := self.upstream(cell)) is not None and id(above) not in seen:
            seen.add(id(cell))
            cell = above
        return cell


def grade(result: WorkbookResult, hints: Mapping[str, str],
          formulas: Mapping[tuple[str, int, int], str]) -> list[Grade]:
    """The grade of each blanked quantity of ``result`` (a checked exercise), then each given one it changed.

    ``formulas`` maps (sheet, row, column) to the formula of each formula cell.
    """
    mismatches = [c for c in result.cells if c.status == "mismatch"]
    inheritance = Inheritance(mismatches, result.comparisons, formulas)
    upstream, root = inheritance.upstream, inheritance.root
    by_quantity: dict[str, list] = {}
    for cell in mismatches:
        by_quantity.setdefault(cell.quantity, []).append(cell)
    grades = []
    for comparison in result.comparisons:
        quantity, source = comparison.quantity, comparison.source
        cells = source.cells()
        wrong_here = sorted(by_quantity.get(quantity, []), key=lambda c: c.step)
        if quantity not in hints:
            causes = [c for c in wrong_here if upstream(c) is None]
            if causes:
                grades.append(Grade(quantity, "changed", cells=len(cells), first=causes[0]))
            continue
        empty = [i for i, value in enumerate(comparison.workbook) if value is None]
        constants = [i for i, value in enumerate(comparison.workbook)
                     if value is not None and formulas.get((source.sheet, *cells[i])) is None]
        item = Grade(quantity, "right", hints[quantity], len(cells), empty=len(empty), constants=len(constants))
        if empty:
            item.first_empty = f"{source.sheet}!{cell_name(*cells[empty[0]])}"
        if constants:
            item.first_constant = f"{source.sheet}!{cell_name(*cells[constants[0]])}"
        filled = [c for c in wrong_here if c.workbook_value is not None and c.formula]
        causes = [c for c in filled if upstream(c) is None]
        if len(empty) == len(cells):
            item.status = "not filled"
        elif causes:
            item.status, item.first = "wrong", causes[0]
        elif empty:
            item.status = "partly filled"
        elif constants:
            item.status = "constants"
        elif wrong_here:
            item.status, item.first = "waits", wrong_here[0]
            item.waits_for = root(wrong_here[0]).quantity
        grades.append(item)
    return grades


def grade_lines(grades: Sequence[Grade], show: Callable[[Any], str], display: Callable[[str], str]) -> list[str]:
    """The terminal lines of an exercise's grades, one per quantity."""
    width = max((len(g.quantity) for g in grades), default=0)
    lines = []
    for item in grades:
        head = f"       {item.quantity:<{width}}  {STATUS[item.status]}"
        first = item.first
        if item.status in ("wrong", "changed"):
            formula = f" ={' '.join(display(first.formula).split())}" if first.formula else ""
            text = (f"{head} at {first.sheet}!{first.cell}{formula} ({first.where}): expected "
                    f"{show(first.reference_value)}, it gives {show(first.workbook_value)}")
            if item.status == "changed":
                text += "; this formula was given: put it back"
            elif item.hint:
                text += f"  hint: {item.hint}"
            lines.append(text)
        elif item.status == "partly filled":
            lines.append(f"{head}: {item.empty} of {item.cells} cells empty, first {item.first_empty}")
        elif item.status == "constants":
            lines.append(f"{head}: {item.constants} of {item.cells} cells hold a number, not a formula "
                         f"(first {item.first_constant}); it may match, but a change of the inputs would not "
                         f"reach it")
        elif item.status == "waits":
            lines.append(f"{head} for {item.waits_for}: from {first.sheet}!{first.cell} on it reads what "
                         f"{item.waits_for} gets wrong or leaves empty")
        else:
            lines.append(head)
    return lines
