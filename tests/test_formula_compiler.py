"""The generated row loop against the interpreter: the same values, bit for bit, on any formula.

The loop computes with bare floats and hands a row to the interpreter at the
first sign of anything else; these tests make sure it never returns a number
where Excel's rules give something different.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlgen.cells import parse_range
from xlgen.formula.evaluator import WorkbookEvaluator
from xlgen.formula.memory import evaluate, workbook_from_cells
from xlgen.values import DIV0, NUM, VALUE

ROWS = 5
LEAVES = st.sampled_from(["0", "1", "2", "0.5", "3", "0.1", "1E308", "1E-308", "A{r}", "B{r}", "A{r}", "B{r}",
                          "C{p}", "D{p}", "$F$1", "lr", "ROW()", "COLUMN()", "-0"])
CELL_VALUES = st.sampled_from([0.0, 1.0, -2.0, 3.5, 0.25, 1e300, -1e-300, 100.0, "txt", "2", True, None])


FUNCTIONS = ["SQRT", "EXP", "LN", "LOG10", "ABS", "SIGN", "TANH", "SINH", "COSH", "ATAN", "SIN", "COS", "TAN",
             "ASIN", "ACOS"]


def _formulas():
    def extend(inner):
        condition = st.one_of(
            st.tuples(inner, st.sampled_from(["<", ">", "=", "<>", "<=", ">="]), inner).map(lambda t: "".join(t)),
            inner,  # a number as a condition: non-zero is TRUE
        )
        conditions = st.one_of(
            condition,
            st.tuples(st.sampled_from(["AND", "OR"]), st.lists(condition, min_size=1, max_size=3))
              .map(lambda t: f"{t[0]}({','.join(t[1])})"),
            condition.map(lambda x: f"NOT({x})"),
        )
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            inner.map(lambda x: f"-{x}"),
            inner.map(lambda x: f"{x}%"),
            st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"POWER({t[0]},{t[1]})"),
            st.tuples(conditions, inner, inner).map(lambda t: f"IF({t[0]},{t[1]},{t[2]})"),
            st.tuples(inner, inner).map(lambda t: f"_xlfn.LET(_xlpm.v,{t[0]},_xlpm.v*{t[1]})"),
            st.tuples(conditions, inner, inner, inner)  # a LET inside a branch: its variables are computed lazily
              .map(lambda t: f"IF({t[0]},_xlfn.LET(_xlpm.w,{t[1]},_xlpm.w/{t[2]}),{t[3]})"),
            st.tuples(inner, inner).map(lambda t: f"SQ({t[0]})+MAX({t[0]},{t[1]})"),
            st.tuples(st.sampled_from(["MIN", "MAX"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a/_xlpm.b)({t[0]},{t[1]})"),
        )
    return st.recursive(LEAVES, extend, max_leaves=8)


def _same(a: object, b: object) -> bool:
    """The same value, and for numbers the same bits (-0.0 is not 0.0)."""
    if type(a) is float and type(b) is float:
        return struct.pack("<d", a) == struct.pack("<d", b)
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=_formulas(), d=_formulas(), data=st.lists(st.tuples(CELL_VALUES, CELL_VALUES), min_size=ROWS, max_size=ROWS),
       rate=CELL_VALUES)
def test_row_loop_agrees_with_interpreter(c, d, data, rate):
    sheet = {"F1": rate}
    for index, (a, b) in enumerate(data):
        row = index + 2
        sheet[f"A{row}"], sheet[f"B{row}"] = a, b
        sheet[f"C{row}"] = "=" + c.format(r=row, p=row - 1)
        sheet[f"D{row}"] = "=" + d.format(r=row, p=row - 1)
    names = {"lr": "S!$F$1", "SQ": "_xlfn.LAMBDA(_xlpm.x,_xlpm.x^2)"}
    target = [f"S!C2:D{ROWS + 1}"]
    fast = evaluate({"S": sheet}, target, names=names)[0]
    slow = evaluate({"S": sheet}, target, names=names, compile_blocks=False)[0]
    assert all(_same(a, b) for a, b in zip(fast, slow)), (c, d, fast, slow)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formulas=st.lists(_formulas(), min_size=2, max_size=3), choice=st.lists(st.integers(0, 2), min_size=8,
       max_size=8), data=st.lists(st.tuples(CELL_VALUES, CELL_VALUES), min_size=8, max_size=8), rate=CELL_VALUES)
def test_rows_of_changing_formulas_agree_with_interpreter(formulas, choice, data, rate):
    """A column whose formula changes from row to row (as at epoch boundaries) stays one block column; A copies
    rows above the block from changing distances."""
    sheet = {"F1": rate, "A1": data[0][0], "A2": data[1][0]}
    for index, (a, b) in enumerate(data):
        row = index + 3
        sheet[f"A{row}"] = f"=A{1 + index % 2}"
        sheet[f"B{row}"] = b
        sheet[f"C{row}"] = "=" + formulas[choice[index] % len(formulas)].format(r=row, p=row - 1)
        sheet[f"D{row}"] = f"=C{row}*2" if choice[index] else f"=D{row - 1}+C{row}"
    names = {"lr": "S!$F$1", "SQ": "_xlfn.LAMBDA(_xlpm.x,_xlpm.x^2)"}
    target = ["S!A3:D10"]
    fast = evaluate({"S": sheet}, target, names=names)[0]
    slow = evaluate({"S": sheet}, target, names=names, compile_blocks=False)[0]
    assert all(_same(a, b) for a, b in zip(fast, slow)), (formulas, choice, fast, slow)


def test_a_column_choosing_between_three_formulas_agrees_with_interpreter():
    sheet = {"A1": 1.0, "A2": 2.0}
    formulas = ["A{r}+C{p}", "B{r}*C{p}", "SQRT(A{r})"]
    for index, (choice, b) in enumerate(zip([0, 1, 2, 0, 0, 1, 2, 1, 2], [1.5, "t", 1.5, -4.0, 1e308, 1.5, 2.0,
                                                                          None, -1.0])):
        row = index + 3
        sheet.update({f"A{row}": f"=A{1 + index % 2}", f"B{row}": b,
                      f"C{row}": "=" + formulas[choice].format(r=row, p=row - 1)})
    evaluator = WorkbookEvaluator(workbook_from_cells({"S": sheet}))
    fast = evaluator.evaluate([parse_range("S!A3:C11")])[0]
    slow = evaluate({"S": sheet}, ["S!A3:C11"], compile_blocks=False)[0]
    assert all(_same(a, b) for a, b in zip(fast, slow)), (fast, slow)
    (loop,) = evaluator._programs.values()
    assert all(recipe[0] != "slow" for recipe in loop.recipes) and "elif _v == 1:" in loop.source, loop.source


def _column(formula: str, values: list) -> list:
    sheet = {}
    for index, value in enumerate(values):
        sheet[f"A{index + 1}"] = value
        sheet[f"B{index + 1}"] = "=" + formula.format(r=index + 1)
    return evaluate({"S": sheet}, [f"S!B1:B{len(values)}"])[0]


def test_overflow_hidden_by_a_later_operation_is_still_num():
    # 1/(x*1E308*10): the product overflows to inf, and 1/inf would be 0.0 in plain Python.
    assert _column("1/(A{r}*1E308*10)", [1.0, 2.0, 0.5]) == [NUM, NUM, NUM]
    assert _column("_xlfn.LET(_xlpm.big,A{r}*1E308*10,0*_xlpm.big+1)", [1.0, 2.0]) == [NUM, NUM]
    assert _column("TANH(A{r}*1E308*10)", [1.0, -1.0]) == [NUM, NUM]
    assert _column("IF(A{r}*1E308*10>0,1,2)", [1.0, 1.0]) == [NUM, NUM]
    assert _column("MIN(A{r}*1E308*10,1)", [1.0, 1.0]) == [NUM, NUM]


def test_rows_with_other_values_go_to_the_interpreter():
    got = _column("A{r}*2", [1.0, "3", True, None, "x", 0.5])
    assert got == [2.0, 6.0, 2.0, 0.0, VALUE, 1.0]
    assert _column("1/A{r}", [2.0, 0.0, 4.0]) == [0.5, DIV0, 0.25]
    assert _column("A{r}^0.5", [4.0, -4.0, 0.0]) == [2.0, NUM, 0.0]
    assert _column("A{r}^A{r}", [2.0, 0.0, 2.0]) == [4.0, NUM, 4.0]
    assert _column("SQRT(A{r})", [4.0, -1.0, 9.0]) == [2.0, NUM, 3.0]
    assert _column("A{r}>1", [2.0, 0.0]) == [True, False]  # logical results: the interpreter's column


# -- one-row array formulas filled down (a LAMBDA stepping two parameters at once) -------------------------------

STEP = {"STEP": "_xlfn.LAMBDA(_xlpm.p,_xlpm.rate,_xlpm.g,_xlpm.p-_xlpm.rate*_xlpm.g)", "lr": "S!$H$1"}


def _stepping_sheet(rows: int, xs: list, step: str = "STEP(B{r}:C{r},lr,F{r}:G{r})"):
    """b, a in B:C read the row above's D:E; F:G the gradients; D:E one array formula a row."""
    sheet, arrays = {"D1": 1.0, "E1": 1.0, "H1": 0.01}, {}
    for row in range(2, rows + 2):
        p = row - 1
        sheet.update({f"A{row}": xs[(row - 2) % len(xs)], f"B{row}": f"=D{p}", f"C{row}": f"=E{p}",
                      f"F{row}": f"=2*(B{row}+C{row}*A{row}-3)", f"G{row}": f"=F{row}*A{row}",
                      f"D{row}": "=" + step.format(r=row)})
        arrays[f"S!D{row}"] = f"D{row}:E{row}"
    return sheet, arrays


