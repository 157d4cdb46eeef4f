"""The two worksheet parsers agree: the scanner (regular expression) and expat read every sheet to the same cells.

The reader tries :mod:`xlgen.xlsx.scanner` first and hands a sheet to :mod:`xlgen.xlsx.expat_sheet` only when
the scanner refuses its form, so a difference between them would make a workbook's reading depend on how its
XML is spelled. Each sheet here is read by both, and the stored cells (constants with their types, formula runs
with their texts, array areas and cached values) must be equal: over every shipped and hand-made workbook,
every anchor workbook (skipped, saying why, where absent), the anchors' figures rebuilt as plain .xlsx, and
hand-written sheets with odd but valid XML. Where a parser refuses a sheet, both must refuse it naming the same cell.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.anchor_figures import WORKBOOKS as ANCHOR_WORKBOOKS
from tests.conftest import ROOT, anchor_figures, anchor_workbook
from xlgen.errors import XlgenError
from xlgen.xlsx import expat_sheet, reader, scanner
from xlgen.xlsx.package import open_package
from xlgen.xlsx.sheet_cells import SheetCells

SHIPPED = sorted((ROOT / "workbooks").glob("*.xlsx"))
HANDMADE = sorted((ROOT / "tests" / "data" / "handmade").glob("*.xlsx"))  # other layouts, a LibreOffice save


def typed(value):
    """A value with its type, so that True and 1.0, or 0.0 and -0.0, never compare equal."""
    return (type(value).__name__, repr(value))


def stored(cells: SheetCells) -> dict:
    """Everything a parser leaves in :class:`SheetCells`, as plain data (formula texts of every row included)."""
    runs = [(run.column, run.first_row, run.last_row, run.array_ref, run.shared,
             [run.text_at(row) for row in range(run.first_row, run.last_row + 1)],
             None if run.values is None else [typed(value) for value in run.values])
            for run in cells.runs]
    return {"constants": {key: typed(value) for key, value in cells.constants.items()}, "runs": runs}


def read_both(path: Path, formula_values: bool) -> dict[str, tuple[dict, dict]]:
    """Sheet name -> (the scanner's cells, expat's cells); every sheet must be one the scanner takes."""
    workbook = reader.read_workbook(path, sheets=[])
    both = {}
    with open_package(path) as archive:
        strings = reader._shared_strings(path, archive)
        for sheet in workbook.sheets.values():
            assert sheet.member is not None, f"{path.name}: sheet {sheet.name!r} has no part"
            scanned, parsed = SheetCells(), SheetCells()
            try:
                scanner.scan_sheet(path, archive, sheet.member, scanned, strings, formula_values)
            except scanner.Irregular:
                pytest.fail(f"{path.name}: the scanner refuses sheet {sheet.name!r}, so nothing compares it")
            expat_sheet.parse_sheet(path, archive, sheet.member, parsed, strings, formula_values)
            both[sheet.name] = (stored(scanned), stored(parsed))
    return both


def assert_equal_readings(path: Path, formula_values: bool = True) -> None:
    both = read_both(path, formula_values)
    assert both, f"{path.name} has no sheet"
    for name, (scanned, parsed) in both.items():
        assert scanned["constants"] == parsed["constants"], f"{path.name}!{name}: constants differ"
        assert scanned["runs"] == parsed["runs"], f"{path.name}!{name}: formula runs differ"


def test_the_shipped_workbooks_are_found():
    assert len(SHIPPED) > 40, f"{ROOT / 'workbooks'} holds {len(SHIPPED)} workbooks"


@pytest.mark.parametrize("formula_values", [True, False])
@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_workbooks_read_alike(path, formula_values):
    assert_equal_readings(path, formula_values)


@pytest.mark.parametrize("path", HANDMADE, ids=lambda path: path.name)
def test_hand_made_workbooks_read_alike(path):
    assert_equal_readings(path)


@pytest.mark.parametrize("formula_values", [True, False])
@pytest.mark.parametrize("name", ANCHOR_WORKBOOKS)
def test_anchor_workbooks_read_alike(name, formula_values):
    assert_equal_readings(anchor_workbook(name), formula_values)


@pytest.mark.parametrize("name", ANCHOR_WORKBOOKS)
def test_anchor_figures_rebuilt_read_alike(name, rebuilt_anchor):
    path = rebuilt_anchor(name)
    assert_equal_readings(path)
    # The comparison saw the anchor's formulas: the rebuilt file holds every one of them.
    formulas = sum(len(sheet.formulas) for sheet in anchor_figures(name).sheets.values())
    cells = sum(sum(run[2] - run[1] + 1 for run in scanned["runs"])
                for scanned, _ in read_both(path, True).values())
    assert cells == formulas > 100


_WORKBOOK = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
_RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
         ' Target="worksheets/sheet1.xml"/></Relationships>')
_STRINGS = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>one</t></si>'
            '<si><r><t>ri</t></r><r><t xml:space="preserve">ch </t></r><rPh><t>x</t></rPh></si></sst>')


def one_sheet(path: Path, sheet_data: str) -> Path:
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<sheetData>{sheet_data}</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _RELS)
        archive.writestr("xl/sharedStrings.xml", _STRINGS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet.encode("utf-8"))
    return path


def long_run_rows() -> str:
    """Rows 2..29 of one run, but: B6 reads A5 (not A6), C11 reads C2 (not C10), rows 16 and 20 hold an escape
    and a carriage return, and row 24 is an empty ``<row/>``; every third row has ``spans``."""
    rows = []
    for r in range(2, 30):
        if r == 24:
            rows.append('<row r="24" ht="3"/>')
            continue
        value = {8: "", 16: "a&amp;b", 20: "c\r\nd"}.get(r, f"x{r}")
        spans = ' spans="1:6"' if r % 3 else ""
        rows.append(
            f'<row r="{r}"{spans}><c r="A{r}" t="str"><v>{value}</v></c>'
            f'<c r="B{r}"><f>A{r - 1 if r == 6 else r}*2+B{r - 1}</f><v>{r}</v></c>'
            f'<c r="C{r}" t="str"><f>CONCAT("5%d",{"C2" if r == 11 else f"C{r - 1}"})</f><v>5%d</v></c>'
            f'<c r="D{r}" cm="1"><f t="array" ref="D{r}:E{r}">STEP(A{r}:B{r})</f><v>1</v></c><c r="E{r}"><v>{r}</v></c>'
            f'<c r="F{r}"><f>SUM(B$2:B{r - 1})</f><v>0</v></c></row>')
    return "".join(rows)


def run_of_numbers() -> str:
    """Rows 2..16 of one run with two columns of numbers (A, C) and one of text (D), matched whole from row 4:
    an empty ``<v>``, spaces, -0, exponents and two numbers whose sum overflows among them."""
    a = {6: "", 7: " 7 ", 8: "-0", 9: "1E308", 10: "1.7976931348623157E308", 11: "2.5e-3"}
    c = {12: "", 13: "-1.7976931348623157E308"}
    return "".join(
        f'<row r="{r}"><c r="A{r}"><v>{a.get(r, str(r))}</v></c><c r="B{r}"><f>A{r}*2+B{r - 1}</f><v>0</v></c>'
        f'<c r="C{r}"><v>{c.get(r, f"{r}.5")}</v></c><c r="D{r}" t="str"><v>d{r}</v></c></row>'
        for r in range(2, 17))


ODD_SHEETS = {
    "numbers of a run matched whole": run_of_numbers(),
    "escapes and newlines": (
        '<row r="1"><c r="A1" t="str"><f>"a&amp;b"&amp;"&lt;&gt;&quot;"</f><v>a&amp;b&lt;&gt;"</v></c>'
        '<c r="B1"><f>IF(A1&lt;&gt;"",&#10;1,\r\n2)</f><v>1</v></c>'
        '<c r="C1" t="str"><f>"x"&amp;CHAR(10)</f><v>x\r\n</v></c>'
        '<c r="D1" t="inlineStr"><is><r><t>in&amp;</t></r><r><t>line\r\n</t></r><rPh><t>no</t></rPh></is></c>'
        '<c r="E1" t="str"><v>_x000D_ and _x005F_x000D_</v></c></row>'),
    "every kind of value": (
        '<row r="1" spans="1:9" ht="15"><c r="A1"><v>-0</v></c><c r="B1" s="3"><v>1E-3</v></c>'
        '<c r="C1" t="b"><v>0</v></c><c r="D1" t="b"><v>1</v></c><c r="E1" t="e"><v>#N/A</v></c>'
        '<c r="F1" t="s"><v>0</v></c><c r="G1" t="s"><v>1</v></c><c r="H1" s="2"/><c r="I1" t="n"><v/></c>'
        '<c r="J1"><v></v></c><c r="K1" t="n"><v> </v></c><c r="L1" s="1"><v/></c></row>'
        '<row r="2"><c r="A2"><f>1/0</f><v/></c><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="C2" t="b"><f>TRUE</f><v>1</v></c><c r="D2" t="str"><f>""</f><v></v></c>'
        '<c r="E2" t="s"><f>F1</f><v>0</v></c><c r="F2"><f/><v>4</v></c></row>'),
    "runs, breaks and gaps": "".join(
        f'<row r="{row}"><c r="A{row}"><v>{row}</v></c><c r="B{row}"><f>A{row}*2+B{row - 1}</f><v>{row}</v></c>'
        f'<c r="C{row}"><f>{"A1" if row == 4 else f"A{row}"}+$A$1</f><v>0</v></c>'
        f'<c r="D{row}"><f>SUM(A$1:A{row})&amp;"{row}"</f><v>0</v></c></row>'
        for row in (2, 3, 4, 5, 7, 8)),
    "shared and array formulas": (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:C3" si="0">A1*2</f><v>2</v></c>'
        '<c r="C1"><f t="shared" si="0"/><v>4</v></c><c r="D1"><f t="array" ref="D1:E2">A1:B2*10</f><v>10</v></c>'
        '<c r="E1"><v>20</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c>'
        '<c r="C2"><f si="0" t="shared"/><v>8</v></c><c r="D2"><v>20</v></c><c r="E2"><v>40</v></c>'
        '<c r="F2"><f t="array" ref="F2" aca="false">_xlfn.LET(_xlpm.x,A2,_xlpm.x+1)</f><v>3</v></c></row>'
        '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/><v>6</v></c>'
        '<c r="C3"><f t="shared" si="0"/><v>12</v></c>'
        '<c r="F3"><f t="array" ref="F3" aca="false">_xlfn.LET(_xlpm.x,A3,_xlpm.x+1)</f><v>4</v></c>'
        '<c r="G3" cm="1"><f t="array" ref="G3:H3">_xlfn.SEQUENCE(1,2)</f><v>1</v></c><c r="H3"><v>2</v></c></row>'),
    # Rows that are the row above a row down, and rows that nearly are (the scanner reads those at once).
    "rows a row down": "".join(
        f'<row r="{r}"><c r="A{r}"{kind}><v>{value}</v></c><c r="B{r}" s="2"><f>A{r}*2+B{r - 1}</f><v>{r}</v></c>'
        f'<c r="C{r}"><f>{"C" if r % 5 else "B"}{r - 1}</f>{"" if r == 9 else "<v>1</v>"}</c>'
        f'<c r="D{r}" cm="1"><f t="array" ref="D{r}:E{r}">STEP(A{r}:B{r})</f><v>1</v></c><c r="E{r}"><v>{r}</v></c>'
        f'<c r="F{r}" cm="1"><f t="array" ref="F{r}">SQ(A{r})</f><v>1</v></c></row>'
        for r, kind, value in [(2, "", 1), (3, "", 2), (4, ' t="s"', 0), (5, ' t="s"', 1), (6, "", ""),
                               (7, "", 7), (8, ' t="b"', 1), (9, "", 3), (10, "", 4), (11, "", 5),
                               (13, "", 6), (14, "", 7)]
    ).replace('<row r="13">', '<row r="12"></row><row r="13">')
    + '<row r="15"><c r="A15"><v>1</v></c><c r="B15"><f t="shared" ref="B15:B17" si="0">A15</f></c></row>'
    + "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"><f t="shared" si="0"/></c></row>'
              for r in (16, 17))
    + '<row r="18"><c r="A18"><v>1</v></c><c r="B18"><f t="shared" ref="B18:B19" si="0">A18</f></c></row>'
    + '<row r="19"><c r="A19"><v>1</v></c><c r="B19"><f t="shared" si="0"/></c></row>',
    # A long filled-down run, read row by row with one match each, broken by rows that nearly repeat it.
    "long runs and the rows that break them": long_run_rows(),
    "whitespace, unicode and the grid's corners": (
        '\n  <row r="1">\n    <c r="A1" t="inlineStr"><is><t>π ≈ 3.14 𝔁</t></is></c>\n'
        '    <c r="XFD1" t="str"><f>"é"&amp;"𝔁"</f><v>é𝔁</v></c>\n  </row>\n'
        '  <row r="1048576"><c r="A1048576"><f>A1</f><v>0</v></c><c r="XFD1048576"><v>1.7976931348623157E308</v></c>'
        '</row>\n'),
}


@pytest.mark.parametrize("formula_values", [True, False])
@pytest.mark.parametrize("case", ODD_SHEETS)
def test_odd_sheets_read_alike(tmp_path, case, formula_values):
    assert_equal_readings(one_sheet(tmp_path / "odd.xlsx", ODD_SHEETS[case]), formula_values)


def test_rows_of_a_long_run_are_matched_whole(tmp_path, monkeypatch):
    """The scanner's one-match path is the one taken for a long run (so the readings above compare it)."""
    matched = []
    repeats = scanner._RowPattern.repeats

    def counted(self, text, position, end, row):
        found = repeats(self, text, position, end, row)
        number = int(text[position:position + 40].split('"', 2)[1])  # the row tried, as <row r="20"> numbers it
        matched.append(number if found else -number)
        return found

    monkeypatch.setattr(scanner._RowPattern, "repeats", counted)
    path = one_sheet(tmp_path / "odd.xlsx", ODD_SHEETS["long runs and the rows that break them"])
    read_both(path, False)
    # A row is matched whole once the row above repeated its own row above by writing its shape (4, 9, 14, 18,
    # 22 and 27 did). That is tried only after a row whose formulas all continue the runs above (3, 8, 13, 17,
    # 21, 26): 2 starts them, 6 and 11 move a reference elsewhere (so 7 and 12 start runs too), 16 and 20 hold an
    # escape or a carriage return, 24 is empty and 25 is then not the row after the run's last (and starts runs).
    assert [row for row in matched if row > 0] == [5, 10, 15, 19, 23, 28, 29]
    assert [-row for row in matched if row < 0] == [6, 11, 16, 20, 24, 25]


