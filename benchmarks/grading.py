"""Grade a class: ``xlgen check DIR --jobs N --gradebook FILE`` on many submissions of one exercise.

    python -m benchmarks.grading                         # 1,000 submissions, jobs 1, 2 and the cores
    python -m benchmarks.grading --count 40 --jobs 1,2   # a quick run

The submissions are the momentum exercise filled in: half of them right, half
with one wrong formula each, in a different row. Each run is a fresh
``xlgen check`` process, timed from start to the gradebook on disk, and its
gradebook is checked: every right submission passes, every planted cell is
named. The speedup is against ``--jobs 1`` in the same run. On a shared
machine the check gets only part of the cores: "cores used" (the CPU time of
xlgen and its workers over the run's time) and the load average say how much,
and "CPU ms/workbook" stays the same when jobs are added if workers cost
nothing extra.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

FIRST, LAST = 11, 184  # the momentum sheet's steps
RIGHT = {  # grad_avg_b, grad_avg_a, new_b, new_a
    "J": "J{p}*mom+(1-mom)*H{r}", "K": "K{p}*mom+(1-mom)*I{r}", "L": "E{r}-J{r}*lr", "M": "F{r}-K{r}*lr",
}


def filled_exercise(folder: Path) -> Path:
    """The momentum exercise with every quantity to write filled in right."""
    import openpyxl

    subprocess.run([sys.executable, "-m", "xlgen.cli", "build", "momentum", "--exercise", "--out", str(folder)],
                   check=True, capture_output=True)
    book = openpyxl.load_workbook(folder / "momentum-exercise.xlsx")
    sheet = book["momentum"]
    for column, formula in RIGHT.items():
        for row in range(FIRST, LAST + 1):
            sheet[f"{column}{row}"] = "=" + formula.format(r=row, p=row - 1)
    path = folder / "right.xlsx"
    book.save(path)
    return path


def with_wrong_cell(source: bytes, row: int) -> bytes:
    """``source`` (a zip) with new_b in ``row`` adding the step instead of subtracting it."""
    with zipfile.ZipFile(_buffer(source)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    part = "xl/worksheets/sheet1.xml"
    xml = parts[part].decode()
    right = f"<f>E{row}-J{row}*lr</f>"
    assert right in xml, f"no new_b formula in row {row}"
    parts[part] = xml.replace(right, f"<f>E{row}+J{row}*lr</f>", 1).encode()
    out = _buffer(b"")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _buffer(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def submissions(folder: Path, count: int) -> dict[str, int | None]:
    """``count`` files in ``folder``: name -> the planted row, or None for a right one."""
    work = folder.parent / "build"
    work.mkdir()
    right = filled_exercise(work).read_bytes()
    planted: dict[str, int | None] = {}
    for index in range(count):
        name = f"learner-{index:04d}.xlsx"
        if index % 2:
            row = FIRST + index % (LAST - FIRST + 1)
            (folder / name).write_bytes(with_wrong_cell(right, row))
            planted[name] = row
        else:
            (folder / name).write_bytes(right)
            planted[name] = None
    return planted


def grade(folder: Path, jobs: int, gradebook: Path) -> tuple[float, float]:
    """Seconds for one ``xlgen check --gradebook`` of ``folder`` in ``jobs`` processes, and the CPU seconds
    that xlgen and its workers used meanwhile."""
    used = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "xlgen.cli", "check", str(folder), "--jobs", str(jobs),
                           "--gradebook", str(gradebook)], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"xlgen check failed (exit {done.returncode}): {done.stderr.strip()}")
    _reap_orphans()
    return seconds, _children_cpu() - used


def _children_cpu() -> float:
    """CPU seconds of every descendant that has ended and been reaped."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _become_subreaper() -> None:
    """Adopt the processes xlgen leaves when it ends (its fork server, which is never waited for), so their CPU
    time is counted: Linux's PR_SET_CHILD_SUBREAPER."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def _reap_orphans() -> None:
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def verify(gradebook: Path, planted: dict[str, int | None]) -> None:
    with gradebook.open(newline="", encoding="utf-8") as stream:
        rows = {os.path.basename(row["file"]): row for row in csv.DictReader(stream)}
    assert set(rows) == set(planted), "the gradebook does not have one row per submission"
    for name, row in planted.items():
        got = rows[name]
        if row is None:
            assert got["status"] == "pass", f"{name}: {got}"
        else:
            assert got["status"] == "fail" and got["first_wrong_cell"] == f"momentum!L{row}", f"{name}: {got}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="submissions (default 1,000)")
    parser.add_argument("--jobs", default=None, help="comma-separated job counts (default: 1, 2 and the cores)")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    counts = [int(part) for part in args.jobs.split(",")] if args.jobs else sorted({1, 2, cores})
    _become_subreaper()
    with tempfile.TemporaryDirectory(prefix="xlgen-grading-") as temporary:
        folder = Path(temporary) / "submissions"
        folder.mkdir()
        planted = submissions(folder, args.count)
        print(f"{args.count} submissions of the momentum exercise ({sum(v is not None for v in planted.values())} "
              f"with a planted mistake), {cores} cores")
        # The machine may be shared: the load average (1 minute) before and after each run says how much, and
        # the cores used (CPU seconds over seconds) how much of the machine the check got.
        print(f"{'jobs':>4}  {'seconds':>8}  {'workbooks/s':>11}  {'speedup':>7}  {'cores used':>10}  "
              f"{'CPU ms/workbook':>15}  {'load before/after':>17}")
        base = None
        for jobs in counts:
            gradebook = Path(temporary) / f"grades-{jobs}.csv"
            before = os.getloadavg()[0]
            seconds, cpu = grade(folder, jobs, gradebook)
            after = os.getloadavg()[0]
            verify(gradebook, planted)
            base = base or seconds
            print(f"{jobs:>4}  {seconds:>8.2f}  {args.count / seconds:>11.1f}  {base / seconds:>6.2f}x  "
                  f"{cpu / seconds:>10.2f}  {1000 * cpu / args.count:>15.1f}  {before:>8.2f}/{after:<8.2f}", flush=True)


if __name__ == "__main__":
    main()
