"""What a workbook is checked against: its spec or manifest, and the parameters read from its own cells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .cells import Range, cell_name
from .errors import XlgenError
from .manifest import MANIFEST_SHEET, read_manifest
from .spec import Target, load_spec
from .values import Unsupported
from .xlsx.reader import read_workbook


def target_of(path: Path, spec: str | Path | None, reference: str | None = None) -> Target:
    """The spec, or the manifest inside the workbook."""
    if spec is not None:
        return load_spec(spec, reference)
    manifest = read_manifest(read_workbook(path, sheets=[MANIFEST_SHEET]))
    if manifest is None:
        raise XlgenError(f"{path}: no xlgen manifest in this workbook; give --spec FILE to say what it computes")
    return Target(manifest.experiment, manifest.params, manifest.quantities, variant=manifest.variant,
                  reference=reference, extras={"blanked": manifest.blanked} if manifest.blanked else {})


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
        numbers = []
        for (row, column), value in zip(source.cells(), cells):
            if isinstance(value, Unsupported):
                raise XlgenError(f"{path}: input {name} at {source.sheet}!{cell_name(row, column)}: {value}")
            if isinstance(value, bool):
                numbers.append(value)
            elif isinstance(value, float):
                numbers.append(value)
            else:
                shown = "empty" if value is None else repr(value)
                raise XlgenError(f"{path}: input {name} at {source.sheet}!{cell_name(row, column)} "
                                 f"is {shown}, not a number")
        params[name] = tuple(float(v) for v in numbers) if source.size > 1 else numbers[0]
    return params
