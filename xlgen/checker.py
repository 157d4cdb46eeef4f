"""Checking one workbook: the engine's values joined to the reference table by quantity name, cell by cell.

The workbook's quantity columns are joined to the reference table by name
(from the manifest of a workbook xlgen built, or from a ``--spec``), and the
reference is re-run with the parameters read from the workbook's own input
cells, so a workbook whose learning rate a learner changed still checks. The
rule each cell is held to is in :mod:`xlgen.compare`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import collector
from .causes import MismatchingCells, causes_first
from .compare import ATOL, RTOL, compare_column
from .course_reference import reference_for
from .engines import EngineResult
from .errors import XlgenError
from .results import LISTED, QuantityCount, WorkbookResult, cell_result
from .cells import Range
from .spec import Target
from .target import check_lengths, read_params


def compare(path: Path, target: Target, result: EngineResult, ranges: list[Range], engine: str,
            rtol: float = RTOL, atol: float = ATOL) -> WorkbookResult:
    """Join the engine's values to the reference table and compare every quantity cell."""
    with collector.paused():  # the reference's rows beside the engine's values: many objects, no cycles
        return _compare(path, target, result, ranges, engine, rtol, atol)


def _compare(path: Path, target: Target, result: EngineResult, ranges: list[Range], engine: str,
             rtol: float, atol: float) -> WorkbookResult:
    outcome = WorkbookResult(str(path), target.experiment, target.variant, engine, notes=list(result.notes))
    params = read_params(path, target, ranges, result.values)
    check_lengths(path, target, params)
    table = reference_for(target, params, path)
    per_epoch = table.attrs.get("epochs")
    by_range = dict(zip(ranges, result.values))
    for quantity, source in target.quantities.items():
        per = "step"
        if quantity in table.columns:
            expected = table[quantity]
        elif per_epoch is not None and quantity in getattr(per_epoch, "columns", ()):
            expected, per = per_epoch[quantity], "epoch"
        else:
            raise XlgenError(f"{path}: the reference of {target.experiment!r} has no quantity {quantity!r}")
        if len(expected) != source.size:
            raise XlgenError(f"{path}: {quantity} at {source} has {source.size} cells, the reference "
                             f"{len(expected)} values (are epochs or data of another length?)")
        comparison = compare_column(quantity, source, by_range[source], np.asarray(expected, dtype=float),
                                    rtol, atol, per)
        outcome.comparisons.append(comparison)
        outcome.compared += source.size
        outcome.matched += comparison.count("match")
        relative = comparison.rel_error[np.isfinite(comparison.rel_error)]
        if relative.size:
            outcome.worst_rel = max(outcome.worst_rel, float(relative.max()))
        if (comparison.ulps >= 0).any():
            outcome.worst_ulps = max(outcome.worst_ulps, int(comparison.ulps.max()))
        # Only the first LISTED cells of each kind become result rows: a million wrong cells stay numbers.
        mismatched, unsupported = comparison.where("mismatch"), comparison.where("unsupported")
        # Sorted in Python: np.union1d would import numpy.ma, 8 ms of every check's start-up.
        listed = sorted({*mismatched[:LISTED].tolist(), *unsupported[:LISTED].tolist()})
        outcome.mismatched += mismatched.size
        outcome.unsupported_cells += unsupported.size
        outcome.counts.append(QuantityCount(quantity, str(source), source.size, int(mismatched.size),
                                            int(unsupported.size), len(listed)))
        for index in listed:
            row, column = source.cell_at(int(index))
            outcome.cells.append(cell_result(str(path), comparison, int(index), row, column,
                                             result.formulas.get((source.sheet, row, column))))
    # Where they happen: step by step (per-epoch summaries after the steps), then in column order.
    order = {name: index for index, name in enumerate(target.quantities)}
    outcome.cells.sort(key=lambda c: (c.status != "mismatch", c.quantity not in table.columns, c.step,
                                      order[c.quantity]))
    outcome.cells = causes_first(outcome.cells, MismatchingCells(outcome.comparisons))
    return outcome
