"""Checking many workbooks in one command: each gets a result, and one that cannot be checked stops no other.

Every stage (reading, evaluating, the reference, comparing) turns what a workbook provokes, a MemoryError
included, into that workbook's one-line ``error``; the memory it held is freed with it, so the next workbook
starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .cells import Range
from .checker import compare
from .compare import ATOL, RTOL, check_tolerances
from .engines import Engine
from .errors import one_line
from .grading import grade
from .results import WorkbookResult
from .spec import Target
from .target import ranges_of, target_of
from .xlsx.sniff import describe


def check_paths(paths: Sequence[Path], engine: Engine, spec: str | Path | None = None, reference: str | None = None,
                rtol: float = RTOL, atol: float = ATOL, progress: Callable[[int, int, Path], None] | None = None,
                experiment: str | None = None) -> list[WorkbookResult]:
    """Check every workbook; a workbook that cannot be checked gets an ``error`` result, the rest go on.

    With ``experiment``, each workbook is checked with the spec drafted from it (its TOML in the result's
    ``drafted_spec``).
    """
    check_tolerances(rtol, atol)
    prepared: list[tuple[Path, Target | None, list[Range], str | None]] = []
    for path in paths:
        try:
            problem = describe(path)
            if problem:
                prepared.append((path, None, [], f"{path} {problem}"))
                continue
            target = target_of(path, spec, reference, experiment)
            prepared.append((path, target, ranges_of(target), None))
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
            checked = compare(path, target, outcome, ranges, engine.name, rtol, atol)
            if target.extras.get("blanked"):
                checked.exercise = grade(checked, target.extras["blanked"], outcome.formulas)
            results.append(checked)
        except Exception as failure:
            results.append(WorkbookResult(str(path), target.experiment, target.variant, engine.name,
                                          error=one_line(path, failure)))
        results[-1].drafted_spec = target.extras.get("draft")
    return results
