"""The checker: recompute a workbook with an engine and diff it, cell by cell, against the reference.

The workbook's quantity columns are joined to the reference table by name
(from the manifest of a workbook xlgen built, or from a ``--spec``), and the
reference is re-run with the parameters read from the workbook's own input
cells, so a workbook whose learning rate a learner changed still checks.

A number matches when ``|workbook − reference| ≤ atol + rtol·|reference|``.
The reference marks overflow (``inf``) and invalid values (``nan``); a cell
matches such a mark when it shows ``#NUM!``, ``#DIV/0!`` or ``#VALUE!``. Any
other disagreement of kind is a mismatch. A cell the engine cannot evaluate
is *unsupported*, never a match.
"""

from __future__ import annotations

import errno
import importlib
import importlib.util
import math
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cells import Range, cell_name, column_index, parse_cell
from .engines import Engine, EngineResult
from .errors import XlgenError
from .experiments import reference_table
from .manifest import MANIFEST_SHEET, read_manifest
from .spec import Target, load_spec
from .values import ExcelError, Unsupported
from .xlsx.reader import read_workbook
from .xlsx.sniff import describe

RTOL = 1e-9
ATOL = 1e-12
MARK_ERRORS = frozenset({"#NUM!", "#DIV/0!", "#VALUE!"})


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

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "sheet": self.sheet, "cell": self.cell, "quantity": self.quantity,
            "step": self.step, "status": self.status,
            "workbook_value": _json_value(self.workbook_value),
            "reference_value": _json_value(self.reference_value),
            "abs_error": _json_value(self.abs_error), "rel_error": _json_value(self.rel_error),
            "ulps": self.ulps, "formula": self.formula,
        }


@dataclass
class QuantityComparison:
    """One quantity's cells compared at once: the values side by side, and each cell's status and errors."""

    quantity: str
    source: Range
    workbook: list[Any]
    reference: np.ndarray
    status: np.ndarray  # "match", "mismatch" or "unsupported", per cell
    abs_error: np.ndarray  # nan where the cell is not a number compared with a number
    rel_error: np.ndarray
    ulps: np.ndarray  # -1 where not computed


@dataclass
class WorkbookResult:
    file: str
    experiment: str = "-"
    variant: str = "-"
    engine: str = "-"
    compared: int = 0
    matched: int = 0
    cells: list[CellResult] = field(default_factory=list)  # every compared cell that is not a match
    worst_rel: float = 0.0
    worst_ulps: int = 0
    error: str | None = None  # the workbook could not be checked at all
    notes: list[str] = field(default_factory=list)
    comparisons: list[QuantityComparison] = field(default_factory=list)

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
                ulps = int(comparison.ulps[index])
                rows.append(CellResult(
                    self.file, source.sheet, name, comparison.quantity, index + 1, comparison.workbook[index],
                    float(comparison.reference[index]), _number(comparison.abs_error[index]),
                    _number(comparison.rel_error[index]), ulps if ulps >= 0 else None, str(comparison.status[index])))
        return rows

    @property
    def mismatches(self) -> list[CellResult]:
        return [c for c in self.cells if c.status == "mismatch"]

    @property
    def unsupported(self) -> list[CellResult]:
        return [c for c in self.cells if c.status == "unsupported"]

    @property
    def verdict(self) -> str:
        if self.error:
            return "error"
        if self.mismatches:
            return "fail"
        if self.unsupported:
            return "unsupported"
        return "pass"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "experiment": self.experiment, "variant": self.variant, "engine": self.engine,
            "verdict": self.verdict, "compared": self.compared, "matched": self.matched,
            "mismatched": len(self.mismatches), "unsupported": len(self.unsupported),
            "worst_rel_error": self.worst_rel, "worst_ulps": self.worst_ulps, "error": self.error,
            "notes": self.notes,
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if isinstance(value, (ExcelError, Unsupported)):
        return str(value)
    return value


def _number(value: float) -> float | None:
    return None if value != value else float(value)


def ulp_distance(a: float, b: float) -> int:
    """How many doubles lie between ``a`` and ``b`` (0 when they are the same number)."""
    def ordered(x: float) -> int:
        bits = struct.unpack("<q", struct.pack("<d", x))[0]
        return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)

    return abs(ordered(a) - ordered(b))