def test_the_comparison_sees_a_difference(tmp_path):
    """The comparison is not blind: a scanner that drops inline strings is caught."""
    path = one_sheet(tmp_path / "odd.xlsx", ODD_SHEETS["escapes and newlines"])
    (scanned, parsed), = read_both(path, True).values()
    assert parsed["constants"][(1, 4)] == ("str", repr("in&line\n"))
    del scanned["constants"][(1, 4)]
    assert scanned != parsed


BAD_SHEETS = {
    "a number that is not one": ('<row r="1"><c r="A1"><v>1</v></c><c r="B2"><v>nan</v></c></row>', "B2"),
    "a shared string that does not exist": ('<row r="3"><c r="C3" t="s"><v>7</v></c></row>', "C3"),
    "a formula's cached number that is not one": ('<row r="4"><c r="D4"><f>1</f><v>1_0</v></c></row>', "D4"),
    "a boolean that is neither 0 nor 1": ('<row r="5"><c r="E5" t="b"><v>7</v></c></row>', "E5"),
    "an error value Excel does not have": ('<row r="6"><c r="F6" t="e"><v>#BOGUS!</v></c></row>', "F6"),
    "a formula's cached error Excel does not have": ('<row r="7"><c r="G7" t="e"><f>1/0</f><v>#DIV0</v></c></row>',
                                                     "G7"),
}


