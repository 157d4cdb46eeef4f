"""The ``fast`` engine: xlgen's own formula evaluator, in process (see :mod:`xlgen.formula`).

It reads the workbook once, evaluates only the cells the requested ranges
depend on, and returns their values. A requested cell that depends on
something the engine will not evaluate (an unsupported or volatile function,
an external workbook) raises :class:`~xlgen.errors.UnsupportedFormula` naming
the cell where that function is; a circular reference raises
:class:`~xlgen.errors.CircularReference`.

Arrays, as Excel stores them: an array formula (``t="array"``, which is also
how Excel and XlsxWriter store dynamic-array formulas) computes with whole
arrays and fills its stored area. A plain formula keeps Excel's older rule:
where one value is expected, a range means its cell in the formula's row or
column (implicit intersection, shown as ``@A1:A3`` by Excel 365), and a
result that is still an array shows its top-left element (no spill). A
reference to a sheet the workbook does not have is ``#REF!``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from ..cells import Range
from ..errors import UnsupportedFormula
from ..formula.evaluator import WorkbookEvaluator
from ..values import Unsupported
from .base import Engine, EngineResult


class FastEngine(Engine):
    name = "fast"

    def __init__(self, compile_blocks: bool = True):
        self.compile_blocks = compile_blocks

    def evaluate(self, path: Path, ranges: Sequence[Range]) -> EngineResult:
        evaluator = WorkbookEvaluator(path, compile_blocks=self.compile_blocks)
        values = evaluator.evaluate(list(ranges))
        for found in values:
            if Unsupported in set(map(type, found)):  # the types of a million values, in C
                value = next(value for value in found if type(value) is Unsupported)
                raise UnsupportedFormula(f"{path}: {value.reason}")
        return EngineResult(values=values, formulas=_FormulaTexts(evaluator, ranges))


class _FormulaTexts(Mapping):
    """(sheet, row, column) -> formula text of the requested cells, written out only when asked for.

    The checker asks for every compared cell, a million on a large sheet, so a lookup is a bisection and a
    string format, without exceptions for cells that hold no formula.
    """

    def __init__(self, evaluator: WorkbookEvaluator, ranges: Sequence[Range]):
        self._ranges: dict[str, list[Range]] = {}
        self._cells = {}
        for target in ranges:
            name = evaluator.sheet_name(target.sheet)
            cells = evaluator.workbook.sheets[name].cells if name else None
            if cells is not None:
                self._ranges.setdefault(target.sheet, []).append(target)
                self._cells[target.sheet] = cells

    def get(self, key: tuple[str, int, int], default: object = None) -> object:
        sheet, row, column = key
        for target in self._ranges.get(sheet, ()):
            if target.first_row <= row <= target.last_row and target.first_column <= column <= target.last_column:
                run = self._cells[sheet].run_at(row, column)
                return default if run is None else run.text_at(row)
        return default

    def __getitem__(self, key: tuple[str, int, int]) -> str:
        text = self.get(key)
        if text is None:
            raise KeyError(key)
        return text

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None

    def __iter__(self) -> Iterator[tuple[str, int, int]]:
        seen = set()
        for sheet, targets in self._ranges.items():
            for target in targets:
                for run in self._cells[sheet].runs:
                    if not target.first_column <= run.column <= target.last_column:
                        continue
                    for row in range(max(run.first_row, target.first_row), min(run.last_row, target.last_row) + 1):
                        key = (sheet, row, run.column)
                        if key not in seen:
                            seen.add(key)
                            yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)
