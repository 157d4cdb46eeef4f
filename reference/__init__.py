"""A numpy reference of every xlgen experiment.

``run("basic-sgd", lr=1e-3)`` returns a tidy :class:`pandas.DataFrame`: one
row per step (one spreadsheet row), with columns ``epoch`` (1-based),
``step`` (1-based within the whole run), the data of that row, and one
column per named quantity (``b``, ``a``, ``y_pred``, ``err2``, ``de_db``, ...).
Per-epoch quantities (an epoch's error, the annealed learning rate) are in
``table.attrs["epochs"]``, one row per epoch; ``table.attrs["params"]`` holds
the parameters used.

Arithmetic follows the sheets' formulas operation by operation, in IEEE
double precision, so that a spreadsheet engine can agree bit for bit.

Marks for values a spreadsheet shows as errors: the reference never raises on
overflow or invalid arithmetic. A quantity that overflows is ``inf`` (Excel
shows ``#NUM!``); an invalid result (``inf - inf``, ``0/0``, a division by
zero, the square root of a negative number) is ``nan`` (Excel shows ``#NUM!``,
``#DIV/0!`` or ``#VALUE!``). Every quantity computed from a mark is a mark,
as Excel's errors propagate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from .registry import EXPERIMENTS, Experiment, Parameter, Quantity, register

# Importing the experiment modules fills the registry.
from . import graddesc  # noqa: E402,F401  (the graddesc workbook's sheets)
from . import forum  # noqa: E402,F401  (the fast.ai forum's experiments)
from . import fastai_experiments  # noqa: E402,F401  (fastai's optimizers on the graddesc data)


def experiment(name: str) -> Experiment:
    """The experiment called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise KeyError(f"unknown experiment {name!r} (known: {', '.join(EXPERIMENTS)})") from None


def run(name: str, **params: Any) -> pd.DataFrame:
    """The reference table of experiment ``name`` with ``params`` over its defaults."""
    return experiment(name).run(**params)


__all__ = ["EXPERIMENTS", "Experiment", "Parameter", "Quantity", "experiment", "register", "run"]