def _run_with(kind: str, bad_row: int, bad: str, good: str) -> str:
    """Rows 2..12 of one run (matched whole from row 4 on), the constant in A of ``bad_row`` being ``bad``."""
    return "".join(f'<row r="{r}"><c r="A{r}"{kind}><v>{bad if r == bad_row else good}</v></c>'
                   f'<c r="B{r}"><f>A{r}*2+B{r - 1}</f><v>0</v></c></row>' for r in range(2, 13))


# Bad constants on rows the scanner matches whole (formula values not wanted, as the evaluator reads sheets).
BAD_RUNS = {
    "a number that is not one, in a run": (_run_with("", 9, "nan", "1"), "A9"),
    "a boolean that is neither 0 nor 1, in a run": (_run_with(' t="b"', 10, "7", "1"), "A10"),
    "infinity, in a run": (_run_with("", 7, "inf", "1"), "A7"),
    "a digit separator, in a run": (_run_with("", 11, "1_000", "1"), "A11"),
    "text for a number, in a run": (_run_with("", 5, "one", "1"), "A5"),
    "two bad numbers of a run, the first in the file named": ("".join(
        f'<row r="{r}"><c r="A{r}"><v>{"nan" if r == 9 else r}</v></c><c r="B{r}"><f>A{r}*2+B{r - 1}</f><v>0</v></c>'
        f'<c r="C{r}"><v>{"1_0" if r == 6 else r}</v></c></row>' for r in range(2, 13)), "C6"),
}


