"""A class graded in one command: one gradebook row per workbook checked.

The gradebook is a CSV file with one row per workbook: its status, how many
quantities are right, the first wrong cell and its formula, or why it could
not be checked (:mod:`xlgen.workers` checks them, each in a worker process).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from .results import WorkbookResult

COLUMNS = ["file", "status", "quantities_right", "quantities_total", "first_wrong_cell", "formula", "reason"]


def gradebook_row(result: WorkbookResult) -> dict[str, Any]:
    """One workbook's row: status, quantities right of total, the first wrong cell and formula, the reason."""
    from .grading import Inheritance
    from .storage import to_display

    row = dict.fromkeys(COLUMNS, "")
    row["file"], row["status"] = result.file, result.verdict
    if result.error:
        row["reason"] = result.error
        return row
    first = None
    if result.exercise is not None:
        grades = [g for g in result.exercise if g.status != "changed"]
        row["quantities_right"] = sum(g.done for g in grades)
        row["quantities_total"] = len(grades)
        wrong = [g for g in result.exercise if g.status in ("wrong", "changed")]
        first = wrong[0].first if wrong else None
        if first is None:
            unfinished = [g for g in grades if not g.done]
            if unfinished:
                row["reason"] = f"{unfinished[0].quantity}: {unfinished[0].status}"
    else:
        # A quantity is wrong where it is wrong by itself, not where it only reads another's wrong cells.
        inheritance = Inheritance(result.mismatches, result.comparisons)
        causes = [c for c in result.mismatches if inheritance.upstream(c) is None]
        bad = {c.quantity for c in causes} | {c.quantity for c in result.unsupported}
        row["quantities_total"] = len(result.comparisons)
        row["quantities_right"] = sum(c.quantity not in bad for c in result.comparisons)
        first = causes[0] if causes else None
    if first is not None:
        row["first_wrong_cell"] = f"{first.sheet}!{first.cell}"
        row["formula"] = " ".join(to_display(first.formula).split()) if first.formula else ""
    if result.verdict == "unsupported":
        cell = result.unsupported[0]
        row["reason"] = f"{cell.sheet}!{cell.cell} ({cell.quantity}) unsupported by {result.engine}: " \
                        f"{cell.workbook_value.reason}"
    return row


def gradebook_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The gradebook as CSV text. A field a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``) is
    written as text, with a leading apostrophe, so opening the gradebook never runs what a submission holds."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _inert(value) for key, value in row.items()})
    return buffer.getvalue()


def _inert(value: Any) -> Any:
    if isinstance(value, str):
        value = " ".join(value.split())  # one line per row, whatever a file name holds
        if value[:1] in ("=", "+", "-", "@"):
            return "'" + value
    return value