def test_array_row_is_computed_by_the_row_loop():
    rows, xs = 40, [1.0, 2.0, 0.5, -1.5]
    sheet, arrays = _stepping_sheet(rows, xs)
    evaluator = WorkbookEvaluator(workbook_from_cells({"S": sheet}, STEP, arrays))
    got = evaluator.evaluate([parse_range(f"S!D2:E{rows + 1}")])[0]
    b, a, expected = 1.0, 1.0, []
    for row in range(rows):  # the same operations, in Python
        x = xs[row % len(xs)]
        grad_b = 2 * (b + a * x - 3)
        b, a = b - 0.01 * grad_b, a - 0.01 * (grad_b * x)
        expected += [b, a]
    assert got == expected
    (block,) = evaluator._state("S").blocks
    assert set(block.filled) == {2, 3, 4, 5, 6, 7} and block.rows == rows
    (loop,) = evaluator._programs.values()
    assert all(recipe[0] != "slow" for recipe in loop.recipes)  # every column compiled, D:E included


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.sampled_from(["_xlpm.p-_xlpm.rate*_xlpm.g", "SQRT(_xlpm.p)*_xlpm.g", "IF(_xlpm.p>_xlpm.g,_xlpm.p,1/_xlpm.g)",
                             "MAX(_xlpm.p,_xlpm.g)", "MIN(_xlpm.g)", "AND(_xlpm.p>0)+_xlpm.g", "_xlpm.p^_xlpm.g",
                             "_xlfn.LET(_xlpm.v,_xlpm.p*_xlpm.g,_xlpm.v/_xlpm.rate)", "_xlpm.p+ROW()", "_xlpm.g+COLUMN()"]),
       xs=st.lists(st.sampled_from([0.0, 1.0, -2.0, 0.5, 1e200, "t", None, True]), min_size=1, max_size=4),
       rate=st.sampled_from([0.01, 0.0, -1.0, "x"]))
