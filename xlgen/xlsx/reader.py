"""Read an .xlsx/.xlsm file: its sheets, cached values, formula text and defined names.

This is the one place that opens workbook files. It never runs macros and
never writes. Formula text is returned as stored in the file (no leading
``=``; ``_xlfn.``/``_xlpm.`` prefixes kept), with shared formulas expanded.

The package's parts are opened safely by :mod:`.package`; a worksheet's cells
are read by :mod:`.scanner` (or :mod:`.expat_sheet` for forms the scanner does
not take) into the storage of :mod:`.sheet_cells`, which
:attr:`Sheet.values`, :attr:`Sheet.formulas` and :attr:`Sheet.array_refs` map
and :attr:`Sheet.cells` gives to an evaluator as formula runs.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..cells import parse_range
from ..errors import XlgenError
from ..values import Value
from . import expat_sheet, scanner
from .package import open_package, parse_part
from .sheet_cells import ArrayRefs, Formulas, SheetCells, Values
from .xml_text import ooxml_unescape

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_EXTERNAL = "external:"  # marks a relationship target outside the package


@dataclass
class DefinedName:
    name: str
    text: str
    sheet: str | None = None  # local to this sheet, or None for the whole workbook
    comment: str | None = None
    hidden: bool = False


@dataclass
class Sheet:
    name: str
    values: Mapping[tuple[int, int], Value] = field(default_factory=dict)
    formulas: Mapping[tuple[int, int], str] = field(default_factory=dict)
    # Top-left cell of an array or dynamic-array formula -> the range it covers ("C4:C6").
    array_refs: Mapping[tuple[int, int], str] = field(default_factory=dict)
    state: str = "visible"
    cells: SheetCells | None = None  # the storage behind the mappings; None until the sheet is read
    member: str | None = None  # the part of the package that holds the sheet
    target: str | None = None  # where the workbook's relationships say the sheet is (member, if it exists)


@dataclass
class Workbook:
    path: Path
    sheets: dict[str, Sheet]
    names: list[DefinedName]
    strings: list[str] | None = field(default=None, repr=False)  # the shared strings, once read

    def defined_name(self, name: str, sheet: str | None = None) -> DefinedName | None:
        """The name as a formula on ``sheet`` sees it: a sheet-local name wins over a workbook one."""
        folded = name.casefold()
        found = None
        for defined in self.names:
            if defined.name.casefold() != folded:
                continue
            if defined.sheet is not None and sheet is not None and defined.sheet.casefold() == sheet.casefold():
                return defined
            if defined.sheet is None:
                found = defined
        return found


def read_workbook(path: str | Path, sheets: list[str] | None = None, *, formula_values: bool = True) -> Workbook:
    """Read ``path``; with ``sheets``, only those worksheets' cells are parsed (see :func:`load_sheet`).

    With ``formula_values=False`` the values the file caches for formula
    cells are skipped (an evaluator recomputes them), which saves time and
    memory on large sheets; :attr:`Sheet.values` then holds constants only.
    """
    path = Path(path)
    with open_package(path) as archive:
        return _read(path, archive, sheets, formula_values)


def load_sheet(workbook: Workbook, name: str, *, formula_values: bool = True) -> Sheet:
    """Parse the cells of sheet ``name`` if :func:`read_workbook` skipped them."""
    sheet = workbook.sheets[name]
    if sheet.cells is None:
        with open_package(workbook.path) as archive:
            if workbook.strings is None:
                workbook.strings = _shared_strings(workbook.path, archive)
            _read_sheet(workbook.path, archive, sheet, workbook.strings, formula_values)
    return sheet


def sheet_part(archive: zipfile.ZipFile, name: str, path: str | Path = "workbook") -> str | None:
    """The part of an open package that holds sheet ``name``, found by the sheet's name (no cells are read)."""
    sheet = _read(Path(path), archive, [], False).sheets.get(name)
    return sheet.member if sheet is not None else None


