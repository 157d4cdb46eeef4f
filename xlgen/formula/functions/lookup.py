"""Reference and shape functions: INDEX, ROW, COLUMN, ROWS, COLUMNS, CHOOSE, TRANSPOSE, and Excel's
``@`` (stored as ``_xlfn.SINGLE``) and ``A1#`` (stored as ``_xlfn.ANCHORARRAY``)."""

from __future__ import annotations

from ...values import REF, VALUE
from ..coerce import is_failure, to_number
from ..context import dereference, implicit_intersection, to_array
from ..operands import OMITTED, Array, Ref
from .registry import register


@register("SINGLE")
def single(context, args: list[object]) -> object:
    return implicit_intersection(context, args[0])


@register("ANCHORARRAY")
def anchor_array(context, args: list[object]) -> object:
    target = args[0]
    if type(target) is not Ref:
        return target if is_failure(target) else REF
    spilled = context.book.spill(target.sheet, target.first_row, target.first_column)
    return spilled if spilled is not None else REF


def _index_number(value: object) -> object:
    """An INDEX/CHOOSE position: a number truncated to an integer; omitted is 0."""
    if value is OMITTED:
        return 0
    number = to_number(value)
    if type(number) is not float:
        return number
    if number < 0:
        return VALUE
    return int(number)


@register("INDEX", min_args=2, max_args=4)
def index(context, args: list[object]) -> object:
    """INDEX(area, row, [column]): one element, or a whole row/column when the other index is 0."""
    source = args[0]
    if is_failure(source):
        return source
    row = _index_number(dereference(context, args[1]))
    column = _index_number(dereference(context, args[2])) if len(args) > 2 else OMITTED
    if type(row) is not int:
        return row
    if column is not OMITTED and type(column) is not int:
        return column
    if len(args) > 3 and args[3] is not OMITTED and _index_number(args[3]) not in (0, 1):
        return REF
    if type(source) is Ref:
        height, width = source.rows, source.columns
    elif type(source) is Array:
        height, width = source.height, source.width
    else:
        height, width = 1, 1
    if column is OMITTED:
        # One index into a single row picks a column; otherwise it picks a row.
        row, column = (1 if row else 0, row) if height == 1 and width > 1 else (row, 0 if width > 1 else 1)
    if row > height or column > width:
        return REF
    first_row, last_row = (1, height) if row == 0 else (row, row)
    first_column, last_column = (1, width) if column == 0 else (column, column)
    if type(source) is Ref:
        return Ref(source.sheet, source.first_row + first_row - 1, source.first_column + first_column - 1,
                   source.first_row + last_row - 1, source.first_column + last_column - 1)
    if type(source) is Array:
        rows = [line[first_column - 1:last_column] for line in source.rows[first_row - 1:last_row]]
        return rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else Array(rows)
    return source


def _position(context, args: list[object], rows: bool) -> object:
    if not args or args[0] is OMITTED:
        return float(context.row if rows else context.column)
    target = args[0]
    if type(target) is not Ref:
        return target if is_failure(target) else VALUE
    context.book.budget.array(context, target.rows if rows else 1, 1 if rows else target.columns)
    if rows:
        if target.rows == 1:
            return float(target.first_row)
        return Array([[float(r)] for r in range(target.first_row, target.last_row + 1)])
    if target.columns == 1:
        return float(target.first_column)
    return Array([[float(c) for c in range(target.first_column, target.last_column + 1)]])


@register("ROW", min_args=0, max_args=1)
def row_(context, args: list[object]) -> object:
    return _position(context, args, rows=True)


@register("COLUMN", min_args=0, max_args=1)
def column_(context, args: list[object]) -> object:
    return _position(context, args, rows=False)


def _size(value: object, rows: bool) -> object:
    if type(value) is Ref:
        return float(value.rows if rows else value.columns)
    if type(value) is Array:
        return float(value.height if rows else value.width)
    if is_failure(value):
        return value
    return 1.0


@register("ROWS")
def rows_(context, args: list[object]) -> object:
    return _size(args[0], rows=True)


@register("COLUMNS")
def columns_(context, args: list[object]) -> object:
    return _size(args[0], rows=False)


@register("CHOOSE", min_args=2, max_args=255)
def choose(context, args: list[object]) -> object:
    position = _index_number(dereference(context, args[0]))
    if type(position) is not int:
        return position
    if not 1 <= position < len(args):
        return VALUE
    chosen = args[position]
    return 0.0 if chosen is OMITTED else chosen


@register("TRANSPOSE", arrays=True)
def transpose(context, args: list[object]) -> object:
    value = to_array(context, args[0])
    if type(value) is not Array:
        return value
    context.book.budget.array(context, value.width, value.height)
    return Array([list(column) for column in zip(*value.rows)])
