"""Which cells are the experiment's inputs: the choice whose reference run matches most of the sheet's cells.

Every parameter has candidates: for the data, the columns of typed numbers
(cut to one epoch where they repeat); for a number, the input cells, the
numbers typed into first rows, and the reference's default; for a length, the
rows of the formula columns over the length of the data. The workbook is
evaluated once; each trial runs the reference (a millisecond) and counts, per
quantity, the cells of the best-matching column (:mod:`xlgen.sheet_values`).
The search takes the step that makes that count grow most, one parameter at a
time, or two twins (b0 and a0) together.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cells import Range
from .errors import XlgenError
from .first_row import first_row_reads, start_value
from .header_words import SYNONYM, header_strength, strength
from .lengths import length_parameters
from .sheet_layout import Layout
from .sheet_values import SheetValues, best_matches, distinct_columns, step_values
from .xlsx.reader import Workbook

CLIMBS = 30  # steps of the search at most (each changes one input, or two twins)
MAIN_SHEETS = 6  # sheets a search starts from (a workbook of look-alike lessons has several)
FIRST_ROW_READ = 4  # the cell the first b reads is b at start, above any label (header_words.EXACT is 3)
TABLES_KEPT = 4  # reference tables a search keeps (the scores of all it ran are kept)
STRONG = 3  # matching cells that make values evidence (fewer can be chance: a and b both start at 1)
START_CELL = 1  # a start cell of a column without a header: as good as a word of a label


@dataclass(frozen=True)
class Candidate:
    value: Any  # what the reference runs with
    text: str | None  # how the spec writes it ('"basic!C1"', '0.01'); None: not in the workbook
    evidence: int = 0  # how strongly the sheet names it (header_words.strength, FIRST_ROW_READ)
    range: Range | None = None  # the cells it is read from
    default: bool = False


class Search:
    def __init__(self, experiment, workbook: Workbook, layout: Layout):
        self.experiment = experiment
        self.workbook = workbook
        self.layout = layout
        self.values = SheetValues(workbook, layout)
        self.reads: dict[Range, set[Range]] = {}
        literals: set[float] = set()
        for column in layout.columns:
            for offset in range(min(2, column.size)):
                first = column.range(offset, 1)
                self.reads[first], numbers = first_row_reads(workbook, layout.names, first)
                literals |= numbers
        self.literals = sorted(literals)
        self.candidates: dict[str, list[Candidate]] = {}
        self.typed_again: dict[Range, Candidate] = {}  # a data candidate cut to its repeat -> all of its column
        lengths = length_parameters(experiment.defaults)
        for name in sorted(experiment.defaults, key=lambda name: name in lengths):  # lengths need the data
            self.candidates[name] = self._candidates(name, experiment.defaults[name])
        self.base = {name: self.candidates[name] for name in experiment.defaults}  # before first-row credit
        self.candidates = dict(self.base)
        self._scores: dict[tuple, float] = {}
        # The last few reference tables run: each is as long as the sheet, and a search scores dozens.
        self._tables: OrderedDict[tuple, Any] = OrderedDict()
        self.sheet: str | None = None  # the sheet of the steps, once the search has found it

    def _headed(self, sheet: str | None) -> dict[str, Range]:
        """Each quantity's column by its header alone, on ``sheet`` (any sheet for None)."""
        guess = {}
        for quantity in self.experiment.quantities:
            heads = [(header_strength(c.headers, quantity.name, quantity.label), -i)
                     for i, c in enumerate(self.layout.columns) if sheet is None or c.sheet == sheet]
            if heads and max(heads)[0] > 0:
                guess[quantity.name] = self.layout.columns[-max(heads)[1]].range()
        return guess

    # -- candidates -----------------------------------------------------------------------------

    def _candidates(self, name: str, default: Any) -> list[Candidate]:
        parameter = self.experiment.parameters.get(name)
        label = parameter.label if parameter else ""
        if isinstance(default, bool):
            cells = [Candidate(value, _quoted(cell), strength(held.labels, name, label), cell)
                     for cell, held in self.layout.inputs.items()
                     if type(value := self.values.value(cell)) is bool]
            return sorted(cells, key=lambda c: -c.evidence) + [
                Candidate(default, "true" if default else "false", default=True),
                Candidate(not default, "false" if default else "true")]
        if name in length_parameters(self.experiment.defaults):
            return self._lengths(default)
        if isinstance(default, tuple):
            found = []
            for column in self.layout.columns:
                named = header_strength(column.headers, name, label)
                if not column.constants and not named or column.range(0, 1) in self.layout.inputs:
                    continue  # data computed by formulas (=2*A2+30) only under a header naming it; a start row
                    # typed above formulas (the averages at start) is no data
                values = self.values.of(column.range())
                size = _period(values)
                if size < 2 or not np.isfinite(values[:size]).all():
                    continue
                cells = column.range(0, size)
                found.append(Candidate(tuple(float(v) for v in values[:size]), _quoted(cells), named, cells))
                if size < len(values):  # or the same points typed again within one epoch
                    whole = column.range(0, len(values))
                    self.typed_again[cells] = Candidate(tuple(map(float, values)), _quoted(whole), named, whole)
            found.sort(key=lambda c: -c.evidence)
            return found + [Candidate(default, None, default=True)]
        if not isinstance(default, (int, float)):
            return [Candidate(default, None, default=True)]
        found = []
        for cell, held in self.layout.inputs.items():
            value = self.values.value(cell)
            if type(value) is float and math.isfinite(value):
                found.append(Candidate(float(value), _quoted(cell), strength(held.labels, name, label), cell))
        found.sort(key=lambda c: -c.evidence)
        found += [Candidate(value, repr(value)) for value in self.literals if value != default]  # typed in formulas
        return found + [Candidate(float(default), repr(float(default)), default=True)]

    def _lengths(self, default: int) -> list[Candidate]:
        """Lengths that fill the formula columns: their rows over each data length found, the commonest first."""
        sizes = {len(c.value) for data in self.candidates.values() for c in data if isinstance(c.value, tuple)
                 and not c.default}
        counts: Counter = Counter()
        for column in self.layout.columns:
            if not column.constants:
                for size in sizes:
                    if column.size >= size:
                        counts[column.size // size] += 1
        found = [Candidate(length, str(length)) for length, _ in counts.most_common(6)]
        return found + [Candidate(default, str(default), default=True)]

    def credit_first_rows(self, quantities: dict[str, Range], sheet: str | None = None) -> None:
        """The cell b's first cell is (=C1, typed, or the start row above it) is the best candidate of b0, and
        so for every quantity ``q`` with a parameter ``q0``; a ``q0`` whose column is not known takes the next
        start cell of the sheet's other columns (the averages at start, in column order). Then come the better
        named candidates, then those on ``sheet``, then those its first rows read."""
        self.candidates = dict(self.base)
        claimed: set[Range] = set()
        for quantity, cells in quantities.items():
            start = self._start(cells.sheet, cells.first_row, cells.first_column)
            if f"{quantity}0" in self.candidates and start is not None:
                self._credit(f"{quantity}0", start, FIRST_ROW_READ)
                claimed.add(start)
        starts = [start for column in self.layout.columns  # formula columns, and those under a typed start
                  if (not column.constants or column.range(0, 1) in self.layout.inputs)
                  and (sheet is None or column.sheet == sheet)
                  and (start := self._start(column.sheet, column.first_row, column.column)) is not None]
        starts = [start for start in dict.fromkeys(starts) if start not in claimed]
        unknown = [name for name in self.candidates if name.endswith("0") and name[:-1] not in quantities
                   and name[:-1] in {q.name for q in self.experiment.quantities}]
        for name, start in zip(unknown, starts):
            self._credit(name, start, START_CELL)
        read = {cell for first, cells in self.reads.items() if sheet is None or first.sheet == sheet for cell in cells}
        if sheet is not None:  # an input of the sheet's steps is on it, named, or read by its first rows
            self.candidates = {name: [c for c in candidates if c.range is None or c.evidence > 0 or c.range in read
                                      or c.range.sheet == sheet or isinstance(c.value, tuple)]
                               for name, candidates in self.candidates.items()}
        for name, candidates in self.candidates.items():
            # A column headed x is x, and the cell b's first cell reads is b0, whatever values say (a mistake
            # in the first prediction matches better with x and y swapped).
            top = max((c.evidence for c in candidates), default=0)
            if top == FIRST_ROW_READ or top >= SYNONYM and isinstance(self.experiment.defaults[name], tuple):
                self.candidates[name] = [c for c in candidates if c.evidence == top]
        self.candidates = {name: sorted(candidates, key=lambda c: (c.evidence < FIRST_ROW_READ, c.evidence == 0,
                                                                   c.range is None or c.range.sheet != sheet,
                                                                   c.range not in read, -c.evidence))
                           for name, candidates in self.candidates.items()}

    def _start(self, sheet: str, row: int, column: int) -> Range | None:
        """The start value of a column whose first step is in ``row``: that cell's, or the row above's."""
        for at in (row, row - 1):
            if at > 0:
                start = start_value(self.workbook, self.layout.names, Range(sheet, at, column, at, column))
                if start is not None:
                    return start
        return None

    def _credit(self, name: str, cell: Range, evidence: int) -> None:
        self.candidates[name] = [Candidate(c.value, c.text, max(evidence, c.evidence), c.range, c.default)
                                 if c.range == cell else c for c in self.candidates[name]]

    def score(self, chosen: dict[str, Candidate], trial: bool = True, sheet: str | None = None) -> float:
        """How many cells of ``sheet`` (of all, for None) the reference run with ``chosen`` matches (best column
        per quantity): a lesson's steps are on one sheet, and another sheet's lesson must not count. -1 when
        the reference does not run with ``chosen``.

        A ``trial`` runs one epoch (every length 1): the inputs show in the first epoch's cells, and a sheet of
        a thousand epochs costs no more to search than one of a single epoch.
        """
        chosen_key = _key(chosen)  # the repr of a long data column: made once a call
        key = (trial, sheet, *chosen_key)
        if key not in self._scores:
            table = self._table(chosen, trial, chosen_key)
            if table is None:
                self._scores[key] = -1.0
            else:
                _, matrix = self.values.windows(len(table), sheet)
                self._scores[key] = float(best_matches(matrix, step_values(
                    table, [q.name for q in self.experiment.quantities])))
        return self._scores[key]

    def table(self, chosen: dict[str, Candidate], trial: bool = True):
        """The reference table run with ``chosen`` (one epoch for a ``trial``, see :meth:`score`), or None if it
        does not run with them."""
        return self._table(chosen, trial, _key(chosen))

    def _table(self, chosen: dict[str, Candidate], trial: bool, chosen_key: tuple):
        key = (trial, *chosen_key)
        if key in self._tables:
            self._tables.move_to_end(key)
            return self._tables[key]
        params = {name: c.value for name, c in chosen.items()}
        if trial:
            params.update({name: 1 for name in length_parameters(self.experiment.defaults) if name in params})
        try:
            table = self.experiment.table(**params)  # plain columns: no pandas attrs copied a look-up
        except Exception:  # a candidate the reference cannot run with (a length of zero, data too short)
            table = None
        self._tables[key] = table
        if len(self._tables) > TABLES_KEPT:
            self._tables.popitem(last=False)
        return table

    def main_sheets(self) -> list[str | None]:
        """The sheets whose headers name most of the experiment's quantities, best first (a few at most)."""
        totals: Counter = Counter()
        for quantity in self.experiment.quantities:
            best: dict[str, int] = {}
            for column in self.layout.columns:
                found = header_strength(column.headers, quantity.name, quantity.label)
                best[column.sheet] = max(best.get(column.sheet, 0), found)
            totals.update(best)
        ranked = [sheet for sheet, total in totals.most_common() if total > 0][:MAIN_SHEETS]
        return ranked or [None]

    def best(self) -> tuple[dict[str, Candidate], Any]:
        """The candidates that match most cells, and their reference table: a search from the inputs of each
        likely main sheet (inputs act together: b and a at start both make the first prediction)."""
        found = []
        for sheet in self.main_sheets():
            self.credit_first_rows(self._headed(sheet), sheet)
            chosen, table = self._climb(sheet)
            windows, matrix = self.values.windows(len(table), sheet)
            steps = step_values(table, [q.name for q in self.experiment.quantities])
            columns = distinct_columns(windows, matrix, steps, min(STRONG, len(table)))
            found.append((columns, self.score(chosen, sheet=sheet), self._summaries(table, sheet), -len(found),
                          sheet, chosen, self.candidates))
        *_, self.sheet, chosen, self.candidates = max(found, key=lambda item: item[:4])
        sheet = self.sheet
        for name in length_parameters(self.experiment.defaults):  # the epochs that fill the columns
            if name in chosen:
                chosen = {**chosen, name: max(self.candidates[name], key=lambda c: self.score(
                    {**chosen, name: c}, trial=False, sheet=sheet))}
        whole = {name: self.typed_again[c.range] for name, c in chosen.items() if c.range in self.typed_again}
        if whole:  # data that repeats is epochs, unless one epoch of all of it matches more cells
            whole.update({name: Candidate(1, "1") for name in length_parameters(self.experiment.defaults)
                          if name in chosen})
            if self.score({**chosen, **whole}, trial=False, sheet=sheet) > self.score(
                    chosen, trial=False, sheet=sheet):
                chosen = {**chosen, **whole}
        return chosen, self.table(chosen, trial=False)

    def _summaries(self, table, sheet: str | None) -> int:
        """How many per-epoch quantities (rmse, Adam's annealed lr) have cells of ``sheet`` with their values:
        what tells two lessons apart whose steps agree (Adam with and without annealing, over one epoch)."""
        per_epoch = table.attrs.get("epochs")
        found = 0
        for quantity in self.experiment.epoch_quantities:
            if per_epoch is None or quantity.name not in getattr(per_epoch, "columns", ()):
                continue
            expected = np.asarray(per_epoch[quantity.name], dtype=float)
            found += any(cells.sheet == sheet for cells in self.values.holding(expected))
        return found

    def _climb(self, sheet: str | None) -> tuple[dict[str, Candidate], Any]:
        """From each parameter's first candidate, one parameter changed at a time while more cells match; and
        twins (b0 and a0, the two averages at start) together among the cells the first rows read, since
        neither alone makes the second step right."""
        chosen = {name: candidates[0] for name, candidates in self.candidates.items()}
        best = self.score(chosen, sheet=sheet)
        read = {cell for first, cells in self.reads.items() if sheet is None or first.sheet == sheet for cell in cells}
        twins = [(one, other) for one in self.candidates for other in self.candidates
                 if one < other and one.replace("b", "a") == other.replace("b", "a")]
        moves = [{name: candidate} for name, candidates in self.candidates.items() for candidate in candidates]
        for one, other in twins:
            firsts = [c for c in self.candidates[one] if c.range in read]
            seconds = [c for c in self.candidates[other] if c.range in read]
            moves += [{one: first, other: second} for first in firsts for second in seconds]
        for _ in range(CLIMBS):  # the steepest step each time: a chance match must not lead the way
            step = None
            for move in moves:
                trial = {**chosen, **move}
                found = self.score(trial, sheet=sheet)
                named = sum(_named(c)[0] for c in move.values()) - sum(_named(chosen[n])[0] for n in move)
                if (found, named) > ((best, 0) if step is None else step[:2]):
                    step = (found, named, trial)
            if step is None:
                break
            best, _, chosen = step
        table = self.table(chosen)
        if table is None:
            raise XlgenError(f"{self.workbook.path}: the reference of {self.experiment.name!r} does not run with "
                             f"any of the inputs found")
        return chosen, table

    def settle(self, name: str, chosen: dict[str, Candidate], main_sheet: str | None
               ) -> tuple[Candidate | None, str | None]:
        """Among the candidates as good as the chosen one, the best named; and a comment when that is unsure."""
        best = self.score(chosen, sheet=main_sheet)
        pool = list(dict.fromkeys([*self.candidates[name], chosen[name]]))  # the search's choice stays one
        tied = [c for c in pool if self.score({**chosen, name: c}, sheet=main_sheet) == best]

        def rank(candidate: Candidate) -> tuple:
            on_main = candidate.range is not None and candidate.range.sheet == main_sheet
            return (candidate.evidence, candidate.range is not None, on_main, candidate.default)

        pick = max(tied, key=rank)
        if pick.text is None:
            return None, None
        everything = len(tied) == len(pool) and len(tied) > 1
        alike = [c for c in tied if rank(c) == rank(pick) and c.text != pick.text and c.text is not None]
        if everything and pick.evidence == 0 and not isinstance(pick.value, bool):
            default = next((c for c in tied if c.default and c.text is not None), None)
            if default is not None:  # no cell found depends on it (h without finite differences)
                return default, "no cell found depends on it: the reference's default"
        if pick.default and pick.range is None and not isinstance(pick.value, bool):
            if pick.value in self.literals:
                return pick, "as the formulas write it"
            if everything:
                return pick, "not in the workbook: the reference's default"
            return pick, "not in the workbook: the reference's default, which the sheet's values agree with"
        if alike or (everything and pick.evidence == 0 and not isinstance(pick.value, bool)):
            shown = [pick.text, *(c.text for c in (alike or tied) if c.text not in (None, pick.text))][:6]
            return pick, "unsure: candidates " + ", ".join(text.strip('"') for text in shown)
        return pick, None


def _named(candidate: Candidate) -> tuple[int, bool]:
    """How well the sheet names a candidate: where values tie, the better named one wins."""
    return candidate.evidence, candidate.range is not None


def _period(values: np.ndarray) -> int:
    """The length of the data in a column that repeats it epoch after epoch (all of it when it does not)."""
    size = len(values)
    for period in range(2, size // 2 + 1):
        if size % period == 0 and np.array_equal(values[period:], values[:-period], equal_nan=True):
            return period
    return size


def _quoted(cells: Range) -> str:
    return '"' + str(cells).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(chosen: dict[str, Candidate]) -> tuple:
    """What tells two choices of inputs apart (a long value by the first of its text)."""
    return tuple(sorted((name, c.text, repr(c.value)[:200]) for name, c in chosen.items()))
