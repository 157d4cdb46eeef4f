"""Writing .xlsx files: XlsxWriter, made deterministic and streaming, with commented defined names and an atomic save.

XlsxWriter is the writer because it gets the file right for Excel 365: it
writes dynamic-array formulas (``cm="1"`` and ``metadata.xml``, which a cell
calling a LAMBDA that returns an array needs), cached results beside each
formula, native charts, notes and frozen panes. What it lacks is added here:
a ``comment`` on a defined name (Excel shows it as the name's description),
byte-identical output (fixed document dates and zip entries), and speed on long
sheets. Workbooks are written in XlsxWriter's ``constant_memory`` mode, one row
in memory at a time, and the rows of a long table go to the sheet's XML as
XlsxWriter would write them, without an object for each cell
(:meth:`_Worksheet.write_cells`).
"""

from __future__ import annotations

import datetime
import hashlib
import io
import shutil
import zipfile
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.packager import Packager as _XlsxPackager
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook as _XlsxWorkbook
from xlsxwriter.worksheet import CellBlankTuple, CellBooleanTuple, CellNumberTuple, CellStringTuple
from xlsxwriter.worksheet import Worksheet as _XlsxWorksheet

from .atomic import atomic_write_bytes
from .xlsx.reader import sheet_part

FIXED_DATE = datetime.datetime(2024, 1, 1, 0, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FINGERPRINT_PLACEHOLDER = "0" * 64
_ERROR_VALUES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))
_CHUNK = 1 << 20
# zlib's fastest level: a 100,000-row sheet's 110 MB of XML deflates 4x faster than at the default
# level 6, into a file about a quarter larger.
COMPRESS_LEVEL = 1


def number_text(number: float) -> str:
    """A number as the file stores it: the shortest text that reads back as the same double.

    XlsxWriter writes 16 significant digits, which changes some doubles
    (2.9201563999999998 would come back as 2.9201564); Excel writes 17.
    """
    number = float(number)
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return repr(number)


def _escape(text: str) -> str:
    """XML character data as XlsxWriter escapes it (quotes stay as they are)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


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

    def write_cells(self, row: int, cells: Iterable[tuple[int, str | None, Any, Any, int | None, bool]]) -> None:
        """Write row ``row`` (0-based) whole, as XlsxWriter's ``constant_memory`` mode writes a row.

        Each cell is ``(column, formula, value, format, last_column, dynamic)``:
        a formula in storage form with ``value`` as its cached result, or a
        constant ``value`` (None: blank) when ``formula`` is None; an array
        formula spans to ``last_column`` of the row (a dynamic array if
        ``dynamic``). Rows come in order, after XlsxWriter's own rows above
        them; a row XlsxWriter also holds (a height, a note) is refused.
        """
        if row < self.previous_row or row in self.row_info or row in self.comments or self.table.get(row):
            raise ValueError(f"row {row + 1} of sheet {self.name!r} is written out of order")
        if row > self.previous_row:
            self._write_single_row(row)  # XlsxWriter's own last row, if it has one
        # As XlsxWriter's write_blank: an empty cell without a style is no cell.
        cells = sorted((cell for cell in cells if cell[1] is not None or cell[2] is not None or cell[3]),
                       key=lambda cell: cell[0])
        if not cells:
            return
        for column in (cells[0][0], cells[-1][0]):
            if self._check_dimensions(row, column):
                raise ValueError(f"cell ({row + 1}, {column + 1}) of sheet {self.name!r} is outside the grid")
        parts = [f'<row r="{row + 1}">']
        for column, formula, value, cell_format, last_column, dynamic in cells:
            name = xl_rowcol_to_cell_fast(row, column)
            style = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
            if formula is None:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    parts.append(f'<c r="{name}"{style}><v>{number_text(value)}</v></c>')
                    continue
                self.fh.write("".join(parts))
                parts = []
                self._write_cell(row, column, _constant(value, cell_format))
                continue
            if last_column is None:
                kind, text = _cached_result(value)
                parts.append(f'<c r="{name}"{style}{kind}><f>{_escape(formula)}</f><v>{_escape(text)}</v></c>')
                continue
            area = name if last_column == column else f"{name}:{xl_rowcol_to_cell_fast(row, last_column)}"
            marks = ' cm="1"' if dynamic else ""
            if dynamic:
                self.has_dynamic_arrays = True
            if not isinstance(value, (int, float)):  # XlsxWriter: an array's result is a number or text
                marks += ' t="str"'
            parts.append(f'<c r="{name}"{style}{marks}><f t="array" ref="{area}">{_escape(formula)}</f>'
                         f'<v>{_escape(f"{value}")}</v></c>')
        parts.append("</row>")
        self.fh.write("".join(parts))


def _constant(value: Any, cell_format: Any) -> tuple:
    """XlsxWriter's record of a constant cell, for its own cell writer (strings inline, as constant_memory writes them)."""
    if value is None:
        return CellBlankTuple(cell_format)
    if isinstance(value, bool):
        return CellBooleanTuple(int(value), cell_format)
    if isinstance(value, (int, float)):
        return CellNumberTuple(value, cell_format)
    return CellStringTuple(str(value), cell_format)


