"""Time the engines on the basic-SGD workbook (see :mod:`benchmarks.workbooks`) and check their values.

    python -m benchmarks.run                                  # 100 .. 100,000 rows, all forms and engines
    python -m benchmarks.run --sizes 100,1000 --engines fast  # a quick run

Each measurement runs in a fresh Python process, so that its time includes
importing nothing but what the engine needs and its peak memory is its own:
time is wall time of ``engine.evaluate`` (load the file, evaluate the
requested cells, return them), memory the process's peak resident set (with
the processes it started, e.g. LibreOffice). ``soffice`` is LibreOffice's own
recalculate-and-save (``--convert-to xlsx`` with a forced recalculation on
load), for comparison with the ``libreoffice`` engine, which also reads the
values back through UNO.

Values are checked against :func:`benchmarks.workbooks.recompute`: ``exact``
counts cells equal bit for bit, ``max rel`` is the largest relative
difference. The ``formulas`` engine only runs up to ``--formulas-max-rows``
(it needs about 2 ms and 50 kB per formula cell).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import workbooks

ENGINES = ("fast", "formulas", "libreoffice", "soffice")
SIZES = (100, 1_000, 5_000, 10_000, 100_000)

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>"""


def workbook(cache: Path, form: str, rows: int) -> Path:
    path = cache / f"sgd-{form}-{rows}.xlsx"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        workbooks.build(path.with_suffix(".part"), rows, form).rename(path)
    return path


def measure(engine: str, path: Path, rows: int) -> dict:
    """One measurement, in this process (run as a child by :func:`main`)."""
    from xlgen.cells import parse_range
    from xlgen.values import Unsupported

    target = parse_range(workbooks.formula_range(rows))
    if engine == "soffice":
        return _soffice(path)
    from xlgen.engines import get_engine

    options = {"formulas": {"timeout": None, "max_formula_cells": 10**9}}.get(engine, {})
    instance = get_engine(engine, **options)
    start = time.perf_counter()
    values = instance.evaluate(path, [target]).values[0]
    seconds = time.perf_counter() - start
    expected = workbooks.recompute(rows)
    unsupported = sum(type(v) is Unsupported for v in values)
    numbers = [(v, e) for v, e in zip(values, expected) if type(v) is float]
    exact = sum(v == e for v, e in numbers)
    worst = max((abs(v - e) / abs(e) for v, e in numbers if e), default=0.0)
    return {"seconds": seconds, "cells": len(values), "exact": exact, "unsupported": unsupported,
            "max_rel": worst}


def _soffice(path: Path) -> dict:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("soffice not found")
    with tempfile.TemporaryDirectory(prefix="xlgen-bench-lo-") as work:
        profile = Path(work) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE)
        start = time.perf_counter()
        subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                        "--convert-to", "xlsx", "--outdir", str(Path(work) / "out"), str(path)],
                       check=True, capture_output=True)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "cells": None, "exact": None, "unsupported": None, "max_rel": None}


def run_child(engine: str, path: Path, rows: int, timeout: float) -> dict:
    """:func:`measure` in a fresh interpreter, with its peak memory; an error or a timeout is reported."""
    command = [sys.executable, "-m", "benchmarks.run", "--measure", engine, str(path), str(rows)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              cwd=Path(__file__).resolve().parents[1])
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:g} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def user_environment() -> dict[str, str]:
    """The environment for timed commands: this one, but with Python's bytecode cache on, as a user's
    installed ``xlgen`` has it (a shell that sets PYTHONDONTWRITEBYTECODE would time compiling xlgen's
    modules at every start)."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kilobytes / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{cpu}, {os.cpu_count()} CPUs{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="data rows, comma-separated")
    parser.add_argument("--forms", default=",".join(workbooks.FORMS), help="plain, let, lambda")
    parser.add_argument("--engines", default=",".join(ENGINES), help=", ".join(ENGINES))
    parser.add_argument("--formulas-max-rows", type=int, default=5_000)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per measurement")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "xlgen-benchmark",
                        help="where the generated workbooks are kept")
    parser.add_argument("--measure", nargs=3, metavar=("ENGINE", "PATH", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        engine, path, rows = args.measure
        result = measure(engine, Path(path), int(rows))
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result["peak_mb"] = max(own, children) / 1024
        print(json.dumps(result))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    forms = args.forms.split(",")
    engines = args.engines.split(",")
    print(f"machine: {machine()}")
    header = (f"{'rows':>7} {'form':<6} {'engine':<11} {'seconds':>8} {'cells/s':>10} {'peak MB':>8} "
              f"{'exact':>14} {'max rel':>8} {'fast speedup':>12}")
    print(header)
    print("-" * len(header))
    for rows in sizes:
        for form in forms:
            path = workbook(args.cache, form, rows)
            found: dict[str, dict] = {}
            for engine in engines:
                if engine == "formulas" and rows > args.formulas_max_rows:
                    continue
                result = found[engine] = run_child(engine, path, rows, args.timeout)
                print(_line(rows, form, engine, result, found.get("fast")), flush=True)
    return 0


def _line(rows: int, form: str, engine: str, result: dict, fast: dict | None) -> str:
    if "error" in result:
        return f"{rows:>7} {form:<6} {engine:<11} {'error: ' + result['error']}"
    cells = rows * len(workbooks.COLUMNS)
    seconds = result["seconds"]
    exact = "-" if result["exact"] is None else f"{result['exact']}/{cells}"
    if result.get("unsupported"):
        exact = f"{result['unsupported']} unsupp."
    worst = "-" if result["max_rel"] is None else f"{result['max_rel']:.0e}"
    speedup = ""
    if fast is not None and "error" not in fast and engine != "fast":
        speedup = f"{seconds / fast['seconds']:.1f}x"
    return (f"{rows:>7} {form:<6} {engine:<11} {seconds:>8.3f} {cells / seconds:>10,.0f} {result['peak_mb']:>8.0f} "
            f"{exact:>14} {worst:>8} {speedup:>12}")


if __name__ == "__main__":
    sys.exit(main())
