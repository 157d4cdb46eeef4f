"""The fast reader of worksheet XML: one regular expression over the forms Excel, XlsxWriter and LibreOffice write.

The worksheet XML is decompressed as a stream and its ``<sheetData>`` is cut
into cells by one regular expression. The matches must tile the text exactly,
with nothing skipped; anything else (another attribute quoting, a cell without
``r``, rich inline text, an unknown element) raises :class:`Irregular`, and the
sheet is read by :mod:`.expat_sheet` instead. The expression is several times
faster than expat's per-element Python callbacks, and far faster than
ElementTree, which also builds every element: a 100,000-row sheet holds 1.3
million formula cells.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path

from ..cells import column_index
from ..errors import XlgenError
from .package import open_part, refuse_doctype, refuse_large
from .sheet_cells import SheetBuilder, SheetCells, number
from .xml_text import normalize_newlines, ooxml_unescape, xml_unescape

CHUNK = 1 << 22  # characters of sheet XML scanned at a time

_SCAN = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]{1,7})"((?: [A-Za-z:]+="[^"<]*")*)\s*'
    r'(?:/>|>(?:<f((?: [A-Za-z:0-9]+="[^"<]*")*)\s*(?:/>|>([^<]*)</f>))?'
    r'(?:<v>([^<]*)</v>|<v\s*/>)?(?:<is>([\s\S]*?)</is>)?</c>)'
    r"|<row\b[^>]*>|</row>|\s+"
)
_ATTRIBUTE = re.compile(r'([A-Za-z:0-9]+)="([^"]*)"')
_INLINE_TEXT = re.compile(r"<t(?: [^>]*)?>([^<]*)</t>|<t/>")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)


class Irregular(Exception):
    """The sheet XML has a form the scanner does not take; the expat parser reads it instead."""


def scan_sheet(path: Path, archive: zipfile.ZipFile, member: str, cells: SheetCells, shared: list[str],
                formula_values: bool) -> None:
    builder = SheetBuilder(cells, shared, formula_values)
    column_numbers: dict[str, int] = {}
    attributes: dict[str, dict[str, str]] = {"": {}}
    constants = cells.constants
    value_of = builder.value
    add_formula = builder.formula

    def attribute_map(text: str) -> dict[str, str]:
        found = attributes.get(text)
        if found is None:
            found = {name: xml_unescape(value) for name, value in _ATTRIBUTE.findall(text)}
            if len(attributes) < 4096:  # array formulas' ref="E5" make attribute texts unique; keep the common ones
                attributes[text] = found
        return found

    open_runs = builder.open
    row_area = builder.row_area

    def scan(text: str, position: int, end: int) -> None:
        letters = digits = None
        try:
            for match in _SCAN.finditer(text, position, end):
                if match.start() != position:
                    raise Irregular
                position = match.end()
                letters, digits, cell_attributes, formula_attributes, formula, raw, inline = match.groups()
                if letters is None:
                    continue  # <row>, </row> or whitespace
                column = column_numbers.get(letters)
                if column is None:
                    column = column_numbers[letters] = column_index(letters)
                row = int(digits)
                if formula_attributes is None:  # a constant (or an empty styled cell)
                    if inline is not None:
                        text = "".join(_INLINE_TEXT.findall(_PHONETIC.sub("", inline)))
                        constants[(row, column)] = ooxml_unescape(xml_unescape(normalize_newlines(text)))
                        continue
                    if raw is None:
                        continue
                    kind = attribute_map(cell_attributes).get("t", "n") if cell_attributes else "n"
                    if kind == "n":
                        try:
                            constants[(row, column)] = number(raw)
                        except ValueError:
                            if raw.strip():
                                raise
                        continue  # <v></v>: no value, as <v/>
                    if "&" in raw or "\r" in raw:
                        raw = xml_unescape(normalize_newlines(raw))
                    constants[(row, column)] = value_of(kind, raw)
                    continue
                kind = "n"
                if formula_values:
                    kind = attribute_map(cell_attributes).get("t", "n") if cell_attributes else "n"
                    if raw is not None and ("&" in raw or "\r" in raw):
                        raw = xml_unescape(normalize_newlines(raw))
                if formula and ("&" in formula or "\r" in formula):
                    formula = xml_unescape(normalize_newlines(formula))
                # The common case first: the next row of a column filled down with written-out formulas.
                run = open_runs.get(column)
                if run is not None and run.last_row == row - 1 and run.template is not None and formula:
                    width = 0
                    if run.array_ref is None:
                        same_kind = formula_attributes == ""
                    elif run.array_ref == "self":
                        same_kind = formula_attributes == f' t="array" ref="{letters}{digits}"'
                    else:  # a one-row array area a row, filled down
                        last, width = row_area(run)
                        same_kind = last is not None \
                            and formula_attributes == f' t="array" ref="{letters}{digits}:{last}{digits}"'
                    if same_kind:
                        template = run.template
                        offset = template.same
                        if offset is not None:
                            expected = template.format % ((row + offset,) * template.count)
                        else:
                            expected = template.fill(row)
                        if expected == formula:
                            if width:
                                builder.count_array_cells(width, row, column, f"{letters}{digits}:{last}{digits}")
                            run.last_row = row
                            if formula_values:
                                run.values.append(value_of(kind, raw))
                            continue
                options = attribute_map(formula_attributes) if formula_attributes else attributes[""]
                value = value_of(kind, raw) if formula_values else None
                add_formula(row, column, formula, options.get("t"), options.get("ref"), options.get("si"), value)
        except (ValueError, XlgenError) as error:  # a value that is not one: name its cell
            if letters is None:
                raise
            raise XlgenError(f"cell {letters}{digits}: {error}") from None
        if position != end:
            raise Irregular

    with open_part(path, archive, member) as stream:
        decoder = codecs.getincrementaldecoder("utf-8")()
        text = ""
        started = finished = False
        head_checked = False
        inflated = 0
        while not finished:
            data = stream.read(CHUNK)
            eof = not data
            inflated += len(data)
            refuse_large(path, member, inflated)
            try:
                text += decoder.decode(data, final=eof)
            except UnicodeDecodeError:
                raise Irregular from None
            if not head_checked:
                refuse_doctype(path, member, text[:4096])
                head_checked = True
            if not started:
                opening = text.find("<sheetData")
                if opening < 0:
                    if eof:
                        return  # a sheet without cells
                    text = text[-16:]
                    continue
                close = text.find(">", opening)
                if close < 0:
                    continue
                if text[close - 1] == "/":
                    return  # <sheetData/>
                text = text[close + 1:]
                started = True
            closing = text.find("</sheetData>")
            if closing >= 0:
                scan(text, 0, closing)
                finished = True
            else:
                end = text.rfind("</row>")
                if end >= 0:
                    end += len("</row>")
                    scan(text, 0, end)
                    text = text[end:]
                elif eof:
                    raise Irregular
