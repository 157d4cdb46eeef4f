"""Dynamic-array functions: SEQUENCE and the LAMBDA helpers MAP, REDUCE, SCAN, MAKEARRAY, BYROW, BYCOL.

The helpers visit elements row by row. Given a reference, MAP, REDUCE and SCAN
pass each element as a one-cell reference (so ``ROW`` works inside the
LAMBDA), as Excel does. A LAMBDA result that is itself an array, where one
value is expected, is ``#CALC!`` (Excel does not nest arrays).
"""

from __future__ import annotations

from ...values import CALC, VALUE
from ..coerce import is_failure, to_number
from ..context import dereference, invoke, to_array
from ..operands import OMITTED, Array, Lambda, Ref
from .registry import register


def _count(context, value: object, default: int) -> object:
    if value is OMITTED:
        return default
    number = to_number(dereference(context, value))
    if type(number) is not float:
        return number
    return int(number)


@register("SEQUENCE", min_args=1, max_args=4)
def sequence(context, args: list[object]) -> object:
    """SEQUENCE(rows, [columns], [start], [step]): element k (row by row) is start + k·step."""
    args = args + [OMITTED] * (4 - len(args))
    rows, columns = _count(context, args[0], 1), _count(context, args[1], 1)
    if type(rows) is not int:
        return rows
    if type(columns) is not int:
        return columns
    start = 1.0 if args[2] is OMITTED else to_number(dereference(context, args[2]))
    step = 1.0 if args[3] is OMITTED else to_number(dereference(context, args[3]))
    for value in (start, step):
        if type(value) is not float:
            return value
    if rows < 1 or columns < 1:
        return CALC
    context.book.budget.array(context, rows, columns)
    return Array([[start + (i * columns + j) * step for j in range(columns)] for i in range(rows)])


def _elements(context, value: object) -> object:
    """An array argument as rows of elements: one-cell references for a reference, values for an array."""
    if type(value) is Ref:
        context.book.budget.array(context, value.rows, value.columns)
        return [[Ref(value.sheet, r, c, r, c) for c in range(value.first_column, value.last_column + 1)]
                for r in range(value.first_row, value.last_row + 1)]
    if type(value) is Array:
        return value.rows
    if is_failure(value):
        return value
    return [[value]]


def _scalar(context, value: object) -> object:
    """One LAMBDA result as one array element."""
    value = dereference(context, value)
    if type(value) is Array:
        return value.rows[0][0] if value.height == value.width == 1 else CALC
    return 0.0 if value is None else value


def _lambda(value: object) -> object:
    return value if type(value) is Lambda else (value if is_failure(value) else VALUE)


@register("MAP", min_args=2, max_args=255, arrays=True)
def map_(context, args: list[object]) -> object:
    function = _lambda(args[-1])
    if type(function) is not Lambda:
        return function
    grids = [_elements(context, arg) for arg in args[:-1]]
    for grid in grids:
        if type(grid) is not list:
            return grid
    height, width = len(grids[0]), len(grids[0][0])
    if any(len(g) != height or len(g[0]) != width for g in grids):
        return VALUE
    return Array([[_scalar(context, invoke(context, function, [g[i][j] for g in grids])) for j in range(width)]
                  for i in range(height)])


@register("REDUCE", min_args=3, max_args=3, arrays=True)
def reduce_(context, args: list[object]) -> object:
    accumulator, grid, function = args[0], _elements(context, args[1]), _lambda(args[2])
    if type(function) is not Lambda:
        return function
    if type(grid) is not list:
        return grid
    for row in grid:
        for element in row:
            accumulator = invoke(context, function, [accumulator, element])
    return accumulator


@register("SCAN", min_args=3, max_args=3, arrays=True)
def scan(context, args: list[object]) -> object:
    accumulator, grid, function = args[0], _elements(context, args[1]), _lambda(args[2])
    if type(function) is not Lambda:
        return function
    if type(grid) is not list:
        return grid
    rows = []
    for row in grid:
        line = []
        for element in row:
            accumulator = invoke(context, function, [accumulator, element])
            line.append(_scalar(context, accumulator))
        rows.append(line)
    return Array(rows)


@register("MAKEARRAY", min_args=3, max_args=3, arrays=True)
def make_array(context, args: list[object]) -> object:
    rows, columns, function = _count(context, args[0], 1), _count(context, args[1], 1), _lambda(args[2])
    if type(rows) is not int:
        return rows
    if type(columns) is not int:
        return columns
    if type(function) is not Lambda:
        return function
    if rows < 1 or columns < 1:
        return VALUE
    context.book.budget.array(context, rows, columns)
    return Array([[_scalar(context, invoke(context, function, [float(i), float(j)]))
                   for j in range(1, columns + 1)] for i in range(1, rows + 1)])


def _by(context, args: list[object], rows: bool) -> object:
    source, function = to_array(context, args[0]), _lambda(args[1])
    if type(function) is not Lambda:
        return function
    if is_failure(source):
        return source
    array = source if type(source) is Array else Array([[source]])
    lines = array.rows if rows else [list(column) for column in zip(*array.rows)]
    results = [_scalar(context, invoke(context, function, [Array([line] if rows else [[v] for v in line])]))
               for line in lines]
    return Array([[value] for value in results]) if rows else Array([results])


@register("BYROW", min_args=2, max_args=2, arrays=True)
def by_row(context, args: list[object]) -> object:
    return _by(context, args, rows=True)


@register("BYCOL", min_args=2, max_args=2, arrays=True)
def by_column(context, args: list[object]) -> object:
    return _by(context, args, rows=False)
