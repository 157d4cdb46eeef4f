"""Formulas that would run without end: bounded by the evaluator's budgets, one line naming the cell, exit 2.

Each workbook is basic-sgd.xlsx with one formula as its learning rate (``'basic-sgd'!B5``). The check runs in
a child process with its memory capped and a time limit, so a budget that does not hold fails the test
instead of the machine. Where Excel itself gives an error value (text past 32,767 characters), the cell
holds that value and the check is an honest FAIL.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from xlgen.formula import context
from xlgen.formula.memory import evaluate
from xlgen.values import VALUE

from .conftest import ROOT
from .planting import plant_formula_over_value

SOURCE = ROOT / "workbooks" / "basic-sgd.xlsx"
LR = "'basic-sgd'!B5"
MEMORY = 1536 << 20

EXPF = {"EXPF": "_xlfn.LAMBDA(_xlpm.n,IF(_xlpm.n<=0,0,EXPF(_xlpm.n-1)+EXPF(_xlpm.n-1)))"}
DOUBLE = {"DOUBLE": "_xlfn.LAMBDA(_xlpm.s,_xlpm.k,IF(_xlpm.k<=0,_xlpm.s,DOUBLE(_xlpm.s&_xlpm.s,_xlpm.k-1)))"}


def check_in_child(path: Path, budgets: dict[str, int] | None = None, timeout: float = 300) -> tuple[int, str]:
    """``xlgen check path`` in a child capped at 1.5 GB, with the evaluator's budgets optionally lowered."""
    lowered = "".join(f"context.{name} = {value};" for name, value in (budgets or {}).items())
    program = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (%d, %d));"
               "from xlgen.formula import context; %s"
               "from xlgen.cli import main; sys.exit(main(['check', sys.argv[1]]))") % (MEMORY, MEMORY, lowered)
    done = subprocess.run([sys.executable, "-c", program, str(path)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    text = done.stdout + done.stderr
    assert "Traceback" not in text, text
    return done.returncode, text


def planted(tmp_path: Path, formula: str, names: dict[str, str] | None = None) -> tuple[Path, str]:
    path = tmp_path / "lr.xlsx"
    plant_formula_over_value(SOURCE, path, "basic-sgd", "B5", formula, names)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def error_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("ERROR")]
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.parametrize("formula, names, words", [
    ("SUM(_xlfn.SEQUENCE(100000000))*0+0.0001", None, "100,000,000 x 1"),
    ("SUM(_xlfn.MAKEARRAY(10000,10000,_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r)))*0+0.0001", None, "10,000 x 10,000"),
    ("SUM(_xlfn.MAP(Z1000:XFD1048576,_xlfn.LAMBDA(_xlpm.x,1)))*0+0.0001", None, "1,047,577 x 16,359"),
    ("SUM(_xlfn.SEQUENCE(100000)*TRANSPOSE(_xlfn.SEQUENCE(100000)))*0+0.0001", None, "100,000 x 100,000"),
])
def test_an_array_too_large_is_refused_before_it_is_built(tmp_path, formula, names, words):
    path, before = planted(tmp_path, formula, names)
    code, text = check_in_child(path)
    line = error_line(text)
    assert code == 2
    assert str(path) in line and LR in line and words in line and "at most 5,000,000" in line
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_runaway_lambda_stops_at_the_call_budget(tmp_path):
    """EXPF(40) makes 2^41 calls within a depth of 40; the budget (lowered here to keep the test short) ends it."""
    path, before = planted(tmp_path, "EXPF(40)*0+0.0001", EXPF)
    code, text = check_in_child(path, {"MAX_LAMBDA_CALLS": 50_000})
    line = error_line(text)
    assert code == 2
    assert str(path) in line and LR in line and "more than 50,000 LAMBDA calls" in line
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.slow
def test_a_runaway_lambda_stops_at_the_shipped_call_budget(tmp_path):
    path, _ = planted(tmp_path, "EXPF(40)*0+0.0001", EXPF)
    code, text = check_in_child(path, timeout=600)
    assert code == 2 and f"more than {context.MAX_LAMBDA_CALLS:,} LAMBDA calls" in error_line(text)


def test_many_arrays_stop_at_the_total_budget(tmp_path):
    """Each array is allowed, their sum is not: MAKEARRAY's 1,000 rows of one element each, a thousand times."""
    formula = "REDUCE(0,_xlfn.SEQUENCE(1000),_xlfn.LAMBDA(_xlpm.a,_xlpm.i,_xlpm.a+SUM(_xlfn.SEQUENCE(1000))))"
    path, before = planted(tmp_path, f"_xlfn.{formula}*0+0.0001")
    code, text = check_in_child(path, {"MAX_WORK_CELLS": 200_000})
    line = error_line(text)
    assert code == 2
    assert str(path) in line and LR in line and "more than 200,000 array elements in all" in line
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_text_past_excels_limit_is_value_error_as_in_excel(tmp_path):
    """Excel's text stops at 32,767 characters; ``&`` making a longer one is #VALUE!, as Excel's CONCAT is."""
    cells = {"A1": "a" * 32_766, "B1": '=A1&"b"', "C1": '=B1&"c"', "D1": '=DOUBLE("ab",40)'}
    b1, c1, d1 = evaluate({"S": cells}, ["S!B1", "S!C1", "S!D1"], names=DOUBLE)
    assert b1 == ["a" * 32_766 + "b"] and c1 == [VALUE] and d1 == [VALUE]
    # As the learning rate, the error reaches every cell of the sheet: the check says what the input holds.
    path, before = planted(tmp_path, 'IF(DOUBLE("ab",40)="",0,0.0001)', DOUBLE)
    code, text = check_in_child(path)
    line = error_line(text)
    assert code == 2 and "#VALUE!" in line and "basic-sgd!B5" in line
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_zigzag_chain_of_single_cells_needs_memory_linear_in_its_length(tmp_path):
    """Z1 = Y2+0, Y2 = Z3+0, ...: 40,000 cells, each its own piece, walked depth first in a child capped at 1 GB
    (the walk once copied the rest of a column into every suspended step: 3.5 GB for this chain)."""
    import xlsxwriter

    length = 40_000
    path = tmp_path / "chain.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    for row in range(1, length + 1):
        if row % 2:
            sheet.write_formula(f"Z{row}", f"=Y{row + 1}+0", None, 7)
        else:
            sheet.write_formula(f"Y{row}", f"=Z{row + 1}+0", None, 7)
    sheet.write_number(f"Z{length + 1}", 7)  # the chain's end, read by Y{length}
    book.close()
    program = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30));"
               "from pathlib import Path; from xlgen.cells import parse_range;"
               "from xlgen.engines.fast import FastEngine;"
               "print(FastEngine().evaluate(Path(sys.argv[1]), [parse_range('S!Z1:Z1')]).values)")
    done = subprocess.run([sys.executable, "-c", program, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[7.0]]"