def compare_cell(value: Any, expected: float, rtol: float, atol: float) -> tuple[str, float | None, float | None, int | None]:
    """(status, abs error, rel error, ulps) of a workbook value against a reference value."""
    if isinstance(value, Unsupported):
        return "unsupported", None, None, None
    expected = float(expected)
    if not math.isfinite(expected):
        ok = isinstance(value, ExcelError) and str(value) in MARK_ERRORS
        return ("match" if ok else "mismatch"), None, None, None
    if isinstance(value, bool) or not isinstance(value, float):
        return "mismatch", None, None, None
    error = abs(value - expected)
    relative = error / abs(expected) if expected != 0 else (0.0 if error == 0 else math.inf)
    status = "match" if error <= atol + rtol * abs(expected) else "mismatch"
    return status, error, relative, ulp_distance(value, expected)


def target_of(path: Path, spec: str | Path | None, reference: str | None = None) -> Target:
    """The spec, or the manifest inside the workbook."""
    if spec is not None:
        return load_spec(spec, reference)
    manifest = read_manifest(read_workbook(path, sheets=[MANIFEST_SHEET]))
    if manifest is None:
        raise XlgenError(f"{path}: no xlgen manifest in this workbook; give --spec FILE to say what it computes")
    return Target(manifest.experiment, manifest.params, manifest.quantities, variant=manifest.variant,
                  reference=reference)


def read_params(path: Path, target: Target, ranges: list[Range], values: list[list[Any]]) -> dict[str, Any]:
    """The reference's parameters from the workbook's own (recomputed) input cells."""
    params: dict[str, Any] = {}
    by_range = dict(zip(ranges, values))
    for name, source in target.params.items():
        if not isinstance(source, Range):
            params[name] = source
            continue
        cells = by_range[source]
        numbers = []
        for (row, column), value in zip(source.cells(), cells):
            if isinstance(value, Unsupported):
                raise XlgenError(f"{path}: input {name} at {source.sheet}!{cell_name(row, column)}: {value}")
            if isinstance(value, bool):
                numbers.append(value)
            elif isinstance(value, float):
                numbers.append(value)
            else:
                shown = "empty" if value is None else repr(value)
                raise XlgenError(f"{path}: input {name} at {source.sheet}!{cell_name(row, column)} "
                                 f"is {shown}, not a number")
        params[name] = tuple(float(v) for v in numbers) if source.size > 1 else numbers[0]
    return params


def load_reference(spec: str, base: Path | None = None) -> Callable[..., pd.DataFrame]:
    """``module:function`` or ``path/to/file.py:function`` -> the function (a course author's own reference).

    A file path is relative to ``base`` (the spec's folder) when it is not absolute.
    """
    module_name, _, function_name = spec.rpartition(":")
    if not module_name or not function_name:
        raise XlgenError(f"--reference expects module:function, got {spec!r}")
    try:
        if module_name.endswith(".py"):
            file = Path(module_name)
            if not file.is_absolute() and base is not None:
                file = base / file
            if not file.is_file():
                raise FileNotFoundError(f"no file {file}")
            loader = importlib.util.spec_from_file_location(f"xlgen_reference_{abs(hash(str(file)))}", file)
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except Exception as error:
        raise XlgenError(f"--reference {spec}: cannot import {module_name!r} ({error})") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise XlgenError(f"--reference {spec}: {module_name} has no function {function_name!r}")
    return function


def reference_for(target: Target, params: dict[str, Any]) -> pd.DataFrame:
    if target.reference:
        base = Path(target.source).parent if target.source not in ("manifest", "") else None
        function = load_reference(target.reference, base)
        try:
            table = function(**params)
        except TypeError as error:
            raise XlgenError(f"--reference {target.reference}: {error}") from None
        if not isinstance(table, pd.DataFrame):
            raise XlgenError(f"--reference {target.reference} returned {type(table).__name__}, not a DataFrame")
        return table
    return reference_table(target.experiment, params)


