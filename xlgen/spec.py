"""Check specifications: what a workbook xlgen did not write computes, and where.

A spec is a small TOML file (see ``xlgen/specs/graddesc/basic.toml``)::

    description = "..."                # one line, shown by `xlgen specs`
    experiment = "basic-sgd"          # a name from `xlgen list`
    [params]                           # a literal, or a cell/range read from the workbook
    lr = "basic!F1"
    x = "basic!A4:A32"
    epochs = 1
    [columns]                          # reference quantity = workbook range, one cell per step (or epoch)
    b = "basic!C4:C32"

The specs of Jeremy Howard's graddesc sheets ship with xlgen: ``--spec
graddesc/momentum`` names one (``xlgen specs`` lists them); a path to a file
works too. Workbooks xlgen builds carry the same information in their
manifest, so :class:`Target` is what the checker works from either way.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import Range, parse_range
from .errors import XlgenError
from .experiments import get_experiment
from .lengths import infer_lengths

SHIPPED_SPECS = Path(__file__).parent / "specs"  # package data: graddesc/momentum.toml, ...
SPEC_KEYS = {"experiment", "params", "columns", "description", "reference"}


@dataclass
class Target:
    """What to compare: the experiment, where its parameters come from, and the cells of each quantity."""

    experiment: str
    params: dict[str, Range | Any]
    quantities: dict[str, Range]
    variant: str = "-"
    source: str = "manifest"
    reference: str | None = None  # "module:function" for a custom reference
    extras: dict[str, Any] = field(default_factory=dict)


def load_spec(path: str | Path, reference: str | None = None) -> Target:
    """Read and validate a spec file; every problem is an :class:`XlgenError` naming the key."""
    path = find_spec(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise XlgenError(f"{path}: no such spec file") from None
    except UnicodeDecodeError as error:
        raise XlgenError(f"{path}: not valid TOML ({error})") from None
    return parse_spec(text, path, reference)


def parse_spec(text: str, path: str | Path, reference: str | None = None) -> Target:
    """A spec from its TOML ``text``; ``path`` names it in errors (a file, or the workbook a draft is of)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise XlgenError(f"{path}: not valid TOML ({error})") from None
    unknown = sorted(set(data) - SPEC_KEYS)
    if unknown:
        raise XlgenError(f"{path}: unknown key {unknown[0]!r} (a spec has experiment, params, columns)")
    if not isinstance(data.get("experiment"), str):
        raise XlgenError(f"{path}: 'experiment' must name an experiment from `xlgen list`")
    custom = reference or data.get("reference")
    names: tuple[set[str], set[str]] | None = None
    if custom is None:
        experiment = get_experiment(data["experiment"])
        names = (set(experiment.defaults),
                 {q.name for q in (*experiment.quantities, *experiment.epoch_quantities)})
    params: dict[str, Any] = {}
    for key, value in _table(path, data, "params").items():
        if names and key not in names[0]:
            raise XlgenError(f"{path}: params.{key}: experiment {data['experiment']!r} has no parameter {key!r}")
        params[key] = _range(path, f"params.{key}", value) if isinstance(value, str) else value
    quantities: dict[str, Range] = {}
    columns = _table(path, data, "columns")
    if not columns:
        raise XlgenError(f"{path}: 'columns' names no quantity to compare")
    for key, value in columns.items():
        if names and key not in names[1]:
            raise XlgenError(f"{path}: columns.{key}: experiment {data['experiment']!r} has no quantity {key!r}")
        if not isinstance(value, str):
            raise XlgenError(f"{path}: columns.{key} must be a range such as \"Sheet!C4:C32\"")
        quantities[key] = _range(path, f"columns.{key}", value)
        if quantities[key].rows > 1 and quantities[key].columns > 1:
            raise XlgenError(f"{path}: columns.{key} must be one row or one column, not {value}")
    target = Target(data["experiment"], params, quantities, source=str(path), reference=custom)
    return infer_lengths(target, str(path))


def find_spec(name_or_path: str | Path) -> Path:
    """The spec file at ``name_or_path`` if there is one, else the shipped spec of that name."""
    path = Path(name_or_path)
    if path.exists():
        return path
    name = str(name_or_path).removesuffix(".toml")
    if re.fullmatch(r"[a-z0-9_-]+(/[a-z0-9_-]+)*", name) and (SHIPPED_SPECS / f"{name}.toml").is_file():
        return SHIPPED_SPECS / f"{name}.toml"
    raise XlgenError(f"{name_or_path}: no such spec file, and no shipped spec of that name (see `xlgen specs`)")


def shipped_specs() -> list[tuple[str, str]]:
    """Each shipped spec's name (``graddesc/momentum``) and its one-line description."""
    specs = []
    for path in sorted(SHIPPED_SPECS.rglob("*.toml")):
        description = tomllib.loads(path.read_text(encoding="utf-8")).get("description", "")
        specs.append((path.relative_to(SHIPPED_SPECS).with_suffix("").as_posix(), description))
    return specs


def _table(path: Path, data: dict, key: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise XlgenError(f"{path}: '{key}' must be a table ([{key}])")
    return value


def _range(path: Path, key: str, text: str) -> Range:
    try:
        return parse_range(text)
    except XlgenError as error:
        raise XlgenError(f"{path}: {key}: {error}") from None
