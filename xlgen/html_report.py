"""The HTML report a learner opens: where the error starts first, then each failing quantity beside the reference.

For a failing workbook the page names the cell where the error starts (the
first *cause* in the checker's cause-first order, :mod:`xlgen.causes`): its
formula, what it gives, what the reference expects, and ``xlgen explain``'s
step-by-step account of it. Then each quantity that differs gets a chart of
the workbook against the reference by step and a table of the two side by
side, the cause shaded apart from the cells that only inherit its error.

The page is one self-contained file: no script, and no style sheet, font or
picture from elsewhere (the chart is inline SVG), so it opens offline and from
a mail attachment. Every text that comes from a workbook is escaped by
:func:`text`, with control characters written out as on the terminal. A
quantity's table starts :data:`BEFORE` cells before its first difference and
holds the cells the check keeps (:data:`xlgen.results.LISTED` differing ones a
quantity); the rest are counted, so a million differing cells make a page of a
few hundred kilobytes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .cells import cell_name, quote_sheet
from .compare import QuantityComparison
from .errors import one_line
from .report import VERDICT, short, summary_line
from .results import LISTED as KEPT, CellResult, WorkbookResult
from .storage import to_display
from .svg_chart import Series, line_chart
from .visible import visible

BEFORE = 5
"""Matching cells listed before a quantity's first difference, to show where it leaves the reference."""

LISTED = KEPT + BEFORE
"""Rows of a quantity's table at most. It stops before the first differing cell the check did not keep, so
each one listed has its formula and whether it is wrong by itself; the others are counted."""

DIGITS = 7
"""Significant digits shown; the full value is the cell's tooltip."""

STEPS_SHOWN = 40
"""Steps of the explanation shown at most."""

CAUSES_LISTED = 10
"""Other cells wrong by themselves named in the cause block at most."""

Explainer = Callable[[str, str], Any]
"""(workbook path, cell as ``momentum!J17``) -> an :class:`xlgen.explanation.Explanation`."""

STYLE = """
body{font-family:system-ui,sans-serif;font-size:14px;color:#222;max-width:1100px;margin:1em auto;padding:0 1em}
h1{font-size:22px} h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:2em}
h3{font-size:15px;margin:1.2em 0 .4em}
.verdict-pass{color:#2e7d32} .verdict-fail{color:#c62828} .verdict-unsupported,.verdict-error{color:#6d4c41}
.cause{border:2px solid #c62828;background:#fff4f4;border-radius:6px;padding:8px 14px;margin:1em 0}
.cause h3{margin-top:.3em;color:#b71c1c}
.cause dl{display:grid;grid-template-columns:max-content auto;gap:4px 14px;margin:.5em 0}
.cause dt{font-weight:bold} .cause dd{margin:0}
pre.formula{margin:0;padding:4px 8px;background:#fff;border:1px solid #e0b4b4;white-space:pre-wrap}
.divergence{font-weight:bold}
table{border-collapse:collapse;margin:.4em 0 1em}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:left} th{background:#e8eef7}
td.num{font-family:ui-monospace,monospace;text-align:right}
tr.cause td,tr.starts td{background:#d32f2f;color:#fff;font-weight:bold} tr.starts a{color:#fff}
tr.inherited td{background:#fde3cf}
tr.unsupported td{background:#ddd;color:#555}
tr.off td{background:#ffe9a8}
tr.gap td{color:#666;font-style:italic;text-align:center;background:#fafafa}
.legend span{display:inline-block;padding:1px 8px;margin-right:8px;border:1px solid #ccc}
.legend .cause{background:#d32f2f;color:#fff;border:1px solid #d32f2f;margin:0 8px 0 0;padding:1px 8px}
.legend .inherited{background:#fde3cf} .legend .unsupported{background:#ddd}
svg.chart{display:block;margin:.4em 0}
svg .plot{fill:#fafafa;stroke:#ccc} svg text{font-size:11px;fill:#444}
svg .workbook{stroke:#d32f2f;stroke-width:1.5;fill:none}
svg .reference{stroke:#1565c0;stroke-width:4;stroke-opacity:.45;fill:none}
svg line.marker{stroke:#555;stroke-dasharray:4 3} svg text.marker{fill:#555}
"""


