"""``xlgen explain``: a formula laid out as a person writes it, evaluated step by step, against the reference.

Expected values come from the reference table (numpy, no spreadsheet) and from layouts written by hand.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import xlgen
from tests.planting import plant_formula
from xlgen.cli import main
from xlgen.explanation import Writer, explain
from xlgen.formula.parser import parse, spellings

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
FIRST_ROW = 11  # momentum's step 1


def _layout(text: str, row: int = 5, column: int = 3) -> str:
    return Writer(row, column, spellings(text)).layout(parse(text, row, column))


def test_let_has_one_binding_a_line():
    assert _layout("_xlfn.LET(_xlpm.Err,B5*2+A5,_xlpm.damp,1-mom,_xlpm.Err^2*_xlpm.damp)") == (
        "LET(\n"
        "    Err, B5*2 + A5,\n"
        "    damp, 1 - mom,\n"
        "    Err^2*damp\n"
        ")")


def test_lambda_parameters_and_body_are_indented_and_optional_ones_bracketed():
    text = "_xlfn.LAMBDA(_xlpm.x,_xlop.n,_xlpm.x*IF(_xlfn.ISOMITTED(_xlpm.n),1,_xlpm.n))(A5)"
    assert _layout(text) == (
        "LAMBDA(\n"
        "    x, [n],\n"
        "    x*IF(ISOMITTED(n), 1, n)\n"
        ")(\n"
        "    A5\n"
        ")")


def test_a_long_call_is_broken_at_its_arguments_and_brackets_kept_where_needed():
    text = ("SUMPRODUCT((A1:A100-B1:B100)^2,C1:C100)/COUNT(A1:A100)+AVERAGE_GRADIENT_OF_THE_LOSS("
            "$D$1,'My SGD'!E5,-(F5+G5),H5%)")
    assert _layout(text) == (
        "SUMPRODUCT((A1:A100 - B1:B100)^2, C1:C100)/COUNT(A1:A100) + AVERAGE_GRADIENT_OF_THE_LOSS(\n"
        "    $D$1,\n"
        "    'My SGD'!E5,\n"
        "    -(F5 + G5),\n"
        "    H5%\n"
        ")")
    assert _layout("(A5-B5)-(C5-D5)") == "A5 - B5 - (C5 - D5)"  # left-associative: only the right needs ()


def _reference_row(name: str, step: int) -> pd.Series:
    return xlgen.reference(name).iloc[step - 1]


def test_every_referenced_cell_let_variable_and_result_in_order():
    steps = explain(WORKBOOKS / "momentum-let.xlsx", "momentum!H20")
    expected = _reference_row("momentum", 20 - FIRST_ROW + 1)
    assert steps.layout == "LET(\n    err, F20*C20 + E20 - D20,\n    2*err\n)"
    table = steps.frame()
    assert list(table["kind"]) == ["cell", "cell", "cell", "cell", "let", "result"]
    assert list(table["expression"][:4]) == ["F20", "C20", "E20", "D20"]
    assert list(table["value"][:4]) == [expected["a"], expected["x"], expected["b"], expected["y"]]
    assert list(table["note"][:4]) == ["a", "", "b", ""]  # which cells are quantities
    assert table["value"].iloc[4] == pytest.approx(expected["y_pred"] - expected["y"], rel=1e-12)
    assert table["value"].iloc[-1] == pytest.approx(expected["de_db"], rel=1e-12)
    assert table.attrs["quantity"] == "de_db" and table.attrs["step"] == 10
    assert table.attrs["divergence"] is None


def test_a_lambda_call_shows_its_arguments_result_and_description():
    steps = explain(WORKBOOKS / "momentum-lambda.xlsx", "momentum!H20")
    expected = _reference_row("momentum", 10)
    calls = [s for s in steps.steps if s.kind == "call"]
    assert [s.expression for s in calls] == ["PREDICT(E20, F20, C20)", "ERR2_GRAD(PREDICT(E20, F20, C20), D20)"]
    assert calls[0].arguments == [("b", expected["b"]), ("a", expected["a"]), ("x", expected["x"])]
    assert calls[0].note.startswith("PREDICT(b, a, x) = b + a·x")
    assert calls[1].arguments[0][0] == "y_pred"
    assert calls[1].arguments[0][1] == pytest.approx(expected["y_pred"], rel=1e-12)
    assert calls[1].value == pytest.approx(expected["de_db"], rel=1e-12)


def test_the_first_part_that_leaves_the_reference_is_named(tmp_path):
    planted = tmp_path / "momentum-lambda.xlsx"
    plant_formula(WORKBOOKS / "momentum-lambda.xlsx", planted, "momentum", "H20",
                  "ERR2_GRAD(PREDICT(E20, F20, C20)*1.05, D20)")
    expected = _reference_row("momentum", 10)
    cause = explain(planted, "momentum!H20")
    assert cause.divergence.startswith("momentum!H20 differs from the reference: ERR2_GRAD is given y_pred = ")
    assert f"where the reference has {float(expected['y_pred'])!r}" in cause.divergence
    # a cell that only inherits the error points at the cell it reads
    victim = explain(planted, "momentum!J20")
    assert "it reads de_db at H20 = " in victim.divergence
    assert f"where the reference has {float(expected['de_db'])!r}" in victim.divergence
    assert "explain momentum!H20" in victim.divergence


def test_a_wrong_constant_in_a_let_formula_is_the_formula_itself(tmp_path):
    planted = tmp_path / "momentum-let.xlsx"
    plant_formula(WORKBOOKS / "momentum-let.xlsx", planted, "momentum", "H20",
                  "_xlfn.LET(_xlpm.err, F20*C20 + E20 - D20, 2.1*_xlpm.err)")
    expected = _reference_row("momentum", 10)
    found = explain(planted, "momentum!H20")
    assert found.value == pytest.approx(2.1 * (expected["y_pred"] - expected["y"]), rel=1e-12)
    assert "every value it reads agrees with the reference" in found.divergence
    assert found.steps[-1].reference == expected["de_db"]


def test_the_api_returns_a_dataframe():
    table = xlgen.explain(WORKBOOKS / "basic-sgd.xlsx", "'basic-sgd'!G11")
    assert isinstance(table, pd.DataFrame)
    assert table.attrs["cell"] == "'basic-sgd'!G11" and table.attrs["quantity"] == "y_pred"
    assert table["value"].iloc[-1] == _reference_row("basic-sgd", 1)["y_pred"]


def test_the_command_prints_the_layout_and_the_verdict(capsys):
    assert main(["explain", str(WORKBOOKS / "momentum-let.xlsx"), "momentum!J20"]) == 0
    out = capsys.readouterr().out
    assert "=LET(\n    damp, 1 - mom,\n    J19*mom + damp*H20\n)" in out
    assert out.rstrip().endswith("The value agrees with the reference.")


@pytest.mark.parametrize("cell, message", [
    ("nosheet!A1", "no sheet named 'nosheet'"),
    ("momentum!A1:B2", "is a range"),
    ("momentum!ZZ", "is not a cell"),
])
def test_a_bad_cell_is_one_line_and_exit_2(capsys, cell, message):
    assert main(["explain", str(WORKBOOKS / "momentum.xlsx"), cell]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
