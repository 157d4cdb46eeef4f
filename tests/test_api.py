"""The Python API: the docstring examples run, and results are pandas tables a notebook can show."""

from __future__ import annotations

import doctest

import pytest

import xlgen
import xlgen.api

from .conftest import ROOT
from .planting import cell_formula, plant_formula


def test_docstring_examples_run():
    failures, tried = doctest.testmod(xlgen.api, optionflags=doctest.ELLIPSIS)
    assert tried >= 5 and failures == 0


def test_check_result_table_and_notebook_display(tmp_path):
    source = ROOT / "workbooks" / "basic-sgd.xlsx"
    target = tmp_path / "basic-sgd.xlsx"
    formula = cell_formula(source, "basic-sgd", "O20")
    plant_formula(source, target, "basic-sgd", "O20", formula.replace("-", "+", 1))  # new_b: b + de_db·lr
    result = xlgen.check([source, target])
    assert not result.passed and result.exit_code == 1
    table = result.table
    assert list(table.columns[:5]) == ["file", "sheet", "cell", "quantity", "step"]
    assert len(table) == 2 * 2106
    first = result.mismatches.iloc[0]
    assert (first.cell, first.quantity, first.step) == ("O20", "new_b", 10)
    shown = result._repr_html_()
    assert "FAIL" in shown and "PASS" in shown and "basic-sgd!O20" in shown and "#f8b4b4" in shown
    assert "1 passed, 1 failed" in repr(result)


def test_build_to_a_file_name(tmp_path):
    path = xlgen.build("momentum-sin", variant="lambda", path=tmp_path / "mine.xlsx", mom=0.8)
    assert path == tmp_path / "mine.xlsx" and path.stat().st_size > 0
    assert xlgen.check(path, engine="cached").passed


def test_unknown_experiment_is_one_clear_error():
    with pytest.raises(xlgen.errors.XlgenError, match="unknown experiment 'sgd'"):
        xlgen.reference("sgd")
