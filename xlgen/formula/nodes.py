"""The syntax tree of a formula, with references stored relative to the formula's cell.

A relative reference is stored as an offset from the cell that holds the formula
(``C5`` written in E5 is "same row, two columns left"); an absolute one
(``$C$5``) as its row or column number. Two cells whose formulas are the same
when written in R1C1 notation therefore get *equal* trees: a column filled down
with one formula has one tree, which is parsed and compiled once. Nodes are
frozen dataclasses, so a tree can be a dictionary key.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..values import ExcelError


class Node:
    """Base class of every syntax-tree node."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Number(Node):
    value: float


@dataclass(frozen=True, slots=True)
class Text(Node):
    value: str


@dataclass(frozen=True, slots=True)
class Logical(Node):
    value: bool


@dataclass(frozen=True, slots=True)
class Error(Node):
    value: ExcelError


@dataclass(frozen=True, slots=True)
class Missing(Node):
    """An omitted argument, as in ``IF(A1,,2)``."""


@dataclass(frozen=True, slots=True)
class ArrayConstant(Node):
    """``{1,2;3,4}``: rows of constants (floats, text, booleans, errors)."""

    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True, slots=True)
class Cell(Node):
    """A cell reference. ``row``/``column`` are offsets from the formula's cell unless absolute."""

    sheet: str | None  # None: the formula's own sheet
    row: int
    column: int
    row_absolute: bool
    column_absolute: bool


@dataclass(frozen=True, slots=True)
class Area(Node):
    """A rectangular reference ``A1:B2`` (also ``A:A`` and ``1:1``), each corner stored like :class:`Cell`."""

    sheet: str | None
    first: Cell
    last: Cell


@dataclass(frozen=True, slots=True)
class BadReference(Node):
    """``#REF!`` where a reference was (``Sheet1!#REF!``), or a reference outside Excel's grid."""


@dataclass(frozen=True, slots=True)
class Refused(Node):
    """Something the engine refuses to evaluate, with the reason (an external workbook reference, a 3-D one)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A defined name or a LET/LAMBDA parameter; ``key`` is the case-folded name without ``_xlpm.``."""

    key: str
    sheet: str | None = None  # ``Sheet1!name``: the name as seen from that sheet
    # The name as written (without ``_xlpm.``) when that differs from ``key``: Excel ignores case, LibreOffice not.
    written: str | None = None


@dataclass(frozen=True, slots=True)
class Unary(Node):
    operator: str  # "-", "+" (prefix) or "%" (postfix)
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    operator: str  # + - * / ^ & = <> < > <= >= and the reference operators ":" " " ","
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    """``NAME(args)``; ``name`` is upper-case without ``_xlfn.``/``_xlws.`` prefixes."""

    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Invoke(Node):
    """Calling the value of an expression: ``LAMBDA(x,x+1)(2)``."""

    callee: Node
    args: tuple[Node, ...]


def walk(node: Node):
    """Every node of the tree, parents before children (an :class:`Area`'s corners are not nodes of their own)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Unary):
            stack.append(current.operand)
        elif isinstance(current, Binary):
            stack += (current.right, current.left)
        elif isinstance(current, Call):
            stack += reversed(current.args)
        elif isinstance(current, Invoke):
            stack += reversed(current.args)
            stack.append(current.callee)
