"""Aggregates: SUM, SUMSQ, PRODUCT, COUNT, COUNTA, AVERAGE, MAX, MIN, VAR.P, SUMPRODUCT.

Excel's argument rules: in a reference or an array only numbers count (text,
logicals and empty cells are skipped); an argument written directly counts a
logical as 1 or 0 and reads numeric text, other text is ``#VALUE!``. The first
error met, argument by argument and row by row, is the result (COUNT and
COUNTA never fail). Sums add left to right, one value at a time, as Excel does
(no compensated or pairwise summation).
"""

from __future__ import annotations

from ...values import DIV0, NUM, VALUE
from ..coerce import is_failure, to_number
from ..context import cells_of, to_array
from ..operands import OMITTED, Array, Lambda, Ref
from .registry import register


def _cells(context, arg: object):
    """The values inside a reference or an array argument, row by row."""
    if type(arg) is Ref:
        for row in cells_of(context, arg):
            yield from row
    else:
        yield from arg.values()


def numbers(context, args: list[object]) -> list[float] | object:
    """The numbers the aggregate adds up, or the first error."""
    found: list[float] = []
    for arg in args:
        kind = type(arg)
        if kind is Ref or kind is Array:
            for value in _cells(context, arg):
                kind = type(value)
                if kind is float:
                    found.append(value)
                elif is_failure(value):
                    return value
        elif arg is OMITTED:
            continue
        elif kind is Lambda:
            return VALUE
        else:
            number = to_number(arg)
            if type(number) is not float:
                return number
            found.append(number)
    return found


def _finite(total: float) -> object:
    return total if total - total == 0.0 else NUM


@register("SUM", min_args=1, max_args=255)
def sum_(context, args: list[object]) -> object:
    found = numbers(context, args)
    if type(found) is not list:
        return found
    total = 0.0
    for value in found:
        total += value
    return _finite(total)


@register("SUMSQ", min_args=1, max_args=255)
def sum_of_squares(context, args: list[object]) -> object:
    found = numbers(context, args)
    if type(found) is not list:
        return found
    total = 0.0
    for value in found:
        total += value * value
    return _finite(total)


@register("PRODUCT", min_args=1, max_args=255)
def product(context, args: list[object]) -> object:
    found = numbers(context, args)
    if type(found) is not list:
        return found
    total = 1.0
    for value in found:
        total *= value
    return _finite(total) if found else 0.0


@register("AVERAGE", min_args=1, max_args=255)
def average(context, args: list[object]) -> object:
    found = numbers(context, args)
    if type(found) is not list:
        return found
    if not found:
        return DIV0
    total = 0.0
    for value in found:
        total += value
    return _finite(total / len(found)) if total - total == 0.0 else NUM


@register("MAX", min_args=1, max_args=255)
def maximum(context, args: list[object]) -> object:
    found = numbers(context, args)
    if type(found) is not list:
        return found
    return max(found) if found else 0.0


@register("MIN", min_args=1, max_args=255)
def minimum(context, args: list[object]) -> object:
    found = numbers(context, args)
    if type(found) is not list:
        return found
    return min(found) if found else 0.0


@register("VAR.P", "VARP", min_args=1, max_args=255)
def population_variance(context, args: list[object]) -> object:
    """(n·Σx² − (Σx)²) / n², the one-pass form Excel evaluates (its cached values in the mom_bias workbook
    match this bit for bit, not the two-pass Σ(x − mean)²/n)."""
    found = numbers(context, args)
    if type(found) is not list:
        return found
    if not found:
        return DIV0
    total = squares = 0.0
    for value in found:
        total += value
        squares += value * value
    count = float(len(found))
    return _finite((count * squares - total * total) / (count * count))


@register("COUNT", min_args=1, max_args=255)
def count(context, args: list[object]) -> object:
    """Numbers in references and arrays; numbers, logicals and numeric text written directly."""
    total = 0
    for arg in args:
        kind = type(arg)
        if kind is Ref or kind is Array:
            total += sum(1 for value in _cells(context, arg) if type(value) is float)
        elif arg is not OMITTED and type(to_number(arg)) is float and kind is not Lambda:
            total += 1
    return float(total)


@register("COUNTA", min_args=1, max_args=255)
def count_all(context, args: list[object]) -> object:
    """Every non-empty value, errors included."""
    total = 0
    for arg in args:
        kind = type(arg)
        if kind is Ref or kind is Array:
            total += sum(1 for value in _cells(context, arg) if value is not None)
        elif arg is not OMITTED:
            total += 1
    return float(total)


@register("SUMPRODUCT", min_args=1, max_args=255, arrays=True)
def sum_product(context, args: list[object]) -> object:
    """Σ over positions of the product of the arguments' elements; non-numbers count as 0."""
    arrays = []
    for arg in args:
        value = to_array(context, arg)
        if is_failure(value):
            return value
        arrays.append(value if type(value) is Array else Array([[value]]))
    height, width = arrays[0].height, arrays[0].width
    if any(a.height != height or a.width != width for a in arrays):
        return VALUE
    total = 0.0
    for i in range(height):
        for j in range(width):
            term = 1.0
            for array in arrays:
                value = array.rows[i][j]
                if is_failure(value):
                    return value
                term *= value if type(value) is float else 0.0
            total += term
    return _finite(total)