def _cached_result(value: Any) -> tuple[str, str]:
    """A formula's cached result as XlsxWriter stores it: (the ``t`` attribute, the ``<v>`` text)."""
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, str):
        if value == "":
            return "", ""
        return (' t="e"' if value in _ERROR_VALUES else ' t="str"'), value
    return "", f"{value}"


class _Packager(_XlsxPackager):
    """XlsxWriter's packager, handing its parts (files in the build's temporary folder) to :func:`finish`.

    XlsxWriter would deflate them into a zip that :func:`finish` must read back
    to put the fingerprint in; the parts are zipped once, by :func:`finish`.
    """

    def __init__(self, workbook: _Workbook):
        super().__init__()
        self.owner = workbook

    def _create_package(self):
        self.owner.package = super()._create_package()
        return []  # XlsxWriter's own zip stays empty


class _Workbook(_XlsxWorkbook):
    """XlsxWriter's workbook, writing each defined name's ``comment`` attribute."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_comments: dict[str, str] = {}
        self.package: list[tuple[str, str, bool]] = []  # (file, part name, binary), as XlsxWriter made them

    def _get_packager(self):
        return _Packager(self)

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


def new_workbook(title: str, folder: str | Path) -> _Workbook:
    """A workbook with fixed document properties, writing rows as they come into files in ``folder``."""
    workbook = _Workbook(io.BytesIO(), {"constant_memory": True, "tmpdir": str(folder),
                                        "strings_to_numbers": False, "strings_to_formulas": False})
    workbook.worksheet_class = _Worksheet
    workbook.set_properties({
        "title": title,
        "author": "xlgen",
        "comments": "Built by xlgen; check it with `xlgen check`.",
        "created": FIXED_DATE,
    })
    return workbook


def define_name(workbook: _Workbook, name: str, formula: str, comment: str | None = None) -> None:
    """A workbook-level defined name, with an optional description (Excel limits it to 255 characters)."""
    if workbook.define_name(name, formula) != 0:
        raise ValueError(f"XlsxWriter refused the defined name {name!r}")
    if comment:
        if len(comment) > 255:
            raise ValueError(f"the description of {name!r} exceeds Excel's 255 characters")
        workbook.name_comments[name] = comment


def part_digest(parts: Mapping[str, bytes | Callable[[], IO[bytes]]], manifest_part: str | None,
                fingerprint: str = FINGERPRINT_PLACEHOLDER) -> str:
    """SHA-256 over every part, the manifest sheet's with its ``fingerprint`` put back to the placeholder.

    The manifest sheet is inside the digest, so an edit typed there counts as
    an edit too; only the digest's own text, which cannot cover itself, is not.
    A part is its bytes, or a function that opens it (read in pieces: a long sheet's XML is large).
    """
    digest = hashlib.sha256()
    for name in sorted(parts):
        digest.update(name.encode() + b"\0")
        if name == manifest_part:
            digest.update(_read(parts[name]).replace(fingerprint.encode(), FINGERPRINT_PLACEHOLDER.encode()))
        else:
            for chunk in _chunks(parts[name]):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _read(part: bytes | Callable[[], IO[bytes]]) -> bytes:
    return b"".join(_chunks(part))


def _chunks(part: bytes | Callable[[], IO[bytes]]) -> Iterable[bytes]:
    if isinstance(part, bytes):
        yield part
        return
    with part() as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def read_parts(data: bytes | Path) -> dict[str, bytes]:
    """The zip parts of a workbook, by name."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def finish(workbook: _Workbook, manifest_sheet: str) -> bytes:
    """Close the workbook and return deterministic bytes with the content fingerprint in the manifest.

    The sheet named ``manifest_sheet`` holds :data:`FINGERPRINT_PLACEHOLDER` in a formula and
    its cached text; both are replaced by the digest of every part (the manifest's
    own with the placeholder), so a later build can tell whether a person has
    edited the file since.
    """
    workbook.close()
    worksheets = [sheet for sheet in workbook.worksheets() if not sheet.is_chartsheet]
    index = next(number for number, sheet in enumerate(worksheets, 1) if sheet.name == manifest_sheet)
    manifest_part = f"xl/worksheets/sheet{index}.xml"  # XlsxWriter numbers worksheet parts in sheet order
    files = {part: partial(open, file, "rb") for file, part, _ in workbook.package}
    manifest = _read(files[manifest_part])
    if FINGERPRINT_PLACEHOLDER.encode() not in manifest:
        raise RuntimeError("the manifest sheet holds no fingerprint placeholder")
    fingerprint = part_digest(files, manifest_part)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for _, part, _ in workbook.package:
            info = zipfile.ZipInfo(part, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = COMPRESS_LEVEL  # ZipInfo's only spelling from Python 3.11 to 3.14
            info.external_attr = 0o600 << 16
            if part == manifest_part:
                archive.writestr(info, manifest.replace(FINGERPRINT_PLACEHOLDER.encode(), fingerprint.encode()))
                continue
            with files[part]() as source, archive.open(info, "w") as target:
                shutil.copyfileobj(source, target, _CHUNK)
    return output.getvalue()


def save(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file, then a rename)."""
    atomic_write_bytes(path, data)


__all__ = ["new_workbook", "define_name", "finish", "save", "read_parts", "part_digest", "xlsxwriter"]