def test_array_rows_agree_with_interpreter(body, xs, rate):
    names = {"STEP": f"_xlfn.LAMBDA(_xlpm.p,_xlpm.rate,_xlpm.g,{body})", "lr": "S!$H$1"}
    sheet, arrays = _stepping_sheet(6, xs)
    sheet["H1"] = rate
    fast = evaluate({"S": sheet}, ["S!B2:G7"], names=names, arrays=arrays)[0]
    slow = evaluate({"S": sheet}, ["S!B2:G7"], names=names, arrays=arrays, compile_blocks=False)[0]
    assert all(_same(a, b) for a, b in zip(fast, slow)), (body, fast, slow)


def test_areas_of_another_width_are_left_to_the_interpreter():
    # F:H is 1x3 against a 1x2 area: Excel's third element is #N/A; the interpreter decides what shows.
    sheet, arrays = _stepping_sheet(4, [1.0], step="STEP(B{r}:C{r},lr,F{r}:H{r})")
    fast = evaluate({"S": sheet}, ["S!D2:E5"], names=STEP, arrays=arrays)[0]
    slow = evaluate({"S": sheet}, ["S!D2:E5"], names=STEP, arrays=arrays, compile_blocks=False)[0]
    assert all(_same(a, b) for a, b in zip(fast, slow))


