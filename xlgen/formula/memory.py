"""A workbook built in memory from cell contents, so formulas can be evaluated without writing a file.

``workbook_from_cells({"Sheet1": {"A1": 2.0, "B1": "=A1^2"}}, names={"lr": "Sheet1!$A$1"})``
stores cells exactly as the reader stores a file's (text starting with ``=`` is
a formula, stored without the ``=``; a formula filled down a column becomes a
run), so :class:`~xlgen.formula.evaluator.WorkbookEvaluator` treats it like a
file. :func:`evaluate` is the one-call form.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..cells import Range, parse_cell, parse_range
from ..xlsx.reader import DefinedName, Sheet, Workbook
from ..xlsx.sheet_cells import SheetBuilder, SheetCells
from .evaluator import WorkbookEvaluator


def workbook_from_cells(sheets: Mapping[str, Mapping[str, object]], names: Mapping[str, str] | None = None,
                        arrays: Mapping[str, str] | None = None) -> Workbook:
    """A workbook whose sheets hold ``{"A1": value or "=formula"}``; ``arrays`` maps ``"Sheet!B2"`` to the
    area (``"B2:D2"``) of an array formula written there; ``names`` maps a workbook name to its text
    (``"Sheet1!name"`` for a sheet's own name)."""
    built: dict[str, Sheet] = {}
    for name, contents in sheets.items():
        cells = SheetCells()
        builder = SheetBuilder(cells, [], formula_values=False)
        for key in sorted(contents, key=lambda k: parse_cell(k)):
            row, column = parse_cell(key)
            content = contents[key]
            if isinstance(content, str) and content.startswith("="):
                area = (arrays or {}).get(f"{name}!{key}")
                builder.formula(row, column, content[1:], "array" if area else None, area, None, None)
            elif content is not None:
                cells.constants[(row, column)] = float(content) if type(content) is int else content
        sheet = Sheet(name, cells=cells)
        built[name] = sheet
    defined = []
    for key, text in (names or {}).items():
        scope, _, name = key.rpartition("!")
        defined.append(DefinedName(name, text.lstrip("="), scope or None))
    return Workbook("<memory>", built, defined)


def evaluate(sheets: Mapping[str, Mapping[str, object]], targets: list[str], names: Mapping[str, str] | None = None,
             arrays: Mapping[str, str] | None = None, compile_blocks: bool = True) -> list[list[object]]:
    """The values of ``targets`` (``"Sheet1!A1:B3"``), each a flat row-by-row list."""
    evaluator = WorkbookEvaluator(workbook_from_cells(sheets, names, arrays), compile_blocks=compile_blocks)
    ranges: list[Range] = [parse_range(target) for target in targets]
    return evaluator.evaluate(ranges)
