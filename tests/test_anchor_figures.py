"""The committed anchor figures (``tests/data/anchors``) still say what the workbooks hold, and rebuild faithfully."""

from __future__ import annotations

import pytest

from xlgen.xlsx.reader import read_workbook

from .anchor_figures import WORKBOOKS, dumps, extract, figures_path
from .conftest import anchor_figures, anchor_workbook


@pytest.mark.parametrize("name", WORKBOOKS)
def test_committed_figures_agree_with_the_workbook(name):
    """Re-extracting gives the committed file byte for byte; if not, run ``python -m tests.anchor_figures``."""
    assert dumps(extract(anchor_workbook(name))) == figures_path(name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", WORKBOOKS)
def test_rebuilt_workbook_holds_the_figures(rebuilt_anchor, name):
    figures = anchor_figures(name)
    rebuilt = read_workbook(rebuilt_anchor(name))
    assert list(rebuilt.sheets) == list(figures.sheets)
    for title, sheet in figures.sheets.items():
        stored = rebuilt.sheets[title]
        assert stored.formulas == sheet.formulas, title
        assert {cell: (type(v), v) for cell, v in stored.values.items()} == \
               {cell: (type(v), v) for cell, v in sheet.values.items()}, title
    by_scope = lambda names: sorted(names, key=lambda n: (n[0], n[1] or "", n[2]))  # noqa: E731
    assert by_scope((n.name, n.sheet, n.text) for n in rebuilt.names) == by_scope(figures.names)


def test_figures_hold_the_saved_states():
    """What the Run macro saved differs between the two copies: the figures keep each file's own state."""
    reset, clicked = anchor_figures("graddesc-course22p2.xlsm"), anchor_figures("graddesc-course-v3.xlsm")
    assert (reset["basic"]["C1"], reset["basic"]["C2"]) == (1.0, 1.0)  # saved after Reset: a = b = 1
    assert (clicked["basic"]["C1"], clicked["basic"]["C2"]) != (1.0, 1.0)
    assert [clicked["basic"][f"C{row}"] is not None for row in range(38, 43)] == [True] * 5  # five epochs' log
    assert reset["basic"].formulas == clicked["basic"].formulas  # same formulas in both copies
