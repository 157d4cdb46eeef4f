"""``xlgen build --exercise``: the lesson's workbook with the chosen quantities' formulas left empty."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from xlgen.cli import main
from xlgen.manifest import MANIFEST_SHEET, read_manifest
from xlgen.xlsx.reader import read_workbook

LESSON = ["new_b", "new_a", "grad_avg_b", "grad_avg_a"]


@pytest.fixture(scope="module")
def momentum(tmp_path_factory):
    out = tmp_path_factory.mktemp("exercise")
    assert main(["build", "momentum", "--variant", "plain", "--out", str(out)]) == 0
    assert main(["build", "momentum", "--exercise", "--out", str(out)]) == 0
    return out


def _formulas(path):
    book = openpyxl.load_workbook(path)
    return {(sheet.title, cell.coordinate): cell.value
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None}


def test_exercise_has_the_workbooks_cells_but_the_lessons_formulas(momentum):
    full, exercise = _formulas(momentum / "momentum.xlsx"), _formulas(momentum / "momentum-exercise.xlsx")
    header = {value: key[1] for key, value in full.items() if key[0] == "momentum" and key[1][-1] == "9" and key[1][-2].isalpha()}
    blank_columns = {"".join(c for c in header[name] if c.isalpha()) for name in LESSON}
    assert blank_columns == {"J", "K", "L", "M"}  # grad_avg_b, grad_avg_a, new_b, new_a

    def blanked(key):
        sheet, cell = key
        column, row = "".join(c for c in cell if c.isalpha()), int("".join(c for c in cell if c.isdigit()))
        return sheet == "momentum" and column in blank_columns and 11 <= row <= 184

    missing = {key for key in full if key not in exercise}
    assert missing == {key for key in full if blanked(key)}
    assert len(missing) == 4 * 174
    changed = {key for key in exercise if key[0] != MANIFEST_SHEET and exercise[key] != full.get(key)}
    assert changed == set()
    # The start row (what enters the first step) stays: the learner's first row reads it.
    assert exercise[("momentum", "L10")] == "=b_0" and exercise[("momentum", "J10")] == "=grad_avg_b0"


def test_exercise_keeps_charts_notes_and_sheets(momentum):
    with zipfile.ZipFile(momentum / "momentum.xlsx") as a, zipfile.ZipFile(momentum / "momentum-exercise.xlsx") as b:
        full, exercise = set(a.namelist()), set(b.namelist())
    assert full == exercise
    assert {"xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/comments1.xml"} <= exercise
    assert openpyxl.load_workbook(momentum / "momentum-exercise.xlsx").sheetnames == ["momentum", MANIFEST_SHEET]


def test_manifest_lists_the_blanked_quantities_with_their_notes(momentum):
    path = momentum / "momentum-exercise.xlsx"
    manifest = read_manifest(read_workbook(path, sheets=[MANIFEST_SHEET]))
    assert list(manifest.blanked) == LESSON
    assert manifest.blanked["new_b"] == "The step follows the average, not the derivative: b − avg de/db · lr."
    assert manifest.blanked["new_a"] == "new a: the slope after this row's step"
    assert manifest.params["epochs"] == 6 and "b" in manifest.quantities


def test_lambda_exercise_keeps_the_names_and_blanks_a_whole_call(tmp_path):
    assert main(["build", "basic-sgd", "--exercise", "--variant", "lambda", "--blank", "new_b",
                 "--out", str(tmp_path)]) == 0
    path = tmp_path / "basic-sgd-lambda-exercise.xlsx"
    book = openpyxl.load_workbook(path)
    assert {"SGD_STEP", "PREDICT", "ERR2_GRAD", "lr"} <= set(book.defined_names)
    # SGD_STEP fills new_b and new_a at once, so both are left to write.
    manifest = read_manifest(read_workbook(path, sheets=[MANIFEST_SHEET]))
    assert list(manifest.blanked) == ["new_b", "new_a"]
    sheet = book["basic-sgd"]
    assert [sheet.cell(9, c).value for c in (15, 16)] == ["new_b", "new_a"]
    assert all(sheet.cell(r, c).value is None for r in range(11, 185) for c in (15, 16))
    assert sheet.cell(11, 14).value == "=M11*C11"  # de_da stays


def test_list_quantities_marks_what_an_exercise_blanks(capsys):
    assert main(["list", "--quantities", "momentum"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "new_b\tnew b\t*" in lines and "grad_avg_a\tavg de/da\t*" in lines and "b\tintercept" in lines
    assert sum(line.endswith("*") for line in lines) == 4


@pytest.mark.parametrize("argv, message", [
    (["--exercise", "--blank", "nope"], "'momentum' has no quantity 'nope' (see `xlgen list --quantities momentum`)"),
    (["--blank", "new_b"], "--blank goes with --exercise"),
])
def test_bad_blank_is_one_line(tmp_path, capsys, argv, message):
    assert main(["build", "momentum", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == []
