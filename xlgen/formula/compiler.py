"""Running a block (:mod:`.blocks`) fast: its formulas compiled into one Python loop over rows.

A block's columns each repeat one formula (or choose row by row between a few,
as at epoch boundaries), and in an SGD sheet those formulas are plain
arithmetic on numbers. For such a block this module writes the
source of one Python function whose loop computes a whole row in local
variables: the row above is in locals too, so ``N4`` read from row 5 costs
nothing. LET variables, LAMBDA names and inline LAMBDA calls are inlined;
IF becomes Python's conditional expression (lazy, as in Excel).

The generated code only ever computes with Python floats, operation by
operation as the formula says, and calls the very rules the interpreter uses
for ``^`` (:func:`.operators.power`) and for functions (:mod:`.maths`), so its
numbers are bit for bit those of the full-semantics interpreter. It is only
right for rows where every value is a finite number, so it *bails out* of a
row at the first sign of anything else:

- an input that is not a float (text, a logical, an empty cell, an error);
- an error value from an Excel rule (``0^0``, ``SQRT(-1)``) or a Python
  exception (``ZeroDivisionError``, ``OverflowError`` from ``EXP(1000)``, a
  ``TypeError``);
- a result that is not finite: the sum of the row's values is checked once
  per row, and where an intermediate value could vanish without reaching a
  result (a divisor, a power's operands, a function argument, a
  comparison, a LET variable) it is checked where it is made.

A row that bails is computed again by the interpreter closures
(:mod:`.interpreter`), which give Excel's error values; the loop resumes on
the next row. A column whose formula the generator does not cover (ranges,
text, error handling, ...) is computed by its closure inside the loop.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..values import REF
from . import nodes as n
from .blocks import MAX_VARIANTS, NOT_COMPUTED, Block
from .context import Context
from .functions import FUNCTIONS, REFUSED
from .maths import ONE_NUMBER
from .operators import WHOLE_EXPONENT_LIMIT, power, whole_power
from .interpreter import SPECIAL_FORMS, array_result, cell_result
from .parser import name_key, parameter_key

_MAX_INLINE_DEPTH = 16


class _Bail(Exception):
    """A row the generated code cannot compute exactly; the interpreter takes it."""


class _Unsuitable(Exception):
    """A formula the generator does not cover."""


def _guard(value: float) -> float:
    if value - value == 0.0:
        return value
    raise _Bail


def _square(value: float) -> float:
    return value * value  # what operators.whole_power computes for x^2


def _number(rule: Callable[..., object]) -> Callable[..., float]:
    """An Excel rule (:mod:`.maths`, :func:`.operators.power`) where it gives a number; an error value (0^0,
    SQRT(-1), SIN(2^27)) hands the row to the interpreter."""
    def number(*args: float) -> float:
        result = rule(*args)
        if type(result) is float:
            return result
        raise _Bail
    return number


_HELPERS = {
    "_guard": _guard, "_power": _number(power), "_wpow": whole_power, "_square": _square, "_B": _Bail,
    **{f"_{name.lower()}": _number(rule) for name, rule in ONE_NUMBER.items()},
}
# Functions the loop computes -> whether a non-finite argument shows in the result (then it needs no check).
_FUNCTIONS = {
    "SQRT": True, "EXP": False, "LN": True, "LOG10": True, "ABS": True, "SIGN": False, "TANH": False,
    "SINH": True, "COSH": True, "ATAN": False, "SIN": True, "COS": True, "TAN": True, "ASIN": True, "ACOS": True,
}
_COMPARISONS = {"=": "==", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}


@functools.lru_cache(maxsize=256)
def _compiled(source: str):
    """Python's compile, once per distinct loop: the epochs of a sheet repeat the same block."""
    return compile(source, "<xlgen block>", "exec")


