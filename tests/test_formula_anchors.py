"""Jeremy Howard's workbooks, recomputed: every formula cell must give the value Excel saved in the file.

Excel's cached values are the golden source; they are bit-exact with Python
float arithmetic in the same operation order on the graddesc sheets. The
formulas and cached values come from the committed figures
(``tests/data/anchors``), recalculated from a workbook rebuilt of them and,
where the anchor workbooks are present, from the workbooks themselves.
"""

from __future__ import annotations

import pytest

from tests.conftest import anchor_figures, anchor_workbook
from xlgen.cells import Range
from xlgen.engines import get_engine
from xlgen.values import Unsupported

OPTIMIZER_SHEETS = ("basic", "momentum", "rmsprop", "adam", "adam_ann")


@pytest.fixture(params=["rebuilt", "workbook"])
def anchor_file(request, rebuilt_anchor):
    """``anchor_file(name)``: the workbook to recalculate, rebuilt from the figures or the anchor itself."""
    return rebuilt_anchor if request.param == "rebuilt" else anchor_workbook


def _same(got: object, cached: object) -> bool:
    return type(got) is type(cached) and got == cached


def _check(path, anchor: str, sheet: str, cells: list[tuple[int, int]]) -> list:
    """(cell, got, cached) for every cell whose recomputed value differs from Excel's cached one."""
    cached = anchor_figures(anchor)[sheet].values
    ranges = [Range(sheet, r, c, r, c) for r, c in cells]
    values = get_engine("fast").evaluate(path, ranges).values
    return [(cell, got[0], cached.get(cell)) for cell, got in zip(cells, values) if not _same(got[0], cached.get(cell))]


def _formula_cells(anchor: str, sheet: str) -> list[tuple[int, int]]:
    return sorted(anchor_figures(anchor)[sheet].formulas)


@pytest.mark.parametrize("anchor", ["graddesc-course22p2.xlsm", "graddesc-course-v3.xlsm"])
@pytest.mark.parametrize("sheet", OPTIMIZER_SHEETS)
def test_graddesc_sheet_reproduces_excel(anchor_file, anchor, sheet):
    cells = _formula_cells(anchor, sheet)
    assert len(cells) > 250
    assert _check(anchor_file(anchor), anchor, sheet, cells) == []


def test_whole_optimizer_sheets_in_one_request(rebuilt_anchor):
    anchor = "graddesc-course22p2.xlsm"
    result = get_engine("fast").evaluate(rebuilt_anchor(anchor), [Range(s, 1, 1, 40, 16) for s in OPTIMIZER_SHEETS])
    for sheet, values in zip(OPTIMIZER_SHEETS, result.values):
        figures = anchor_figures(anchor)[sheet]
        cells = list(Range(sheet, 1, 1, 40, 16).cells())
        for cell, got in zip(cells, values):
            want = figures.values.get(cell)
            if cell in figures.formulas:
                assert _same(got, want), (sheet, cell)
            else:
                assert got == want, (sheet, cell)  # constants read back as they are


def test_mom_bias_variance_and_moving_averages(anchor_file):
    """VAR.P over ten rows, exponential averages and bias corrections (Sheet1 (2)) match bit for bit."""
    anchor, sheet = "mom_bias-course-v3.xlsx", "Sheet1 (2)"
    assert _check(anchor_file(anchor), anchor, sheet, _formula_cells(anchor, sheet)) == []


def test_mom_bias_whole_powers_are_multiplied_as_in_excel(rebuilt_anchor):
    """Excel computes x^n for a whole n by multiplication: 1-0.9^4 is 0.3438999999999999 in its cached values,
    0.3439 with math.pow. Every formula of mom_bias's Sheet1 (powers 0.9^1..0.9^8, 0.99^8) matches bit for bit."""
    anchor = "mom_bias-course-v3.xlsx"
    assert anchor_figures(anchor)["Sheet1"].formulas[(8, 5)] == "1-$E$2^B8"
    assert _check(rebuilt_anchor(anchor), anchor, "Sheet1", _formula_cells(anchor, "Sheet1")) == []


def test_random_cells_are_unsupported_and_do_not_spoil_other_sheets(rebuilt_anchor):
    path = rebuilt_anchor("graddesc-course22p2.xlsm")
    engine = get_engine("fast")
    from xlgen.errors import UnsupportedFormula

    with pytest.raises(UnsupportedFormula, match=r"unsupported function RANDBETWEEN .*at data!B5"):
        engine.evaluate(path, [Range("data", 5, 3, 5, 3)])
    # basic does not read the data sheet: its cells evaluate although data!B5:B33 are RANDBETWEEN.
    assert not any(type(v) is Unsupported for v in engine.evaluate(path, [Range("basic", 4, 3, 33, 14)]).values[0])
