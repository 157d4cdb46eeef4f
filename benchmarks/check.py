"""End to end: ``xlgen check`` of basic-SGD workbooks, beside LibreOffice and ``formulas``, in one run.

    python -m benchmarks.check                          # both layouts, every size, plain, LET, LAMBDA
    python -m benchmarks.check --epochs 35,345 --handmade-rows 1000 --repeat 3

Two layouts, kept in ``--cache``:

- generated: what ``xlgen build basic-sgd --set epochs=N --variant V`` writes
  (29 data rows an epoch, each epoch's rows below the last; 13 formula cells
  a row and a row of summaries per epoch), checked by its manifest;
- hand-made: the sheet of :mod:`benchmarks.workbooks` (graddesc's ``basic``
  layout, one run of N rows, 12 formula cells a row), checked with the spec a
  learner would write for it (``--spec``, :func:`benchmarks.workbooks.spec`).

Each measurement is a fresh process: its wall time and its peak resident set
(with the processes it waited for), run with Python's bytecode cache on as an
installed ``xlgen`` has it. Rows of the table:

- ``xlgen check``: read, evaluate with the ``fast`` engine, compute the
  reference, compare every cell (the command a user runs);
- ``soffice``: LibreOffice's own recalculate-and-save of the same file
  (``--convert-to xlsx``, recalculation forced on load), which does less
  (no values read back, no comparison); it cannot evaluate LAMBDA, so the
  LAMBDA form is skipped;
- ``formulas``: the same check with the ``formulas`` engine, only up to
  ``--formulas-max-rows`` (it needs about 2 ms and 50 kB a cell). The engine
  refuses more than 20,000 formula cells and stops after 55 s when a user
  runs it; here both limits are lifted (``FORMULAS_CHECK``) and ``--timeout``
  bounds it. It is not run on the LAMBDA form above 1,100 rows: it reports
  LAMBDA cells as unsupported and did not finish 5,000 rows in 900 s
  (``python -m benchmarks.run``).

Times on a shared machine move with its load, so compare the ratios printed
beside each other (LET and LAMBDA against plain, peers against ``xlgen
check``, 10x the rows against 10x the time), which come from the same run.
Start-up is timed on a shipped 29-row workbook and ``xlgen list``, as the
median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import workbooks
from benchmarks.run import _PROFILE, machine, user_environment

ROOT = Path(__file__).resolve().parents[1]
FORMS = {"plain": "basic-sgd.xlsx", "let": "basic-sgd-let.xlsx", "lambda": "basic-sgd-lambda.xlsx"}
EPOCHS = (35, 173, 345, 3449)  # 1,015, 5,017, 10,005 and 100,021 data rows
HANDMADE_ROWS = (1_000, 10_000, 100_000)
ROWS_PER_EPOCH = 29
FORMULAS_LAMBDA_MAX_ROWS = 1_100  # formulas reports LAMBDA cells unsupported and is slowest on them


def timed(command: list[str], timeout: float) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit code) of one command in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                               env=user_environment())
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            process.wait()
            return float("inf"), 0.0, -1
        time.sleep(0.005)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def xlgen(*args: str) -> list[str]:
    return [sys.executable, "-m", "xlgen.cli", *args]


# ``xlgen check --engine formulas`` without the engine's cell cap and time limit (exit 0 pass, 1 fail, 2 error).
FORMULAS_CHECK = """
import sys
from pathlib import Path
from xlgen.batch import check_paths
from xlgen.engines import get_engine
from xlgen.results import exit_code
engine = get_engine("formulas", max_formula_cells=10**9, timeout=None)
sys.exit(exit_code(check_paths([Path(sys.argv[1])], engine, spec=sys.argv[2] if len(sys.argv) > 2 else None)))
"""


def workbook(cache: Path, epochs: int, form: str) -> Path:
    folder = cache / f"basic-sgd-{epochs}"
    path = folder / FORMS[form]
    if not path.exists():
        subprocess.run(xlgen("build", "basic-sgd", "--variant", form, "--set", f"epochs={epochs}",
                             "--out", str(folder)), check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return path


def handmade(cache: Path, rows: int, form: str) -> tuple[Path, Path]:
    """The hand-made sheet of ``rows`` rows in ``form`` and its spec."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"handmade-{form}-{rows}.xlsx"
    if not path.exists():
        workbooks.build(path, rows, form)
    spec = cache / f"handmade-{rows}.toml"
    spec.write_text(workbooks.spec(rows))
    return path, spec


