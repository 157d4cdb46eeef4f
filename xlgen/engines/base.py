"""The engine interface."""

from __future__ import annotations

import traceback
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..cells import Range
from ..values import Value


@dataclass
class EngineResult:
    """Values of the requested ranges, each a flat row-by-row list, plus the formula text of those cells.

    ``formulas`` maps (sheet, row, column) to the cell's formula text (without
    ``=``) for cells that hold a formula; the checker quotes it when it reports
    a mismatch. ``notes`` are engine remarks worth showing once per workbook
    (e.g. "LibreOffice has no LAMBDA: 58 cells unsupported").
    """

    values: list[list[Value]]
    formulas: Mapping[tuple[str, int, int], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Engine(ABC):
    """Recalculates a workbook (or reads what it stores) and returns cell values."""

    name: str = "engine"

    @abstractmethod
    def evaluate(self, path: Path, ranges: Sequence[Range]) -> EngineResult:
        """Values of ``ranges`` in the workbook at ``path``.

        Raises :class:`xlgen.errors.XlgenError` for input the engine cannot
        take at all (unreadable file, a formula it cannot evaluate where the
        engine has no per-cell ``Unsupported`` value, a circular reference).
        A cell it cannot evaluate but can name is returned as
        :class:`xlgen.values.Unsupported`, never as a number.
        """

    def evaluate_many(self, jobs: Sequence[tuple[Path, Sequence[Range]]]) -> list[EngineResult | Exception]:
        """``evaluate`` for several workbooks; an engine with a costly start (LibreOffice) batches them.

        A workbook that fails gives its exception in its place instead of a result.
        """
        results: list[EngineResult | Exception] = []
        for path, ranges in jobs:
            try:
                results.append(self.evaluate(path, ranges))
            except Exception as error:  # reported per workbook by the checker
                traceback.clear_frames(error.__traceback__)  # the memory a failed evaluation held is let go
                results.append(error)
        return results