def compare(path: Path, target: Target, result: EngineResult, ranges: list[Range], engine: str,
            rtol: float = RTOL, atol: float = ATOL) -> WorkbookResult:
    """Join the engine's values to the reference table and compare every quantity cell."""
    outcome = WorkbookResult(str(path), target.experiment, target.variant, engine, notes=list(result.notes))
    params = read_params(path, target, ranges, result.values)
    table = reference_for(target, params)
    per_epoch = table.attrs.get("epochs")
    by_range = dict(zip(ranges, result.values))
    for quantity, source in target.quantities.items():
        if quantity in table.columns:
            expected = table[quantity]
        elif per_epoch is not None and quantity in getattr(per_epoch, "columns", ()):
            expected = per_epoch[quantity]
        else:
            raise XlgenError(f"{path}: the reference of {target.experiment!r} has no quantity {quantity!r}")
        if len(expected) != source.size:
            raise XlgenError(f"{path}: {quantity} at {source} has {source.size} cells, the reference "
                             f"{len(expected)} values (are epochs or data of another length?)")
        comparison = compare_column(quantity, source, by_range[source], np.asarray(expected, dtype=float),
                                    rtol, atol)
        outcome.comparisons.append(comparison)
        outcome.compared += source.size
        matched = comparison.status == "match"
        outcome.matched += int(matched.sum())
        relative = comparison.rel_error[np.isfinite(comparison.rel_error)]
        if relative.size:
            outcome.worst_rel = max(outcome.worst_rel, float(relative.max()))
        if (comparison.ulps >= 0).any():
            outcome.worst_ulps = max(outcome.worst_ulps, int(comparison.ulps.max()))
        cells = source.cells()
        for index in np.flatnonzero(~matched):
            row, column = cells[index]
            ulps = int(comparison.ulps[index])
            outcome.cells.append(CellResult(
                str(path), source.sheet, cell_name(row, column), quantity, int(index) + 1,
                comparison.workbook[index], float(comparison.reference[index]),
                _number(comparison.abs_error[index]), _number(comparison.rel_error[index]),
                ulps if ulps >= 0 else None, str(comparison.status[index]),
                result.formulas.get((source.sheet, row, column))))
    # Where they happen: step by step (per-epoch summaries after the steps), then in column order.
    order = {name: index for index, name in enumerate(target.quantities)}
    outcome.cells.sort(key=lambda c: (c.status != "mismatch", c.quantity not in table.columns, c.step,
                                      order[c.quantity]))
    outcome.cells = _causes_first(outcome.cells)
    return outcome


