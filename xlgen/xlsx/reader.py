"""Read an .xlsx/.xlsm file: cached values, formula text and defined names.

This is the one place that opens workbook files. It never runs macros and
never writes. Formula text is returned as stored in the file (no leading
``=``; ``_xlfn.``/``_xlpm.`` prefixes kept), with shared formulas expanded.

Reading is on the hot path of the ``fast`` engine (a 100,000-row sheet holds
1.3 million formula cells), so worksheets are read differently from the small
parts of the package:

- the worksheet XML is decompressed as a stream and its ``<sheetData>`` is
  cut into cells by one regular expression over the common forms Excel,
  XlsxWriter and LibreOffice write. The matches must tile the text exactly,
  with nothing skipped; anything else (another attribute quoting, a cell
  without ``r``, rich inline text, an unknown element) makes the reader fall
  back to :mod:`xml.parsers.expat` for that sheet. The expression is several
  times faster than expat's per-element Python callbacks, and far faster
  than ElementTree, which also builds every element;
- formulas filled down a column are stored once per run (see
  :mod:`xlgen.formula.runs`); Excel's shared formulas are kept as written
  (master text and anchor cell) and translated to a cell only when its text
  is asked for. :attr:`Sheet.values`, :attr:`Sheet.formulas` and
  :attr:`Sheet.array_refs` are read-only mappings over that storage, and
  :attr:`Sheet.cells` gives the runs themselves to an evaluator.

XML safety: a part containing a document type declaration is refused (no DTD,
so no entity expansion); only XML's predefined entities and character
references are decoded. The small parts (workbook, relationships, shared
strings) go through defusedxml. A part larger than 1 GiB uncompressed (or
``$XLGEN_MAX_PART_BYTES``) is refused, by its declared size before anything
is inflated and by the bytes actually inflated, so a zip bomb stops early.
"""

from __future__ import annotations

import bisect
import codecs
import os
import posixpath
import re
import xml.parsers.expat
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from openpyxl.formula.translate import Translator

from ..cells import cell_name, column_index, parse_range
from ..errors import XlgenError
from ..formula.runs import RowTemplate
from ..values import Value, as_error

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

_CHUNK = 1 << 22  # characters of sheet XML scanned at a time
_MAX_PART_BYTES = 1 << 30  # default limit on one part's uncompressed size; XLGEN_MAX_PART_BYTES overrides it


@dataclass
class DefinedName:
    name: str
    text: str
    sheet: str | None = None  # local to this sheet, or None for the whole workbook
    comment: str | None = None
    hidden: bool = False


@dataclass(slots=True)
class FormulaRun:
    """Formula cells of one column, rows ``first_row``..``last_row``, that share one formula shifted by rows.

    Exactly one source of text: ``template`` (each row's text written out in
    the file, see :class:`~xlgen.formula.runs.RowTemplate`; ``text`` is the
    first row's) or ``shared`` (Excel's shared formula: master text and its
    anchor cell). ``array_ref`` is ``"self"`` for one-cell array formulas (how
    dynamic-array formulas such as LAMBDA calls are stored), the area of a
    larger array formula (then the run is one cell), or None.
    """

    column: int
    first_row: int
    last_row: int
    text: str | None = None
    template: RowTemplate | bool | None = None  # False: a shared formula that needs translating cell by cell
    shared: tuple[str, int, int] | None = None
    array_ref: str | None = None
    values: list[Value] | None = None  # cached values, one per row, when read

    def text_at(self, row: int) -> str:
        """The formula text of the cell in ``row`` as the file stores it (shared formulas translated)."""
        if self.shared is not None:
            if self.template is None:
                self.template = self._shared_template()
            if self.template is not False:
                return self.template.fill(row)
            return self._translate(row)
        if row == self.first_row:
            return self.text
        if self.template is None:
            self.template = RowTemplate(self.text, self.first_row)
        return self.template.fill(row)

    def _translate(self, row: int) -> str:
        master, anchor_row, anchor_column = self.shared
        if (row, self.column) == (anchor_row, anchor_column):
            return master
        translated = Translator("=" + master, origin=cell_name(anchor_row, anchor_column))
        return translated.translate_formula(cell_name(row, self.column))[1:]

    def _shared_template(self) -> RowTemplate | bool:
        """A template of this column's translated texts, when translating a second row confirms it (a
        translation is slow; a long shared column is read cell by cell by the checker); else False."""
        template = RowTemplate(self._translate(self.first_row), self.first_row)
        if self.last_row > self.first_row and template.fill(self.first_row + 1) != self._translate(self.first_row + 1):
            return False
        return template


