"""Columns and charts that sheets of several families share, each written once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..workbook import ChartSpec, Series
from .layout import Column, EpochColumn

RMSE = EpochColumn("rmse", plain="=SQRT(SUM({err2@epoch_rows}))")
ERROR_CHART = ChartSpec("Error by epoch", [Series("rmse", "rmse")], per_epoch=True, y_title="√Σ err²")
PARAMETERS_CHART = ChartSpec(
    "a and b, step by step (the data has a = 2, b = 30)",
    [Series("a", "a"), Series("b", "b", secondary=True)], y_title="a (b on the right axis)",
)


def data_columns(params: dict[str, Any], names: Sequence[str] = ("x", "y")) -> list[Column]:
    """The data, as constants in the first epoch (the next epochs refer to them)."""
    return [Column(name, data=params[name]) for name in names]


def moving_average_let(average: str, mom: str, value: str) -> str:
    """The dampened moving average as a LET: the previous ``average``·mom + (1 − mom)·``value``."""
    return f"""
        =LET(
            damp, 1 - {mom},
            {{{average}@prev}}*{mom} + damp*{value}
        )"""
