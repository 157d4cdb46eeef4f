"""``xlgen build``: write an experiment's workbooks, one per variant, atomically and only over our own files."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
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
from .writer import part_digest, save
from .xlsx.reader import read_workbook

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")  # as :func:`xlgen.writer.part_digest` writes it


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


def target_paths(name: str, variants: Sequence[str], out: str | Path = "workbooks",
                 exercise: bool = False) -> list[Path]:
    """The files ``build`` writes for these arguments, one per variant."""
    naming = exercise_file_name if exercise else file_name
    return [Path(out) / naming(name, known_variant(variant)) for variant in variants]


def build(name: str, variants: Sequence[str] = VARIANTS, params: Mapping[str, Any] | None = None,
          out: str | Path = "workbooks", force: bool = False, exercise: bool = False,
          blank: Sequence[str] | None = None, on_done: Callable[[Built], None] | None = None) -> list[Built]:
    """Write ``name`` in each variant into ``out``; refuse to overwrite a workbook a person has edited.

    Every target is checked, and every variant built, before any file is
    written: one edited target leaves all of them as they were. ``on_done``
    hears of each file as soon as it is written (or found unchanged).
    With ``exercise``, write the exercise instead: the formulas of the ``blank``
    quantities (default: the lesson's, see :mod:`xlgen.exercise`) left empty.
    """
    variants = [known_variant(variant) for variant in variants]
    paths = target_paths(name, variants, out, exercise)
    if not force:
        refuse_edited(paths)
    spec = workbook_spec(name, params)
    contents = [build_workbook(spec, variant, exercise=make_exercise(spec, variant, blank) if exercise else None)
                for variant in variants]
    results: list[Built] = []
    for path, data in zip(paths, contents):
        if path.exists() and path.read_bytes() == data:
            built = Built(path, False)
        else:
            try:
                save(path, data)
            except OSError as error:
                written = ", ".join(str(done.path) for done in results if done.written) or "none"
                raise XlgenError(f"{path}: cannot write it ({error.strerror or error}); "
                                 f"written before it: {written}") from None
            built = Built(path, True)
        results.append(built)
        if on_done:
            on_done(built)
    return results


def refuse_edited(paths: Sequence[Path]) -> None:
    """Raise, naming every one, unless each of ``paths`` that exists is an xlgen workbook nobody has changed."""
    problems = [problem for problem in map(_not_ours_to_overwrite, paths) if problem]
    if len(problems) == 1:
        raise XlgenError(f"{problems[0]}; not overwriting it (use --force)")
    if problems:
        raise XlgenError(f"{'; '.join(problems)}; not overwriting any of them, nothing written (use --force)")


def refuse_if_edited(path: Path) -> None:
    """Raise unless ``path`` is an xlgen workbook nobody has changed since it was built."""
    refuse_edited([path])


def _not_ours_to_overwrite(path: Path) -> str | None:
    """Why ``path`` may not be overwritten without ``--force``, or None when it is absent or ours and unedited."""
    if not path.exists():
        return None
    try:
        workbook = read_workbook(path, sheets=[MANIFEST_SHEET])
        manifest = read_manifest(workbook)
        manifest_part = workbook.sheets[MANIFEST_SHEET].member
        with zipfile.ZipFile(path) as archive:  # each part read in pieces: a long sheet's XML is large
            parts = {info.filename: partial(archive.open, info) for info in archive.infolist()}
            matches = (manifest is not None and manifest_part is not None
                       and _FINGERPRINT.fullmatch(manifest.fingerprint) is not None
                       and part_digest(parts, manifest_part, manifest.fingerprint) == manifest.fingerprint)
    except Exception:  # unreadable, not a workbook: not ours to overwrite
        manifest = None
    if manifest is None:
        return f"{path}: exists and was not built by xlgen"
    return None if matches else f"{path}: edited since xlgen built it"
