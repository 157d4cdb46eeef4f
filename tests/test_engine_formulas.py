"""The formulas engine: exact constants, error kinds, and what formulas 1.3.4 gets wrong reported as unsupported.

One workbook holds every case so that the child process starts once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from xlgen.cells import parse_range
from xlgen.engines import get_engine
from xlgen.engines.formulas_engine import FormulasEngine, formulas_check
from xlgen.engines.unsupported import unsupported_cells
from xlgen.errors import XlgenError
from xlgen.values import DIV0, NA, NUM, REF, VALUE, Unsupported
from xlgen.xlsx.reader import read_workbook

from .conftest import anchor_figures


NAMES = {
    "ADDONE": "=_xlfn.LAMBDA(_xlpm.v,_xlpm.v+1)",
    "LETNAME": "=_xlfn.LAMBDA(_xlpm.v,_xlfn.LET(_xlpm.w,_xlpm.v*2,_xlpm.w+1))",
    "TWICE": "=_xlfn.LAMBDA(_xlpm.v,ADDONE(ADDONE(_xlpm.v)))",
    "RATE": "=S!$A$2",
}
CELLS = {
    "A1": 2, "A2": 0.5, "A3": 1e-17, "A4": 1 / 3,
    # computed as Excel computes them
    "B1": "=A1*3", "B2": "=A3*1", "B3": "=A4*3", "B4": "=SUM(A1:A4)", "B5": "=A1>1", "B6": '="txt"',
    "B7": "=ADDONE(A1)", "B8": "=ADDONE(ADDONE(A1))", "B9": "=A1*RATE", "B10": "=_xlfn.LET(_xlpm.x,2,_xlpm.x*3)",
    "B11": "=_xlfn.LET(\n    _xlpm.x, A1,\n    _xlpm.y, _xlpm.x + 1,\n    _xlpm.x * _xlpm.y\n)",
    # errors
    "C1": "=1/0", "C2": "=SQRT(-1)", "C3": "=NA()", "C4": '="a"+1', "C5": "=INDEX(A1:A3,5)",
    # what formulas 1.3.4 gets wrong
    "D1": "=_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b)(1,2)",
    "D2": "=LETNAME(A1)",
    "D3": "=TWICE(A1)",
    "D4": "=OFFSET(A1,1,0)",
    "D5": "=_xlfn.SEQUENCE(3)",
    "D6": "=_xlfn.LET(_xlpm.x,2,_xlfn.LET(_xlpm.y,3,_xlpm.x*_xlpm.y))",
    "D7": "=_xlfn.LET(_xlpm.x,ADDONE(A1),_xlpm.x*2)",
    "D8": "=EXP(1)*1e300",  # Excel writes 1E+300; formulas cannot parse this spelling
    "E1": "=D1+1", "E2": "=SUM(D2:D3)", "E8": "=D8*2",  # downstream of the above
}


def build(path: Path, cells: dict[str, object], names: dict[str, str]) -> Path:
    """One sheet ``S``; formulas stored as Excel stores them (``_xlfn.``/``_xlpm.``, calls to names as arrays)."""
    book = xlsxwriter.Workbook(path)
    for name, text in names.items():
        book.define_name(name, text)
    sheet = book.add_worksheet("S")
    for ref, value in cells.items():
        if isinstance(value, str) and value.startswith("=") and ("LAMBDA" in value or "(A1)" in value):
            sheet.write_dynamic_array_formula(ref, value)
        elif isinstance(value, str) and value.startswith("="):
            sheet.write_formula(ref, value)
        else:
            sheet.write(ref, value)
    book.close()
    return path


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("formulas") / "cases.xlsx", CELLS, NAMES)


@pytest.fixture(scope="module")
def got(workbook):
    """Cell name -> value from one run of the engine (in its child process)."""
    refs = list(CELLS)
    result = FormulasEngine().evaluate(workbook, [parse_range(f"S!{ref}") for ref in refs])
    return {ref: values[0] for ref, values in zip(refs, result.values)} | {"notes": result.notes}


def test_constants_keep_every_digit(got):
    assert got["A3"] == 1e-17 and got["B2"] == 1e-17  # formulas itself rounds constants to 15 decimals: 0.0
    assert got["A4"] == 1 / 3 and got["B3"] == 1.0
    assert got["A1"] == 2.0 and isinstance(got["A1"], float)


def test_formulas_compute_like_excel(got):
    assert got["B1"] == 6.0 and got["B4"] == 2 + 0.5 + 1e-17 + 1 / 3
    assert got["B5"] is True and got["B6"] == "txt"
    assert got["B7"] == 3.0 and got["B8"] == 4.0 and got["B9"] == 1.0
    assert got["B10"] == 6.0 and got["B11"] == 6.0  # _xlfn./_xlpm. and line breaks understood as stored


def test_error_kinds(got):
    assert (got["C1"], got["C2"], got["C3"], got["C4"], got["C5"]) == (DIV0, NUM, NA, VALUE, REF)


@pytest.mark.parametrize("ref, reason", [
    ("D1", "inline LAMBDA call"),
    ("D2", "LET inside a LAMBDA"),
    ("D3", "LAMBDA name calling another LAMBDA name"),
    ("D4", "has no OFFSET"),
    ("D5", "has no SEQUENCE"),
    ("D6", "inside a LET"),
    ("D7", "inside a LET"),
    ("D8", "cannot parse"),
    ("E1", "inline LAMBDA call"),
    ("E2", "LAMBDA"),  # D2 or D3, whichever reaches it first
    ("E8", "cannot parse"),
])
def test_known_failures_are_unsupported_with_the_reason(got, ref, reason):
    value = got[ref]
    assert isinstance(value, Unsupported) and value.reason.startswith("formulas 1.3.4") and reason in value.reason


def test_notes_count_unsupported_cells(got):
    assert "formulas 1.3.4 cannot parse this formula: 2 cells unsupported" in got["notes"]


def test_sheet_local_names_are_unsupported(tmp_path):
    path = tmp_path / "local.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    book.define_name("S!lr", "=S!$A$1")
    sheet.write("A1", 0.1)
    sheet.write_formula("B1", "=lr*2")
    book.close()
    assert unsupported_cells(read_workbook(path), formulas_check) == {
        ("S", 1, 2): "formulas 1.3.4 ignores sheet-local defined names (lr)"}


def test_the_problems_worked_around_are_real(workbook):
    """formulas 1.3.4 itself, without this engine: if one of these changes, revisit the module docstring."""
    from formulas.excel import ExcelModel

    clean = {ref: value for ref, value in CELLS.items() if ref not in ("D8", "E8")}  # D8 stops the whole load
    path = build(workbook.parent / "raw.xlsx", clean, NAMES)
    solution = ExcelModel().loads(str(path)).finish().calculate()

    def raw(ref):
        return solution[f"'[raw.xlsx]S'!{ref}"].value[0][0]

    assert raw("A3") == 0.0  # the 15-decimal rounding of constants
    assert str(raw("D1")) == str(raw("D2")) == str(raw("D3")) == "#VALUE!"
    assert str(raw("D4")) == str(raw("D5")) == "#NAME?"
    assert "'[raw.xlsx]S'!D6" not in solution and "'[raw.xlsx]S'!D7" not in solution


def test_too_many_formula_cells_is_refused(workbook):
    engine = FormulasEngine(max_formula_cells=5, timeout=None)
    with pytest.raises(XlgenError, match=r"cases.xlsx: 27 formula cells; the formulas engine is limited to 5 "
                                         r"\(use --engine fast\)"):
        engine.evaluate(workbook, [parse_range("S!B1")])


def test_a_slow_workbook_is_stopped(workbook):
    with pytest.raises(XlgenError, match=r"cases.xlsx: the formulas engine did not finish within 0.1 s"):
        FormulasEngine(timeout=0.1).evaluate(workbook, [parse_range("S!B1")])


def test_unknown_sheet(workbook):
    with pytest.raises(XlgenError, match="no sheet named 'Nope'"):
        get_engine("formulas", timeout=None).evaluate(workbook, [parse_range("Nope!A1")])


@pytest.mark.slow
def test_optimizer_sheets_match_excel(rebuilt_anchor):
    """The course's optimizer sheets, recomputed by formulas, against the values Excel saved."""
    name = "graddesc-course22p2.xlsm"
    sheets = ["basic", "momentum", "rmsprop", "adam", "adam_ann"]
    ranges = [parse_range(f"{sheet}!A1:P40") for sheet in sheets]
    result = FormulasEngine().evaluate(rebuilt_anchor(name), ranges)
    stored = anchor_figures(name)
    worst, compared, unsupported = 0.0, 0, []
    for target, values in zip(ranges, result.values):
        sheet = stored.sheets[target.sheet]
        for key, value in zip(target.cells(), values):
            if key not in sheet.formulas:
                continue
            if isinstance(value, Unsupported):
                unsupported.append((target.sheet, *key))
                continue
            excel = sheet.values[key]
            compared += 1
            worst = max(worst, abs(value - excel) / abs(excel) if excel else abs(value))
    assert unsupported == [("adam_ann", 34, 14)]  # avg_grad2/prev_grad2: sheet-local names
    assert compared == 1564 and worst <= 1e-12
