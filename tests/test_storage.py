"""Excel's storage rules for formula text, against examples written out by hand from XlsxWriter's documentation."""

import pytest

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
