"""Formula text filled down a column, stored once: a template whose holes are row numbers.

Writers other than Excel (XlsxWriter among them) store every cell's formula in
full, so a column of 100,000 rows holds ``C5+D5*A5``, ``C6+D6*A6``, ... A
:class:`RowTemplate` keeps the text of the first row with the row number of
each relative reference cut out (``C{}+D{}*A{}``, offsets 0, 0, 0);
:meth:`RowTemplate.fill` rebuilds the text of any row. The reader extends a run
while the next cell's text is exactly ``fill(row)``, a string comparison, so a
long column is read without tokenizing every formula.

The holes are found by a regular expression (digits after one to three
letters, not part of a longer name, not followed by ``(``), which can also cut
into something that is not a reference (a number like ``1E5``, text inside
quotes, a name such as ``x1`` spelled like a cell). That is harmless to
correctness: such a run only ever joins cells whose text is ``fill(row)``, and
:func:`xlgen.formula.shapes` parses two rows of a run before it treats the run
as one formula shifted by rows.
"""

from __future__ import annotations

import re

_ROW_HOLE = re.compile(r"(?<![A-Za-z0-9_.$\\])(\$?[A-Za-z]{1,3})([0-9]+)(?![A-Za-z0-9_.(!\\])")


class RowTemplate:
    """A formula text written in ``row``, with the row numbers of its A1 references as holes."""

    __slots__ = ("format", "offsets", "count", "same")

    def __init__(self, text: str, row: int):
        if "%" in text:
            text = text.replace("%", "%%")  # neither letters nor digits of a hole
        pieces = _ROW_HOLE.split(text)
        # split() gives [before, letters, digits, before, letters, digits, ..., after]; a worksheet row's shape
        # has dozens of holes, so the parts are put together by map and join, not a Python loop.
        before, letters, digits = pieces[0::3], pieces[1::3], pieces[2::3]
        self.format = "%d".join([*map(str.__add__, before, letters), before[-1]])
        offsets = tuple(map(row.__rsub__, map(int, digits)))
        self.offsets = offsets
        self.count = len(offsets)
        # Most references in a filled-down column are on one row: one offset for all holes.
        self.same = offsets[0] if offsets and len(set(offsets)) == 1 else None

    def fill(self, row: int) -> str:
        """The text of the formula written in ``row``."""
        if self.same is not None:
            return self.format % ((row + self.same,) * self.count)
        return self.format % tuple(map(row.__add__, self.offsets))
