"""The workbook reader: values, formula text (shared formulas expanded), array areas, names, XML safety."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
import xlsxwriter

from tests.conftest import ROOT, anchor_workbook
from xlgen.errors import XlgenError
from xlgen.manifest import MANIFEST_SHEET
from xlgen.values import DIV0
from xlgen.xlsx.reader import load_sheet, read_range_values, read_workbook, sheet_part

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>
<definedNames><definedName name="rate">0.5</definedName><definedName name="here" localSheetId="0">S!$A$1</definedName>
</definedNames></workbook>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
 Target="worksheets/sheet1.xml"/></Relationships>"""
_STRINGS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>shared</t></si>
<si><r><t>ri</t></r><r><t>ch</t></r><rPh><t>x</t></rPh></si></sst>"""


def _package(path, sheet_data: str, head: str = "") -> str:
    sheet = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{head}'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f"<sheetData>{sheet_data}</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _RELS)
        archive.writestr("xl/sharedStrings.xml", _STRINGS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


SHEET = (
    '<row r="1"><c r="A1"><v>2</v></c><c r="B1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c>'
    '<c r="D1" t="b"><v>1</v></c><c r="E1" t="e"><v>#DIV/0!</v></c>'
    '<c r="F1" t="inlineStr"><is><t>in&amp;line</t></is></c><c r="G1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row>'
    '<row r="2"><c r="A2"><v>3</v></c><c r="B2"><f t="shared" ref="B2:C4" si="0">A2*2</f><v>6</v></c>'
    '<c r="C2"><f t="shared" si="0"/><v>12</v></c></row>'
    '<row r="3"><c r="A3"><v>4</v></c><c r="B3"><f t="shared" si="0"/><v>8</v></c>'
    '<c r="C3"><f t="shared" si="0"/><v>16</v></c><c r="D3"><f t="array" ref="D3:D4">A2:A3*10</f><v>30</v></c></row>'
    '<row r="4"><c r="B4"><f t="shared" si="0"/><v>0</v></c><c r="C4"><f t="shared" si="0"/><v>0</v></c>'
    '<c r="D4"><v>40</v></c><c r="E4"><f>IF(A1&lt;&gt;2,&#10;1,2)</f><v>2</v></c></row>'
)


@pytest.fixture()
def hand_written(tmp_path):
    return _package(tmp_path / "hand.xlsx", SHEET)


def test_values_of_every_kind(hand_written):
    sheet = read_workbook(hand_written).sheets["S"]
    assert sheet.values[(1, 1)] == 2.0 and type(sheet.values[(1, 1)]) is float
    assert [sheet.values[(1, c)] for c in range(2, 8)] == ["shared", "rich", True, DIV0, "in&line", "ab"]
    assert sheet.values.get((9, 9)) is None


def test_shared_formulas_are_expanded(hand_written):
    formulas = read_workbook(hand_written).sheets["S"].formulas
    assert formulas[(2, 2)] == "A2*2"
    assert formulas[(2, 3)] == "B2*2"
    assert formulas[(4, 2)] == "A4*2"
    assert formulas[(4, 3)] == "B4*2"
    assert formulas[(1, 7)] == '"a"&"b"'
    assert formulas[(4, 5)] == "IF(A1<>2,\n1,2)"
    assert len(formulas) == 9 and (1, 1) not in formulas


def test_array_areas_and_names(hand_written):
    workbook = read_workbook(hand_written)
    assert dict(workbook.sheets["S"].array_refs) == {(3, 4): "D3:D4"}
    assert workbook.defined_name("RATE").text == "0.5"
    assert workbook.defined_name("here", "S").sheet == "S"
    assert workbook.defined_name("here") is None
    assert read_range_values(workbook, "S!A1:A3") == [2.0, 3.0, 4.0]


def test_one_row_array_areas_filled_down_are_one_run(tmp_path):
    # A LAMBDA returning [b, a] in each row, as XlsxWriter stores it: one formula and one area a row.
    rows = "".join(f'<row r="{r}"><c r="B{r}"><f t="array" ref="B{r}:C{r}">STEP(A{r})</f><v>1</v></c>'
                   f'<c r="C{r}"><v>2</v></c></row>' for r in range(1, 5))
    rows += '<row r="5"><c r="B5"><f t="array" ref="B5:D5">STEP(A5)</f><v>1</v></c></row>'  # another width
    sheet = read_workbook(_package(tmp_path / "areas.xlsx", rows)).sheets["S"]
    assert [(run.first_row, run.last_row) for run in sheet.cells.runs] == [(1, 4), (5, 5)]
    assert dict(sheet.array_refs) == {(1, 2): "B1:C1", (2, 2): "B2:C2", (3, 2): "B3:C3", (4, 2): "B4:C4",
                                      (5, 2): "B5:D5"}
    assert sheet.formulas[(3, 2)] == "STEP(A3)"


@pytest.mark.parametrize("formula_values", [True, False])
def test_one_row_areas_filled_down_count_toward_the_array_cap(tmp_path, formula_values):
    # 16,384 cells a row: the 129th row passes two full columns' worth, wherever the reader takes the row.
    rows = "".join(f'<row r="{r}"><c r="A{r}"><f t="array" ref="A{r}:XFD{r}">B{r}</f></c></row>' for r in range(1, 140))
    with pytest.raises(XlgenError, match=r"A129 fills A129:XFD129 .*at most 2,097,152 array-formula cells"):
        read_workbook(_package(tmp_path / "wide.xlsx", rows), formula_values=formula_values)


def test_formula_values_can_be_skipped(hand_written):
    sheet = read_workbook(hand_written, formula_values=False).sheets["S"]
    assert (2, 2) not in sheet.values and sheet.values[(2, 1)] == 3.0
    assert sheet.formulas[(3, 3)] == "B3*2"


def test_other_xml_spellings_are_read_by_the_general_parser(tmp_path, hand_written):
    # Single-quoted attributes, cells without r="..", a prefixed namespace: the scanner hands over to expat.
    odd = SHEET.replace('r="A1"', "r='A1'").replace('<c r="B1" t="s">', '<c t="s">')
    path = _package(tmp_path / "odd.xlsx", odd)
    regular, general = read_workbook(hand_written).sheets["S"], read_workbook(path).sheets["S"]
    assert dict(general.values) == dict(regular.values)
    assert dict(general.formulas) == dict(regular.formulas)
    assert dict(general.array_refs) == dict(regular.array_refs)


def test_document_type_declarations_are_refused(tmp_path):
    path = _package(tmp_path / "dtd.xlsx", SHEET, head='<!DOCTYPE worksheet [<!ENTITY e "boom">]>')
    with pytest.raises(XlgenError, match="document type"):
        read_workbook(path)


def test_unknown_entities_are_refused(tmp_path):
    path = _package(tmp_path / "entity.xlsx", '<row r="1"><c r="A1" t="str"><f>"&e;"</f><v>x</v></c></row>')
    with pytest.raises(XlgenError):
        read_workbook(path)


def test_not_a_workbook(tmp_path):
    (tmp_path / "x.xlsx").write_text("hello")
    with pytest.raises(XlgenError, match="not an .xlsx"):
        read_workbook(tmp_path / "x.xlsx")
    with pytest.raises(XlgenError, match="no such file"):
        read_workbook(tmp_path / "missing.xlsx")


def test_filled_down_formulas_are_stored_as_one_run(tmp_path):
    path = tmp_path / "run.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    for row in range(1, 1001):
        sheet.write_number(f"A{row}", row)
        sheet.write_formula(f"B{row}", f"=A{row}*2+B{row - 1}" if row > 1 else "=A1*2")
        sheet.write_formula(f"C{row}", f'=LOG10(A{row})&"x{row}"')  # the row number in text breaks the run
    book.close()
    sheet = read_workbook(path).sheets["S"]
    runs = {run.column: [] for run in sheet.cells.runs}
    for run in sheet.cells.runs:
        runs[run.column].append(run)
    assert [(r.first_row, r.last_row) for r in runs[2]] == [(1, 1), (2, 1000)]
    assert sheet.formulas[(777, 2)] == "A777*2+B776"
    assert sheet.formulas[(777, 3)] == 'LOG10(A777)&"x777"'


def test_sheets_are_read_on_demand(hand_written):
    workbook = read_workbook(hand_written, sheets=[])
    assert workbook.sheets["S"].cells is None
    assert load_sheet(workbook, "S").values[(1, 1)] == 2.0


@pytest.mark.parametrize("anchor", ["graddesc-course22p2.xlsm", "graddesc-course-v3.xlsm", "mom_bias-course-v3.xlsx"])
def test_anchors_read_as_openpyxl_reads_them(anchor):
    """Every value and formula text agrees with openpyxl's reading of the same file."""
    path = anchor_workbook(anchor)
    ours = read_workbook(path)
    texts = openpyxl.load_workbook(path, data_only=False)
    cached = openpyxl.load_workbook(path, data_only=True)
    for name, sheet in ours.sheets.items():
        expected_formulas = {}
        expected_values = {}
        for row in texts[name].iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=") and cell.data_type == "f":
                    expected_formulas[(cell.row, cell.column)] = cell.value[1:]
                elif getattr(cell.value, "text", None) is not None:  # openpyxl's ArrayFormula
                    expected_formulas[(cell.row, cell.column)] = cell.value.text[1:]
        for row in cached[name].iter_rows():
            for cell in row:
                if cell.value is not None:
                    expected_values[(cell.row, cell.column)] = cell.value
        assert dict(sheet.formulas) == expected_formulas, name
        got_values = {k: v for k, v in sheet.values.items() if v is not None}
        assert {k: float(v) if type(v) is int else v for k, v in expected_values.items()} == got_values, name


def test_a_sheet_part_is_found_by_the_sheet_name(hand_written):
    with zipfile.ZipFile(hand_written) as archive:
        assert sheet_part(archive, "S") == "xl/worksheets/sheet1.xml"
        assert sheet_part(archive, "T") is None
    with zipfile.ZipFile(ROOT / "workbooks" / "basic-sgd.xlsx") as archive:
        assert sheet_part(archive, MANIFEST_SHEET) == "xl/worksheets/sheet2.xml"
        assert sheet_part(archive, "basic-sgd") == "xl/worksheets/sheet1.xml"