def _read(path: Path, archive: zipfile.ZipFile, wanted: list[str] | None, formula_values: bool) -> Workbook:
    workbook_xml = parse_part(path, archive, "xl/workbook.xml")
    targets = _relationships(path, archive, "xl/_rels/workbook.xml.rels", "xl")
    members = set(archive.namelist())
    shared = None
    sheets: dict[str, Sheet] = {}
    order: list[str] = []
    for element in workbook_xml.iter(f"{_MAIN}sheet"):
        name = element.get("name")
        if not name:
            raise XlgenError(f"{path}: xl/workbook.xml has a sheet without a name (sheet {len(order) + 1})")
        if name.casefold() in (known.casefold() for known in order):
            raise XlgenError(f"{path}: two sheets are named {name!r} (Excel does not allow it)")
        order.append(name)
        target = targets.get(element.get(f"{_REL}id"))
        sheet = Sheet(name, state=element.get("state", "visible"), member=target if target in members else None,
                      target=target)
        sheets[name] = sheet
        if wanted is None or name in wanted:
            if shared is None:
                shared = _shared_strings(path, archive)
            _read_sheet(path, archive, sheet, shared, formula_values)
    names = []
    for element in workbook_xml.iter(f"{_MAIN}definedName"):
        name = element.get("name")
        if not name:
            raise XlgenError(f"{path}: xl/workbook.xml has a defined name without a name "
                             f"(defined as {(element.text or '')[:60]!r})")
        names.append(
            DefinedName(
                name=name,
                text=element.text or "",
                sheet=_local_sheet(path, name, element.get("localSheetId"), order),
                comment=element.get("comment"),
                hidden=element.get("hidden") in ("1", "true"),
            )
        )
    return Workbook(path, sheets, names, shared)


def _local_sheet(path: Path, name: str, local: str | None, order: list[str]) -> str | None:
    """The sheet a defined name is local to: ``localSheetId`` counts the workbook's sheets from 0."""
    if local is None:
        return None
    if not local.strip().isdigit() or int(local) >= len(order):
        raise XlgenError(f"{path}: defined name {name!r} is local to sheet number {local!r}, which the workbook "
                         f"does not have (it has {len(order)} sheets, numbered from 0)")
    return order[int(local)]


def _relationships(path: Path, archive: zipfile.ZipFile, member: str, base: str) -> dict[str, str]:
    if member not in archive.namelist():
        return {}
    targets = {}
    for element in parse_part(path, archive, member).iter(f"{_PKG_REL}Relationship"):
        target = element.get("Target", "")
        if element.get("TargetMode") == "External":
            target = _EXTERNAL + target  # never a part name: no part is read from elsewhere
        elif target.startswith("/"):
            target = target.lstrip("/")
        else:
            target = posixpath.normpath(f"{base}/{target}")
        targets[element.get("Id")] = target
    return targets


def _shared_strings(path: Path, archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    root = parse_part(path, archive, "xl/sharedStrings.xml")
    strings = []
    for item in root.iter(f"{_MAIN}si"):
        # Phonetic runs (<rPh>) are reading aids, not part of the text.
        texts = [t.text or "" for child in item if child.tag != f"{_MAIN}rPh" for t in child.iter(f"{_MAIN}t")]
        strings.append(ooxml_unescape("".join(texts)))
    return strings


def _read_sheet(path: Path, archive: zipfile.ZipFile, sheet: Sheet, shared: list[str], formula_values: bool) -> None:
    cells = SheetCells()
    if sheet.member is None:
        if sheet.target is None:
            raise XlgenError(f"{path}: sheet {sheet.name!r} has no worksheet part (xl/workbook.xml links none)")
        if sheet.target.startswith(_EXTERNAL):
            raise XlgenError(f"{path}: sheet {sheet.name!r} links to a part outside the file "
                             f"({sheet.target[len(_EXTERNAL):][:80]!r}); refusing to read it")
        raise XlgenError(f"{path}: sheet {sheet.name!r}: its worksheet part {sheet.target!r} is missing")
    try:
        try:
            scanner.scan_sheet(path, archive, sheet.member, cells, shared, formula_values)
        except scanner.Irregular:
            cells = SheetCells()
            expat_sheet.parse_sheet(path, archive, sheet.member, cells, shared, formula_values)
    except (ValueError, KeyError) as error:  # a number that is not one, a cell reference out of Excel's grid
        raise XlgenError(f"{path}: sheet {sheet.name!r} cannot be read ({error})") from None
    except XlgenError as error:
        if str(path) in str(error):
            raise
        raise XlgenError(f"{path}: sheet {sheet.name!r}: {error}") from None
    sheet.cells = cells
    sheet.values, sheet.formulas, sheet.array_refs = Values(cells), Formulas(cells), ArrayRefs(cells)


def read_range_values(workbook: Workbook, reference: str) -> list[Value]:
    """Cached values of ``Sheet!A1:B2``, row by row (empty cells are ``None``)."""
    target = parse_range(reference)
    sheet = workbook.sheets.get(target.sheet)
    if sheet is None:
        raise XlgenError(f"{workbook.path}: no sheet named {target.sheet!r}")
    return [sheet.values.get(key) for key in target.cells()]


__all__ = ["DefinedName", "Sheet", "SheetCells", "Workbook", "load_sheet", "read_workbook",
           "read_range_values", "sheet_part"]
