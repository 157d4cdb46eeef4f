"""Exercises: a lesson's workbook with the formulas of some quantities left for the learner to write.

An exercise has the layout of the workbook it comes from (the same sheets
and cells, data, inputs, headers, notes and charts); only the formula cells
of the chosen quantities are empty. By default those are the quantities that
make the lesson: the update of the parameters (``new_*``) and the optimizer
state (the averages and the debias terms). In the LAMBDA form the names stay
defined and the learner writes the calls; a call that fills several columns
(``SGD_STEP`` fills new b and new a) blanks them together.

The manifest lists the blanked quantities with a hint each (the column's
note), so ``xlgen check`` grades the exercise without a spec.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import XlgenError
from .experiments import get_experiment

if TYPE_CHECKING:
    from .workbook import WorkbookSpec

LESSON_PREFIXES = ("new_", "grad_avg", "sqr_avg", "debias")


@dataclass
class Exercise:
    """What an exercise leaves empty: the quantities, with their hints, and their formula cells."""

    hints: dict[str, str]  # blanked quantity -> the note shown when it is wrong
    cells: frozenset[tuple[str, int, int]] = field(default_factory=frozenset)  # (sheet, row, column)


def file_name(experiment: str, variant: str) -> str:
    """``momentum-exercise.xlsx``, ``momentum-let-exercise.xlsx``, ``momentum-lambda-exercise.xlsx``."""
    return f"{experiment}-exercise.xlsx" if variant == "plain" else f"{experiment}-{variant}-exercise.xlsx"


def lesson_quantities(spec: WorkbookSpec) -> list[str]:
    """The quantities an exercise blanks by default: the parameters' update and the optimizer state."""
    chosen = [name for name in spec.quantities if name.startswith(LESSON_PREFIXES)]
    return chosen or list(spec.quantities)


def make_exercise(spec: WorkbookSpec, variant: str, blank: Sequence[str] | None = None) -> Exercise:
    """The exercise of ``spec`` in ``variant`` blanking ``blank`` (default: :func:`lesson_quantities`)."""
    chosen = list(dict.fromkeys(blank)) if blank else lesson_quantities(spec)
    unknown = [name for name in chosen if name not in spec.quantities]
    if unknown:
        raise XlgenError(f"--blank: {spec.experiment!r} has no quantity {unknown[0]!r} "
                         f"(see `xlgen list --quantities {spec.experiment}`)")
    formulas = _formula_areas(spec, variant)
    quantities = set(chosen)
    while True:  # a formula filling several quantities' cells blanks all of them
        cells = {cell for name in quantities for cell in _cells(spec, name)}
        touched = {area for cell in cells for area in formulas.get(cell, ())}
        empty = frozenset().union(*touched)
        grown = quantities | {name for name in spec.quantities if any(cell in empty for cell in _cells(spec, name))}
        if grown == quantities:
            break
        quantities = grown
    for name in quantities:
        if not any(cell in empty for cell in _cells(spec, name)):
            raise XlgenError(f"--blank: {name!r} holds no formula in {spec.experiment!r} (it is data or a constant)")
    ordered = [name for name in spec.quantities if name in quantities]
    return Exercise({name: hint(spec, name) for name in ordered}, empty)


def hint(spec: WorkbookSpec, quantity: str) -> str:
    """The quantity's column note, else what the reference says it is."""
    for sheet in spec.sheets:
        for column in (*sheet.table.columns, *sheet.table.epoch_columns):
            if column.name == quantity and column.note:
                return column.note
    described = get_experiment(spec.experiment).quantity(quantity)
    return f"{described.label}: {described.description}" if described.description else described.label


def _cells(spec: WorkbookSpec, quantity: str) -> list[tuple[str, int, int]]:
    source = spec.quantities[quantity]
    return [(source.sheet, row, column) for row, column in source.cells()]


def _formula_areas(spec: WorkbookSpec, variant: str) -> dict[tuple[str, int, int], list[frozenset]]:
    """Each formula cell (and each cell an array formula fills) -> the cells of its formula."""
    areas: dict[tuple[str, int, int], list[frozenset]] = {}
    for sheet in spec.sheets:
        for cell in sheet.table.cells(variant, {}, {}, {}):
            if cell.formula is None:
                continue
            last_row, last_column = cell.array_to or (cell.row, cell.column)
            area = frozenset((sheet.name, row, column) for row in range(cell.row, last_row + 1)
                             for column in range(cell.column, last_column + 1))
            for member in area:
                areas.setdefault(member, []).append(area)
    return areas
