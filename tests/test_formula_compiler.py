"""The generated row loop against the interpreter: the same values, bit for bit, on any formula.

The loop computes with bare floats and hands a row to the interpreter at the
first sign of anything else; these tests make sure it never returns a number
where Excel's rules give something different.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlgen.formula.memory import evaluate
from xlgen.values import DIV0, NUM, VALUE

ROWS = 5
LEAVES = st.sampled_from(["0", "1", "2", "0.5", "3", "0.1", "1E308", "1E-308", "A{r}", "B{r}", "A{r}", "B{r}",
                          "C{p}", "D{p}", "$F$1", "lr"])
CELL_VALUES = st.sampled_from([0.0, 1.0, -2.0, 3.5, 0.25, 1e300, -1e-300, 100.0, "txt", "2", True, None])


def _formulas():
    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(lambda t: f"({t[0]}{t[1]}{t[2]})"),
            inner.map(lambda x: f"-{x}"),
            st.tuples(st.sampled_from(["SQRT", "EXP", "LN", "ABS", "SIGN", "TANH", "SIN", "LOG10"]), inner)
              .map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(inner, st.sampled_from(["<", ">", "=", "<>", "<=", ">="]), inner, inner, inner)
              .map(lambda t: f"IF({t[0]}{t[1]}{t[2]},{t[3]},{t[4]})"),
            st.tuples(inner, inner).map(lambda t: f"_xlfn.LET(_xlpm.v,{t[0]},_xlpm.v*{t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"SQ({t[0]})+MAX({t[0]},{t[1]})"),
            st.tuples(inner, inner).map(lambda t: f"_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a/_xlpm.b)({t[0]},{t[1]})"),
        )
    return st.recursive(LEAVES, extend, max_leaves=8)


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