def compare_column(quantity: str, source: Range, values: list[Any], reference: np.ndarray, rtol: float,
                   atol: float) -> QuantityComparison:
    """:func:`compare_cell` for a whole column at once: numbers in numpy, the rest one by one."""
    count = len(values)
    numeric = np.fromiter((type(v) is float for v in values), dtype=bool, count=count)
    number = np.array([v if type(v) is float else math.nan for v in values], dtype=float)
    finite = np.isfinite(reference)
    both = numeric & finite
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        absolute = np.where(both, np.abs(number - reference), math.nan)
        relative = np.where(both, np.where(reference != 0, absolute / np.abs(reference),
                                           np.where(absolute == 0, 0.0, math.inf)), math.nan)
        close = both & (absolute <= atol + rtol * np.abs(reference))
    status = np.where(close, "match", "mismatch").astype(object)
    for index in np.flatnonzero(~both):  # marks, errors, text, empty cells and unsupported ones
        status[index] = compare_cell(values[index], float(reference[index]), rtol, atol)[0]
    ulps = np.full(count, -1, dtype=np.int64)
    if close.any():
        ulps[close] = _ulps(number[close], reference[close])
    return QuantityComparison(quantity, source, values, reference, status, absolute, relative, ulps)


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`ulp_distance` for arrays of close numbers."""
    def ordered(x: np.ndarray) -> np.ndarray:
        bits = x.view(np.int64)
        return np.where(bits >= 0, bits, -(bits & np.int64(0x7FFFFFFFFFFFFFFF)))

    return np.abs(ordered(a) - ordered(b))


_REFERENCE = re.compile(
    r"(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!)?"
    r"\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>[0-9]+)(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>[0-9]+))?")


def precedents(formula: str, sheet: str) -> set[tuple[str, int, int]]:
    """The cells a formula reads, as (sheet, row, column); ranges are expanded (up to 10,000 cells)."""
    found: set[tuple[str, int, int]] = set()
    text = re.sub(r'"(?:[^"]|"")*"', '""', formula)  # references inside text are not references
    for match in _REFERENCE.finditer(text):
        where = match["sheet"] or sheet
        if where.startswith("'"):
            where = where[1:-1].replace("''", "'")
        first = (int(match["r1"]), column_index(match["c1"]))
        last = (int(match["r2"]), column_index(match["c2"])) if match["r2"] else first
        if (last[0] - first[0] + 1) * (last[1] - first[1] + 1) > 10_000:
            continue
        for row in range(first[0], last[0] + 1):
            for column in range(first[1], last[1] + 1):
                found.add((where, row, column))
    return found


def _causes_first(cells: list[CellResult]) -> list[CellResult]:
    """Put first the mismatches whose formula reads no other mismatching cell: where the error starts.

    A wrong formula in one row makes every cell that reads it wrong too; the
    report should name the cell that is wrong by itself, not the first of its
    victims.
    """
    wrong = {(c.sheet, *parse_cell(c.cell)) for c in cells if c.status == "mismatch"}

    def is_cause(cell: CellResult) -> bool:
        if cell.status != "mismatch" or not cell.formula:
            return cell.status == "mismatch"
        own = (cell.sheet, *parse_cell(cell.cell))
        return not (precedents(cell.formula, cell.sheet) - {own}) & wrong

    causes = [c for c in cells if is_cause(c)]
    return causes + [c for c in cells if not is_cause(c)]


def check_paths(paths: Sequence[Path], engine: Engine, spec: str | Path | None = None, reference: str | None = None,
                rtol: float = RTOL, atol: float = ATOL, progress: Callable[[int, int, Path], None] | None = None
                ) -> list[WorkbookResult]:
    """Check every workbook; a workbook that cannot be checked gets an ``error`` result, the rest go on."""
    prepared: list[tuple[Path, Target | None, list[Range], str | None]] = []
    for path in paths:
        problem = describe(path)
        if problem:
            prepared.append((path, None, [], f"{path} {problem}"))
            continue
        try:
            target = target_of(path, spec, reference)
            ranges = list(dict.fromkeys(
                [r for r in target.params.values() if isinstance(r, Range)] + list(target.quantities.values())))
            prepared.append((path, target, ranges, None))
        except Exception as error:  # a spec mistake is one line; so is anything else this file provokes
            prepared.append((path, None, [], one_line(path, error)))
    jobs = [(path, ranges) for path, target, ranges, error in prepared if error is None]
    evaluated = iter(engine.evaluate_many(jobs)) if jobs else iter(())
    results = []
    for index, (path, target, ranges, error) in enumerate(prepared, 1):
        if progress:
            progress(index, len(prepared), path)
        if error is not None:
            results.append(WorkbookResult(str(path), engine=engine.name, error=error))
            continue
        outcome = next(evaluated)
        if isinstance(outcome, Exception):
            results.append(WorkbookResult(str(path), target.experiment, target.variant, engine.name,
                                          error=one_line(path, outcome)))
            continue
        try:
            results.append(compare(path, target, outcome, ranges, engine.name, rtol, atol))
        except Exception as failure:
            results.append(WorkbookResult(str(path), target.experiment, target.variant, engine.name,
                                          error=one_line(path, failure)))
    return results


def one_line(path: Path, error: BaseException) -> str:
    """An exception as the one-line message a report shows: xlgen's own as they are, others with their type.

    Set XLGEN_DEBUG=1 to get the traceback of an error that is not xlgen's own instead.
    """
    if not isinstance(error, XlgenError) and os.environ.get("XLGEN_DEBUG"):
        raise error
    if isinstance(error, XlgenError):
        text = str(error)
    elif isinstance(error, (zipfile.BadZipFile, zlib.error, EOFError)) or (
            isinstance(error, OSError) and error.errno == errno.EINVAL):
        text = f"{path}: the zip archive is damaged ({error})"
    elif isinstance(error, MemoryError):
        text = f"{path}: too big to check in the memory available"
    elif isinstance(error, RecursionError):
        text = f"{path}: nested too deeply to read"
    else:
        text = f"{path}: cannot be checked ({type(error).__name__}: {error})"
    return " ".join(text.split())


def exit_code(results: Sequence[WorkbookResult]) -> int:
    """0: every compared cell matches; 1: a mismatch; 2: a workbook could not be checked or has unsupported cells."""
    if any(r.verdict == "fail" for r in results):
        return 1
    if any(r.verdict in ("error", "unsupported") for r in results):
        return 2
    return 0


def workbook_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Workbooks named directly, and the .xlsx/.xlsm files inside named folders (sorted)."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found += sorted(p for p in path.iterdir()
                            if p.suffix.lower() in (".xlsx", ".xlsm") and not p.name.startswith(("~$", ".")))
        elif path.exists():
            found.append(path)
        else:
            raise XlgenError(f"{path}: no such file or folder")
    if not found:
        raise XlgenError(f"no .xlsx or .xlsm workbook in {', '.join(str(p) for p in paths)}")
    return found
