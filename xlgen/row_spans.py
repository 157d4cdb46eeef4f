"""Finding the span of rows that holds a row, among spans of one column sorted by their first row."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol, TypeVar


class RowSpan(Protocol):
    first_row: int
    last_row: int


Span = TypeVar("Span", bound=RowSpan)


def span_at(starts: Sequence[int], spans: Sequence[Span], row: int) -> Span | None:
    """The span covering ``row``, or None; ``starts[i]`` is ``spans[i].first_row``, spans do not overlap."""
    position = bisect.bisect_right(starts, row) - 1
    if position >= 0 and spans[position].last_row >= row:
        return spans[position]
    return None
