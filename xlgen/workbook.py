"""Turn an experiment's sheet specifications into one .xlsx file per variant.

A :class:`SheetSpec` says what a sheet holds (title, explanation, inputs, the
step and epoch tables, charts, extra cells); this module lays it out with
XlsxWriter: styles, frozen header panes, column widths, notes, native charts,
the inputs' workbook names, the LAMBDA names of the lambda variant, and the
hidden manifest sheet that ``xlgen check`` reads.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from itertools import groupby
from operator import attrgetter, itemgetter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import __version__
from .cells import Range, cell_name, quote_sheet
from .lambdas import lambdas_used
from .manifest import MANIFEST_SHEET, write_manifest
from .sheets.layout import Cell, Input, StepTable, column_widths
from .storage import check_names, is_valid_parameter_name, to_file
from .writer import define_name, finish, new_workbook

if TYPE_CHECKING:
    from .exercise import Exercise

INPUT_ROW = 4  # labels; values below them, names below the values


def input_cell(index: int) -> tuple[int, int]:
    """The (row, column), 1-based, of the ``index``-th input's value (0-based): row 5, from column B."""
    return INPUT_ROW + 1, 2 + index


@dataclass
class Series:
    name: str  # the legend
    quantity: str  # a step or epoch quantity of the sheet's table
    secondary: bool = False


@dataclass
class ChartSpec:
    title: str
    series: list[Series]
    per_epoch: bool = False  # x axis: epochs (else steps)
    x_title: str = "step"
    y_title: str = ""
    kind: str = "line"
    log_scale: bool = False
    x_quantity: str | None = None  # the x axis: this step quantity instead of the step number


@dataclass
class SheetSpec:
    name: str
    title: str
    description: str
    table: StepTable
    inputs: list[Input] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    values: dict[str, Sequence[Any]] = field(default_factory=dict)  # cached values of step quantities
    epoch_values: dict[str, Sequence[Any]] = field(default_factory=dict)
    start_values: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # quantity -> label above its name
    extra_cells: list[Cell] = field(default_factory=list)


@dataclass
class WorkbookSpec:
    experiment: str
    title: str
    sheets: list[SheetSpec]
    params: dict[str, Range | Any]  # parameter -> input cells, or a literal the layout fixes (epochs)
    quantities: dict[str, Range]  # reference quantity -> the cells that hold it, one per step or epoch


