"""The ``cached`` engine: the values the last application saved in the file; nothing is recomputed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..cells import Range
from ..errors import XlgenError
from ..xlsx.reader import read_workbook
from .base import Engine, EngineResult


class CachedEngine(Engine):
    name = "cached"

    def evaluate(self, path: Path, ranges: Sequence[Range]) -> EngineResult:
        workbook = read_workbook(path, sheets=sorted({r.sheet for r in ranges}))
        result = EngineResult(values=[])
        for target in ranges:
            sheet = workbook.sheets.get(target.sheet)
            if sheet is None:
                raise XlgenError(f"{path}: no sheet named {target.sheet!r}")
            result.values.append([sheet.values.get(key) for key in target.cells()])
            for key in target.cells():
                if key in sheet.formulas:
                    result.formulas[(target.sheet, *key)] = sheet.formulas[key]
        return result