@pytest.mark.parametrize("case", [*BAD_SHEETS, *BAD_RUNS])
def test_both_refuse_a_bad_value_naming_its_cell(tmp_path, case):
    sheet_data, cell = {**BAD_SHEETS, **BAD_RUNS}[case]
    formula_values = case in BAD_SHEETS
    path = one_sheet(tmp_path / "bad.xlsx", sheet_data)
    workbook = reader.read_workbook(path, sheets=[])
    messages = []
    with open_package(path) as archive:
        strings = reader._shared_strings(path, archive)
        for parse in (scanner.scan_sheet, expat_sheet.parse_sheet):
            with pytest.raises(XlgenError) as refused:
                parse(path, archive, workbook.sheets["S"].member, SheetCells(), strings, formula_values)
            messages.append(str(refused.value))
    assert all(message.startswith(f"cell {cell}: ") for message in messages), messages
    assert messages[0] == messages[1]


@pytest.mark.parametrize("texts, expected", [
    (["1", " 7 ", "-0", "2.5e-3", "1.7976931348623157E308"], [1.0, 7.0, -0.0, 0.0025, 1.7976931348623157e308]),
    (["1", ""], None),  # an empty <v>: no value, which number() says by refusing
    (["1", "nan"], None),
    (["inf", "1"], None),
    (["1_000"], None),
    (["1E308", "1E308"], None),  # each a number, their sum not: read one by one, where both are kept
    (["one"], None),
])
def test_a_column_of_numbers_reads_as_each_number_does(texts, expected):
    from xlgen.xlsx.sheet_cells import number, numbers

    assert numbers(texts) == expected
    if expected is not None:
        assert [number(text) for text in texts] == expected
