"""The experiment registry: every experiment's name, title, parameters and quantity columns.

An experiment is a plain function of keyword parameters that returns a tidy
:class:`Table`: one row per step (one spreadsheet row), one column per named
quantity; :meth:`Experiment.run` gives it as a :class:`pandas.DataFrame`. Its parameters' defaults sit beside it, like fastai's
``average_grad.defaults``, and each parameter, like each quantity, has a
label and a line of help. ``run(name, **params)`` fills in the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
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
    function: Callable[..., Table]
    defaults: dict[str, Any]
    quantities: tuple[Quantity, ...]
    epoch_quantities: tuple[Quantity, ...] = ()
    description: str = ""
    parameters: dict[str, Parameter] = field(default_factory=dict)  # one per default, in their order

    def run(self, **params: Any) -> pd.DataFrame:
        """The reference table with ``params`` over the defaults."""
        return self.table(**params).frame()

    def table(self, **params: Any) -> Table:
        """The reference table with ``params`` over the defaults, as plain columns (no pandas)."""
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

    def add(function: Callable[..., Table]) -> Callable[..., Table]:
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

        values = np.ravel(value)
        if values.dtype == np.float64:  # a sheet's column of numbers: one conversion, not one a value
            return tuple(values.tolist())
        return tuple(float(v) for v in values)
    return value


class Table:
    """Rows of named numbers, one dict per step, read as columns: what checking a workbook needs, and no pandas.

    ``name in table.columns``, ``table[name]`` (the column as an array, ``nan`` where a row lacks it),
    ``len(table)`` and ``table.attrs`` (``epochs``: the per-epoch :class:`Table`) read as a DataFrame's do;
    :meth:`frame` is the DataFrame itself, for everything else.
    """

    def __init__(self, rows: list[dict[str, float]], attrs: dict[str, Any] | None = None,
                 columns: Sequence[str] | None = None):
        self.rows = rows
        self._declared = None if columns is None else list(columns)  # the columns of a table without rows
        self._columns: list[str] | None = self._declared
        self._arrays: dict[str, Any] = {}  # every column at once, when every row holds the same keys
        self.attrs = {} if attrs is None else attrs

    @property
    def columns(self) -> list[str]:
        """The columns in pandas' order: each key where a row first holds it."""
        if self._columns is None:
            self._columns = self._uniform_columns() or list(dict.fromkeys(chain.from_iterable(self.rows)))
        return self._columns

    def _uniform_columns(self) -> list[str] | None:
        """The keys of a table whose rows all hold the same keys, its columns read into arrays in one pass
        (a step a row and a column, not a step a cell); None for any other table."""
        import numpy as np

        keys = list(self.rows[0]) if self.rows else []
        if len(keys) < 2 or set(map(len, self.rows)) != {len(keys)}:
            return None
        cells = chain.from_iterable(map(itemgetter(*keys), self.rows))  # row by row, no list of rows
        try:
            matrix = np.fromiter(cells, dtype=float, count=len(self.rows) * len(keys))
        except KeyError:  # a row holds another key
            return None
        except (TypeError, ValueError):  # not all numbers (or None, which np.array reads as nan): read alone
            return keys if all(map(set(keys).issuperset, self.rows)) else None
        matrix = matrix.reshape(len(self.rows), len(keys)).T.copy()
        matrix.setflags(write=False)  # one array a column, shared by every look-up
        self._arrays = dict(zip(keys, matrix))
        return keys

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str):
        import numpy as np

        if name not in self.columns:
            raise KeyError(name)
        if name in self._arrays:
            return self._arrays[name]
        try:
            values = list(map(itemgetter(name), self.rows))
        except KeyError:  # rows without it (a quantity of some steps only) read nan there
            values = [row.get(name, np.nan) for row in self.rows]
        try:
            return np.array(values, dtype=float)
        except (TypeError, ValueError):  # a column that is not numbers
            return np.array(values, dtype=object)

    def frame(self) -> pd.DataFrame:
        """The table as a :class:`pandas.DataFrame` (its per-epoch table too, in ``attrs["epochs"]``)."""
        import pandas as pd  # here, not at import: `xlgen list` and `xlgen check` need no pandas

        frame = pd.DataFrame(self.rows) if self._declared is None else pd.DataFrame(self.rows, columns=self._declared)
        frame.attrs.update(self.attrs)
        epochs = self.attrs.get("epochs")
        frame.attrs["epochs"] = epochs.frame() if isinstance(epochs, Table) else pd.DataFrame()
        return frame


def table(rows: list[dict[str, float]], epochs: list[dict[str, float]] | None = None) -> Table:
    """The tidy table of ``rows`` (one dict per step), with per-epoch rows in ``attrs["epochs"]``."""
    return Table(rows, {"epochs": Table(epochs or [])})
