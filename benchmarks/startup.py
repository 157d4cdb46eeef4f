"""Start-up: `xlgen list` and `xlgen check` of a small shipped workbook, each in a fresh process.

Prints, per command, the median wall time and the median CPU time (user + system, the process and its
children) over ``--runs`` runs, with the load average: on a shared machine the wall time grows with the load,
the CPU time much less. ``--libreoffice`` adds the same check through LibreOffice for comparison.

    python -m benchmarks.startup                     # 15 runs of each
    python -m benchmarks.startup --runs 5 --libreoffice
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.run import user_environment

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "workbooks" / "basic-sgd.xlsx"  # 29 rows, 2,106 checked cells


def measure(argv: list[str], runs: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of ``python -m xlgen.cli *argv`` over ``runs`` runs."""
    command = [sys.executable, "-m", "xlgen.cli", *argv]
    environment = user_environment()
    subprocess.run(command, capture_output=True, cwd=ROOT, env=environment)  # once first: bytecode written
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, cwd=ROOT, env=environment)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-300:]}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--libreoffice", action="store_true", help="also check through LibreOffice")
    args = parser.parse_args()
    commands = [["list"], ["check", str(WORKBOOK.relative_to(ROOT))]]
    if args.libreoffice:
        commands.append(["check", "--engine", "libreoffice", str(WORKBOOK.relative_to(ROOT))])
    print(f"{'command':48} {'wall':>8} {'cpu':>8}  load average")
    for argv in commands:
        wall, cpu = measure(argv, args.runs)
        load = " ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"{'xlgen ' + ' '.join(argv):48} {wall:7.3f}s {cpu:7.3f}s  {load}")


if __name__ == "__main__":
    main()
