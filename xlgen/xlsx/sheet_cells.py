"""A worksheet's cells as stored after reading: constants by position, formulas in runs down a column.

Formulas filled down a column are stored once per run (see
:mod:`xlgen.row_templates`); Excel's shared formulas are kept as written
(master text and anchor cell) and translated to a cell only when its text is
asked for. :class:`SheetBuilder` collects cells into runs while a parser
streams them by; the read-only mappings give ``(row, column) -> value``,
formula text and array area over that storage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..cells import cell_name, column_index, parse_range
from ..errors import XlgenError
from ..row_templates import RowTemplate
from ..row_spans import span_at
from ..values import Value, as_error
from .xml_text import ooxml_unescape

_BOOLEANS = {"1": True, "0": False, "true": True, "false": False}  # xsd:boolean, as OOXML's t="b" cells are

# Cells of a sheet's multi-cell array formulas that an evaluator may have to hold: two full columns (a
# million-row sheet of 1x2 LAMBDA results). An area claiming the rest of the grid is refused before its cells exist.
MAX_ARRAY_CELLS = 2 * 1_048_576


@dataclass(slots=True)
class FormulaRun:
    """Formula cells of one column, rows ``first_row``..``last_row``, that share one formula shifted by rows.

    Exactly one source of text: ``template`` (each row's text written out in
    the file, see :class:`~xlgen.row_templates.RowTemplate`; ``text`` is the
    first row's) or ``shared`` (Excel's shared formula: master text and its
    anchor cell). ``array_ref`` is ``"self"`` for one-cell array formulas (how
    dynamic-array formulas such as LAMBDA calls are stored), the area of a
    larger array formula in ``first_row``, or None. A run of several rows with
    an area is a one-row array formula filled down, one formula a row (as a
    LAMBDA returning [b, a] is stored): each row's area is the first row's moved
    down (:meth:`array_ref_at`).
    """

    column: int
    first_row: int
    last_row: int
    text: str | None = None
    template: RowTemplate | bool | None = None  # False: a shared formula that needs translating cell by cell
    shared: tuple[str, int, int] | None = None
    array_ref: str | None = None
    values: list[Value] | None = None  # cached values, one per row, when read

    def text_at(self, row: int) -> str:
        """The formula text of the cell in ``row`` as the file stores it (shared formulas translated)."""
        if self.shared is not None:
            if self.template is None:
                self.template = self._shared_template()
            if self.template is not False:
                return self.template.fill(row)
            return self._translate(row)
        if row == self.first_row:
            return self.text
        if self.template is None:
            self.template = RowTemplate(self.text, self.first_row)
        return self.template.fill(row)

    def array_ref_at(self, row: int) -> str | None:
        """The ``array_ref`` of the cell in ``row`` (a row of a run of one-row areas has its own)."""
        if self.array_ref in (None, "self") or row == self.first_row:
            return self.array_ref
        return f"{cell_name(row, self.column)}:{_row_area_end(self.array_ref, self.first_row, self.column)}{row}"

    def _translate(self, row: int) -> str:
        master, anchor_row, anchor_column = self.shared
        if (row, self.column) == (anchor_row, anchor_column):
            return master
        from openpyxl.formula.translate import Translator  # here: only shared formulas need it

        translated = Translator("=" + master, origin=cell_name(anchor_row, anchor_column))
        return translated.translate_formula(cell_name(row, self.column))[1:]

    def _shared_template(self) -> RowTemplate | bool:
        """A template of this column's translated texts, when translating a second row confirms it (a
        translation is slow; a long shared column is read cell by cell by the checker); else False."""
        template = RowTemplate(self._translate(self.first_row), self.first_row)
        if self.last_row > self.first_row and template.fill(self.first_row + 1) != self._translate(self.first_row + 1):
            return False
        return template


class SheetCells:
    """A worksheet's cells: constants by position, formulas in runs indexed by column."""

    def __init__(self) -> None:
        self.constants: dict[tuple[int, int], Value] = {}
        self.runs: list[FormulaRun] = []
        self._index: dict[int, tuple[list[int], list[FormulaRun]]] | None = None

    def run_at(self, row: int, column: int) -> FormulaRun | None:
        """The formula run holding cell (row, column), if any."""
        if self._index is None:
            index: dict[int, list[FormulaRun]] = {}
            for run in self.runs:
                index.setdefault(run.column, []).append(run)
            self._index = {}
            for col, runs in index.items():
                runs.sort(key=lambda r: r.first_row)
                self._index[col] = ([r.first_row for r in runs], runs)
        found = self._index.get(column)
        if found is None:
            return None
        return span_at(*found, row)

    def runs_in_column(self, column: int) -> tuple[list[int], list[FormulaRun]]:
        """(first rows, runs) of one column, sorted by row."""
        self.run_at(1, column)
        return self._index.get(column, ([], []))

    def formula_cells(self) -> Iterator[tuple[tuple[int, int], FormulaRun]]:
        for run in self.runs:
            for row in range(run.first_row, run.last_row + 1):
                yield (row, run.column), run


