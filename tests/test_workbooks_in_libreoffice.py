"""The shipped workbooks in a real spreadsheet application: LibreOffice recalculates and agrees with the reference.

LibreOffice has no LAMBDA: in the lambda variants it reports every cell that
depends on one as unsupported, which `xlgen check` counts as exit code 2.
"""

from __future__ import annotations

import struct

import pytest

from xlgen.builder import workbook_spec
from xlgen.cli import main
from xlgen.render import render_pdf_pages
from xlgen.workbook import build_workbook

from .conftest import ROOT, needs_libreoffice

pytestmark = [pytest.mark.libreoffice, needs_libreoffice]
WORKBOOKS = ROOT / "workbooks"


def test_plain_and_let_workbooks_recalculate_to_the_reference(capsys):
    paths = sorted(str(p) for p in WORKBOOKS.glob("*.xlsx") if not p.stem.endswith("-lambda"))
    assert len(paths) == 30
    code = main(["check", *paths, "--engine", "libreoffice"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "30 passed, 0 failed"


def test_lambda_workbooks_are_unsupported_by_libreoffice_not_passed(capsys):
    code = main(["check", str(WORKBOOKS / "momentum-lambda.xlsx"), "--engine", "libreoffice"])
    out = capsys.readouterr().out
    assert code == 2
    assert out.startswith("UNSUPPORTED") and "LibreOffice has no LAMBDA" in out


def test_graddesc_anchor_passes_its_specs_in_libreoffice(capsys):
    from .conftest import anchor_workbook

    anchor = anchor_workbook("graddesc-course-v3.xlsm")
    for sheet in ("basic", "momentum", "rmsprop", "adam", "adam_ann"):
        code = main(["check", str(anchor), "--spec", f"graddesc/{sheet}",
                     "--engine", "libreoffice"])
        out = capsys.readouterr().out
        assert code == 0, out


@pytest.mark.parametrize("name", ["momentum-sin", "wd-vs-l2"])
def test_charts_render_to_png(tmp_path, name):
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(build_workbook(workbook_spec(name), "plain", chart_sheets=True))
    [png] = render_pdf_pages(path, tmp_path, sheet="chart 1", dpi=40)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 200 and height > 100


def test_check_still_works_after_libreoffice_saves_the_workbook(capsys, tmp_path):
    """The manifest survives a save by another application: its references are formulas it keeps."""
    import subprocess

    from xlgen.engines.libreoffice import find_soffice, write_profile

    profile = write_profile(tmp_path / "profile")
    done = subprocess.run([find_soffice(), "--headless", "--norestore", f"-env:UserInstallation={profile}",
                           "--convert-to", "xlsx", "--outdir", str(tmp_path / "saved"),
                           str(WORKBOOKS / "momentum-let.xlsx")], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    saved = tmp_path / "saved" / "momentum-let.xlsx"
    assert saved.read_bytes() != (WORKBOOKS / "momentum-let.xlsx").read_bytes()
    assert main(["check", str(saved)]) == 0, capsys.readouterr().out
