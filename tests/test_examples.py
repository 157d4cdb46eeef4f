"""The custom-experiment example: a learner's own average_grad workbook, checked against an author's reference."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xlgen.cli import main

from .conftest import ROOT
from .planting import cell_formula, plant_formula

EXAMPLE = ROOT / "examples" / "forum-average-grad"


def check(capsys, workbook: Path, *extra: str) -> tuple[int, str]:
    code = main(["check", str(workbook), "--spec", str(EXAMPLE / "average_grad.toml"), *extra])
    return code, capsys.readouterr().out


def test_learners_workbook_passes_against_the_authors_reference(capsys):
    code, out = check(capsys, EXAMPLE / "average_grad.xlsx")
    assert code == 0, out
    assert "18 cells" in out


def test_a_wrong_lambda_is_caught(capsys, tmp_path):
    """The learner forgets the dampening in the second call's row: the check names that cell."""
    target = tmp_path / "average_grad.xlsx"
    formula = cell_formula(EXAMPLE / "average_grad.xlsx", "avg grad", "B12")
    plant_formula(EXAMPLE / "average_grad.xlsx", target, "avg grad", "B12", formula.replace("TRUE", "FALSE"))
    code, out = check(capsys, target)
    assert code == 1, out
    assert "first mismatch: 'avg grad'!B12" in out or "first mismatch: avg grad!B12" in out


def test_reference_on_the_command_line_overrides_the_spec(capsys):
    code, out = check(capsys, EXAMPLE / "average_grad.xlsx", "--reference", "nowhere.py:nothing")
    assert code == 2 and "cannot import 'nowhere.py'" in out


def test_committed_workbook_is_what_the_script_makes(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_workbook", EXAMPLE / "make_workbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make(tmp_path / "average_grad.xlsx")
    parts = ("xl/worksheets/sheet1.xml", "xl/workbook.xml")
    with zipfile.ZipFile(tmp_path / "average_grad.xlsx") as made, zipfile.ZipFile(EXAMPLE / "average_grad.xlsx") as kept:
        for part in parts:
            assert made.read(part) == kept.read(part), part


@pytest.mark.parametrize("name", ["github-actions.yml", "ci.md"])
def test_ci_recipe_runs_the_check_with_reports(name):
    text = (ROOT / "docs" / name).read_text()
    assert "xlgen check workbooks/" in text and "--junit junit.xml" in text