class BlockRunner:
    """Fills ``block.outputs`` row by row, through generated code where it can.

    ``programs`` caches row loops by block shape (sheet, rows, and each column's formulas): alike blocks share
    one loop, written and compiled once.
    """

    def __init__(self, block: Block, closure: Callable[[n.Node], Callable], book, compile_fast: bool = True,
                 programs: dict | None = None):
        self.block = block
        self.closure = closure  # formula tree -> the interpreter's closure for it
        self.book = book
        self.compile_fast = compile_fast
        self.programs = {} if programs is None else programs

    def run(self) -> None:
        block = self.block
        block.outputs = {column: [NOT_COMPUTED] * block.rows for column in block.filled}
        loop = self.loop() if self.compile_fast else None
        if loop is None:
            for index in range(block.rows):
                self.slow_row(index)
            return
        function, carried = loop.function, loop.carried
        arguments = [self.argument(recipe) for recipe in loop.recipes]
        index, stop = 0, block.rows
        while index < stop:
            previous = [self.value_above(column, index) for column in carried]
            index = function(index, stop, *previous, *arguments)
            if index < stop:
                self.slow_row(index)
                index += 1

    def loop(self) -> _Loop | None:
        block = self.block
        key = (block.sheet, block.rows, tuple((c, "copy" if _copied(block, c) else tuple(_variants(block, c)),
                                               block.pieces[c][0].array, block.pieces[c][0].area)
                                              for c in block.columns))
        if key not in self.programs:
            self.programs[key] = _Program(block, self.book).build()
        return self.programs[key]

    def argument(self, recipe: tuple) -> object:
        """A value the loop takes, for this block (see :attr:`_Program.recipes`)."""
        kind, *what = recipe
        block = self.block
        if kind == "out":
            return block.outputs[what[0]]
        if kind == "slow":
            return lambda index, column=what[0]: self.cell(column, index)
        if kind == "constant":
            return self.book.value(*what)
        if kind == "inputs":
            sheet, column, offset = what
            return self.column(sheet, column, block.first_row + offset, block.last_row + offset)
        if kind == "copy":
            values: list[object] = []
            for piece in block.pieces[what[0]]:
                tree = piece.tree
                source = tree.column if tree.column_absolute else what[0] + tree.column
                values += self.column(block.sheet, source, piece.first_row + tree.row, piece.last_row + tree.row)
            return values
        if kind == "select":
            index = {tree: number for number, tree in enumerate(_variants(block, what[0]))}
            chosen = bytearray(block.rows)
            for piece in block.pieces[what[0]]:
                start = piece.first_row - block.first_row
                chosen[start:start + piece.rows] = bytes([index[piece.tree]]) * piece.rows
            return bytes(chosen)
        assert kind == "first row"
        return block.first_row

    def column(self, sheet: str, column: int, first_row: int, last_row: int) -> list[object]:
        """The values of rows first_row..last_row of a column (#REF! above row 1)."""
        above = [REF] * max(0, min(last_row, 0) - first_row + 1)
        return above + self.book.column_values(sheet, column, max(first_row, 1), last_row)

    def value_above(self, column: int, index: int) -> object:
        """The value of ``column`` in the row above block row ``index``."""
        if index > 0:
            return self.block.outputs[column][index - 1]
        row = self.block.first_row - 1
        return self.book.value(self.block.sheet, row, column) if row >= 1 else REF

    def cell(self, column: int, index: int) -> object:
        """One cell through its full-semantics closure (an array row: the list of values it fills)."""
        block = self.block
        row = block.first_row + index
        piece = block.piece_at(column, row)
        context = Context(self.book, block.sheet, row, column, array=piece.array)
        result = self.closure(piece.tree)(context)
        if piece.area is not None:
            return array_result(context, result, 1, piece.area[1])[0]
        if piece.array:
            return array_result(context, result, 1, 1)[0][0]
        return cell_result(context, result)

    def slow_row(self, index: int) -> None:
        """One row through the full-semantics closures."""
        outputs = self.block.outputs
        for column in self.block.columns:
            value = self.cell(column, index)
            if self.block.pieces[column][0].area is None:
                outputs[column][index] = value
            else:
                for offset, element in enumerate(value):
                    outputs[column + offset][index] = element


def _copied(block: Block, column: int) -> bool:
    """Whether a block column copies cells from outside the block with bare references, such as the epochs'
    copies of the first epoch's data (each epoch from another distance, so the loop takes the copied values
    as an argument, read before it runs)."""
    filled = block.filled
    for piece in block.pieces[column]:
        tree = piece.tree
        if type(tree) is not n.Cell or tree.row_absolute or piece.array or tree.sheet is not None:
            return False
        source = tree.column if tree.column_absolute else column + tree.column
        if source in filled and piece.first_row + tree.row <= block.last_row \
                and piece.last_row + tree.row >= block.first_row:
            return False
    return True


