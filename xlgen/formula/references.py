"""Which cells a formula reads: the references in its tree and in the defined names it uses.

These are *static* dependencies: both branches of an IF count, and a function
that returns part of a reference (INDEX) depends on the whole reference. The
evaluator orders cells by them, so every cell is computed before a formula
can read it. LET and LAMBDA variables are followed by scope, so a variable
that happens to share a defined name's spelling adds no dependency.
"""

from __future__ import annotations

from collections.abc import Callable

from . import nodes as n
from .functions import FUNCTIONS, REFUSED
from .interpreter import SPECIAL_FORMS
from .parser import name_key, parameter_key

_POSITION_ONLY = frozenset({"ROW", "COLUMN", "ROWS", "COLUMNS"})

Spec = tuple[str | None, n.Node]  # (sheet as written or None for the formula's own, Cell or Area)
NameReferences = Callable[[str, str | None], list[Spec]]  # (name key, sheet written) -> the name's references


def references(tree: n.Node, name_references: NameReferences) -> list[Spec]:
    """Every reference ``tree`` may read, with those of the names it uses."""
    found: list[Spec] = []
    _collect(tree, frozenset(), found, name_references)
    unique: dict[Spec, None] = dict.fromkeys(found)
    return list(unique)


def names_evaluated(tree: n.Node) -> list[tuple[str, str | None]]:
    """The defined names (key, sheet written) that evaluating a name whose formula is ``tree`` may evaluate.

    None for a LAMBDA name: its value is the function, whose body runs only when called (so it may call
    itself). Otherwise every name the tree uses, the bodies of the LAMBDAs it calls at once (MAP, an
    invoked LAMBDA) included.
    """
    if type(tree) is n.Call and tree.name == "LAMBDA":
        return []
    found: list[tuple[str, str | None]] = []

    def record(key: str, sheet: str | None) -> list[Spec]:
        found.append((key, sheet))
        return []

    _collect(tree, frozenset(), [], record)
    return list(dict.fromkeys(found))


def _collect(node: n.Node, local: frozenset[str], found: list[Spec], names: NameReferences) -> None:
    kind = type(node)
    if kind is n.Cell or kind is n.Area:
        found.append((node.sheet, node))
    elif kind is n.Name:
        if node.sheet is not None or node.key not in local:
            found += names(node.key, node.sheet)
    elif kind is n.Unary:
        _collect(node.operand, local, found, names)
    elif kind is n.Binary:
        _collect(node.left, local, found, names)
        _collect(node.right, local, found, names)
    elif kind is n.Invoke:
        _collect(node.callee, local, found, names)
        for arg in node.args:
            _collect(arg, local, found, names)
    elif kind is n.Call:
        if node.name == "LET":
            args = node.args
            for index in range(0, len(args) - 1, 2):
                if type(args[index]) is n.Name:
                    _collect(args[index + 1], local, found, names)
                    local = local | {args[index].key}
            if args:
                _collect(args[-1], local, found, names)
            return
        if node.name == "LAMBDA":
            parameters = {parameter_key(arg.key)[0] for arg in node.args[:-1] if type(arg) is n.Name}
            if node.args:
                _collect(node.args[-1], local | parameters, found, names)
            return
        if node.name in REFUSED:
            return  # never evaluated: what its arguments read does not matter
        if node.name in _POSITION_ONLY:
            # ROW(A4) in A4 is not circular: these functions use where a reference is, not what it holds.
            for arg in node.args:
                if type(arg) is not n.Cell and type(arg) is not n.Area:
                    _collect(arg, local, found, names)
            return
        key = name_key(node.name)
        if key not in local and node.name not in FUNCTIONS and node.name not in REFUSED \
                and node.name not in SPECIAL_FORMS:
            found += names(key, None)
        for arg in node.args:
            _collect(arg, local, found, names)
