"""The full-semantics evaluator: a syntax tree compiled into nested Python closures.

Every node becomes a closure ``f(context) -> value`` that implements Excel's
rules (see :mod:`.operators`, :mod:`.coerce`, :mod:`.functions`): errors as
values, arrays element by element, references kept as references where a
function wants one (and narrowed to the formula's row in plain formulas, see
:class:`~.context.Context`), lazy IF/IFERROR/IFS/SWITCH, LET variables and
LAMBDA values (optional parameters, LAMBDAs returning LAMBDAs, built-ins
passed by name as ``_xleta.SUM``), defined names. Compiling once into closures and calling them for every
cell of a shape is several times faster than walking the tree each time; the
hot loops of a sheet go further still through :mod:`.compiler`, which falls
back to these closures whenever a value is not a plain number.

Things the engine will not evaluate (a refused or unknown function, an
external reference) compile to a closure that returns
:class:`~xlgen.values.Unsupported` naming the cell, so that they fail only the
cells that actually depend on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..cells import MAX_COLUMNS, MAX_ROWS
from ..values import CALC, NA, NAME, NULL, REF, VALUE, ExcelError, Unsupported
from . import nodes as n
from .coerce import compare, is_failure, to_logical
from .context import Context, dereference, implicit_intersection, invoke
from .functions import FUNCTIONS, REFUSED
from .operands import OMITTED, Array, Lambda, Ref, broadcast_shape
from .operators import arithmetic, comparison, concatenate, negate, percent, plus
from .parser import name_key, parameter_key

Compiled = Callable[[Context], object]

_ETA_PREFIX = "_xleta."  # a built-in function passed as a value: MAP(A1:A3, ABS) is stored _xleta.ABS


class Scope(Protocol):
    """How a formula's names and sheet names are resolved while it is compiled."""

    def sheet_name(self, text: str) -> str | None:
        """The workbook's spelling of sheet ``text`` (names are case-insensitive), or None if there is none."""

    def defined_name(self, key: str, sheet: str) -> Compiled | None:
        """The compiled defined name ``key`` as sheet ``sheet`` sees it, or None."""


Trace = Callable[[n.Node, Context, object], object]
"""``trace(node, context, result) -> result``: told each node's result as it is computed (see :mod:`xlgen.explain`)."""


def compile_tree(tree: n.Node, sheet: str, scope: Scope, trace: Trace | None = None) -> Compiled:
    """``tree`` as a closure returning the formula's raw result (possibly a :class:`Ref` or :class:`Array`).

    With ``trace``, every node of the tree reports its result, in the order Excel computes them.
    """
    return _Compiler(sheet, scope, trace).raw(tree, frozenset())


def cell_result(context: Context, result: object) -> object:
    """What a plain (non-array) formula shows in its cell.

    A reference is read (a multi-cell one through implicit intersection), an
    array gives its top-left element, an empty cell reads as 0 and a LAMBDA
    value is ``#CALC!``.
    """
    kind = type(result)
    if kind is float or kind is str or kind is bool or kind is ExcelError:
        return result
    if kind is Ref or kind is Array:
        result = implicit_intersection(context, result)
    if result is None or result is OMITTED:
        return 0.0
    if type(result) is Lambda:
        return CALC
    if type(result) is int:
        return float(result)
    return result


def array_result(context: Context, result: object, height: int, width: int) -> list[list[object]]:
    """What an array formula shows in its ``height`` x ``width`` area: the result repeated or cut to size,
    ``#N/A`` where it has no element (Excel's rule for array formulas)."""
    value = dereference(context, result)
    array = value if type(value) is Array else Array([[value]])
    rows = []
    for i in range(height):
        line = []
        for j in range(width):
            element = array.at(i, j)
            line.append(0.0 if element is None or element is OMITTED else CALC if type(element) is Lambda else element)
        rows.append(line)
    return rows


def _constant(value: object) -> Compiled:
    return lambda context: value


def _unsupported(reason: str) -> Compiled:
    return lambda context: Unsupported(f"{reason} at {context.where}")


