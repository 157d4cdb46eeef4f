"""The writer: a table row written whole is the row XlsxWriter's own calls write; the output is deterministic."""

from __future__ import annotations

import zipfile

from xlgen.writer import finish, new_workbook, read_parts

MANIFEST = "m"


def sheet_xml(tmp_path, name: str, write) -> str:
    """Sheet 1's XML of a workbook whose first sheet ``write`` fills (and a manifest sheet finish needs)."""
    workbook = new_workbook("t", tmp_path)
    sheet = workbook.add_worksheet("s")
    style = workbook.add_format({"bold": True})
    write(sheet, style)
    workbook.add_worksheet(MANIFEST).write_string(0, 0, "0" * 64)
    data = finish(workbook, manifest_sheet=MANIFEST)
    (tmp_path / name).write_bytes(data)
    return read_parts(data)["xl/worksheets/sheet1.xml"].decode()


def by_xlsxwriter(sheet, style) -> None:
    sheet.write_number(3, 0, 1.5, style)
    sheet.write_formula(3, 1, "A4*2", None, 3.0)
    sheet.write_formula(3, 2, "1/0", style, "#DIV/0!")
    sheet.write_formula(3, 3, "A4>1", None, True)
    sheet.write_formula(3, 4, '"a"&"<b>"', None, "a<b>")
    sheet.write_dynamic_array_formula(3, 5, 3, 6, "STEP(A4:B4)", style, 0.25)
    sheet.write_number(3, 6, 0.75)
    sheet.write_string(3, 7, " text & more ", style)
    sheet.write_boolean(3, 8, False)
    sheet.write_blank(3, 9, None, style)
    sheet.write_blank(3, 10, None)  # no style: no cell
    sheet.write_number(4, 0, 0.1 + 0.2)


def by_rows(sheet, style) -> None:
    sheet.write_cells(3, [
        (10, None, None, None, None, False),
        (1, "A4*2", 3.0, None, None, False),
        (0, None, 1.5, style, None, False),
        (2, "1/0", "#DIV/0!", style, None, False),
        (3, "A4>1", True, None, None, False),
        (4, '"a"&"<b>"', "a<b>", None, None, False),
        (5, "STEP(A4:B4)", 0.25, style, 6, True),
        (6, None, 0.75, None, None, False),
        (7, None, " text & more ", style, None, False),
        (8, None, False, None, None, False),
        (9, None, None, style, None, False),
    ])
    sheet.write_cells(4, [(0, None, 0.1 + 0.2, None, None, False)])


def test_a_row_written_whole_is_what_xlsxwriter_writes(tmp_path):
    expected = sheet_xml(tmp_path, "calls.xlsx", by_xlsxwriter)
    assert '<c r="F4" s="1" cm="1"><f t="array" ref="F4:G4">STEP(A4:B4)</f><v>0.25</v></c>' in expected
    assert '<c r="A5"><v>0.30000000000000004</v></c>' in expected  # every digit the double needs
    assert sheet_xml(tmp_path, "rows.xlsx", by_rows) == expected
    with zipfile.ZipFile(tmp_path / "rows.xlsx") as archive:
        assert "xl/metadata.xml" in archive.namelist()  # a dynamic array needs Excel's metadata part


def test_rows_out_of_order_are_refused(tmp_path):
    import pytest

    workbook = new_workbook("t", tmp_path)
    sheet = workbook.add_worksheet("s")
    sheet.write_cells(5, [(0, None, 1.0, None, None, False)])
    with pytest.raises(ValueError, match="row 5 of sheet 's' is written out of order"):
        sheet.write_cells(4, [(0, None, 1.0, None, None, False)])
    workbook.close()


def test_a_template_goes_to_storage_form_once_and_is_filled_row_by_row():
    from xlgen.sheets.layout import Column, StepTable

    table = StepTable("t", "t", [Column("g", plain="={b}"), Column("b", plain="=LET(g, {g}, {b@prev} - lr*g)")],
                      epochs=1, rows_per_epoch=3, header_row=9)
    template = "=LET(g, {g}, {b@prev} - lr*g)"
    assert table.formula(template, 1, 11) == "_xlfn.LET(_xlpm.g, C11, D10 - lr*_xlpm.g)"
    assert table.formula(template, 1, 12) == "_xlfn.LET(_xlpm.g, C12, D11 - lr*_xlpm.g)"
    assert len(table._templates) == 1


def test_a_build_that_fails_leaves_no_temporary_files(tmp_path, monkeypatch):
    import tempfile

    import pytest

    from xlgen import workbook
    from xlgen.builder import workbook_bytes

    def fail(*args, **kwargs):
        raise RuntimeError("stopped")

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(workbook, "write_manifest", fail)
    with pytest.raises(RuntimeError, match="stopped"):
        workbook_bytes("momentum-sin", "plain")
    assert list(tmp_path.iterdir()) == []
