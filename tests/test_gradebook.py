"""``xlgen check DIR --jobs N --gradebook FILE``: a class graded in one command, one row per submission."""

from __future__ import annotations

import csv
import os
import shutil

import pytest

from xlgen.cli import main
from xlgen.gradebook import CheckOptions, check_in_processes, check_one, gradebook_csv

from .planting import plant_formula
from .test_exercise_check import fill


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """Six submissions: done, untouched, one wrong row, a changed plain workbook, a text file, a cut zip."""
    built = tmp_path_factory.mktemp("built")
    assert main(["build", "momentum", "--exercise", "--out", str(built)]) == 0
    assert main(["build", "momentum", "--variant", "plain", "--out", str(built)]) == 0
    exercise = built / "momentum-exercise.xlsx"
    folder = tmp_path_factory.mktemp("submissions")
    fill(exercise, folder / "ada.xlsx")
    shutil.copy(exercise, folder / "bo.xlsx")
    fill(exercise, folder / "cy.xlsx", edit=lambda sheet: sheet.__setitem__("L40", "=E40+J40*lr"))
    plant_formula(built / "momentum.xlsx", folder / "di.xlsx", "momentum", "L20", "-J20*lr+E20+1")
    (folder / "ed.xlsx").write_text("my homework, in words", encoding="utf-8")
    (folder / "flo.xlsx").write_bytes((folder / "ada.xlsx").read_bytes()[:2000])
    return folder


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return {os.path.basename(row["file"]): row for row in csv.DictReader(stream)}


def test_gradebook_has_one_row_per_file_and_survives_broken_ones(submissions, tmp_path, capsys):
    gradebook = tmp_path / "grades.csv"
    assert main(["check", str(submissions), "--jobs", "2", "--gradebook", str(gradebook)]) == 1
    captured = capsys.readouterr()
    rows = rows_of(gradebook)
    assert list(rows) == ["ada.xlsx", "bo.xlsx", "cy.xlsx", "di.xlsx", "ed.xlsx", "flo.xlsx"]
    picked = {name: (row["status"], row["quantities_right"], row["quantities_total"], row["first_wrong_cell"],
                     row["formula"]) for name, row in rows.items()}
    assert picked == {
        "ada.xlsx": ("pass", "4", "4", "", ""),
        "bo.xlsx": ("fail", "0", "4", "", ""),
        "cy.xlsx": ("fail", "0", "4", "momentum!L40", "E40+J40*lr"),
        # A plain workbook: only new_b is wrong by itself; the rest read its error.
        "di.xlsx": ("fail", "10", "11", "momentum!L20", "'-J20*lr+E20+1"),  # a spreadsheet reads it as text
        "ed.xlsx": ("error", "", "", "", ""),
        "flo.xlsx": ("error", "", "", "", ""),
    }
    assert rows["bo.xlsx"]["reason"] == "new_b: not filled"
    assert "is not an .xlsx workbook" in rows["ed.xlsx"]["reason"]
    assert "truncated zip" in rows["flo.xlsx"]["reason"]
    # Not a terminal: one line per file as it finishes, then the summary.
    progress = captured.err.splitlines()
    assert len(progress) == 6 and all(line.startswith("[") for line in progress)
    assert sorted(line.split()[-1].rsplit("/", 1)[-1] for line in progress) == sorted(rows)
    assert "1 passed, 3 failed, 2 could not be checked" in captured.out


def test_one_process_and_two_give_the_same_gradebook(submissions, tmp_path, capsys):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(["check", str(submissions), "--jobs", "1", "--gradebook", str(one)]) == 1
    assert main(["check", str(submissions), "--jobs", "2", "--gradebook", str(two)]) == 1
    assert one.read_text() == two.read_text()


def crash_on_bo(path, options):
    """A worker that dies on one file, as one killed by the kernel would."""
    if path.name == "bo.xlsx":
        os._exit(9)
    return check_one(path, options)


def test_a_file_that_kills_its_worker_is_one_row(submissions):
    paths = sorted(submissions.iterdir())
    results = check_in_processes(paths, CheckOptions(), jobs=2, worker=crash_on_bo)
    verdicts = {path.name: result.verdict for path, result in zip(paths, results)}
    assert verdicts == {"ada.xlsx": "pass", "bo.xlsx": "error", "cy.xlsx": "fail", "di.xlsx": "fail",
                        "ed.xlsx": "error", "flo.xlsx": "error"}
    assert "the process checking it stopped" in results[1].error


def test_fields_a_spreadsheet_would_run_are_text():
    text = gradebook_csv([{"file": "=HYPERLINK(\"http://x\")", "status": "fail", "formula": "@SUM(A1)",
                           "reason": "line one\nline two"}])
    row = next(csv.DictReader(text.splitlines()))
    assert row["file"] == "'=HYPERLINK(\"http://x\")" and row["formula"] == "'@SUM(A1)"
    assert row["reason"] == "line one line two"


def test_bad_jobs_is_one_line(submissions, capsys):
    assert main(["check", str(submissions), "--jobs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "xlgen: error: --jobs must be 1 or more, got 0"
