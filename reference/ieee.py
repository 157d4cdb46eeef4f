"""IEEE double arithmetic that never raises, for the few operations where Python does.

Python floats are IEEE doubles, but ``**`` raises ``OverflowError`` on
overflow, ``/`` raises ``ZeroDivisionError`` and ``math.sqrt`` raises on a
negative number. The reference wants the IEEE results instead (``inf``,
``nan``): they are its marks for the cells a spreadsheet shows as ``#NUM!`` or
``#DIV/0!``.

Powers are computed as Excel computes them: a whole exponent by
multiplication (``x^2`` is ``x*x``, ``x^4`` is ``(x*x)*(x*x)``), any other by
the C library's ``pow``. The two differ by an ulp now and then: ``0.9^4`` is
0.6561000000000001 by multiplication (Excel's cached value in the mom_bias
workbook) and 0.6561 by ``pow``.
"""

from __future__ import annotations

import math

INF = math.inf
NAN = math.nan


def power(base: float, exponent: float) -> float:
    """``base`` to the ``exponent``, as Excel computes it; ``inf`` on overflow, ``nan`` where undefined."""
    if exponent == 2:  # the squared errors of every sheet: _multiplied's answer, without its loop
        return base * base
    if float(exponent).is_integer() and abs(exponent) < 2**53:
        return _multiplied(base, int(exponent))
    try:
        result = base**exponent
    except OverflowError:
        return INF if exponent % 2 == 0 or base > 0 else -INF
    except ZeroDivisionError:
        return INF
    return NAN if isinstance(result, complex) else result


def _multiplied(base: float, exponent: int) -> float:
    """``base`` multiplied by itself: square and multiply over the bits of the exponent."""
    if exponent == 0:
        return NAN if base == 0 else 1.0  # Excel: 0^0 is #NUM!
    if exponent < 0:
        positive = _multiplied(base, -exponent)
        return NAN if positive == 0 and base == 0 else (INF if positive == 0 else 1.0 / positive)
    result = None
    square = base
    while True:
        if exponent & 1:
            result = square if result is None else result * square
        exponent >>= 1
        if not exponent:
            return result
        square = square * square


def divide(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; a zero denominator gives ``nan`` (the sheet shows ``#DIV/0!``)."""
    if denominator == 0:
        return NAN
    return numerator / denominator


def sqrt(value: float) -> float:
    """``math.sqrt``; ``nan`` for a negative number (the sheet shows ``#NUM!``)."""
    return math.sqrt(value) if value >= 0 else NAN


def is_mark(value: float) -> bool:
    """True for ``inf``/``nan``: a value the sheet shows as an error."""
    return not math.isfinite(value)
