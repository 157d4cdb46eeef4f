"""Trees of formula texts that differ only in row numbers: every tree the cache gives is the parser's own.

:class:`xlgen.formula.shapes.Trees` parses a text once per template and moves the rows of a parsed tree for
texts of the same format elsewhere (an epoch's summary ``SQRT(SUM(H69:H97))``, the next epoch's
``SQRT(SUM(H98:H126))``). Each family here is read through one cache and compared, text by text, with a
fresh parse; the families include holes that are not references (a sheet's name, text in quotes), references leaving
the grid, and absolute rows.
"""

from __future__ import annotations

import random

import pytest

from xlgen.formula import shapes
from xlgen.formula.parser import parse

FAMILIES = {
    # (format, how the rows of its holes follow from the formula's own row r)
    "an epoch's summary, 29 rows an epoch": ("SQRT(SUM(H{}:H{}))", lambda r: (29 * r - 279, 29 * r - 251)),
    "a reference with an absolute row beside": ("SUMSQ(M$4:M{})*C{}", lambda r: (r + 40, r)),
    "references that move apart": ("IF(A{}>0,B{},-C{})+LET(x,D{},x^2)", lambda r: (r, 2 * r, 3 * r - 5, r - 1)),
    "a sheet named like a cell": ("'Q2'!C{}+A{}", lambda r: (2 * r, r - 1)),
    "a cell spelled in quotes": ('"B{}"&A{}', lambda r: (r * 7, r)),
    "a reference that leaves the grid": ("A{}+B{}", lambda r: (r, 1_048_570 + r)),
    "a sheet's reference": ("'Q 1'!C{}*2+Q2!D{}", lambda r: (r * 3, r + 9)),
    "one hole only": ("N{}*0.5", lambda r: (r * 11,)),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_tree_of_a_family_is_the_parsers(family):
    text_format, rows = FAMILIES[family]
    trees = shapes.Trees()
    for row in range(10, 40):
        text = text_format.format(*rows(row))
        assert trees.tree(text, row, 19) == shapes.parse_or_refuse(text, row, 19), text


def test_a_summary_column_is_parsed_twice(monkeypatch):
    """Of 30 summary cells, the first is parsed and so is the second (every hole moved: the confirmation)."""
    parsed = []
    monkeypatch.setattr(shapes, "parse_or_refuse", lambda text, row, column: parsed.append(text) or parse(
        text, row, column))
    trees = shapes.Trees()
    moved = [trees.tree(f"SQRT(SUM(H{29 * r - 279}:H{29 * r - 251}))", r, 19) for r in range(10, 40)]
    assert parsed == ["SQRT(SUM(H11:H39))", "SQRT(SUM(H40:H68))"]
    # Row 12's summary reads H69:H97, 57 to 85 rows below it, in the same column (H is 11 left of S).
    assert moved[2] == parse("SQRT(SUM(H69:H97))", 12, 19)
    assert moved[2].args[0].args[0].first.row == 57 and moved[2].args[0].args[0].last.row == 85


def test_holes_that_are_not_references_keep_every_text_parsed(monkeypatch):
    parsed = []
    monkeypatch.setattr(shapes, "parse_or_refuse", lambda text, row, column: parsed.append(text) or parse(
        text, row, column))
    trees = shapes.Trees()
    for row in range(10, 20):
        trees.tree(f'"B{7 * row}"&A{row - 1}', row, 3)
        trees.tree(f"'Q2'!C{2 * row}+A{row - 1}", row, 3)
    assert len(parsed) == 20


def test_a_confirmation_waits_for_a_text_whose_every_hole_moved(monkeypatch):
    """``A5+B7`` then ``A5+B8`` (only B moved) cannot confirm that A's hole is A's row; ``A6+B9`` can."""
    parsed = []
    monkeypatch.setattr(shapes, "parse_or_refuse", lambda text, row, column: parsed.append(text) or parse(
        text, row, column))
    trees = shapes.Trees()
    for text in ("A5+B7", "A5+B8", "A6+B9", "A9+B2", "A1+B1"):
        assert trees.tree(text, 4, 3) == parse(text, 4, 3)
    assert parsed == ["A5+B7", "A5+B8", "A6+B9"]


def test_random_formulas_moved_are_parsed_alike():
    """Random texts of a few shapes, each family read through one cache, against a fresh parse."""
    generator = random.Random(20261203)
    parts = ["A{}", "$B{}", "C${}", "D{}:E{}", "SUM(F{}:F{})", "-G{}", "H{}%", "MIN(I{})", "J{}^2", "'S'!K{}"]
    for _ in range(40):
        chosen = [generator.choice(parts) for _ in range(generator.randint(1, 4))]
        text_format = generator.choice(["+", "*", "&", ","]).join(chosen)
        if "," in text_format:
            text_format = f"CHOOSE(1,{text_format})"
        holes = text_format.count("{}")
        trees = shapes.Trees()
        for row in generator.sample(range(1, 2000), 12):
            numbers = [generator.randint(1, 3000) for _ in range(holes)]
            text = text_format.format(*numbers)
            assert trees.tree(text, row, 12) == shapes.parse_or_refuse(text, row, 12), text
