"""Where a formula is being evaluated (the workbook, the cell, the LET/LAMBDA variables), and what needs the workbook:
reading a reference's values and calling a LAMBDA."""

from __future__ import annotations

from typing import Protocol

from ..cells import cell_name, quote_sheet
from ..errors import BudgetExceeded
from ..values import NUM, VALUE
from .coerce import is_failure
from .operands import OMITTED, Array, Lambda, Ref


class Book(Protocol):
    """What a compiled formula asks of the workbook it is evaluated in."""

    def value(self, sheet: str, row: int, column: int) -> object:
        """The computed value of one cell (``None`` when empty)."""

    def values(self, ref: Ref) -> list[list[object]]:
        """The computed values of a rectangle, row by row (``[]`` for an empty rectangle)."""

    def spill(self, sheet: str, row: int, column: int) -> Ref | None:
        """The area an array formula anchored at (row, column) fills, or None."""

    def limit(self, ref: Ref) -> Ref:
        """``ref`` cut to the sheet's used area (whole columns and rows are mostly empty)."""

    budget: Budget
    """What the evaluation of this workbook may still spend."""


class Context:
    """One evaluation: the workbook, the cell whose formula runs, its LET/LAMBDA variables and LAMBDA depth.

    ``array`` is how references become values. In an array formula (and in the arguments of functions that
    take arrays, like SUMPRODUCT) ``A1:A3`` is the array of its values. In a plain formula Excel keeps its
    pre-dynamic-array rule, *implicit intersection*: where one value is expected, ``A1:A3`` means the cell
    of that range in the formula's own row (or column), and #VALUE! if there is none. That is what Excel 365
    shows as ``@A1:A3`` in a formula written without array flags.
    """

    __slots__ = ("book", "sheet", "row", "column", "env", "depth", "array")

    def __init__(self, book: Book, sheet: str, row: int, column: int, env: dict | None = None, depth: int = 0,
                 array: bool = False):
        self.book = book
        self.sheet = sheet
        self.row = row
        self.column = column
        self.env = env if env is not None else {}
        self.depth = depth
        self.array = array

    def with_env(self, env: dict, depth: int | None = None) -> Context:
        return Context(self.book, self.sheet, self.row, self.column, env, self.depth if depth is None else depth,
                       self.array)

    def as_array(self) -> Context:
        """The same evaluation where references read as arrays (the arguments of SUMPRODUCT, MAP, ...)."""
        if self.array:
            return self
        return Context(self.book, self.sheet, self.row, self.column, self.env, self.depth, True)

    @property
    def where(self) -> str:
        """The cell, as messages name it: ``basic!C4``."""
        return f"{quote_sheet(self.sheet)}!{cell_name(self.row, self.column)}"


def dereference(context: Context, value: object) -> object:
    """A reference as what it holds: one cell's value, or a rectangle's values as an :class:`Array` (in an array
    context) or narrowed to the formula's row or column (implicit intersection, in a plain formula)."""
    if type(value) is not Ref:
        return value
    if value.first_row == value.last_row and value.first_column == value.last_column:
        return context.book.value(value.sheet, value.first_row, value.first_column)
    if not context.array:
        return implicit_intersection(context, value)
    return to_array(context, value)


def to_array(context: Context, value: object) -> object:
    """A reference as the :class:`Array` of its values, whatever the context."""
    if type(value) is not Ref:
        return value
    context.book.budget.array(context, value.rows, value.columns)
    return Array(context.book.values(value))


def cells_of(context: Context, ref: Ref) -> list[list[object]]:
    """The values of a reference's cells within the sheet's used area, row by row (as SUM reads them)."""
    used = context.book.limit(ref)
    if used.last_row < used.first_row or used.last_column < used.first_column:
        return []
    context.book.budget.array(context, used.rows, used.columns)
    return context.book.values(used)


def implicit_intersection(context: Context, value: object) -> object:
    """Excel's ``@``: a reference narrowed to the formula's row and column; an array's top-left element."""
    if type(value) is Ref:
        row, column = context.row, context.column
        if value.first_row == value.last_row:
            row = value.first_row
        if value.first_column == value.last_column:
            column = value.first_column
        if value.first_row <= row <= value.last_row and value.first_column <= column <= value.last_column:
            return context.book.value(value.sheet, row, column)
        return VALUE
    if type(value) is Array:
        return value.rows[0][0]
    return value


MAX_ARRAY_CELLS = 5_000_000
"""Larger arrays (``A:A*2`` would be a million rows) are refused rather than built."""

MAX_WORK_CELLS = 20_000_000
"""Array elements one workbook's evaluation may build in all (each array within MAX_ARRAY_CELLS)."""

MAX_LAMBDA_CALLS = 2_000_000
"""LAMBDA calls one workbook's evaluation may make (``EXPF(n-1)+EXPF(n-1)`` makes 2^n within any depth)."""

LAMBDA_DEPTH_LIMIT = 1000
"""Nested LAMBDA calls beyond this depth give #NUM! (runaway recursion)."""


class Budget:
    """What one workbook's evaluation may spend: array elements and LAMBDA calls, counted over all its cells.

    Excel has no such limits (it runs until the user gives up); xlgen must end in bounded time and memory, so a
    formula that needs more stops the evaluation with :class:`~xlgen.errors.BudgetExceeded` naming its cell:
    xlgen's own limit, never a value in the cell. Sizes are checked before an array is built.
    """

    __slots__ = ("cells", "calls")

    def __init__(self) -> None:
        self.cells = 0
        self.calls = 0

    def array(self, context: Context, height: int, width: int) -> None:
        """Charge an array of ``height`` x ``width`` elements about to be built for ``context``'s cell."""
        size = height * width
        if size > MAX_ARRAY_CELLS:
            raise BudgetExceeded(f"{context.where} builds an array of {height:,} x {width:,} elements; xlgen "
                                 f"evaluates arrays of at most {MAX_ARRAY_CELLS:,}")
        self.cells += size
        if self.cells > MAX_WORK_CELLS:
            raise BudgetExceeded(f"{context.where} builds more than {MAX_WORK_CELLS:,} array elements in all; "
                                 f"xlgen stops there")

    def call(self, context: Context) -> None:
        """Charge one LAMBDA call made by ``context``'s cell."""
        self.calls += 1
        if self.calls > MAX_LAMBDA_CALLS:
            raise BudgetExceeded(f"{context.where} makes more than {MAX_LAMBDA_CALLS:,} LAMBDA calls; xlgen "
                                 f"stops there")


def invoke(context: Context, function: object, args: list[object]) -> object:
    """Call a LAMBDA value with evaluated arguments (references stay references, as in Excel).

    Optional parameters left out of the call are :data:`OMITTED` (``ISOMITTED`` tells); too many arguments, or
    too few for the required parameters, are ``#VALUE!``.
    """
    if type(function) is not Lambda:
        if type(function) is Ref:
            function = dereference(context, function)
        return function if is_failure(function) else VALUE
    if context.depth >= LAMBDA_DEPTH_LIMIT:
        return NUM
    context.book.budget.call(context)
    if function.native is not None:
        return function.native(context, args)
    parameters = function.parameters
    required = len(parameters) if function.required is None else function.required
    if not required <= len(args) <= len(parameters):
        return VALUE  # Excel's answer to a wrong number of arguments
    env = dict(function.environment)
    env.update(zip(parameters, args))
    for left_out in parameters[len(args):]:
        env[left_out] = OMITTED
    return function.body(context.with_env(env, context.depth + 1))
