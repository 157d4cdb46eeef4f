"""The checker: comparisons, specs, reports, exit codes, and planted mistakes it must find.

The planted-mistake tests change one formula inside a copy of a workbook and
keep its cached value, so they pass only with an engine that recalculates and
a checker that compares for real.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from xlgen.causes import ShapeCache, causes_first, precedents
from xlgen.cells import parse_range
from xlgen.compare import compare_column, ulp_distance
from xlgen.results import CellResult
from xlgen.cli import main
from xlgen.values import DIV0, NAME, NUM, VALUE, Unsupported

from .conftest import ROOT, needs_libreoffice
from .planting import cell_formula, plant_formula, plant_value

WORKBOOKS = ROOT / "workbooks"
SPECS = ROOT / "xlgen" / "specs" / "graddesc"
RECALCULATING = ["fast", pytest.param("libreoffice", marks=[needs_libreoffice, pytest.mark.libreoffice])]


# ------------------------------------------------------------------ comparing a quantity's cells


def compared(values, expected, rtol=1e-9, atol=1e-12):
    return compare_column("q", parse_range(f"s!A1:A{len(values)}"), list(values),
                          np.array(expected, dtype=float), rtol, atol)


@pytest.mark.parametrize("value, expected, status", [
    (1.5, 1.5, "match"),
    (1.0 + 1e-12, 1.0, "match"),  # within rtol 1e-9
    (1.0 + 1e-6, 1.0, "mismatch"),
    (1e-13, 0.0, "match"),  # within atol 1e-12 of zero
    (1e-11, 0.0, "mismatch"),
    (NUM, math.inf, "match"),  # overflow shows as #NUM!
    (NUM, math.nan, "match"),
    (DIV0, math.nan, "match"),
    (VALUE, math.nan, "match"),
    (NAME, math.nan, "mismatch"),  # #NAME? is never what the reference means
    (NUM, 2.0, "mismatch"),
    (1e308, math.inf, "mismatch"),
    (True, 1.0, "mismatch"),
    (None, 0.0, "mismatch"),
    ("1.5", 1.5, "mismatch"),
    (Unsupported("LibreOffice has no LAMBDA"), 1.0, "unsupported"),
    (Unsupported("LibreOffice has no LAMBDA"), math.nan, "unsupported"),
])
def test_each_kind_of_cell_gets_its_status(value, expected, status):
    assert list(compared([value], [expected]).status) == [status]


def test_one_column_of_mixed_cells_is_compared_cell_by_cell():
    up = math.nextafter(1.0, 2.0)  # 1 + 2**-52
    result = compared([1.0, up, 3.0, NUM, "x", 0.0], [1.0, 1.0, 2.0, math.inf, 4.0, 0.0])
    assert list(result.status) == ["match", "match", "mismatch", "match", "mismatch", "match"]
    assert list(result.ulps) == [0, 1, -1, -1, -1, 0]  # only matching numbers get a distance
    assert result.abs_error[1] == 2.0 ** -52 and result.rel_error[1] == 2.0 ** -52
    assert result.abs_error[2] == 1.0 and result.rel_error[2] == 0.5  # |3 - 2| / 2
    assert math.isnan(result.abs_error[3]) and math.isnan(result.rel_error[4])


def test_relative_error_against_zero_is_infinite_unless_equal():
    result = compared([1e-13, 0.0], [0.0, 0.0])
    assert result.rel_error[0] == math.inf and result.rel_error[1] == 0.0


def test_ulp_distance_counts_doubles_between():
    tiny = math.nextafter(0.0, 1.0)  # the smallest positive double
    a = np.array([1.0, 1.0, -0.0, -tiny, 2.0, -1.0])
    b = np.array([1.0, math.nextafter(1.0, 2.0), 0.0, tiny, math.nextafter(math.nextafter(2.0, 3.0), 3.0),
                  math.nextafter(-1.0, -2.0)])
    assert list(ulp_distance(a, b)) == [0, 1, 0, 2, 2, 1]


def test_the_tolerance_given_is_the_one_applied():
    """2·(1 + 1e-6) is 2e-6 off 2: a mismatch at rtol 1e-9, a match at rtol 1e-5."""
    assert list(compared([2.0 * (1 + 1e-6)], [2.0]).status) == ["mismatch"]
    result = compared([1.0, 2.0 * (1 + 1e-6)], [1.0, 2.0], rtol=1e-5)
    assert list(result.status) == ["match", "match"]


# ------------------------------------------------------------------ which mismatch is the cause


def test_precedents_are_read_by_the_formula_parser():
    # A LAMBDA name and a function whose names look like cells are not cells.
    assert precedents("ERR2_GRAD(E12, C12)", "s", 12, 6) == {("s", 12, 5), ("s", 12, 3)}
    assert precedents("LOG10(A1)", "s", 2, 2) == {("s", 1, 1)}
    assert precedents('"A1"&B$2+Other!C3:C4', "S", 9, 9) == {("s", 2, 2), ("other", 3, 3), ("other", 4, 3)}
    assert precedents("LET(_xlpm.x1, A1, _xlpm.x1*2)", "s", 5, 5) == {("s", 1, 1)}
    assert precedents("SUM(A:A)", "s", 5, 5) == set()  # a million cells: not expanded


def test_one_shape_is_parsed_once_and_still_resolved_per_row():
    shapes = ShapeCache()
    assert precedents("C11+D11", "s", 12, 5, shapes) == {("s", 11, 3), ("s", 11, 4)}
    assert precedents("C12+D12", "s", 13, 5, shapes) == {("s", 12, 3), ("s", 12, 4)}
    assert precedents("C99+D99", "s", 100, 5, shapes) == {("s", 99, 3), ("s", 99, 4)}
    # A sheet name spelled like a cell is cut out of the text like a row number; trees tell them apart.
    assert precedents("'Q1'!A1", "s", 1, 5, shapes) == {("q1", 1, 1)}
    assert precedents("'Q2'!A2", "s", 2, 5, shapes) == {("q2", 2, 1)}
    assert precedents("'Q3'!A3", "s", 3, 5, shapes) == {("q3", 3, 1)}


def test_the_cell_wrong_by_itself_comes_before_the_cells_it_makes_wrong():
    def mismatch(cell, formula):
        return CellResult("f", "s", cell, "q", 1, 0.0, 1.0, 1.0, 1.0, None, "mismatch", formula)

    victim = mismatch("B3", "B2*2")  # reads the wrong B2
    cause = mismatch("B2", "A2+1")
    far = mismatch("LOG10", "A1+1")  # a wrong cell whose name is also a function's
    log = mismatch("C3", "LOG10(A3)")  # calls the function, reads no wrong cell: wrong by itself
    assert causes_first([victim, log, cause, far]) == [log, cause, far, victim]


# ------------------------------------------------------------------ whole workbooks


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("engine", ["fast", "cached"])
def test_shipped_workbooks_pass(capsys, engine):
    code, out, _ = run(capsys, "check", WORKBOOKS, "--engine", engine)
    assert code == 0, out
    assert out.strip().splitlines()[-1] == "45 passed, 0 failed"


@pytest.mark.parametrize("sheet", ["basic", "momentum", "rmsprop", "adam", "adam_ann"])
@pytest.mark.parametrize("engine", ["cached", "fast"])
def test_graddesc_anchor_passes_its_spec(capsys, rebuilt_anchor, sheet, engine):
    anchor = rebuilt_anchor("graddesc-course-v3.xlsm")
    code, out, _ = run(capsys, "check", anchor, "--spec", SPECS / f"{sheet}.toml", "--engine", engine)
    assert code == 0, out
    assert out.startswith("PASS")


def planted_momentum(tmp_path: Path) -> tuple[Path, str]:
    """momentum.xlsx with one row's average using 0.8 instead of mom (step 7 of the first epoch)."""
    from xlgen.manifest import read_manifest
    from xlgen.xlsx.reader import read_workbook

    source = WORKBOOKS / "momentum.xlsx"
    cells = read_manifest(read_workbook(source)).quantities["grad_avg_b"]
    cell = f"{cells.cell_names()[6]}"
    formula = cell_formula(source, "momentum", cell)
    assert "*mom+" in formula
    target = tmp_path / "momentum.xlsx"
    plant_formula(source, target, "momentum", cell, formula.replace("*mom+", "*0.8+"))
    return target, cell


