"""Writing .xlsx files: XlsxWriter, made deterministic, with commented defined names and an atomic save.

XlsxWriter is the writer because it gets the file right for Excel 365: it
writes dynamic-array formulas (``cm="1"`` and ``metadata.xml``, which a cell
calling a LAMBDA that returns an array needs), cached results beside each
formula, native charts, notes and frozen panes. Two things it lacks are added
here: a ``comment`` on a defined name (Excel shows it as the name's
description) and byte-identical output (fixed document dates and zip entries).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from pathlib import Path

import xlsxwriter
from xlsxwriter.workbook import Workbook as _XlsxWorkbook
from xlsxwriter.worksheet import Worksheet as _XlsxWorksheet

from .atomic import atomic_write_bytes
from .xlsx.reader import sheet_part

FIXED_DATE = datetime.datetime(2024, 1, 1, 0, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FINGERPRINT_PLACEHOLDER = "0" * 64


def number_text(number: float) -> str:
    """A number as the file stores it: the shortest text that reads back as the same double.

    XlsxWriter writes 16 significant digits, which changes some doubles
    (2.9201563999999998 would come back as 2.9201564); Excel writes 17.
    """
    number = float(number)
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


class _Worksheet(_XlsxWorksheet):
    """XlsxWriter's worksheet, writing numbers with every digit they need, and formulas as given."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        # Formulas arrive in Excel's storage form (xlgen.storage adds _xlfn. and _xlpm.); XlsxWriter's own
        # prefixing, some thirty regular expressions a cell, would only slow a long sheet down.
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    def _xml_number_element(self, number, attributes=()) -> None:
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        self.fh.write(f"<c{attr}><v>{number_text(number)}</v></c>")


class _Workbook(_XlsxWorkbook):
    """XlsxWriter's workbook, writing each defined name's ``comment`` attribute."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_comments: dict[str, str] = {}

    def _write_defined_name(self, defined_name) -> None:
        name, sheet_id, formula, hidden = defined_name[:4]
        attributes = [("name", name)]
        comment = self.name_comments.get(name)
        if comment:
            attributes.append(("comment", comment))
        if sheet_id != -1:
            attributes.append(("localSheetId", sheet_id))
        if hidden:
            attributes.append(("hidden", 1))
        self._xml_data_element("definedName", formula, attributes)


def new_workbook(title: str) -> tuple[_Workbook, io.BytesIO]:
    """An in-memory workbook with fixed document properties."""
    buffer = io.BytesIO()
    workbook = _Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    workbook.worksheet_class = _Worksheet
    workbook.set_properties({
        "title": title,
        "author": "xlgen",
        "comments": "Built by xlgen; check it with `xlgen check`.",
        "created": FIXED_DATE,
    })
    return workbook, buffer


def define_name(workbook: _Workbook, name: str, formula: str, comment: str | None = None) -> None:
    """A workbook-level defined name, with an optional description (Excel limits it to 255 characters)."""
    if workbook.define_name(name, formula) != 0:
        raise ValueError(f"XlsxWriter refused the defined name {name!r}")
    if comment:
        if len(comment) > 255:
            raise ValueError(f"the description of {name!r} exceeds Excel's 255 characters")
        workbook.name_comments[name] = comment


def part_digest(parts: dict[str, bytes], manifest_part: str, fingerprint: str = FINGERPRINT_PLACEHOLDER) -> str:
    """SHA-256 over every part, the manifest sheet's with its ``fingerprint`` put back to the placeholder.

    The manifest sheet is inside the digest, so an edit typed there counts as
    an edit too; only the digest's own text, which cannot cover itself, is not.
    """
    digest = hashlib.sha256()
    for name in sorted(parts):
        data = parts[name]
        if name == manifest_part:
            data = data.replace(fingerprint.encode(), FINGERPRINT_PLACEHOLDER.encode())
        digest.update(name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def read_parts(data: bytes | Path) -> dict[str, bytes]:
    """The zip parts of a workbook, by name."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def finish(workbook: _Workbook, buffer: io.BytesIO, manifest_sheet: str) -> bytes:
    """Close the workbook and return deterministic bytes with the content fingerprint in the manifest.

    The sheet named ``manifest_sheet`` holds :data:`FINGERPRINT_PLACEHOLDER` in a formula and
    its cached text; both are replaced by the digest of every part (the manifest's
    own with the placeholder), so a later build can tell whether a person has
    edited the file since.
    """
    workbook.close()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        order = [info.filename for info in archive.infolist()]
        parts = {name: archive.read(name) for name in order}
        manifest_part = sheet_part(archive, manifest_sheet)
    manifest = parts.get(manifest_part, b"")
    if FINGERPRINT_PLACEHOLDER.encode() not in manifest:
        raise RuntimeError("the manifest sheet holds no fingerprint placeholder")
    fingerprint = part_digest(parts, manifest_part)
    parts[manifest_part] = manifest.replace(FINGERPRINT_PLACEHOLDER.encode(), fingerprint.encode())
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, parts[name])
    return output.getvalue()


def save(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file, then a rename)."""
    atomic_write_bytes(path, data)


__all__ = ["new_workbook", "define_name", "finish", "save", "read_parts", "part_digest", "xlsxwriter"]
