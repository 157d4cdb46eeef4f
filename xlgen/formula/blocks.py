"""Blocks: rectangles of rows in which every column repeats one formula, evaluated row by row as a unit.

An SGD sheet is a few columns filled down thousands of rows, each row reading
the one above. Ordering those cells one by one would cost more than computing
them; instead the rows where a set of columns each hold one formula (one
:class:`~.shapes.Piece` per column, all spanning the same rows) form a
:class:`Block`. Inside a block a column may read

- any column of the block in an earlier row (``N4`` from row 5),
- a column of the block in the same row, if those reads have no cycle
  (the columns are then evaluated in that order), and
- anything outside the block: other columns, other sheets, fixed cells such
  as the learning rate, and the rows above the block.

A one-row array formula filled down (``O5:P5`` holding ``SGD_STEP(E5:F5, lr,
M5:N5)``, the next row the same formula one row down) is one column of the
block that fills several: its anchor column and the cells to its right.
A column that reads a later row of the block, or a fixed cell inside it, is
left out of the block (its cells are evaluated one by one). The evaluator
orders blocks and single cells by their dependencies (:attr:`Block.external`)
and runs each block as one loop over its rows (:mod:`.compiler`).
"""

from __future__ import annotations

import bisect

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..cells import MAX_COLUMNS, MAX_ROWS, cell_name
from . import nodes as n
from .shapes import Piece

NOT_COMPUTED = object()
"""What a block's output holds for a row not computed yet."""

Rect = tuple[str, int, int, int, int]  # sheet, first row, first column, last row, last column
Specs = Callable[[n.Node], list[tuple[str | None, n.Node]]]  # tree -> (canonical sheet or None, Cell/Area)


@dataclass(eq=False)
class Block:
    sheet: str
    first_row: int
    last_row: int
    columns: list[int]  # in evaluation order within a row
    pieces: dict[int, Piece]
    external: list[Rect] = field(default_factory=list)  # what must be computed before the block runs
    outputs: dict[int, list] = field(default_factory=dict)  # column -> values, one per row, once run

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def filled(self) -> dict[int, int]:
        """Every column the block fills -> the column whose formula fills it (an array row fills several)."""
        return _filled(self.pieces, self.columns)

    def __repr__(self) -> str:
        return f"Block({self.sheet}!{cell_name(self.first_row, min(self.columns))}:" \
               f"{cell_name(self.last_row, max(self.columns))})"


def find_blocks(sheet: str, pieces: list[Piece], specs: Specs) -> tuple[list[Piece], list[Block]]:
    """Split ``pieces`` (one sheet's) where needed and group them into blocks; pieces in a block point to it."""
    pieces = _array_columns(pieces)
    candidates = [p for p in pieces if p.rows >= 2 and (p.area is None or _row_width(p) > 1)]
    if not candidates:
        return pieces, []
    boundaries = sorted({p.first_row for p in candidates} | {p.last_row + 1 for p in candidates})
    chosen = {id(p) for p in candidates}
    result = [p for p in pieces if id(p) not in chosen]
    groups: dict[tuple[int, int], dict[int, Piece]] = defaultdict(dict)
    for piece in candidates:
        for segment in _split(piece, boundaries):
            result.append(segment)
            groups[(segment.first_row, segment.last_row)][segment.column] = segment
    blocks = []
    for (first_row, last_row), members in sorted(groups.items()):
        if len(members) == 1 and first_row == last_row:
            continue
        # An array row whose area covers another formula column cannot be filled by the block.
        columns = {c for c in members
                   if not any(c + offset in members for offset in range(1, _row_width(members[c])))}
        changed = True
        while changed:
            changed = False
            filled = set(_filled(members, columns))
            for column in sorted(columns):
                if not _fits(sheet, column, first_row, last_row, specs(members[column].tree), filled):
                    columns.discard(column)
                    changed = True
                    break
        order = _row_order(sheet, first_row, {c: members[c] for c in columns}, specs, columns)
        if not order:
            continue
        block = Block(sheet, first_row, last_row, order, {c: members[c] for c in columns})
        block.external = _external(block, specs)
        for column in columns:
            members[column].block = block
        blocks.append(block)
    return result, blocks


def _row_width(piece: Piece) -> int:
    """The width of a one-row array formula's area (0 for anything else)."""
    return piece.area[1] if piece.area is not None and piece.area[0] == 1 else 0


def _filled(pieces: dict[int, Piece], columns) -> dict[int, int]:
    return {column + offset: column for column in columns for offset in range(max(_row_width(pieces[column]), 1))}


def _array_columns(pieces: list[Piece]) -> list[Piece]:
    """One-row array formulas of a column that repeat one tree in consecutive rows, joined into one piece (the
    file stores each row as its own formula; every row of the piece fills its own area)."""
    result: list[Piece] = []
    last: dict[int, Piece] = {}
    for piece in sorted(pieces, key=lambda p: (p.column, p.first_row)):
        before = last.get(piece.column)
        if before is not None and _row_width(piece) > 1 and before.area == piece.area and before.tree == piece.tree \
                and before.last_row == piece.first_row - 1 and before.array == piece.array:
            before.last_row = piece.last_row
            continue
        result.append(piece)
        last[piece.column] = piece
    return result


