"""Pictures of a workbook's sheets, charts included, as LibreOffice prints them.

LibreOffice recalculates the workbook (charts of a file written by XlsxWriter
would otherwise plot the zeros it stores as cached values), prints it to PDF
with one page per sheet (the PDF filter's ``SinglePageSheets``), and poppler's
``pdftoppm`` turns the pages into PNG files. With ``SinglePageSheets``
LibreOffice prints every sheet, hidden and empty ones too, in workbook order, so
page *n* is sheet *n*.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import XlgenError
from .engines.soffice import find_soffice, run_group, soffice_command, write_profile
from .xlsx.reader import read_workbook

PDF_FILTER = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
MAX_SIDE = 10_000  # pixels; a 5,000-row sheet printed on one page would be ~100,000 px tall at 96 dpi


def render_pdf_pages(xlsx_path: str | Path, out_dir: str | Path, sheet: str | None = None, *, dpi: int = 96,
                     timeout: float = 120.0, soffice: str | None = None) -> list[Path]:
    """One PNG per visible sheet (or only ``sheet``, hidden or not), named ``<file stem>.<sheet>.png``.

    A page whose long side would exceed ``MAX_SIDE`` pixels at ``dpi`` is drawn
    at the resolution that makes it fit.
    """
    source = Path(xlsx_path)
    workbook = read_workbook(source)
    names = list(workbook.sheets)
    if sheet is None:
        wanted = [name for name in names if workbook.sheets[name].state == "visible"]
    else:
        match = [name for name in names if name.casefold() == sheet.casefold()]
        if not match:
            raise XlgenError(f"{source}: no sheet named {sheet!r}")
        wanted = match
    pdftoppm = shutil.which("pdftoppm")
    pdfinfo = shutil.which("pdfinfo")
    if not pdftoppm or not pdfinfo:
        raise XlgenError("pdftoppm/pdfinfo not found; install poppler-utils (apt-get install poppler-utils)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xlgen-render-") as work:
        work_dir = Path(work)
        copy = work_dir / source.name  # LibreOffice only ever sees this copy
        shutil.copyfile(source, copy)
        profile = write_profile(work_dir / "profile")
        command = soffice_command(find_soffice(soffice), profile)
        done = run_group(command + ["--convert-to", PDF_FILTER, "--outdir", str(work_dir), str(copy)], timeout,
                         str(source))
        pdf = work_dir / (source.stem + ".pdf")
        if not pdf.exists():
            said = (done.stderr or done.stdout).strip().splitlines()
            why = said[-1] if said else f"exit code {done.returncode}"
            raise XlgenError(f"{source}: LibreOffice wrote no PDF ({why})")
        sizes = _page_sizes(pdfinfo, pdf)
        if len(sizes) != len(names):
            raise XlgenError(f"{source}: LibreOffice printed {len(sizes)} pages for {len(names)} sheets")
        pictures = []
        for name in wanted:
            page = names.index(name) + 1
            width, height = sizes[page - 1]
            resolution = min(dpi, MAX_SIDE * 72 / max(width, height, 1))
            target = out / f"{source.stem}.{_file_part(name)}"
            subprocess.run([pdftoppm, "-png", "-singlefile", "-r", f"{resolution:.3f}", "-f", str(page),
                            "-l", str(page), str(pdf), str(target)], check=True, capture_output=True, timeout=timeout)
            pictures.append(Path(f"{target}.png"))
    return pictures


def _page_sizes(pdfinfo: str, pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from ``pdfinfo -f 1 -l N``."""
    text = subprocess.run([pdfinfo, "-f", "1", "-l", "100000", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", text, re.M)]


def _file_part(sheet: str) -> str:
    return re.sub(r"[^\w.-]+", "_", sheet).strip("_") or "sheet"


__all__ = ["render_pdf_pages"]