def test_epoch_boundaries_split_no_block():
    """Epochs as a generated sheet lays them out: the data of epoch k copies epoch 1's rows, and each
    epoch's first row reads the b that entered the last row of the one before."""
    epochs, size, xs = 5, 4, [1.0, 2.0, 0.5, -1.5]
    sheet = {"C1": 1.0, "H1": 0.01}
    for row in range(2, 2 + size * epochs):
        first = row == 2 or (row - 2) % size == 0
        sheet[f"A{row}"] = xs[(row - 2) % size] if row < 2 + size else f"=A{2 + (row - 2) % size}"
        sheet[f"B{row}"] = f"=C{row - 1}" if row == 2 or not first else f"=B{row - 1}"
        sheet[f"D{row}"] = f"=2*(B{row}*A{row}-3)*A{row}"
        sheet[f"C{row}"] = f"=B{row}-$H$1*D{row}"
    evaluator = WorkbookEvaluator(workbook_from_cells({"S": sheet}))
    got = evaluator.evaluate([parse_range(f"S!C2:C{1 + size * epochs}")])[0]
    slow = evaluate({"S": sheet}, [f"S!C2:C{1 + size * epochs}"], compile_blocks=False)[0]
    b, entering, expected = 1.0, 1.0, []
    for row in range(size * epochs):
        if row and row % size == 0:
            b = entering  # the epoch starts again from the b that entered its last row
        entering = b
        b = b - 0.01 * (2 * (b * xs[row % size] - 3) * xs[row % size])
        expected.append(b)
    assert got == slow == expected
    # Epoch boundaries split no block: the first epoch (data in constants), then one block of the others.
    first, rest = evaluator._state("S").blocks
    assert (first.first_row, first.last_row, rest.first_row, rest.last_row) == (2, 5, 6, 1 + size * epochs)
    assert len(evaluator._programs) == 2
    for loop in evaluator._programs.values():
        assert all(recipe[0] != "slow" for recipe in loop.recipes), loop.source  # every column compiled
    kinds = {recipe[0] for loop in evaluator._programs.values() for recipe in loop.recipes}
    assert {"copy", "select"} <= kinds  # the data copied from epoch 1; B's two formulas chosen row by row


# Every kind of code the loop writes, with a piece of its text: the column must be compiled (not handed to its
# interpreter closure) and agree with the interpreter on every value, finite or not.
PATHS = [
    ("IF(AND(A{r}>0,B{r}<1),1,2)", " & "), ("IF(OR(A{r},B{r}),1,2)", " | "), ("IF(NOT(A{r}),1,2)", "(not "),
    ("MIN(A{r}*2)+1", "if t1 - t1 != 0.0"), ("MAX(A{r}*1E308)", "if t1 - t1 != 0.0"), ("MIN(A{r},B{r})", "min("),
    ("MAX(A{r},B{r},1)", "max("), ("ROW()*A{r}", "_row0"), ("COLUMN()+A{r}", "3.0"),
    ("IF(A{r}>0,_xlfn.LET(_xlpm.v,B{r}*1E308,_xlpm.v/A{r}),0)", ":="), ("IF(A{r}>0,1/(B{r}*1E308),0)", "_guard("),
    ("A{r}^2", "_square("), ("A{r}^5", "_wpow("), ("A{r}^B{r}", "_power("), ("POWER(A{r},0.5)", "_power("),
    ("SQ(A{r})", "_square("), ("_xlfn.LAMBDA(_xlpm.x,_xlpm.x/2)(A{r})", "/ 2.0"), ("A{r}%", "/ 100.0"),
    ("IF(A{r},B{r},A{r})", " != 0.0)"), ("-A{r}+lr", "(-x"),
    *((f"{name}(A{{r}}*B{{r}})", f"_{name.lower()}(") for name in FUNCTIONS),
]
PATH_VALUES = [1.0, 0.0, -2.0, 0.5, 1e308, -1e308, -1e-308, 1e9, 134217728.0, -0.0, "t", "2", None, True]
PAIRS = [(a, b) for a in PATH_VALUES for b in PATH_VALUES]


