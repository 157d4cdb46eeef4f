"""Numeric functions of one or two numbers: SQRT, EXP, LN, SIN, POWER, ... element by element over arrays.

Each uses the ``math`` module, so results are bit for bit what Python
computes (numpy's ``exp``/``log`` can differ by an ulp). Excel's domain
errors are ``#NUM!`` (``SQRT(-1)``, ``LN(0)``), as is any result that is not a
finite double. Trigonometric functions refuse arguments of 2^27 or more with
``#NUM!``, as Excel does.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ...values import DIV0, NUM
from ..coerce import is_failure, to_number
from ..context import dereference
from ..operands import OMITTED, Array, broadcast_shape
from ..operators import power
from .registry import register

_TRIG_LIMIT = 134217728.0  # 2**27


def numeric(*names: str, arity: int = 1, defaults: tuple[float, ...] = ()):
    """Register ``function(*numbers)`` as an Excel function; trailing ``defaults`` make arguments optional."""

    def wrap(function: Callable[..., object]) -> Callable:
        def call(context, args: list[object]) -> object:
            values = [dereference(context, value) for value in args]
            values += [OMITTED] * (arity - len(values))
            if any(type(value) is Array for value in values):
                return _elementwise(context, evaluate, values)
            return evaluate(values)

        def evaluate(values: list[object]) -> object:
            for value in values:
                if is_failure(value):
                    return value
            numbers = []
            for index, value in enumerate(values):
                if value is OMITTED:  # an optional argument takes its default; a required one left empty is 0
                    value = defaults[index - required] if index >= required else 0.0
                number = to_number(value)
                if type(number) is not float:
                    return number
                numbers.append(number)
            try:
                result = function(*numbers)
            except (OverflowError, ValueError):
                return NUM
            if type(result) is float and result - result != 0.0:
                return NUM
            return result

        required = arity - len(defaults)
        register(*names, min_args=required, max_args=arity)(call)
        return function

    return wrap


def _elementwise(context, evaluate: Callable[[list[object]], object], values: list[object]) -> Array:
    arrays = [value if type(value) is Array else Array([[value]]) for value in values]
    height, width = broadcast_shape(*arrays)
    context.book.budget.array(context, height, width)
    return Array([[evaluate([a.at(i, j) for a in arrays]) for j in range(width)] for i in range(height)])


@numeric("ABS")
def absolute(x: float) -> float:
    return abs(x)


@numeric("SIGN")
def sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


@numeric("SQRT")
def square_root(x: float) -> object:
    return NUM if x < 0 else math.sqrt(x)


@numeric("EXP")
def exponential(x: float) -> float:
    return math.exp(x)


@numeric("LN")
def natural_log(x: float) -> object:
    return NUM if x <= 0 else math.log(x)


@numeric("LOG10")
def log10(x: float) -> object:
    return NUM if x <= 0 else math.log10(x)


@numeric("POWER", arity=2)
def power_function(x: float, y: float) -> object:
    return power(x, y)


def _trig(function: Callable[[float], float]) -> Callable[[float], object]:
    return lambda x: NUM if abs(x) >= _TRIG_LIMIT else function(x)


numeric("SIN")(_trig(math.sin))
numeric("COS")(_trig(math.cos))
numeric("TAN")(_trig(math.tan))
numeric("TANH")(math.tanh)
numeric("SINH")(math.sinh)
numeric("COSH")(math.cosh)
numeric("ATAN")(math.atan)
numeric("ASIN")(lambda x: NUM if abs(x) > 1 else math.asin(x))
numeric("ACOS")(lambda x: NUM if abs(x) > 1 else math.acos(x))


@numeric("ATAN2", arity=2)
def atan2(x: float, y: float) -> object:
    """Excel's argument order: ``ATAN2(x, y)`` is the angle of the point (x, y)."""
    return DIV0 if x == 0 and y == 0 else math.atan2(y, x)


@numeric("PI", arity=0)
def pi() -> float:
    return math.pi


@numeric("INT")
def integer(x: float) -> float:
    return float(math.floor(x))


@numeric("CEILING.MATH", arity=3, defaults=(1.0, 0.0))
def ceiling_math(x: float, significance: float, mode: float) -> object:
    """Up to a multiple of ``significance``; negative numbers go toward 0 unless ``mode`` is non-zero."""
    if significance == 0:
        return 0.0
    significance = abs(significance)
    quotient = x / significance
    if x < 0 and mode != 0:
        return float(math.floor(quotient)) * significance
    return float(math.ceil(quotient)) * significance


@numeric("FLOOR.MATH", arity=3, defaults=(1.0, 0.0))
def floor_math(x: float, significance: float, mode: float) -> object:
    """Down to a multiple of ``significance``; negative numbers go away from 0 unless ``mode`` is non-zero."""
    if significance == 0:
        return 0.0
    significance = abs(significance)
    quotient = x / significance
    if x < 0 and mode != 0:
        return float(math.ceil(quotient)) * significance
    return float(math.floor(quotient)) * significance
