"""The fast reader of worksheet XML: one regular expression over the forms Excel, XlsxWriter and LibreOffice write.

The worksheet XML is decompressed as a stream and its ``<sheetData>`` is cut
into cells by one regular expression. The matches must tile the text exactly,
with nothing skipped; anything else (another attribute quoting, a cell without
``r``, rich inline text, an unknown element) raises :class:`Irregular`, and the
sheet is read by :mod:`.expat_sheet` instead. The expression is several times
faster than expat's per-element Python callbacks, and far faster than
ElementTree, which also builds every element: a 100,000-row sheet holds 1.3
million formula cells. Most rows of such a sheet are the row above a row down;
those are recognized whole, without a look at each cell (:class:`_Repeat`).
"""

from __future__ import annotations

import codecs
import itertools
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ..cells import cell_name, column_index
from ..row_templates import RowTemplate
from ..errors import XlgenError
from .package import open_part, refuse_doctype, refuse_large
from .sheet_cells import SheetBuilder, SheetCells, number, numbers
from .xml_text import normalize_newlines, ooxml_unescape, xml_unescape

CHUNK = 1 << 22  # characters of sheet XML scanned at a time

_SCAN = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]{1,7})"((?: [A-Za-z:]+="[^"<]*")*)\s*'
    r'(?:/>|>(?:<f((?: [A-Za-z:0-9]+="[^"<]*")*)\s*(?:/>|>([^<]*)</f>))?'
    r'(?:<v>([^<]*)</v>|<v\s*/>)?(?:<is>([\s\S]*?)</is>)?</c>)'
    r"|<row\b[^>]*>|</row>|\s+"
)
_VALUES = re.compile(r"<v>([^<]*)</v>")  # a cell's cached value, cut out of a row's shape (see _Repeat)
_ATTRIBUTE = re.compile(r'([A-Za-z:0-9]+)="([^"]*)"')
_INLINE_TEXT = re.compile(r"<t(?: [^>]*)?>([^<]*)</t>|<t/>")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)


class Irregular(Exception):
    """The sheet XML has a form the scanner does not take; the expat parser reads it instead."""


class _Repeat:
    """A row just read, as the next row would be if it held the same cells a row down.

    Rows of a filled-down sheet differ only in their row numbers and cached values. A row's XML with every
    ``<v>`` emptied (its *shape*) is compared with the row above's shape moved down a row (a
    :class:`~xlgen.row_templates.RowTemplate` of it: every reference and ``r="G12"``); if they are equal, every
    formula cell continues the run of the cell above, exactly as reading it cell by cell would find, and only
    the constants' values are read. Rows with shared formulas, escaped text or inline strings are read cell by
    cell, and so is every row when cached values of formulas are wanted.

    Once a row has repeated the one above, the rows after it are matched by one regular expression each
    (:class:`_RowPattern`): the same test, without cutting the row's values out and writing its shape again.
    """

    __slots__ = ("template", "row", "runs", "areas", "constants", "pattern")

    def __init__(self, template: RowTemplate, row: int, runs: list, areas: list, constants: list):
        self.template = template
        self.row = row
        self.runs = runs  # the formula runs the row's cells continue
        self.areas = areas  # (run, last column's letters, width) of the one-row array areas among them
        self.constants = constants  # (index among the row's <v> values, column, t) of its constant cells
        self.pattern: _RowPattern | None = None  # made when a row first repeats this one


class _RowPattern:
    """A :class:`_Repeat`'s test as one match: a whole ``<row>`` whose text is the template's with row numbers
    in its holes and any values in its ``<v>``. Holes the template fills with one number are one group and its
    back-references, so the expression itself sees that they agree; the row repeats the row above when each
    group holds the row number the template puts there. Only the constants' values are captured."""

    __slots__ = ("match", "holes", "constant_groups", "offsets")

    def __init__(self, template: RowTemplate, constants: list):
        offsets = list(dict.fromkeys(template.offsets))  # the distinct offsets, in the order the holes meet them
        slots = tuple(offsets.index(offset) for offset in template.offsets)
        self.match, self.holes, values = _row_expression(template.format, slots,
                                                         tuple(index for index, _, _ in constants))
        self.constant_groups = tuple(values[index] + 1 for index, _, _ in constants)  # Match.group's numbers
        self.offsets = offsets

    def repeats(self, text: str, position: int, end: int, row: int):
        """The match of the ``<row>`` at ``position`` if it is the template's written in ``row``, else None."""
        found = self.match(text, position, end)
        if found is None:
            return None
        groups = found.groups()
        for index, offset in zip(self.holes, self.offsets):
            if groups[index] != str(row + offset):
                return None
        return found


