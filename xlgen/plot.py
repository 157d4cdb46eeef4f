"""``xlgen plot``: the workbook's charts drawn from the reference with matplotlib.

The pictures come from the same chart specifications the workbook builder
uses, with the reference's numbers, so a learner can hold the Excel chart
next to Python's and see the same curves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .atomic import atomic_path
from .errors import XlgenError


def plot(name: str, out: str | Path = "plots", params: Mapping[str, Any] | None = None) -> list[Path]:
    """One PNG per chart of experiment ``name``'s workbook, written into ``out``."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise XlgenError("xlgen plot needs matplotlib: pip install 'xlgen[plot]'") from None
    from .builder import workbook_spec
    from .experiments import reference_table

    spec = workbook_spec(name, params)
    table = reference_table(name, params)
    epochs = table.attrs.get("epochs")
    written = []
    charts = [(sheet, chart) for sheet in spec.sheets for chart in sheet.charts]
    for index, (sheet, chart) in enumerate(charts, 1):
        figure = _draw(plt, chart, epochs if chart.per_epoch else _frame_for(sheet, table))
        path = Path(out) / f"{name}-{index}.png"
        with atomic_path(path) as temporary:
            figure.savefig(temporary, format="png")
        plt.close(figure)
        written.append(path)
    return written


def _draw(plt, chart, source):
    """One chart: its series against steps, epochs or a quantity; a second axis where the workbook has one."""
    figure, axis = plt.subplots(figsize=(7, 3.8), dpi=110)
    secondary = None
    x_name = "epoch" if chart.per_epoch else chart.x_quantity or "step"
    for number, series in enumerate(chart.series):
        y = [v if math.isfinite(v) else math.nan for v in source[series.quantity]]
        target = axis
        if series.secondary:
            secondary = secondary or axis.twinx()
            target = secondary
        target.plot(list(source[x_name]), y, label=series.name, color=f"C{number}", linewidth=1.5)
    if chart.log_scale:
        axis.set_yscale("log")
    axis.set_title(chart.title, fontsize=11)
    axis.set_xlabel("epoch" if chart.per_epoch else chart.x_title)
    axis.set_ylabel(chart.y_title)
    handles, labels = axis.get_legend_handles_labels()
    if secondary is not None:
        more_handles, more_labels = secondary.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    axis.legend(handles, labels, loc="best", fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def _frame_for(sheet, table):
    """The reference table behind a sheet's step quantities (the experiment's own, for checked sheets)."""
    missing = [c.name for c in sheet.table.columns if c.name not in table.columns]
    if not missing:
        return table
    raise XlgenError(f"sheet {sheet.name!r} plots quantities the reference table lacks: {missing[:3]}")
