"""What the first cell of a column reads: the input cells behind it, and the numbers typed into it.

``=C1`` reads C1; ``=b_start`` reads the cell the name points at; ``=L10``
where L10 holds ``=b_0`` reads what ``b_0`` names: a reference that is the
whole formula is followed to the number behind it. The draft takes the cell
behind the first b as b at start, and the numbers typed into first rows
(``=(G4-F4)/0.01``) as candidates for parameters no cell holds.
"""

from __future__ import annotations

from .cells import Range
from .formula import nodes as n
from .formula.shapes import parse_or_refuse
from .xlsx.reader import Workbook

MAX_HOPS = 5  # =L10, L10: =b_0, b_0: C5 ... a chain longer than this is not an input being read


def first_row_reads(workbook: Workbook, names: dict[str, Range], cell: Range) -> tuple[set[Range], set[float]]:
    """The number constants that the formula in ``cell`` reads (following whole-formula references), and the
    numbers written in it."""
    tree = _tree(workbook, cell)
    if tree is None:
        return set(), set()
    reads: set[Range] = set()
    numbers: set[float] = set()
    for node in n.walk(tree):
        if type(node) is n.Number:
            numbers.add(float(node.value))
        target = _target(node, cell, names)
        if target is not None:
            found = _follow(workbook, names, target)
            if found is not None:
                reads.add(found)
    return reads, numbers


def start_value(workbook: Workbook, names: dict[str, Range], cell: Range) -> Range | None:
    """The number constant ``cell`` is, or is a chain of whole-formula references to (``=C1``, ``=b_0``)."""
    return _follow(workbook, names, cell)


def _tree(workbook: Workbook, cell: Range) -> n.Node | None:
    sheet = _sheet(workbook, cell.sheet)
    if sheet is None:
        return None
    text = sheet.formulas.get((cell.first_row, cell.first_column))
    return None if text is None else parse_or_refuse(text, cell.first_row, cell.first_column)


def _target(node: n.Node, cell: Range, names: dict[str, Range]) -> Range | None:
    """The one cell a Cell node or a defined name refers to, seen from ``cell``."""
    if type(node) is n.Name:
        for name, target in names.items():
            if name.casefold() == node.key.casefold():
                return target
        return None
    if type(node) is not n.Cell:
        return None
    row = node.row if node.row_absolute else cell.first_row + node.row
    column = node.column if node.column_absolute else cell.first_column + node.column
    if row < 1 or column < 1:
        return None
    return Range(node.sheet or cell.sheet, row, column, row, column)


def _follow(workbook: Workbook, names: dict[str, Range], target: Range) -> Range | None:
    """The number constant at the end of a chain of whole-formula references from ``target``, or None."""
    for _ in range(MAX_HOPS):
        sheet = _sheet(workbook, target.sheet)
        if sheet is None:
            return None
        key = (target.first_row, target.first_column)
        if key not in sheet.formulas:
            value = sheet.values.get(key)
            return Range(sheet.name, *key, *key) if isinstance(value, float) else None
        tree = parse_or_refuse(sheet.formulas[key], *key)
        target = _target(tree, Range(sheet.name, *key, *key), names)
        if target is None:
            return None
    return None


def _sheet(workbook: Workbook, name: str):
    for sheet_name, sheet in workbook.sheets.items():
        if sheet_name.casefold() == name.casefold():
            return sheet
    return None