_ROW_EXPRESSIONS: dict[tuple, tuple] = {}
_FORMAT_CODES = re.compile(r"(%%|%d)")


def _row_expression(format: str, slots: tuple[int, ...], constants: tuple[int, ...]) -> tuple:
    """(match, holes, values) of a row of the template ``format`` whose holes take the distinct numbers
    ``slots`` says and whose ``<v>`` numbers ``constants`` hold constants: the match of its regular expression,
    the group of each distinct number, and the group of each constant's value by its ``<v>`` number (made once
    per key: the same rows recur every epoch)."""
    key = (format, slots, constants)
    found = _ROW_EXPRESSIONS.get(key)
    if found is not None:
        return found
    pieces = [""]  # the text around the holes: the format cut at each %d, its %% read as %
    for part in _FORMAT_CODES.split(format):
        if part == "%d":
            pieces.append("")
        else:
            pieces[-1] += "%" if part == "%%" else part
    wanted = set(constants)
    expression, groups, holes, values = [r"<row\b[^>]*(?<!/)>"], 0, {}, {}
    value_number = 0
    for index, piece in enumerate(pieces):
        for part_index, part in enumerate(piece.split("<v></v>")):
            if part_index:  # a <v> before this part: the scanner reads escapes and carriage returns cell by cell
                if value_number in wanted:
                    values[value_number] = groups
                    groups += 1
                    expression.append("<v>([^<&\\r]*)</v>")
                else:
                    expression.append("<v>[^<&\\r]*</v>")
                value_number += 1
            expression.append(re.escape(part))
        if index < len(pieces) - 1:
            slot = slots[index]
            if slot in holes:
                expression.append(f"(?P=h{slot})")
            else:
                holes[slot] = groups
                groups += 1
                expression.append(f"(?P<h{slot}>[0-9]+)")
    expression.append("</row>")
    found = (re.compile("".join(expression)).match, [holes[slot] for slot in sorted(holes)], values)
    if len(_ROW_EXPRESSIONS) >= 256:
        _ROW_EXPRESSIONS.clear()
    _ROW_EXPRESSIONS[key] = found
    return found


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
    match_at = _SCAN.match
    repeat: _Repeat | None = None  # the row above, when the next row may be the same cells a row down

    def store_constant(row: int, column: int, kind: str, raw: str) -> None:
        """A constant cell's value from its <v> text (already unescaped), on either path of the scan."""
        if kind == "n":
            try:
                constants[(row, column)] = number(raw)
            except ValueError:
                if raw.strip():
                    raise
            return  # <v></v>: no value, as <v/>
        constants[(row, column)] = value_of(kind, raw)

    def store_numbers(first: int, column: int, texts: Sequence[str]) -> bool:
        """The numbers ``texts`` of a column's rows ``first``... stored at once (see :func:`numbers`); False,
        with nothing stored, where one of them needs a look of its own."""
        values = numbers(texts)
        if values is None:
            return False
        constants.update(zip(zip(range(first, first + len(values)), itertools.repeat(column)), values))
        return True

    def repeated(shape: str, row: int) -> _Repeat | None:
        """What the next row must be to be this row's cells a row down (just read cell by cell), or None."""
        runs, areas, stored = [], [], []
        values = 0
        for match in _SCAN.finditer(shape):
            letters, digits, cell_attributes, formula_attributes, _, raw, _ = match.groups()
            if letters is None:
                continue
            if int(digits) != row:
                return None
            column = column_numbers.get(letters) or column_index(letters)
            if formula_attributes is None:
                if raw is not None:
                    stored.append((values, column, attribute_map(cell_attributes).get("t", "n")
                                   if cell_attributes else "n"))
            else:
                run = open_runs.get(column)
                if 't="shared"' in formula_attributes or run is None or run.last_row != row or run.shared is not None:
                    return None
                if run.array_ref not in (None, "self"):
                    last, width = row_area(run)
                    if last is None:
                        return None
                    areas.append((run, last, width))
                runs.append(run)
            if raw is not None:
                values += 1
        return _Repeat(RowTemplate(shape, row), row, runs, areas, stored) if runs else None

    def scan(text: str, position: int, end: int) -> None:
        nonlocal repeat
        letters = digits = cell = None  # the cell being read, for an error message (cell: on a repeated row)
        row = 0
        shape = None  # the row being read cell by cell, its values left out (see _Repeat)
        started = False  # whether a formula of that row starts a run (does not continue the cell above)
        unmatched = -1  # where the last row matched whole ended (the row after it did not repeat it)
        try:
            while position < end:
                match = match_at(text, position, end)
                if match is None:
                    raise Irregular
                start, position = position, match.end()
                letters, digits, cell_attributes, formula_attributes, formula, raw, inline = match.groups()
                if letters is None:  # <row>, </row> or whitespace
                    if repeat is not None and repeat.pattern is not None and start != unmatched \
                            and text.startswith("<row", start):
                        pattern = repeat.pattern
                        found = pattern.repeats(text, start, end, repeat.row + 1)
                        if found is not None:  # the row above moved down a row, matched at once; so may the next
                            first = repeat.row + 1
                            texts = []  # the constants' <v> texts, a tuple a row (one text if one constant)
                            groups = pattern.constant_groups
                            while found is not None:
                                row = repeat.row = repeat.row + 1
                                for run, last, width in repeat.areas:
                                    cell = (row, run.column)
                                    builder.count_array_cells(width, row, run.column,
                                                              f"{cell_name(*cell)}:{last}{row}")
                                if groups:
                                    texts.append(found.group(*groups))
                                position = found.end()
                                found = pattern.repeats(text, position, end, row + 1) \
                                    if text.startswith("<row", position) else None
                            for run in repeat.runs:  # the runs go on to the last row matched
                                run.last_row = row
                            columns = list(zip(*texts)) if len(groups) > 1 else [texts]
                            if not all(kind == "n" and store_numbers(first, column, raws)
                                       for (_, column, kind), raws in zip(repeat.constants, columns)):
                                # Cell by cell, in the file's order: a bad value is the one expat names.
                                for row_number, raws in enumerate(zip(*columns), first):
                                    for (_, column, kind), raw in zip(repeat.constants, raws):
                                        cell = (row_number, column)
                                        store_constant(row_number, column, kind, raw)
                            cell, unmatched = None, position  # a row there was just tried: not again
                            continue
                    if text.startswith("<row", start) and text[position - 2] != "/":
                        close = text.find("</row>", position, end)
                        shape, started = None, False
                        if close >= 0 and not formula_values:
                            inner = text[position:close]
                            if "&" not in inner and "\r" not in inner and "<is>" not in inner:
                                parts = _VALUES.split(inner)  # [XML, value, XML, value, ..., XML]
                                shape = "<v></v>".join(parts[0::2])
                        if shape is not None and repeat is not None and repeat.template.fill(repeat.row + 1) == shape:
                            # The row above moved down a row: its runs go on, its constants' values are read.
                            row = repeat.row = repeat.row + 1
                            for run in repeat.runs:
                                run.last_row = row
                            for run, last, width in repeat.areas:
                                cell = (row, run.column)
                                builder.count_array_cells(width, row, run.column, f"{cell_name(*cell)}:{last}{row}")
                            if repeat.constants:
                                values = parts[1::2]
                                for index, column, kind in repeat.constants:
                                    cell = (row, column)
                                    store_constant(row, column, kind, values[index])
                            if repeat.pattern is None:
                                repeat.pattern = _RowPattern(repeat.template, repeat.constants)
                            position, shape, cell = close, None, None
                        else:
                            repeat = None  # read cell by cell; its shape is kept for the next row at </row>
                    elif shape is not None and text.startswith("</row>", start):
                        # A row whose formulas all continue the runs above may be repeated by the next; one that
                        # starts runs (an epoch's first rows, summaries that move a block of rows a row) seldom
                        # is, and its _Repeat would cost more than reading the next row cell by cell.
                        repeat = None if started else repeated(shape, row)
                        shape = None
                    continue
                column = column_numbers.get(letters)
                if column is None:
                    column = column_numbers[letters] = column_index(letters)
                row = int(digits)
                if formula_attributes is None:  # a constant (or an empty styled cell)
                    if inline is not None:
                        inline = "".join(_INLINE_TEXT.findall(_PHONETIC.sub("", inline)))
                        constants[(row, column)] = ooxml_unescape(xml_unescape(normalize_newlines(inline)))
                        continue
                    if raw is None:
                        continue
                    kind = attribute_map(cell_attributes).get("t", "n") if cell_attributes else "n"
                    if kind != "n" and ("&" in raw or "\r" in raw):
                        raw = xml_unescape(normalize_newlines(raw))
                    store_constant(row, column, kind, raw)
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
                started = started or open_runs[column].first_row == row
        except (ValueError, XlgenError) as error:  # a value that is not one: name its cell
            if cell is not None:
                raise XlgenError(f"cell {cell_name(*cell)}: {error}") from None
            if letters is None:
                raise
            raise XlgenError(f"cell {letters}{digits}: {error}") from None

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