@pytest.mark.parametrize("engine", RECALCULATING)
def test_planted_mistake_in_a_generated_workbook_is_named(capsys, tmp_path, engine):
    target, cell = planted_momentum(tmp_path)
    code, out, _ = run(capsys, "check", target, "--engine", engine, "--json", tmp_path / "report.json")
    assert code == 1, out
    assert out.startswith("FAIL")
    assert f"first mismatch: momentum!{cell}=" in out and "quantity grad_avg_b step 7" in out
    report = json.loads((tmp_path / "report.json").read_text())
    first = report["cells"][0]
    assert (first["sheet"], first["cell"], first["quantity"], first["step"]) == ("momentum", cell, "grad_avg_b", 7)
    assert set(first) >= {"file", "sheet", "cell", "quantity", "step", "workbook_value", "reference_value",
                          "abs_error", "rel_error"}
    assert report["workbooks"][0]["verdict"] == "fail"


def test_cached_engine_trusts_the_file(capsys, tmp_path):
    """The planted formula kept its cached value: only recalculation finds it."""
    target, _ = planted_momentum(tmp_path)
    code, _, _ = run(capsys, "check", target, "--engine", "cached")
    assert code == 0


@pytest.mark.parametrize("engine", RECALCULATING)
@pytest.mark.parametrize("sheet, cell, change", [
    ("momentum", "J10", ("$J$1", "0.8")),  # 0.9 -> 0.8 in one momentum row
    ("basic", "K12", ("2*(E12-B12)", "2*(B12-E12)")),  # a sign flip in one derivative
])
def test_planted_mistake_in_a_graddesc_copy_is_named(capsys, tmp_path, rebuilt_anchor, engine, sheet, cell, change):
    anchor = rebuilt_anchor("graddesc-course-v3.xlsm")
    formula = cell_formula(anchor, sheet, cell)
    assert change[0] in formula
    target = tmp_path / "graddesc.xlsm"
    plant_formula(anchor, target, sheet, cell, formula.replace(change[0], change[1], 1))
    code, out, _ = run(capsys, "check", target, "--spec", SPECS / f"{sheet}.toml", "--engine", engine)
    assert code == 1, out
    assert f"first mismatch: {sheet}!{cell}=" in out, out


