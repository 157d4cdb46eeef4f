"""The ``fast`` engine end to end: workbooks written with XlsxWriter, evaluated from the file."""

from __future__ import annotations

import pytest
import xlsxwriter

from benchmarks import workbooks
from xlgen.cells import Range, parse_range
from xlgen.engines import get_engine
from xlgen.engines.fast import FastEngine
from xlgen.errors import CircularReference, UnsupportedFormula
from xlgen.values import NA, REF


def _write(path, cells: dict, names: dict | None = None, arrays: dict | None = None, sheets=("S",)):
    """cells: {"S!A1": value or "=formula"}; arrays: {"S!B1:B3": "=formula"} (static) or {"S!B1": ...} (dynamic)."""
    book = xlsxwriter.Workbook(str(path))
    handles = {name: book.add_worksheet(name) for name in sheets}
    for name, text in (names or {}).items():
        book.define_name(name, text)
    for key, content in cells.items():
        sheet, _, cell = key.partition("!")
        if isinstance(content, str) and content.startswith("="):
            handles[sheet].write_formula(cell, content)
        else:
            handles[sheet].write(cell, content)
    for key, formula in (arrays or {}).items():
        sheet, _, area = key.partition("!")
        if ":" in area:
            handles[sheet].write_array_formula(area, formula)
        else:
            handles[sheet].write_dynamic_array_formula(area, formula)
    book.close()
    return path


def test_engine_by_name():
    assert isinstance(get_engine("fast"), FastEngine) and get_engine("fast").name == "fast"


@pytest.mark.parametrize("form", workbooks.FORMS)
def test_sgd_workbook_matches_the_python_recurrence(tmp_path, form):
    rows = 300
    path = workbooks.build(tmp_path / f"{form}.xlsx", rows, form)
    result = get_engine("fast").evaluate(path, [parse_range(workbooks.formula_range(rows))])
    expected = workbooks.recompute(rows)
    assert result.values[0] == expected
    assert all(type(v) is float for v in result.values[0])
    first = (workbooks.SHEET, workbooks.FIRST_ROW + 1, 5)
    assert result.formulas[first] == workbooks.ROW_FORMULAS[form][2].format(r=first[1], p=first[1] - 1)
    assert len(result.formulas) == rows * len(workbooks.COLUMNS)


def test_interpreter_alone_gives_the_same_numbers(tmp_path):
    rows = 60
    path = workbooks.build(tmp_path / "let.xlsx", rows, "let")
    ranges = [parse_range(workbooks.formula_range(rows))]
    assert FastEngine(compile_blocks=False).evaluate(path, ranges).values == \
        FastEngine().evaluate(path, ranges).values == [workbooks.recompute(rows)]


def test_values_formulas_and_cross_sheet_names(tmp_path):
    path = _write(tmp_path / "b.xlsx", {
        "S!A1": 3, "S!A2": "=A1*2", "S!A3": "='my data'!B2+rate", "S!A4": "=local*2", "S!A5": "=Nope!A1",
        "my data!B2": 10, "S!A6": "text", "S!A7": True,
    }, names={"rate": "=0.5", "S!local": "=S!$A$1"}, sheets=("S", "my data"))
    result = get_engine("fast").evaluate(path, [Range("S", 1, 1, 7, 1)])
    assert result.values == [[3.0, 6.0, 10.5, 6.0, REF, "text", True]]
    assert result.formulas[("S", 3, 1)] == "'my data'!B2+rate"
    assert ("S", 1, 1) not in result.formulas


def test_unsupported_function_names_file_sheet_and_cell(tmp_path):
    path = _write(tmp_path / "u.xlsx", {"S!A1": "=RAND()", "S!B1": 2, "S!C1": "=B1*A1", "S!D1": "=B1+1"})
    with pytest.raises(UnsupportedFormula) as error:
        get_engine("fast").evaluate(path, [Range("S", 1, 3, 1, 3)])
    message = str(error.value)
    assert str(path) in message and "unsupported function RAND" in message and message.endswith("at S!A1")
    assert "\n" not in message
    # a cell that does not depend on it is fine
    assert get_engine("fast").evaluate(path, [Range("S", 1, 4, 1, 4)]).values == [[3.0]]