def _variants(block: Block, column: int) -> list[n.Node]:
    """The distinct formulas of a block column, in the order of their first rows."""
    return list({piece.tree: None for piece in block.pieces[column]})


class _Loop:
    """A compiled row loop: ``function(start, stop, *carried values, *arguments)`` returns the row it stopped at."""

    def __init__(self, function: Callable, carried: list[int], recipes: list[tuple], source: str):
        self.function = function
        self.source = source  # the Python text of the loop, for reading
        self.carried = carried  # the columns whose value in the row above the loop takes
        self.recipes = recipes  # how to get each argument for a block (see BlockRunner.argument)


class _Program:
    """The source of one block's row loop, and the recipes of the values it takes.

    Nothing here depends on where the block starts or what its cells hold, so one loop serves every block
    of the same shape.
    """

    def __init__(self, block: Block, book):
        self.block = block
        self.book = book
        self.filled = block.filled  # every column the block fills -> the column of its formula
        self.lines: list[str] = []  # statements computing the current column
        self.arguments: dict[str, tuple] = {}  # parameter name -> recipe of the value passed in
        self.row_inputs: dict[tuple, str] = {}  # (sheet, column, row offset) -> local loaded each row
        self.constants: dict[tuple, str] = {}  # (sheet, row, column) -> parameter checked at entry
        self.carried: dict[int, str] = {}  # block column read from the row above -> local
        self.columns: dict[int, str] = {}  # block column -> its local, once computed in the row
        self.column_now = 0
        self.element: int | None = None  # in an array row: which cell of its area is being written
        self.width = 0  # the width of that area
        self.temporaries = 0
        self.inlining: list[str] = []  # LAMBDA names being written out (one calling itself is left alone)

    def build(self) -> _Loop | None:
        block = self.block
        fast_columns = 0
        body: list[str] = []
        for column in block.columns:
            self.column_now = column
            area = block.pieces[column][0].area
            self.width = 0 if area is None else area[1]
            filled = [column + offset for offset in range(max(self.width, 1))]
            # What a formula registers (inputs, constants, carried values) is undone if it turns out unsuitable:
            # an input only its interpreter column reads must not be checked by the loop.
            saved = dict(self.row_inputs), dict(self.constants), dict(self.carried), dict(self.arguments)
            try:
                body += self.formula(column, filled)
                fast_columns += 1
            except _Unsuitable:
                self.row_inputs, self.constants, self.carried, self.arguments = saved
                name = self.argument(f"_slow{column}", ("slow", column))
                if self.width:
                    body.append(f"_row = {name}(_i)")
                    body += [f"c{target} = _row[{offset}]" for offset, target in enumerate(filled)]
                else:
                    body.append(f"c{column} = {name}(_i)")
                body += [f"if type(c{target}) is not float: raise _B" for target in filled]
            self.element = None
            for target in filled:
                body.append(f"_out{target}[_i] = c{target}")
                self.arguments[f"_out{target}"] = ("out", target)
                self.columns[target] = f"c{target}"
        if not fast_columns:
            return None
        return self.assemble(body)

    def formula(self, column: int, filled: list[int]) -> list[str]:
        """Statements computing the locals ``c<column>`` of the cells that one column's formula fills."""
        if _copied(self.block, column):
            name = self.argument(f"_copy{column}", ("copy", column))
            return [f"c{column} = {name}[_i]", f"if type(c{column}) is not float: raise _B"]
        variants = _variants(self.block, column)
        if len(variants) > MAX_VARIANTS:
            raise _Unsuitable
        branches = []
        for tree in variants:
            lines = []
            for offset, target in enumerate(filled):
                self.lines = []
                self.element = offset if self.width else None
                code, _, kind = self.expression(tree, {}, lazy=False, depth=0)
                if kind != "number":
                    raise _Unsuitable
                lines += self.lines
                lines.append(f"c{target} = {code}")
            branches.append(lines)
        if len(branches) == 1:
            return branches[0]
        # The formula of each row is chosen by a byte per row (see BlockRunner.argument).
        chosen = self.argument(f"_sel{column}", ("select", column))
        lines = [f"_v = {chosen}[_i]"]
        for number, branch in enumerate(branches):
            test = "else" if number == len(branches) - 1 else f"{'elif' if number else 'if'} _v == {number}"
            lines.append(test + ":")
            lines += ["    " + line for line in branch]
        return lines

    def assemble(self, body: list[str]) -> _Loop:
        loads = []
        for (sheet, column, offset), local in self.row_inputs.items():
            self.arguments[f"_in_{local}"] = ("inputs", sheet, column, offset)
            loads += [f"{local} = _in_{local}[_i]", f"if type({local}) is not float: raise _B"]
        total = " + ".join(self.columns.values())
        carry = [f"{local} = {self.columns[column]}" for column, local in self.carried.items()]
        entry = [f"if type({local}) is not float: return _start" for local in self.carried.values()]
        entry += [f"if type({name}) is not float: return _start" for name in self.constants.values()]
        parameters = ["_start", "_stop", *self.carried.values(), *self.arguments]
        source = "\n".join([
            f"def _block({', '.join(parameters)}):",
            *("    " + line for line in entry),
            "    _i = _start",
            "    try:",
            "        for _i in range(_start, _stop):",
            *("            " + line for line in loads + body),
            f"            _total = {total}",
            "            if _total - _total != 0.0: raise _B",
            *("            " + line for line in carry),
            "        return _stop",
            "    except Exception:  # any surprise: the interpreter computes the row",
            "        return _i",
        ])
        namespace = dict(_HELPERS)
        exec(_compiled(source), namespace)
        return _Loop(namespace["_block"], list(self.carried), list(self.arguments.values()), source)

    # -- values the loop reads --------------------------------------------------------------------

    def argument(self, name: str, recipe: tuple) -> str:
        self.arguments[name] = recipe
        return name

    def temporary(self) -> str:
        self.temporaries += 1
        return f"t{self.temporaries}"

    def sheet_of(self, node: n.Cell | n.Area) -> str:
        sheet = self.block.sheet if node.sheet is None else self.book.sheet_name(node.sheet)
        if sheet is None:
            raise _Unsuitable  # a missing sheet (#REF!): left to the interpreter
        return sheet

    def cell(self, node: n.Cell) -> tuple[str, bool, str]:
        column = node.column if node.column_absolute else self.column_now + node.column
        return self.cell_expression(self.sheet_of(node), node, column)

    def area_element(self, node: n.Area) -> tuple[str, bool, str]:
        """In an array row, the cell of a one-row area that meets the cell being written (Excel computes
        an array formula element by element; an area of another size is left to the interpreter)."""
        first, last = node.first, node.last
        if self.element is None or first.row_absolute != last.row_absolute or first.row != last.row:
            raise _Unsuitable
        columns = [c.column if c.column_absolute else self.column_now + c.column for c in (first, last)]
        if columns[1] - columns[0] + 1 != self.width:
            raise _Unsuitable
        return self.cell_expression(self.sheet_of(node), first, columns[0] + self.element)

    def cell_expression(self, sheet: str, node: n.Cell, column: int) -> tuple[str, bool, str]:
        """A cell as a local of the loop: this row's or the previous row's block value, a per-row input
        or a constant. Values here are finite when the row completes (inputs are checked as they load, block
        values by the row's total), so they count as checked."""
        block = self.block
        if sheet == block.sheet and column in self.filled and not node.row_absolute \
                and -node.row < block.rows:
            if node.row == 0 and column in self.columns:
                return self.columns[column], True, "number"
            if node.row == -1:
                if column not in self.carried:
                    self.carried[column] = f"p{column}"
                return self.carried[column], True, "number"
            raise _Unsuitable  # another row of the block: the interpreter reads it
        if node.row_absolute:
            key = (sheet, node.row, column)
            if key not in self.constants:
                self.constants[key] = self.argument(f"k{len(self.constants)}", ("constant", sheet, node.row, column))
            return self.constants[key], True, "number"
        # A row outside the block in every row of it (the block's own column as many rows up as the block is
        # long, as an epoch reads the one before) is computed before the block runs: an input like any other.
        key = (sheet, column, node.row)
        if key not in self.row_inputs:
            self.row_inputs[key] = f"x{len(self.row_inputs)}"
        return self.row_inputs[key], True, "number"

    # -- expressions ----------------------------------------------------------------------------

    def expression(self, node: n.Node, env: dict, lazy: bool, depth: int) -> tuple[str, bool, str]:
        """(Python expression, whether its value is known finite, "number" or "logical").

        ``lazy``: inside an IF branch, where nothing may be computed ahead (statements are not allowed).
        """
        kind = type(node)
        if kind is n.Number:
            return repr(node.value), True, "number"
        if kind is n.Cell:
            return self.cell(node)
        if kind is n.Area:
            return self.area_element(node)
        if kind is n.Name:
            return self.name(node, env)
        if kind is n.Unary:
            code, checked, _ = self.number(node.operand, env, lazy, depth)
            if node.operator == "-":
                return f"(-{code})", checked, "number"
            if node.operator == "%":
                return f"({code} / 100.0)", checked, "number"
            return code, checked, "number"
        if kind is n.Binary:
            return self.binary(node, env, lazy, depth)
        if kind is n.Call:
            return self.call(node, env, lazy, depth)
        if kind is n.Invoke and type(node.callee) is n.Call and node.callee.name == "LAMBDA":
            return self.inline(node.callee.args, node.args, env, lazy, depth)
        raise _Unsuitable

    def number(self, node: n.Node, env: dict, lazy: bool, depth: int) -> tuple[str, bool, str]:
        found = self.expression(node, env, lazy, depth)
        if found[2] != "number":
            raise _Unsuitable  # a logical where a number is expected: Excel's TRUE is not Python's
        return found

    def checked(self, node: n.Node, env: dict, lazy: bool, depth: int) -> str:
        """A number that must be finite where it is used (else it could vanish, as in 1/inf = 0)."""
        code, checked, _ = self.number(node, env, lazy, depth)
        if checked:
            return code
        if lazy:
            return f"_guard({code})"
        local = self.temporary()
        self.lines += [f"{local} = {code}", f"if {local} - {local} != 0.0: raise _B"]
        return local

    def binary(self, node: n.Binary, env: dict, lazy: bool, depth: int) -> tuple[str, bool, str]:
        symbol = node.operator
        if symbol in ("+", "-", "*"):
            left = self.number(node.left, env, lazy, depth)[0]
            right = self.number(node.right, env, lazy, depth)[0]
            return f"({left} {symbol} {right})", False, "number"
        if symbol == "/":
            left = self.number(node.left, env, lazy, depth)[0]
            right = self.checked(node.right, env, lazy, depth)
            return f"({left} / {right})", False, "number"
        if symbol == "^":
            base = self.checked(node.left, env, lazy, depth)
            exponent = node.right
            if type(exponent) is n.Number and exponent.value == 2.0:
                return f"_square({base})", False, "number"  # x^2 is x*x, as Excel multiplies
            if type(exponent) is n.Number and 0 < exponent.value < WHOLE_EXPONENT_LIMIT \
                    and exponent.value.is_integer():
                return f"_wpow({base}, {int(exponent.value)!r})", False, "number"
            return f"_power({base}, {self.checked(exponent, env, lazy, depth)})", False, "number"
        if symbol in _COMPARISONS:
            left = self.checked(node.left, env, lazy, depth)
            right = self.checked(node.right, env, lazy, depth)
            return f"({left} {_COMPARISONS[symbol]} {right})", True, "logical"
        raise _Unsuitable

    def condition(self, node: n.Node, env: dict, lazy: bool, depth: int) -> str:
        code, _, kind = self.expression(node, env, lazy, depth)
        if kind == "logical":
            return code
        return f"({self.checked(node, env, lazy, depth)} != 0.0)"

    def call(self, node: n.Call, env: dict, lazy: bool, depth: int) -> tuple[str, bool, str]:
        name, args = node.name, node.args
        if any(type(arg) is n.Missing or type(arg) is n.Area and self.element is None for arg in args):
            raise _Unsuitable
        if name == "IF":
            if len(args) != 3:
                raise _Unsuitable
            test = self.condition(args[0], env, lazy, depth)
            then = self.number(args[1], env, True, depth)
            otherwise = self.number(args[2], env, True, depth)
            return f"({then[0]} if {test} else {otherwise[0]})", then[1] and otherwise[1], "number"
        if name in ("AND", "OR", "MIN", "MAX") and self.element is not None:
            raise _Unsuitable  # in an array row these would take the whole array, not one element
        if name in ("AND", "OR") and args:
            # Both sides are evaluated, as Excel evaluates every argument (& and | do not short-circuit).
            tests = [self.condition(arg, env, lazy, depth) for arg in args]
            return f"({(' & ' if name == 'AND' else ' | ').join(tests)})", True, "logical"
        if name == "NOT" and len(args) == 1:
            return f"(not {self.condition(args[0], env, lazy, depth)})", True, "logical"
        if name == "LET":
            return self.let(args, env, lazy, depth)
        if name in _FUNCTIONS and len(args) == 1:
            shows = _FUNCTIONS[name]
            argument = self.number(args[0], env, lazy, depth)[0] if shows else self.checked(args[0], env, lazy, depth)
            return f"_{name.lower()}({argument})", False, "number"
        if name == "POWER" and len(args) == 2:
            return self.binary(n.Binary("^", args[0], args[1]), env, lazy, depth)
        if name in ("MAX", "MIN") and args:
            values = [self.checked(arg, env, lazy, depth) for arg in args]
            if len(values) == 1:
                return values[0], True, "number"
            return f"{name.lower()}({', '.join(values)})", True, "number"
        if name == "ROW" and not args and self.element is None:
            return f"float(_i + {self.argument('_row0', ('first row',))})", True, "number"
        if name == "COLUMN" and not args and self.element is None:
            return repr(float(self.column_now)), True, "number"
        key = name_key(name)
        if key in env or name in FUNCTIONS or name in REFUSED or name in SPECIAL_FORMS or key in self.inlining:
            raise _Unsuitable  # a LAMBDA in a variable, another function, or a LAMBDA name calling itself
        tree = self.book.name_tree(key, self.block.sheet)
        if type(tree) is n.Call and tree.name == "LAMBDA":
            self.inlining.append(key)
            try:
                return self.inline(tree.args, args, env, lazy, depth)
            finally:
                self.inlining.pop()
        raise _Unsuitable

    def let(self, args: tuple[n.Node, ...], env: dict, lazy: bool, depth: int) -> tuple[str, bool, str]:
        """LET(name, value, ..., body): each value a checked local (a variable could be inf and vanish)."""
        if len(args) < 3 or len(args) % 2 == 0 or not all(type(a) is n.Name for a in args[:-1:2]):
            raise _Unsuitable
        env = dict(env)
        steps = []
        for index in range(0, len(args) - 1, 2):
            env[args[index].key] = self.bind(args[index + 1], env, lazy, depth, steps)
        return self.with_steps(steps, self.number(args[-1], env, lazy, depth))

    def inline(self, definition: tuple[n.Node, ...], args: tuple[n.Node, ...], env: dict, lazy: bool,
               depth: int) -> tuple[str, bool, str]:
        """A LAMBDA call written out in place: each argument a checked local, then the body."""
        parameters = definition[:-1]
        if depth >= _MAX_INLINE_DEPTH or not definition or len(parameters) != len(args) \
                or not all(type(p) is n.Name for p in parameters):
            raise _Unsuitable
        steps: list[str] = []
        inner = {parameter_key(p.key)[0]: self.bind(arg, env, lazy, depth, steps) for p, arg in zip(parameters, args)}
        return self.with_steps(steps, self.number(definition[-1], inner, lazy, depth + 1))

    def bind(self, node: n.Node, env: dict, lazy: bool, depth: int, steps: list[str]) -> str:
        """A variable's value as a local or a literal: computed by a statement ahead, or inside an IF branch
        by an assignment expression in ``steps``."""
        code = self.checked(node, env, lazy, depth)
        if code.isidentifier() or _is_literal(code):
            return code
        local = self.temporary()
        if lazy:
            steps.append(f"({local} := {code})")
        else:
            self.lines.append(f"{local} = {code}")
        return local

    @staticmethod
    def with_steps(steps: list[str], result: tuple[str, bool, str]) -> tuple[str, bool, str]:
        if not steps:
            return result
        return f"({', '.join(steps)}, {result[0]})[-1]", result[1], result[2]

    def name(self, node: n.Name, env: dict) -> tuple[str, bool, str]:
        if node.sheet is None and node.key in env:
            return env[node.key], True, "number"
        tree = self.book.name_tree(node.key, self.block.sheet if node.sheet is None else node.sheet)
        if type(tree) is n.Number:
            return repr(tree.value), True, "number"
        if type(tree) is n.Cell and tree.row_absolute and tree.column_absolute:
            sheet = self.block.sheet if tree.sheet is None else self.book.sheet_name(tree.sheet)
            if sheet is None:
                raise _Unsuitable
            return self.cell_expression(sheet, tree, tree.column)
        raise _Unsuitable


def _is_literal(code: str) -> bool:
    try:
        float(code)
    except ValueError:
        return False
    return True
