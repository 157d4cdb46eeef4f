"""One cell's formula explained: laid out as a person would write it, and evaluated step by step.

What Excel's *Evaluate Formula* dialog shows, as text or a table: every
referenced cell, defined name, LET variable and LAMBDA call with its value, in
the order Excel computes them (the interpreter reports each node of the tree
through its tracing hook, :data:`xlgen.formula.interpreter.Trace`).

Where the cell is one of a checked quantity (from the workbook's manifest or a
spec), the explanation also gives the reference's value and, when they differ,
the first part of the formula whose value leaves the reference's. To find it
the formula is evaluated twice: with the workbook's values, and with the
reference's values in place of every quantity cell it reads. A part is
compared with the reference where the reference has a value for it: a
quantity cell it reads, a LET variable or a LAMBDA parameter named like a
quantity of the reference (``y_pred``, ``de_db``), and the whole formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cells import MAX_COLUMNS, MAX_ROWS, Range, cell_name, parse_range, quote_sheet
from .compare import ATOL, RTOL, compare_column
from .errors import XlgenError
from .formula import nodes as n
from .formula.evaluator import WorkbookEvaluator
from .formula.context import Context, dereference
from .formula.operands import OMITTED, Array, Lambda, Ref
from .formula.parser import name_key, parameter_key, spellings
from .values import NUM, ExcelError, Unsupported
from .visible import visible

WIDTH = 72
"""A call longer than this (with its indentation) is broken at its arguments."""

MAX_STEPS = 400
"""Steps shown at most (a LAMBDA mapped over a long range repeats its body for every element)."""

_INDENT = "    "
_BINDING = {"=": 10, "<>": 10, "<": 10, ">": 10, "<=": 10, ">=": 10, "&": 20, "+": 30, "-": 30, "*": 40,
            "/": 40, "^": 50, ",": 80, " ": 85, ":": 90}
_PREFIX, _POSTFIX = 70, 60
_SPACED = frozenset({"=", "<>", "<", ">", "<=", ">=", "&", "+", "-"})


# -- the layout ---------------------------------------------------------------------------------


class Writer:
    """A formula tree back to text, relative references resolved from the formula's cell (``row``, ``column``)."""

    def __init__(self, row: int, column: int, spelled: dict[str, str] | None = None):
        self.row = row
        self.column = column
        self.spelled = spelled or {}

    def name(self, key: str) -> str:
        return self.spelled.get(key, key)

    def flat(self, node: n.Node) -> str:
        """The formula on one line, with Excel's prefixes left out (``LET``, not ``_xlfn.LET``)."""
        kind = type(node)
        if kind is n.Number:
            return _number_text(node.value)
        if kind is n.Text:  # visible: a line break in the text is not one of the layout's
            return '"' + visible(node.value).replace('"', '""') + '"'
        if kind is n.Logical:
            return "TRUE" if node.value else "FALSE"
        if kind is n.Error:
            return str(node.value)
        if kind is n.Missing:
            return ""
        if kind is n.ArrayConstant:
            return "{" + ";".join(",".join(_constant_text(v) for v in row) for row in node.rows) + "}"
        if kind is n.Cell:
            return self.sheet(node.sheet) + self.cell(node)
        if kind is n.Area:
            return self.sheet(node.sheet) + self.area(node)
        if kind is n.BadReference:
            return "#REF!"
        if kind is n.Refused:
            return f"<{node.reason}>"
        if kind is n.Name:
            return self.sheet(node.sheet) + self.name(node.key)
        if kind is n.Unary:
            if node.operator == "%":
                return self.operand(node.operand, _POSTFIX) + "%"
            return node.operator + self.operand(node.operand, _PREFIX)
        if kind is n.Binary:
            power = _BINDING[node.operator]
            left = self.operand(node.left, power)
            right = self.operand(node.right, power + 1)  # left-associative: an equal right side is bracketed
            joint = f" {node.operator} " if node.operator in _SPACED else node.operator
            return left + joint + right
        if kind is n.Call:
            if node.name == "LAMBDA":
                return f"LAMBDA({', '.join(self.parameters(node) + [self.flat(node.args[-1])])})"
            return f"{self.call_name(node.name)}({', '.join(self.flat(arg) for arg in node.args)})"
        if kind is n.Invoke:
            callee = self.flat(node.callee)
            if type(node.callee) in (n.Unary, n.Binary):
                callee = f"({callee})"
            return f"{callee}({', '.join(self.flat(arg) for arg in node.args)})"
        return "?"

    def operand(self, node: n.Node, power: int) -> str:
        text = self.flat(node)
        if type(node) is n.Binary and _BINDING[node.operator] < power:
            return f"({text})"
        if type(node) is n.Unary and node.operator != "%" and power > _PREFIX:
            return f"({text})"
        return text

    def call_name(self, name: str) -> str:
        key = name_key(name)
        return self.spelled.get(key, name) if key in self.spelled else name

    def parameters(self, node: n.Call) -> list[str]:
        shown = []
        for parameter in node.args[:-1]:
            if type(parameter) is not n.Name:
                shown.append(self.flat(parameter))
                continue
            key, optional = parameter_key(parameter.key)
            shown.append(f"[{self.name(key)}]" if optional else self.name(key))
        return shown

    def sheet(self, sheet: str | None) -> str:
        return "" if sheet is None else quote_sheet(sheet) + "!"

    def cell(self, node: n.Cell) -> str:
        row = node.row if node.row_absolute else self.row + node.row
        column = node.column if node.column_absolute else self.column + node.column
        if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
            return "#REF!"
        letters = cell_name(1, column)[:-1]
        return f"{'$' if node.column_absolute else ''}{letters}{'$' if node.row_absolute else ''}{row}"

    def area(self, node: n.Area) -> str:
        first, last = self.cell(node.first), self.cell(node.last)
        if node.first.row == 1 and node.first.row_absolute and node.last.row == MAX_ROWS and node.last.row_absolute:
            return _strip_rows(first) + ":" + _strip_rows(last)  # A:A
        return f"{first}:{last}"

    def layout(self, node: n.Node, depth: int = 0, used: int = 0) -> str:
        """The formula as a person lays it out: one LET binding a line, a LAMBDA's parameters and body
        indented, a call too long for one line broken at its arguments (``used``: characters already on the
        line after the indentation)."""
        flat = self.flat(node)
        if len(_INDENT) * depth + used + len(flat) <= WIDTH and not _holds_let_or_lambda(node):
            return flat
        inner, outer = _INDENT * (depth + 1), _INDENT * depth
        if type(node) is n.Call and node.name == "LET" and len(node.args) >= 3:
            lines = []
            for i in range(0, len(node.args) - 1, 2):
                name = self.flat(node.args[i])
                lines.append(f"{inner}{name}, {self.layout(node.args[i + 1], depth + 1, len(name) + 2)},")
            return "LET(\n" + "\n".join(lines) + f"\n{inner}{self.layout(node.args[-1], depth + 1)}\n{outer})"
        if type(node) is n.Call and node.name == "LAMBDA" and node.args:
            head = f"{inner}{', '.join(self.parameters(node))},\n" if len(node.args) > 1 else ""
            return f"LAMBDA(\n{head}{inner}{self.layout(node.args[-1], depth + 1)}\n{outer})"
        if type(node) in (n.Call, n.Invoke) and node.args:
            if type(node) is n.Call:
                head = self.call_name(node.name)
            else:
                head = self.layout(node.callee, depth, used)
                if type(node.callee) in (n.Unary, n.Binary):
                    head = f"({head})"
            arguments = ",\n".join(inner + self.layout(arg, depth + 1) for arg in node.args)
            return f"{head}(\n{arguments}\n{outer})"
        if type(node) is n.Binary:
            power = _BINDING[node.operator]
            left_bracket = type(node.left) is n.Binary and _BINDING[node.left.operator] < power
            right_bracket = type(node.right) is n.Binary and _BINDING[node.right.operator] <= power
            left = self.layout(node.left, depth, used + left_bracket)
            if left_bracket:
                left = f"({left})"
            joint = f" {node.operator} " if node.operator in _SPACED else node.operator
            line = left.rpartition("\n")[2]
            start = len(line) - len(outer) if "\n" in left else used + len(line)
            right = self.layout(node.right, depth, start + len(joint) + right_bracket)
            if right_bracket:
                right = f"({right})"
            return left + joint + right
        if type(node) is n.Unary and node.operator != "%":
            operand = self.layout(node.operand, depth, used + 2)
            return node.operator + (f"({operand})" if type(node.operand) is n.Binary else operand)
        return flat


