"""Which cells an engine other than ``fast`` cannot evaluate, decided from the formulas before it runs.

The LibreOffice and ``formulas`` engines each know formulas their program gets
wrong (LAMBDA in LibreOffice, LET inside LET in ``formulas`` ...). Each says so
with a *check*: given what a formula uses (:class:`FormulaUse`) it returns the
reason it cannot evaluate it, or None. :func:`unsupported_cells` applies a
check to every formula and defined name, and marks every cell that depends on
a rejected one with the same reason, so that no engine hands back a number
computed from a value it got wrong.

Formulas are read by xlgen's parser (:mod:`xlgen.formula.parser`) once per
formula shape: a column filled down 100,000 rows is one tree, analysed once.
Dependencies are followed per shape too: a shape's references, shifted by its
rows, are rectangles whose rows grow with the formula's row, so the cells that
read a given row form one interval of the shape's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..cells import MAX_COLUMNS, MAX_ROWS, parse_cell
from ..formula import nodes as n
from ..formula.parser import name_key
from ..formula.shapes import Piece, parse_or_refuse, pieces
from ..xlsx.reader import DefinedName, Workbook

CellKey = tuple[str, int, int]  # (sheet, row, column)
Spec = tuple[str | None, n.Node]  # (sheet as written or None for the formula's own, Cell or Area node)

_WIDE = 256  # references spanning more columns than this are looked up by sheet, not by column
_BAND = 8  # readers of a column are found by the bands of rows they read; _TALL bands or more: always looked at
_TALL = 512


@dataclass(frozen=True)
class Call:
    """A function call in a formula: ``function`` upper-case without ``_xlfn.``/``_xlws.``."""

    function: str
    inside: tuple[str, ...] = ()  # the calls it sits in, outermost first
    invoked: bool = False  # its result is called at once: LAMBDA(x,x+1)(2)


@dataclass
class FormulaUse:
    """What one formula (or defined name) uses: calls, defined names, LET/LAMBDA names and references."""

    calls: list[Call] = field(default_factory=list)
    names: list[DefinedName] = field(default_factory=list)  # in the order the formula mentions them
    parameters: list[str] = field(default_factory=list)  # LET/LAMBDA names as spelled (``x``, ``X``, ``myVar``)
    references: list[Spec] = field(default_factory=list)


Check = Callable[[FormulaUse, "DefinedName | None"], "str | None"]
"""Why an engine cannot evaluate a formula (or the defined name passed second), or None."""


def formula_use(tree: n.Node, workbook: Workbook, sheet: str | None) -> FormulaUse:
    """What ``tree`` uses, written on ``sheet`` (None: a workbook-level defined name)."""
    use = FormulaUse()
    _visit(tree, (), frozenset(), use, workbook, sheet)
    return use


def _visit(node: n.Node, inside: tuple[str, ...], local: frozenset[str], use: FormulaUse, workbook: Workbook,
           sheet: str | None, invoked: bool = False) -> None:
    """Walk ``node`` in the order its text reads; ``local`` holds the LET/LAMBDA names in scope."""
    kind = type(node)
    if kind is n.Cell or kind is n.Area:
        use.references.append((node.sheet, node))
    elif kind is n.Name:
        if node.sheet is None and node.key in local:
            use.parameters.append(node.written or node.key)
        else:
            _defined(node.key, node.sheet or sheet, use, workbook)
    elif kind is n.Unary:
        _visit(node.operand, inside, local, use, workbook, sheet)
    elif kind is n.Binary:
        _visit(node.left, inside, local, use, workbook, sheet)
        _visit(node.right, inside, local, use, workbook, sheet)
    elif kind is n.Invoke:
        _visit(node.callee, inside, local, use, workbook, sheet, invoked=True)
        for arg in node.args:
            _visit(arg, inside, local, use, workbook, sheet)
    elif kind is n.Call:
        use.calls.append(Call(node.name, inside, invoked))
        key = name_key(node.name)
        if key not in local:
            _defined(key, sheet, use, workbook)
        within = inside + (node.name,)
        args = node.args
        if node.name in ("LET", "LAMBDA"):
            # Names are declared where they stand (LET: every other argument before the last).
            declares = range(0, len(args) - 1, 2) if node.name == "LET" else range(len(args) - 1)
            for index, arg in enumerate(args):
                if index in declares and type(arg) is n.Name:
                    use.parameters.append(arg.written or arg.key)
                    local = local | {arg.key}
                else:
                    _visit(arg, within, local, use, workbook, sheet)
            return
        for arg in args:
            _visit(arg, within, local, use, workbook, sheet)


def _defined(key: str, sheet: str | None, use: FormulaUse, workbook: Workbook) -> None:
    defined = workbook.defined_name(key, sheet)
    if defined is not None:
        use.names.append(defined)


class _Shapes:
    """Each formula shape's reason and references, and each defined name's, through the names it uses."""

    def __init__(self, workbook: Workbook, check: Check):
        self.workbook, self.check = workbook, check
        self.shapes: dict[tuple[str, n.Node], tuple[str | None, list[Spec]]] = {}
        self.names: dict[int, tuple[str | None, list[Spec]]] = {}

    def shape(self, sheet: str, tree: n.Node) -> tuple[str | None, list[Spec]]:
        key = (sheet, tree)
        found = self.shapes.get(key)
        if found is None:
            use = formula_use(tree, self.workbook, sheet)
            found = self.shapes[key] = self._through_names(use, self.check(use, None), frozenset())
        return found

    def name(self, defined: DefinedName, seen: frozenset[int]) -> tuple[str | None, list[Spec]]:
        key = id(defined)
        if key in self.names:
            return self.names[key]
        if key in seen:  # a name defined through itself: nothing more to find
            return None, []
        use = formula_use(parse_or_refuse(defined.text.lstrip("="), 1, 1), self.workbook, defined.sheet)
        found = self.names[key] = self._through_names(use, self.check(use, defined), seen | {key})
        return found

    def _through_names(self, use: FormulaUse, reason: str | None, seen: frozenset[int]
                       ) -> tuple[str | None, list[Spec]]:
        specs = list(use.references)
        for defined in use.names:
            inner_reason, inner_specs = self.name(defined, seen)
            reason = reason or inner_reason
            specs += inner_specs
        return reason, specs


@dataclass(slots=True)
class _Reader:
    """A piece's reference: from row r of the piece it reads rows lo(r)..hi(r) of columns first..last."""

    sheet: str  # the piece's sheet
    piece: Piece
    rows: tuple[tuple[int, bool], tuple[int, bool]]  # the two row corners: (number or offset, absolute)

    def span(self) -> tuple[int, int]:
        """The rows the piece's reference reads from any of its rows."""
        values = [v if absolute else row + v for v, absolute in self.rows
                  for row in (self.piece.first_row, self.piece.last_row)]
        return min(values), max(values)

    def rows_reading(self, first: int, last: int) -> tuple[int, int]:
        """The piece's rows whose reference meets rows first..last (empty when the first exceeds the last).

        lo(r) and hi(r) never decrease with r, so the rows with lo(r) <= last are a prefix and the
        rows with hi(r) >= first a suffix of the piece.
        """
        up_to, from_row = -1, MAX_ROWS + 1  # r <= up_to: lo(r) <= last; r >= from_row: hi(r) >= first
        for value, absolute in self.rows:
            if absolute:
                up_to = MAX_ROWS if value <= last else up_to
                from_row = 0 if value >= first else from_row
            else:
                up_to = max(up_to, last - value)
                from_row = min(from_row, first - value)
        return max(from_row, self.piece.first_row), min(up_to, self.piece.last_row)


