"""Checking an exercise: per quantity to write, right, wrong (where, and the hint), not filled yet, or typed in."""

from __future__ import annotations

import json

import openpyxl
import pytest

from xlgen.cli import main
from xlgen.experiments import reference_table

FIRST, LAST = 11, 184  # momentum's 174 steps
# momentum's columns: b E, a F, de_db H, de_da I, grad_avg_b J, grad_avg_a K, new_b L, new_a M; inputs B5:G5
RIGHT = {
    "J": lambda r: f"=(1-$E$5)*H{r}+$E$5*J{r - 1}",  # other references (the input cell, not mom), same values
    "K": lambda r: f"=K{r - 1}*mom+(1-mom)*I{r}",
    "L": lambda r: f"=E{r}-lr*J{r}",
    "M": lambda r: f"=F{r}-K{r}*lr",
}


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    out = tmp_path_factory.mktemp("exercise")
    assert main(["build", "momentum", "--exercise", "--out", str(out)]) == 0
    return out / "momentum-exercise.xlsx"


def fill(exercise, target, formulas=RIGHT, rows=range(FIRST, LAST + 1), edit=None):
    """The exercise as a learner saves it: ``formulas`` written down the rows (openpyxl keeps the manifest)."""
    book = openpyxl.load_workbook(exercise)
    sheet = book["momentum"]
    for column, formula in formulas.items():
        for row in rows:
            sheet[f"{column}{row}"] = formula(row)
    if edit:
        edit(sheet)
    book.save(target)
    return target


def check(path, capsys, *extra):
    code = main(["check", str(path), *extra])
    return code, capsys.readouterr().out


def test_a_fresh_exercise_is_not_filled_not_a_cascade(exercise, capsys):
    code, out = check(exercise, capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL") and "exercise: 0 of 4 quantities done" in lines[0]
    assert [line.split() for line in lines[1:5]] == [[q, "not", "filled", "yet"]
                                                     for q in ("new_b", "new_a", "grad_avg_b", "grad_avg_a")]
    assert len(lines) == 6 and "mismatch" not in out  # no list of the 1,740 cells that read the empty ones


def test_filled_with_other_references_that_compute_the_same_passes(exercise, tmp_path, capsys):
    code, out = check(fill(exercise, tmp_path / "done.xlsx"), capsys)
    assert code == 0, out
    assert out.startswith("PASS") and "exercise: 4 of 4 quantities done" in out
    assert [line.split() for line in out.splitlines()[1:5]] == [
        ["new_b", "right"], ["new_a", "right"], ["grad_avg_b", "right"], ["grad_avg_a", "right"]]


def test_a_wrong_row_is_named_with_its_formula_the_value_expected_and_the_hint(exercise, tmp_path, capsys):
    def plant(sheet):
        sheet["L40"] = "=E40+J40*lr"

    code, out = check(fill(exercise, tmp_path / "wrong.xlsx", edit=plant), capsys)
    assert code == 1
    expected = float(reference_table("momentum")["new_b"][40 - FIRST])
    line = next(line for line in out.splitlines() if line.split()[0] == "new_b")
    assert line.split()[1:5] == ["wrong", "at", "momentum!L40", "=E40+J40*lr"]
    assert f"expected {expected!r}" in line
    assert line.endswith("hint: The step follows the average, not the derivative: b − avg de/db · lr.")
    # What reads the wrong b afterwards waits for it; new_a is wrong from the next row on, through a's error.
    waiting = {line.split()[0]: line for line in out.splitlines()[1:5] if "waits" in line}
    assert set(waiting) == {"new_a", "grad_avg_b", "grad_avg_a"}
    assert all("waits for new_b" in line for line in waiting.values())
    assert "from momentum!J41 on" in waiting["grad_avg_b"]


def test_a_constant_where_a_formula_belongs_is_reported_though_it_matches(exercise, tmp_path, capsys):
    values = reference_table("momentum")["new_a"]
    formulas = {**RIGHT, "M": lambda r: float(values[r - FIRST])}
    code, out = check(fill(exercise, tmp_path / "typed.xlsx", formulas), capsys)
    assert code == 1
    line = next(line for line in out.splitlines() if line.split()[0] == "new_a")
    assert "typed in: 174 of 174 cells hold a number, not a formula (first momentum!M11)" in line
    assert sum("right" in line for line in out.splitlines()) == 3


def test_partly_filled_names_the_first_empty_cell(exercise, tmp_path, capsys):
    partial = fill(exercise, tmp_path / "partial.xlsx", rows=range(FIRST, 51))
    code, out = check(partial, capsys, "--json", "-")
    assert code == 1
    report = json.loads(out[out.index("{"):])
    grades = {g["quantity"]: g for g in report["workbooks"][0]["exercise"]}
    assert grades["new_b"]["status"] == "partly filled" and grades["new_b"]["empty"] == 174 - 40
    assert grades["new_b"]["first_empty"] == "momentum!L51"
    assert report["workbooks"][0]["verdict"] == "fail"


def test_a_given_formula_broken_by_the_learner_is_named(exercise, tmp_path, capsys):
    def plant(sheet):
        sheet["H30"] = "=2*(F30*C30+E30-D30)+1"

    code, out = check(fill(exercise, tmp_path / "given.xlsx", edit=plant), capsys)
    assert code == 1
    line = next(line for line in out.splitlines() if line.split()[0] == "de_db")
    assert "changed at momentum!H30 =2*(F30*C30+E30-D30)+1" in line and "this formula was given" in line
    assert "exercise: 0 of 4 quantities done" in out  # each waits for de_db
