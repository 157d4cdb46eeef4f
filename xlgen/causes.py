"""Mismatches in cause-first order: the cells that are wrong by themselves before the cells they make wrong.

A wrong formula in one row makes every cell that reads it wrong too; a report
should name the cell that is wrong by itself, not the first of its victims. A
mismatch is a *cause* when its formula reads no other mismatching cell.

What a formula reads comes from the formula parser (:mod:`xlgen.formula`), so
a LAMBDA name such as ``ERR2_GRAD(...)`` or a function such as ``LOG10(...)``
is never taken for a cell. A column filled down with one formula is parsed
once: cells whose texts differ only in the row numbers of their references
share a tree (see :class:`ShapeCache`).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from typing import TYPE_CHECKING

from .cells import parse_cell
from .row_templates import RowTemplate
from .results import CellResult

if TYPE_CHECKING:
    from .compare import QuantityComparison

MAX_EXPANDED = 10_000  # a reference to more cells than this is not expanded (a whole column, say)

Cell = tuple[str, int, int]  # (case-folded sheet, row, column)


class ShapeCache:
    """Formula trees by shape: the text with its row numbers cut out (a :class:`RowTemplate`), and the column.

    Like :func:`xlgen.formula.shapes.pieces`, a shape's tree is trusted for
    other rows once two rows of it parse to equal trees; where they do not (the
    template cut into a name such as ``x1``) every cell of it is parsed alone.
    """

    def __init__(self) -> None:
        self._trees: dict[tuple, list | None] = {}

    def tree(self, formula: str, row: int, column: int):
        from .formula.shapes import parse_or_refuse

        template = RowTemplate(formula, row)
        key = (column, template.format, template.offsets)
        known = self._trees.get(key, ())
        if known is None:  # this shape's rows are not one formula shifted by rows
            return parse_or_refuse(formula, row, column)
        if known == ():
            tree = parse_or_refuse(formula, row, column)
            self._trees[key] = [tree, row, False]
            return tree
        tree, first_row, confirmed = known
        if confirmed or row == first_row:
            return tree
        own = parse_or_refuse(formula, row, column)
        if own == tree:
            known[2] = True
        else:
            self._trees[key] = None
        return own


def precedents(formula: str, sheet: str, row: int, column: int, shapes: ShapeCache | None = None) -> set[Cell]:
    """The cells the formula in ``sheet`` (row, column) reads, as (case-folded sheet, row, column).

    References to more than :data:`MAX_EXPANDED` cells are left out. Defined
    names are not followed: a name's cells are inputs, not steps.
    """
    from .formula import nodes as n
    from .formula.references import references

    tree = (shapes or ShapeCache()).tree(formula, row, column)
    found: set[Cell] = set()
    for written_sheet, node in references(tree, lambda key, sheet_written: []):
        where = (written_sheet or sheet).casefold()
        corners = (node, node) if type(node) is n.Cell else (node.first, node.last)
        rows = [c.row if c.row_absolute else row + c.row for c in corners]
        columns = [c.column if c.column_absolute else column + c.column for c in corners]
        r0, r1, c0, c1 = min(rows), max(rows), min(columns), max(columns)
        if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_EXPANDED:
            continue
        found.update((where, r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1))
    return found


class MismatchingCells:
    """Whether a cell is a mismatch, read off the comparisons' status arrays (no set of a million cells)."""

    def __init__(self, comparisons: Sequence[QuantityComparison]):
        self._by_sheet: dict[str, list[QuantityComparison]] = {}
        for comparison in comparisons:
            self._by_sheet.setdefault(comparison.source.sheet.casefold(), []).append(comparison)

    def where(self, cell: Cell) -> tuple[QuantityComparison, int] | None:
        """The comparison and position of ``cell`` when it is a mismatch, else None."""
        sheet, row, column = cell
        for comparison in self._by_sheet.get(sheet, ()):
            index = comparison.source.index_of(row, column)
            if index is not None and comparison.status[index] == "mismatch":
                return comparison, index
        return None

    def __contains__(self, cell: object) -> bool:
        return self.where(cell) is not None  # type: ignore[arg-type]


def causes_first(cells: Iterable[CellResult], wrong: Container[Cell] | None = None) -> list[CellResult]:
    """``cells`` with the mismatches that read no other mismatching cell first, each group in its order.

    ``wrong`` holds every mismatching cell, listed among ``cells`` or not (default: the mismatches of ``cells``).
    Each cell's ``cause`` says which group it is in (False for cells that are not mismatches).
    """
    cells = list(cells)
    if wrong is None:
        wrong = {(c.sheet.casefold(), *parse_cell(c.cell)) for c in cells if c.status == "mismatch"}
    shapes = ShapeCache()

    def is_cause(cell: CellResult) -> bool:
        if cell.status != "mismatch" or not cell.formula:
            return cell.status == "mismatch"
        row, column = parse_cell(cell.cell)
        own = (cell.sheet.casefold(), row, column)
        return not any(read in wrong for read in precedents(cell.formula, cell.sheet, row, column, shapes) - {own})

    flags = [is_cause(c) for c in cells]
    for cell, cause in zip(cells, flags):
        cell.cause = cause
    return [c for c, cause in zip(cells, flags) if cause] + [c for c, cause in zip(cells, flags) if not cause]