def soffice(path: Path, timeout: float) -> tuple[float, float, int]:
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        return float("nan"), 0.0, -1
    with tempfile.TemporaryDirectory(prefix="xlgen-bench-lo-") as work:
        profile = Path(work) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE)
        return timed([program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                      "--convert-to", "xlsx", "--outdir", str(Path(work) / "out"), str(path)], timeout)


def median_time(command: list[str], repeat: int) -> float:
    return statistics.median(timed(command, 60)[0] for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", default=",".join(map(str, EPOCHS)),
                        help="sizes of the generated layout, in epochs of 29 rows (none: skip it)")
    parser.add_argument("--handmade-rows", default=",".join(map(str, HANDMADE_ROWS)),
                        help="sizes of the hand-made layout, in rows (none: skip it)")
    parser.add_argument("--forms", default=",".join(FORMS))
    parser.add_argument("--peers", default="soffice,formulas", help="soffice, formulas (or none)")
    parser.add_argument("--formulas-max-rows", type=int, default=5_100)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each start-up measurement")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "xlgen-benchmark-check")
    args = parser.parse_args(argv)
    sizes = {"generated": [int(e) * ROWS_PER_EPOCH for e in args.epochs.split(",") if e not in ("", "none")],
             "hand-made": [int(r) for r in args.handmade_rows.split(",") if r not in ("", "none")]}
    forms = args.forms.split(",")
    peers = [p for p in args.peers.split(",") if p and p != "none"]

    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    shipped = ROOT / "workbooks" / "basic-sgd.xlsx"
    print(f"start-up, median of {args.repeat}: `xlgen list` {median_time(xlgen('list'), args.repeat):.2f} s; "
          f"`xlgen check` of the shipped 29-row {shipped.name} "
          f"{median_time(xlgen('check', str(shipped)), args.repeat):.2f} s; "
          f"`python -c pass` {median_time([sys.executable, '-c', 'pass'], args.repeat):.2f} s")
    header = (f"{'layout':<9} {'rows':>7} {'form':<6} {'command':<12} {'seconds':>8} {'peak MB':>8} {'exit':>4} "
              f"{'ratio':>16}")
    print(header)
    print("-" * len(header))
    checks: dict[tuple[str, int, str], float] = {}
    for layout, layout_sizes in sizes.items():
        for rows in layout_sizes:
            for form in forms:
                if layout == "generated":
                    path, spec = workbook(args.cache, rows // ROWS_PER_EPOCH, form), None
                    command = xlgen("check", str(path))
                else:
                    path, spec = handmade(args.cache, rows, form)
                    command = xlgen("check", "--spec", str(spec), str(path))
                seconds, peak, code = timed(command, args.timeout)
                checks[(layout, rows, form)] = seconds
                plain = checks.get((layout, rows, "plain"))
                ratio = f"{seconds / plain:.2f}x plain" if form != "plain" and plain else ""
                print(f"{layout:<9} {rows:>7} {form:<6} {'xlgen check':<12} {seconds:>8.2f} {peak:>8.0f} {code:>4} "
                      f"{ratio:>16}", flush=True)
                for peer in peers:
                    if peer == "soffice" and form == "lambda":
                        continue  # LibreOffice cannot evaluate LAMBDA
                    limit = args.formulas_max_rows if form != "lambda" else FORMULAS_LAMBDA_MAX_ROWS
                    if peer == "formulas" and rows > limit:
                        continue
                    if peer == "soffice":
                        result = soffice(path, args.timeout)
                    else:
                        extra = [] if spec is None else [str(spec)]
                        result = timed([sys.executable, "-c", FORMULAS_CHECK, str(path), *extra], args.timeout)
                    print(f"{layout:<9} {rows:>7} {form:<6} {peer:<12} {result[0]:>8.2f} {result[1]:>8.0f} "
                          f"{result[2]:>4} {result[0] / seconds:>10.1f}x check", flush=True)
    for layout, layout_sizes in sizes.items():
        for first, second in zip(layout_sizes, layout_sizes[1:]):
            for form in forms:
                growth = checks[(layout, second, form)] / checks[(layout, first, form)]
                print(f"linearity {layout} {form}: {second / first:.0f}x the rows ({first:,} -> {second:,}) "
                      f"costs {growth:.1f}x the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
