"""Logical and information functions: AND, OR, XOR, NOT, TRUE, FALSE, NA, the IS functions and ISOMITTED.

AND/OR/XOR take logicals and numbers from references and arrays (text and
empty cells skipped) and from direct arguments (where text must read as TRUE
or FALSE); the first error is the result; no logical value at all is
``#VALUE!``. The IS functions never fail on an Excel error (that is their
point), but a value the engine could not compute stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from ...values import NA, VALUE, ExcelError, Unsupported
from ..coerce import is_failure, to_logical
from ..context import cells_of, dereference
from ..operands import OMITTED, Array, Lambda, Ref
from .registry import register


def _logicals(context, args: list[object]) -> list[bool] | object:
    found: list[bool] = []
    for arg in args:
        kind = type(arg)
        if kind is Ref or kind is Array:
            cells = (value for row in cells_of(context, arg) for value in row) \
                if kind is Ref else arg.values()
            for value in cells:
                kind = type(value)
                if kind is bool:
                    found.append(value)
                elif kind is float:
                    found.append(value != 0.0)
                elif is_failure(value):
                    return value
        elif arg is OMITTED or kind is Lambda:
            return VALUE
        else:
            logical = to_logical(arg)
            if type(logical) is not bool:
                return logical
            found.append(logical)
    return found if found else VALUE


@register("AND", min_args=1, max_args=255)
def and_(context, args: list[object]) -> object:
    found = _logicals(context, args)
    return all(found) if type(found) is list else found


@register("OR", min_args=1, max_args=255)
def or_(context, args: list[object]) -> object:
    found = _logicals(context, args)
    return any(found) if type(found) is list else found


@register("XOR", min_args=1, max_args=255)
def xor(context, args: list[object]) -> object:
    found = _logicals(context, args)
    return sum(found) % 2 == 1 if type(found) is list else found


def _each(context, value: object, function: Callable[[object], object]) -> object:
    value = dereference(context, value)
    if type(value) is Array:
        return value.map(function)
    return function(value)


def _not(value: object) -> object:
    logical = to_logical(value)
    return (not logical) if type(logical) is bool else logical


@register("NOT")
def not_(context, args: list[object]) -> object:
    return _each(context, args[0], _not)


@register("TRUE", min_args=0)
def true(context, args: list[object]) -> object:
    return True


@register("FALSE", min_args=0)
def false(context, args: list[object]) -> object:
    return False


@register("NA", min_args=0)
def not_available(context, args: list[object]) -> object:
    return NA


@register("ISOMITTED")
def is_omitted(context, args: list[object]) -> object:
    """TRUE for an optional LAMBDA parameter left out of the call (or an argument left empty, ``f(1,)``)."""
    return args[0] is OMITTED


def _information(*names: str, test: Callable[[object], bool]) -> None:
    def check(value: object) -> object:
        if type(value) is Unsupported:
            return value
        return test(value)

    @register(*names)
    def call(context, args: list[object]) -> object:
        return _each(context, args[0], check)


_information("ISERROR", test=lambda v: type(v) is ExcelError)
_information("ISERR", test=lambda v: type(v) is ExcelError and v != NA)
_information("ISNA", test=lambda v: type(v) is ExcelError and v == NA)
_information("ISNUMBER", test=lambda v: type(v) is float)
_information("ISTEXT", test=lambda v: type(v) is str)
_information("ISNONTEXT", test=lambda v: type(v) is not str)
_information("ISLOGICAL", test=lambda v: type(v) is bool)
_information("ISBLANK", test=lambda v: v is None)
