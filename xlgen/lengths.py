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
    step_columns, steps, epoch_columns, epochs = _rows_per_unit(experiment, target, length)
    for quantity, source in target.quantities.items():
        if quantity in step_columns:
            unit, kind = steps, "rows"
        elif quantity in epoch_columns:
            unit, kind = epochs, "epoch rows"
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


# Data sizes of the two small trials that find the reference's rows per data point, and the data length from
# which they are run instead of one trial at full length (see _rows_per_unit).
PROBES = (5, 7)
LONG_DATA = 1000


def _rows_per_unit(experiment, target: Target, length: str) -> tuple[list[str], int, list[str], int]:
    """(step columns, step rows, epoch columns, epoch rows) of the reference with ``length`` = 1 and data of
    the spec's sizes.

    A reference over 100,000 data points costs as much as the check itself, so when the data are long the
    reference runs twice on short data instead: if its steps are the same whole number per data point at
    both sizes and its epochs do not change, that holds at the spec's size too (every experiment's is
    tested against a full run); otherwise it runs once at the spec's size.
    """
    sizes = _data_sizes(experiment, target)
    size = next(iter(sizes.values()), 0)
    if len(set(sizes.values())) == 1 and size >= LONG_DATA:
        (columns, steps, epoch_columns, epochs), (_, other_steps, _, other_epochs) = (
            _trial(experiment, target, length, probe) for probe in PROBES)
        per_point, rest = divmod(steps, PROBES[0])
        if not rest and per_point and other_steps == per_point * PROBES[1] and other_epochs == epochs:
            return columns, per_point * size, epoch_columns, epochs
    return _trial(experiment, target, length, None)


def _trial(experiment, target: Target, length: str, probe: int | None) -> tuple[list[str], int, list[str], int]:
    """:func:`_rows_per_unit` of one run, with every data parameter ``probe`` points long (None: the spec's
    sizes)."""
    trial: dict = {length: 1}
    sizes = _data_sizes(experiment, target)
    for name, source in target.params.items():
        if name in sizes:
            # Only the size matters here; the default values keep the arithmetic ordinary.
            points = sizes[name] if probe is None else probe
            default = np.asarray(experiment.defaults[name], dtype=float)
            trial[name] = tuple(float(v) for v in np.resize(default, points))
        elif not isinstance(source, Range):
            trial[name] = source
    try:
        table = reference_columns(experiment.name, trial)
    except XlgenError:
        table = reference_columns(experiment.name, {length: 1})
    epochs = table_epochs(table)
    return list(table.columns), len(table), list(epochs.columns), len(epochs)


def _data_sizes(experiment, target: Target) -> dict[str, int]:
    """The data parameters the spec reads from cells (those whose default is a tuple), by their cells' count."""
    return {name: source.size for name, source in target.params.items()
            if isinstance(source, Range) and isinstance(experiment.defaults.get(name), tuple)
            and experiment.defaults.get(name)}
