"""Blocks: rectangles of rows in which every column is filled with formulas, evaluated row by row as a unit.

An SGD sheet is a few columns filled down thousands of rows, each row reading
the one above. Ordering those cells one by one would cost more than computing
them; instead the rows where a set of columns each hold formulas (one or more
:class:`~.shapes.Piece` per column, in consecutive rows, all columns spanning
the same rows) form a :class:`Block`. A column mostly repeats one formula, but
may change it from row to row: each epoch's first row reads the row above
another way than the rest of the epoch, and copies the first epoch's data from
another distance; such rows do not split the block. Inside a block a column may read

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
from ..row_spans import span_at
from . import nodes as n
from .shapes import Piece

MAX_VARIANTS = 8
"""Formulas a block column may change between (the row loop chooses by row)."""

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
    pieces: dict[int, list[Piece]]  # column -> its pieces in row order, covering the block's rows
    external: list[Rect] = field(default_factory=list)  # what must be computed before the block runs
    outputs: dict[int, list] = field(default_factory=dict)  # column -> values, one per row, once run
    _starts: dict[int, list[int]] = field(default_factory=dict, repr=False)  # column -> its pieces' first rows

    @property
    def rows(self) -> int:
        return self.last_row - self.first_row + 1

    @property
    def filled(self) -> dict[int, int]:
        """Every column the block fills -> the column whose formula fills it (an array row fills several)."""
        return _filled(self.pieces, self.columns)

    def piece_at(self, column: int, row: int) -> Piece:
        """The piece of ``column`` that holds ``row`` (one of the block's rows)."""
        found = self.pieces[column]
        if len(found) == 1:
            return found[0]
        starts = self._starts.get(column)
        if starts is None:
            starts = self._starts[column] = [p.first_row for p in found]
        return span_at(starts, found, row)

    def __repr__(self) -> str:
        return f"Block({self.sheet}!{cell_name(self.first_row, min(self.columns))}:" \
               f"{cell_name(self.last_row, max(self.columns))})"


def find_blocks(sheet: str, pieces: list[Piece], specs: Specs) -> tuple[list[Piece], list[Block]]:
    """Split ``pieces`` (one sheet's) where needed and group them into blocks; pieces in a block point to it.

    A column's consecutive pieces stay together however their formulas change (an epoch's first row reads
    the row above another way than the rest of the epoch), so a sheet of thousands of epochs is a few blocks.
    """
    pieces = _array_columns(pieces)
    spans = [span for span in _spans(pieces) if _span_rows(span) >= 2]
    if not spans:
        return pieces, []
    boundaries = sorted({span[0].first_row for span in spans} | {span[-1].last_row + 1 for span in spans})
    chosen = {id(p) for span in spans for p in span}
    result = [p for p in pieces if id(p) not in chosen]
    groups: dict[tuple[int, int], dict[int, list[Piece]]] = defaultdict(dict)
    for span in spans:
        cuts = _split_span(span, boundaries)
        for first_row, last_row, segment in cuts:
            result += segment
            groups[(first_row, last_row)][span[0].column] = segment
    blocks = []
    for (first_row, last_row), members in sorted(groups.items()):
        if len(members) == 1 and first_row == last_row:
            continue
        # An array row whose area covers another formula column cannot be filled by the block.
        columns = {c for c in members
                   if not any(c + offset in members for offset in range(1, _row_width(members[c][0])))}
        extents = {c: _tree_extents(members[c]) for c in columns}
        changed = True
        while changed:
            changed = False
            filled = set(_filled(members, columns))
            for column in sorted(columns):
                if not _fits(sheet, column, first_row, last_row, extents[column], specs, filled):
                    columns.discard(column)
                    changed = True
                    break
        order = _row_order(sheet, first_row, {c: members[c] for c in columns}, specs, columns)
        if not order:
            continue
        block = Block(sheet, first_row, last_row, order, {c: members[c] for c in columns})
        block.external = _external(block, {c: extents[c] for c in columns}, specs)
        for column in columns:
            for piece in members[column]:
                piece.block = block
        blocks.append(block)
    return result, blocks


def _row_width(piece: Piece) -> int:
    """The width of a one-row array formula's area (0 for anything else)."""
    return piece.area[1] if piece.area is not None and piece.area[0] == 1 else 0


def _filled(pieces: dict[int, list[Piece]], columns) -> dict[int, int]:
    return {column + offset: column for column in columns
            for offset in range(max(_row_width(pieces[column][0]), 1))}


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


def _spans(pieces: list[Piece]) -> list[list[Piece]]:
    """Each column's pieces in runs of consecutive rows of one kind (plain, one-cell array, or one-row array
    area of one width); multi-row array areas stay out of blocks.

    A run of more than :data:`MAX_VARIANTS` formulas (a summary row per epoch, each over other rows) is left
    in single pieces, as the row loop would compute it cell by cell anyway. Bare references do not count:
    the loop reads an epoch's copy of the first epoch's data as a column of values.
    """
    by_column: dict[int, list[Piece]] = defaultdict(list)
    for piece in pieces:
        if piece.area is None or _row_width(piece) > 1:
            by_column[piece.column].append(piece)
    spans: list[list[Piece]] = []
    for found in by_column.values():
        found.sort(key=lambda p: p.first_row)
        current: list[Piece] = []
        for piece in found:
            if current and (current[-1].last_row + 1 != piece.first_row or current[-1].array != piece.array
                            or current[-1].area != piece.area):
                spans += _varied(current)
                current = []
            current.append(piece)
        spans += _varied(current)
    return spans


def _varied(span: list[Piece]) -> list[list[Piece]]:
    """A span, or its pieces one by one if it holds more than MAX_VARIANTS formulas that are not bare
    references."""
    trees = {piece.tree for piece in span if type(piece.tree) is not n.Cell}
    if len(trees) <= MAX_VARIANTS:
        return [span]
    return [[piece] for piece in span]


def _span_rows(span: list[Piece]) -> int:
    return span[-1].last_row - span[0].first_row + 1


def _split_span(span: list[Piece], boundaries: list[int]) -> list[tuple[int, int, list[Piece]]]:
    """A span cut at the (sorted) boundaries inside it: (first row, last row, its pieces) of each segment;
    bisect keeps thousands of epochs linear."""
    cuts = []
    start, end = span[0].first_row, span[-1].last_row
    low, high = bisect.bisect_right(boundaries, start), bisect.bisect_right(boundaries, end)
    edges = [start, *boundaries[low:high], end + 1]
    pieces = iter(span)
    piece = next(pieces)
    for first_row, stop in zip(edges, edges[1:]):
        segment = []
        while True:
            top = max(piece.first_row, first_row)
            bottom = min(piece.last_row, stop - 1)
            if (top, bottom) == (piece.first_row, piece.last_row):
                segment.append(piece)
            else:
                segment.append(Piece(piece.column, top, bottom, piece.tree, piece.array, piece.area))
            if piece.last_row >= stop - 1:
                if piece.last_row == stop - 1:
                    piece = next(pieces, None)
                break
            piece = next(pieces)
        cuts.append((first_row, stop - 1, segment))
    return cuts


def _tree_extents(segment: list[Piece]) -> dict[n.Node, tuple[int, int]]:
    """Each distinct tree of a block column -> the first and last row it is written in."""
    extents: dict[n.Node, tuple[int, int]] = {}
    for piece in segment:
        found = extents.get(piece.tree)
        extents[piece.tree] = (piece.first_row, piece.last_row) if found is None else (found[0], piece.last_row)
    return extents


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


def _fits(sheet: str, column: int, first_row: int, last_row: int, extents: dict[n.Node, tuple[int, int]], specs,
          filled: set[int]) -> bool:
    """Whether a column whose formulas (tree -> the rows it is written in) have these references can be
    evaluated row by row inside the block of rows first_row..last_row (``filled``: the columns it fills)."""
    for tree, (top_row, _) in extents.items():
        for target_sheet, node in specs(tree):
            if target_sheet is not None and target_sheet != sheet:
                continue
            top = _area_rows(node, top_row, column)
            if not any(top[1] <= c <= top[3] for c in filled):
                continue
            if top[0] > last_row:
                continue  # below the block
            offsets = _relative_rows(node)
            if offsets is not None:
                if offsets[1] > 0:
                    return False  # a later row of the block
                continue  # earlier rows, or the same row (ordered by _row_order)
            # A fixed cell or an area: it must end above the block (it is read before the block runs).
            if top[2] >= first_row:
                return False
    return True


def _relative_rows(node: n.Node) -> tuple[int, int] | None:
    """The row offsets a Cell or Area reads, when they move with the formula's row; else None."""
    corners = (node,) if type(node) is n.Cell else (node.first, node.last)
    if any(corner.row_absolute for corner in corners):
        return None
    return min(c.row for c in corners), max(c.row for c in corners)


def _row_order(sheet: str, row: int, members: dict[int, list[Piece]], specs: Specs, columns: set[int]) -> list[int]:
    """The columns in an order where each comes after the columns of the same row it reads.

    Columns that read each other in the same row (a circular reference) are left out of the block: their
    cells are evaluated one by one, and the evaluator reports the loop if a requested cell needs them.
    """
    filled = _filled(members, columns)
    needs: dict[int, set[int]] = {}
    for column in columns:
        needs[column] = set()
        for tree in {piece.tree: None for piece in members[column]}:
            for target_sheet, node in specs(tree):
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


def _external(block: Block, extents: dict[int, dict[n.Node, tuple[int, int]]], specs: Specs) -> list[Rect]:
    """The rectangles a block reads outside itself (which must be computed first); ``extents``: each column's
    trees and the rows they are written in."""
    found: dict[Rect, None] = {}
    columns = set(block.filled)
    for column, trees in extents.items():
        for tree, (first_row, last_row) in trees.items():
            for target_sheet, node in specs(tree):
                sheet = target_sheet or block.sheet
                top = _area_rows(node, first_row, column)
                bottom = _area_rows(node, last_row, column)
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
