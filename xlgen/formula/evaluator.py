"""A workbook being evaluated: sheets read on first use, cells computed in dependency order.

:meth:`WorkbookEvaluator.evaluate` computes the cells that the requested
ranges depend on, and nothing else (so a volatile ``RANDBETWEEN`` on an
unrelated sheet never matters):

1. the needed *units* are found by a depth-first walk over static
   dependencies (:mod:`.references`). A unit is a single formula cell or a
   :class:`~.blocks.Block` of filled-down rows, so a 100,000-row sheet is a
   handful of units, not a million;
2. a walk that comes back to a unit on its own path is a circular reference
   (:class:`~xlgen.errors.CircularReference`), unless a block is on the loop:
   blocks are coarse, so they are broken into single cells and the walk is
   repeated;
3. units run in that order: a cell through its compiled closure
   (:mod:`.interpreter`), a block through its row loop (:mod:`.compiler`).

Reading a cell that has not been computed yet computes it on the spot (a
safety net that the ordering makes unnecessary). A reference to a sheet the
workbook does not have is ``#REF!``.
"""

from __future__ import annotations

import bisect
import gc
import sys
from collections.abc import Iterator
from itertools import repeat
from pathlib import Path

from .. import collector
from ..cells import MAX_COLUMNS, MAX_ROWS, Range, cell_name, quote_sheet
from ..errors import BudgetExceeded, CircularReference, XlgenError
from ..row_spans import span_at
from ..xlsx.reader import Workbook, load_sheet, read_workbook
from . import nodes as n
from .blocks import NOT_COMPUTED, Block, find_blocks
from .compiler import BlockRunner
from .context import Budget, Context
from .interpreter import Compiled, array_result, cell_result, compile_tree
from .operands import Ref
from .references import Spec, names_evaluated, references
from .shapes import Piece, Trees, parse_or_refuse, pieces

_MISSING = object()
_RECURSION_LIMIT = 50_000  # nested LAMBDA calls nest Python calls; LAMBDA_DEPTH_LIMIT stops them first
_VISITING, _DONE = 1, 2


class _SheetState:
    """One sheet's formulas (as pieces and blocks) and the values computed so far."""

    def __init__(self, name: str, workbook: Workbook, formula_values: bool):
        self.name = name
        sheet = load_sheet(workbook, name, formula_values=formula_values)
        self.cells = sheet.cells
        self.computed: dict[tuple[int, int], object] = {}
        self.members: dict[tuple[int, int], tuple[int, int]] = {}  # array-area cell -> its anchor
        trees = Trees()
        self.pieces: list[Piece] = [p for run in self.cells.runs for p in pieces(run, trees)]
        self.blocks: list[Block] = []
        rows = [key[0] for key in self.cells.constants] + [run.last_row for run in self.cells.runs]
        columns = [key[1] for key in self.cells.constants] + [run.column for run in self.cells.runs]
        self.max_row = max(rows, default=0)
        self.max_column = max(columns, default=0)
        self.index()

    def index(self) -> None:
        by_column: dict[int, list[Piece]] = {}
        for piece in self.pieces:
            by_column.setdefault(piece.column, []).append(piece)
        self.by_column = {}
        for column, found in by_column.items():
            found.sort(key=lambda p: p.first_row)
            self.by_column[column] = ([p.first_row for p in found], found)
        self.formula_columns = sorted(self.by_column)
        # Array-area cells by column (rows sorted, with their anchors), so a rectangle finds them by bisection.
        by_member: dict[int, list[tuple[int, tuple[int, int]]]] = {}
        for (row, column), anchor in self.members.items():
            by_member.setdefault(column, []).append((row, anchor))
        self.member_index = {}
        for column, found in by_member.items():
            found.sort()
            self.member_index[column] = ([row for row, _ in found], [anchor for _, anchor in found])
        self.member_columns = sorted(self.member_index)

    def next_formula_row(self, row: int, column: int) -> int:
        """The first row below ``row`` where ``column`` holds a formula or an array area's cell (or past the
        grid)."""
        found = MAX_ROWS + 1
        pieces = self.by_column.get(column)
        if pieces is not None:
            index = bisect.bisect_right(pieces[0], row)
            if index < len(pieces[0]):
                found = pieces[0][index]
        members = self.member_index.get(column)
        if members is not None:
            index = bisect.bisect_right(members[0], row)
            if index < len(members[0]):
                found = min(found, members[0][index])
        return found

    def piece_at(self, row: int, column: int) -> Piece | None:
        found = self.by_column.get(column)
        if found is None:
            return None
        return span_at(*found, row)


