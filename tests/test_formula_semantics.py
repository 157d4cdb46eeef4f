"""Excel's rules, formula by formula, with values worked out by hand (or by the same float operations in Python).

Every case runs twice: through the generated row loop and through the
interpreter alone, which must agree (the formulas sit in a filled-down block
so the loop is used where it can be).
"""

from __future__ import annotations

import math

import pytest

from xlgen.errors import CircularReference, XlgenError
from xlgen.formula.memory import evaluate
from xlgen.values import CALC, DIV0, NA, NAME, NULL, NUM, REF, VALUE, Unsupported

DATA = {"A1": 2.0, "A2": -3.0, "A3": "text", "A4": True, "A5": None, "A6": "12", "A7": 0.0, "A8": 1e308,
        "B1": 1.0, "B2": 2.0, "B3": 3.0, "B4": 4.0, "C1": NA, "C2": DIV0}

CASES = [
    # arithmetic and precedence
    ("=-2^2", 4.0),
    ("=2^3^2", 64.0),
    ("=2*-3^2", 18.0),
    ("=1+2*3", 7.0),
    ("=(1+2)*3", 9.0),
    ("=50%", 0.5),
    ("=2^50%", math.pow(2.0, 0.5)),
    ("=0.1+0.2", 0.1 + 0.2),
    ("=1/3*3", 1 / 3 * 3),
    ("=7/2", 3.5),
    ("=2^0.5", math.pow(2.0, 0.5)),
    ("=(-8)^3", -512.0),
    # Excel's errors from arithmetic
    ("=0^0", NUM),
    ("=0^-1", DIV0),
    ("=(-8)^(1/3)", NUM),
    ("=1/0", DIV0),
    ("=A7/A7", DIV0),
    ("=1E308*10", NUM),
    ("=1/(1E308*10)", NUM),
    ("=A8+A8-A8", NUM),
    ("=10^400", NUM),
    ("=SQRT(-1)", NUM),
    ("=LN(0)", NUM),
    ("=LOG10(-1)", NUM),
    ("=EXP(1000)", NUM),
    # empty cells, logicals, text in arithmetic
    ("=A5+1", 1.0),
    ("=A5", 0.0),
    ("=A5&\"x\"", "x"),
    ("=A4+1", 2.0),
    ("=TRUE*3", 3.0),
    ("=A6*2", 24.0),
    ("=\" 1.5 \"+1", 2.5),
    ("=\"1e3\"+0", 1000.0),
    ("=\"50%\"*2", 1.0),
    ("=A3+1", VALUE),
    ("=-A3", VALUE),
    # error propagation: the first error from the left
    ("=C1+C2", NA),
    ("=C2+C1", DIV0),
    ("=A3+C1", NA),  # an error operand wins over a failed conversion
    ("=1/0+SQRT(-1)", DIV0),
    ("=SQRT(C2)", DIV0),
    # text
    ("=\"a\"&\"b\"", "ab"),
    ("=\"x\"&1.5", "x1.5"),
    ("=\"x\"&TRUE", "xTRUE"),
    ("=1/3&\"\"", "0.333333333333333"),
    ("=\"A\"&C1", NA),
    # comparisons: numbers < text < logicals, text ignores case
    ("=1<\"a\"", True),
    ("=\"a\"<TRUE", True),
    ("=\"abc\"=\"ABC\"", True),
    ("=\"a\"<\"B\"", True),
    ("=A5=0", True),
    ("=A5=\"\"", True),
    ("=2<>2", False),
    ("=C2=1", DIV0),
    # logic
    ("=IF(A1>1,\"big\",\"small\")", "big"),
    ("=IF(FALSE,1)", False),
    ("=IF(TRUE,,1)", 0.0),
    ("=IF(FALSE,1/0,5)", 5.0),
    ("=IF(\"TRUE\",1,2)", 1.0),
    ("=IF(A3,1,2)", VALUE),
    ("=AND(TRUE,1,A1>0)", True),
    ("=AND(TRUE,FALSE)", False),
    ("=AND(FALSE,1/0)", DIV0),
    ("=OR(FALSE,0)", False),
    ("{=OR(B1:B4>3)}", True),
    ("=OR(B1:B4>3)", VALUE),  # a plain formula in row 11: B1:B4 has no cell in that row
    ("=NOT(0)", True),
    ("=IFERROR(1/0,7)", 7.0),
    ("=IFERROR(3,7)", 3.0),
    ("=ISERROR(C1)", True),
    ("=ISERROR(1)", False),
    ("=ISNUMBER(A1)", True),
    ("=ISNUMBER(A6)", False),
    ("=ISNUMBER(A5)", False),
    # numeric functions (math module values)
    ("=MAX(A1,B1:B4)", 4.0),
    ("=MIN(A1:A8)", -3.0),
    ("=MAX(A3:A5)", 0.0),
    ("=MAX(\"5\",1)", 5.0),
    ("=ABS(-2.5)", 2.5),
    ("=SIGN(-0.1)", -1.0),
    ("=SIGN(0)", 0.0),
    ("=SIN(1)", math.sin(1.0)),
    ("=COS(1)", math.cos(1.0)),
    ("=TANH(0.5)", math.tanh(0.5)),
    ("=EXP(1)", math.exp(1.0)),
    ("=LN(10)", math.log(10.0)),
    ("=LOG10(1000)", 3.0),
    ("=SQRT(2)", math.sqrt(2.0)),
    ("=POWER(3,2)", 9.0),
    ("=POWER(0,0)", NUM),
    ("=SIN(1E10)", NUM),
    # aggregates: references skip text, logicals and blanks; direct arguments do not
    ("=SUM(A1:A8)", 2.0 + -3.0 + 0.0 + 1e308),
    ("=SUM(B1:B4)", 10.0),
    ("=SUM(1,TRUE,\"2\")", 4.0),
    ("=SUM(\"x\")", VALUE),
    ("=SUM(B1:B4,C1)", NA),
    ("=SUMSQ(B1:B4)", 30.0),
    ("=SUMPRODUCT(B1:B4,B1:B4)", 30.0),
    ("=SUMPRODUCT(B1:B2,B1:B3)", VALUE),
    ("=COUNT(A1:A8)", 4.0),
    ("=COUNT(1,\"2\",\"x\",TRUE)", 3.0),
    ("=AVERAGE(B1:B4)", 2.5),
    ("=AVERAGE(A3:A5)", DIV0),
    ("=_xlfn.VAR.P(B1:B4)", 1.25),
    # shape and reference functions
    ("=INDEX(B1:B4,3)", 3.0),
    ("=INDEX({1,2;3,4},2,1)", 3.0),
    ("=INDEX(B1:B4,5)", REF),
    ("=ROWS(A1:B4)", 4.0),
    ("=COLUMNS(A1:B4)", 2.0),
    ("=ROW(B3)", 3.0),
    ("=COLUMN(B3)", 2.0),
    ("=SUM(INDEX(B1:B4,2):B4)", 9.0),
    # arrays: elementwise, broadcast like dynamic arrays
    ("=SUM({1,2;3,4}*2)", 20.0),
    ("=SUM({1,2}*{10;20})", 90.0),
    ("{=SUM(B1:B4*B1:B4)}", 30.0),
    ("=SUM(B1:B4*B1:B4)", VALUE),
    ("=SUMPRODUCT(B1:B4*B1:B4)", 30.0),  # SUMPRODUCT reads its arguments as arrays in any formula
    ("{=SUM(IF(B1:B4>2,B1:B4,0))}", 7.0),
    ("=SUM({1,2,3}*{4,5,6})", 32.0),  # array constants are arrays in any formula
    ("=SUM(_xlfn.SEQUENCE(4))", 10.0),
    ("=INDEX(_xlfn.SEQUENCE(2,3,10,5),2,3)", 35.0),
    ("=ROWS({1;2;3}+{1,2})", 3.0),
    ("=INDEX({1,2,3}+{1,2},1,3)", NA),
    # LET and LAMBDA
    ("=_xlfn.LET(_xlpm.x,2,_xlpm.y,_xlpm.x*3,_xlpm.x+_xlpm.y)", 8.0),
    ("=_xlfn.LET(_xlpm.err,B4-B1,_xlpm.err^2)", 9.0),
    ("=_xlfn.LET(_xlpm.r,B1:B4,ROWS(_xlpm.r))", 4.0),
    ("=_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b)(1,2)", 3.0),
    ("=_xlfn.LET(_xlpm.f,_xlfn.LAMBDA(_xlpm.x,_xlpm.x*_xlpm.x),_xlpm.f(5))", 25.0),
    ("=_xlfn.LAMBDA(_xlpm.a,_xlpm.a)(1,2)", VALUE),
    ("=_xlfn.LAMBDA(_xlpm.a,_xlpm.a)", CALC),
    ("=_xlfn.MAP({1,2,3},_xlfn.LAMBDA(_xlpm.v,_xlpm.v*2))", 2.0),
    ("=SUM(_xlfn.MAP({1,2,3},_xlfn.LAMBDA(_xlpm.v,_xlpm.v*2)))", 12.0),
    ("=_xlfn.REDUCE(0,B1:B4,_xlfn.LAMBDA(_xlpm.acc,_xlpm.v,_xlpm.acc+_xlpm.v^2))", 30.0),
    ("=INDEX(_xlfn.SCAN(0,B1:B4,_xlfn.LAMBDA(_xlpm.acc,_xlpm.v,_xlpm.acc+_xlpm.v)),4)", 10.0),
    ("=SUM(_xlfn.MAKEARRAY(2,3,_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*_xlpm.c)))", 18.0),
    # names
    ("=lr*2", 0.02),
    ("=SUM(data)", 10.0),
    ("=ADDONE(ADDONE(1))", 3.0),
    ("=SQERR(3,1)", 4.0),
    ("=HYP(3,4)", 5.0),
    ("=FACT(5)", 120.0),
    ("=nothere+1", NAME),
    # references
    ("=Other!A1*2", 20.0),
    ("='Other'!A1:A2 Other!A2:A3", 11.0),
    ("=B1:B2 B3:B4", NULL),
    ("=Missing!A1", REF),
    ("=#REF!", REF),
]

