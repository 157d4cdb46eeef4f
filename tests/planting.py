"""Plant a mistake in a workbook: replace one cell's formula inside the file, keeping its cached value.

The cached value stays what it was, so only an engine that really
recalculates can notice: a checker that trusts the file, or says "match" to
everything, fails the tests that use this.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from html import escape
from pathlib import Path


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    match = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', workbook)
    target = re.search(rf'Id="{match.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{match.group(1)}"', rels)
    path = target.group(1)
    return path.lstrip("/") if path.startswith("/") else posixpath.normpath(f"xl/{path}")


def _rewrite_cell(source: Path, target: Path, sheet: str, cell: str, edit) -> None:
    """Copy ``source`` to ``target`` with the XML element of ``sheet!cell`` replaced by ``edit(element)``."""
    with zipfile.ZipFile(source) as archive:
        infos = archive.infolist()
        parts = {info.filename: archive.read(info) for info in infos}
    part = sheet_part(parts, sheet)
    xml = parts[part].decode()
    element = re.search(rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    assert element, f"{sheet}!{cell} not found"
    parts[part] = xml.replace(element.group(0), edit(element.group(0)), 1).encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in infos:
            archive.writestr(info, parts[info.filename])


def plant_formula(source: Path, target: Path, sheet: str, cell: str, formula: str) -> None:
    """Copy ``source`` to ``target`` with ``sheet!cell`` holding ``formula`` (text without '=')."""
    def edit(element: str) -> str:
        new, count = re.subn(r"<f[^>]*/>|<f[^>]*>.*?</f>", f"<f>{escape(formula, quote=False)}</f>", element,
                             count=1, flags=re.S)
        assert count == 1, f"{sheet}!{cell} holds no formula"
        return new

    _rewrite_cell(source, target, sheet, cell, edit)


def cell_formula(path: Path, sheet: str, cell: str) -> str:
    from xlgen.cells import parse_cell
    from xlgen.xlsx.reader import read_workbook

    return read_workbook(path, sheets=[sheet]).sheets[sheet].formulas[parse_cell(cell)]


def plant_value(source: Path, target: Path, sheet: str, cell: str, value: float) -> None:
    """Copy ``source`` to ``target`` with the constant in ``sheet!cell`` changed to ``value``."""
    def edit(element: str) -> str:
        assert "<f" not in element, f"{sheet}!{cell} is not a constant"
        return re.sub(r"<v>[^<]*</v>", f"<v>{value!r}</v>", element)

    _rewrite_cell(source, target, sheet, cell, edit)


def plant_formula_over_value(source: Path, target: Path, sheet: str, cell: str, formula: str,
                             names: dict[str, str] | None = None) -> None:
    """Copy ``source`` to ``target`` with the constant in ``sheet!cell`` replaced by ``formula`` (text without
    '='), keeping its cached value, and with workbook-level defined names ``names`` added (name -> text)."""
    def edit(element: str) -> str:
        assert "<f" not in element, f"{sheet}!{cell} is not a constant"
        return re.sub(r"<v>", f"<f>{escape(formula, quote=False)}</f><v>", element, count=1)

    _rewrite_cell(source, target, sheet, cell, edit)
    if names:
        with zipfile.ZipFile(target) as archive:
            infos = archive.infolist()
            parts = {info.filename: archive.read(info) for info in infos}
        added = "".join(f'<definedName name="{name}">{escape(text, quote=False)}</definedName>'
                        for name, text in names.items())
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<definedNames>",
                                                                    b"<definedNames>" + added.encode(), 1)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in infos:
                archive.writestr(info, parts[info.filename])