class SheetCells:
    """A worksheet's cells: constants by position, formulas in runs indexed by column."""

    def __init__(self) -> None:
        self.constants: dict[tuple[int, int], Value] = {}
        self.runs: list[FormulaRun] = []
        self._index: dict[int, tuple[list[int], list[FormulaRun]]] | None = None

    def run_at(self, row: int, column: int) -> FormulaRun | None:
        """The formula run holding cell (row, column), if any."""
        if self._index is None:
            index: dict[int, list[FormulaRun]] = {}
            for run in self.runs:
                index.setdefault(run.column, []).append(run)
            self._index = {}
            for col, runs in index.items():
                runs.sort(key=lambda r: r.first_row)
                self._index[col] = ([r.first_row for r in runs], runs)
        found = self._index.get(column)
        if found is None:
            return None
        starts, runs = found
        position = bisect.bisect_right(starts, row) - 1
        if position >= 0 and runs[position].last_row >= row:
            return runs[position]
        return None

    def runs_in_column(self, column: int) -> tuple[list[int], list[FormulaRun]]:
        """(first rows, runs) of one column, sorted by row."""
        self.run_at(1, column)
        return self._index.get(column, ([], []))

    def formula_cells(self) -> Iterator[tuple[tuple[int, int], FormulaRun]]:
        for run in self.runs:
            for row in range(run.first_row, run.last_row + 1):
                yield (row, run.column), run


class _Values(Mapping):
    """(row, column) -> value: constants, then cached values of formula cells (when they were read)."""

    def __init__(self, cells: SheetCells):
        self._cells = cells

    def __getitem__(self, key: tuple[int, int]) -> Value:
        try:
            return self._cells.constants[key]
        except KeyError:
            pass
        run = self._cells.run_at(*key)
        if run is None or run.values is None:
            raise KeyError(key)
        return run.values[key[0] - run.first_row]

    def _keys(self) -> list[tuple[int, int]]:
        keys = list(self._cells.constants)
        keys += [key for key, run in self._cells.formula_cells() if run.values is not None]
        return sorted(keys)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self) -> int:
        with_values = sum(r.last_row - r.first_row + 1 for r in self._cells.runs if r.values is not None)
        return len(self._cells.constants) + with_values


class _Formulas(Mapping):
    """(row, column) -> formula text as stored (shared formulas translated on access)."""

    def __init__(self, cells: SheetCells):
        self._cells = cells

    def __getitem__(self, key: tuple[int, int]) -> str:
        run = self._cells.run_at(*key)
        if run is None:
            raise KeyError(key)
        return run.text_at(key[0])

    def __iter__(self):
        return iter(sorted(key for key, _ in self._cells.formula_cells()))

    def __len__(self) -> int:
        return sum(run.last_row - run.first_row + 1 for run in self._cells.runs)


class _ArrayRefs(Mapping):
    """Top-left cell of an array formula -> the area it fills (``"C4:C6"``, or the cell itself)."""

    def __init__(self, cells: SheetCells):
        self._cells = cells

    def __getitem__(self, key: tuple[int, int]) -> str:
        run = self._cells.run_at(*key)
        if run is None or run.array_ref is None:
            raise KeyError(key)
        return cell_name(*key) if run.array_ref == "self" else run.array_ref

    def __iter__(self):
        return iter(sorted(key for key, run in self._cells.formula_cells() if run.array_ref is not None))

    def __len__(self) -> int:
        return sum(run.last_row - run.first_row + 1 for run in self._cells.runs if run.array_ref is not None)


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
    with _open(path) as archive:
        return _read(path, archive, sheets, formula_values)