NAMES = {
    "lr": "0.01",
    "data": "S!$B$1:$B$4",
    "ADDONE": "_xlfn.LAMBDA(_xlpm.x,_xlpm.x+1)",
    "SQERR": "_xlfn.LAMBDA(_xlpm.y,_xlpm.p,(_xlpm.y-_xlpm.p)^2)",
    "HYP": "_xlfn.LAMBDA(_xlpm.a,_xlpm.b,SQRT(SQERR(_xlpm.a,0)+SQERR(_xlpm.b,0)))",
    "FACT": "_xlfn.LAMBDA(_xlpm.n,IF(_xlpm.n<=1,1,_xlpm.n*FACT(_xlpm.n-1)))",
}


def _run(formula: str, compile_blocks: bool) -> object:
    """Three rows of the same formula (a block), plus the data; the middle row is the answer.

    ``{=...}`` is an array formula (stored with t="array", as Excel stores dynamic-array formulas).
    """
    sheet = dict(DATA)
    array = formula.startswith("{")
    arrays = {}
    for row in (10, 11, 12):
        sheet[f"E{row}"] = formula[1:-1] if array else formula
        if array:
            arrays[f"S!E{row}"] = f"E{row}"
    sheets = {"S": sheet, "Other": {"A1": 10.0, "A2": 11.0, "A3": 12.0}}
    return evaluate(sheets, ["S!E11"], names=NAMES, arrays=arrays, compile_blocks=compile_blocks)[0][0]


