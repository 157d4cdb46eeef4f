"""The cyclic garbage collector, paused while xlgen builds large structures that hold no reference cycles.

A 100,000-row check holds millions of objects: the sheet's cells, runs and trees, the reference's rows, the
values compared. None of them is in a reference cycle, so reference counting frees them all; but as they pile
up, each pass of the collector would walk all of them again, and a check would spend a tenth of its time there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(freeze: bool = False) -> Iterator[None]:
    """No collector passes inside; with ``freeze``, what exists at the end stays out of later passes (until
    ``gc.unfreeze()``, which whoever asked for the freeze calls)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if freeze:
                gc.freeze()