def text(value: object) -> str:
    """Text from a workbook (a formula, a sheet name, a string) as page text: control characters and bidi
    overrides written out as escapes (:func:`xlgen.visible.visible`), then HTML-escaped, quotes too."""
    return html.escape(visible(value), quote=True)


def lines_text(value: object) -> str:
    """:func:`text` for text laid out on several lines (a formula's layout): its line breaks kept."""
    return "\n".join(text(line) for line in str(value).split("\n"))


def value_text(value: object) -> str:
    """A cell's value as the page shows it: a number to :data:`DIGITS` significant digits, text in quotes."""
    if type(value) is float and math.isfinite(value):
        return f"{value:.{DIGITS}g}"
    if type(value) is str:
        return f'"{value}"'
    return short(value)


def value_cell(value: object, tag: str = "td") -> str:
    """A ``<td>`` (or ``tag``) with the value shown short and in full on hover."""
    shown = value_text(value)
    full = repr(value) if type(value) is float else shown
    title = f' title="{text(full)}"' if full != shown else ""
    return f'<{tag} class="num"{title}>{text(shown)}</{tag}>'


def html_report(results: Sequence[WorkbookResult], explain: Explainer | None = None) -> str:
    """The page for ``results``; ``explain`` (when given) explains the cell where each workbook's error starts."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"/>',
             '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
             f"<title>xlgen check: {text(summary_line(results))}</title><style>{STYLE}</style></head><body>",
             f'<h1>xlgen check</h1><p class="summary">{text(summary_line(results))}</p>']
    for number, result in enumerate(results, 1):
        parts.append(_workbook(result, f"w{number}", explain))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _workbook(result: WorkbookResult, anchor: str, explain: Explainer | None) -> str:
    verdict = VERDICT[result.verdict]
    out = [f'<section class="workbook" id="{anchor}"><h2>{text(result.file)} — '
           f'<span class="verdict-{result.verdict}">{verdict}</span></h2>']
    if result.error:
        out.append(f'<p class="error">{text(result.error)}</p></section>')
        return "".join(out)
    mismatches = result.mismatches
    out.append(f'<p class="facts">{text(result.experiment)}/{text(result.variant)}, engine {text(result.engine)}: '
               f"{result.compared} cells compared, {result.mismatched} differ, {result.unsupported_cells} "
               f"unsupported; worst relative error {result.worst_rel:.3g}</p>")
    if result.exercise is not None:
        from .grading import grade_lines

        lines = grade_lines(result.exercise, value_text, to_display)
        out.append('<ul class="grades">' + "".join(f"<li>{text(' '.join(line.split()))}</li>" for line in lines)
                   + "</ul>")
    causes = [c for c in result.cells if c.cause]
    if mismatches:
        out.append(_cause_block(result, causes or mismatches[:1], explain))
    failing = [(index, c) for index, c in enumerate(result.comparisons) if c.count("match") < len(c.status)]
    starting = {c.quantity for c in causes}
    failing.sort(key=lambda item: item[1].quantity not in starting)  # where the error starts comes first
    out.append(_quantities(result.comparisons, anchor, starting))
    if failing:
        windows = {index: _window(comparison) for index, comparison in failing}
        wanted = {(c.source.sheet, _cell(c, i)) for index, c in failing for i in range(*windows[index])}
        listed = {(c.sheet, c.cell): c for c in result.cells if (c.sheet, c.cell) in wanted}
        for index, comparison in failing:
            out.append(_quantity(comparison, windows[index], listed, f"{anchor}-q{index + 1}"))
    for note in result.notes:
        out.append(f'<p class="note">note: {text(note)}</p>')
    out.append("</section>")
    return "".join(out)


def _cause_block(result: WorkbookResult, causes: list[CellResult], explain: Explainer | None) -> str:
    """The cell where the error starts, what it holds, what it should give, and why it differs."""
    first = causes[0]
    where = f"{quote_sheet(first.sheet)}!{first.cell}"
    explanation, problem = None, None
    if explain is not None and first.formula:
        try:
            explanation = explain(result.file, where)
        except Exception as error:  # the report is written whatever the explanation meets
            problem = one_line(result.file, error)
    formula = ("=" + explanation.layout) if explanation is not None and explanation.formula else (
        "=" + to_display(first.formula) if first.formula else
        "(empty: no formula yet)" if first.workbook_value is None else "(a constant, not a formula)")
    out = [f'<div class="cause"><h3>The error starts at {text(where)}</h3><dl>',
           f"<dt>quantity</dt><dd>{text(first.quantity)}, {first.where}</dd>",
           f'<dt>formula</dt><dd><pre class="formula">{lines_text(formula)}</pre></dd>',
           f"<dt>it gives</dt>{value_cell(first.workbook_value, 'dd')}",
           f"<dt>expected</dt>{value_cell(first.reference_value, 'dd')}</dl>"]
    if explanation is not None:
        if explanation.divergence:
            out.append(f'<p class="divergence">{text(explanation.divergence)}</p>')
        out.append(_steps(explanation))
    elif problem:
        out.append(f'<p class="note">No step-by-step explanation: {text(problem)}</p>')
    kept = len(result.mismatches)  # whether a cell is wrong by itself is known for these
    inherited = kept - len(causes)
    if kept == result.mismatched and inherited:
        out.append(f"<p>{inherited} other cell{'s' if inherited != 1 else ''} differ only because "
                   f"{'they read' if inherited != 1 else 'it reads'} a wrong cell.</p>")
    elif kept < result.mismatched:
        out.append(f"<p>{result.mismatched - 1} other cells differ. Of the {kept - 1} listed below, {inherited} "
                   f"differ only because they read a wrong cell.</p>")
    if len(causes) > 1:
        others = causes[1:1 + CAUSES_LISTED]
        among = "" if kept == result.mismatched else " (among the cells listed)"
        out.append(f"<p>{len(causes) - 1} other cell{'s are' if len(causes) > 2 else ' is'} wrong by "
                   f"{'themselves' if len(causes) > 2 else 'itself'}{among}:</p><ul>")
        out += [f"<li>{text(quote_sheet(c.sheet))}!{text(c.cell)} ({text(c.quantity)}, {c.where}): gives "
                f"{text(value_text(c.workbook_value))}, expected {text(value_text(c.reference_value))}</li>"
                for c in others]
        if len(causes) - 1 > len(others):
            out.append(f"<li>and {len(causes) - 1 - len(others)} more</li>")
        out.append("</ul>")
    out.append("</div>")
    return "".join(out)


def _steps(explanation) -> str:
    """Excel's Evaluate Formula as a table: each part of the formula, its value and the reference's."""
    from .explanation import _same  # the explanation's own rule for "agrees with the reference"

    steps = explanation.steps
    shown = steps if len(steps) <= STEPS_SHOWN else steps[:STEPS_SHOWN - 1] + steps[-1:]
    out = ['<table class="steps"><thead><tr><th>evaluated in order</th><th>value</th><th>reference</th>'
           "</tr></thead><tbody>"]
    for step in shown:
        off = step.reference is not None and not _same(step.value, step.reference)
        label = step.expression if step.kind != "result" else "the cell shows"
        if step.kind == "cell" and step.note:
            label += f"  [{step.note}]"
        indent = f' style="padding-left:{8 + 16 * step.depth}px"' if step.depth else ""
        reference = value_cell(step.reference) if step.reference is not None else "<td></td>"
        row = '<tr class="off">' if off else "<tr>"
        out.append(f"{row}<td{indent}>{text(label)}</td>"
                   f"{value_cell(_plain(step.value))}{reference}</tr>")
    hidden = len(steps) - len(shown) + explanation.truncated
    if hidden:
        out.append(f'<tr class="gap"><td colspan="3">{hidden} more steps: xlgen explain shows them all</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _plain(value: object) -> object:
    """A step's value as a cell shows it (arrays, LAMBDAs and omitted arguments in the explanation's words)."""
    if value is None or type(value) in (float, bool, str) or isinstance(value, str):
        return value
    from .explanation import shown

    return _Shown(shown(value))


class _Shown(str):
    """Text already in the explanation's words: shown as it is, not quoted as a workbook string."""


