"""Excel's operators on values: arithmetic, comparison and ``&``, elementwise over arrays.

Arithmetic converts both operands to numbers (:func:`.coerce.to_number`). An
operand that is an error gives the result, the left one first; only then can
a conversion fail (``"a"+1/0`` is ``#DIV/0!``, ``"a"+1`` is ``#VALUE!``). Every result that is not
a finite double is ``#NUM!``, so an overflow is an error even when a later
operation would have hidden it (``1/(1E308*10)`` is ``#NUM!``, not 0). The
arithmetic itself is Python's float arithmetic, bit for bit: ``+ - * /`` are
IEEE operations and ``^`` is Excel's power (whole exponents by multiplication, others ``math.pow``) with its special cases:
``0^0`` is ``#NUM!``, ``0^-1`` is ``#DIV/0!`` and a negative base with a
non-integer exponent is ``#NUM!``.

When an operand is an :class:`~.operands.Array`, the operator applies element
by element with Excel's broadcasting (a single row or column repeats; other
size mismatches give ``#N/A`` where an operand has no element).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..values import DIV0, NUM, VALUE, ExcelError, Unsupported
from .coerce import compare, to_number, to_text
from .operands import Array, broadcast_shape


def add(x: float, y: float) -> object:
    result = x + y
    return result if result - result == 0.0 else NUM


def subtract(x: float, y: float) -> object:
    result = x - y
    return result if result - result == 0.0 else NUM


def multiply(x: float, y: float) -> object:
    result = x * y
    return result if result - result == 0.0 else NUM


def divide(x: float, y: float) -> object:
    if y == 0.0:
        return DIV0
    result = x / y
    return result if result - result == 0.0 else NUM


WHOLE_EXPONENT_LIMIT = 2.0**53  # every whole number below this is exact in a double


def whole_power(x: float, n: int) -> float:
    """``x^n`` for a whole ``n`` as Excel computes it: by multiplication (square and multiply), not ``pow``.

    Excel's cached values show it: in the mom_bias anchor ``1-0.9^4`` is
    0.3438999999999999, from 0.9·0.9·0.9·0.9 = 0.6561000000000001, where
    ``math.pow(0.9, 4)`` is 0.6561. For n ≤ 3 every order of the products is
    the same; above that the anchors cannot tell square-and-multiply from left
    to right, and square-and-multiply is what runtime libraries use.
    """
    result, base, k = 1.0, x, abs(n)
    while k:
        if k & 1:
            result *= base
        k >>= 1
        if k:
            base *= base
    if n < 0:
        return math.inf if result == 0.0 else 1.0 / result
    return result


def power(x: float, y: float) -> object:
    """``x^y`` with Excel's errors: whole exponents by multiplication, others by ``math.pow``."""
    if x == 0.0:
        if y == 0.0:
            return NUM
        if y < 0.0:
            return DIV0
    elif x < 0.0 and not y.is_integer():
        return NUM
    if y.is_integer() and abs(y) < WHOLE_EXPONENT_LIMIT:
        result = whole_power(x, int(y))
    else:
        try:
            result = math.pow(x, y)
        except (OverflowError, ValueError):
            return NUM
    return result if result - result == 0.0 else NUM


ARITHMETIC: dict[str, Callable[[float, float], object]] = {
    "+": add, "-": subtract, "*": multiply, "/": divide, "^": power,
}


def _failure(value: object) -> bool:
    kind = type(value)
    return kind is ExcelError or kind is Unsupported


def _binary(function: Callable[[object, object], object], convert: Callable[[object], object],
            kind: type) -> Callable[[object, object], object]:
    """An Excel binary operator: arrays elementwise, an error operand first, then both operands converted."""
    def apply(left: object, right: object) -> object:
        if type(left) is Array or type(right) is Array:
            return elementwise(apply, left, right)
        # An error operand wins over a conversion that would fail: "a"+1/0 is #DIV/0!, not #VALUE!.
        if _failure(left):
            return left
        if _failure(right):
            return right
        x = convert(left)
        if type(x) is not kind:
            return x
        y = convert(right)
        if type(y) is not kind:
            return y
        return function(x, y)

    return apply


def arithmetic(operator: str) -> Callable[[object, object], object]:
    """The Excel operator ``operator`` (+ - * / ^) on two values."""
    return _binary(ARITHMETIC[operator], to_number, float)


MAX_TEXT_LENGTH = 32_767
"""The longest text a cell holds; a longer result is #VALUE! in Excel (documented for CONCAT, the same for &)."""


def _join(x: str, y: str) -> object:
    return x + y if len(x) + len(y) <= MAX_TEXT_LENGTH else VALUE


# ``&``: both sides as text.
concatenate = _binary(_join, to_text, str)


_COMPARISONS = {
    "=": lambda c: c == 0, "<>": lambda c: c != 0, "<": lambda c: c < 0,
    ">": lambda c: c > 0, "<=": lambda c: c <= 0, ">=": lambda c: c >= 0,
}


def comparison(operator: str) -> Callable[[object, object], object]:
    """The Excel comparison ``operator`` on two values: a logical, or the first error."""
    test = _COMPARISONS[operator]

    def apply(left: object, right: object) -> object:
        if type(left) is Array or type(right) is Array:
            return elementwise(apply, left, right)
        if _failure(left):
            return left
        if _failure(right):
            return right
        return test(compare(left, right))

    return apply


def negate(value: object) -> object:
    if type(value) is Array:
        return value.map(negate)
    number = to_number(value)
    return -number if type(number) is float else number


def plus(value: object) -> object:
    """Prefix ``+`` does nothing in Excel (``=+"a"`` is ``"a"``)."""
    return value


def percent(value: object) -> object:
    if type(value) is Array:
        return value.map(percent)
    number = to_number(value)
    return number / 100.0 if type(number) is float else number


def elementwise(operator: Callable[[object, object], object], left: object, right: object) -> Array:
    """``operator`` applied element by element, a scalar operand standing for every element."""
    left_array = left if type(left) is Array else Array([[left]])
    right_array = right if type(right) is Array else Array([[right]])
    height, width = broadcast_shape(left_array, right_array)
    return Array([
        [operator(left_array.at(i, j), right_array.at(i, j)) for j in range(width)]
        for i in range(height)
    ])