class _Compiler:
    def __init__(self, sheet: str, scope: Scope, trace: Trace | None = None):
        self.sheet = sheet
        self.scope = scope
        self.trace = trace

    # -- references and values ------------------------------------------------------------------

    def raw(self, node: n.Node, local: frozenset[str]) -> Compiled:
        """A closure giving the node's result as is (references stay :class:`Ref`)."""
        compiled = self.untraced(node, local)
        return compiled if self.trace is None else self.traced(node, compiled)

    def traced(self, node: n.Node, compiled: Compiled) -> Compiled:
        trace = self.trace
        return lambda context: trace(node, context, compiled(context))

    def untraced(self, node: n.Node, local: frozenset[str]) -> Compiled:
        kind = type(node)
        if kind is n.Number or kind is n.Text or kind is n.Logical or kind is n.Error:
            return _constant(node.value)
        if kind is n.Missing:
            return _constant(OMITTED)
        if kind is n.ArrayConstant:
            return _constant(Array([list(row) for row in node.rows]))
        if kind is n.Cell or kind is n.Area:
            return self.reference(node)
        if kind is n.BadReference:
            return _constant(REF)
        if kind is n.Refused:
            return _unsupported(node.reason)
        if kind is n.Name:
            return self.name(node, local)
        if kind is n.Unary:
            return self.unary(node, local)
        if kind is n.Binary:
            return self.binary(node, local)
        if kind is n.Call:
            return self.call(node, local)
        if kind is n.Invoke:
            callee = self.raw(node.callee, local)
            args = [self.raw(arg, local) for arg in node.args]
            return lambda context: invoke(context, callee(context), [arg(context) for arg in args])
        raise TypeError(f"unknown node {node!r}")

    def value(self, node: n.Node, local: frozenset[str]) -> Compiled:
        """A closure giving the node's value: references read (one cell's value, or an :class:`Array`)."""
        if type(node) is n.Cell:
            read = self.cell_value(node)
            return read if self.trace is None else self.traced(node, read)
        raw = self.raw(node, local)
        if type(node) is n.Name and node.sheet is None and node.key in local:
            return self.variable_value(node.key, raw)
        return lambda context: dereference(context, raw(context))

    @staticmethod
    def variable_value(key: str, raw: Compiled) -> Compiled:
        """A LET/LAMBDA variable used as a value; an optional parameter left out is Unsupported there, as
        what Excel computes from it (outside ISOMITTED) is not established."""

        def read(context: Context) -> object:
            value = raw(context)
            if value is OMITTED:
                return Unsupported(f"the omitted LAMBDA argument {key} used as a value at {context.where}")
            return dereference(context, value)

        return read

    def target_sheet(self, written: str | None) -> str | None | ExcelError:
        """The sheet a reference points at; ``#REF!`` when the workbook has no such sheet."""
        if written is None:
            return None
        return self.scope.sheet_name(written) or REF

    def cell_value(self, node: n.Cell) -> Compiled:
        sheet = self.target_sheet(node.sheet)
        if sheet is REF:
            return _constant(REF)
        row, column, row_absolute, column_absolute = node.row, node.column, node.row_absolute, node.column_absolute

        def read(context: Context) -> object:
            r = row if row_absolute else context.row + row
            c = column if column_absolute else context.column + column
            if r < 1 or c < 1 or r > MAX_ROWS or c > MAX_COLUMNS:
                return REF
            return context.book.value(sheet or context.sheet, r, c)

        return read

    def reference(self, node: n.Cell | n.Area) -> Compiled:
        sheet = self.target_sheet(node.sheet)
        if sheet is REF:
            return _constant(REF)
        first, last = (node, node) if type(node) is n.Cell else (node.first, node.last)

        def ref(context: Context) -> object:
            r0 = first.row if first.row_absolute else context.row + first.row
            c0 = first.column if first.column_absolute else context.column + first.column
            r1 = last.row if last.row_absolute else context.row + last.row
            c1 = last.column if last.column_absolute else context.column + last.column
            if min(r0, r1, c0, c1) < 1 or max(r0, r1) > MAX_ROWS or max(c0, c1) > MAX_COLUMNS:
                return REF
            return Ref(sheet or context.sheet, min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1))

        return ref

    def name(self, node: n.Name, local: frozenset[str]) -> Compiled:
        key = node.key
        if node.sheet is None and key in local:
            return lambda context: context.env[key]
        sheet = self.sheet
        if node.sheet is not None:
            sheet = self.scope.sheet_name(node.sheet)
            if sheet is None:
                return _constant(REF)
        if key.startswith(_ETA_PREFIX) and node.sheet is None:
            return self.eta(key[len(_ETA_PREFIX):].upper())
        defined = self.scope.defined_name(key, sheet)
        if defined is not None:
            return defined
        if key.startswith("_xl"):
            return _unsupported(f"unsupported name {key}")  # one of Excel's own prefixes this engine does not know
        return _constant(NAME)  # a name the workbook does not define: #NAME? in Excel too

    def eta(self, name: str) -> Compiled:
        """A built-in function passed by name (``MAP(A1:A3, ABS)``, stored ``_xleta.ABS``): a LAMBDA value that
        calls the function with the arguments it is given."""
        if name in REFUSED:
            return _unsupported(f"unsupported function {name} ({REFUSED[name]})")
        if name not in FUNCTIONS and name not in _SPECIAL:
            return _unsupported(f"unsupported function {name}")
        calls: dict[int, tuple[tuple[str, ...], Compiled]] = {}

        def native(context: Context, args: list[object]) -> object:
            found = calls.get(len(args))
            if found is None:
                keys = tuple(f"#{i}" for i in range(len(args)))  # no formula can spell these names
                call = self.call(n.Call(name, tuple(n.Name(key) for key in keys)), frozenset(keys))
                found = calls[len(args)] = (keys, call)
            keys, call = found
            return call(context.with_env(dict(zip(keys, args)), context.depth + 1))

        function = Lambda((), None, {}, name, native=native)
        return _constant(function)

    # -- operators ------------------------------------------------------------------------------

    def unary(self, node: n.Unary, local: frozenset[str]) -> Compiled:
        operand = self.value(node.operand, local)
        operator = {"-": negate, "+": plus, "%": percent}[node.operator]
        if operator is plus:
            return self.raw(node.operand, local)
        return lambda context: operator(operand(context))

    def binary(self, node: n.Binary, local: frozenset[str]) -> Compiled:
        symbol = node.operator
        if symbol in (":", " ", ","):
            left, right = self.raw(node.left, local), self.raw(node.right, local)
            combine = {":": _span, " ": _intersect, ",": _union}[symbol]
            return lambda context: combine(context, left(context), right(context))
        left, right = self.value(node.left, local), self.value(node.right, local)
        if symbol == "&":
            operator = concatenate
        elif symbol in ("+", "-", "*", "/", "^"):
            operator = arithmetic(symbol)
        else:
            operator = comparison(symbol)

        def apply(context: Context) -> object:
            x, y = left(context), right(context)
            if type(x) is Array or type(y) is Array:
                _charge_broadcast(context, x, y)
            return operator(x, y)

        return apply

    # -- calls ----------------------------------------------------------------------------------

    def call(self, node: n.Call, local: frozenset[str]) -> Compiled:
        name, args = node.name, node.args
        special = _SPECIAL.get(name)
        if special is not None:
            return special(self, args, local)
        key = name_key(name)
        if key in local:
            return self.invoke_name(lambda context: context.env[key], args, local)
        if name in REFUSED:
            return _unsupported(f"unsupported function {name} ({REFUSED[name]})")
        function = FUNCTIONS.get(name)
        if function is None:
            defined = self.scope.defined_name(key, self.sheet)
            if defined is not None:
                return self.invoke_name(defined, args, local)
            return _unsupported(f"unsupported function {name}")
        if not function.min_args <= len(args) <= function.max_args:
            return _unsupported(f"{name} with {len(args)} arguments")
        compiled = [self.raw(arg, local) for arg in args]
        call = function.call
        if function.arrays:
            def call_with_arrays(context: Context) -> object:
                inner = context.as_array()
                return call(inner, [arg(inner) for arg in compiled])
            return call_with_arrays
        return lambda context: call(context, [arg(context) for arg in compiled])

    def invoke_name(self, callee: Compiled, args: tuple[n.Node, ...], local: frozenset[str]) -> Compiled:
        compiled = [self.raw(arg, local) for arg in args]
        return lambda context: invoke(context, callee(context), [arg(context) for arg in compiled])

    def if_(self, args: tuple[n.Node, ...], local: frozenset[str]) -> Compiled:
        """IF(condition, [then], [else]); a branch left empty is 0, a missing else is FALSE."""
        if not 1 <= len(args) <= 3:
            return _unsupported(f"IF with {len(args)} arguments")
        condition = self.value(args[0], local)
        then = self.branch(args[1] if len(args) > 1 else n.Logical(True), local)
        otherwise = self.branch(args[2] if len(args) > 2 else n.Logical(False), local)

        def evaluate(context: Context) -> object:
            test = condition(context)
            if type(test) is Array:
                return _choose_each(context, test, then, otherwise)
            test = to_logical(test)
            if type(test) is not bool:
                return test
            return then(context) if test else otherwise(context)

        return evaluate

    def branch(self, node: n.Node, local: frozenset[str]) -> Compiled:
        return _constant(0.0) if type(node) is n.Missing else self.raw(node, local)

    def iferror(self, args: tuple[n.Node, ...], local: frozenset[str], only_na: bool = False) -> Compiled:
        """IFERROR(value, fallback) / IFNA: the fallback where the value is an error (element by element)."""
        if len(args) != 2:
            return _unsupported(f"{'IFNA' if only_na else 'IFERROR'} with {len(args)} arguments")
        value, fallback = self.value(args[0], local), self.branch(args[1], local)

        def caught(element: object) -> bool:
            return type(element) is ExcelError and (not only_na or element == NA)

        def evaluate(context: Context) -> object:
            result = value(context)
            if type(result) is Array:
                if not any(caught(element) for element in result.values()):
                    return result
                replacement = dereference(context, fallback(context))
                return Array([[_at(replacement, i, j) if caught(element) else element
                               for j, element in enumerate(row)] for i, row in enumerate(result.rows)])
            if caught(result):
                return fallback(context)
            return 0.0 if result is None else result

        return evaluate

    def ifs(self, args: tuple[n.Node, ...], local: frozenset[str]) -> Compiled:
        """IFS(test1, value1, ...): the value of the first TRUE test; #N/A when none is."""
        if len(args) < 2 or len(args) % 2:
            return _unsupported(f"IFS with {len(args)} arguments")
        pairs = [(self.value(args[i], local), self.branch(args[i + 1], local)) for i in range(0, len(args), 2)]

        def evaluate(context: Context) -> object:
            for test, result in pairs:
                logical = to_logical(test(context))
                if type(logical) is not bool:
                    return logical if is_failure(logical) else VALUE
                if logical:
                    return result(context)
            return NA

        return evaluate

    def switch(self, args: tuple[n.Node, ...], local: frozenset[str]) -> Compiled:
        """SWITCH(value, case1, result1, ..., [default]): the result of the first case equal to the value."""
        if len(args) < 3:
            return _unsupported(f"SWITCH with {len(args)} arguments")
        subject = self.value(args[0], local)
        rest = args[1:]
        pairs = [(self.value(rest[i], local), self.branch(rest[i + 1], local)) for i in range(0, len(rest) - 1, 2)]
        default = self.branch(rest[-1], local) if len(rest) % 2 else None

        def evaluate(context: Context) -> object:
            value = subject(context)
            if is_failure(value):
                return value
            for case, result in pairs:
                candidate = case(context)
                if is_failure(candidate):
                    return candidate
                if type(value) is not Array and type(candidate) is not Array and compare(value, candidate) == 0:
                    return result(context)
            return default(context) if default is not None else NA

        return evaluate

    def let(self, args: tuple[n.Node, ...], local: frozenset[str]) -> Compiled:
        """LET(name1, value1, ..., body): each value sees the names before it."""
        if len(args) < 3 or len(args) % 2 == 0 or not all(type(a) is n.Name for a in args[:-1:2]):
            return _unsupported("LET with misplaced names")
        bindings = []
        for i in range(0, len(args) - 1, 2):
            bindings.append((args[i].key, self.raw(args[i + 1], local)))
            local = local | {args[i].key}
        body = self.raw(args[-1], local)

        def evaluate(context: Context) -> object:
            inner = context.with_env(dict(context.env))
            env = inner.env
            for key, value in bindings:
                env[key] = value(inner)
            return body(inner)

        return evaluate

    def lambda_(self, args: tuple[n.Node, ...], local: frozenset[str]) -> Compiled:
        """LAMBDA(parameter1, ..., body): a function value closing over the variables in scope."""
        parameters = args[:-1]
        if not args or not all(type(p) is n.Name and p.sheet is None for p in parameters):
            return _unsupported("LAMBDA with misplaced parameters")
        keys, optional = zip(*(parameter_key(p.key) for p in parameters)) if parameters else ((), ())
        required = max((i + 1 for i, is_optional in enumerate(optional) if not is_optional), default=0)
        body = self.raw(args[-1], local | set(keys))
        return lambda context: Lambda(keys, body, context.env, required=required)


