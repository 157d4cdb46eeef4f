"""The anchor workbooks' figures as data files: extracted with openpyxl, loaded by the tests, rebuilt as .xlsx.

Jeremy Howard's workbooks are not in the repository. What the tests need from
them is: every cell's formula text as Excel stored it, every cell's value
(Excel's cached result for a formula cell, the constant otherwise: the data,
the inputs, the optimizer state the Run macro saved) and the defined names.
These live in ``tests/data/anchors/<workbook>.json``, one line per cell.

``rebuild`` writes the figures back as a plain .xlsx (no styles, charts or
macros): the formulas exactly as stored, each with Excel's cached value, so an
engine recalculating it must reproduce what Excel computed.

Re-extract after a workbook changes (the agreement test says when):

    python -m tests.anchor_figures [FOLDER]    # default: $XLGEN_ANCHORS or ../shared/anchors
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import openpyxl
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter

FIGURES = Path(__file__).resolve().parent / "data" / "anchors"
# The workbooks themselves: beside the checkout (../shared/anchors, as CI has them) or where XLGEN_ANCHORS says.
ANCHORS = Path(os.environ.get("XLGEN_ANCHORS") or Path(__file__).resolve().parents[2] / "shared" / "anchors")
WORKBOOKS = ("graddesc-course22p2.xlsm", "graddesc-course-v3.xlsm", "mom_bias-course-v3.xlsx")


@dataclass(frozen=True)
class ExcelError:
    """An error value (``#N/A``, ``#REF!``...) as a cell holds it."""

    text: str


@dataclass
class SheetFigures:
    values: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, column) -> float, str, bool
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, column) -> text without '='

    def __getitem__(self, cell: str) -> object:
        """The value of a cell named like ``J33``."""
        return self.values.get(coordinate_to_tuple(cell))


@dataclass
class AnchorFigures:
    workbook: str
    sha256: str
    sheets: dict[str, SheetFigures]  # in the workbook's order
    names: list[tuple[str, str | None, str]]  # (name, sheet it is local to or None, what it refers to)

    def __getitem__(self, sheet: str) -> SheetFigures:
        return self.sheets[sheet]


# ------------------------------------------------------------------ extracting (needs the workbook)


def _number_or_text(value: object, data_type: str) -> object:
    if data_type == "e":
        return ExcelError(value)
    if isinstance(value, bool) or isinstance(value, str):
        return value
    return float(value)  # a cell holds a double; openpyxl reads whole numbers as int


def extract(path: Path) -> AnchorFigures:
    """The figures of the workbook at ``path``, read by openpyxl (not by the code the tests check)."""
    texts = openpyxl.load_workbook(path, data_only=False)
    cached = openpyxl.load_workbook(path, data_only=True)
    sheets = {}
    for sheet in texts.worksheets:
        figures = SheetFigures()
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if value is None:
                    continue
                key = (cell.row, cell.column)
                if cell.data_type == "f":
                    figures.formulas[key] = value.text[1:] if hasattr(value, "text") else value[1:]
                    stored = cached[sheet.title].cell(cell.row, cell.column)
                    if stored.value is not None:
                        figures.values[key] = _number_or_text(stored.value, stored.data_type)
                else:
                    figures.values[key] = _number_or_text(value, cell.data_type)
        sheets[sheet.title] = figures
    names = [(name, None, defined.attr_text) for name, defined in texts.defined_names.items()]
    for sheet in texts.worksheets:
        names += [(name, sheet.title, defined.attr_text) for name, defined in sheet.defined_names.items()]
    return AnchorFigures(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), sheets,
                         sorted(names, key=lambda n: (n[0], n[1] or "")))


# ------------------------------------------------------------------ the data file


def _encode(value: object) -> object:
    return {"error": value.text} if isinstance(value, ExcelError) else value


def _decode(value: object) -> object:
    return ExcelError(value["error"]) if isinstance(value, dict) else value


