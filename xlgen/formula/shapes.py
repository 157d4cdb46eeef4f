"""From a sheet's formula runs to *pieces*: rows of one column that hold one formula tree.

A run read from the file (:class:`xlgen.xlsx.sheet_cells.FormulaRun`) is a guess
that its cells hold one formula shifted by rows. An Excel shared formula is
one by definition; a run of written-out texts is one when the trees of its
first two rows are equal (the holes of the text template then sit exactly on
row-relative references, see :mod:`.runs`), otherwise every row is parsed on
its own. A formula that cannot be parsed becomes a :class:`~.nodes.Refused`
tree, so the cells that depend on it report it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..cells import MAX_ROWS, parse_range
from ..errors import XlgenError
from ..row_templates import RowTemplate
from . import nodes as n
from .parser import BARE_CELL, MAX_FORMULA_LENGTH, FormulaSyntaxError, parse


@dataclass(slots=True)
class Piece:
    """Rows ``first_row``..``last_row`` of ``column`` hold ``tree``; ``area`` is an array formula's size."""

    column: int
    first_row: int
    last_row: int
    tree: n.Node
    array: bool = False  # an array formula (its cell shows the top-left of the result)
    area: tuple[int, int] | None = None  # (height, width) of a multi-cell array formula's area
    block: object = None  # the block that evaluates these rows, if any

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1


def parse_or_refuse(text: str, row: int, column: int) -> n.Node:
    """The tree of ``text``, or a :class:`~.nodes.Refused` node saying why there is none."""
    if len(text) > MAX_FORMULA_LENGTH:
        return n.Refused(f"formula longer than Excel's {MAX_FORMULA_LENGTH:,} characters")
    try:
        return parse(text, row, column)
    except FormulaSyntaxError as error:
        return n.Refused(f"cannot read formula ={text[:80]} ({error})")