def test_formula_longer_than_excel_allows(tmp_path):
    long = "=" + "+".join(["1"] * 4200)
    path = _write(tmp_path / "long.xlsx", {"S!A1": long})
    with pytest.raises(UnsupportedFormula, match=r"longer than Excel's 8,192 characters at S!A1"):
        get_engine("fast").evaluate(path, [Range("S", 1, 1, 1, 1)])


def test_circular_reference_names_a_cell(tmp_path):
    path = _write(tmp_path / "c.xlsx", {"S!A1": "=B1+1", "S!B1": "=C1+1", "S!C1": "=A1+1", "S!D1": 1})
    with pytest.raises(CircularReference) as error:
        get_engine("fast").evaluate(path, [Range("S", 1, 1, 1, 1)])
    assert str(path) in str(error.value) and "circular reference at S!" in str(error.value)
    assert get_engine("fast").evaluate(path, [Range("S", 1, 4, 1, 4)]).values == [[1.0]]


def test_array_formulas_and_lambda_calls(tmp_path):
    path = _write(tmp_path / "a.xlsx", {"S!A1": 1, "S!A2": 2, "S!A3": 3, "S!C1": "=SUM(B1:B3)"},
                  names={"TWICE": "=_xlfn.LAMBDA(_xlpm.x,_xlpm.x*2)"},
                  arrays={"S!B1:B3": "{=A1:A3*10}", "S!D1": "=TWICE(A2)", "S!E1": "=_xlfn.SEQUENCE(2,2)",
                          "S!F1:G1": "{=A1:A3}", "S!F3:H3": "{={1,2}}"})
    values = get_engine("fast").evaluate(path, [Range("S", 1, 2, 3, 2), Range("S", 1, 3, 1, 4),
                                                Range("S", 1, 5, 1, 5), Range("S", 1, 6, 3, 8)]).values
    assert values[0] == [10.0, 20.0, 30.0]
    assert values[1] == [60.0, 4.0]
    assert values[2] == [1.0]  # a dynamic array stored for one cell shows its top-left element
    # an array formula repeats a one-column result across its area and shows #N/A where the result ends
    assert values[3] == [1.0, 1.0, None, None, None, None, 1.0, 2.0, NA]


def test_a_column_of_constants_gaps_formulas_and_array_cells_reads_cell_by_cell_alike(tmp_path):
    """Column B read as one range: constants, empty cells, a formula, the cells of array areas anchored in B
    and in A (B7 is the second cell of A7:B7, B1:C1+100 with C1 empty), read in stretches and cell by cell alike."""
    path = _write(tmp_path / "c.xlsx", {"S!B1": 1, "S!B2": 2, "S!B4": "x", "S!B5": "=B1+B2", "S!B6": 6,
                                        "S!B10": True, "S!B12": 12},
                  arrays={"S!B8:B9": "{=B1:B2*10}", "S!A7:B7": "{=B1:C1+100}"})
    whole = get_engine("fast").evaluate(path, [Range("S", 1, 2, 13, 2)]).values[0]
    one_by_one = [get_engine("fast").evaluate(path, [Range("S", row, 2, row, 2)]).values[0][0]
                  for row in range(1, 14)]
    assert whole == one_by_one == [1.0, 2.0, None, "x", 3.0, 6.0, 100.0, 10.0, 20.0, True, None, 12.0, None]


def test_missing_requested_sheet(tmp_path):
    path = _write(tmp_path / "m.xlsx", {"S!A1": 1})
    from xlgen.errors import XlgenError

    with pytest.raises(XlgenError, match="no sheet named 'T'"):
        get_engine("fast").evaluate(path, [Range("T", 1, 1, 1, 1)])


def test_an_evaluation_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    from xlgen.formula.evaluator import WorkbookEvaluator

    path = _write(tmp_path / "gc.xlsx", {"S!A1": 2.0, **{f"S!B{row}": f"=A1*{row}" for row in range(1, 50)}})
    evaluator = WorkbookEvaluator(path)
    assert evaluator.evaluate([parse_range("S!B1:B3")]) == [[2.0, 4.0, 6.0]]
    assert gc.isenabled() and gc.get_freeze_count() == 0  # what was read is collectable again
    gc.freeze()  # someone else's freeze is left alone
    try:
        frozen = gc.get_freeze_count()
        assert WorkbookEvaluator(path).evaluate([parse_range("S!B4:B4")]) == [[8.0]]
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
