"""``xlgen build``: write an experiment's workbooks, one per variant, atomically and only over our own files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import XlgenError
from .exercise import file_name as exercise_file_name
from .exercise import make_exercise
from .experiments import get_experiment, reference_table
from .manifest import MANIFEST_SHEET, read_manifest
from .sheets import BUILDERS
from .variants import VARIANTS, known_variant
from .workbook import WorkbookSpec, build_workbook
from .writer import part_digest, read_parts, save
from .xlsx.reader import read_workbook


def file_name(experiment: str, variant: str) -> str:
    """``basic-sgd.xlsx``, ``basic-sgd-let.xlsx``, ``basic-sgd-lambda.xlsx``."""
    return f"{experiment}.xlsx" if variant == "plain" else f"{experiment}-{variant}.xlsx"


def workbook_spec(name: str, params: Mapping[str, Any] | None = None) -> WorkbookSpec:
    """The sheets of experiment ``name`` with ``params`` over its defaults."""
    experiment = get_experiment(name)
    if name not in BUILDERS:
        raise XlgenError(f"experiment {name!r} has no workbook builder")
    table = reference_table(name, params)
    return BUILDERS[name](experiment, dict(table.attrs["params"]), table)


def workbook_bytes(name: str, variant: str, params: Mapping[str, Any] | None = None) -> bytes:
    return build_workbook(workbook_spec(name, params), known_variant(variant))


@dataclass
class Built:
    path: Path
    written: bool  # False when the file on disk already held exactly these contents


def build(name: str, variants: Sequence[str] = VARIANTS, params: Mapping[str, Any] | None = None,
          out: str | Path = "workbooks", force: bool = False, exercise: bool = False,
          blank: Sequence[str] | None = None) -> list[Built]:
    """Write ``name`` in each variant into ``out``; refuse to overwrite a workbook a person has edited.

    With ``exercise``, write the exercise instead: the formulas of the ``blank``
    quantities (default: the lesson's, see :mod:`xlgen.exercise`) left empty.
    """
    spec = workbook_spec(name, params)
    results = []
    for variant in variants:
        variant = known_variant(variant)
        if exercise:
            data = build_workbook(spec, variant, exercise=make_exercise(spec, variant, blank))
            path = Path(out) / exercise_file_name(name, variant)
        else:
            data = build_workbook(spec, variant)
            path = Path(out) / file_name(name, variant)
        if path.exists():
            if path.read_bytes() == data:
                results.append(Built(path, False))
                continue
            if not force:
                refuse_if_edited(path)
        save(path, data)
        results.append(Built(path, True))
    return results


def refuse_if_edited(path: Path) -> None:
    """Raise unless ``path`` is an xlgen workbook nobody has changed since it was built."""
    try:
        parts = read_parts(path)
        workbook = read_workbook(path, sheets=[MANIFEST_SHEET])
        manifest = read_manifest(workbook)
    except Exception:  # unreadable, not a workbook: not ours to overwrite
        manifest = None
    if manifest is None:
        raise XlgenError(f"{path}: exists and was not built by xlgen; not overwriting it (use --force)")
    manifest_part = workbook.sheets[MANIFEST_SHEET].member
    if manifest_part is None or part_digest(parts, manifest_part) != manifest.fingerprint:
        raise XlgenError(f"{path}: edited since xlgen built it; not overwriting it (use --force)")