@pytest.mark.parametrize("formula, text", PATHS)
def test_every_path_of_the_loop_agrees_with_interpreter(formula, text):
    sheet = {"F1": 0.5}
    for index, (a, b) in enumerate(PAIRS):
        row = index + 1
        sheet.update({f"A{row}": a, f"B{row}": b, f"C{row}": "=" + formula.format(r=row)})
    names = {"lr": "S!$F$1", "SQ": "_xlfn.LAMBDA(_xlpm.x,_xlpm.x^2)"}
    target = [f"S!C1:C{len(PAIRS)}"]
    evaluator = WorkbookEvaluator(workbook_from_cells({"S": sheet}, names))
    fast = evaluator.evaluate([parse_range(t) for t in target])[0]
    slow = evaluate({"S": sheet}, target, names=names, compile_blocks=False)[0]
    assert all(_same(a, b) for a, b in zip(fast, slow)), (fast, slow)
    (loop,) = evaluator._programs.values()
    assert all(recipe[0] != "slow" for recipe in loop.recipes) and text in loop.source, loop.source


# -- more shapes of block, each compared with the interpreter on every kind of value -----------------------------

def _agree(sheet: dict, target: str, names: dict | None = None, arrays: dict | None = None) -> list:
    """The block's values through the loop, checked bit for bit against the interpreter's."""
    fast = evaluate({"S": sheet, "T": {"A1": 2.0, **{f"B{row}": row / 4 for row in range(1, 40)}}}, [target],
                    names=names, arrays=arrays)[0]
    slow = evaluate({"S": sheet, "T": {"A1": 2.0, **{f"B{row}": row / 4 for row in range(1, 40)}}}, [target],
                    names=names, arrays=arrays, compile_blocks=False)[0]
    assert all(_same(a, b) for a, b in zip(fast, slow)), (fast, slow)
    return fast


MORE_PATHS = {
    # A column reading its own row above, where rows bail: the loop resumes with the value the interpreter gave.
    "row above after a bail": ("C{p}*0.5+A{r}", {}),
    "one-cell array formulas": ("_xlfn.LET(_xlpm.v,A{r},_xlpm.v*2)", {"array": True}),
    "unary plus": ("+A{r}*2", {}),
    "LET of a checked value, outside IF": ("_xlfn.LET(_xlpm.v,MIN(A{r},B{r}),_xlpm.v*2)", {}),
    "LET of a literal": ("_xlfn.LET(_xlpm.v,2,_xlpm.v*A{r})", {}),
    "names of numbers and cells, other sheets": ("half*A{r}+far+T!B{r}", {}),
    "every comparison": ("IF(A{r}=B{r},1,0)+IF(A{r}<=B{r},2,0)+IF(A{r}>=B{r},4,0)+IF(A{r}<>B{r},8,0)", {}),
}


@pytest.mark.parametrize("case", MORE_PATHS)
def test_more_shapes_agree_with_interpreter(case):
    formula, options = MORE_PATHS[case]
    sheet, arrays = {"C1": 1.0}, {}
    for index, (a, b) in enumerate(PAIRS[::4]):
        row = index + 2
        sheet.update({f"A{row}": a, f"B{row}": b, f"C{row}": "=" + formula.format(r=row, p=row - 1)})
        if options.get("array"):
            arrays[f"S!C{row}"] = f"C{row}"
    got = _agree(sheet, f"S!C2:C{len(PAIRS[::4]) + 1}", names={"half": "0.5", "far": "T!$A$1"}, arrays=arrays)
    assert sum(type(value) is float for value in got) > 10
