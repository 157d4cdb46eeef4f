"""Read an .xlsx/.xlsm file: cached values, formula text and defined names.

This is the one place that opens workbook files. It never runs macros and
never writes. Formula text is returned as stored in the file (no leading
``=``; ``_xlfn.``/``_xlpm.`` prefixes kept), with shared formulas expanded.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from openpyxl.formula.translate import Translator

from ..cells import cell_name, parse_cell, parse_range
from ..errors import XlgenError
from ..values import Value, as_error

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


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
    values: dict[tuple[int, int], Value] = field(default_factory=dict)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    # Top-left cell of an array or dynamic-array formula -> the range it covers ("C4:C6").
    array_refs: dict[tuple[int, int], str] = field(default_factory=dict)
    state: str = "visible"


@dataclass
class Workbook:
    path: Path
    sheets: dict[str, Sheet]
    names: list[DefinedName]

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


def read_workbook(path: str | Path, sheets: list[str] | None = None) -> Workbook:
    """Read ``path``; with ``sheets``, only those worksheets' cells are parsed."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise XlgenError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise XlgenError(f"{path}: not an .xlsx workbook ({error})") from None
    with archive:
        return _read(path, archive, sheets)


def _xml(path: Path, archive: zipfile.ZipFile, member: str):
    try:
        with archive.open(member) as stream:
            return ElementTree.parse(stream).getroot()
    except KeyError:
        raise XlgenError(f"{path}: {member} is missing") from None
    except Exception as error:  # defusedxml refusals, malformed XML
        raise XlgenError(f"{path}: {member} is not valid XML ({error})") from None


def _read(path: Path, archive: zipfile.ZipFile, wanted: list[str] | None) -> Workbook:
    workbook_xml = _xml(path, archive, "xl/workbook.xml")
    targets = _relationships(path, archive, "xl/_rels/workbook.xml.rels", "xl")
    shared = _shared_strings(path, archive)
    sheets: dict[str, Sheet] = {}
    order: list[str] = []
    for element in workbook_xml.iter(f"{_MAIN}sheet"):
        name = element.get("name")
        order.append(name)
        target = targets.get(element.get(f"{_REL}id"))
        sheet = Sheet(name, state=element.get("state", "visible"))
        sheets[name] = sheet
        if target and (wanted is None or name in wanted) and target in archive.namelist():
            _read_sheet(path, archive, target, sheet, shared)
    names = []
    for element in workbook_xml.iter(f"{_MAIN}definedName"):
        local = element.get("localSheetId")
        names.append(
            DefinedName(
                name=element.get("name"),
                text=element.text or "",
                sheet=order[int(local)] if local is not None and int(local) < len(order) else None,
                comment=element.get("comment"),
                hidden=element.get("hidden") in ("1", "true"),
            )
        )
    return Workbook(path, sheets, names)


def _relationships(path: Path, archive: zipfile.ZipFile, member: str, base: str) -> dict[str, str]:
    if member not in archive.namelist():
        return {}
    targets = {}
    for element in _xml(path, archive, member).iter(f"{_PKG_REL}Relationship"):
        target = element.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"{base}/{target}")
        targets[element.get("Id")] = target
    return targets


def _shared_strings(path: Path, archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    root = _xml(path, archive, "xl/sharedStrings.xml")
    return ["".join(text.text or "" for text in item.iter(f"{_MAIN}t")) for item in root.iter(f"{_MAIN}si")]


def _read_sheet(path: Path, archive: zipfile.ZipFile, member: str, sheet: Sheet, shared: list[str]) -> None:
    root = _xml(path, archive, member)
    masters: dict[str, tuple[str, str]] = {}  # shared formula index -> (text, anchor cell)
    for cell in root.iter(f"{_MAIN}c"):
        reference = cell.get("r")
        try:
            key = parse_cell(reference)
        except XlgenError:
            raise XlgenError(f"{path}: sheet {sheet.name!r} has a cell with a bad reference {reference!r}") from None
        kind = cell.get("t", "n")
        value_element = cell.find(f"{_MAIN}v")
        formula = cell.find(f"{_MAIN}f")
        text = value_element.text if value_element is not None else None
        if kind == "inlineStr":
            text = "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))
        sheet.values[key] = _value(kind, text, shared)
        if formula is not None:
            formula_text = formula.text or ""
            formula_kind = formula.get("t")
            if formula_kind == "shared":
                index = formula.get("si")
                if formula_text:
                    masters[index] = (formula_text, reference)
                elif index in masters:
                    master_text, anchor = masters[index]
                    formula_text = Translator("=" + master_text, origin=anchor).translate_formula(reference)[1:]
            elif formula_kind == "array" and formula.get("ref"):
                sheet.array_refs[key] = formula.get("ref")
            if formula_text:
                sheet.formulas[key] = formula_text


def _value(kind: str, text: str | None, shared: list[str]) -> Value:
    if text is None:
        return None
    if kind == "n":
        return float(text)
    if kind == "s":
        return shared[int(text)]
    if kind == "b":
        return text in ("1", "true")
    if kind == "e":
        return as_error(text)
    return text  # "str" and "inlineStr"


def read_range_values(workbook: Workbook, reference: str) -> list[Value]:
    """Cached values of ``Sheet!A1:B2``, row by row (empty cells are ``None``)."""
    target = parse_range(reference)
    sheet = workbook.sheets.get(target.sheet)
    if sheet is None:
        raise XlgenError(f"{workbook.path}: no sheet named {target.sheet!r}")
    return [sheet.values.get(key) for key in target.cells()]


__all__ = ["DefinedName", "Sheet", "Workbook", "read_workbook", "read_range_values", "cell_name"]