def _at(value: object, i: int, j: int) -> object:
    return value.at(i, j) if type(value) is Array else value


def _choose_each(context: Context, test: Array, then: Compiled, otherwise: Compiled) -> Array:
    """IF over an array of conditions: each element picks from ``then`` or ``otherwise``."""
    chosen_then = dereference(context, then(context))
    chosen_else = dereference(context, otherwise(context))
    shapes = [test] + [v for v in (chosen_then, chosen_else) if type(v) is Array]
    height, width = broadcast_shape(*shapes)
    context.book.budget.array(context, height, width)
    rows = []
    for i in range(height):
        line = []
        for j in range(width):
            logical = to_logical(test.at(i, j))
            if type(logical) is not bool:
                line.append(logical)
            else:
                line.append(_at(chosen_then if logical else chosen_else, i, j))
        rows.append(line)
    return Array(rows)


def _charge_broadcast(context: Context, left: object, right: object) -> None:
    """Charge the array an operator makes of two operands (a row and a column make a rectangle)."""
    height, width = broadcast_shape(*(side for side in (left, right) if type(side) is Array))
    context.book.budget.array(context, height, width)


def _span(context: Context, left: object, right: object) -> object:
    """``A1:B2`` built from two references: the smallest rectangle holding both."""
    for side in (left, right):
        if is_failure(side):
            return side
        if type(side) is not Ref:
            return VALUE
    if left.sheet != right.sheet:
        return REF
    return Ref(left.sheet, min(left.first_row, right.first_row), min(left.first_column, right.first_column),
               max(left.last_row, right.last_row), max(left.last_column, right.last_column))


