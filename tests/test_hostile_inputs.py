"""Hostile and careless input to the reader, the spec, the manifest and the command line: exit 2, one line.

Each case is the smallest change to a workbook xlgen wrote (or to a spec) that
once gave a wrong verdict, a traceback or an unbounded run; the input file is
never changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from xlgen.cli import main

from .conftest import ROOT

SOURCE = ROOT / "workbooks" / "basic-sgd.xlsx"
SHEET = "xl/worksheets/sheet1.xml"


def parts_of(path: Path = SOURCE) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, parts: dict[str, bytes] | list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED,
              methods: dict[str, int] | None = None) -> Path:
    items = parts.items() if isinstance(parts, dict) else parts
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in items:
            archive.writestr(name, data, compress_type=(methods or {}).get(name, method))
    return path


def edited(tmp: Path, part: str, old: bytes, new: bytes) -> Path:
    parts = parts_of()
    assert old in parts[part], old
    parts[part] = parts[part].replace(old, new, 1)
    return write_zip(tmp / "edited.xlsx", parts)


def check(capsys, *argv) -> tuple[int, str]:
    """Run ``xlgen check``; the input files must come out unchanged and the output be one error line."""
    files = [Path(a) for a in argv if Path(str(a)).is_file()]
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    code = main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    assert {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files} == before
    return code, text


# ------------------------------------------------------------------ the package and its parts


def test_duplicate_part_names_are_refused(capsys, tmp_path):
    parts = parts_of()
    wrong = parts[SHEET].replace(b"<v>0.0001</v>", b"<v>0.5</v>", 1)
    items = [(name, data) for name, data in parts.items() if name != SHEET] + [(SHEET, wrong), (SHEET, parts[SHEET])]
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = write_zip(tmp_path / "twice.xlsx", items)
    code, text = check(capsys, path)
    assert code == 2 and "two parts named 'xl/worksheets/sheet1.xml'" in text, text


def test_compression_other_than_stored_or_deflate_is_refused(capsys, tmp_path):
    path = write_zip(tmp_path / "bzip2.xlsx", parts_of(), methods={SHEET: zipfile.ZIP_BZIP2})
    code, text = check(capsys, path)
    assert code == 2 and "compressed with zip method 12" in text and "sheet1.xml" in text, text


@pytest.mark.parametrize("number", [b"nan", b"0.000_1", b"inf", b"1e999"])
def test_numbers_not_in_excels_syntax_are_refused_naming_the_cell(capsys, tmp_path, number):
    path = edited(tmp_path, SHEET, b'<c r="B5" s="4"><v>0.0001</v></c>', b'<c r="B5" s="4"><v>' + number + b"</v></c>")
    code, text = check(capsys, path)
    assert code == 2, text
    assert "sheet 'basic-sgd'" in text and "cell B5" in text and "not a number in Excel's syntax" in text, text
    assert len(text.strip().splitlines()) == 2  # the error, then the summary


def test_an_array_formula_claiming_the_rest_of_the_grid_is_refused(capsys, tmp_path):
    cell = b'<row r="1000"><c r="Z1000"><f t="array" ref="Z1000:XFD1048576">1</f><v>1</v></c></row>'
    path = edited(tmp_path, SHEET, b"</sheetData>", cell + b"</sheetData>")
    code, text = check(capsys, path)
    assert code == 2 and "array formula at Z1000 fills Z1000:XFD1048576" in text, text


def test_a_negative_shared_string_index_is_refused(capsys, tmp_path):
    path = edited(tmp_path, SHEET, b'<c r="A1" s="1" t="s"><v>0</v></c>', b'<c r="A1" s="1" t="s"><v>-1</v></c>')
    code, text = check(capsys, path)
    assert code == 2 and "cell A1: shared string '-1' does not exist" in text, text


@pytest.mark.parametrize("old, new, words", [
    (b'<definedName name="lr">', b'<definedName name="lr" localSheetId="-1">', "local to sheet number '-1'"),
    (b'<definedName name="lr">', b'<definedName name="lr" localSheetId="abc">', "local to sheet number 'abc'"),
    (b'<definedName name="lr">', b"<definedName>", "a defined name without a name"),
    (b'<sheet name="xlgen"', b'<sheet name="Basic-SGD"', "two sheets are named 'Basic-SGD'"),
    (b'<sheet name="xlgen"', b"<sheet", "a sheet without a name"),
])
def test_workbook_parts_without_names_or_with_bad_indexes_are_told_plainly(capsys, tmp_path, old, new, words):
    code, text = check(capsys, edited(tmp_path, "xl/workbook.xml", old, new))
    assert code == 2 and words in text, text


def test_a_missing_worksheet_part_is_said(capsys, tmp_path):
    parts = parts_of()
    del parts[SHEET]
    code, text = check(capsys, write_zip(tmp_path / "missing.xlsx", parts))
    assert code == 2 and "its worksheet part 'xl/worksheets/sheet1.xml' is missing" in text, text


def test_an_external_worksheet_part_is_never_read(capsys, tmp_path):
    path = edited(tmp_path, "xl/_rels/workbook.xml.rels", b'Target="worksheets/sheet1.xml"',
                  b'Target="file:///etc/passwd" TargetMode="External"')
    code, text = check(capsys, path)
    assert code == 2 and "links to a part outside the file" in text, text
