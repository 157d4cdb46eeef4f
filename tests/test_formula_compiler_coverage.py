"""The differential test reaches everything the row-loop compiler can write.

:mod:`tests.test_formula_compiler` compares the generated loop with the interpreter. A comparison only
covers the code it makes the compiler write, so this test runs every deterministic test of that module
(the Hypothesis ones are random, and are left out) with a line tracer on :mod:`xlgen.formula.compiler`, and
fails, naming the line, when:

- a line of the compiler never runs (refusals, ``raise _Unsuitable``, excepted: they write nothing);
- a piece of loop text chosen inside one line (``' & ' if name == 'AND' else ' | '``) never appears in a
  loop the tests made;
- a helper the loop can call (``_guard``, ``_power``, one per function of ``_FUNCTIONS``) or a comparison of
  ``_COMPARISONS`` never appears in one.

So a construct added to the compiler needs a differential case before the suite passes again.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import tests.test_formula_compiler as differential
from xlgen.formula import compiler
from xlgen.formula.maths import ONE_NUMBER

COMPILER = Path(compiler.__file__)


def deterministic_tests() -> Iterator[tuple[str, Callable[[], None]]]:
    """(name, call) for each deterministic test of the differential module, parametrized ones expanded."""
    for name, function in vars(differential).items():
        if not name.startswith("test_") or not callable(function) or getattr(function, "is_hypothesis_test", False):
            continue
        marks = [mark for mark in getattr(function, "pytestmark", []) if mark.name == "parametrize"]
        assert len(marks) <= 1, f"{name}: expand its parametrize marks here"
        if not marks:
            yield name, function
            continue
        names, cases = marks[0].args[0], marks[0].args[1]
        names = [part.strip() for part in names.split(",")] if isinstance(names, str) else list(names)
        for case in cases:
            values = case if len(names) > 1 else (case,)
            yield f"{name}{list(values)}", lambda function=function, arguments=dict(zip(names, values)): function(**arguments)


def run_traced(tests: list[Callable[[], None]]) -> tuple[set[int], str]:
    """Run ``tests``; the compiler's lines that ran, and the sources of the loops it wrote."""
    executed: set[int] = set()
    sources: list[str] = []
    filename = str(COMPILER)

    def lines(frame, event, arg):
        if event == "line":
            executed.add(frame.f_lineno)
        return lines

    def calls(frame, event, arg):
        if frame.f_code.co_filename == filename:
            executed.add(frame.f_lineno)
            return lines
        return None

    def recording_compile(source, *args, **kwargs):
        sources.append(source)
        return builtins.compile(source, *args, **kwargs)

    for value in vars(compiler).values():  # compiled loops are cached: every case must write its own
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    compiler.compile = recording_compile  # the module's own name wins over the builtin
    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        for test in tests:
            test()
    finally:
        sys.settrace(previous)
        del compiler.compile
    return executed, "\n".join(sources)


def _own_lines(statement: ast.stmt) -> range:
    """The lines of a statement itself: a compound statement's header, a simple statement whole."""
    body = getattr(statement, "body", None)
    if isinstance(body, list) and body:
        return range(statement.lineno, max(statement.lineno, body[0].lineno - 1) + 1)
    return range(statement.lineno, statement.end_lineno + 1)


def _is_refusal(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(exc, ast.Name) and exc.id == "_Unsuitable"


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)


def required_statements(tree: ast.Module) -> list[ast.stmt]:
    """The statements inside the compiler's functions that run when it writes or runs a loop.

    Left out: refusals, docstrings, ``def`` and ``try`` lines, and the bodies of functions the module calls
    while it is imported (``_number`` builds the helpers then; what it returns runs later and counts).
    """
    at_import = {node.func.id for statement in tree.body if not isinstance(statement, (ast.FunctionDef, ast.ClassDef))
                 for node in ast.walk(statement) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    required = []

    def visit(function: ast.FunctionDef | ast.AsyncFunctionDef, counted: bool) -> None:
        for statement in function.body:
            walk(statement, counted)

    def walk(statement: ast.stmt, counted: bool) -> None:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            visit(statement, True)
            return
        if counted and not (_is_refusal(statement) or _is_docstring(statement) or isinstance(statement, ast.Try)):
            required.append(statement)
        for field in ("body", "orelse", "finalbody"):
            for child in getattr(statement, field, []):
                walk(child, counted)
        for handler in getattr(statement, "handlers", []):
            for child in handler.body:
                walk(child, counted)

    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            visit(statement, statement.name not in at_import)
        elif isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit(member, True)
    return required


def chosen_texts(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, text) of each arm of a conditional expression choosing between two pieces of loop text."""
    return [(node.lineno, arm.value) for node in ast.walk(tree) if isinstance(node, ast.IfExp)
            for arm in (node.body, node.orelse)
            if isinstance(node.body, ast.Constant) and isinstance(node.orelse, ast.Constant)
            and isinstance(arm.value, str)]


def missing(tests: list[Callable[[], None]]) -> tuple[list[str], list[str]]:
    """What ``tests`` leave out: (compiler lines that never ran, loop text never written)."""
    source = COMPILER.read_text(encoding="utf-8")
    tree, lines = ast.parse(source), source.splitlines()
    executed, text = run_traced(tests)
    never_ran = [f"compiler.py:{statement.lineno}: {lines[statement.lineno - 1].strip()}"
                 for statement in required_statements(tree) if not executed.intersection(_own_lines(statement))]
    never_written = [f"compiler.py:{line}: {piece!r}" for line, piece in chosen_texts(tree) if piece not in text]
    helpers = {name for name in compiler._HELPERS if name[1:].upper() not in ONE_NUMBER}
    helpers |= {f"_{name.lower()}" for name in compiler._FUNCTIONS}
    never_written += [f"helper {name}" for name in sorted(helpers) if not re.search(rf"(?<!\w){name}(?!\w)", text)]
    never_written += [f"comparison {symbol}" for symbol in compiler._COMPARISONS.values() if f" {symbol} " not in text]
    return never_ran, never_written


def test_the_differential_cases_reach_every_construct_of_the_compiler():
    never_ran, never_written = missing([test for _, test in deterministic_tests()])
    hint = "; add a case to tests/test_formula_compiler.py that makes the compiler write it:\n"
    assert never_ran == [], "compiler lines no differential case runs" + hint + "\n".join(never_ran)
    assert never_written == [], "loop text no differential case writes" + hint + "\n".join(never_written)


def test_the_coverage_check_sees_what_is_missing():
    """Not blind: one case of x^2 alone leaves AND, OR, LET, the lazy guard and most helpers out."""
    (square,) = [test for name, test in deterministic_tests() if "'A{r}^2'" in name]
    never_ran, never_written = missing([square])
    assert any("self.let(" in line for line in never_ran)
    assert {f"compiler.py:{line}: {piece!r}" for line, piece in chosen_texts(ast.parse(COMPILER.read_text()))
            if piece in (" & ", " | ")} <= set(never_written)
    assert "helper _guard" in never_written and "helper _square" not in never_written
