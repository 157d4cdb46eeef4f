"""The experiment registry: every experiment's name, title, parameters and quantity columns.

An experiment is a plain function of keyword parameters that returns a tidy
:class:`pandas.DataFrame`: one row per step (one spreadsheet row), one column
per named quantity. Its parameters' defaults sit beside it, like fastai's
``average_grad.defaults``. ``run(name, **params)`` fills in the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Quantity:
    """One column of an experiment's table (and of its sheet)."""

    name: str  # column header and join key: short, lowercase, no spaces
    label: str  # what a person calls it ("intercept", "est. de/db")
    description: str = ""


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    function: Callable[..., pd.DataFrame]
    defaults: dict[str, Any]
    quantities: tuple[Quantity, ...]
    epoch_quantities: tuple[Quantity, ...] = ()
    description: str = ""
    parameter_help: dict[str, str] = field(default_factory=dict)

    def run(self, **params: Any) -> pd.DataFrame:
        """The reference table with ``params`` over the defaults."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise KeyError(f"experiment {self.name!r} has no parameter {unknown[0]!r} "
                           f"(it has {', '.join(self.defaults)})")
        merged = {**self.defaults, **{k: coerce(self.defaults[k], v) for k, v in params.items()}}
        table = self.function(**merged)
        table.attrs["experiment"] = self.name
        table.attrs["params"] = merged
        return table

    def quantity(self, name: str) -> Quantity:
        for quantity in (*self.quantities, *self.epoch_quantities):
            if quantity.name == name:
                return quantity
        raise KeyError(f"experiment {self.name!r} has no quantity {name!r}")


EXPERIMENTS: dict[str, Experiment] = {}


def register(name: str, title: str, defaults: dict[str, Any], quantities: Sequence[Quantity],
             epoch_quantities: Sequence[Quantity] = (), description: str = "",
             parameter_help: dict[str, str] | None = None):
    """Decorator adding the function to :data:`EXPERIMENTS` under ``name``."""

    def add(function: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if name in EXPERIMENTS:
            raise ValueError(f"experiment {name!r} registered twice")
        EXPERIMENTS[name] = Experiment(name, title, function, dict(defaults), tuple(quantities),
                                       tuple(epoch_quantities), description, dict(parameter_help or {}))
        return function

    return add


def coerce(default: Any, value: Any) -> Any:
    """``value`` (possibly text from ``--set key=value``) as the type of the parameter's default."""
    if isinstance(value, str):
        text = value.strip()
        if isinstance(default, bool):
            if text.lower() in ("1", "true", "yes"):
                return True
            if text.lower() in ("0", "false", "no"):
                return False
            raise ValueError(f"expected true or false, got {value!r}")
        if isinstance(default, int):
            return int(text)
        if isinstance(default, float):
            return float(text)
        if isinstance(default, tuple):
            return tuple(float(part) for part in text.replace(";", ",").split(",") if part.strip())
        return text
    if isinstance(default, bool):
        return bool(value)
    if isinstance(default, int) and not isinstance(value, bool):
        if float(value) != int(value):
            raise ValueError(f"expected a whole number, got {value!r}")
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, tuple):
        import numpy as np

        return tuple(float(v) for v in np.ravel(value))
    return value


def table(rows: list[dict[str, float]], epochs: list[dict[str, float]] | None = None) -> pd.DataFrame:
    """The tidy table of ``rows`` (one dict per step), with per-epoch rows in ``attrs["epochs"]``."""
    import pandas as pd  # here, not at import: `xlgen list` needs the registry, not pandas

    frame = pd.DataFrame(rows)
    frame.attrs["epochs"] = pd.DataFrame(epochs or [])
    return frame
