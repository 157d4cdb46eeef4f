"""Many workbooks checked in worker processes, each with a time limit; one that hangs or crashes costs only its row.

The pool (``pebble``) starts its workers once; on Linux they fork from a
server that has imported the checker, so no worker pays for the imports.
A workbook past its time limit has its worker killed and replaced, and so
does one whose worker dies (a crash, the kernel's out-of-memory killer):
either way that workbook gets one error line and the others go on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from .results import WorkbookResult

TIMEOUT = 300.0  # seconds per workbook: above the slowest legitimate check (a 100,000-row LAMBDA sheet)


@dataclass(frozen=True)
class CheckOptions:
    """What every worker needs to check a workbook the way the command asked."""

    engine: str = "fast"
    spec: str | None = None
    reference: str | None = None
    rtol: float | None = None
    atol: float | None = None
    experiment: str | None = None  # check with the spec drafted from each workbook for this experiment


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
                           atol=ATOL if options.atol is None else options.atol, experiment=options.experiment)
    return result


def check_in_processes(paths: Sequence[Path], options: CheckOptions, jobs: int,
                       done: Callable[[int, WorkbookResult], None] | None = None,
                       worker: Callable[[Path, CheckOptions], WorkbookResult] = check_one,
                       timeout: float = TIMEOUT) -> list[WorkbookResult]:
    """Check ``paths`` in ``jobs`` worker processes, each workbook within ``timeout`` seconds; results in the
    order of ``paths``. ``done(index, result)`` is called as each workbook finishes."""
    from concurrent.futures import as_completed

    from pebble import ProcessPool

    results: list[WorkbookResult | None] = [None] * len(paths)
    with ProcessPool(max_workers=max(1, min(jobs, len(paths))), context=_context()) as pool:
        try:
            futures = {pool.schedule(worker, (path, options), timeout=timeout): index
                       for index, path in enumerate(paths)}
            for future in as_completed(futures):
                index = futures[future]
                results[index] = _result_of(future, paths[index], options, timeout)
                if done:
                    done(index, results[index])
        except BaseException:  # Ctrl-C, SIGTERM: the workers stop now, not after the files still queued
            pool.stop()
            raise
    return results  # type: ignore[return-value]


def _result_of(future, path: Path, options: CheckOptions, timeout: float) -> WorkbookResult:
    from concurrent.futures import TimeoutError as FutureTimeout

    from pebble import ProcessExpired

    try:
        return future.result()
    except FutureTimeout:
        return _failed(path, options, f"{path}: timed out after {timeout:g} s")
    except ProcessExpired:
        return _failed(path, options, f"{path}: the process checking it stopped (it crashed or ran out of memory)")
    except Exception as error:  # raised outside the check (a result too big to send back)
        from .errors import one_line

        return _failed(path, options, one_line(path, error))


def _failed(path: Path, options: CheckOptions, reason: str) -> WorkbookResult:
    from .results import WorkbookResult

    return WorkbookResult(str(path), engine=options.engine, error=reason)


def _context():
    import multiprocessing

    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has imported the checker once, instead of each importing it.
        context.set_forkserver_preload(["xlgen.batch", "xlgen.discovery", "xlgen.engines", "xlgen.engines.fast",
                                        "xlgen.grading", "xlgen.workers"])
        return context
    return multiprocessing.get_context("spawn")


class Progress:
    """A progress bar on a terminal; elsewhere one line per finished workbook (or nothing, with ``lines``
    off: a check without a gradebook prints every workbook's result at the end)."""

    def __init__(self, total: int, stream: TextIO, interactive: bool | None = None, lines: bool = True):
        self.total, self.stream, self.count, self.lines = total, stream, 0, lines
        self.interactive = stream.isatty() if interactive is None else interactive

    def __call__(self, index: int, result: WorkbookResult) -> None:
        from .report import VERDICT

        self.count += 1
        if self.interactive:
            width = 30
            filled = width * self.count // max(self.total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.count}/{self.total}")
        elif self.lines:
            from .visible import visible

            self.stream.write(visible(f"[{self.count}/{self.total}] {VERDICT[result.verdict]} {result.file}") + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\r" + " " * 50 + "\r")
            self.stream.flush()