def test_reports_json_html_junit(capsys, tmp_path):
    target, cell = planted_momentum(tmp_path)
    shutil.copy(WORKBOOKS / "basic-sgd.xlsx", tmp_path / "basic-sgd.xlsx")
    code, out, _ = run(capsys, "check", tmp_path / "basic-sgd.xlsx", target, "--json", "-",
                       "--html", tmp_path / "report.html", "--junit", tmp_path / "junit.xml")
    assert code == 1
    document = json.loads(out[out.index("{"):])
    assert [w["verdict"] for w in document["workbooks"]] == ["pass", "fail"]
    assert document["workbooks"][0]["mismatched"] == 0 and document["workbooks"][1]["mismatched"] > 0
    html = (tmp_path / "report.html").read_text()
    assert f"The error starts at momentum!{cell}" in html
    assert html.index('<div class="cause">') < html.index('<table class="cells">')
    root = ElementTree.parse(tmp_path / "junit.xml").getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert cases[0].find("failure") is None and cases[1].find("failure") is not None


# ------------------------------------------------------------------ bad input: exit 2, one line


def write_spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ('experiment = "basic-sgd"\nsheet = "basic"\n[columns]\nb = "basic!C4:C32"\n', "unknown key 'sheet'"),
    ('experiment = "no-such"\n[columns]\nb = "basic!C4:C32"\n', "unknown experiment 'no-such'"),
    ('experiment = "basic-sgd"\n[params]\nepochs = 1\nx = "basic!A4:A32"\n[columns]\nslope = "basic!D4:D32"\n',
     "columns.slope: experiment 'basic-sgd' has no quantity 'slope'"),
    ('experiment = "basic-sgd"\n[params]\nspeed = 2\n[columns]\nb = "basic!C4:C32"\n', "params.speed"),
    ('experiment = "basic-sgd"\n[params]\nepochs = 1\n[columns]\nb = "basic!C4:C31"\n', "has 28 cells"),
    ('experiment = "basic-sgd"\n[params]\nepochs = 1\n[columns]\nb = "nosheet!C4:C32"\n', "no sheet named 'nosheet'"),
    ('experiment = "basic-sgd"\n[columns]\nb = "basic!C4:ZZ"\n', "columns.b"),
])
def test_bad_specs_exit_2_naming_the_key(capsys, tmp_path, rebuilt_anchor, text, message):
    anchor = rebuilt_anchor("graddesc-course-v3.xlsm")
    code, out, err = run(capsys, "check", anchor, "--spec", write_spec(tmp_path, text), "--engine", "cached")
    assert code == 2
    assert message in out + err
    assert "Traceback" not in out + err


