"""Lengths a spec leaves out (``epochs``, ``steps``), read off the sheet.

A hand-made sheet of one epoch has 29 rows of b; the reference of six epochs
has 174. When a spec does not fix a length, it is the number of cells of the
quantity columns over the rows the reference gives per unit of that length
(for graddesc's sheets: the length of the data).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from .cells import Range
from .errors import XlgenError
from .experiments import get_experiment, reference_columns, table_epochs

if TYPE_CHECKING:
    from .spec import Target


def length_parameters(defaults: dict) -> list[str]:
    """The parameters that count something (epochs, steps): the whole-number ones."""
    return [name for name, value in defaults.items() if isinstance(value, int) and not isinstance(value, bool)]


def infer_lengths(target: Target, where: str) -> Target:
    """``target`` with the one length it leaves out set from its quantities' cells; unchanged otherwise.

    ``where`` names the spec in the one-line error raised when the cells are
    not a whole number of units (say 30 rows of 29 data points).
    """
    if target.reference:
        return target  # a course author's own function: its parameters are its own business
    experiment = get_experiment(target.experiment)
    missing = [name for name in length_parameters(experiment.defaults) if name not in target.params]
    if len(missing) != 1:
        return target
    length = missing[0]
    unit_rows, unit_epochs = _rows_per_unit(experiment, target, length)
    for quantity, source in target.quantities.items():
        if quantity in unit_rows.columns:
            unit, kind = len(unit_rows), "rows"
        elif quantity in unit_epochs.columns:
            unit, kind = len(unit_epochs), "epoch rows"
        else:
            continue  # an unknown quantity gets its own error later
        if unit == 0:
            return target
        count, rest = divmod(source.size, unit)
        if rest or count == 0:
            raise XlgenError(
                f"{where}: columns.{quantity} ({source}) has {source.size} cells, not a whole number of "
                f"{length} of {unit} {kind} each; set {length} in [params]")
        inferred = dict(target.params)
        inferred[length] = count
        extras = {**target.extras, "inferred": {**target.extras.get("inferred", {}), length: count}}
        return dataclasses.replace(target, params=inferred, extras=extras)
    return target


def _rows_per_unit(experiment, target: Target, length: str):
    """The reference's step and epoch tables with ``length`` = 1 and data of the spec's sizes."""
    trial: dict = {length: 1}
    for name, source in target.params.items():
        default = experiment.defaults.get(name)
        if isinstance(source, Range):
            if isinstance(default, tuple) and default:
                # Only the size matters here; the default values keep the arithmetic ordinary.
                trial[name] = tuple(float(v) for v in np.resize(np.asarray(default, dtype=float), source.size))
        else:
            trial[name] = source
    try:
        table = reference_columns(experiment.name, trial)
    except XlgenError:
        table = reference_columns(experiment.name, {length: 1})
    return table, table_epochs(table)
