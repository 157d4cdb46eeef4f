"""Drafting the TOML spec of a hand-made workbook: which cells hold the data, the inputs and each quantity.

Three kinds of evidence, strongest first:

1. Values. The workbook is evaluated once (fast engine) and the reference is
   run with the inputs found; a column whose cells equal a quantity's values
   is that quantity. The inputs themselves are chosen so: each parameter
   takes, among its candidate cells, the one whose reference matches most
   cells of the sheet.
2. Formulas. The cell the first b reads (``=C1``, ``=b_start``) is b at
   start, and likewise for every quantity ``q`` with a parameter ``q0``.
3. Words. Headers and labels name quantities and inputs (see
   :mod:`xlgen.header_words`); they decide where values do not (a mistake in
   a column's first cell, two columns of equal values).

An entry the evidence leaves open carries a comment with the candidates. The
lengths (epochs) are not written: the check reads them off the rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cells import Range
from .errors import XlgenError
from .experiments import get_experiment
from .header_words import header_strength
from .lengths import length_parameters
from .sheet_layout import Column, layout_of
from .sheet_values import matches
from .spec_search import STRONG, Candidate, Search
from .xlsx.reader import read_workbook



@dataclass
class Draft:
    """The spec's entries as TOML text (``key -> value``), with a comment where the draft is unsure."""

    path: str
    experiment: str
    params: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)  # "params.lr" -> "unsure: candidates ..."
    missing: list[str] = field(default_factory=list)
    by_values: int = 0  # quantities whose column has their values: none means another experiment, or a mistake

    def toml(self) -> str:
        lines = [f"# Drafted by `xlgen spec` from {_toml_comment(self.path)}: read the entries marked unsure,",
                 "# then keep this file and check with --spec FILE.",
                 *(["# No column has the values of any quantity: is this workbook another experiment, or are the "
                    "inputs elsewhere?"] if not self.by_values and self.columns else []),
                 f'description = "drafted from {_toml_string(Path(self.path).name)}"',
                 f'experiment = "{self.experiment}"', "", "[params]"]
        for section, entries in (("params", self.params), ("columns", self.columns)):
            if section == "columns":
                lines += ["", "[columns]"]
            for key, value in entries.items():
                comment = self.comments.get(f"{section}.{key}")
                lines.append(f"{key} = {value}" + (f"  # {_toml_comment(comment)}" if comment else ""))
        if self.missing:
            lines += ["", f"# not found, so not checked: {', '.join(self.missing)}"]
        return "\n".join(lines) + "\n"


def draft_spec(path: str | Path, experiment_name: str) -> Draft:
    """The draft spec of the workbook at ``path`` for experiment ``experiment_name``.

    Raises a one-line :class:`XlgenError` when the data or a quantity the
    experiment cannot be checked without is nowhere in the workbook.
    """
    experiment = get_experiment(experiment_name)
    workbook = read_workbook(path, formula_values=False)
    search = Search(experiment, workbook, layout_of(workbook))
    chosen, table = search.best()
    assigned = _assign_quantities(search, table, chosen, Draft(str(path), experiment.name))
    main_sheet = _main_sheet(assigned)
    search.credit_first_rows(assigned, main_sheet)  # b's column known, the cell its first row reads is b0
    lengths = length_parameters(experiment.defaults)  # the search chose them on the whole sheet; kept
    settled = {name: search.settle(name, chosen, main_sheet) for name in experiment.defaults if name not in lengths}
    for name, (pick, _) in settled.items():
        if pick is None and isinstance(experiment.defaults[name], tuple):
            raise XlgenError(f"{path}: no column of numbers holds the data {name!r} of {experiment.name!r}")
    chosen = {**chosen, **{name: pick or chosen[name] for name, (pick, _) in settled.items()}}
    table = search.table(chosen, trial=False)
    draft = Draft(str(path), experiment.name)
    for name, (pick, unsure) in settled.items():
        if pick is None:
            continue
        draft.params[name] = pick.text
        if unsure:
            draft.comments[f"params.{name}"] = unsure
    assigned = _assign_quantities(search, table, chosen, draft)
    _epoch_quantities(search, table, assigned, draft)
    _refuse_incomplete(path, experiment, draft)
    return draft


