"""Broken and hostile workbooks: a clear one-line error and exit code 2, nothing lost, nothing executed.

Every bad file is built here, from a workbook xlgen wrote.
"""

from __future__ import annotations

import hashlib
import socket
import zipfile
from pathlib import Path

import pytest

from xlgen.cli import main
from xlgen.errors import XlgenError

from .conftest import ROOT, anchor_workbook, needs_libreoffice

SOURCE = ROOT / "workbooks" / "basic-sgd.xlsx"


def parts_of(path: Path = SOURCE) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def check(capsys, *argv) -> tuple[int, str]:
    code = main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    return code, text


# ------------------------------------------------------------------ not a workbook


def make_text(tmp: Path) -> Path:
    path = tmp / "notes.xlsx"
    path.write_text("a = 1\nb = 2\n")
    return path


def make_empty(tmp: Path) -> Path:
    path = tmp / "empty.xlsx"
    path.write_bytes(b"")
    return path


def make_truncated(tmp: Path) -> Path:
    path = tmp / "truncated.xlsx"
    path.write_bytes(SOURCE.read_bytes()[:5000])
    return path


def make_no_workbook_xml(tmp: Path) -> Path:
    parts = parts_of()
    del parts["xl/workbook.xml"]
    return write_zip(tmp / "headless.xlsx", parts)


def make_biff(tmp: Path) -> Path:
    path = tmp / "old.xls"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4088))
    return path


def make_ods(tmp: Path) -> Path:
    return write_zip(tmp / "calc.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                        "content.xml": b"<office:document-content/>"})


def make_encrypted(tmp: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp / "secret.xlsx"
    with open(SOURCE, "rb") as source, open(path, "wb") as target:
        OOXMLFile(source).encrypt("password", target)
    return path


@pytest.mark.parametrize("make, words", [
    (make_text, "not an .xlsx workbook"),
    (make_empty, "is empty"),
    (make_truncated, "damaged or truncated zip"),
    (make_no_workbook_xml, "without xl/workbook.xml"),
    (make_biff, "Excel 97-2003 .xls"),
    (make_ods, "OpenDocument spreadsheet"),
    (make_encrypted, "password-protected"),
])
def test_not_a_workbook(capsys, tmp_path, make, words):
    path = make(tmp_path)
    code, text = check(capsys, path)
    assert code == 2
    line = next(line for line in text.splitlines() if line.startswith("ERROR"))
    assert str(path) in line and words in line


# ------------------------------------------------------------------ XML attacks

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
          + "]>")
XXE = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'


def with_doctype(part: str, doctype: str, entity: str) -> dict[str, bytes]:
    parts = parts_of()
    text = parts[part].decode()
    body = text[text.index("<", text.index("?>") + 2):] if text.startswith("<?xml") else text
    body = body.replace("<sheetData>", f'<sheetData><row r="1"><c r="Z1" t="inlineStr"><is><t>{entity}</t></is></c></row>', 1)
    parts[part] = (doctype + body).encode()
    return parts


@pytest.mark.parametrize("part, doctype, entity", [
    ("xl/workbook.xml", LAUGHS, ""),
    ("xl/worksheets/sheet1.xml", LAUGHS, "&lol9;"),
    ("xl/worksheets/sheet1.xml", XXE, "&secret;"),
    ("xl/worksheets/sheet2.xml", XXE, "&secret;"),  # the manifest
])
def test_entities_are_refused(capsys, tmp_path, part, doctype, entity):
    path = write_zip(tmp_path / "attack.xlsx", with_doctype(part, doctype, entity))
    code, text = check(capsys, path)
    assert code == 2 and "document type" in text
    assert Path("/etc/hostname").read_text().strip() not in text


def test_deeply_nested_elements_do_not_crash(capsys, tmp_path):
    parts = parts_of()
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</worksheet>", b"<x>" * 100_000 + b"</x>" * 100_000 + b"</worksheet>")
    code, _ = check(capsys, write_zip(tmp_path / "nested.xlsx", parts))
    assert code in (0, 2)


# ------------------------------------------------------------------ zip bombs


def declare_size(data: bytes, entry: str, size: int) -> bytes:
    """The zip with ``entry``'s uncompressed size in the central directory changed to ``size``."""
    data = bytearray(data)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = int.from_bytes(data[position + 28:position + 30], "little")
        if data[position + 46:position + 46 + name_length] == entry.encode():
            data[position + 24:position + 28] = size.to_bytes(4, "little")
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 46)
    raise AssertionError(f"no central directory record for {entry}")


