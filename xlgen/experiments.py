"""The reference's experiments as xlgen sees them: look-ups that fail with a one-line :class:`XlgenError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import reference
from reference.registry import Experiment, Table

from .errors import XlgenError

if TYPE_CHECKING:
    import pandas as pd


def all_experiments() -> list[Experiment]:
    return list(reference.EXPERIMENTS.values())


def get_experiment(name: str) -> Experiment:
    try:
        return reference.experiment(name)
    except KeyError:
        raise XlgenError(f"unknown experiment {name!r} (see `xlgen list`)") from None


def reference_table(name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The reference table of ``name`` with ``params`` (text from ``--set`` or values) over its defaults."""
    return reference_columns(name, params).frame()


def reference_columns(name: str, params: Mapping[str, Any] | None = None) -> Table:
    """:func:`reference_table` as plain columns, without pandas: what a check compares with."""
    experiment = get_experiment(name)
    try:
        return experiment.table(**dict(params or {}))
    except KeyError as error:
        raise XlgenError(str(error.args[0])) from None
    except (TypeError, ValueError) as error:
        raise XlgenError(f"experiment {name!r}: bad parameter value ({error})") from None


def table_epochs(table: pd.DataFrame | Table) -> pd.DataFrame | Table:
    """The per-epoch table of a reference table (a DataFrame or a :class:`Table`); an empty one when it has none."""
    epochs = table.attrs.get("epochs")
    return epochs if hasattr(epochs, "columns") else Table([])