@pytest.mark.parametrize("formula, expected", CASES, ids=[case[0] for case in CASES])
def test_formula(formula, expected):
    for compile_blocks in (True, False):
        got = _run(formula, compile_blocks)
        assert type(got) is type(expected) and got == expected, (compile_blocks, got)


def test_recursion_beyond_the_depth_limit_is_num():
    names = {"DOWN": "_xlfn.LAMBDA(_xlpm.n,IF(_xlpm.n<=0,0,DOWN(_xlpm.n-1)))"}
    assert evaluate({"S": {"A1": "=DOWN(100)", "A2": "=DOWN(5000)"}}, ["S!A1:A2"], names=names) == [[0.0, NUM]]


def test_sheet_names_override_workbook_names():
    names = {"rate": "1", "S!rate": "2"}
    got = evaluate({"S": {"A1": "=rate"}, "T": {"A1": "=rate"}}, ["S!A1", "T!A1"], names=names)
    assert got == [[2.0], [1.0]]


def test_names_are_case_insensitive():
    got = evaluate({"S": {"A1": "=RATE*_xlfn.LET(_xlpm.X,2,_xlpm.x)"}}, ["S!A1"], names={"rate": "3"})
    assert got == [[6.0]]


def test_unsupported_function_names_the_cell():
    (value,), = evaluate({"S": {"A1": "=RAND()", "B2": "=A1+1", "C3": "=FOOBAR(1)"}}, ["S!B2"])
    assert type(value) is Unsupported
    assert value.reason.startswith("unsupported function RAND") and value.reason.endswith("at S!A1")
    (value,), = evaluate({"S": {"C3": "=FOOBAR(1)"}}, ["S!C3"])
    assert value.reason == "unsupported function FOOBAR at S!C3"
    for formula in ("=INDIRECT(\"A1\")", "=OFFSET(A1,1,1)", "=NOW()", "=[1]Sheet1!A1", "=WEBSERVICE(\"x\")"):
        (value,), = evaluate({"S": {"A1": formula}}, ["S!A1"])
        assert type(value) is Unsupported, formula


