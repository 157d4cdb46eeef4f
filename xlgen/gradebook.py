"""A class graded in one command: a folder of workbooks checked in several processes, one gradebook row each.

Each workbook is checked in a worker process, so a file that crashes or
exhausts its worker costs its own row and nothing else: the pool is rebuilt
and the files still waiting go on. The gradebook is a CSV file with one row
per workbook: its status, how many quantities are right, the first wrong
cell and its formula, or why it could not be checked.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .results import WorkbookResult

COLUMNS = ["file", "status", "quantities_right", "quantities_total", "first_wrong_cell", "formula", "reason"]


@dataclass(frozen=True)
class CheckOptions:
    """What every worker needs to check a workbook the way the command asked."""

    engine: str = "fast"
    spec: str | None = None
    reference: str | None = None
    rtol: float | None = None
    atol: float | None = None


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


_ENGINES: dict[str, Any] = {}  # one engine per worker process, made on its first workbook


def check_one(path: Path, options: CheckOptions) -> WorkbookResult:
    """Check one workbook (in whichever process runs this); every failure is its result's ``error``."""
    from .batch import check_paths
    from .compare import ATOL, RTOL
    from .engines import get_engine

    if options.engine not in _ENGINES:
        _ENGINES[options.engine] = get_engine(options.engine)
    [result] = check_paths([path], _ENGINES[options.engine], spec=options.spec, reference=options.reference,
                           rtol=RTOL if options.rtol is None else options.rtol,
                           atol=ATOL if options.atol is None else options.atol)
    return result


def check_in_processes(paths: Sequence[Path], options: CheckOptions, jobs: int,
                       done: Callable[[int, WorkbookResult], None] | None = None,
                       worker: Callable[[Path, CheckOptions], WorkbookResult] = check_one) -> list[WorkbookResult]:
    """Check ``paths`` in ``jobs`` worker processes; results in the order of ``paths``.

    ``done(index, result)`` is called as each workbook finishes. When a worker
    dies (a crash, the kernel's out-of-memory killer), the files it may have
    held are checked again one at a time, and the one that kills its worker
    again gets that as its result.
    """
    results: dict[int, WorkbookResult] = {}

    def finish(index: int, result: WorkbookResult) -> None:
        results[index] = result
        if done:
            done(index, result)

    pending = list(range(len(paths)))
    suspects = _run_pool(paths, pending, options, jobs, finish, worker)
    for index in suspects:  # alone now, so a death is this file's
        if _run_pool(paths, [index], options, 1, finish, worker):
            finish(index, WorkbookResult(str(paths[index]), engine=options.engine, error=(
                f"{paths[index]}: the process checking it stopped (it crashed or ran out of memory)")))
    return [results[index] for index in range(len(paths))]


def _run_pool(paths: Sequence[Path], indices: list[int], options: CheckOptions, jobs: int,
              finish: Callable[[int, WorkbookResult], None], worker) -> list[int]:
    """Check ``indices`` in one pool; the indices left unfinished when the pool broke."""
    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has imported the checker once, instead of each importing it.
        context.set_forkserver_preload(["xlgen.batch", "xlgen.engines", "xlgen.grading"])
    else:
        context = multiprocessing.get_context("spawn")
    unfinished = set(indices)
    with ProcessPoolExecutor(max_workers=min(jobs, len(indices)) or 1, mp_context=context) as pool:
        futures = {pool.submit(worker, paths[index], options): index for index in indices}
        waiting = set(futures)
        while waiting:
            finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
            for future in finished:
                index = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    continue
                except Exception as error:  # a result that did not come back whole
                    from .errors import one_line

                    result = WorkbookResult(str(paths[index]), engine=options.engine,
                                            error=one_line(paths[index], error))
                unfinished.discard(index)
                finish(index, result)
    return sorted(unfinished)


def gradebook_row(result: WorkbookResult) -> dict[str, Any]:
    """One workbook's row: status, quantities right of total, the first wrong cell and formula, the reason."""
    from .grading import Inheritance
    from .storage import to_display

    row = dict.fromkeys(COLUMNS, "")
    row["file"], row["status"] = result.file, result.verdict
    if result.error:
        row["reason"] = result.error
        return row
    first = None
    if result.exercise is not None:
        grades = [g for g in result.exercise if g.status != "changed"]
        row["quantities_right"] = sum(g.done for g in grades)
        row["quantities_total"] = len(grades)
        wrong = [g for g in result.exercise if g.status in ("wrong", "changed")]
        first = wrong[0].first if wrong else None
        if first is None:
            unfinished = [g for g in grades if not g.done]
            if unfinished:
                row["reason"] = f"{unfinished[0].quantity}: {unfinished[0].status}"
    else:
        # A quantity is wrong where it is wrong by itself, not where it only reads another's wrong cells.
        inheritance = Inheritance(result.mismatches, result.comparisons)
        causes = [c for c in result.mismatches if inheritance.upstream(c) is None]
        bad = {c.quantity for c in causes} | {c.quantity for c in result.unsupported}
        row["quantities_total"] = len(result.comparisons)
        row["quantities_right"] = sum(c.quantity not in bad for c in result.comparisons)
        first = causes[0] if causes else None
    if first is not None:
        row["first_wrong_cell"] = f"{first.sheet}!{first.cell}"
        row["formula"] = " ".join(to_display(first.formula).split()) if first.formula else ""
    if result.verdict == "unsupported":
        cell = result.unsupported[0]
        row["reason"] = f"{cell.sheet}!{cell.cell} ({cell.quantity}) unsupported by {result.engine}: " \
                        f"{cell.workbook_value.reason}"
    return row


def gradebook_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The gradebook as CSV text. A field a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``) is
    written as text, with a leading apostrophe, so opening the gradebook never runs what a submission holds."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _inert(value) for key, value in row.items()})
    return buffer.getvalue()


def _inert(value: Any) -> Any:
    if isinstance(value, str):
        value = " ".join(value.split())  # one line per row, whatever a file name holds
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value


class Progress:
    """A progress bar on a terminal; elsewhere one line per finished workbook."""

    def __init__(self, total: int, stream: TextIO, interactive: bool | None = None):
        self.total, self.stream, self.count = total, stream, 0
        self.interactive = stream.isatty() if interactive is None else interactive

    def __call__(self, index: int, result: WorkbookResult) -> None:
        from .report import VERDICT

        self.count += 1
        if self.interactive:
            width = 30
            filled = width * self.count // max(self.total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total}")
        else:
            from .visible import visible

            self.stream.write(visible(f"[{self.count}/{self.total}] {VERDICT[result.verdict]} {result.file}") + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\r" + " " * 50 + "\r")
            self.stream.flush()
