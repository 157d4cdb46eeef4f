"""An exercise survives what learners do in LibreOffice: a save, a helper column inserted, cells formatted."""

from __future__ import annotations

import pytest

from xlgen.cli import main

from .conftest import needs_libreoffice
from .learner_edits import convert_in_libreoffice, edit_in_libreoffice
from .test_exercise_check import FIRST, LAST, fill

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow, needs_libreoffice]


@pytest.fixture(scope="module")
def exercise(tmp_path_factory):
    out = tmp_path_factory.mktemp("exercise")
    assert main(["build", "momentum", "--exercise", "--out", str(out)]) == 0
    return out / "momentum-exercise.xlsx"


def test_round_trip_through_libreoffice(exercise, tmp_path, capsys):
    saved = convert_in_libreoffice(exercise, tmp_path / "fresh", tmp_path)
    assert main(["check", str(saved)]) == 1
    out = capsys.readouterr().out
    assert "exercise: 0 of 4 quantities done" in out and out.count("not filled yet") == 4

    done = convert_in_libreoffice(fill(exercise, tmp_path / "done.xlsx"), tmp_path / "done", tmp_path)
    assert main(["check", str(done)]) == 0, capsys.readouterr().out


def test_helper_column_formatting_and_a_planted_mistake_in_libreoffice(exercise, tmp_path, capsys):
    rows = range(FIRST, LAST + 1)
    # A helper column "damp" = 1 − mom before grad_avg_b: J..N move to K..O, and so do the manifest's references.
    formulas = {f"J{r}": "=1-mom" for r in rows}
    formulas.update({f"K{r}": f"=K{r - 1}*mom+J{r}*H{r}" for r in rows})
    formulas.update({f"L{r}": f"=L{r - 1}*mom+J{r}*I{r}" for r in rows})
    formulas.update({f"M{r}": f"=E{r}-K{r}*lr" for r in rows})
    formulas.update({f"N{r}": f"=F{r}-L{r}*lr" for r in rows})
    done, planted = tmp_path / "helper.xlsx", tmp_path / "planted.xlsx"
    edit_in_libreoffice(exercise, [
        ["insert_column", "momentum", 9],
        ["text", "momentum", "J9", "damp"],
        ["formulas", "momentum", formulas],
        ["format", "momentum", "K11:N184", {"CellBackColor": 0xCCFFCC, "CharWeight": 150.0}],
        ["number_format", "momentum", "M11:N184", "0.000"],
        ["save", str(done)],
        ["formulas", "momentum", {"N60": "=F60-L60*lr*2"}],
        ["save", str(planted)],
    ], tmp_path)

    code = main(["check", str(done)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "exercise: 4 of 4 quantities done" in out

    assert main(["check", str(planted)]) == 1
    out = capsys.readouterr().out
    grades = {line.split()[0]: line for line in out.splitlines()[1:5]}
    assert grades["new_a"].split()[1:5] == ["wrong", "at", "momentum!N60", "=F60-L60*lr*2"]
    # The others read the wrong a from row 61 on: they wait for new_a, they are not wrong themselves.
    assert all("waits for new_a" in grades[q] for q in ("new_b", "grad_avg_b", "grad_avg_a"))
