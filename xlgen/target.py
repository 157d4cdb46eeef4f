"""What a workbook is checked against: its spec or manifest, and the parameters read from its own cells."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .cells import Range, cell_name
from .errors import XlgenError
from .experiments import get_experiment, reference_columns, table_epochs
from .lengths import length_parameters
from .manifest import MANIFEST_SHEET, read_manifest
from .spec import Target, load_spec, parse_spec
from .values import ExcelError, Unsupported
from .xlsx.reader import read_workbook


def target_of(path: Path, spec: str | Path | None, reference: str | None = None,
              experiment: str | None = None) -> Target:
    """The spec, a spec drafted from the workbook for ``experiment``, or the manifest inside the workbook,
    checked for sizes and values it cannot mean. A drafted spec's TOML is in ``extras["draft"]``."""
    if experiment is not None:
        if spec is not None:
            raise XlgenError("give --spec or --experiment, not both (--experiment drafts the spec)")
        from .draft_spec import draft_spec

        text = draft_spec(path, experiment).toml()
        target = parse_spec(text, f"{path} (drafted spec)", reference)
        target.extras["draft"] = text
        check_target(target, target.source, "params.")
        return target
    if spec is not None:
        target = load_spec(spec, reference)
        check_target(target, target.source, "params.")
        return target
    manifest = read_manifest(read_workbook(path, sheets=[MANIFEST_SHEET]))
    if manifest is None:
        raise XlgenError(f"{path}: no xlgen manifest in this workbook; give --spec FILE to say what it computes")
    target = Target(manifest.experiment, manifest.params, manifest.quantities, variant=manifest.variant,
                    reference=reference, extras={"blanked": manifest.blanked} if manifest.blanked else {})
    check_target(target, f"{path}: sheet {MANIFEST_SHEET!r}", "param ")
    return target


def check_target(target: Target, where: str, key: str) -> None:
    """Refuse, before any cell is read, what no workbook can hold: 2-D ranges where a column is meant, a
    range where one value is meant, a number that is not finite, a length below 1 or above the cells.

    ``where`` and ``key`` name the spec or manifest and how it spells a parameter (``params.lr``).
    """
    for quantity, source in target.quantities.items():
        if source.rows > 1 and source.columns > 1:
            raise XlgenError(f"{where}: quantity {quantity} at {source} must be one row or one column")
    defaults = {} if target.reference else get_experiment(target.experiment).defaults
    counts = set(length_parameters(defaults))
    largest = max((source.size for source in target.quantities.values()), default=0)
    for name, source in target.params.items():
        if isinstance(source, Range):
            if source.rows > 1 and source.columns > 1:
                raise XlgenError(f"{where}: {key}{name} = {source} must be one row or one column, not an area")
            if name in defaults and not isinstance(defaults[name], tuple) and source.size > 1:
                raise XlgenError(f"{where}: {key}{name} = {source} must be one cell, not {source.size:,}")
            continue
        if isinstance(source, (int, float)) and not isinstance(source, bool) and not math.isfinite(source):
            raise XlgenError(f"{where}: {key}{name} is {source}, not a finite number")
        if name in counts:
            check_length(name, source, largest, f"{where}: {key}{name}")


def check_length(name: str, value: Any, largest: int, where: str) -> None:
    """A length (epochs, steps) must be a whole number from 1 to the cells of the largest quantity (each
    epoch or step fills at least one of them)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer():
        raise XlgenError(f"{where} is {value!r}; {name} must be a whole number")
    if value < 1:
        raise XlgenError(f"{where} is {value:g}; {name} must be at least 1")
    if value > largest:
        raise XlgenError(f"{where} is {value:g}, more than the {largest:,} cells of the workbook's largest "
                         f"quantity can hold ({name} fills at least one cell each)")


def check_lengths(path: Path, target: Target, params: dict[str, Any]) -> None:
    """Before the reference runs: refuse lengths whose table would not be the size of the quantities' cells.

    The reference runs once with every length 1 (a fraction of the full run) and the sizes are scaled by
    the lengths; a table grows linearly with them.
    """
    if target.reference:
        return
    experiment = get_experiment(target.experiment)
    counts = [name for name in length_parameters(experiment.defaults) if name in params]
    largest = max((source.size for source in target.quantities.values()), default=0)
    for name in counts:
        check_length(name, params[name], largest, f"{path}: {name}")
    scale = math.prod(int(params[name]) for name in counts)
    if scale == 1:
        return  # the full run is as small as a trial
    trial = reference_columns(experiment.name, {**params, **{name: 1 for name in counts}})
    per_epoch = table_epochs(trial)
    for quantity, source in target.quantities.items():
        unit = len(trial) if quantity in trial.columns else len(per_epoch) if quantity in per_epoch.columns else None
        if unit is not None and unit * scale != source.size:
            raise XlgenError(f"{path}: {quantity} at {source} has {source.size:,} cells, the reference "
                             f"{unit * scale:,} values (are epochs or data of another length?)")


def ranges_of(target: Target) -> list[Range]:
    """Every range the check reads: the parameters' input cells, then the quantities' cells (each once)."""
    params = [source for source in target.params.values() if isinstance(source, Range)]
    return list(dict.fromkeys(params + list(target.quantities.values())))


def read_params(path: Path, target: Target, ranges: list[Range], values: list[list[Any]]) -> dict[str, Any]:
    """The reference's parameters from the workbook's own (recomputed) input cells."""
    params: dict[str, Any] = {}
    by_range = dict(zip(ranges, values))
    for name, source in target.params.items():
        if not isinstance(source, Range):
            params[name] = source
            continue
        cells = by_range[source]
        if all(type(value) is float for value in cells):  # the usual case, without a look at each cell's name
            params[name] = tuple(cells) if source.size > 1 else cells[0]
            continue
        numbers = []
        for (row, column), value in zip(source.cells(), cells):
            if isinstance(value, Unsupported):
                raise XlgenError(f"{path}: input {name} at {source.sheet}!{cell_name(row, column)}: {value}")
            if isinstance(value, bool):
                numbers.append(value)
            elif isinstance(value, float):
                numbers.append(value)
            else:
                shown = "empty" if value is None else str(value) if isinstance(value, ExcelError) else repr(value)
                raise XlgenError(f"{path}: input {name} at {source.sheet}!{cell_name(row, column)} "
                                 f"is {shown}, not a number")
        params[name] = tuple(float(v) for v in numbers) if source.size > 1 else numbers[0]
    return params
