"""The grid of an experiment sheet: inputs, the step table and the epoch table, and their formulas.

A sheet builder declares columns with formula templates that read like the
cells they produce. A template names quantities in braces and the layout
turns them into cell references:

- ``{b}``: this row's b (``D12``);
- ``{new_b@prev}``: the row above (for the first step, the *start row*, which
  holds what enters the first step: ``new_b`` = b0, ``grad_avg_b`` = its initial
  state);
- ``{lr@epoch}``: this step's epoch's cell of an epoch quantity (``$S$12``);
- ``{err2@epoch_rows}``: in the epoch table, the epoch's cells of a step
  quantity (``F12:F40``); ``{sqr_avg_b@before_epoch}``: the row that enters the
  epoch; ``{lr@prev}``: the previous epoch's row;
- ``{other:est_de_dd}``: the same step in another sheet's step table.

Inputs are workbook defined names, written as they are (``lr``, ``fd_step``).
Epochs are consecutive blocks of rows; the data of epochs after the first
refers to the first epoch's data, so a learner changes the data in one place.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from ..cells import Range, cell_name, column_letter, quote_sheet
from ..storage import check_names, dedent_formula, to_file

_PLACEHOLDER = re.compile(r"\{(?:(?P<table>[a-z0-9_]+):)?(?P<name>[A-Za-z0-9_]+)(?:@(?P<where>[a-z_]+))?\}")
# What stands for a reference while a template goes to storage form: a name shaped like a cell, as the
# reference is, so that the storage rules treat both alike; no real sheet reaches column ZZZ.
_MARK = "ZZZ{}"
_MARKS = re.compile(r"ZZZ([0-9]+)")


def excel_name(parameter: str) -> str:
    """The workbook name of a parameter: itself, unless Excel could read it as a cell (``b0`` -> ``b_0``)."""
    if re.fullmatch(r"[A-Za-z]{1,3}[0-9]+", parameter):
        return re.sub(r"([A-Za-z]+)([0-9]+)", r"\1_\2", parameter)
    return parameter


@dataclass
class Input:
    """A hyper-parameter or initial value in a labelled input cell with a workbook name."""

    name: str  # the parameter
    label: str
    value: float | bool
    note: str | None = None

    @property
    def defined_name(self) -> str:
        return excel_name(self.name)


@dataclass
class Column:
    """A step-table column: one quantity, its formula in each variant, and how it starts.

    ``plain`` is required; ``let`` and ``lam`` default to it. ``epoch_start`` is
    used on the first row of every epoch after the first, ``start`` on the
    start row. In the lambda variant, ``spill`` > 1 means the formula returns
    an array that fills this column and the next ``spill - 1`` (like fastai's
    steppers on the tensor [b, a]).
    """

    name: str
    plain: str | None = None
    let: str | None = None
    lam: str | None = None
    epoch_start: str | None = None
    start: str | None = None
    spill: int = 1
    note: str | None = None
    width: float = 11.0
    data: Sequence[float] | None = None  # a data column: constants in the first epoch

    def template(self, variant: str) -> str | None:
        return _in_variant(variant, self.plain, self.let, self.lam)


@dataclass
class EpochColumn:
    """An epoch-table column: one quantity per epoch, ``first`` for epoch 1 if it differs."""

    name: str
    plain: str
    let: str | None = None
    lam: str | None = None
    first: str | None = None
    note: str | None = None
    width: float = 12.0

    def template(self, variant: str, epoch: int) -> str:
        if epoch == 1 and self.first is not None:
            return self.first
        return _in_variant(variant, self.plain, self.let, self.lam)


def _in_variant(variant: str, plain: str | None, let: str | None, lam: str | None) -> str | None:
    """The formula of ``variant``: its LET or LAMBDA form where the column has one, else the plain one."""
    if variant == "let" and let is not None:
        return let
    if variant == "lambda" and lam is not None:
        return lam
    return plain


@dataclass(slots=True)
class Cell:
    """One cell to write: a formula as Excel stores it (with its cached value), or a constant."""

    row: int
    column: int
    formula: str | None = None  # storage form (``_xlfn.``, ``_xlpm.``), without the leading "="
    value: Any = None
    style: str = "number"
    array_to: tuple[int, int] | None = None  # last (row, column) of an array formula's range
    dynamic: bool = False  # written as a dynamic-array formula (a LAMBDA call)
    shape: str | None = None  # the formula with its references left out: the same for a filled-down column


class Template:
    """A formula template in Excel's storage form, made once: the text between its references.

    A column holds one template filled down thousands of rows; the storage
    rules (:func:`xlgen.storage.to_file`) read its text once, and each row only
    puts its references between the pieces.
    """

    __slots__ = ("text", "references", "pieces", "order")

    def __init__(self, template: str):
        self.text = dedent_formula(template)
        self.references = list(_PLACEHOLDER.finditer(self.text))
        count = iter(range(len(self.references)))
        stored = to_file(_PLACEHOLDER.sub(lambda _: _MARK.format(next(count)), self.text))[1:]
        check_names(stored)
        parts = _MARKS.split(stored)
        self.pieces = parts[0::2]  # the text around the references, in storage form
        self.order = [int(index) for index in parts[1::2]]  # which reference goes between two pieces

    def fill(self, references: list[str]) -> str:
        pieces = self.pieces
        out = [pieces[0]]
        for position, index in enumerate(self.order, 1):
            out.append(references[index])
            out.append(pieces[position])
        return "".join(out)


@dataclass
class StepTable:
    """Where every quantity of one sheet's step table and epoch table lives."""

    key: str
    sheet: str
    columns: list[Column]
    epochs: int
    rows_per_epoch: int
    header_row: int  # the row of quantity names; labels sit above it
    first_column: int = 1
    epoch_columns: list[EpochColumn] = field(default_factory=list)
    start_row: bool = True
    epoch_first_column: int | None = None
    others: dict[str, StepTable] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The epoch and step columns come first; templates may read them ({step} is fastai's step count).
        self.positions: dict[str, int] = {"epoch": self.first_column, "step": self.first_column + 1}
        position = self.first_column + 2
        for column in self.columns:
            self.positions[column.name] = position
            position += 1
        self.last_column = position - 1
        if self.epoch_first_column is None:
            self.epoch_first_column = self.last_column + 2
        self.epoch_positions = {
            column.name: self.epoch_first_column + 1 + index for index, column in enumerate(self.epoch_columns)
        }
        self._templates: dict[tuple[str, bool], tuple[Template, list[Callable[[int, int], str]]]] = {}

    # -------------------------------------------------------------- geometry
    @property
    def start(self) -> int:
        """The start row (state entering the first step), or the row before the first step."""
        return self.header_row + 1

    def row(self, epoch: int, index: int) -> int:
        """The sheet row of step ``index`` (0-based) of ``epoch`` (1-based)."""
        return self.start + (1 if self.start_row else 0) + (epoch - 1) * self.rows_per_epoch + index

    @property
    def first_row(self) -> int:
        return self.row(1, 0)

    @property
    def last_row(self) -> int:
        return self.row(self.epochs, self.rows_per_epoch - 1)

    def epoch_row(self, epoch: int) -> int:
        return self.header_row + epoch

    def column_of(self, name: str) -> int:
        return self.positions[name]

    def quantity_range(self, name: str) -> Range:
        if name in self.positions:
            column = self.positions[name]
            return Range(self.sheet, self.first_row, column, self.last_row, column)
        column = self.epoch_positions[name]
        return Range(self.sheet, self.epoch_row(1), column, self.epoch_row(self.epochs), column)

    def data_range(self, name: str) -> Range:
        """The input cells of a data column (its first epoch)."""
        column = self.positions[name]
        return Range(self.sheet, self.first_row, column, self.row(1, self.rows_per_epoch - 1), column)

    # -------------------------------------------------------------- templates
    def _reference(self, match: re.Match, epoch: int, row: int, in_epoch_table: bool) -> str:
        return self._maker(match, in_epoch_table)(epoch, row)

    def _maker(self, match: re.Match, in_epoch_table: bool) -> Callable[[int, int], str]:
        """What a placeholder refers to, as a function of (epoch, row): its column is looked up once."""
        name, where, table = match["name"], match["where"], match["table"]
        if table:
            other = self.others[table]
            prefix = f"{quote_sheet(other.sheet)}!{column_letter(other.positions[name])}"
            return lambda epoch, row: f"{prefix}{row}"
        if in_epoch_table:
            if where == "epoch_rows":
                letter = column_letter(self.positions[name])
                return lambda epoch, row: f"{letter}{self.row(epoch, 0)}:{letter}{self.row(epoch, self.rows_per_epoch - 1)}"
            if where == "before_epoch":
                letter = column_letter(self.positions[name])
                return lambda epoch, row: f"{letter}{self.row(epoch, 0) - 1}"
            if where == "prev":
                letter = column_letter(self.epoch_positions[name])
                return lambda epoch, row: f"{letter}{self.epoch_row(epoch - 1)}"
            if where is None:
                letter = column_letter(self.epoch_positions[name])
                return lambda epoch, row: f"{letter}{self.epoch_row(epoch)}"
        else:
            if where == "epoch":
                letter = column_letter(self.epoch_positions[name])
                return lambda epoch, row: f"${letter}${self.epoch_row(epoch)}"
            if where == "prev":
                letter = column_letter(self.positions[name])
                return lambda epoch, row: f"{letter}{row - 1}"
            if where is None:
                letter = column_letter(self.positions[name])
                return lambda epoch, row: f"{letter}{row}"
        raise ValueError(f"template reference {match.group()} is not valid here")

    def resolve(self, template: str, epoch: int, row: int, in_epoch_table: bool = False) -> str:
        """The template's formula as a person types it (``=D11-lr*G11``)."""
        text = dedent_formula(template)
        return _PLACEHOLDER.sub(lambda m: self._reference(m, epoch, row, in_epoch_table), text)

    def formula(self, template: str, epoch: int, row: int, in_epoch_table: bool = False) -> str:
        """The template's formula as Excel stores it (``_xlfn.LET(_xlpm.g,...)``), without the "="."""
        compiled, makers = self._template(template, epoch, row, in_epoch_table)
        return compiled.fill([make(epoch, row) for make in makers])

    def _template(self, template: str, epoch: int, row: int,
                  in_epoch_table: bool) -> tuple[Template, list[Callable[[int, int], str]]]:
        """The template in storage form and its references' makers, made on first use (at ``epoch``, ``row``)."""
        key = (template, in_epoch_table)
        found = self._templates.get(key)
        if found is None:
            compiled = Template(template)
            makers = [self._maker(match, in_epoch_table) for match in compiled.references]
            found = self._templates[key] = (compiled, makers)
            # Filling the stored pieces must give what the storage rules give the whole formula.
            filled = compiled.fill([make(epoch, row) for make in makers])
            expected = to_file(self.resolve(template, epoch, row, in_epoch_table))[1:]
            if filled != expected:
                raise RuntimeError(f"template stored as {filled!r}, the formula as {expected!r}")
        return found

    # -------------------------------------------------------------- cells
    def cells(self, variant: str, values: dict[str, Sequence[Any]], epoch_values: dict[str, Sequence[Any]],
              start_values: dict[str, Any]) -> Iterator[Cell]:
        """Every cell of the step and epoch tables (not the headers), with cached values from the reference."""
        for _, cells in self.rows(variant, values, epoch_values, start_values):
            yield from cells

    def rows(self, variant: str, values: dict[str, Sequence[Any]], epoch_values: dict[str, Sequence[Any]],
             start_values: dict[str, Any]) -> Iterator[tuple[int, list[Cell]]]:
        """The cells of :meth:`cells` row by row from the top, the epoch table's beside the step table's.

        A writer that keeps one row in memory needs them in this order.
        """
        merged = heapq.merge(self._step_rows(variant, values, start_values),
                             self._epoch_rows(variant, epoch_values), key=itemgetter(0))
        for row, parts in groupby(merged, key=itemgetter(0)):
            cells: list[Cell] = []
            for _, part in parts:
                cells += part
            yield row, cells

    def _step_rows(self, variant: str, values: dict[str, Sequence[Any]],
                   start_values: dict[str, Any]) -> Iterator[tuple[int, list[Cell]]]:
        epoch_column, step_column = self.first_column, self.first_column + 1
        if self.start_row:
            cells = [Cell(self.start, step_column, value="start", style="label")]
            for column in self.columns:
                if column.start is not None:
                    cells.append(self._formula_cell(column.start, 1, self.start, self.positions[column.name],
                                                    start_values.get(column.name), "start"))
            yield self.start, cells
        lambda_form = variant == "lambda"
        plan = []  # per column, what its cells need, looked up once
        for column in self.columns:
            template = column.template(variant)
            calls = lambda_form and template is not None and template is column.lam
            plan.append((column, self.positions[column.name], values.get(column.name), template,
                         column.epoch_start if column.epoch_start is not None else template,
                         column.spill if calls else 1, calls))
        step = 0
        for epoch in range(1, self.epochs + 1):
            for index in range(self.rows_per_epoch):
                row = self.row(epoch, index)
                top = "_top" if index == 0 and epoch > 1 else ""
                cells = [Cell(row, epoch_column, value=epoch, style="index" + top),
                         Cell(row, step_column, value=step + 1, style="index" + top)]
                skip_until = 0
                for column, position, cached_values, template, epoch_start, spill, calls in plan:
                    cached = cached_values[step] if cached_values is not None else None
                    if column.data is not None:
                        if epoch == 1:
                            cells.append(Cell(row, position, value=column.data[index], style="input" + top))
                        else:
                            first = cell_name(self.row(1, index), position)
                            cells.append(Cell(row, position, formula=first, value=cached, style="data" + top,
                                              shape=""))
                        continue
                    if position <= skip_until:
                        cells.append(Cell(row, position, value=cached, style="spill" + top))
                        continue
                    used = epoch_start if index == 0 and epoch > 1 else template
                    if used is None:
                        continue
                    array = calls and used is template
                    cell = self._formula_cell(used, epoch, row, position, cached, "number" + top)
                    if array:
                        cell.array_to, cell.dynamic = (row, position + spill - 1), True
                    cells.append(cell)
                    skip_until = position + (spill if array else 1) - 1
                yield row, cells
                step += 1

    def _epoch_rows(self, variant: str, epoch_values: dict[str, Sequence[Any]]) -> Iterator[tuple[int, list[Cell]]]:
        for epoch in range(1, self.epochs + 1):
            row = self.epoch_row(epoch)
            cells = [Cell(row, self.epoch_first_column, value=epoch, style="index")]
            for column in self.epoch_columns:
                cached = epoch_values[column.name][epoch - 1] if column.name in epoch_values else None
                cells.append(self._formula_cell(column.template(variant, epoch), epoch, row,
                                                self.epoch_positions[column.name], cached, "number",
                                                in_epoch_table=True))
            yield row, cells

    def _formula_cell(self, template: str, epoch: int, row: int, column: int, cached: Any, style: str,
                      in_epoch_table: bool = False) -> Cell:
        compiled, makers = self._template(template, epoch, row, in_epoch_table)
        formula = compiled.fill([make(epoch, row) for make in makers])
        return Cell(row, column, formula=formula, value=cached, style=style, shape=compiled.text)


def column_widths(table: StepTable) -> dict[int, float]:
    widths = {table.first_column: 6.0, table.first_column + 1: 6.0}
    for column in table.columns:
        widths[table.positions[column.name]] = column.width
    widths[table.epoch_first_column] = 6.0
    for column in table.epoch_columns:
        widths[table.epoch_positions[column.name]] = column.width
    return widths


__all__ = ["Input", "Column", "EpochColumn", "Cell", "StepTable", "column_letter", "column_widths"]
