"""Defined names that loop: one line saying which names, exit 2 (not "nested too deeply to read").

Each workbook is basic-sgd.xlsx with its learning rate (``'basic-sgd'!B5``) a formula over defined names.
A LAMBDA name calling itself is recursion, not a loop, and still evaluates.
"""

from __future__ import annotations

import pytest

from xlgen.cli import main

from .conftest import ROOT
from .planting import plant_formula_over_value

SOURCE = ROOT / "workbooks" / "basic-sgd.xlsx"
LR = "'basic-sgd'!B5"


def checked(tmp_path, capsys, formula: str, names: dict[str, str]) -> tuple[int, list[str]]:
    path = tmp_path / "names.xlsx"
    plant_formula_over_value(SOURCE, path, "basic-sgd", "B5", formula, names)
    code = main(["check", str(path)])
    return code, [line.replace(str(path), "FILE") for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("formula, names, words", [
    ("LOOPY*0+0.0001", {"LOOPY": "LOOPY+1"}, "the defined name LOOPY refers to itself"),
    ("Alpha*0+0.0001", {"Alpha": "Beta+1", "Beta": "Gamma*2", "Gamma": "Alpha"},
     "defined names refer to each other in a loop: Alpha -> Beta -> Gamma -> Alpha"),
    # The loop is further on: the name the cell uses only leads into it.
    ("START*0+0.0001", {"START": "SPIN+1", "SPIN": "IF(TRUE, 1, SPIN)"}, "the defined name SPIN refers to itself"),
    # Through a LAMBDA that MAP calls at once.
    ("SUM(ROUND_TRIP)*0+0.0001", {"ROUND_TRIP": "_xlfn.MAP({1,2},_xlfn.LAMBDA(_xlpm.x,_xlpm.x+ROUND_TRIP))"},
     "the defined name ROUND_TRIP refers to itself"),
])
def test_looping_names_are_named(tmp_path, capsys, formula, names, words):
    code, lines = checked(tmp_path, capsys, formula, names)
    assert code == 2
    assert lines == [f"ERROR  FILE: {LR}: {words}", "0 passed, 0 failed, 1 could not be checked"]


def test_a_lambda_name_that_calls_itself_is_recursion_not_a_loop(tmp_path, capsys):
    """FACT(3) = 6, so the lr is 6 * 0.0001 / 6: the lesson's own value, and the check passes."""
    names = {"FACT": "_xlfn.LAMBDA(_xlpm.n,IF(_xlpm.n<=1,1,_xlpm.n*FACT(_xlpm.n-1)))", "RATE": "FACT(3)/6*0.0001"}
    code, lines = checked(tmp_path, capsys, "RATE", names)
    assert code == 0, lines
    assert lines[0].startswith("PASS   FILE")