class WorkbookEvaluator:
    """Evaluates cells of the workbook at ``path``; implements the ``Book`` and ``Scope`` protocols."""

    def __init__(self, source: str | Path | Workbook, *, compile_blocks: bool = True):
        # A path is read sheet by sheet as formulas reach the sheets; a Workbook (e.g. built in memory) is used as is.
        self.workbook = source if isinstance(source, Workbook) else read_workbook(source, sheets=[],
                                                                                  formula_values=False)
        self.path = Path(self.workbook.path)
        self.compile_blocks = compile_blocks
        self._sheet_keys = {name.casefold(): name for name in self.workbook.sheets}
        self._states: dict[str, _SheetState] = {}
        self._compiled: dict[tuple[str, n.Node], Compiled] = {}
        self._specs: dict[tuple[str, n.Node], list[Spec]] = {}
        self._names: dict[tuple[str, str], Compiled | None] = {}
        self._name_trees: dict[tuple[str, str], n.Node | None] = {}
        self._name_specs: dict[tuple[str, str], list[Spec]] = {}
        self._programs: dict = {}  # block shape -> its compiled row loop (see compiler.BlockRunner)
        self._running: set[int] = set()
        self._in_progress: set[tuple[str, int, int]] = set()
        self._freezing = False  # an evaluation is running that unfreezes what _state froze
        self.budget = Budget()

    # -- the evaluation -------------------------------------------------------------------------

    def evaluate(self, ranges: list[Range]) -> list[list[object]]:
        """The values of ``ranges``, each a flat row-by-row list."""
        targets = []
        for target in ranges:
            sheet = self.sheet_name(target.sheet)
            if sheet is None:
                raise XlgenError(f"{self.path}: no sheet named {target.sheet!r}")
            targets.append((sheet, target))
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
        # Sheets read meanwhile stay out of the collector's passes until the outermost evaluation ends (_state),
        # unless someone else froze objects (their freeze is theirs to undo).
        outer = not self._freezing and gc.isenabled() and gc.get_freeze_count() == 0
        self._freezing = self._freezing or outer
        try:
            units = [unit for sheet, t in targets
                     for unit in self._units_in(sheet, t.first_row, t.first_column, t.last_row, t.last_column)]
            for unit in self._order(units):
                self._run(unit)
            return [self._range_values(sheet, t) for sheet, t in targets]
        except (CircularReference, BudgetExceeded) as error:
            raise type(error)(f"{self.path}: {error}") from None
        finally:
            sys.setrecursionlimit(limit)
            if outer:
                self._freezing = False
                gc.unfreeze()

    def _run(self, unit: object) -> None:
        if type(unit) is Block:
            if not unit.outputs:
                self._run_block(unit)
        else:
            sheet, row, column = unit
            if (row, column) not in self._state(sheet).computed:
                self._compute(sheet, row, column)

    def _compute(self, sheet: str, row: int, column: int) -> None:
        state = self._state(sheet)
        piece = state.piece_at(row, column)
        context = Context(self, sheet, row, column, array=piece.array)
        result = self._closure(sheet, piece.tree)(context)
        if piece.area is not None:
            height, width = piece.area
            for i, line in enumerate(array_result(context, result, height, width)):
                for j, value in enumerate(line):
                    state.computed[(row + i, column + j)] = value
        elif piece.array:
            state.computed[(row, column)] = array_result(context, result, 1, 1)[0][0]
        else:
            state.computed[(row, column)] = cell_result(context, result)

    def _run_block(self, block: Block) -> None:
        key = id(block)
        if key in self._running:
            raise CircularReference(f"circular reference at {quote_sheet(block.sheet)}!"
                                    f"{cell_name(block.first_row, block.columns[0])}")
        self._running.add(key)
        try:
            BlockRunner(block, lambda tree: self._closure(block.sheet, tree), self, compile_fast=self.compile_blocks,
                        programs=self._programs).run()
        finally:
            self._running.discard(key)

    def formula_at(self, sheet: str, row: int, column: int) -> n.Node | None:
        """The tree of the formula in a cell (relative to that cell), or None for a constant or empty cell."""
        piece = self._state(sheet).piece_at(row, column)
        return None if piece is None else piece.tree

    def traced(self, sheet: str, row: int, column: int, trace, book=None) -> object:
        """What the cell shows, computed once more with every node of its formula reported to ``trace``
        (:data:`~.interpreter.Trace`); the cells it reads come from ``book`` (default: this workbook)."""
        piece = self._state(sheet).piece_at(row, column)
        self.evaluate([Range(sheet, row, column, row, column)])  # what it reads, computed first
        context = Context(book or self, sheet, row, column, array=piece.array)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
        try:
            result = compile_tree(piece.tree, sheet, self, trace)(context)
        finally:
            sys.setrecursionlimit(limit)
        if piece.array:
            return array_result(context, result, 1, 1)[0][0]
        return cell_result(context, result)

    # -- ordering -------------------------------------------------------------------------------

    def _order(self, targets: list[object]) -> list[object]:
        """The units ``targets`` need, each after the units it reads (blocks that close a loop are broken up)."""
        while True:
            try:
                return self._walk(targets)
            except _BlockLoop as loop:
                # Blocks of the same columns (the epochs of a sheet) close the same loop: breaking them
                # all up at once saves a walk per epoch.
                shapes = {_shape(block) for block in loop.blocks}
                looped = [block for block in {id(b): b for b in loop.blocks}.values()]
                for block in list(self._all_blocks()):
                    if _shape(block) in shapes and block not in looped:
                        looped.append(block)
                for block in looped:
                    self._dissolve(block)
                dissolved = {id(block) for block in looped}
                targets = [cell for target in targets
                           for cell in (_cells_of(target) if id(target) in dissolved else [target])]

    def _walk(self, targets: list[object]) -> list[object]:
        state: dict[object, int] = {}
        order: list[object] = []
        for target in targets:
            if target in state or self._done(target):
                continue
            state[target] = _VISITING
            stack = [(target, self._dependencies(target))]
            while stack:
                unit, pending = stack[-1]
                for dependency in pending:
                    seen = state.get(dependency)
                    if seen is None:
                        if self._done(dependency):
                            continue
                        state[dependency] = _VISITING
                        stack.append((dependency, self._dependencies(dependency)))
                        break
                    if seen == _VISITING:
                        self._loop(dependency, [u for u, _ in stack])
                else:
                    stack.pop()
                    state[unit] = _DONE
                    order.append(unit)
        return order

    def _all_blocks(self) -> list[Block]:
        return [block for state in self._states.values() for block in state.blocks]

    def _loop(self, unit: object, path: list[object]) -> None:
        cycle = path[path.index(unit):]
        blocks = [u for u in cycle if type(u) is Block]
        if blocks:
            raise _BlockLoop(blocks)
        sheet, row, column = unit
        raise CircularReference(f"circular reference at {quote_sheet(sheet)}!{cell_name(row, column)}")

    def _dissolve(self, block: Block) -> None:
        """Evaluate a block's cells one by one from now on."""
        state = self._state(block.sheet)
        for column_pieces in block.pieces.values():
            for piece in column_pieces:
                piece.block = None
        state.blocks.remove(block)

    def _done(self, unit: object) -> bool:
        if type(unit) is Block:
            return bool(unit.outputs)
        sheet, row, column = unit
        return (row, column) in self._state(sheet).computed

    def _dependencies(self, unit: object) -> Iterator[object]:
        if type(unit) is Block:
            for sheet, r0, c0, r1, c1 in unit.external:
                yield from self._units_in(sheet, r0, c0, r1, c1)
            return
        sheet, row, column = unit
        piece = self._state(sheet).piece_at(row, column)
        for target_sheet, node in self._tree_specs(sheet, piece.tree):
            rect = _resolve(node, row, column)
            if rect is not None:
                yield from self._units_in(target_sheet or sheet, *rect)

    def _units_in(self, sheet: str, r0: int, c0: int, r1: int, c1: int) -> Iterator[object]:
        """The units holding the formula cells of a rectangle (an array area's cells count as its anchor)."""
        # Loops by index, not over slices: every walk step suspends one of these generators, and a slice would
        # copy the rest of the column into each (quadratic memory on a chain of single cells).
        state = self._state(sheet)
        columns = state.formula_columns
        for column_index in range(bisect.bisect_left(columns, c0), bisect.bisect_right(columns, c1)):
            column = columns[column_index]
            starts, column_pieces = state.by_column[column]
            for index in range(max(bisect.bisect_right(starts, r0) - 1, 0), len(column_pieces)):
                piece = column_pieces[index]
                if piece.first_row > r1:
                    break
                if piece.last_row < r0:
                    continue
                if piece.block is not None:
                    yield piece.block
                else:
                    for row in range(max(r0, piece.first_row), min(r1, piece.last_row) + 1):
                        yield sheet, row, column
        members = state.member_columns
        for column_index in range(bisect.bisect_left(members, c0), bisect.bisect_right(members, c1)):
            rows, anchors = state.member_index[members[column_index]]
            for index in range(bisect.bisect_left(rows, r0), bisect.bisect_right(rows, r1)):
                piece = state.piece_at(*anchors[index])
                yield (sheet, *anchors[index]) if piece is None or piece.block is None else piece.block

    # -- sheets, trees, names -------------------------------------------------------------------

    def _state(self, sheet: str) -> _SheetState:
        state = self._states.get(sheet)
        if state is None:
            with collector.paused(freeze=self._freezing):  # a sheet read: millions of objects, no cycles
                state = self._new_state(sheet)
        return state

    def _new_state(self, sheet: str) -> _SheetState:
        state = self._states[sheet] = _SheetState(sheet, self.workbook, formula_values=False)
        for piece in state.pieces:
            if piece.area is not None:
                height, width = piece.area
                for anchor in ((row, piece.column) for row in range(piece.first_row, piece.last_row + 1)):
                    for i in range(height):
                        for j in range(width):
                            if i or j:
                                state.members[(anchor[0] + i, anchor[1] + j)] = anchor
        state.pieces, state.blocks = find_blocks(sheet, state.pieces,
                                                 lambda tree: self._tree_specs(sheet, tree))
        state.index()
        return state

    def sheet_name(self, text: str) -> str | None:
        return self._sheet_keys.get(text.casefold())

    def _closure(self, sheet: str, tree: n.Node) -> Compiled:
        key = (sheet, tree)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = compile_tree(tree, sheet, self)
        return found

    def _tree_specs(self, sheet: str, tree: n.Node) -> list[Spec]:
        """A tree's references, sheets resolved to the workbook's spelling (missing sheets dropped)."""
        key = (sheet, tree)
        found = self._specs.get(key)
        if found is None:
            found = []
            for written, node in references(tree, lambda name, on: self._name_references(name, on or sheet)):
                if written is None:
                    found.append((None, node))
                elif self.sheet_name(written) is not None:
                    found.append((self.sheet_name(written), node))
            self._specs[key] = found
        return found

    def name_tree(self, key: str, sheet: str) -> n.Node | None:
        cache = (key, sheet)
        if cache not in self._name_trees:
            defined = self.workbook.defined_name(key, sheet)
            if defined is None and key.startswith("_xlpm."):
                defined = self.workbook.defined_name(key[6:], sheet)
            self._name_trees[cache] = None if defined is None else parse_or_refuse(defined.text, 1, 1)
        return self._name_trees[cache]

    def _name_references(self, key: str, sheet: str) -> list[Spec]:
        cache = (key, sheet)
        if cache not in self._name_specs:
            self._name_specs[cache] = []  # a recursive LAMBDA name meets itself: nothing more to add
            tree = self.name_tree(key, sheet)
            if tree is not None:
                self._name_specs[cache] = references(tree, lambda name, on: self._name_references(name, on or sheet))
        return self._name_specs[cache]

    def defined_name(self, key: str, sheet: str) -> Compiled | None:
        cache = (key, sheet)
        if cache in self._names:
            return self._names[cache]
        tree = self.name_tree(key, sheet)
        if tree is None:
            self._names[cache] = None
            return None
        slot: list[Compiled] = []

        def evaluate(context: Context) -> object:
            # A name's formula sees no LET/LAMBDA variables of the formula that uses it.
            return slot[0](context.with_env({}))

        loop = self._name_loop(key, sheet)
        if loop:
            def looping(context: Context) -> object:
                raise CircularReference(f"{context.where}: {loop}")

            self._names[cache] = looping
            return looping
        self._names[cache] = evaluate  # set first: a LAMBDA name may call itself
        slot.append(compile_tree(tree, sheet, self))
        return evaluate

    def _name_loop(self, key: str, sheet: str) -> str | None:
        """Where evaluating the name ``key`` (used on ``sheet``) evaluates it again, in words; None if it never
        does. Only a LAMBDA name's body may come back to it, when called."""
        def spelling(name: str) -> str:
            defined = self.workbook.defined_name(name, sheet)
            return defined.name if defined is not None else name

        path, seen = [key], {key}
        stack = [iter(self._names_evaluated(key, sheet))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                stack.pop()
                path.pop()  # and stays seen: nothing through it leads back to key
                continue
            if following == key:
                names = [spelling(name) for name in path]
                if len(names) == 1:
                    return f"the defined name {names[0]} refers to itself"
                return f"defined names refer to each other in a loop: {' -> '.join(names + names[:1])}"
            if following not in seen:  # a loop that does not pass through key is found from its own names
                seen.add(following)
                path.append(following)
                stack.append(iter(self._names_evaluated(following, sheet)))
        return None

    def _names_evaluated(self, key: str, sheet: str) -> list[str]:
        tree = self.name_tree(key, sheet)
        if tree is None:
            return []
        # A name written with its sheet (Sheet1!rate) is looked up there; that is rare in a loop: kept simple.
        return [name for name, written in names_evaluated(tree) if written is None]

    # -- the Book protocol ----------------------------------------------------------------------

    def value(self, sheet: str, row: int, column: int) -> object:
        state = self._states.get(sheet) or self._state(sheet)
        key = (row, column)
        found = state.computed.get(key, _MISSING)
        if found is not _MISSING:
            return found
        piece = state.piece_at(row, column)
        anchor = state.members.get(key) if piece is None else None
        if anchor is not None:
            piece = state.piece_at(*anchor)  # the array formula whose area holds the cell
        if piece is not None:
            block = piece.block
            if block is not None:
                if not block.outputs:
                    self._run_block(block)
                found = block.outputs[column][row - block.first_row]
                if found is NOT_COMPUTED:
                    raise CircularReference(f"circular reference at {quote_sheet(sheet)}!{cell_name(row, column)}")
                return found
            if anchor is None:
                self._compute_now(sheet, row, column)
                return state.computed[key]
        if anchor is not None:
            if anchor not in state.computed:
                self._compute_now(sheet, *anchor)
            return state.computed.get(key)
        return state.cells.constants.get(key)

    def _compute_now(self, sheet: str, row: int, column: int) -> None:
        """A cell read before the ordering computed it."""
        unit = (sheet, row, column)
        if unit in self._in_progress:
            raise CircularReference(f"circular reference at {quote_sheet(sheet)}!{cell_name(row, column)}")
        self._in_progress.add(unit)
        try:
            self._compute(sheet, row, column)
        finally:
            self._in_progress.discard(unit)

    def values(self, ref: Ref) -> list[list[object]]:
        if ref.last_row < ref.first_row or ref.last_column < ref.first_column:
            return []
        # A column at a time: a block's rows are a list slice (SUM(H11:H39) of a filled-down column).
        columns = [self.column_values(ref.sheet, c, ref.first_row, ref.last_row)
                   for c in range(ref.first_column, ref.last_column + 1)]
        if len(columns) == 1:
            return [[value] for value in columns[0]]
        return [list(row) for row in zip(*columns)]

    def limit(self, ref: Ref) -> Ref:
        state = self._state(ref.sheet)
        return Ref(ref.sheet, ref.first_row, ref.first_column, min(ref.last_row, state.max_row),
                   min(ref.last_column, state.max_column))

    def spill(self, sheet: str, row: int, column: int) -> Ref | None:
        """The area an array formula in (row, column) fills (a one-cell array formula's A1# is the cell)."""
        piece = self._state(sheet).piece_at(row, column)
        if piece is None or not piece.array:
            return None
        height, width = piece.area or (1, 1)
        return Ref(sheet, row, column, row + height - 1, column + width - 1)

    # -- results --------------------------------------------------------------------------------

    def _range_values(self, sheet: str, target: Range) -> list[object]:
        """Values of a rectangle, row by row, read a column at a time (block columns are list slices)."""
        columns = [self.column_values(sheet, c, target.first_row, target.last_row)
                   for c in range(target.first_column, target.last_column + 1)]
        if len(columns) == 1:
            return columns[0]
        return [value for row in zip(*columns) for value in row]

    def column_values(self, sheet: str, column: int, first_row: int, last_row: int) -> list[object]:
        """Values of one column's rows first_row..last_row (block columns are read as list slices)."""
        state = self._state(sheet)
        constants = state.cells.constants
        found: list[object] = []
        row = first_row
        while row <= last_row:
            piece = state.piece_at(row, column)
            if piece is None:
                anchor = state.members.get((row, column))
                if anchor is None:  # no formula up to the column's next one: what value() would find
                    stop = min(last_row, state.next_formula_row(row, column) - 1)
                    found += map(constants.get, zip(range(row, stop + 1), repeat(column)))
                    row = stop + 1
                    continue
                piece = state.piece_at(*anchor)
            if piece is not None and piece.block is not None and piece.block.outputs:
                block = piece.block
                end = min(last_row, block.last_row)
                part = block.outputs[column][row - block.first_row:end - block.first_row + 1]
                if NOT_COMPUTED in part:  # read while the block runs: value() says where the loop is
                    part = [self.value(sheet, r, column) for r in range(row, end + 1)]
                found += part
                row = end + 1
            else:
                found.append(self.value(sheet, row, column))
                row += 1
        return found


def _shape(block: Block) -> tuple:
    """What makes blocks alike: their sheet and columns (the epochs of a sheet repeat them).

    Not their trees: a column reading the first epoch's data has another row offset in every epoch.
    Breaking up a block that would not have looped costs speed, never a value.
    """
    return block.sheet, tuple(block.columns)


def _cells_of(block: Block) -> list[tuple[str, int, int]]:
    return [(block.sheet, row, column) for row in range(block.first_row, block.last_row + 1)
            for column in block.columns]


class _BlockLoop(Exception):
    def __init__(self, blocks: list[Block]):
        self.blocks = blocks


def _resolve(node: n.Node, row: int, column: int) -> tuple[int, int, int, int] | None:
    """The rectangle (r0, c0, r1, c1) a Cell or Area reference covers from cell (row, column)."""
    corners = (node, node) if type(node) is n.Cell else (node.first, node.last)
    rows, columns = [], []
    for corner in corners:
        rows.append(corner.row if corner.row_absolute else row + corner.row)
        columns.append(corner.column if corner.column_absolute else column + corner.column)
    r0, r1, c0, c1 = min(rows), max(rows), min(columns), max(columns)
    if r0 < 1 or c0 < 1 or r1 > MAX_ROWS or c1 > MAX_COLUMNS:
        return None
    return r0, c0, r1, c1


__all__ = ["WorkbookEvaluator"]
