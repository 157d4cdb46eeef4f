"""What every experiment sheet shares: the inputs block, the table's position, and the manifest's map.

:func:`experiment_sheet` takes a builder's columns and turns them into a
:class:`~xlgen.workbook.SheetSpec` with the experiment's title, description,
quantity labels and parameter labels and help from the reference, and the
reference's values as the formulas' cached results. :func:`workbook_spec`
makes the :class:`~xlgen.workbook.WorkbookSpec` whose parameter and quantity
map the checker reads back from the manifest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from reference.registry import Experiment, Parameter

from ..cells import Range
from ..errors import XlgenError
from ..workbook import INPUT_ROW, ChartSpec, SheetSpec, WorkbookSpec, input_cell
from .layout import Column, EpochColumn, Input, StepTable

HEADER_ROW = INPUT_ROW + 5  # inputs: labels, values, names; a gap; quantity labels; quantity names


def inputs_from(params: dict[str, Any], names: Sequence[str], parameters: Mapping[str, Parameter]) -> list[Input]:
    """Input cells for the named parameters, with the reference's label, and its help as a note."""
    return [Input(name, parameters[name].label, params[name], parameters[name].help) for name in names]


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
    experiment: Experiment,
    table: pd.DataFrame,
    params: dict[str, Any],
    *,
    inputs: Sequence[str],
    columns: list[Column],
    epoch_columns: Sequence[EpochColumn] = (),
    start_values: dict[str, Any] | None = None,
    charts: Sequence[ChartSpec] = (),
    sheet: str | None = None,
    sheet_parameters: Mapping[str, Parameter] | None = None,
) -> SheetSpec:
    """The sheet of ``experiment`` (named after it unless ``sheet`` is given), with ``inputs`` at the top.

    ``sheet_parameters`` labels inputs the sheet has and the reference has not
    (the elements of a tensor parameter, one cell each).
    """
    name = sheet or experiment.name
    epochs = int(table["epoch"].max()) if len(table) else 1
    layout = StepTable(
        key=name, sheet=name, columns=list(columns), epochs=epochs, rows_per_epoch=len(table) // epochs,
        header_row=HEADER_ROW, epoch_columns=list(epoch_columns),
    )
    return SheetSpec(
        name=name, title=experiment.title, description=experiment.description, table=layout,
        inputs=inputs_from(params, inputs, {**experiment.parameters, **(sheet_parameters or {})}),
        charts=list(charts), values=step_values(table, columns),
        epoch_values=epoch_values(table, epoch_columns), start_values=dict(start_values or {}),
        labels=quantity_labels(experiment),
    )


def workbook_spec(experiment: Experiment, sheet: SheetSpec, params: dict[str, Any],
                  data: Sequence[str] = ("x", "y"), fixed: Sequence[str] = ("epochs",),
                  extra_sheets: Sequence[SheetSpec] = ()) -> WorkbookSpec:
    """The workbook of one checked sheet: its inputs, data and fixed parameters, and all its quantities.

    Every quantity of the reference must have its column on the sheet: one left out would go unchecked.
    """
    source: dict[str, Any] = {}
    for index, item in enumerate(sheet.inputs):
        source[item.name] = input_range(sheet.name, index)
    for name in data:
        source[name] = sheet.table.data_range(name)
    for name in fixed:
        source[name] = params[name]
    quantities = {}
    for quantity in (*experiment.quantities, *experiment.epoch_quantities):
        if quantity.name not in sheet.table.positions and quantity.name not in sheet.table.epoch_positions:
            raise XlgenError(f"experiment {experiment.name!r}: quantity {quantity.name!r} has no column "
                             f"on sheet {sheet.name!r}")
        quantities[quantity.name] = sheet.table.quantity_range(quantity.name)
    return WorkbookSpec(experiment.name, experiment.title, [*extra_sheets, sheet], source, quantities)


def quantity_labels(experiment: Experiment) -> dict[str, str]:
    """Each quantity's label, shown above its name in the table."""
    labels = {"x": "input", "y": "target"}
    labels.update({q.name: q.label for q in (*experiment.quantities, *experiment.epoch_quantities)})
    return labels
