"""``xlgen build`` at 10,000 and 100,000 rows, beside XlsxWriter writing as many formula cells in a bare loop.

    python -m benchmarks.build                      # 10,005 and 100,021 rows, plain, LET and LAMBDA
    python -m benchmarks.build --epochs 345 --forms plain

Each row of the table is a fresh process, timed from start to exit, with its
peak resident set:

- ``xlgen build``: ``xlgen build basic-sgd --set epochs=N --variant V`` (29
  rows an epoch): the reference, the sheet's 1.4 million cells at 100,021
  rows, the charts, the manifest and its fingerprint, the zip;
- ``XlsxWriter loop``: stock XlsxWriter in its ``constant_memory`` mode
  writing the same number of formula cells (the count read from the file xlgen
  wrote), each with a cached number, and nothing else: the floor of writing
  with XlsxWriter's own calls.

The machine is shared, so read the ratios, which come from the same run:
xlgen against the bare loop, and 10x the rows against 10x the time.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import zipfile
from pathlib import Path

from benchmarks.check import FORMS, ROWS_PER_EPOCH, timed, xlgen
from benchmarks.run import machine

EPOCHS = (345, 3449)  # 10,005 and 100,021 data rows


def formula_cells(path: Path) -> tuple[int, int]:
    """(formula cells, rows holding one) of the workbook's first sheet, read in pieces."""
    cells, rows, last = 0, 0, None
    pattern = re.compile(rb'<c r="[A-Z]+([0-9]+)"[^>]*><f')
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as stream:
        tail = b""
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"</c>") + 4
            for match in pattern.finditer(data, 0, cut):
                cells += 1
                if match[1] != last:
                    rows, last = rows + 1, match[1]
            tail = data[cut:]
    return cells, rows


def bare_loop(path: str, cells: int, rows: int) -> None:
    """XlsxWriter alone: ``cells`` formula cells over ``rows`` rows, each with its cached result."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = workbook.add_worksheet("basic-sgd")
    per_row = -(-cells // rows)
    written = 0
    for row in range(10, 10 + rows):
        for column in range(min(per_row, cells - written)):
            sheet.write_formula(row, column, f"E{row}-lr*M{row}", None, 29.958123456789)
        written += per_row
    workbook.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", default=",".join(map(str, EPOCHS)), help="comma-separated epochs")
    parser.add_argument("--forms", default="plain,let,lambda")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--loop", nargs=3, metavar=("PATH", "CELLS", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loop:
        bare_loop(args.loop[0], int(args.loop[1]), int(args.loop[2]))
        return 0
    print(f"Machine: {machine()}")
    print(f"{'rows':>8} {'form':6} {'what':18} {'seconds':>8} {'peak MB':>8} {'cells':>10} {'vs loop':>8}")
    built: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory(prefix="xlgen-bench-") as folder:
        for epochs in map(int, args.epochs.split(",")):
            rows = epochs * ROWS_PER_EPOCH
            for form in args.forms.split(","):
                out = Path(folder) / f"{epochs}"
                seconds, peak, code = timed(xlgen("build", "basic-sgd", "--variant", form, "--set",
                                                  f"epochs={epochs}", "--out", str(out), "--force"), args.timeout)
                if code != 0:
                    print(f"{rows:>8} {form:6} {'xlgen build':18} failed (exit {code})")
                    continue
                cells, formula_rows = formula_cells(out / FORMS[form])
                loop, loop_peak, loop_code = timed([sys.executable, "-m", "benchmarks.build", "--loop",
                                                    str(Path(folder) / "loop.xlsx"), str(cells),
                                                    str(formula_rows)], args.timeout)
                built[form, rows] = seconds
                print(f"{rows:>8} {form:6} {'xlgen build':18} {seconds:8.2f} {peak:8.0f} {cells:>10,} "
                      f"{seconds / loop if loop_code == 0 else float('nan'):7.2f}x")
                print(f"{rows:>8} {form:6} {'XlsxWriter loop':18} {loop:8.2f} {loop_peak:8.0f} {cells:>10,}")
    sizes = sorted({rows for _, rows in built})
    for form in args.forms.split(","):
        for small, large in zip(sizes, sizes[1:]):
            if (form, small) in built and (form, large) in built:
                print(f"{form}: {large / small:.1f}x the rows took {built[form, large] / built[form, small]:.1f}x "
                      f"the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