def _assign_quantities(search: Search, table, chosen: dict[str, Candidate], draft: Draft) -> dict[str, Range]:
    """Each step quantity's cells: the window whose values match most, then the header, then unused."""
    experiment = search.experiment
    windows, matrix = search.values.windows(len(table))
    data = {c.range for c in chosen.values() if c.range is not None}
    used: set[tuple[str, int]] = set()
    assigned: dict[str, Range] = {}
    order = sorted((q for q in experiment.quantities if q.name in table.columns),
                   key=lambda q: -int(matches(matrix, table[q.name]).max(initial=0)))
    for quantity in order:
        counts = matches(matrix, table[quantity.name])
        heads = np.array([header_strength(column.headers, quantity.name, quantity.label) for column, _ in windows])
        free = np.array([(column.sheet, column.column) not in used for column, _ in windows], dtype=bool)
        usable = np.array([column.range(offset, len(table)) not in data for column, offset in windows], dtype=bool)
        if not usable.any():
            draft.missing.append(quantity.name)
            continue
        strong = counts >= min(STRONG, len(table))
        if (strong & usable).any():
            tied_mask = usable & (counts == counts[usable].max())
            if (tied_mask & free).any():  # else one column holds two equal quantities (grad b = de/db, no wd)
                tied_mask &= free
            tied = np.flatnonzero(tied_mask)
            how = "same values"
            draft.by_values += 1
        elif (heads[usable & free & _on(windows, _main_sheet(assigned))] > 0).any():
            usable &= free & _on(windows, _main_sheet(assigned))  # a header on another lesson's sheet is not it
            tied = np.flatnonzero(usable & (heads == heads[usable].max()))
            how = "no column has its values; chosen by its header"
        else:
            draft.missing.append(quantity.name)
            continue
        top = max(heads[tied])
        tied = [i for i in tied if heads[i] == top]
        main = search.sheet or _main_sheet(assigned)  # the same values on another lesson's sheet: not it
        tied = [i for i in tied if windows[i][0].sheet == main] or tied
        index = tied[0]
        column, offset = windows[index]
        cells = column.range(offset, len(table))
        shared = next((name for name, other in assigned.items() if other == cells), None)
        assigned[quantity.name] = cells
        used.add((column.sheet, column.column))
        draft.columns[quantity.name] = f'"{cells}"'
        others = list(dict.fromkeys(str(windows[i][0].range(windows[i][1], len(table))) for i in tied[1:]))
        others = [text for text in others if text != str(cells)]
        if shared:
            draft.comments[f"columns.{quantity.name}"] = f"the column of {shared}: the sheet has one for both"
        elif others:
            draft.comments[f"columns.{quantity.name}"] = f"unsure ({how}): candidates {cells}, {', '.join(others)}"
        elif how.startswith("no column"):
            draft.comments[f"columns.{quantity.name}"] = f"unsure ({how}, {_header(column)})"
    draft.columns = {q.name: draft.columns[q.name] for q in experiment.quantities if q.name in draft.columns}
    draft.missing = [q.name for q in experiment.quantities if q.name in draft.missing]
    return assigned


def _main_sheet(assigned: dict[str, Range]) -> str | None:
    """The sheet most quantities found so far are on."""
    return Counter(r.sheet for r in assigned.values()).most_common(1)[0][0] if assigned else None


def _on(windows, sheet: str | None) -> np.ndarray:
    return np.array([sheet is None or column.sheet == sheet for column, _ in windows], dtype=bool)


def _epoch_quantities(search: Search, table, assigned: dict[str, Range], draft: Draft) -> None:
    """Per-epoch quantities (rmse below a column): cells outside the step columns with exactly their values."""
    per_epoch = table.attrs.get("epochs")
    if per_epoch is None or not len(getattr(per_epoch, "columns", ())):
        return
    taken = {(r.sheet, row, r.first_column) for r in assigned.values() for row in range(r.first_row, r.last_row + 1)}
    for quantity in search.experiment.epoch_quantities:
        if quantity.name not in per_epoch.columns:
            continue
        expected = np.asarray(per_epoch[quantity.name], dtype=float)
        found = [cells for cells in search.values.holding(expected)
                 if not any((cells.sheet, row, cells.first_column) in taken
                            for row in range(cells.first_row, cells.last_row + 1))]
        if not found:
            draft.missing.append(quantity.name)
            continue
        draft.columns[quantity.name] = f'"{found[0]}"'
        if len(found) > 1:
            draft.comments[f"columns.{quantity.name}"] = (
                f"unsure (same values): candidates {', '.join(str(cells) for cells in found[:6])}")


def _refuse_incomplete(path: str | Path, experiment, draft: Draft) -> None:
    """The quantities a check cannot do without: those the experiment starts from a parameter (b from b0)."""
    starts = [q for q in experiment.quantities if f"{q.name}0" in experiment.defaults]
    required = starts or list(experiment.quantities)
    absent = [q for q in required if q.name not in draft.columns]
    if starts and absent or not draft.columns:
        quantity = absent[0]
        raise XlgenError(f"{path}: no column holds {quantity.name} ({quantity.label}) of {experiment.name!r}: "
                         f"no header names it and no column has its values")


def _header(column: Column) -> str:
    return f"header {column.headers[0]!r}" if column.headers else "no header"


def _toml_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _toml_comment(text: str) -> str:
    """Text fit for a TOML comment: one line, no control characters."""
    return "".join(ch if ch.isprintable() else " " for ch in " ".join(str(text).split()))
