"""The ``formulas`` engine: the `formulas` package (1.3.4) compiles the workbook to a Python graph and runs it.

It reads the file itself (through openpyxl) and computes every formula; the
values of the requested cells are read from its solution, whose keys look like
``'[file.xlsx]SHEET'!A1`` (sheet names upper-cased). Constant cells are read
with :mod:`xlgen.xlsx.reader`. It runs in a child process so that a timeout can
stop it; ``timeout=None`` runs it in this process.

What formulas 1.3.4 does, measured with small workbooks
    - Constants: ``ExcelModel.compile_cell`` rounds every number to 15
      *decimal places*, so 1e-17 becomes 0.0 and 0.30000000000000004 becomes 0.3.
      The model here keeps them exact; with that, the graddesc anchors'
      optimizer sheets match Excel's cached values to 1.4e-16 (1563 of the
      1564 cells it evaluates bit for bit), against 2.7e-11 with the rounding.
    - ``_xlfn.``/``_xlpm.`` prefixes and formulas over several indented lines
      (``\\n``, ``\\r\\n``, tabs) are understood as stored; no rewriting needed.
    - Errors are its ``XlError`` tokens (``#DIV/0!``, ``#NUM!``, ``#VALUE!``,
      ``#NAME?``, ``#REF!``, ``#N/A``, ``#NULL!``); they become :class:`ExcelError`.
      ``SQRT(-1)`` and ``LN(0)`` give ``#NUM!`` as in Excel; an overflowing power
      (``10^400``) gives ``#VALUE!`` where Excel gives ``#NUM!``; an undefined name
      gives ``#REF!`` where Excel gives ``#NAME?``.
    - A number written ``1e300`` (Excel writes ``1E+300``) is "not a valid
      formula" and stops the whole load; such a cell is reported unsupported here.

What it gets wrong (each cell, and every cell depending on it, comes back as
``Unsupported("formulas 1.3.4: ...")``, decided from the formula text, because its
``#VALUE!`` could pass for an expected error)
    - an inline LAMBDA call ``LAMBDA(a,b,a+b)(1,2)``: ``#VALUE!``;
    - ``LET`` inside a LAMBDA name, and a LAMBDA name calling another LAMBDA
      name: ``#VALUE!`` (nested calls in a cell, ``ADDONE(ADDONE(A1))``, work);
    - ``LET``, ``LAMBDA`` or a LAMBDA name call inside a ``LET``: no value at all;
    - functions it does not implement (``OFFSET``, ``SEQUENCE``, ``INDIRECT``, ...): ``#NAME?``;
    - sheet-local defined names: it loads only workbook-level names (``#REF!``).
    A requested formula cell it leaves without a value (a circular reference,
    or an internal failure) is unsupported too.

Cost: about 2 ms and 50 kB per formula cell (5,000 SGD rows, 55,000 formula
cells: 120 s and 2.7 GB at peak; LibreOffice takes 1.4 s), hence ``max_formula_cells``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ..cells import Range, parse_cell
from ..errors import XlgenError
from ..values import ExcelError, Unsupported, Value
from ..xlsx.reader import DefinedName, read_workbook
from .base import Engine, EngineResult
from .processes import group_of, kill_group, start_group
from .unsupported import CellKey, FormulaUse, unsupported_cells

VERSION = "formulas 1.3.4"
NOT_EVALUATED = f"{VERSION} did not evaluate this cell (a circular reference or an internal failure)"

_KEY = re.compile(r"^'?\[(?P<book>[^\]]*)\](?P<sheet>.*?)'?!(?P<ref>[A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?)$")


@lru_cache(maxsize=1)
def _implemented() -> frozenset[str]:
    from formulas.functions import get_functions

    return frozenset(get_functions())


def _is_lambda_name(name: DefinedName) -> bool:
    return "LAMBDA(" in name.text.upper()


def formulas_check(use: FormulaUse, name: DefinedName | None) -> str | None:
    """Why formulas 1.3.4 cannot evaluate a formula (module docstring), or None."""
    local = [n.name for n in use.names if n.sheet is not None]
    if local:
        return f"{VERSION} ignores sheet-local defined names ({local[0]})"
    called_names = {n.name.upper(): n for n in use.names}
    for call in use.calls:
        defined = called_names.get(call.function)
        lambda_call = call.function == "LAMBDA" or (defined is not None and _is_lambda_name(defined))
        if call.function == "LAMBDA" and call.invoked:
            return f"{VERSION} gives #VALUE! for an inline LAMBDA call"
        if "LET" in call.inside and (call.function == "LET" or lambda_call):
            return f"{VERSION} cannot evaluate LET, LAMBDA or a LAMBDA name inside a LET"
        if "LAMBDA" in call.inside and call.function == "LET":
            return f"{VERSION} gives #VALUE! for LET inside a LAMBDA"
        if "LAMBDA" in call.inside and defined is not None and _is_lambda_name(defined):
            return f"{VERSION} gives #VALUE! for a LAMBDA name calling another LAMBDA name"
        if defined is None and call.function not in ("LET", "LAMBDA") and call.function not in _implemented():
            return f"{VERSION} has no {call.function}"
    return None


def _model_class():
    """ExcelModel that keeps constants exact and records, instead of raising, formulas it cannot parse."""
    from formulas.excel import ExcelModel

    class ExactModel(ExcelModel):
        def __init__(self):
            super().__init__()
            self.uncompiled: set[tuple[str, str]] = set()  # (SHEET, "A1")
            self.unparsed_names: set[str] = set()  # defined names it cannot parse (LET inside a LAMBDA name)

        def add_references(self, book, context=None):
            """ExcelModel.add_references, skipping a defined name it cannot parse instead of failing the load."""
            from formulas.excel import Ref

            refs, nodes = {}, set()
            for name in book.defined_names.values():
                if name.hidden or name.localSheetId is not None:
                    continue  # as ExcelModel: workbook-level names only
                try:
                    ref = Ref(name.name.upper(), f"={name.value}", context).compile(context=context)
                except Exception:
                    self.unparsed_names.add(name.name.upper())
                    continue
                nodes.update(ref.add(self.dsp, context=context))
                refs[ref.output] = None
                self.cells[ref.output] = ref
            self._update_refs(nodes, refs)
            return refs

        def compile_cell(self, cell, context, references, formula_references):
            coordinate = formula_references.get(cell.coordinate, cell.coordinate)
            value = cell.value
            if cell.data_type == "f":
                value = value if isinstance(value, str) else value.text  # array formulas hold an object
                value = value[1:] if value.startswith("==") else value
            # Unlike ExcelModel.compile_cell, numbers are not rounded to 15 decimals.
            try:
                return self._compile_cell(coordinate, value, context, cell.data_type != "s", references)
            except Exception:  # formulas.errors.FormulaError and other parser failures
                self.uncompiled.add((context["sheet"], cell.coordinate))
                return self._compile_cell(coordinate, "=#N/A", context, True, references)

    return ExactModel


def _convert(raw: object) -> Value:
    """A value of the formulas solution as an xlgen value."""
    import numpy as np
    import schedula
    from formulas.tokens.operand import XlError

    if isinstance(raw, np.ndarray):
        raw = raw.flat[0] if raw.size else schedula.EMPTY
    if isinstance(raw, XlError):
        return ExcelError(str(raw))
    if raw is schedula.EMPTY:
        return 0.0  # a formula reading an empty cell shows 0, as in Excel
    if isinstance(raw, (bool, np.bool_)):
        return bool(raw)
    if isinstance(raw, (int, float, np.integer, np.floating)):
        return float(raw)
    if isinstance(raw, str):
        return raw
    return Unsupported(f"{VERSION} returned a {type(raw).__name__}")


def _calculate(path: Path, wanted: set[tuple[str, int, int]]) -> tuple[dict, set]:
    """Run formulas on ``path``: the values of ``wanted`` (SHEET, row, column) and the cells it could not parse."""
    for logger in ("formulas", "schedula"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)  # it logs a traceback for every failed cell
    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar
        model = _model_class()().loads(str(path)).finish()
        solution = model.calculate()
    values: dict[tuple[str, int, int], Value] = {}
    for key, ranges in solution.items():
        match = _KEY.match(str(key))
        if not match or not match.group("sheet"):  # defined names have no sheet
            continue
        sheet = match.group("sheet").replace("''", "'").upper()
        first, _, last = match.group("ref").partition(":")
        try:
            (r0, c0), (r1, c1) = parse_cell(first), parse_cell(last or first)
        except XlgenError:
            continue
        array = getattr(ranges, "value", ranges)
        for row in range(r0, r1 + 1):
            for column in range(c0, c1 + 1):
                cell = (sheet, row, column)
                if cell not in wanted or (cell in values and last):  # a cell's own key wins over a range's
                    continue
                try:
                    raw = array[row - r0][column - c0] if last else array
                except (IndexError, TypeError):
                    continue
                values[cell] = _convert(raw)
    uncompiled = {(sheet, *parse_cell(ref)) for sheet, ref in model.uncompiled}
    return values, uncompiled, model.unparsed_names


def evaluate_here(path: Path, ranges: Sequence[Range], max_formula_cells: int) -> EngineResult:
    """The whole evaluation, in this process."""
    workbook = read_workbook(path)
    count = sum(len(sheet.formulas) for sheet in workbook.sheets.values())
    if count > max_formula_cells:
        raise XlgenError(
            f"{path}: {count} formula cells; the formulas engine is limited to {max_formula_cells} (use --engine fast)")
    sheets = {name.casefold(): name for name in workbook.sheets}
    targets = []
    for target in ranges:
        sheet = sheets.get(target.sheet.casefold())
        if sheet is None:
            raise XlgenError(f"{path}: no sheet named {target.sheet!r}")
        targets.append(Range(sheet, target.first_row, target.first_column, target.last_row, target.last_column))
    wanted = {(t.sheet.upper(), row, column) for t in targets for row, column in t.cells()
              if (row, column) in workbook.sheets[t.sheet].formulas}
    values, uncompiled, unparsed_names = _calculate(path, wanted) if wanted else ({}, set(), set())
    upper = {name.upper(): name for name in workbook.sheets}
    culprits: dict[CellKey, str] = {
        (upper[sheet], row, column): f"{VERSION} cannot parse this formula"
        for sheet, row, column in uncompiled if sheet in upper
    }

    def check(use: FormulaUse, name: DefinedName | None) -> str | None:
        unparsed = [n.name for n in use.names if n.sheet is None and n.name.upper() in unparsed_names]
        if unparsed:
            return f"{VERSION} cannot parse the defined name {unparsed[0].upper()}"
        return formulas_check(use, name)

    unsupported = unsupported_cells(workbook, check, culprits)
    result = EngineResult(values=[])
    counts: dict[str, int] = {}
    for target in targets:
        sheet = workbook.sheets[target.sheet]
        row_values: list[Value] = []
        for row, column in target.cells():
            formula = sheet.formulas.get((row, column))
            if formula is None:
                row_values.append(sheet.values.get((row, column)))
                continue
            result.formulas[(target.sheet, row, column)] = formula
            reason = unsupported.get((target.sheet, row, column))
            value = values.get((target.sheet.upper(), row, column))
            if reason is None and value is None:
                reason = NOT_EVALUATED
            if reason is not None:
                counts[reason] = counts.get(reason, 0) + 1
                value = Unsupported(reason)
            row_values.append(value)
        result.values.append(row_values)
    for reason, number in sorted(counts.items()):
        result.notes.append(f"{reason}: {number} cell{'s' if number != 1 else ''} unsupported")
    return result


def serve() -> None:
    """Child process: pickled ``(path, ranges, max_formula_cells)`` in on stdin, the pickled outcome out on stdout."""
    path, ranges, max_formula_cells = pickle.load(sys.stdin.buffer)
    answer, sys.stdout = sys.stdout.buffer, sys.stderr  # nothing but the answer may reach stdout
    try:
        outcome = ("ok", evaluate_here(path, ranges, max_formula_cells))
    except XlgenError as error:
        outcome = ("error", error)
    except Exception as error:  # formulas' own failures, reported as one line
        outcome = ("error", XlgenError(f"{path}: the formulas engine failed ({type(error).__name__}: {error})"))
    pickle.dump(outcome, answer)
    answer.flush()


class FormulasEngine(Engine):
    """Values as the `formulas` package computes them (see the module docstring for what it cannot evaluate)."""

    name = "formulas"

    def __init__(self, max_formula_cells: int = 20_000, timeout: float | None = 55.0):
        self.max_formula_cells = max_formula_cells
        self.timeout = timeout

    def evaluate(self, path: Path, ranges: Sequence[Range]) -> EngineResult:
        path = Path(path)
        if self.timeout is None:
            return evaluate_here(path, ranges, self.max_formula_cells)
        # A child interpreter in its own process group, so that a timeout can stop it and all it started.
        package_root = str(Path(__file__).resolve().parents[2])
        environment = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]))
        child = start_group([sys.executable, "-c", "from xlgen.engines.formulas_engine import serve; serve()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
        with group_of(child):
            try:
                stdout, stderr = child.communicate(pickle.dumps((path, list(ranges), self.max_formula_cells)),
                                                   timeout=self.timeout)
            except subprocess.TimeoutExpired:
                kill_group(child)
                raise XlgenError(f"{path}: the formulas engine did not finish within {self.timeout:g} s") from None
        try:
            kind, payload = pickle.loads(stdout)
        except Exception:
            lines = stderr.decode(errors="replace").strip().splitlines()
            why = lines[-1] if lines else f"exit code {child.returncode}; out of memory?"
            raise XlgenError(f"{path}: the formulas engine stopped ({why})") from None
        if kind == "error":
            raise payload
        return payload


__all__ = ["FormulasEngine", "formulas_check", "evaluate_here", "serve"]