class Trees:
    """Formula trees by text, for texts that differ only in the row numbers of their references.

    A sheet stores each row's text in full where one formula does not fill a run (an array formula per row,
    an epoch's first row): ``O40`` in row 41 and ``O69`` in row 70 are one tree. Texts whose
    :class:`~.runs.RowTemplate` is the same are parsed twice, as :func:`pieces` parses a run; if both give
    one tree, later texts take it without parsing.

    Texts of one template format whose references point elsewhere (an epoch's summary ``SQRT(SUM(H69:H97))``,
    the next epoch's ``SQRT(SUM(H98:H126))``) are different trees, but one shape: when the template's holes
    are exactly the rows of the tree's row-relative references, in order, the tree of another such text is
    the first tree with those rows replaced (:func:`_moved`). That is confirmed once by parsing a text whose
    every hole differs; later texts of the format are moved, not parsed.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple, tuple[int, n.Node, bool] | None] = {}  # None: the template is not one tree
        # (format, column) -> (offsets, tree, confirmed), or None: its trees are not one shape
        self._formats: dict[tuple, tuple[tuple[int, ...], n.Node, bool] | None] = {}

    def tree(self, text: str, row: int, column: int) -> n.Node:
        if BARE_CELL.fullmatch(text):
            return parse_or_refuse(text, row, column)  # parsed faster than its template is made
        template = RowTemplate(text, row)
        key = (template.format, template.offsets, column)
        found = self._seen.get(key, False)
        if found is False:
            tree = self._shaped(template, text, row, column)
            self._seen[key] = (row, tree, False)
            return tree
        if found is not None:
            first_row, tree, confirmed = found
            if confirmed:
                return tree
            if first_row != row:
                again = parse_or_refuse(text, row, column)
                self._seen[key] = (first_row, tree, True) if again == tree else None
                return again
        return parse_or_refuse(text, row, column)

    def _shaped(self, template: RowTemplate, text: str, row: int, column: int) -> n.Node:
        """The tree of a text whose template has not been seen with these offsets (see the class)."""
        key = (template.format, column)
        offsets = template.offsets
        found = self._formats.get(key, False)
        if found is False:
            tree = parse_or_refuse(text, row, column)
            shaped = offsets and tuple(cell.row for cell in _row_cells(tree)) == offsets
            self._formats[key] = (offsets, tree, False) if shaped else None
            return tree
        if found is None or not all(1 <= row + offset <= MAX_ROWS for offset in offsets):
            return parse_or_refuse(text, row, column)  # outside the grid a reference reads as a name or #REF!
        first_offsets, first_tree, confirmed = found
        try:
            if confirmed:
                return _moved(first_tree, iter(offsets))
            tree = parse_or_refuse(text, row, column)
            if all(map(int.__ne__, offsets, first_offsets)):  # every hole moved: the one test of all of them
                same = _moved(first_tree, iter(offsets)) == tree
                self._formats[key] = (first_offsets, first_tree, True) if same else None
            return tree
        except RecursionError:  # a formula nested deeper than Python calls go: parsed, as it always can be
            self._formats[key] = None
            return parse_or_refuse(text, row, column)


def _row_cells(tree: n.Node) -> list[n.Cell]:
    """The row-relative cell references of ``tree`` in the order its text writes them (the corners of areas
    included)."""
    cells = []
    for node in n.walk(tree):
        if type(node) is n.Area:
            cells += [corner for corner in (node.first, node.last) if not corner.row_absolute]
        elif type(node) is n.Cell and not node.row_absolute:
            cells.append(node)
    return cells


def _moved(node: n.Node, rows) -> n.Node:
    """``node`` with its row-relative references taking the next of ``rows``, in :func:`_row_cells` order."""
    kind = type(node)
    if kind is n.Cell:
        return node if node.row_absolute else n.Cell(node.sheet, next(rows), node.column, False,
                                                     node.column_absolute)
    if kind is n.Area:
        return n.Area(node.sheet, _moved(node.first, rows), _moved(node.last, rows))
    if kind is n.Call:
        return n.Call(node.name, tuple([_moved(arg, rows) for arg in node.args]))
    if kind is n.Binary:
        left = _moved(node.left, rows)
        return n.Binary(node.operator, left, _moved(node.right, rows))
    if kind is n.Unary:
        return n.Unary(node.operator, _moved(node.operand, rows))
    if kind is n.Invoke:
        callee = _moved(node.callee, rows)
        return n.Invoke(callee, tuple([_moved(arg, rows) for arg in node.args]))
    return node


def pieces(run, trees: Trees | None = None) -> list[Piece]:
    """The pieces of one :class:`~xlgen.xlsx.sheet_cells.FormulaRun` (``trees``: texts already read on the sheet)."""
    read = parse_or_refuse if trees is None else trees.tree
    array = run.array_ref is not None
    area = None
    if run.array_ref not in (None, "self"):
        try:
            target = parse_range(run.array_ref, default_sheet="-")
            area = (target.rows, target.columns)
        except XlgenError:
            area = None
    if run.shared is not None:
        master, anchor_row, anchor_column = run.shared
        tree = parse_or_refuse(master, anchor_row, anchor_column)
        return [Piece(run.column, run.first_row, run.last_row, tree, array, area)]
    first = read(run.text_at(run.first_row), run.first_row, run.column)
    if run.last_row == run.first_row:
        return [Piece(run.column, run.first_row, run.last_row, first, array, area)]
    second = read(run.text_at(run.first_row + 1), run.first_row + 1, run.column)
    if first == second:
        return [Piece(run.column, run.first_row, run.last_row, first, array, area)]
    # The template cut into something that is not a row number: every row is its own formula.
    found: list[Piece] = []
    for row in range(run.first_row, run.last_row + 1):
        tree = first if row == run.first_row else parse_or_refuse(run.text_at(row), row, run.column)
        if found and found[-1].tree == tree and found[-1].last_row == row - 1:
            found[-1].last_row = row
        else:
            found.append(Piece(run.column, row, row, tree, array, area))
    return found