class Values(Mapping):
    """(row, column) -> value: constants, then cached values of formula cells (when they were read)."""

    def __init__(self, cells: SheetCells):
        self._cells = cells

    def __getitem__(self, key: tuple[int, int]) -> Value:
        try:
            return self._cells.constants[key]
        except KeyError:
            pass
        run = self._cells.run_at(*key)
        if run is None or run.values is None:
            raise KeyError(key)
        return run.values[key[0] - run.first_row]

    def _keys(self) -> list[tuple[int, int]]:
        keys = list(self._cells.constants)
        keys += [key for key, run in self._cells.formula_cells() if run.values is not None]
        return sorted(keys)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self) -> int:
        with_values = sum(r.last_row - r.first_row + 1 for r in self._cells.runs if r.values is not None)
        return len(self._cells.constants) + with_values


class Formulas(Mapping):
    """(row, column) -> formula text as stored (shared formulas translated on access)."""

    def __init__(self, cells: SheetCells):
        self._cells = cells

    def __getitem__(self, key: tuple[int, int]) -> str:
        run = self._cells.run_at(*key)
        if run is None:
            raise KeyError(key)
        return run.text_at(key[0])

    def __iter__(self):
        return iter(sorted(key for key, _ in self._cells.formula_cells()))

    def __len__(self) -> int:
        return sum(run.last_row - run.first_row + 1 for run in self._cells.runs)


class ArrayRefs(Mapping):
    """Top-left cell of an array formula -> the area it fills (``"C4:C6"``, or the cell itself)."""

    def __init__(self, cells: SheetCells):
        self._cells = cells

    def __getitem__(self, key: tuple[int, int]) -> str:
        run = self._cells.run_at(*key)
        if run is None or run.array_ref is None:
            raise KeyError(key)
        return cell_name(*key) if run.array_ref == "self" else run.array_ref_at(key[0])

    def __iter__(self):
        return iter(sorted(key for key, run in self._cells.formula_cells() if run.array_ref is not None))

    def __len__(self) -> int:
        return sum(run.last_row - run.first_row + 1 for run in self._cells.runs if run.array_ref is not None)


def _row_area_end(ref: str, row: int, column: int) -> str | None:
    """The last column's letters of ``ref`` if it is a one-row area starting at (row, column), else None."""
    first, _, last = ref.partition(":")
    digits = str(row)
    if first != cell_name(row, column) or not last.endswith(digits):
        return None
    letters = last[:-len(digits)]
    return letters if letters.isalpha() and letters.isupper() else None


def _filled_down(run: FormulaRun, ref: str | None, row: int) -> bool:
    """Whether ``ref`` in ``row`` continues a run of one-row array areas, one a row, of one width."""
    if ref in (None, "self") or run.array_ref in (None, "self"):
        return False
    end = _row_area_end(run.array_ref, run.first_row, run.column)
    return end is not None and _row_area_end(ref, row, run.column) == end


def number(text: str) -> float:
    """A number as the file stores it, in Excel's syntax: no nan, no inf, no digit separators."""
    value = float(text)
    if value - value != 0 or "_" in text:  # value - value is nan for nan and for ±inf
        raise ValueError(f"{text[:40]!r} is not a number in Excel's syntax")
    return value


def numbers(texts: Sequence[str]) -> list[float] | None:
    """:func:`number` of each of ``texts``, in one conversion; None where one of them needs a look of its own
    (not a number, empty, nan or inf, a digit separator; or numbers whose sum overflows)."""
    try:
        values = list(map(float, texts))
    except ValueError:
        return None
    total = sum(values)
    if total - total != 0 or "_" in "".join(texts):  # total - total is nan for nan and for ±inf, as in number
        return None
    return values