def test_errors_caught_by_iferror_but_not_unsupported_values():
    values = evaluate({"S": {"A1": "=IFERROR(RAND(),0)", "A2": "=ISERROR(RAND())"}}, ["S!A1:A2"])[0]
    assert all(type(v) is Unsupported for v in values)


def test_only_needed_cells_are_evaluated():
    sheets = {"S": {"A1": "=RANDBETWEEN(1,10)", "B1": 5.0, "C1": "=B1*2"}, "T": {"A1": "=1/0"}}
    assert evaluate(sheets, ["S!C1"]) == [[10.0]]


def test_circular_reference():
    with pytest.raises(CircularReference, match=r"S!A[12]"):
        evaluate({"S": {"A1": "=A2+1", "A2": "=A1+1"}}, ["S!A1"])
    with pytest.raises(CircularReference, match=r"S!A1"):
        evaluate({"S": {"A1": "=A1"}}, ["S!A1"])
    # a loop across the columns of a filled-down block
    sheet = {f"{c}{r}": f"={'B' if c == 'A' else 'A'}{r}+1" for r in range(1, 6) for c in "AB"}
    with pytest.raises(CircularReference):
        evaluate({"S": sheet}, ["S!A3"])


def test_row_of_own_cell_is_not_circular():
    sheet = {f"A{r}": f"=ROW(A{r})*2" for r in range(1, 5)}
    assert evaluate({"S": sheet}, ["S!A1:A4"]) == [[2.0, 4.0, 6.0, 8.0]]