def test_absurd_declared_size_is_refused(capsys, tmp_path):
    """An entry whose directory claims 4 GB: refused before anything is inflated."""
    path = tmp_path / "declared.xlsx"
    path.write_bytes(declare_size(SOURCE.read_bytes(), "xl/worksheets/sheet1.xml", 0xFFFFFFF0))
    code, text = check(capsys, path)
    assert code == 2 and "uncompressed" in text


def test_highly_compressed_entry_is_bounded(capsys, tmp_path, monkeypatch):
    """2 GB of cells deflated into a few MB: refused by the size limit, not read."""
    monkeypatch.setenv("XLGEN_MAX_PART_BYTES", str(64 << 20))
    parts = parts_of()
    filler = b'<row r="9999"><c r="A9999"><v>1</v></c></row>' * 2_000_000  # ~90 MB, compresses ~500x
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", filler + b"</sheetData>")
    code, text = check(capsys, write_zip(tmp_path / "bomb.xlsx", parts))
    assert code == 2 and "uncompressed" in text


# ------------------------------------------------------------------ macros and the file itself


def test_xlsm_with_macros_is_read_never_rewritten(capsys, tmp_path):
    anchor = anchor_workbook("graddesc-course-v3.xlsm")
    copy = tmp_path / "graddesc.xlsm"
    copy.write_bytes(anchor.read_bytes())
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    code, _ = check(capsys, copy, "--spec", "graddesc/momentum")
    assert code == 0
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graddesc.xlsm"]


@needs_libreoffice
@pytest.mark.libreoffice
def test_libreoffice_never_runs_or_rewrites_macros(capsys, tmp_path):
    anchor = anchor_workbook("graddesc-course-v3.xlsm")
    copy = tmp_path / "graddesc.xlsm"
    copy.write_bytes(anchor.read_bytes())
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    code, _ = check(capsys, copy, "--spec", "graddesc/basic", "--engine", "libreoffice")
    assert code == 0
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before


# ------------------------------------------------------------------ formulas that cannot be checked


def spec_for(tmp: Path, cells: str) -> Path:
    path = tmp / "spec.toml"
    path.write_text(f'experiment = "basic-sgd"\n[params]\nepochs = 1\nx = "S!A1:A29"\ny = "S!B1:B29"\n'
                    f'b0 = 1.0\na0 = 1.0\nlr = 0.0001\n[columns]\ny_pred = "{cells}"\n')
    return path


def workbook_with(tmp: Path, formula: str, extra: dict[str, str] | None = None) -> Path:
    """Sheet S: the graddesc data in A1:B29, and ``formula`` as the first prediction (C1)."""
    import xlsxwriter

    from reference.data import GRADDESC_X, GRADDESC_Y

    path = tmp / "odd.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("S")
    for row, (x, y) in enumerate(zip(GRADDESC_X, GRADDESC_Y)):
        sheet.write_number(row, 0, x)
        sheet.write_number(row, 1, y)
    sheet.write_formula(0, 2, formula, None, 15)
    for row in range(1, len(GRADDESC_X)):
        sheet.write_formula(row, 2, f"=1+1*A{row + 1}", None, 1 + GRADDESC_X[row])  # b + a·x with a = b = 1
    for cell, text in (extra or {}).items():
        sheet.write_formula(cell, text)
    book.close()
    return path


