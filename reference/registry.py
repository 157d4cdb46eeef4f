"""The experiment registry: every experiment's name, title, parameters and quantity columns.

An experiment is a plain function of keyword parameters that returns a tidy
:class:`pandas.DataFrame`: one row per step (one spreadsheet row), one column
per named quantity. Its parameters' defaults sit beside it, like fastai's
``average_grad.defaults``, and each parameter, like each quantity, has a
label and a line of help. ``run(name, **params)`` fills in the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
class Parameter:
    """One keyword of an experiment's function (and one input cell of its sheet)."""

    name: str  # the keyword
    label: str  # what a person calls it ("learning rate", "b at start")
    help: str  # what it does, one line


def parameters(*items: Parameter) -> dict[str, Parameter]:
    """``{name: parameter}`` of ``items``, to pass to :func:`register` (extra names are left out there)."""
    return {item.name: item for item in items}


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    function: Callable[..., pd.DataFrame]
    defaults: dict[str, Any]
    quantities: tuple[Quantity, ...]
    epoch_quantities: tuple[Quantity, ...] = ()
    description: str = ""
    parameters: dict[str, Parameter] = field(default_factory=dict)  # one per default, in their order

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
             parameters: Mapping[str, Parameter], epoch_quantities: Sequence[Quantity] = (),
             description: str = ""):
    """Decorator adding the function to :data:`EXPERIMENTS` under ``name``; every default needs a parameter."""

    def add(function: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if name in EXPERIMENTS:
            raise ValueError(f"experiment {name!r} registered twice")
        unlabelled = [key for key in defaults if key not in parameters]
        if unlabelled:
            raise ValueError(f"experiment {name!r}: parameter {unlabelled[0]!r} has no label and help")
        EXPERIMENTS[name] = Experiment(name, title, function, dict(defaults), tuple(quantities),
                                       tuple(epoch_quantities), description,
                                       {key: parameters[key] for key in defaults})
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
