"""Render the README's pictures: workbook charts as LibreOffice prints them (needs LibreOffice and pdftoppm).

    python docs/render_images.py

Each experiment's workbook is built with every chart also on a chart sheet of
its own; LibreOffice recalculates it and prints that sheet to PDF, and
pdftoppm turns the page into docs/images/<experiment>[-<n>].png.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from xlgen.builder import workbook_spec
from xlgen.render import render_pdf_pages
from xlgen.workbook import build_workbook

IMAGES = Path(__file__).parent / "images"
CHARTS = {"momentum-sin": [1], "wd-vs-l2": [1], "derivative-d": [1], "two-neuron-collapse": [1],
          "adam-annealing": [1], "basic-sgd": [1]}


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, numbers in CHARTS.items():
            path = Path(work) / f"{name}.xlsx"
            path.write_bytes(build_workbook(workbook_spec(name), "plain", chart_sheets=True))
            for number in numbers:
                [page] = render_pdf_pages(path, work, sheet=f"chart {number}", dpi=80)
                target = IMAGES / (f"{name}.png" if number == 1 else f"{name}-{number}.png")
                shutil.copy(page, target)
                print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