def load_sheet(workbook: Workbook, name: str, *, formula_values: bool = True) -> Sheet:
    """Parse the cells of sheet ``name`` if :func:`read_workbook` skipped them."""
    sheet = workbook.sheets[name]
    if sheet.cells is None:
        with _open(workbook.path) as archive:
            if workbook.strings is None:
                workbook.strings = _shared_strings(workbook.path, archive)
            _read_sheet(workbook.path, archive, sheet, workbook.strings, formula_values)
    return sheet


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise XlgenError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise XlgenError(f"{path}: not an .xlsx workbook ({error})") from None


def _part_limit() -> int:
    try:
        return int(os.environ.get("XLGEN_MAX_PART_BYTES", _MAX_PART_BYTES))
    except ValueError:
        return _MAX_PART_BYTES


def _refuse_large(path: Path, member: str, size: int) -> None:
    limit = _part_limit()
    if size > limit:
        raise XlgenError(f"{path}: {member} is {size:,} bytes uncompressed, over the limit of {limit:,} "
                         "(XLGEN_MAX_PART_BYTES); refusing to inflate it")


def _open_part(path: Path, archive: zipfile.ZipFile, member: str):
    """A stream of one part, after checking the size its directory entry declares."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise XlgenError(f"{path}: {member} is missing") from None
    _refuse_large(path, member, info.file_size)
    return archive.open(info)


def _refuse_doctype(path: Path, member: str, head: bytes | str) -> None:
    marker = b"<!DOCTYPE" if isinstance(head, bytes) else "<!DOCTYPE"
    if marker in head:
        raise XlgenError(f"{path}: {member} declares a document type; refusing it (XML entities are not expanded)")


def _xml(path: Path, archive: zipfile.ZipFile, member: str):
    with _open_part(path, archive, member) as stream:
        data = stream.read(_part_limit() + 1)
    _refuse_large(path, member, len(data))
    _refuse_doctype(path, member, data[:4096])
    try:
        return ElementTree.fromstring(data)
    except Exception as error:  # defusedxml refusals, malformed XML
        raise XlgenError(f"{path}: {member} is not valid XML ({error})") from None


def _read(path: Path, archive: zipfile.ZipFile, wanted: list[str] | None, formula_values: bool) -> Workbook:
    workbook_xml = _xml(path, archive, "xl/workbook.xml")
    targets = _relationships(path, archive, "xl/_rels/workbook.xml.rels", "xl")
    members = set(archive.namelist())
    shared = None
    sheets: dict[str, Sheet] = {}
    order: list[str] = []
    for element in workbook_xml.iter(f"{_MAIN}sheet"):
        name = element.get("name")
        order.append(name)
        target = targets.get(element.get(f"{_REL}id"))
        sheet = Sheet(name, state=element.get("state", "visible"), member=target if target in members else None)
        sheets[name] = sheet
        if wanted is None or name in wanted:
            if shared is None:
                shared = _shared_strings(path, archive)
            _read_sheet(path, archive, sheet, shared, formula_values)
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
    return Workbook(path, sheets, names, shared)


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
    strings = []
    for item in root.iter(f"{_MAIN}si"):
        # Phonetic runs (<rPh>) are reading aids, not part of the text.
        texts = [t.text or "" for child in item if child.tag != f"{_MAIN}rPh" for t in child.iter(f"{_MAIN}t")]
        strings.append(_ooxml_unescape("".join(texts)))
    return strings


def _read_sheet(path: Path, archive: zipfile.ZipFile, sheet: Sheet, shared: list[str], formula_values: bool) -> None:
    cells = SheetCells()
    if sheet.member is not None:
        try:
            try:
                _scan_sheet(path, archive, sheet.member, cells, shared, formula_values)
            except _Irregular:
                cells = SheetCells()
                _parse_sheet_expat(path, archive, sheet.member, cells, shared, formula_values)
        except (ValueError, KeyError) as error:  # a number that is not one, a cell reference out of Excel's grid
            raise XlgenError(f"{path}: sheet {sheet.name!r} cannot be read ({error})") from None
        except XlgenError as error:
            if str(path) in str(error):
                raise
            raise XlgenError(f"{path}: sheet {sheet.name!r}: {error}") from None
    sheet.cells = cells
    sheet.values, sheet.formulas, sheet.array_refs = _Values(cells), _Formulas(cells), _ArrayRefs(cells)


# -- building runs while cells stream by ------------------------------------------------------


class SheetBuilder:
    """Collects one sheet's cells, in document order, into :class:`SheetCells` (formulas into runs).

    ``formula(row, column, text, kind, ref, index, value)`` takes a formula cell as stored in ``<f>``: its
    text, ``t`` ("shared", "array" or None), ``ref`` and ``si``, and the value the file caches for it.
    """

    def __init__(self, cells: SheetCells, shared: list[str], formula_values: bool):
        self.cells = cells
        self.strings = shared
        self.keep_values = formula_values
        self.open: dict[int, FormulaRun] = {}  # column -> the run that the next row may extend
        self.masters: dict[str, tuple[str, int, int]] = {}  # shared formula index -> (text, row, column)

    def value(self, kind: str, text: str | None) -> Value:
        if text is None:
            return None
        if kind == "n":
            return float(text) if text.strip() else None  # <v/>: no cached value
        if kind == "s":
            try:
                return self.strings[int(text)]
            except (IndexError, ValueError):
                raise XlgenError(f"shared string {text!r} does not exist") from None
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "e":
            return as_error(text)
        return _ooxml_unescape(text)  # "str", "inlineStr" and the rare ISO dates ("d")

    def formula(self, row: int, column: int, text: str | None, kind: str | None, ref: str | None,
                index: str | None, value: Value) -> None:
        run = self.open.get(column)
        extends = run is not None and run.last_row == row - 1
        if kind == "shared" and index is not None:
            if text:
                self.masters[index] = (text, row, column)
                self.start(FormulaRun(column, row, row, shared=(text, row, column)), value)
                return
            master = self.masters.get(index)
            if master is None:
                raise XlgenError(f"shared formula {index} is used at {cell_name(row, column)} before it is defined")
            if extends and run.shared == master:
                self.extend(run, row, value)
            else:
                self.start(FormulaRun(column, row, row, shared=master), value)
            return
        array_ref = None
        if kind == "array":
            array_ref = "self" if ref in (None, cell_name(row, column)) else ref
        text = text or ""
        if extends and run.shared is None and run.array_ref == array_ref and array_ref in (None, "self"):
            if run.template is None:
                run.template = RowTemplate(run.text, run.first_row)
            if run.template.fill(row) == text:
                self.extend(run, row, value)
                return
        self.start(FormulaRun(column, row, row, text=text, array_ref=array_ref), value)

    def start(self, run: FormulaRun, value: Value) -> None:
        if self.keep_values:
            run.values = [value]
        self.cells.runs.append(run)
        self.open[run.column] = run

    def extend(self, run: FormulaRun, row: int, value: Value) -> None:
        run.last_row = row
        if self.keep_values:
            run.values.append(value)


# -- the regular-expression scanner -----------------------------------------------------------

_SCAN = re.compile(
    r'<c r="([A-Z]{1,3})([0-9]{1,7})"((?: [A-Za-z:]+="[^"<]*")*)\s*'
    r'(?:/>|>(?:<f((?: [A-Za-z:0-9]+="[^"<]*")*)\s*(?:/>|>([^<]*)</f>))?'
    r'(?:<v>([^<]*)</v>|<v\s*/>)?(?:<is>([\s\S]*?)</is>)?</c>)'
    r"|<row\b[^>]*>|</row>|\s+"
)
_ATTRIBUTE = re.compile(r'([A-Za-z:0-9]+)="([^"]*)"')
_INLINE_TEXT = re.compile(r"<t(?: [^>]*)?>([^<]*)</t>|<t/>")
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)


class _Irregular(Exception):
    """The sheet XML has a form the scanner does not take; the expat parser reads it instead."""


def _scan_sheet(path: Path, archive: zipfile.ZipFile, member: str, cells: SheetCells, shared: list[str],
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
            found = {name: _xml_unescape(value) for name, value in _ATTRIBUTE.findall(text)}
            if len(attributes) < 4096:  # array formulas' ref="E5" make attribute texts unique; keep the common ones
                attributes[text] = found
        return found

    open_runs = builder.open

    def scan(text: str, position: int, end: int) -> None:
        for match in _SCAN.finditer(text, position, end):
            if match.start() != position:
                raise _Irregular
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
                    constants[(row, column)] = _ooxml_unescape(_xml_unescape(_normalize_newlines(text)))
                    continue
                if raw is None:
                    continue
                if not cell_attributes:
                    constants[(row, column)] = float(raw)
                    continue
                kind = attribute_map(cell_attributes).get("t", "n")
                if kind == "n":
                    constants[(row, column)] = float(raw)
                    continue
                if "&" in raw or "\r" in raw:
                    raw = _xml_unescape(_normalize_newlines(raw))
                constants[(row, column)] = value_of(kind, raw)
                continue
            kind = "n"
            if formula_values:
                kind = attribute_map(cell_attributes).get("t", "n") if cell_attributes else "n"
                if raw is not None and ("&" in raw or "\r" in raw):
                    raw = _xml_unescape(_normalize_newlines(raw))
            if formula and ("&" in formula or "\r" in formula):
                formula = _xml_unescape(_normalize_newlines(formula))
            # The common case first: the next row of a column filled down with written-out formulas.
            run = open_runs.get(column)
            if run is not None and run.last_row == row - 1 and run.template is not None and formula:
                if run.array_ref is None:
                    same_kind = formula_attributes == ""
                else:
                    same_kind = run.array_ref == "self" and formula_attributes == f' t="array" ref="{letters}{digits}"'
                if same_kind:
                    template = run.template
                    offset = template.same
                    if offset is not None:
                        expected = template.format % ((row + offset,) * template.count)
                    else:
                        expected = template.fill(row)
                    if expected == formula:
                        run.last_row = row
                        if formula_values:
                            run.values.append(value_of(kind, raw))
                        continue
            options = attribute_map(formula_attributes) if formula_attributes else attributes[""]
            value = value_of(kind, raw) if formula_values else None
            add_formula(row, column, formula, options.get("t"), options.get("ref"), options.get("si"), value)
        if position != end:
            raise _Irregular

    with _open_part(path, archive, member) as stream:
        decoder = codecs.getincrementaldecoder("utf-8")()
        text = ""
        started = finished = False
        head_checked = False
        inflated = 0
        while not finished:
            data = stream.read(_CHUNK)
            eof = not data
            inflated += len(data)
            _refuse_large(path, member, inflated)
            try:
                text += decoder.decode(data, final=eof)
            except UnicodeDecodeError:
                raise _Irregular from None
            if not head_checked:
                _refuse_doctype(path, member, text[:4096])
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
                    raise _Irregular


# -- the general parser -----------------------------------------------------------------------


def _parse_sheet_expat(path: Path, archive: zipfile.ZipFile, member: str, cells: SheetCells, shared: list[str],
                       formula_values: bool) -> None:
    """Any well-formed worksheet, element by element (slower than the scanner, used when it refuses a sheet)."""
    builder = SheetBuilder(cells, shared, formula_values)
    state = {"row": 0, "column": 0, "cell": None, "text": None, "phonetic": 0}

    def start(tag: str, attributes: dict[str, str]) -> None:
        name = tag.rpartition(" ")[2]
        if name == "row":
            state["row"] = int(attributes["r"]) if "r" in attributes else state["row"] + 1
            state["column"] = 0
        elif name == "c":
            reference = attributes.get("r")
            if reference:
                match = re.fullmatch(r"([A-Za-z]{1,3})([0-9]+)", reference)
                if match is None:
                    raise XlgenError(f"{path}: {member} has a cell with a bad reference {reference!r}")
                state["row"], state["column"] = int(match.group(2)), column_index(match.group(1))
            else:
                state["column"] += 1
            state["cell"] = {"t": attributes.get("t", "n"), "f": None, "f_attributes": None, "v": None,
                             "is": None}
        elif state["cell"] is not None:
            if name == "f":
                state["cell"]["f_attributes"] = attributes
                state["text"] = []
            elif name == "v":
                state["text"] = []
            elif name == "is":
                state["cell"]["is"] = []
            elif name == "rPh":
                state["phonetic"] += 1
            elif name == "t" and state["cell"]["is"] is not None and not state["phonetic"]:
                state["text"] = []

    def end(tag: str) -> None:
        name = tag.rpartition(" ")[2]
        cell = state["cell"]
        if cell is None:
            return
        if name == "f":
            cell["f"] = "".join(state["text"])
            state["text"] = None
        elif name == "v":
            cell["v"] = "".join(state["text"])
            state["text"] = None
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "t" and cell["is"] is not None and state["text"] is not None:
            cell["is"].append("".join(state["text"]))
            state["text"] = None
        elif name == "c":
            row, column = state["row"], state["column"]
            raw = "".join(cell["is"]) if cell["is"] is not None else cell["v"]
            if cell["f_attributes"] is None:
                if raw is not None:
                    cells.constants[(row, column)] = builder.value(cell["t"], raw)
            else:
                options = cell["f_attributes"]
                value = builder.value(cell["t"], raw) if formula_values else None
                builder.formula(row, column, cell["f"], options.get("t"), options.get("ref"), options.get("si"),
                                value)
            state["cell"] = None

    def characters(data: str) -> None:
        if state["text"] is not None:
            state["text"].append(data)

    def refuse(*args) -> None:
        raise XlgenError(f"{path}: {member} declares a document type; refusing it (XML entities are not expanded)")

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        with _open_part(path, archive, member) as stream:
            inflated = 0
            while data := stream.read(1 << 20):
                inflated += len(data)
                _refuse_large(path, member, inflated)
                parser.Parse(data, False)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as error:
        raise XlgenError(f"{path}: {member} is not valid XML ({error})") from None


# -- text helpers -----------------------------------------------------------------------------

_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9A-Fa-f]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xml_unescape(text: str) -> str:
    """XML's predefined entities and character references; anything else is an error (no DTD, no entities)."""
    if "&" not in text:
        return text
    if "&" in _ENTITY.sub("", text):
        raise XlgenError(f"undefined XML entity in {text[:60]!r}")

    def replace(match: re.Match) -> str:
        named, decimal, hexadecimal = match.groups()
        if named:
            return _NAMED[named]
        return chr(int(decimal) if decimal else int(hexadecimal, 16))

    return _ENTITY.sub(replace, text)


def _normalize_newlines(text: str) -> str:
    """XML reads CR LF and lone CR as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _ooxml_unescape(text: str) -> str:
    """``_x000D_`` and friends: how OOXML writes characters XML cannot hold."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def read_range_values(workbook: Workbook, reference: str) -> list[Value]:
    """Cached values of ``Sheet!A1:B2``, row by row (empty cells are ``None``)."""
    target = parse_range(reference)
    sheet = workbook.sheets.get(target.sheet)
    if sheet is None:
        raise XlgenError(f"{workbook.path}: no sheet named {target.sheet!r}")
    return [sheet.values.get(key) for key in target.cells()]


__all__ = ["DefinedName", "FormulaRun", "Sheet", "SheetBuilder", "SheetCells", "Workbook", "load_sheet",
           "read_workbook", "read_range_values", "cell_name"]