def _split(piece: Piece, boundaries: list[int]) -> list[Piece]:
    """``piece`` cut at the (sorted) boundaries that fall inside it; bisect keeps thousands of epochs linear."""
    segments, start = [], piece.first_row
    low = bisect.bisect_right(boundaries, piece.first_row)
    high = bisect.bisect_right(boundaries, piece.last_row)
    for cut in boundaries[low:high]:
        segments.append(Piece(piece.column, start, cut - 1, piece.tree, piece.array, piece.area))
        start = cut
    segments.append(Piece(piece.column, start, piece.last_row, piece.tree, piece.array, piece.area))
    return segments


def _corner(cell: n.Cell, row: int, column: int) -> tuple[int, int]:
    return (cell.row if cell.row_absolute else row + cell.row,
            cell.column if cell.column_absolute else column + cell.column)


def _area_rows(node: n.Node, row: int, column: int) -> tuple[int, int, int, int]:
    """The rectangle a Cell or Area spec covers when written in (row, column)."""
    if type(node) is n.Cell:
        r, c = _corner(node, row, column)
        return r, c, r, c
    r0, c0 = _corner(node.first, row, column)
    r1, c1 = _corner(node.last, row, column)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def _fits(sheet: str, column: int, first_row: int, last_row: int, specs, filled: set[int]) -> bool:
    """Whether a column whose formula has these references can be evaluated row by row inside the block
    (``filled``: the columns the block fills)."""
    for target_sheet, node in specs:
        if target_sheet is not None and target_sheet != sheet:
            continue
        top = _area_rows(node, first_row, column)
        if not any(top[1] <= c <= top[3] for c in filled):
            continue
        if top[0] > last_row:
            continue  # below the block
        offsets = _relative_rows(node)
        if offsets is not None:
            if offsets[1] > 0:
                return False  # a later row of the block
            continue  # earlier rows, or the same row (ordered by _row_order)
        # A fixed cell or an area: it must end above the row being computed (rows move down together).
        if top[2] >= first_row:
            return False
    return True


def _relative_rows(node: n.Node) -> tuple[int, int] | None:
    """The row offsets a Cell or Area reads, when they move with the formula's row; else None."""
    corners = (node,) if type(node) is n.Cell else (node.first, node.last)
    if any(corner.row_absolute for corner in corners):
        return None
    return min(c.row for c in corners), max(c.row for c in corners)


def _row_order(sheet: str, row: int, members: dict[int, Piece], specs: Specs, columns: set[int]) -> list[int]:
    """The columns in an order where each comes after the columns of the same row it reads.

    Columns that read each other in the same row (a circular reference) are left out of the block: their
    cells are evaluated one by one, and the evaluator reports the loop if a requested cell needs them.
    """
    filled = _filled(members, columns)
    needs: dict[int, set[int]] = {}
    for column in columns:
        needs[column] = set()
        for target_sheet, node in specs(members[column].tree):
            if target_sheet is not None and target_sheet != sheet:
                continue
            offsets = _relative_rows(node)
            if offsets is not None and offsets[0] <= 0 <= offsets[1]:
                _, c0, _, c1 = _area_rows(node, row, column)
                needs[column].update(filled[c] for c in range(c0, c1 + 1) if c in filled)
    order: list[int] = []
    done: set[int] = set()
    waiting = set(columns)
    while waiting:
        ready = sorted(c for c in waiting if (needs[c] & columns) <= done and c not in needs[c])
        if not ready:
            columns -= waiting  # the rest read each other
            break
        order += ready
        done.update(ready)
        waiting -= set(ready)
    return order


def _external(block: Block, specs: Specs) -> list[Rect]:
    """The rectangles a block reads outside itself (which must be computed first)."""
    found: dict[Rect, None] = {}
    columns = set(block.filled)
    for column, piece in block.pieces.items():
        for target_sheet, node in specs(piece.tree):
            sheet = target_sheet or block.sheet
            top = _area_rows(node, block.first_row, column)
            bottom = _area_rows(node, block.last_row, column)
            r0, c0 = min(top[0], bottom[0]), min(top[1], bottom[1])
            r1, c1 = max(top[2], bottom[2]), max(top[3], bottom[3])
            inside = [c for c in columns if c0 <= c <= c1] if sheet == block.sheet else []
            if not inside:
                found[_clip((sheet, r0, c0, r1, c1))] = None
                continue
            # The block's own columns are outside it only above and below its rows.
            if r0 < block.first_row:
                found[_clip((sheet, r0, c0, min(r1, block.first_row - 1), c1))] = None
            if r1 > block.last_row:
                found[_clip((sheet, max(r0, block.last_row + 1), c0, r1, c1))] = None
            middle = (max(r0, block.first_row), min(r1, block.last_row))
            start = c0
            for c in sorted(inside) + [c1 + 1]:
                if start < c:
                    found[_clip((sheet, middle[0], start, middle[1], c - 1))] = None
                start = c + 1
    return [rect for rect in found if rect[1] <= rect[3] and rect[2] <= rect[4]]


def _clip(rect: Rect) -> Rect:
    sheet, r0, c0, r1, c1 = rect
    return sheet, max(r0, 1), max(c0, 1), min(r1, MAX_ROWS), min(c1, MAX_COLUMNS)
