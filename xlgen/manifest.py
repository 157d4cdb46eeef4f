"""The manifest: a hidden sheet in every workbook xlgen builds, saying what the workbook computes.

It names the experiment and variant, the parameters' input cells and the
cells of every quantity, so ``xlgen check FILE`` needs no other input. The
cells are referenced by formulas (``=ROWS('basic-sgd'!$F$10:$F$183)``), not
by text, so that Excel and LibreOffice keep them pointing at the right cells
when a learner inserts rows or columns and saves. A fingerprint of the
workbook's other parts tells whether a person has edited it since it was built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .cells import Range, parse_range
from .errors import XlgenError

if TYPE_CHECKING:
    from .workbook import WorkbookSpec
    from .xlsx.reader import Workbook

MANIFEST_SHEET = "xlgen"
_ROWS = re.compile(r"^=?ROWS\((?P<range>.+)\)$", re.DOTALL)


@dataclass
class Manifest:
    experiment: str
    variant: str
    generator: str
    fingerprint: str
    params: dict[str, Range | Any] = field(default_factory=dict)
    quantities: dict[str, Range] = field(default_factory=dict)
    blanked: dict[str, str] = field(default_factory=dict)  # an exercise's quantities to write -> their hint


def write_manifest(workbook, spec: WorkbookSpec, variant: str, version: str,
                   blanked: dict[str, str] | None = None) -> None:
    from .writer import FINGERPRINT_PLACEHOLDER  # here: reading a manifest needs no XlsxWriter

    sheet = workbook.add_worksheet(MANIFEST_SHEET)
    sheet.hide()
    bold = workbook.add_format({"bold": True})
    sheet.write(0, 0, "xlgen manifest", bold)
    sheet.write(1, 0, "`xlgen check` reads this sheet to know what the workbook computes. "
                      "Keep it; its references follow the cells when rows or columns are inserted.")
    rows = [("experiment", spec.experiment), ("variant", variant), ("generator", f"xlgen {version}")]
    for index, (key, value) in enumerate(rows):
        sheet.write_string(3 + index, 0, key, bold)
        sheet.write_string(3 + index, 1, value)
    sheet.write_string(6, 0, "fingerprint", bold)
    # A formula's cached text stays in this sheet's part, where the build replaces the placeholder.
    sheet.write_formula(6, 1, f'="{FINGERPRINT_PLACEHOLDER}"', None, FINGERPRINT_PLACEHOLDER)
    sheet.write_row(8, 0, ["kind", "name", "cells or value"], bold)
    row = 9
    for name, source in spec.params.items():
        sheet.write_string(row, 0, "param")
        sheet.write_string(row, 1, name)
        _write_source(sheet, row, source)
        row += 1
    for name, source in spec.quantities.items():
        sheet.write_string(row, 0, "quantity")
        sheet.write_string(row, 1, name)
        _write_source(sheet, row, source)
        row += 1
    for name, hint in (blanked or {}).items():  # an exercise: the quantities left for the learner
        sheet.write_string(row, 0, "blank")
        sheet.write_string(row, 1, name)
        sheet.write_string(row, 2, hint)
        row += 1
    sheet.set_column(0, 1, 14)
    sheet.set_column(2, 2, 40)


def _write_source(sheet, row: int, source: Any) -> None:
    if isinstance(source, Range):
        absolute = Range(source.sheet, source.first_row, source.first_column, source.last_row, source.last_column)
        text = _absolute(absolute)
        sheet.write_formula(row, 2, f"=ROWS({text})", None, source.rows)
    elif isinstance(source, bool):
        sheet.write_boolean(row, 2, source)
    elif isinstance(source, (int, float)):
        sheet.write_number(row, 2, source)
    else:
        sheet.write_string(row, 2, str(source))


def _absolute(target: Range) -> str:
    from .cells import cell_name, quote_sheet

    first = cell_name(target.first_row, target.first_column, absolute=True)
    last = cell_name(target.last_row, target.last_column, absolute=True)
    return f"{quote_sheet(target.sheet)}!{first}:{last}"


def read_manifest(workbook: Workbook) -> Manifest | None:
    """The manifest of a workbook read by :func:`xlgen.xlsx.reader.read_workbook`, or None if it has none."""
    sheet = workbook.sheets.get(MANIFEST_SHEET)
    if sheet is None or sheet.values.get((1, 1)) != "xlgen manifest":
        return None
    where = f"{workbook.path}: sheet {MANIFEST_SHEET!r}"

    def value(row: int, column: int) -> Any:
        return sheet.values.get((row, column))

    fields = {value(row, 1): value(row, 2) for row in range(4, 8)}
    try:
        manifest = Manifest(str(fields["experiment"]), str(fields["variant"]),
                            str(fields["generator"]), str(fields.get("fingerprint") or ""))
    except KeyError as missing:
        raise XlgenError(f"{where} lacks the {missing.args[0]!r} row") from None
    row = 10
    while value(row, 1) in ("param", "quantity", "blank"):
        kind, name = value(row, 1), value(row, 2)
        if kind == "blank":
            manifest.blanked[str(name)] = str(value(row, 3) or "")
            row += 1
            continue
        formula = sheet.formulas.get((row, 3))
        if formula:
            match = _ROWS.match(formula.strip())
            if not match:
                raise XlgenError(f"{where}!C{row}: expected =ROWS(range), found ={formula}")
            source: Any = parse_range(match["range"])
        else:
            source = value(row, 3)
        if kind == "param":
            manifest.params[str(name)] = source
        elif isinstance(source, Range):
            manifest.quantities[str(name)] = source
        else:
            raise XlgenError(f"{where}!C{row}: quantity {name!r} has no cells")
        row += 1
    return manifest