def _intersect(context: Context, left: object, right: object) -> object:
    """``A1:B2 B1:C3``: the cells in both references, or ``#NULL!``."""
    for side in (left, right):
        if is_failure(side):
            return side
        if type(side) is not Ref:
            return VALUE
    rows = (max(left.first_row, right.first_row), min(left.last_row, right.last_row))
    columns = (max(left.first_column, right.first_column), min(left.last_column, right.last_column))
    if left.sheet != right.sheet or rows[0] > rows[1] or columns[0] > columns[1]:
        return NULL
    return Ref(left.sheet, rows[0], columns[0], rows[1], columns[1])


def _union(context: Context, left: object, right: object) -> object:
    return Unsupported(f"a union of references (A1,B2) at {context.where}")


_SPECIAL: dict[str, Callable] = {
    "IF": _Compiler.if_,
    "IFERROR": _Compiler.iferror,
    "IFNA": lambda self, args, local: self.iferror(args, local, only_na=True),
    "IFS": _Compiler.ifs,
    "SWITCH": _Compiler.switch,
    "LET": _Compiler.let,
    "LAMBDA": _Compiler.lambda_,
}

SPECIAL_FORMS = frozenset(_SPECIAL)
"""Functions the interpreter evaluates itself, because they must not evaluate all their arguments first."""
