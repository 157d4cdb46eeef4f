"""What a check found: each compared cell, each workbook's verdict, their JSON form and the exit code."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .cells import cell_name
from .compare import QuantityComparison
from .values import ExcelError, Unsupported

LISTED = 100  # cells kept per quantity and status (mismatch, unsupported) for the reports; the rest are counted


@dataclass
class CellResult:
    file: str
    sheet: str
    cell: str
    quantity: str
    step: int  # 1-based position in the quantity's cells: the step, or the epoch for per-epoch quantities
    workbook_value: Any
    reference_value: Any
    abs_error: float | None
    rel_error: float | None
    ulps: int | None
    status: str  # "match", "mismatch" or "unsupported"
    formula: str | None = None
    cause: bool = False  # a mismatch whose formula reads no other mismatching cell (set by xlgen.causes)
    per: str = "step"  # what ``step`` counts: "step", or "epoch" for per-epoch quantities

    @property
    def where(self) -> str:
        """``step 7`` or ``epoch 3``: the cell's place in its quantity, in words."""
        return f"{self.per} {self.step}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "sheet": self.sheet, "cell": self.cell, "quantity": self.quantity,
            "step": self.step, "per": self.per, "status": self.status,
            "workbook_value": _json_value(self.workbook_value),
            "reference_value": _json_value(self.reference_value),
            "abs_error": _json_value(self.abs_error), "rel_error": _json_value(self.rel_error),
            "ulps": self.ulps, "formula": self.formula,
        }


@dataclass
class QuantityCount:
    """How many of a quantity's cells differ, and how many of those a result lists."""

    quantity: str
    source: str  # the range, as sheet!A1:A9
    cells: int
    mismatched: int
    unsupported: int
    listed: int

    def as_json(self) -> dict[str, Any]:
        return {"quantity": self.quantity, "range": self.source, "cells": self.cells,
                "mismatched": self.mismatched, "unsupported": self.unsupported, "listed": self.listed,
                "not_listed": self.mismatched + self.unsupported - self.listed}


@dataclass
class WorkbookResult:
    file: str
    experiment: str = "-"
    variant: str = "-"
    engine: str = "-"
    compared: int = 0
    matched: int = 0
    cells: list[CellResult] = field(default_factory=list)  # the first LISTED of each quantity that do not match
    mismatched: int = 0  # all of them, listed or not
    unsupported_cells: int = 0
    counts: list[QuantityCount] = field(default_factory=list)
    worst_rel: float = 0.0
    worst_ulps: int = 0
    error: str | None = None  # the workbook could not be checked at all
    notes: list[str] = field(default_factory=list)
    comparisons: list[QuantityComparison] = field(default_factory=list)
    exercise: list[Any] | None = None  # an exercise's grades (xlgen.grading.Grade), one per quantity to write
    drafted_spec: str | None = None  # the TOML of the spec drafted for the check (check --experiment)

    @property
    def table(self) -> list[CellResult]:
        """Every compared cell (built on demand: a big sheet has a million of them)."""
        different = {(c.sheet, c.cell): c for c in self.cells}
        rows = []
        for comparison in self.comparisons:
            source = comparison.source
            for index, (row, column) in enumerate(source.cells()):
                name = cell_name(row, column)
                known = different.get((source.sheet, name))
                if known is not None:
                    rows.append(known)
                    continue
                rows.append(cell_result(self.file, comparison, index, row, column))
        return rows

    @property
    def mismatches(self) -> list[CellResult]:
        """The listed mismatches (``mismatched`` counts them all)."""
        return [c for c in self.cells if c.status == "mismatch"]

    @property
    def unsupported(self) -> list[CellResult]:
        """The listed unsupported cells (``unsupported_cells`` counts them all)."""
        return [c for c in self.cells if c.status == "unsupported"]

    @property
    def verdict(self) -> str:
        if self.error:
            return "error"
        if self.exercise is not None and not all(g.done for g in self.exercise):
            return "fail"
        if self.mismatched:
            return "fail"
        if self.unsupported_cells:
            return "unsupported"
        return "pass"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "experiment": self.experiment, "variant": self.variant, "engine": self.engine,
            "verdict": self.verdict, "compared": self.compared, "matched": self.matched,
            "mismatched": self.mismatched, "unsupported": self.unsupported_cells,
            "worst_rel_error": self.worst_rel, "worst_ulps": self.worst_ulps, "error": self.error,
            "notes": self.notes, "listed_per_quantity": LISTED, "quantities": [c.as_json() for c in self.counts],
            **({"exercise": [g.as_json() for g in self.exercise]} if self.exercise is not None else {}),
        }


def cell_result(file: str, comparison: QuantityComparison, index: int, row: int, column: int,
                formula: str | None = None) -> CellResult:
    """Cell ``index`` of a quantity's comparison, as one result row."""
    ulps = int(comparison.ulps[index])
    return CellResult(
        file, comparison.source.sheet, cell_name(row, column), comparison.quantity, index + 1,
        comparison.workbook[index], float(comparison.reference[index]), _number(comparison.abs_error[index]),
        _number(comparison.rel_error[index]), ulps if ulps >= 0 else None, str(comparison.status[index]), formula,
        per=comparison.per)


def exit_code(results: Sequence[WorkbookResult]) -> int:
    """0: every compared cell matches; 1: a mismatch; 2: a workbook could not be checked or has unsupported cells."""
    if any(r.verdict == "fail" for r in results):
        return 1
    if any(r.verdict in ("error", "unsupported") for r in results):
        return 2
    return 0


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, (ExcelError, Unsupported)):
        return str(value)
    return value


def _number(value: float) -> float | None:
    return None if value != value else float(value)