def _holds_let_or_lambda(node: n.Node) -> bool:
    return any(type(part) is n.Call and part.name in ("LET", "LAMBDA") for part in n.walk(node))


def _strip_rows(cell: str) -> str:
    return cell.rstrip("0123456789").rstrip("$")


def _number_text(value: float) -> str:
    """A number as a formula stores it: the shortest text that reads back as the same double."""
    text = repr(float(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace("e", "E")


def _constant_text(value: object) -> str:
    if type(value) is float:
        return _number_text(value)
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    if type(value) is str and not isinstance(value, ExcelError):
        return '"' + visible(value).replace('"', '""') + '"'
    return str(value)


def shown(value: object, limit: int = 60) -> str:
    """A value as the explanation shows it: numbers in full (the shortest exact text), arrays in braces."""
    if value is None:
        return "(empty)"
    if value is OMITTED:
        return "(omitted)"
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    if type(value) is float:
        return _number_text(value)
    if type(value) is Lambda:
        return f"LAMBDA {value.name}" if value.name != "LAMBDA" else "LAMBDA"
    if type(value) is Array:
        text = "{" + ";".join(",".join(shown(v) for v in row) for row in value.rows) + "}"
        return text if len(text) <= limit else text[:limit - 2] + "…}"
    if isinstance(value, ExcelError) or type(value) is Unsupported:
        return str(value)
    if type(value) is str:
        return '"' + visible(value) + '"'  # one line, whatever the text holds
    return str(value)


# -- the evaluation, step by step -------------------------------------------------------------


@dataclass
class Step:
    """One part of the formula and its value, as Evaluate Formula shows it."""

    kind: str  # "cell", "name", "let", "call" or "result"
    expression: str
    value: object
    depth: int = 0  # LAMBDA calls the step is inside (a LAMBDA mapped over a range repeats its body)
    reference: object = None  # the reference's value for this part, where it has one
    note: str = ""
    arguments: list[tuple[str, object]] = field(default_factory=list)  # a LAMBDA call's (parameter, value)
    node: n.Node | None = None
    occurrence: int = 0  # how many times this node was computed before


@dataclass
class CheckedCell:
    """The quantity a cell holds, the step, and the reference's values of the workbook's quantities."""

    quantity: str
    step: int
    reference_value: float
    per_step: dict[str, float]  # the reference's quantities at this step (empty for a per-epoch quantity)
    cells: dict[tuple[str, int, int], tuple[str, float]]  # quantity cells the formula reads -> (quantity, value)


@dataclass
class Explanation:
    sheet: str
    row: int
    column: int
    formula: str | None  # the text as stored, without "=", or None for a constant
    layout: str
    value: object
    steps: list[Step]
    checked: CheckedCell | None = None
    divergence: str | None = None
    truncated: int = 0  # steps left out beyond MAX_STEPS

    @property
    def cell(self) -> str:
        return f"{quote_sheet(self.sheet)}!{cell_name(self.row, self.column)}"

    def lines(self) -> list[str]:
        """The explanation as text, for a terminal."""
        head = f"{self.cell} = {shown(self.value)}"
        if self.checked is not None:
            head += (f"  ({self.checked.quantity}, step {self.checked.step}; "
                     f"the reference has {shown(self.checked.reference_value)})")
        out = [head]
        if self.formula is None:
            out.append("a constant: no formula to explain")
            return out
        out += ["", "=" + self.layout, "", "Evaluated in order:"]
        width = min(max((len(s.expression) + 2 * s.depth for s in self.steps), default=10), 48)
        for step in self.steps:
            text = _INDENT[:2] * step.depth + step.expression
            if len(text) > width:
                text = text[:width - 1] + "…"
            line = f"  {text:<{width}}  {shown(step.value)}"
            if step.reference is not None and not _same(step.value, step.reference):
                line += f"   (the reference: {shown(step.reference)})"
            if step.kind == "cell" and step.note:
                line += f"   [{step.note}]"
            out.append(line.rstrip())
            if step.arguments:
                out.append(f"  {'':<{width}}    with " + ", ".join(f"{p} = {shown(v, 40)}" for p, v in step.arguments))
            if step.kind == "call" and step.note:
                out.append(f"  {'':<{width}}    {step.note}")
        if self.truncated:
            out.append(f"  … and {self.truncated} more steps")
        if self.checked is not None:
            out.append("")
            out.append(self.divergence or "The value agrees with the reference.")
        return out

    def frame(self):
        """The steps as a DataFrame (``attrs`` hold the cell, its formula and layout and the verdict)."""
        import pandas as pd

        rows = [{"kind": s.kind, "expression": _step_text(s), "value": s.value, "reference": s.reference,
                 "depth": s.depth, "note": s.note} for s in self.steps]
        table = pd.DataFrame(rows, columns=["kind", "expression", "value", "reference", "depth", "note"])
        table.attrs.update({
            "cell": self.cell, "formula": self.formula, "layout": self.layout, "value": self.value,
            "quantity": self.checked.quantity if self.checked else None,
            "step": self.checked.step if self.checked else None,
            "reference_value": self.checked.reference_value if self.checked else None,
            "divergence": self.divergence,
        })
        return table


def _step_text(step: Step) -> str:
    if step.kind == "call" and step.arguments:
        return f"{step.expression}  [{', '.join(f'{p} = {shown(v, 24)}' for p, v in step.arguments)}]"
    return step.expression


class _Recorder:
    """The tracing hook: keeps each node's value (read through the context's book), in evaluation order."""

    def __init__(self, tree: n.Node):
        self.nodes = {id(node) for node in n.walk(tree)}
        self.events: list[tuple[n.Node, int, object, int]] = []  # (node, depth, value, occurrence)
        self.counts: dict[int, int] = {}

    def __call__(self, node: n.Node, context: Context, result: object) -> object:
        if id(node) in self.nodes and len(self.events) < 50 * MAX_STEPS:
            value = dereference(context.as_array(), result) if type(result) is Ref else result
            occurrence = self.counts.get(id(node), 0)
            self.counts[id(node)] = occurrence + 1
            self.events.append((node, context.depth, value, occurrence))
        return result


class _ReferenceInputs:
    """The workbook's cells, except that quantity cells hold the reference's values (a :class:`Book`)."""

    def __init__(self, book: WorkbookEvaluator, cells: Callable[[str, int, int], float | None]):
        self.book = book
        self.reference = cells

    def value(self, sheet: str, row: int, column: int) -> object:
        found = self.reference(sheet, row, column)
        if found is None:
            return self.book.value(sheet, row, column)
        return found if math.isfinite(found) else NUM

    def values(self, ref: Ref) -> list[list[object]]:
        return [[self.value(ref.sheet, r, c) for c in range(ref.first_column, ref.last_column + 1)]
                for r in range(ref.first_row, ref.last_row + 1)]

    def spill(self, sheet: str, row: int, column: int) -> Ref | None:
        return self.book.spill(sheet, row, column)

    def limit(self, ref: Ref) -> Ref:
        return self.book.limit(ref)

    def __getattr__(self, name: str):
        return getattr(self.book, name)  # the rest of the Book protocol (the evaluation budget) is the workbook's


def _same(value: object, expected: object) -> bool:
    """Whether a part of the formula agrees with the reference's value for it (the checker's rule for numbers,
    element by element for arrays)."""
    if type(expected) is Array or type(value) is Array:
        if type(expected) is not Array or type(value) is not Array or \
                (value.height, value.width) != (expected.height, expected.width):
            return False
        return all(_same(v, e) for v, e in zip(value.values(), expected.values()))
    if type(expected) is float:
        return compare_column("", None, [value], np.array([expected]), RTOL, ATOL).status[0] == "match"
    return type(value) is type(expected) and value == expected


class _Explainer:
    def __init__(self, evaluator: WorkbookEvaluator, sheet: str, row: int, column: int, tree: n.Node, text: str):
        self.evaluator = evaluator
        self.sheet, self.row, self.column = sheet, row, column
        self.tree = tree
        self.writer = Writer(row, column, spellings(text))
        self.bindings: dict[int, str] = {}  # id(value node of a LET) -> variable name
        self.calls: dict[int, tuple[str, list[str], str]] = {}  # id(call node) -> (name, parameters, description)
        self.arguments: dict[int, tuple[int, str]] = {}  # id(argument node) -> (id(call node), parameter)
        self.index()

    def index(self) -> None:
        for node in n.walk(self.tree):
            if type(node) is n.Call and node.name == "LET":
                for i in range(0, len(node.args) - 1, 2):
                    if type(node.args[i]) is n.Name:
                        self.bindings[id(node.args[i + 1])] = self.writer.name(node.args[i].key)
            elif type(node) is n.Call and node.name not in ("LET", "LAMBDA"):
                definition = self.evaluator.workbook.defined_name(name_key(node.name), self.sheet)
                tree = self.evaluator.name_tree(name_key(node.name), self.sheet) if definition else None
                if type(tree) is n.Call and tree.name == "LAMBDA":
                    spelled = spellings(definition.text)
                    parameters = [spelled.get(parameter_key(p.key)[0], parameter_key(p.key)[0])
                                  for p in tree.args[:-1] if type(p) is n.Name]
                    self.calls[id(node)] = (definition.name, parameters, definition.comment or "")
                    for argument, parameter in zip(node.args, parameters):
                        self.arguments[id(argument)] = (id(node), parameter)
            elif type(node) is n.Invoke and type(node.callee) is n.Call and node.callee.name == "LAMBDA":
                parameters = [self.writer.name(parameter_key(p.key)[0]) for p in node.callee.args[:-1]
                              if type(p) is n.Name]
                self.calls[id(node)] = ("LAMBDA", parameters, "")
                for argument, parameter in zip(node.args, parameters):
                    self.arguments[id(argument)] = (id(node), parameter)

    def run(self, book=None) -> tuple[object, list[tuple[n.Node, int, object, int]]]:
        recorder = _Recorder(self.tree)
        value = self.evaluator.traced(self.sheet, self.row, self.column, recorder, book)
        return value, recorder.events

    def steps(self, events: list[tuple[n.Node, int, object, int]], quantity_of) -> list[Step]:
        found: list[Step] = []
        last: dict[int, object] = {}
        for node, depth, value, occurrence in events:
            last[id(node)] = value
            kind = type(node)
            step = None
            if kind is n.Cell or kind is n.Area:
                step = Step("cell", self.writer.flat(node), value, depth, note=quantity_of(node))
            elif kind is n.Name and not (node.sheet is None and self.is_local(node)):
                step = Step("name", self.writer.flat(node), value, depth)
            elif id(node) in self.calls:
                name, parameters, description = self.calls[id(node)]
                arguments = [(p, last.get(id(a))) for p, a in zip(parameters, node.args)]
                step = Step("call", self.writer.flat(node), value, depth, note=description, arguments=arguments)
            if id(node) in self.bindings:
                found.append(Step("let", f"{self.bindings[id(node)]} = {self.writer.flat(node)}", value, depth,
                                  node=node, occurrence=occurrence))
                if step is None:
                    continue
            if step is not None:
                step.node, step.occurrence = node, occurrence
                found.append(step)
        return found

    def is_local(self, node: n.Name) -> bool:
        """A LET variable or LAMBDA parameter of the formula (not a defined name)."""
        return node.key in self.locals

    @property
    def locals(self) -> set[str]:
        found = set()
        for node in n.walk(self.tree):
            if type(node) is n.Call and node.name == "LET":
                found |= {a.key for a in node.args[:-1:2] if type(a) is n.Name}
            elif type(node) is n.Call and node.name == "LAMBDA":
                found |= {parameter_key(a.key)[0] for a in node.args[:-1] if type(a) is n.Name}
        return found


def explain(path: str | Path, cell: str, spec: str | Path | None = None,
            experiment: str | None = None) -> Explanation:
    """The explanation of ``cell`` (``"momentum!J17"``, ``"'My SGD'!C23"``) in the workbook at ``path``; with
    ``experiment``, checked with the spec drafted from the workbook (see :mod:`xlgen.draft_spec`)."""
    path = Path(path)
    evaluator = WorkbookEvaluator(path)
    target = _cell(evaluator, cell)
    sheet, row, column = target.sheet, target.first_row, target.first_column
    tree = evaluator.formula_at(sheet, row, column)
    checked, reference_cells, per_step = _checked(path, evaluator, spec, sheet, row, column, experiment)
    if tree is None:
        value = evaluator.evaluate([target])[0][0]
        return Explanation(sheet, row, column, None, "", value, [], checked)
    text = evaluator.workbook.sheets[sheet].cells.run_at(row, column).text_at(row)
    explainer = _Explainer(evaluator, sheet, row, column, tree, text)

    def quantity_of(node: n.Node) -> str:
        """The quantities of the cells a reference covers ("de_db, de_da"), or ""."""
        if reference_cells is None:
            return ""
        on = evaluator.sheet_name(node.sheet) if node.sheet else sheet
        r0, c0, r1, c1 = _rectangle(node, row, column)
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 10_000:
            return ""
        names = [reference_cells(on, r, c, True) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
        return ", ".join(dict.fromkeys(name for name in names if name))

    value, events = explainer.run()
    steps = explainer.steps(events, quantity_of)
    steps.append(Step("result", "the cell shows", value))
    explanation = Explanation(sheet, row, column, text, explainer.writer.layout(tree), value, steps, checked)
    if checked is not None:
        _compare(explanation, explainer, events, reference_cells, per_step)
    if len(explanation.steps) > MAX_STEPS:
        explanation.truncated = len(explanation.steps) - MAX_STEPS
        explanation.steps = explanation.steps[:MAX_STEPS - 1] + explanation.steps[-1:]
    return explanation


def _cell(evaluator: WorkbookEvaluator, text: str) -> Range:
    try:
        target = parse_range(text)
    except XlgenError:
        raise XlgenError(f"{evaluator.path}: {text!r} is not a cell like momentum!J17 or 'My SGD'!C23") from None
    sheet = evaluator.sheet_name(target.sheet)
    if sheet is None:
        raise XlgenError(f"{evaluator.path}: no sheet named {target.sheet!r}")
    if target.size != 1:
        raise XlgenError(f"{evaluator.path}: {text!r} is a range; explain one cell")
    return Range(sheet, target.first_row, target.first_column, target.first_row, target.first_column)


def _checked(path: Path, evaluator: WorkbookEvaluator, spec, sheet: str, row: int, column: int,
             experiment: str | None = None):
    """The quantity the cell holds and the reference's values, from the manifest or ``spec`` (None when the
    workbook says nothing about what it computes)."""
    from .course_reference import reference_for
    from .target import read_params, target_of

    try:
        target = target_of(path, spec, experiment=experiment)
    except XlgenError:
        if spec is not None or experiment is not None:
            raise
        return None, None, {}
    inputs = [source for source in target.params.values() if isinstance(source, Range)]  # not the quantities:
    # a million computed cells would be evaluated only to read the learning rate
    ranges = [Range(evaluator.sheet_name(r.sheet) or r.sheet, r.first_row, r.first_column, r.last_row,
                    r.last_column) for r in dict.fromkeys(inputs)]
    values = evaluator.evaluate([r for r in ranges if evaluator.sheet_name(r.sheet)])
    params = read_params(path, target, [r for r in ranges if evaluator.sheet_name(r.sheet)], values)
    table = reference_for(target, params, path)
    per_epoch = table.attrs.get("epochs")
    expected: dict[str, tuple[Range, list[float]]] = {}
    for quantity, source in target.quantities.items():
        column_values = table[quantity] if quantity in table.columns else (
            per_epoch[quantity] if per_epoch is not None and quantity in getattr(per_epoch, "columns", ()) else None)
        if column_values is None or len(column_values) != source.size:
            continue
        source = Range(evaluator.sheet_name(source.sheet) or source.sheet, source.first_row, source.first_column,
                       source.last_row, source.last_column)
        expected[quantity] = (source, [float(v) for v in column_values])

    def reference_cells(s: str, r: int, c: int, name: bool = False):
        for quantity, (source, numbers) in expected.items():
            if source.sheet == s and source.first_row <= r <= source.last_row \
                    and source.first_column <= c <= source.last_column:
                index = (r - source.first_row) * source.columns + (c - source.first_column)
                return quantity if name else numbers[index]
        return None

    checked = None
    per_step: dict[str, float] = {}
    for quantity, (source, numbers) in expected.items():
        if source.sheet == sheet and source.first_row <= row <= source.last_row \
                and source.first_column <= column <= source.last_column:
            index = (row - source.first_row) * source.columns + (column - source.first_column)
            if quantity in table.columns:
                row_values = {name: np.asarray(table[name])[index] for name in table.columns}  # by position
                per_step = {name.casefold(): float(value) for name, value in row_values.items()
                            if name not in ("epoch", "step") and _is_number(value)}
            checked = CheckedCell(quantity, index + 1, numbers[index], per_step, {})
            break
    return checked, reference_cells, per_step


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _compare(explanation: Explanation, explainer: _Explainer, events, reference_cells, per_step) -> None:
    """Each step's reference value, and the first step that leaves the reference (the divergence)."""
    checked = explanation.checked
    value_of = {(id(node), occurrence): value for node, _, value, occurrence in events}
    _, reference_events = explainer.run(_ReferenceInputs(explainer.evaluator, reference_cells))
    reference_of = {(id(node), occurrence): value for node, _, value, occurrence in reference_events}
    sheet, row, column = explanation.sheet, explanation.row, explanation.column
    first = None
    for step in explanation.steps:
        node = step.node
        expected = None
        why = ""
        if step.kind == "cell" and step.note:
            expected = reference_of.get((id(node), step.occurrence))
            if expected is not None and not _same(step.value, expected):
                why = _wrong_input(node, step, expected, explanation, reference_cells)
        elif step.kind == "let":
            name = step.expression.partition(" = ")[0]
            if name.casefold() in per_step:
                expected = per_step[name.casefold()]
                why = f"the LET variable {name} is {shown(step.value)} where the reference's {name} is {{reference}}"
        elif step.kind == "call":
            for parameter, argument in step.arguments:
                if parameter.casefold() in per_step and not _same(argument, per_step[parameter.casefold()]):
                    if first is None:
                        first = (f"{step.expression.partition('(')[0]} is given {parameter} = {shown(argument)} "
                                 f"where the reference has {shown(per_step[parameter.casefold()])}")
        elif step.kind == "result":
            expected = checked.reference_value
            step.value = explanation.value
            why = (f"every value it reads agrees with the reference, but the formula gives {shown(step.value)} "
                   f"where the reference has {{reference}}")
        if expected is None:
            continue
        step.reference = expected
        if first is None and not _same(step.value, expected):
            first = why.replace("{reference}", shown(expected)) if "{reference}" in why else why
    if not _same(explanation.value, checked.reference_value):
        explanation.divergence = f"{explanation.cell} differs from the reference: {first}." if first else \
            f"{explanation.cell} differs from the reference."
    elif first:
        explanation.divergence = f"The value agrees with the reference, though {first}."


def _rectangle(node: n.Node, row: int, column: int) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column) of a Cell or Area written in cell (row, column)."""
    corners = (node, node) if type(node) is n.Cell else (node.first, node.last)
    rows = [c.row if c.row_absolute else row + c.row for c in corners]
    columns = [c.column if c.column_absolute else column + c.column for c in corners]
    return min(rows), min(columns), max(rows), max(columns)


def _wrong_input(node: n.Node, step: Step, expected: object, explanation: Explanation, reference_cells) -> str:
    """"it reads de_db at H20 = 2.1 where the reference has 2: ...", naming the first wrong cell of an area."""
    r0, c0, r1, c1 = _rectangle(node, explanation.row, explanation.column)
    row, column, value = r0, c0, step.value
    if type(step.value) is Array and type(expected) is Array:
        for i, (got, wanted) in enumerate(zip(step.value.values(), expected.values())):
            if not _same(got, wanted):
                row, column, value, expected = r0 + i // step.value.width, c0 + i % step.value.width, got, wanted
                break
    sheet = explanation.sheet if node.sheet is None else node.sheet
    quantity = reference_cells(sheet, row, column, True) or step.note
    where = cell_name(row, column) if node.sheet is None else f"{quote_sheet(sheet)}!{cell_name(row, column)}"
    return (f"it reads {quantity} at {where} = {shown(value)} where the reference has {shown(expected)}: "
            f"the error comes from that cell (explain {quote_sheet(sheet)}!{cell_name(row, column)})")


def explain_frame(path: str | Path, cell: str, spec: str | Path | None = None):
    """:func:`explain` as a DataFrame, for notebooks."""
    return explain(path, cell, spec).frame()
