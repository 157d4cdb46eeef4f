"""A hand-made workbook's cells as numbers, evaluated once, and its columns cut to a length as one matrix.

The draft compares many reference runs with the same cells: each run's step
quantities (rows of a matrix) against every window of a column that can hold
that many steps (rows of another), in one comparison.
"""

from __future__ import annotations

import math

import numpy as np

from .cells import Range
from .errors import XlgenError
from .formula.evaluator import WorkbookEvaluator
from .sheet_layout import Column, Layout
from .xlsx.reader import Workbook

RTOL, ATOL = 1e-9, 1e-12  # as the check holds cells to: weight decay's b·(1 - lr·wd) is not b


class SheetValues:
    def __init__(self, workbook: Workbook, layout: Layout):
        self.layout = layout
        self.cells = _evaluate(workbook, [c.range() for c in layout.columns] + list(layout.inputs)
                               + layout.formulas)
        self._windows: dict[tuple[int, str | None], tuple[list[tuple[Column, int]], np.ndarray]] = {}
        self._cell_windows: dict[int, tuple[list[Range], np.ndarray]] = {}

    def value(self, cell: Range) -> object:
        """The value of one cell: a float, a bool (a switch), or NaN."""
        return self.cells.get((cell.sheet, cell.first_row, cell.first_column), math.nan)

    def of(self, cells: Range) -> np.ndarray:
        return np.array([self.cells.get((cells.sheet, row, column), np.nan) for row, column in cells.cells()],
                        dtype=float)

    def windows(self, size: int, sheet: str | None = None) -> tuple[list[tuple[Column, int]], np.ndarray]:
        """The columns (of ``sheet``, or all) that can hold ``size`` steps, at the top and at the bottom, and
        their values."""
        if (size, sheet) not in self._windows:
            windows = [(column, offset) for column in self.layout.columns
                       if column.size >= size and sheet in (None, column.sheet)
                       for offset in _offsets(column.size - size)]
            rows = [self.of(column.range(offset, size)) for column, offset in windows]
            self._windows[size, sheet] = (windows, np.array(rows).reshape(len(windows), size))
        return self._windows[size, sheet]

    def cell_windows(self, size: int) -> list[Range]:
        """Every formula cell (for one epoch), or the top and bottom runs of ``size`` cells of the formula
        columns (an epoch summary per row)."""
        found = [column.range(offset, size) for column in self.layout.columns
                 if column.size >= size and not column.constants
                 for offset in (range(column.size) if size == 1 else _offsets(column.size - size))]
        found += list(self.layout.formulas) if size == 1 else []
        typed = self.layout.typed
        return [cells for cells in found if not any((cells.sheet, row, cells.first_column) in typed
                                                    for row in range(cells.first_row, cells.last_row + 1))]


    def holding(self, expected) -> list[Range]:
        """The :meth:`cell_windows` whose cells equal ``expected``, all compared at once."""
        expected = np.asarray(expected, dtype=float)
        size = len(expected)
        if size not in self._cell_windows:
            found = self.cell_windows(size)
            rows = np.array([self.of(cells) for cells in found]).reshape(len(found), size)
            self._cell_windows[size] = (found, rows)
        found, rows = self._cell_windows[size]
        return [found[i] for i in np.flatnonzero(matches(rows, expected) == size)]


def matches(matrix: np.ndarray, expected) -> np.ndarray:
    """Per row of ``matrix`` (one candidate column each), how many cells equal ``expected``'s."""
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=int)
    return np.isclose(matrix, np.asarray(expected, dtype=float)[None, :], rtol=RTOL, atol=ATOL).sum(axis=1)


def best_matches(matrix: np.ndarray, expected: np.ndarray) -> int:
    """Over the quantities (rows of ``expected``), the cells of each one's best-matching window, summed."""
    if not matrix.shape[0] or not expected.shape[0]:
        return 0
    found = np.isclose(matrix[None, :, :], expected[:, None, :], rtol=RTOL, atol=ATOL).sum(axis=2)
    return int(found.max(axis=1).sum())


def distinct_columns(windows: list[tuple[Column, int]], matrix: np.ndarray, expected: np.ndarray,
                     strong: int) -> int:
    """How many different columns are the best match (``strong`` cells at least) of some quantity: momentum
    without momentum matches a plain SGD sheet's cells, but its average only in the column of de/db."""
    if not matrix.shape[0] or not expected.shape[0]:
        return 0
    found = np.isclose(matrix[None, :, :], expected[:, None, :], rtol=RTOL, atol=ATOL).sum(axis=2)
    best = found.argmax(axis=1)
    return len({(windows[i][0].sheet, windows[i][0].column) for q, i in enumerate(best) if found[q, i] >= strong})


def step_values(table, names: list[str]) -> np.ndarray:
    """The columns ``names`` of a reference :class:`~reference.registry.Table` (those it has) as rows of a float
    matrix."""
    present = [name for name in names if name in table.columns]
    if not present:
        return np.zeros((0, len(table)))
    return np.array([np.asarray(table[name], dtype=float) for name in present])


def _evaluate(workbook: Workbook, ranges: list[Range]) -> dict[tuple[str, int, int], float]:
    """Every cell of ``ranges`` as a number (NaN where it is not one), the workbook evaluated once."""
    evaluator = WorkbookEvaluator(workbook.path)
    found: dict[tuple[str, int, int], float] = {}
    try:
        batches = [(ranges, evaluator.evaluate(ranges))]
    except XlgenError:  # one column the engine cannot evaluate: the others still count
        batches = []
        for cells in ranges:
            try:
                batches.append(([cells], evaluator.evaluate([cells])))
            except XlgenError:
                continue
    for group, values in batches:
        for cells, cell_values in zip(group, values):
            for (row, column), value in zip(cells.cells(), cell_values):
                found[(cells.sheet, row, column)] = value if type(value) in (float, bool) else math.nan
    return found


def _offsets(spare: int) -> list[int]:
    """Where ``spare`` extra cells of a column go: above the steps (a start row) or below (a summary)."""
    return sorted({0, min(1, spare), max(spare - 1, 0), spare})
