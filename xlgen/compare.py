"""The comparison rule: a quantity's workbook cells against the reference's values, all at once.

A number matches when ``|workbook − reference| ≤ atol + rtol·|reference|``.
The reference marks overflow (``inf``) and invalid values (``nan``); a cell
matches such a mark when it shows ``#NUM!``, ``#DIV/0!`` or ``#VALUE!``. Any
other disagreement of kind (text, a boolean, an empty cell, another error) is
a mismatch. A cell the engine cannot evaluate is *unsupported*, never a match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .cells import Range
from .values import ExcelError, Unsupported

RTOL = 1e-9
ATOL = 1e-12
MARK_ERRORS = frozenset({"#NUM!", "#DIV/0!", "#VALUE!"})
STATUSES = ("match", "mismatch", "unsupported")  # a cell's status, by its code
MATCH, MISMATCH = 0, 1
_STATUS_NAMES = np.array(STATUSES, dtype=object)


def check_tolerances(rtol: float, atol: float) -> None:
    """Tolerances are finite and not negative: ``--rtol inf`` would pass any workbook."""
    from .errors import XlgenError

    for name, value in (("rtol", rtol), ("atol", atol)):
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise XlgenError(f"--{name} must be a finite number of at least 0, got {value!r}")


@dataclass
class QuantityComparison:
    """One quantity's cells compared at once: the values side by side, and each cell's status and errors."""

    quantity: str
    source: Range
    workbook: list[Any]
    reference: np.ndarray
    codes: np.ndarray  # each cell's status as its index in STATUSES (see status), counted without strings
    abs_error: np.ndarray  # nan where the cell is not a number compared with a number
    rel_error: np.ndarray
    ulps: np.ndarray  # -1 where not computed (only matching numbers get a distance)
    per: str = "step"  # what one cell is: a "step", or an "epoch" for per-epoch quantities (rmse)

    @cached_property
    def status(self) -> np.ndarray:
        """Each cell's status, "match", "mismatch" or "unsupported": three shared strings, not one string object
        a cell (np.where(...).astype(object) would make 1.2 million)."""
        return _STATUS_NAMES[self.codes]

    def count(self, status: str) -> int:
        """How many cells have ``status``."""
        return int(np.count_nonzero(self.codes == STATUSES.index(status)))

    def where(self, status: str) -> np.ndarray:
        """The indices of the cells with ``status``, in order."""
        return np.flatnonzero(self.codes == STATUSES.index(status))


def compare_column(quantity: str, source: Range, values: list[Any], reference: np.ndarray, rtol: float,
                   atol: float, per: str = "step") -> QuantityComparison:
    """Every cell of ``values`` against ``reference``: numbers in numpy, the other kinds one by one."""
    count = len(values)
    if set(map(type, values)) <= {float}:  # the usual case, without a Python step per cell
        numeric = np.ones(count, dtype=bool)
        number = np.array(values, dtype=float)
    else:
        numeric = np.fromiter((type(v) is float for v in values), dtype=bool, count=count)
        number = np.array([v if type(v) is float else math.nan for v in values], dtype=float)
    finite = np.isfinite(reference)
    both = numeric & finite
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        absolute = np.where(both, np.abs(number - reference), math.nan)
        relative = np.where(both, np.where(reference != 0, absolute / np.abs(reference),
                                           np.where(absolute == 0, 0.0, math.inf)), math.nan)
        close = both & (absolute <= atol + rtol * np.abs(reference))
    codes = np.where(close, np.uint8(MATCH), np.uint8(MISMATCH))
    for index in np.flatnonzero(~both):  # marks, errors, text, empty cells and unsupported ones
        codes[index] = STATUSES.index(_status_of_kind(values[index], float(reference[index])))
    ulps = np.full(count, -1, dtype=np.int64)
    if close.any():
        ulps[close] = ulp_distance(number[close], reference[close])
    return QuantityComparison(quantity, source, values, reference, codes, absolute, relative, ulps, per)


def _status_of_kind(value: Any, expected: float) -> str:
    """The status of a cell that is not a number compared with a finite number."""
    if isinstance(value, Unsupported):
        return "unsupported"
    if not math.isfinite(expected):
        return "match" if isinstance(value, ExcelError) and str(value) in MARK_ERRORS else "mismatch"
    return "mismatch"


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many doubles lie between ``a[i]`` and ``b[i]`` (0 when they are the same number; -0.0 is 0.0)."""
    def ordered(x: np.ndarray) -> np.ndarray:
        bits = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
        return np.where(bits >= 0, bits, -(bits & np.int64(0x7FFFFFFFFFFFFFFF)))

    return np.abs(ordered(a) - ordered(b))
