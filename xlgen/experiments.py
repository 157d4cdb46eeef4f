"""The reference's experiments as xlgen sees them: look-ups that fail with a one-line :class:`XlgenError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import reference
from reference.registry import Experiment

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
    experiment = get_experiment(name)
    try:
        return experiment.run(**dict(params or {}))
    except KeyError as error:
        raise XlgenError(str(error.args[0])) from None
    except (TypeError, ValueError) as error:
        raise XlgenError(f"experiment {name!r}: bad parameter value ({error})") from None