def _quantities(comparisons: Sequence[QuantityComparison], anchor: str, starting: set[str]) -> str:
    """One row per quantity: its cells, how many differ or are unsupported, its worst relative error; the
    quantities in ``starting`` hold a cell where an error starts."""
    out = ['<table class="quantities"><thead><tr><th>quantity</th><th>cells</th><th>compared</th><th>differ</th>'
           "<th>unsupported</th><th>worst relative error</th></tr></thead><tbody>"]
    for index, comparison in enumerate(comparisons, 1):
        differ, unsupported = comparison.count("mismatch"), comparison.count("unsupported")
        relative = comparison.rel_error[np.isfinite(comparison.rel_error)]
        worst = f"{float(relative.max()):.3g}" if relative.size else ""
        name = text(comparison.quantity)
        if differ or unsupported:
            name = f'<a href="#{anchor}-q{index}">{name}</a>'
        state = "unsupported" if unsupported and not differ else ("match" if not differ else (
            "starts" if comparison.quantity in starting else "inherited"))
        out.append(f'<tr class="{state}"><td>{name}</td><td>{text(comparison.source)}</td>'
                   f'<td class="num">{len(comparison.status)}</td><td class="num">{differ}</td>'
                   f'<td class="num">{unsupported}</td><td class="num">{worst}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _window(comparison: QuantityComparison) -> tuple[int, int]:
    """The cells listed: from :data:`BEFORE` cells before the first that is not a match, :data:`LISTED` at most,
    and none past the last of each status the check kept."""
    status = comparison.status
    first = int(np.flatnonzero(status != "match")[0])
    start = max(0, first - BEFORE)
    end = min(len(status), start + LISTED)
    for kind in ("mismatch", "unsupported"):
        positions = comparison.where(kind)
        if positions.size > KEPT:
            end = min(end, int(positions[KEPT]))
    return start, end


def _cell(comparison: QuantityComparison, index: int) -> str:
    source = comparison.source
    return cell_name(source.first_row + index // source.columns, source.first_column + index % source.columns)


def _quantity(comparison: QuantityComparison, window: tuple[int, int], listed: dict[tuple[str, str], CellResult],
              anchor: str) -> str:
    """A failing quantity: the chart, then workbook and reference side by side around its first difference."""
    status = comparison.status
    count = len(status)
    differ = comparison.count("mismatch")
    first = int(np.flatnonzero(status != "match")[0])
    sheet = comparison.source.sheet
    name = text(comparison.quantity)
    out = [f'<section class="quantity" id="{anchor}"><h3>{name} at {text(comparison.source)}: {differ} of {count} '
           f"cells differ, the first at {text(_cell(comparison, first))} ({comparison.per} {first + 1})</h3>"]
    workbook = np.array([v if type(v) is float else math.nan for v in comparison.workbook], dtype=float)
    out.append(line_chart([Series("reference", np.asarray(comparison.reference, dtype=float), "reference"),
                           Series("workbook", workbook, "workbook")],
                          f"{name}: workbook against reference by {comparison.per}", first,
                          f"first difference, {comparison.per} {first + 1}", comparison.per))
    out.append('<p class="legend"><span class="cause">wrong by itself</span><span class="inherited">reads a '
               'wrong cell</span><span class="unsupported">unsupported</span></p>')
    per = comparison.per
    out.append(f'<table class="cells"><thead><tr><th>{per}</th><th>cell</th><th>workbook</th><th>reference</th>'
               "<th>relative error</th></tr></thead><tbody>")
    start, end = window
    if start:
        matching = f"{per} 1 matches" if start == 1 else f"{per}s 1 to {start} match"
        out.append(f'<tr class="gap"><td colspan="5">{matching} (not listed)</td></tr>')
    for index in range(start, end):
        cell = _cell(comparison, index)
        known = listed.get((sheet, cell))
        state = str(status[index])
        if state == "mismatch":
            state = "cause" if known is not None and known.cause else "inherited"
        formula = f' title="={text(to_display(known.formula))}"' if known is not None and known.formula else ""
        relative = comparison.rel_error[index]
        out.append(f'<tr class="{state}"><td class="num">{index + 1}</td><td{formula}>{text(cell)}</td>'
                   f"{value_cell(comparison.workbook[index])}{value_cell(float(comparison.reference[index]))}"
                   f'<td class="num">{"" if relative != relative else f"{relative:.3g}"}</td></tr>')
    if end < count:
        rest = status[end:]
        differing = int((rest == "mismatch").sum())
        out.append(f'<tr class="gap"><td colspan="5">{count - end} more cells not listed ({per}s {end + 1} to '
                   f"{count}), {differing} of them differ</td></tr>")
    out.append("</tbody></table></section>")
    return "".join(out)


__all__ = ["html_report", "text", "value_text", "LISTED"]
