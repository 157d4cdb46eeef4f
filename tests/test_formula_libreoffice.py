"""Edge cases recalculated by LibreOffice, an independent implementation, and compared with the fast engine.

LibreOffice recalculates the workbook on load (forced in a private profile)
and saves it (``--convert-to xlsx``); its saved values are read back. It writes
numbers with 15 significant digits, so numbers are compared to that precision;
errors, text and logicals exactly. Formulas where LibreOffice is known to
differ from Excel (e.g. ``SQRT(-1)`` is ``#VALUE!`` there, ``#NUM!`` in Excel)
are left out. Found here with LibreOffice 25.2: ``"x"&TRUE`` is ``"x1"`` there,
``"a"<TRUE`` is FALSE (a logical is a number to LibreOffice), TRUE in a range
counts in SUM, COUNT and AVERAGE, and numeric text written as an argument (``SUM(1,"2")``) is ``#VALUE!``.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess

import pytest
import xlsxwriter

from xlgen.cells import Range
from xlgen.engines import get_engine
from xlgen.xlsx.reader import read_workbook

SOFFICE = os.environ.get("XLGEN_SOFFICE") or shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed"),
    pytest.mark.libreoffice,
    pytest.mark.slow,
]

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution"
 oor:op="fuse"><value>true</value></prop></item>
</oor:items>"""

DATA = {"A1": 2, "A2": -3, "A3": "text", "A4": True, "A6": "12", "A7": 0, "B1": 1, "B2": 2, "B3": 3, "B4": 4,
        "C1": 5, "C2": "x", "C3": 7}
FORMULAS = [
    "-2^2", "2^3^2", "2*-3^2", "50%", "0.1+0.2", "1/3", "2^0.5", "(-8)^3", "1/0", "A7/A7", "1E308*10",
    "A5+1", "A4+1", "A6*2", "A3+1", "1/0+A3", "A3+1/0", '"a"&1.5', '1<"a"',
    '"abc"="ABC"', "A5=0", 'IF(A1>1,"big","small")', "IF(FALSE,1/0,5)", "AND(TRUE,1,A1>0)", "OR(FALSE,0)",
    "NOT(0)", "IFERROR(1/0,7)", "ISERROR(1/0)", "ISNUMBER(A6)", "MAX(A1,B1:B4)", "MIN(A1:A7)", "ABS(-2.5)",
    "SIGN(-0.1)", "SIN(1)", "COS(1)", "TANH(0.5)", "EXP(1)", "LN(10)", "LOG10(1000)", "SQRT(2)", "POWER(3,2)",
    "SUM(B1:C4)", "SUMSQ(B1:B4)", "SUMPRODUCT(B1:B4,B1:B4)", "COUNT(B1:C4)",
    "AVERAGE(B1:B4)", "AVERAGE(C1:C3)", "INDEX(B1:B4,3)", "SUMPRODUCT(B1:B4*C1:C4)", "B1:B4*2", "ROWS(A1:B4)", "COLUMNS(A1:B4)", "ROW(B3)",
    "SUM({1,2;3,4}*2)", "SUM(B1:B4*B1:B4)", "EXP(1000)", "10^400", "(B1+B2)/(B3-B3)",
    "_xlfn.LET(_xlpm.x,2,_xlpm.y,_xlpm.x*3,_xlpm.x+_xlpm.y)", "_xlfn.LET(_xlpm.err,B4-B1,_xlpm.err^2)",
    "_xlfn.VAR.P(B1:B4)", "_xlfn.CEILING.MATH(4.2)", "B1:B4 B2:C2",
]


def _recalculate(path, out_dir, profile_dir) -> None:
    (profile_dir / "user").mkdir(parents=True)
    (profile_dir / "user" / "registrymodifications.xcu").write_text(_PROFILE)
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out_dir), str(path)],
                   check=True, capture_output=True, timeout=120)


def _same(ours: object, theirs: object) -> bool:
    if type(ours) is float and type(theirs) is float:
        return math.isclose(ours, theirs, rel_tol=1e-14, abs_tol=1e-300)
    return type(ours) is type(theirs) and ours == theirs


def test_edge_cases_agree_with_libreoffice(tmp_path):
    path = tmp_path / "edge.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    for cell, value in DATA.items():
        sheet.write(cell, value)
    for row, formula in enumerate(FORMULAS, start=1):
        sheet.write_formula(row - 1, 4, "=" + formula)
    book.close()
    out = tmp_path / "out"
    _recalculate(path, out, tmp_path / "profile")
    theirs = read_workbook(out / "edge.xlsx").sheets["S"].values
    ours = get_engine("fast").evaluate(path, [Range("S", 1, 5, len(FORMULAS), 5)]).values[0]
    differences = [(formula, got, theirs.get((row, 5))) for row, (formula, got) in enumerate(zip(FORMULAS, ours), 1)
                   if not _same(got, theirs.get((row, 5)))]
    assert differences == [], "\n".join(map(repr, differences))