def test_workbook_without_manifest_asks_for_a_spec(capsys, rebuilt_anchor):
    code, out, _ = run(capsys, "check", rebuilt_anchor("graddesc-course-v3.xlsm"), "--engine", "cached")
    assert code == 2 and "give --spec FILE" in out


def test_missing_path_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", tmp_path / "nothing.xlsx")
    assert code == 2 and err.startswith("xlgen: error:") and err.count("\n") == 1


def test_learner_changed_lr_still_checks(capsys, tmp_path):
    """The reference re-runs with the workbook's own inputs: change lr in the input cell, not the formulas."""
    source = WORKBOOKS / "basic-sgd.xlsx"
    target = tmp_path / "basic-sgd.xlsx"
    plant_value(source, target, "basic-sgd", "B5", 0.0002)  # lr; the cached values still follow 0.0001
    code, out, _ = run(capsys, "check", target, "--engine", "fast")
    assert code == 0, out


def test_divergent_sheet_checks_honestly(tmp_path):
    """basic SGD with lr = 0.01 explodes: agreement up to overflow, then agreement of error kind.

    Overflow by hand: with a·x ≈ 50 the slope grows about 50-fold per row, so (y − y_pred)² passes 1.8e308
    in the fifth epoch (step 121 of 174).
    """
    import math

    import xlgen

    path = xlgen.build("basic-sgd", path=tmp_path, lr=0.01)
    result = xlgen.check(path)
    assert result.passed
    table = result.table
    marks = table[[not math.isfinite(v) for v in table["reference_value"]]]
    assert len(marks) > 200 and set(marks["workbook_value"].astype(str)) == {"#NUM!"}
    first = marks[marks["quantity"] == "err2"]["step"].min()
    assert first == 121
    finite = table[[math.isfinite(v) for v in table["reference_value"]]]
    assert (finite["rel_error"] == 0).all()  # bit for bit up to the overflow

    # A workbook that shows a number where the reference has overflowed is a mismatch.
    overflowed = marks[marks["quantity"] == "err2"].iloc[0]["cell"]
    target = tmp_path / "edited.xlsx"
    plant_formula(path, target, "basic-sgd", overflowed, "1")
    edited = xlgen.check(target)
    assert edited.exit_code == 1 and edited.mismatches.iloc[0]["cell"] == overflowed


@pytest.mark.slow
def test_formulas_engine_on_shipped_workbooks(capsys):
    """formulas evaluates the plain and LET forms, and names the LAMBDA cells it cannot evaluate."""
    names = ["momentum.xlsx", "momentum-let.xlsx", "momentum-lambda.xlsx", "fastai-adam-lambda.xlsx"]
    code, out, _ = run(capsys, "check", *(WORKBOOKS / n for n in names), "--engine", "formulas")
    lines = out.splitlines()
    assert code == 2
    assert sum(line.startswith("PASS") for line in lines) == 3
    assert any(line.startswith("UNSUPPORTED") and "fastai-adam-lambda" in line for line in lines)
    assert "cannot parse the defined name ADAM_STEP" in out


def test_a_per_epoch_quantity_is_placed_by_its_epoch(tmp_path):
    """rmse has one cell an epoch: a mistake in its second cell is at epoch 2, in every report."""
    from xlgen.cli import main
    from tests.planting import plant_formula

    wrong = tmp_path / "wrong.xlsx"
    plant_formula(Path(__file__).resolve().parents[1] / "workbooks" / "basic-sgd.xlsx", wrong, "basic-sgd", "S11",
                  "SQRT(SUM(H40:H67))")  # one row short
    assert main(["check", str(wrong), "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")]) == 1
    [cell] = json.loads((tmp_path / "r.json").read_text())["cells"]
    assert (cell["cell"], cell["quantity"], cell["step"], cell["per"]) == ("S11", "rmse", 2, "epoch")
    html = (tmp_path / "r.html").read_text()
    assert "rmse, epoch 2" in html and "rmse, step" not in html
    assert '<table class="cells"><thead><tr><th>epoch</th>' in html and "(epoch 2)</h3>" in html