def dumps(figures: AnchorFigures) -> str:
    """The data file's text: JSON with one line per cell, so a changed figure is a one-line diff."""
    lines = ["{", f'"workbook": {json.dumps(figures.workbook)},', f'"sha256": {json.dumps(figures.sha256)},',
             '"names": [']
    lines += [f"  {json.dumps(list(name))}," for name in figures.names]
    lines[-1] = lines[-1].rstrip(",")
    lines.append('],\n"sheets": {')
    for index, (title, sheet) in enumerate(figures.sheets.items()):
        lines.append(f"  {json.dumps(title)}: {{")
        keys = sorted(set(sheet.values) | set(sheet.formulas))
        for position, key in enumerate(keys):
            cell = {}
            if key in sheet.formulas:
                cell["formula"] = sheet.formulas[key]
            if key in sheet.values:
                cell["value"] = _encode(sheet.values[key])
            comma = "," if position < len(keys) - 1 else ""
            lines.append(f'    "{get_column_letter(key[1])}{key[0]}": {json.dumps(cell, ensure_ascii=False)}{comma}')
        lines.append("  }," if index < len(figures.sheets) - 1 else "  }")
    lines.append("}\n}\n")
    return "\n".join(lines)


def figures_path(workbook: str) -> Path:
    return FIGURES / f"{Path(workbook).stem}.json"


def load(workbook: str) -> AnchorFigures:
    """The committed figures of the anchor workbook named ``workbook`` (e.g. ``graddesc-course-v3.xlsm``)."""
    document = json.loads(figures_path(workbook).read_text(encoding="utf-8"))
    sheets = {}
    for title, cells in document["sheets"].items():
        figures = SheetFigures()
        for name, cell in cells.items():
            key = coordinate_to_tuple(name)
            if "formula" in cell:
                figures.formulas[key] = cell["formula"]
            if "value" in cell:
                figures.values[key] = _decode(cell["value"])
        sheets[title] = figures
    names = [(name, sheet, refers_to) for name, sheet, refers_to in document["names"]]
    return AnchorFigures(document["workbook"], document["sha256"], sheets, names)


# ------------------------------------------------------------------ rebuilding a workbook


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)  # exact double text


def _cell_xml(name: str, formula: str | None, value: object) -> str:
    formula_xml = "" if formula is None else f"<f>{escape(formula)}</f>"
    if value is None:
        return f'<c r="{name}">{formula_xml}</c>'
    if isinstance(value, ExcelError):
        return f'<c r="{name}" t="e">{formula_xml}<v>{escape(value.text)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{name}" t="b">{formula_xml}<v>{int(value)}</v></c>'
    if isinstance(value, str):
        if formula is not None:
            return f'<c r="{name}" t="str">{formula_xml}<v>{escape(value)}</v></c>'
        return f'<c r="{name}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
    return f'<c r="{name}">{formula_xml}<v>{_number(value)}</v></c>'


def _sheet_xml(sheet: SheetFigures) -> str:
    rows: dict[int, list[str]] = {}
    for row, column in sorted(set(sheet.values) | set(sheet.formulas)):
        rows.setdefault(row, []).append(_cell_xml(f"{get_column_letter(column)}{row}",
                                                  sheet.formulas.get((row, column)), sheet.values.get((row, column))))
    body = "".join(f'<row r="{row}">{"".join(cells)}</row>' for row, cells in rows.items())
    return f'<worksheet xmlns="{_MAIN}"><sheetData>{body}</sheetData></worksheet>'


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def rebuild(figures: AnchorFigures, path: Path) -> Path:
    """Write ``figures`` to ``path`` as a minimal .xlsx holding the same formulas, values and names."""
    titles = list(figures.sheets)
    names = "".join(
        f'<definedName name={quoteattr(name)}'
        + ("" if sheet is None else f' localSheetId="{titles.index(sheet)}"')
        + f">{escape(refers_to)}</definedName>"
        for name, sheet, refers_to in figures.names)
    sheets = "".join(f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
                     for i, title in enumerate(titles, 1))
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                      for i in range(1, len(titles) + 1))
            + "</Types>"),
        "_rels/.rels": (f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Target="xl/workbook.xml" '
                        f'Type="{_REL}/officeDocument"/></Relationships>'),
        "xl/workbook.xml": (f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets>'
                            + (f"<definedNames>{names}</definedNames>" if names else "")
                            + '<calcPr calcId="191029"/></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PKG}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(titles) + 1))
            + "</Relationships>"),
    }
    for i, title in enumerate(titles, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(figures.sheets[title])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text)
    return path


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else ANCHORS
    FIGURES.mkdir(parents=True, exist_ok=True)
    for workbook in WORKBOOKS:
        figures_path(workbook).write_text(dumps(extract(folder / workbook)), encoding="utf-8")
        print(f"{folder / workbook} -> {figures_path(workbook)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