def test_plain_formulas_narrow_ranges_to_their_row_or_column():
    sheet = {"A1": 1.0, "A2": 2.0, "A3": 3.0, "C1": 10.0, "D1": 20.0,
             "B2": "=A1:A3*10", "B3": "=ABS(A1:A3)", "D4": "=C1:D1+1", "B5": "=A1:A3", "B6": "=A1:B2"}
    assert evaluate({"S": sheet}, ["S!B2:B3", "S!D4", "S!B5:B6"]) == [[20.0, 3.0], [21.0], [VALUE, VALUE]]


def test_array_formula_fills_its_area():
    sheets = {"S": {"A1": 1.0, "A2": 2.0, "A3": 3.0, "B1": "=A1:A3*10", "C1": "=_xlfn.SEQUENCE(1,2)",
                    "D1": "=SUM(B1:B3)", "E1": "=SUM(_xlfn.ANCHORARRAY(B1))"}}
    got = evaluate(sheets, ["S!B1:B3", "S!C1:D1", "S!E1"], arrays={"S!B1": "B1:B3", "S!C1": "C1:C1"})
    assert got == [[10.0, 20.0, 30.0], [1.0, 60.0], [60.0]]


def test_array_formula_larger_than_its_result():
    got = evaluate({"S": {"A1": "={1,2}"}}, ["S!A1:C2"], arrays={"S!A1": "A1:C2"})
    assert got == [[1.0, 2.0, NA, 1.0, 2.0, NA]]


def test_plain_formula_returning_an_array_shows_its_top_left():
    sheets = {"S": {"A1": 1.0, "A2": 2.0, "A3": 3.0, "B1": "=_xlfn.SEQUENCE(3)*5", "B2": "=A1:A3", "C5": "=A1:A3"}}
    assert evaluate(sheets, ["S!B1:B2", "S!C5"]) == [[5.0, 2.0], [VALUE]]


def test_sgd_recurrence_in_a_block_matches_python():
    rows = 50
    sheet = {"F1": 1e-4, "C1": 1.0, "C2": 1.0}
    expected = []
    b = a = 1.0
    for r in range(4, 4 + rows):
        x = float(r % 7 + 3)
        sheet[f"A{r}"], sheet[f"B{r}"] = x, 2 * x + 30
        sheet[f"C{r}"] = "=$C$1" if r == 4 else f"=E{r - 1}"
        sheet[f"D{r}"] = "=$C$2" if r == 4 else f"=F{r - 1}"
        sheet[f"G{r}"] = f"=2*(C{r}+D{r}*A{r}-B{r})"
        sheet[f"E{r}"] = f"=C{r}-G{r}*$F$1"
        sheet[f"F{r}"] = f"=D{r}-G{r}*A{r}*$F$1"
        g = 2 * (b + a * x - (2 * x + 30))
        expected += [b, a, b - g * 1e-4, a - g * x * 1e-4, g]
        b, a = b - g * 1e-4, a - g * x * 1e-4
    for compile_blocks in (True, False):
        got = evaluate({"S": sheet}, [f"S!C4:G{3 + rows}"], compile_blocks=compile_blocks)[0]
        assert got == expected


def test_a_bad_row_in_a_block_is_computed_by_the_interpreter():
    sheet = {}
    for r in range(1, 8):
        sheet[f"A{r}"] = {3: 0.0, 5: "x"}.get(r, float(r))
        sheet[f"B{r}"] = f"=1/A{r}+B{r - 1}" if r > 1 else "=1/A1"
    got = evaluate({"S": sheet}, ["S!B1:B7"])[0]
    assert got == [1.0, 1.5, DIV0, DIV0, VALUE, VALUE, VALUE]  # 1/"x" comes before the #DIV/0! of B4
    sheet["A3"] = 4.0
    got = evaluate({"S": sheet}, ["S!B1:B7"])[0]
    assert got[:4] == [1.0, 1.5, 1.75, 2.0] and got[4:] == [VALUE, VALUE, VALUE]


def test_missing_sheet_in_requested_range():
    with pytest.raises(XlgenError, match="no sheet named"):
        evaluate({"S": {"A1": 1.0}}, ["Nope!A1"])
