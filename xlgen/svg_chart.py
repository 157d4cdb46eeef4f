"""A line chart as inline SVG: series of numbers by step, drawn without a script or an external file.

A long series is thinned to the smallest and largest value of each slice of
steps (one slice a pixel or two), so a million steps draw as about a thousand
points and a spike in one step still shows. Values that are not finite
numbers (errors, text, empty cells, ``inf``) leave a gap in the line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 84, 16, 28, 30  # margins: room for the axis labels and the legend
SLICES = 500  # a series longer than twice this is thinned to each slice's smallest and largest value


@dataclass
class Series:
    name: str
    values: np.ndarray  # float, nan where a step has no number to draw
    css_class: str  # the stroke comes from the page's style sheet


def thinned(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) to draw: every step of a short series; each slice's extremes, in step order, of a long one."""
    count = len(values)
    steps = np.arange(count)
    if count <= 2 * SLICES:
        return steps, values
    size = math.ceil(count / SLICES)
    padded = np.full(size * math.ceil(count / size), np.nan)
    padded[:count] = values
    finite = np.isfinite(padded).reshape(-1, size)
    low = np.where(finite, padded.reshape(-1, size), np.inf).argmin(axis=1)
    high = np.where(finite, padded.reshape(-1, size), -np.inf).argmax(axis=1)
    starts = np.arange(len(low)) * size
    picked = np.unique(np.concatenate([starts + low, starts + high]))  # sorted: step order
    picked = picked[picked < count]
    # a slice without a number keeps one nan, so the line breaks there
    return picked, padded[picked]


def line_chart(series: Sequence[Series], title: str, marker: int | None = None, marker_label: str = "",
               per: str = "step") -> str:
    """An ``<svg>`` element: the series against steps 1..n, the y range from their finite values.

    ``marker`` (a 0-based step) draws a vertical line there, labelled ``marker_label``; ``per`` names the
    steps on the axis ("epoch" for per-epoch quantities).
    Text in ``title`` and the labels must already be HTML-escaped.
    """
    count = max((len(s.values) for s in series), default=0)
    finite = [s.values[np.isfinite(s.values)] for s in series]
    finite = [f for f in finite if f.size]
    low = min((float(f.min()) for f in finite), default=0.0)
    high = max((float(f.max()) for f in finite), default=1.0)
    if high - low <= abs(high) * 1e-12 or not math.isfinite(high - low):
        low, high = (low - 1.0, high + 1.0) if math.isfinite(high - low) else (-1.0, 1.0)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(step: float) -> float:
        return LEFT + (step / max(count - 1, 1)) * plot_width

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_height

    parts = [f'<svg class="chart" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{title}"><title>{title}</title>',
             f'<rect class="plot" x="{LEFT}" y="{TOP}" width="{plot_width}" height="{plot_height}"/>']
    for value, anchor in ((high, TOP), (low, TOP + plot_height)):
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{anchor + 4}" text-anchor="end">{value:.4g}</text>')
    for step, anchor in ((1, "start"), (count, "end")):
        parts.append(f'<text class="axis" x="{x(step - 1):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">'
                     f'{per} {step}</text>')
    if marker is not None:
        at = x(marker)
        parts.append(f'<line class="marker" x1="{at:.1f}" y1="{TOP}" x2="{at:.1f}" y2="{TOP + plot_height}"/>')
        anchor = "start" if marker < count / 2 else "end"
        shift = 4 if anchor == "start" else -4
        parts.append(f'<text class="marker" x="{at + shift:.1f}" y="{TOP + 14}" text-anchor="{anchor}">'
                     f'{marker_label}</text>')
    for s in series:
        steps, values = thinned(s.values)
        path = []
        pen_down = False
        for step, value in zip(steps, values):
            if not math.isfinite(value):
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{x(step):.1f} {y(value):.1f}")
            pen_down = True
        if path:
            parts.append(f'<path class="{s.css_class}" d="{" ".join(path)}"/>')
    legend_x = WIDTH - RIGHT - 8
    for number, s in enumerate(reversed(series)):
        right = legend_x - number * 130
        parts.append(f'<line class="{s.css_class}" x1="{right - 120}" y1="14" x2="{right - 96}" y2="14"/>'
                     f'<text class="legend" x="{right - 90}" y="18">{s.name}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["Series", "line_chart", "thinned"]
