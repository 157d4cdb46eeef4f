"""Rendering sheets (charts included) to PNG through LibreOffice's PDF export and pdftoppm."""

from __future__ import annotations

import hashlib
import shutil
import struct
from pathlib import Path

import pytest
import xlsxwriter

from xlgen.engines.libreoffice import find_soffice
from xlgen.errors import XlgenError
from xlgen.render import render_pdf_pages


def _missing() -> str | None:
    try:
        find_soffice()
    except XlgenError as error:
        return str(error)
    if not shutil.which("pdftoppm") or not shutil.which("pdfinfo"):
        return "pdftoppm/pdfinfo not found; apt-get install poppler-utils"
    return None


MISSING = _missing()
pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(MISSING is not None, reason=f"cannot render here: {MISSING}")]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    """A text sheet, an empty one, a chart of formulas (cached as 0 by XlsxWriter) and a hidden sheet."""
    path = tmp_path_factory.mktemp("render") / "charts.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("notes").write("A1", "loss by step")
    book.add_worksheet("empty")
    plot = book.add_worksheet("loss curve")
    for row in range(20):
        plot.write(row, 0, row)
        plot.write_formula(row, 1, f"=(A{row + 1}-10)^2")
    chart = book.add_chart({"type": "line"})
    chart.add_series({"name": "loss", "values": "='loss curve'!$B$1:$B$20"})
    plot.insert_chart("D2", chart)
    book.add_worksheet("hidden").hide()
    book.close()
    return path


def test_one_picture_per_visible_sheet(workbook, tmp_path):
    before = hashlib.sha256(workbook.read_bytes()).digest()
    pictures = render_pdf_pages(workbook, tmp_path)
    assert [p.name for p in pictures] == ["charts.notes.png", "charts.empty.png", "charts.loss_curve.png"]
    width, height = png_size(pictures[2])
    assert width > 300 and height > 200  # the chart sits beside the data
    assert hashlib.sha256(workbook.read_bytes()).digest() == before


def test_one_sheet(workbook, tmp_path):
    pictures = render_pdf_pages(workbook, tmp_path, sheet="Loss Curve", dpi=48)
    assert [p.name for p in pictures] == ["charts.loss_curve.png"]
    assert png_size(pictures[0])[0] > 150


def test_unknown_sheet(workbook, tmp_path):
    with pytest.raises(XlgenError, match="no sheet named 'nope'"):
        render_pdf_pages(workbook, tmp_path, sheet="nope")
