"""Excel's storage rules for formula text, against examples written out by hand from XlsxWriter's documentation
and tests, and against XlsxWriter's own list of future functions."""

import inspect
import re

import pytest
from xlsxwriter.worksheet import Worksheet

from xlgen.formula.excel_functions import FUTURE_FUNCTIONS, WORKSHEET_FUTURE_FUNCTIONS, evaluated, is_future
from xlgen.storage import is_valid_parameter_name, to_display, to_file

CASES = [
    # (as typed, as Excel stores it)
    ("=LET(err, B4-E4, err^2)", "=_xlfn.LET(_xlpm.err, B4-E4, _xlpm.err^2)"),
    ("=LAMBDA(temp, (5/9) * (temp-32))(32)", "=_xlfn.LAMBDA(_xlpm.temp, (5/9) * (_xlpm.temp-32))(32)"),
    ("=ToCelsius(212)", "=ToCelsius(212)"),  # a LAMBDA name is called as written
    ("=LET(\n    x, 2,\n    x*3\n)", "=_xlfn.LET(\n    _xlpm.x, 2,\n    _xlpm.x*3\n)"),  # layout kept
    ("=MAP(A1:A3, LAMBDA(v, v*2))", "=_xlfn.MAP(A1:A3, _xlfn.LAMBDA(_xlpm.v, _xlpm.v*2))"),
    ("=SORT(A1:A4)+FILTER(B1:B4,B1:B4>0)", "=_xlfn._xlws.SORT(A1:A4)+_xlfn._xlws.FILTER(B1:B4,B1:B4>0)"),
    ("=SEQUENCE(3)", "=_xlfn.SEQUENCE(3)"),
    ("=IF(A1>0,\"LET(x,1,x)\",'LET sheet'!B2)", "=IF(A1>0,\"LET(x,1,x)\",'LET sheet'!B2)"),  # text untouched
    # a LET parameter shadows a workbook name only inside its LET
    ("=LET(lr, 2, lr*3)+lr", "=_xlfn.LET(_xlpm.lr, 2, _xlpm.lr*3)+lr"),
    ("=LET(f, LAMBDA(v, v+1), f(2))", "=_xlfn.LET(_xlpm.f, _xlfn.LAMBDA(_xlpm.v, _xlpm.v+1), _xlpm.f(2))"),
    ("=SQRT(SUMSQ(F4:F32))/COUNT(F4:F32)", "=SQRT(SUMSQ(F4:F32))/COUNT(F4:F32)"),
    # future functions beyond dynamic arrays
    ("=CEILING.MATH(A1)+FLOOR.MATH(A2)", "=_xlfn.CEILING.MATH(A1)+_xlfn.FLOOR.MATH(A2)"),
    ("=AGGREGATE(9,6,A1:A3)*NORM.S.DIST(1,TRUE)", "=_xlfn.AGGREGATE(9,6,A1:A3)*_xlfn.NORM.S.DIST(1,TRUE)"),
    # implicit intersection and spill references (rust_xlsxwriter's formula tests: SINGLE, ANCHORARRAY)
    ("=@A1:A3", "=_xlfn.SINGLE(A1:A3)"),
    ("=SUM(@A1:A3, 1)", "=SUM(_xlfn.SINGLE(A1:A3), 1)"),
    ("=A1#", "=_xlfn.ANCHORARRAY(A1)"),
    ("=COUNTA(C1#)", "=COUNTA(_xlfn.ANCHORARRAY(C1))"),
    ("=ROWS(Data!$B$2#)", "=ROWS(_xlfn.ANCHORARRAY(Data!$B$2))"),
    # an optional LAMBDA parameter, as Excel saved it
    ("=LAMBDA(x,[y], x + IF(ISOMITTED(y), 10, y))(1)",
     "=_xlfn.LAMBDA(_xlpm.x,_xlop.y, _xlpm.x + IF(_xlfn.ISOMITTED(_xlpm.y), 10, _xlpm.y))(1)"),
    # a LET name that is also a sheet's name: the sheet reference stays
    ("=LET(data, 2, data!A1*data)", "=_xlfn.LET(_xlpm.data, 2, data!A1*_xlpm.data)"),
    ("=Table1[@Col]+1", "=Table1[@Col]+1"),  # structured references untouched
]


@pytest.mark.parametrize("typed, stored", CASES)
def test_to_file_applies_excels_prefixes(typed, stored):
    assert to_file(typed) == stored


@pytest.mark.parametrize("typed, stored", CASES)
def test_rules_are_idempotent_and_reversible(typed, stored):
    assert to_file(stored) == stored
    assert to_display(stored) == typed


@pytest.mark.parametrize("name, valid", [
    ("lr", True), ("fd_step", True), ("grad_avg_b0", True), ("b_0", True),
    ("b0", False), ("ADD2", False), ("LR1", False), ("r", False), ("C", False), ("R1C1", False),
])
def test_parameter_names_that_look_like_cells_are_refused(name, valid):
    assert is_valid_parameter_name(name) is valid


def _xlsxwriter_future_functions() -> dict[str, str]:
    """Name -> stored prefix, read from XlsxWriter's own expansion of future functions."""
    source = inspect.getsource(Worksheet._prepare_formula)
    return {name: prefix for prefix, name in re.findall(r'"(_xlfn\.(?:_xlws\.)?)([A-Z0-9.]+)\(', source)}


def test_future_functions_are_xlsxwriters_list():
    theirs = _xlsxwriter_future_functions()
    assert len(theirs) > 150  # the source still holds the list this test reads
    assert {name for name, prefix in theirs.items() if prefix == "_xlfn._xlws."} == WORKSHEET_FUTURE_FUNCTIONS
    assert {name for name, prefix in theirs.items() if prefix == "_xlfn."} == FUTURE_FUNCTIONS


@pytest.mark.parametrize("name", sorted(_xlsxwriter_future_functions()))
def test_each_future_function_stored_as_xlsxwriter_stores_it(name):
    expanded = Worksheet()._prepare_formula(f"{name}(A1)", expand_future_functions=True)
    assert to_file(f"={name}(A1)") == "=" + expanded


def test_every_function_the_evaluator_computes_is_stored_right():
    theirs = _xlsxwriter_future_functions()
    for name in evaluated():
        assert is_future(name) == (name in theirs), name
    assert {"CEILING.MATH", "FLOOR.MATH", "SINGLE", "ANCHORARRAY", "LET", "LAMBDA", "ISOMITTED"} <= evaluated()
