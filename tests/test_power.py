"""Excel's power: whole exponents by multiplication. The reference and the fast engine implement it separately."""

import math

from hypothesis import given
from hypothesis import strategies as st

from reference.ieee import power as reference_power
from tests.conftest import anchor_figures
from xlgen.formula.operators import power as excel_power
from xlgen.values import DIV0, NUM


def test_excels_cached_values_in_the_mom_bias_anchor():
    """mom_bias's Sheet1: E5:E13 = 1-$E$2^B5 ... with E2 = 0.9, B = 1..9, and J2 = I2^J1 = 0.99^8, as Excel cached."""
    sheet = anchor_figures("mom_bias-course-v3.xlsx")["Sheet1"]
    assert (sheet["E2"], sheet["I2"], sheet["J1"]) == (0.9, 0.99, 8.0)
    for row in range(5, 14):
        assert sheet.formulas[(row, 5)] == f"1-$E$2^B{row}"
        n = sheet[f"B{row}"]
        assert 1 - reference_power(0.9, n) == sheet[f"E{row}"]
        assert 1 - excel_power(0.9, n) == sheet[f"E{row}"]
    assert sheet["E8"] == 0.3438999999999999 and math.pow(0.9, 4) != reference_power(0.9, 4)  # pow gives 0.6561
    assert sheet.formulas[(2, 10)] == "I2^J1"
    assert reference_power(0.99, 8) == excel_power(0.99, 8.0) == sheet["J2"]


def test_special_cases():
    assert math.isnan(reference_power(0.0, 0)) and excel_power(0.0, 0.0) is NUM
    assert math.isnan(reference_power(0.0, -1)) and excel_power(0.0, -1.0) is DIV0
    assert math.isnan(reference_power(-8.0, 1 / 3)) and excel_power(-8.0, 1 / 3) is NUM
    assert reference_power(-2.0, 3) == excel_power(-2.0, 3.0) == -8.0
    assert reference_power(1e200, 2) == math.inf and excel_power(1e200, 2.0) is NUM
    assert reference_power(2.0, 0.5) == excel_power(2.0, 0.5) == math.sqrt(2.0)


@given(st.floats(-1e3, 1e3, allow_nan=False).filter(lambda v: v != 0),
       st.one_of(st.integers(-60, 60).map(float), st.floats(-8, 8, allow_nan=False)))
def test_reference_and_engine_agree_bit_for_bit(base, exponent):
    expected = reference_power(base, exponent)
    got = excel_power(base, exponent)
    if math.isfinite(expected):
        assert got == expected
    else:
        assert got in (NUM, DIV0)
