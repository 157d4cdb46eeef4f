"""What every experiment sheet shares: the inputs block, the table's position, and the manifest's map.

:func:`experiment_sheet` takes a builder's columns and turns them into a
:class:`~xlgen.workbook.SheetSpec` with the reference's values as the
formulas' cached results, and a :class:`~xlgen.workbook.WorkbookSpec` whose
parameter and quantity map the checker reads back from the manifest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..cells import Range
from ..workbook import INPUT_ROW, ChartSpec, SheetSpec, WorkbookSpec, input_cell
from .layout import Column, EpochColumn, Input, StepTable

HEADER_ROW = INPUT_ROW + 5  # inputs: labels, values, names; a gap; quantity labels; quantity names


INPUT_LABELS = {
    "lr": "learning rate", "b0": "b at start", "a0": "a at start", "c0": "c at start", "d0": "d at start",
    "fd_step": "finite-difference step h", "mom": "momentum", "sqr_mom": "momentum of squares",
    "grad_avg_b0": "avg de/db at start", "grad_avg_a0": "avg de/da at start",
    "sqr_avg_b0": "avg (de/db)² at start", "sqr_avg_a0": "avg (de/da)² at start",
    "prev_grad2": "smallest gradient size at start", "wd": "weight decay", "eps": "eps",
    "grad_avg0": "average at start",
}


def inputs_from(params: dict[str, Any], names: Sequence[str], notes: dict[str, str]) -> list[Input]:
    """Input cells for the named parameters, labelled for a person, with the parameter's help as a note."""
    return [Input(name, INPUT_LABELS.get(name, name), params[name], notes.get(name)) for name in names]


def input_range(sheet: str, index: int) -> Range:
    """The cell of the ``index``-th input (0-based) on ``sheet``."""
    row, column = input_cell(index)
    return Range(sheet, row, column, row, column)


def step_values(table: pd.DataFrame, columns: Sequence[Column]) -> dict[str, list[Any]]:
    return {c.name: list(table[c.name]) for c in columns if c.name in table.columns}


def epoch_values(table: pd.DataFrame, columns: Sequence[EpochColumn]) -> dict[str, list[Any]]:
    epochs = table.attrs.get("epochs")
    if epochs is None or epochs.empty:
        return {}
    return {c.name: list(epochs[c.name]) for c in columns if c.name in epochs.columns}


def experiment_sheet(
    *,
    sheet: str,
    title: str,
    description: str,
    table: pd.DataFrame,
    params: dict[str, Any],
    input_names: Sequence[str],
    labels: dict[str, str],
    notes: dict[str, str],
    columns: list[Column],
    epoch_columns: list[EpochColumn] = (),
    start_values: dict[str, Any] | None = None,
    charts: list[ChartSpec] = (),
    rows_per_epoch: int | None = None,
) -> SheetSpec:
    epochs = int(table["epoch"].max()) if len(table) else 1
    layout = StepTable(
        key=sheet, sheet=sheet, columns=list(columns), epochs=epochs,
        rows_per_epoch=rows_per_epoch or len(table) // epochs, header_row=HEADER_ROW,
        epoch_columns=list(epoch_columns),
    )
    return SheetSpec(
        name=sheet, title=title, description=description, table=layout,
        inputs=inputs_from(params, input_names, notes),
        charts=list(charts), values=step_values(table, columns),
        epoch_values=epoch_values(table, epoch_columns), start_values=dict(start_values or {}),
        labels=labels,
    )


def workbook_spec(experiment, sheet: SheetSpec, params: dict[str, Any], data: Sequence[str] = ("x", "y"),
                  fixed: Sequence[str] = ("epochs",), extra_sheets: Sequence[SheetSpec] = ()) -> WorkbookSpec:
    """The workbook of one checked sheet: its inputs, data and fixed parameters, and all its quantities."""
    source: dict[str, Any] = {}
    for index, item in enumerate(sheet.inputs):
        source[item.name] = input_range(sheet.name, index)
    for name in data:
        source[name] = sheet.table.data_range(name)
    for name in fixed:
        source[name] = params[name]
    quantities = {}
    for name in (*experiment_names(experiment),):
        if name in sheet.table.positions or name in sheet.table.epoch_positions:
            quantities[name] = sheet.table.quantity_range(name)
    return WorkbookSpec(experiment.name, experiment.title, [*extra_sheets, sheet], source, quantities)


def experiment_names(experiment) -> list[str]:
    return [q.name for q in (*experiment.quantities, *experiment.epoch_quantities)]


def labels_of(experiment, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Each quantity's label, shown above its name in the table."""
    labels = {"x": "input", "y": "target"}
    labels.update({q.name: q.label for q in (*experiment.quantities, *experiment.epoch_quantities)})
    labels.update(extra or {})
    return labels