class SheetBuilder:
    """Collects one sheet's cells, in document order, into :class:`SheetCells` (formulas into runs).

    ``formula(row, column, text, kind, ref, index, value)`` takes a formula cell as stored in ``<f>``: its
    text, ``t`` ("shared", "array" or None), ``ref`` and ``si``, and the value the file caches for it.
    """

    def __init__(self, cells: SheetCells, shared: list[str], formula_values: bool):
        self.cells = cells
        self.strings = shared
        self.keep_values = formula_values
        self.open: dict[int, FormulaRun] = {}  # column -> the run that the next row may extend
        self.masters: dict[str, tuple[str, int, int]] = {}  # shared formula index -> (text, row, column)
        self.array_cells = 0  # cells of the multi-cell array formulas so far
        self.row_areas: dict[int, tuple[FormulaRun, str | None, int]] = {}  # column -> see row_area

    def value(self, kind: str, text: str | None) -> Value:
        if text is None:
            return None
        if kind == "n":
            return number(text) if text.strip() else None  # <v/>: no cached value
        if kind == "s":
            try:
                index = int(text)
                if index < 0:
                    raise IndexError
                return self.strings[index]
            except (IndexError, ValueError):
                raise XlgenError(f"shared string {text!r} does not exist") from None
        if kind == "b":
            flag = _BOOLEANS.get(text.strip())
            if flag is None:
                raise XlgenError(f"boolean {text!r} is neither 0 nor 1")
            return flag
        if kind == "e":
            return as_error(text)
        return ooxml_unescape(text)  # "str", "inlineStr" and the rare ISO dates ("d")

    def formula(self, row: int, column: int, text: str | None, kind: str | None, ref: str | None,
                index: str | None, value: Value) -> None:
        run = self.open.get(column)
        extends = run is not None and run.last_row == row - 1
        if kind == "shared" and index is not None:
            if text:
                self.masters[index] = (text, row, column)
                self.start(FormulaRun(column, row, row, shared=(text, row, column)), value)
                return
            master = self.masters.get(index)
            if master is None:
                raise XlgenError(f"shared formula {index} is used at {cell_name(row, column)} before it is defined")
            if extends and run.shared == master:
                self.extend(run, row, value)
            else:
                self.start(FormulaRun(column, row, row, shared=master), value)
            return
        array_ref = None
        if kind == "array":
            array_ref = "self" if ref in (None, cell_name(row, column)) else ref
            if array_ref != "self":
                self._count_array_cells(row, column, array_ref)
        text = text or ""
        if extends and run.shared is None and (run.array_ref == array_ref and array_ref in (None, "self")
                                               or _filled_down(run, array_ref, row)):
            if run.template is None:
                run.template = RowTemplate(run.text, run.first_row)
            if run.template.fill(row) == text:
                self.extend(run, row, value)
                return
        self.start(FormulaRun(column, row, row, text=text, array_ref=array_ref), value)

    def row_area(self, run: FormulaRun) -> tuple[str | None, int]:
        """(last column's letters, width) of the one-row area of a run's rows, or (None, 0) if its array formula
        has no such area (the scanner extends a run of one-row areas without calling :meth:`formula`)."""
        found = self.row_areas.get(run.column)
        if found is None or found[0] is not run:
            end = None if run.array_ref in (None, "self") else _row_area_end(run.array_ref, run.first_row, run.column)
            found = self.row_areas[run.column] = (run, end, 0 if end is None else column_index(end) - run.column + 1)
        return found[1], found[2]

    def _count_array_cells(self, row: int, column: int, ref: str) -> None:
        try:
            area = parse_range(ref, default_sheet="-")
        except XlgenError:
            return  # not an area: the evaluator reports the cell
        self.count_array_cells(area.size, row, column, ref)

    def count_array_cells(self, size: int, row: int, column: int, ref: str) -> None:
        """Refuse array areas beyond :data:`MAX_ARRAY_CELLS` before anything holds their cells."""
        self.array_cells += size
        if self.array_cells > MAX_ARRAY_CELLS:
            raise XlgenError(f"the array formula at {cell_name(row, column)} fills {ref} ({size:,} cells); "
                             f"xlgen evaluates at most {MAX_ARRAY_CELLS:,} array-formula cells in a sheet")

    def start(self, run: FormulaRun, value: Value) -> None:
        if self.keep_values:
            run.values = [value]
        self.cells.runs.append(run)
        self.open[run.column] = run

    def extend(self, run: FormulaRun, row: int, value: Value) -> None:
        run.last_row = row
        if self.keep_values:
            run.values.append(value)
