"""Excel's functions of one number, on Python floats: the one definition the interpreter and the row loop share.

Each function takes a finite float and returns a float or the error Excel
gives (its domain rules: ``SQRT(-1)`` and ``LN(0)`` are ``#NUM!``,
trigonometric functions refuse arguments of 2^27 or more). A result too large
for a double raises ``OverflowError`` (``EXP(1000)``), and a result that is
not a finite double is ``#NUM!``: callers turn both into ``#NUM!``
(:mod:`.functions.numeric`) or hand the row to the interpreter
(:mod:`.compiler`). The arithmetic is the ``math`` module's, bit for bit what
Excel's cached values show on the anchors. Excel's power is
:func:`.operators.power`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..values import NUM

TRIG_LIMIT = 134217728.0  # 2**27: Excel's SIN, COS and TAN give #NUM! from here on


def sign(x: float) -> float:
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def square_root(x: float) -> object:
    return NUM if x < 0.0 else math.sqrt(x)


def natural_log(x: float) -> object:
    return NUM if x <= 0.0 else math.log(x)


def log10(x: float) -> object:
    return NUM if x <= 0.0 else math.log10(x)


def _trigonometric(function: Callable[[float], float]) -> Callable[[float], object]:
    def limited(x: float) -> object:
        return NUM if abs(x) >= TRIG_LIMIT else function(x)
    limited.__name__ = function.__name__
    return limited


def _within_one(function: Callable[[float], float]) -> Callable[[float], object]:
    def limited(x: float) -> object:
        return NUM if abs(x) > 1.0 else function(x)
    limited.__name__ = function.__name__
    return limited


ONE_NUMBER: dict[str, Callable[[float], object]] = {
    "ABS": abs, "SIGN": sign, "SQRT": square_root, "EXP": math.exp, "LN": natural_log, "LOG10": log10,
    "SIN": _trigonometric(math.sin), "COS": _trigonometric(math.cos), "TAN": _trigonometric(math.tan),
    "TANH": math.tanh, "SINH": math.sinh, "COSH": math.cosh, "ATAN": math.atan,
    "ASIN": _within_one(math.asin), "ACOS": _within_one(math.acos),
}
"""Excel function name -> its rule on one finite float."""
