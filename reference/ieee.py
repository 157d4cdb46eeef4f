"""IEEE double arithmetic that never raises, for the few operations where Python does.

Python floats are IEEE doubles, but ``**`` raises ``OverflowError`` on
overflow, ``/`` raises ``ZeroDivisionError`` and ``math.sqrt`` raises on a
negative number. The reference wants the IEEE results instead (``inf``,
``nan``): they are its marks for the cells a spreadsheet shows as ``#NUM!`` or
``#DIV/0!``.

Powers use the C library's ``pow`` (Python's ``**`` on floats), as
spreadsheet engines do: numpy's ``x**2`` squares by multiplication, which
differs from ``pow`` by one ulp in about one case in a thousand.
"""

from __future__ import annotations

import math

INF = math.inf
NAN = math.nan


def power(base: float, exponent: float) -> float:
    """``base ** exponent``; ``inf`` on overflow, ``nan`` where pow is undefined."""
    try:
        result = base**exponent
    except OverflowError:
        return INF if exponent % 2 == 0 or base > 0 else -INF
    except ZeroDivisionError:
        return INF
    return NAN if isinstance(result, complex) else result


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