@pytest.mark.parametrize("formula, words", [
    ("=[1]Sheet1!A1+1", "external"),
    ("=INDIRECT(\"A1\")", "INDIRECT"),
    ("=WEBSERVICE(\"http://example.com/\")", "WEBSERVICE"),
    ("=HYPERLINK(\"http://example.com/\", 15)", "HYPERLINK"),
    ("=RAND()", "RAND"),
    ("=RANDBETWEEN(1,100)", "RANDBETWEEN"),
    ("=NOW()", "NOW"),
    ("=C1+1", "circular"),
    ("=Missing!A1+1", "Missing"),
    ("=" + "+".join(["A1"] * 3000), "8,192"),
])
def test_formulas_that_cannot_be_checked_are_never_a_pass(capsys, tmp_path, monkeypatch, formula, words):
    def no_network(*args, **kwargs):
        raise AssertionError("xlgen tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    path = workbook_with(tmp_path, formula)
    code, text = check(capsys, path, "--spec", spec_for(tmp_path, "S!C1:C29"), "--rtol", "1", "--atol", "1e9")
    # Unsupported (2), or an error value that cannot match a number (1): never a pass, and the cell is named.
    assert code in (1, 2), text
    assert words.lower() in text.lower() and "S!C1" in text


# ------------------------------------------------------------------ sizes


def test_sixteen_thousand_columns_and_a_million_rows_are_bounded(capsys, tmp_path):
    """The sheet claims A1:XFD1048576 and has cells in its corners: checked without a grid of that size."""
    parts = parts_of()
    sheet = "xl/worksheets/sheet1.xml"
    text = parts[sheet].decode()
    text = text.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    parts[sheet] = text.encode()
    code, _ = check(capsys, write_zip(tmp_path / "wide.xlsx", parts))
    assert code == 0


@pytest.mark.slow
def test_million_row_sheet_is_checked_within_bounded_memory(tmp_path):
    """A million rows of data beside the table: a child process capped at 1.5 GB of memory checks it."""
    import subprocess
    import sys

    parts = parts_of()
    sheet = "xl/worksheets/sheet1.xml"
    rows = "".join(f'<row r="{r}"><c r="Z{r}"><v>{r}</v></c></row>' for r in range(200, 1_000_200))
    parts[sheet] = parts[sheet].replace(b"</sheetData>", rows.encode() + b"</sheetData>")
    path = write_zip(tmp_path / "tall.xlsx", parts)
    program = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20));"
               "from xlgen.cli import main; sys.exit(main(['check', sys.argv[1]]))")
    done = subprocess.run([sys.executable, "-c", program, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode in (0, 2), done.stderr
    assert "Traceback" not in done.stdout + done.stderr


# ------------------------------------------------------------------ writing


def test_build_never_leaves_a_half_written_workbook(tmp_path, monkeypatch):
    from xlgen import builder

    builder.build("momentum-sin", ["plain"], out=tmp_path)
    target = tmp_path / "momentum-sin.xlsx"
    before = target.read_bytes()

    def crash(path, data):
        with open(path, "wb") as stream:
            stream.write(data[: len(data) // 2])
        raise OSError("disk full")

    from xlgen import atomic

    monkeypatch.setattr(atomic.Path, "write_bytes", lambda self, data: crash(self, data))
    with pytest.raises(XlgenError, match=r"momentum-sin.xlsx: cannot write it \(disk full\); written before it: none"):
        builder.build("momentum-sin", ["plain"], params={"mom": "0.5"}, out=tmp_path)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["momentum-sin.xlsx"]


def test_reader_errors_are_xlgen_errors(tmp_path):
    from xlgen.xlsx.reader import read_workbook

    with pytest.raises(XlgenError):
        read_workbook(make_truncated(tmp_path))
