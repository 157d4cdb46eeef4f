"""Numeric functions of one or two numbers: SQRT, EXP, LN, SIN, POWER, ... element by element over arrays.

Each uses the ``math`` module, so results are bit for bit what Python
computes (numpy's ``exp``/``log`` can differ by an ulp). Excel's domain
errors are ``#NUM!`` (``SQRT(-1)``, ``LN(0)``), as is any result that is not a
finite double. The functions the row loop also compiles (SQRT, LN, SIN, ...)
are defined once, in :mod:`..maths`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ...values import DIV0, NUM
from ..coerce import is_failure, to_number
from ..context import dereference
from ..operands import OMITTED, Array, broadcast_shape
from ..maths import ONE_NUMBER
from ..operators import power
from .registry import register

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


for _name, _rule in ONE_NUMBER.items():
    numeric(_name)(_rule)


@numeric("POWER", arity=2)
def power_function(x: float, y: float) -> object:
    return power(x, y)


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