STYLES = {
    "title": {"bold": True, "font_size": 14},
    "description": {"text_wrap": True, "valign": "top", "font_color": "#333333"},
    "input_label": {"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "bottom"},
    "input": {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BF9000"},
    "input_name": {"font_name": "Consolas", "font_color": "#7F6000", "font_size": 9},
    "label": {"italic": True, "font_color": "#555555", "text_wrap": True, "valign": "bottom", "align": "center"},
    "header": {"bold": True, "bottom": 2, "bg_color": "#DDEBF7", "align": "center", "font_name": "Consolas"},
    "index": {"font_color": "#808080", "align": "center"},
    "number": {},
    "data": {"font_color": "#7F6000"},
    "spill": {},
    "start": {"italic": True, "bg_color": "#F2F2F2"},
    "pass": {"bold": True},
}


def _formats(workbook) -> dict[str, Any]:
    formats = {}
    for name, properties in STYLES.items():
        formats[name] = workbook.add_format(properties)
        formats[name + "_top"] = workbook.add_format({**properties, "top": 1, "top_color": "#808080"})
    return formats


def build_workbook(spec: WorkbookSpec, variant: str, chart_sheets: bool = False,
                   exercise: Exercise | None = None) -> bytes:
    """The .xlsx bytes of ``spec`` in ``variant`` (plain, let or lambda), deterministic.

    With ``chart_sheets``, every chart is also drawn alone on a chart sheet of
    its own (after the manifest), which is how the documentation's pictures
    are printed. An ``exercise`` leaves its cells empty, and no formula keeps
    a cached result: the results would show the answers (the next row's b is
    new b), and Excel and LibreOffice recalculate the file on opening it.
    """
    with tempfile.TemporaryDirectory(prefix="xlgen-build-") as folder:
        return _build(spec, variant, chart_sheets, exercise, folder)


def _build(spec: WorkbookSpec, variant: str, chart_sheets: bool, exercise: Exercise | None, folder: str) -> bytes:
    workbook = new_workbook(spec.title, folder)
    formats = _formats(workbook)
    shapes: set[str] = set()  # each formula once, its references left out (they name no LAMBDA)
    for sheet_spec in spec.sheets:
        shapes |= _write_sheet(workbook, formats, sheet_spec, variant, exercise)
    if variant == "lambda":
        for item in lambdas_used(sorted(shapes)):
            if not is_valid_parameter_name(item.name):
                raise ValueError(f"LAMBDA name {item.name!r} reads as a cell reference in Excel")
            stored = to_file(item.formula)
            check_names(stored)
            define_name(workbook, item.name, stored, item.comment)
    write_manifest(workbook, spec, variant, __version__, exercise.hints if exercise else None)
    if chart_sheets:
        for sheet_spec in spec.sheets:
            for index, chart_spec in enumerate(sheet_spec.charts, 1):
                chartsheet = workbook.add_chartsheet(f"chart {index}"[:31])
                chartsheet.set_chart(_chart(workbook, sheet_spec, chart_spec))
    return finish(workbook, manifest_sheet=MANIFEST_SHEET)


def _write_sheet(workbook, formats, spec: SheetSpec, variant: str, exercise: Exercise | None = None) -> set[str]:
    """Write one sheet, row by row from the top (the writer keeps one row in memory); return its formulas' shapes."""
    sheet = workbook.add_worksheet(spec.name)
    table = spec.table
    last_column = max(table.epoch_first_column + len(table.epoch_columns), table.last_column)
    for column, width in column_widths(table).items():
        sheet.set_column(column - 1, column - 1, width)
    sheet.freeze_panes(table.header_row, table.first_column + 1)
    for index, item in enumerate(spec.inputs):
        target = f"={quote_sheet(spec.name)}!{cell_name(*input_cell(index), absolute=True)}"
        define_name(workbook, item.defined_name, target)

    # The rows above the table, through XlsxWriter's own calls (heights, a merged cell, notes), in row order.
    above: list[tuple[int, Callable[[], Any]]] = []  # (0-based row, a call writing into it)
    above.append((0, partial(sheet.write, 0, 0, spec.title, formats["title"])))
    above.append((1, partial(sheet.set_row, 1, 15 * max(2, len(spec.description) // 120 + 1))))
    above.append((1, partial(sheet.merge_range, 1, 0, 1, min(last_column, 14) - 1, spec.description,
                             formats["description"])))
    if spec.inputs:
        above.append((INPUT_ROW - 1, partial(sheet.set_row, INPUT_ROW - 1, 30)))
        above.append((INPUT_ROW, partial(sheet.write, INPUT_ROW, 0, "inputs", formats["input_label"])))
    for index, item in enumerate(spec.inputs):
        column = input_cell(index)[1] - 1  # XlsxWriter counts from 0
        above.append((INPUT_ROW - 1, partial(sheet.write, INPUT_ROW - 1, column, item.label, formats["input_label"])))
        write_value = sheet.write_boolean if isinstance(item.value, bool) else sheet.write_number
        above.append((INPUT_ROW, partial(write_value, INPUT_ROW, column, item.value, formats["input"])))
        if item.note:
            above.append((INPUT_ROW, partial(sheet.write_comment, INPUT_ROW, column, item.note,
                                             {"x_scale": 1.6, "y_scale": 0.8})))
        above.append((INPUT_ROW + 1, partial(sheet.write, INPUT_ROW + 1, column, item.defined_name,
                                             formats["input_name"])))

    header = table.header_row - 1  # XlsxWriter counts from 0
    names = {table.first_column: "epoch", table.first_column + 1: "step"}
    names.update({table.positions[c.name]: c.name for c in table.columns})
    names[table.epoch_first_column] = "epoch"
    names.update({table.epoch_positions[c.name]: c.name for c in table.epoch_columns})
    notes = {table.positions[c.name]: c.note for c in table.columns if c.note}
    notes.update({table.epoch_positions[c.name]: c.note for c in table.epoch_columns if c.note})
    above.append((header - 1, partial(sheet.set_row, header - 1, 30)))
    for column, name in names.items():
        above.append((header, partial(sheet.write, header, column - 1, name, formats["header"])))
        label = spec.labels.get(name)
        if label:
            above.append((header - 1, partial(sheet.write, header - 1, column - 1, label, formats["label"])))
        if column in notes:
            above.append((header, partial(sheet.write_comment, header, column - 1, notes[column],
                                          {"x_scale": 2, "y_scale": 1.2})))
    beside = sorted(spec.extra_cells, key=attrgetter("row"))
    for cell in beside:
        if cell.row - 1 <= header:
            above.append((cell.row - 1, partial(_write_one, sheet, formats, cell)))
    for _, write in sorted(above, key=itemgetter(0)):  # stable: a row's height before its cells
        write()

    shapes: set[str] = set()
    blank = exercise.cells if exercise else frozenset()
    rows = table.rows(variant, spec.values, spec.epoch_values, spec.start_values)
    later = [(row, list(cells)) for row, cells in groupby((c for c in beside if c.row - 1 > header),
                                                           key=attrgetter("row"))]
    if later:  # cells beside the table (fastai's notebook tests) join the table's rows
        rows = ((row, [cell for _, part in parts for cell in part])
                for row, parts in groupby(heapq.merge(rows, later, key=itemgetter(0)), key=itemgetter(0)))
    for row, row_cells in rows:
        written = []
        for cell in row_cells:
            style = formats.get(cell.style)
            if cell.formula is not None:
                shapes.add(cell.shape if cell.shape is not None else cell.formula)
            if blank and (spec.name, cell.row, cell.column) in blank:
                written.append((cell.column - 1, None, None, style, None, False))
                continue
            if cell.formula is None:
                value = 0 if exercise and cell.style.startswith("spill") else _constant(cell.value)
                written.append((cell.column - 1, None, value, style, None, False))
                continue
            value = 0 if exercise else _cached(cell.value)
            last_column = (cell.array_to or (cell.row, cell.column))[1] - 1 if cell.dynamic else None
            written.append((cell.column - 1, cell.formula, value, style, last_column, cell.dynamic))
        sheet.write_cells(row - 1, written)
    for index, chart in enumerate(spec.charts):
        _insert_chart(workbook, sheet, spec, chart, index)
    return shapes


def _write_one(sheet, formats, cell: Cell) -> None:
    """One cell through XlsxWriter's own calls (a cell in the rows above the table)."""
    style = formats.get(cell.style)
    if cell.formula is None:
        _write_value(sheet, cell.row - 1, cell.column - 1, cell.value, style)
    else:
        sheet.write_formula(cell.row - 1, cell.column - 1, cell.formula, style, _cached(cell.value))


def _constant(value: Any) -> Any:
    """A constant cell's value as written: numbers as floats; marks (inf, nan) have no cell to go in."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(_cached(value), str):
        raise ValueError(f"a constant cell cannot hold {value!r}")
    return float(value)


def _cached(value: Any) -> Any:
    """A reference value as a formula's cached result: marks (inf, nan) become Excel's #NUM!."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value if value is not None else 0
    value = float(value)
    return value if value == value and abs(value) != float("inf") else "#NUM!"


def _write_value(sheet, row: int, column: int, value: Any, style) -> None:
    if value is None:
        sheet.write_blank(row, column, None, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, column, value, style)
    elif isinstance(value, (int, float)):
        if isinstance(_cached(value), str):
            raise ValueError(f"a constant cell cannot hold {value!r}")
        sheet.write_number(row, column, float(value), style)
    else:
        sheet.write_string(row, column, str(value), style)


def _insert_chart(workbook, sheet, spec: SheetSpec, chart_spec: ChartSpec, index: int) -> None:
    """The chart to the right of the tables, one below the other."""
    table = spec.table
    anchor_column = table.epoch_first_column + len(table.epoch_columns) + 1
    sheet.insert_chart(table.header_row - 1 + index * 16, anchor_column, _chart(workbook, spec, chart_spec))


def _chart(workbook, spec: SheetSpec, chart_spec: ChartSpec):
    table = spec.table
    chart = workbook.add_chart({"type": chart_spec.kind} if chart_spec.kind != "scatter"
                               else {"type": "scatter", "subtype": "straight"})
    if chart_spec.per_epoch:
        first, last = table.epoch_row(1), table.epoch_row(table.epochs)
        categories = [spec.name, first - 1, table.epoch_first_column - 1, last - 1, table.epoch_first_column - 1]
    else:
        first, last = table.first_row, table.last_row
        x_column = table.positions[chart_spec.x_quantity] - 1 if chart_spec.x_quantity else table.first_column
        categories = [spec.name, first - 1, x_column, last - 1, x_column]
    for series in chart_spec.series:
        if series.quantity in table.positions:
            column = table.positions[series.quantity] - 1
        else:
            column = table.epoch_positions[series.quantity] - 1
        chart.add_series({
            "name": series.name,
            "categories": categories,
            "values": [spec.name, first - 1, column, last - 1, column],
            "y2_axis": series.secondary,
            "line": {"width": 1.5},
        })
    chart.set_title({"name": chart_spec.title, "name_font": {"size": 12}})
    chart.set_x_axis({"name": "epoch" if chart_spec.per_epoch else chart_spec.x_title})
    y_axis = {"name": chart_spec.y_title}
    if chart_spec.log_scale:
        y_axis["log_base"] = 10
    chart.set_y_axis(y_axis)
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 560, "height": 300})
    return chart