class _ColumnReaders:
    """The readers of one column, by the bands of rows they read (a sheet of one-cell array formulas has a
    reader per row: looking at all of them for every row would cost the square of the rows)."""

    __slots__ = ("bands", "tall")

    def __init__(self) -> None:
        self.bands: dict[int, list[_Reader]] = {}
        self.tall: list[_Reader] = []

    def add(self, reader: _Reader, first: int, last: int) -> None:
        first, last = max(first, 1) // _BAND, min(last, MAX_ROWS) // _BAND
        if last - first >= _TALL:
            self.tall.append(reader)
        else:
            for band in range(first, last + 1):
                self.bands.setdefault(band, []).append(reader)

    def meeting(self, first: int, last: int) -> list[_Reader]:
        """Readers that may read a row of first..last (each once)."""
        found = {id(reader): reader for reader in self.tall}
        bands = self.bands
        if (last - first) // _BAND < len(bands):
            for band in range(first // _BAND, last // _BAND + 1):
                for reader in bands.get(band, ()):
                    found[id(reader)] = reader
        else:
            for band, readers in bands.items():
                if first // _BAND <= band <= last // _BAND:
                    for reader in readers:
                        found[id(reader)] = reader
        return list(found.values())


def _corners(node: n.Node) -> tuple[n.Cell, n.Cell]:
    return (node, node) if type(node) is n.Cell else (node.first, node.last)


def unsupported_cells(workbook: Workbook, check: Check, culprits: dict[CellKey, str] | None = None
                      ) -> dict[CellKey, str]:
    """Cells ``check`` rejects (directly or through a defined name), plus every cell that depends on one.

    ``culprits`` adds cells already known to be unsupported. A dependent cell
    carries the reason of the cell it depends on. References made at run time
    (``OFFSET``, ``INDIRECT``) are not followed.
    """
    shapes = _Shapes(workbook, check)
    sheets = {name.casefold(): name for name in workbook.sheets}
    bad: dict[CellKey, str] = dict(culprits or {})
    by_column: dict[tuple[str, int], _ColumnReaders] = {}
    wide: dict[str, list[tuple[int, int, _Reader]]] = {}
    spills: dict[CellKey, list[tuple[str, int, int, int]]] = {}  # array anchor -> (sheet, column, r0, r1) parts
    pending: list[tuple[str, int, int, int, str]] = []  # (sheet, column, first row, last row, reason)
    for sheet_name, sheet in workbook.sheets.items():
        for run in sheet.cells.runs if sheet.cells is not None else ():
            for piece in pieces(run):
                reason, specs = shapes.shape(sheet_name, piece.tree)
                if reason is not None:
                    pending.append((sheet_name, piece.column, piece.first_row, piece.last_row, reason))
                for written, node in specs:
                    target = sheets.get(written.casefold()) if written is not None else sheet_name
                    if target is None:
                        continue
                    corners = _corners(node)
                    columns = [c.column if c.column_absolute else piece.column + c.column for c in corners]
                    c0, c1 = max(min(columns), 1), min(max(columns), MAX_COLUMNS)
                    reader = _Reader(sheet_name, piece, tuple((c.row, c.row_absolute) for c in corners))
                    if c1 - c0 < _WIDE:
                        span = reader.span()
                        for column in range(c0, c1 + 1):
                            by_column.setdefault((target, column), _ColumnReaders()).add(reader, *span)
                    else:
                        wide.setdefault(target, []).append((c0, c1, reader))
            for row in range(run.first_row, run.last_row + 1) if run.array_ref not in (None, "self") else ():
                first, _, last = run.array_ref_at(row).replace("$", "").partition(":")
                if last:
                    (r0, c0), (r1, c1) = parse_cell(first), parse_cell(last)
                    spills[(sheet_name, row, run.column)] = [
                        (sheet_name, c, r0 + (c == run.column), r1) for c in range(c0, c1 + 1)
                        if r0 + (c == run.column) <= r1]
    for (sheet, row, column), reason in list(bad.items()):
        pending.append((sheet, column, row, row, reason))
    for sheet, column, first, last, reason in pending:  # the rejected shapes' own rows are bad first
        for row in range(first, last + 1):
            bad.setdefault((sheet, row, column), reason)
    while pending:
        sheet, column, first, last, reason = pending.pop()
        column_readers = by_column.get((sheet, column))
        readers = column_readers.meeting(first, last) if column_readers is not None else []
        readers += [reader for c0, c1, reader in wide.get(sheet, ()) if c0 <= column <= c1]
        for reader in readers:
            r0, r1 = reader.rows_reading(first, last)
            pending += _mark(bad, reader.sheet, reader.piece.column, r0, r1, reason)
        for row in range(first, last + 1):
            for part in spills.get((sheet, row, column), ()):
                pending += _mark(bad, *part, reason)
    return bad


def _mark(bad: dict[CellKey, str], sheet: str, column: int, first: int, last: int, reason: str
          ) -> Iterator[tuple[str, int, int, int, str]]:
    """Mark rows first..last of a column bad; the runs of rows newly marked, to follow in their turn."""
    start = None
    for row in range(first, last + 1):
        key = (sheet, row, column)
        if key in bad:
            if start is not None:
                yield sheet, column, start, row - 1, reason
                start = None
        else:
            bad[key] = reason
            if start is None:
                start = row
    if start is not None:
        yield sheet, column, start, last, reason


__all__ = ["Call", "Check", "CellKey", "FormulaUse", "formula_use", "unsupported_cells"]
