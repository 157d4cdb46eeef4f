"""Reports of a check: terminal lines, JSON and JUnit XML (the HTML page is :mod:`xlgen.html_report`)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree

from .grading import grade_lines
from .results import WorkbookResult
from .storage import to_display
from .visible import visible

VERDICT = {"pass": "PASS", "fail": "FAIL", "unsupported": "UNSUPPORTED", "error": "ERROR"}


def short(value: Any) -> str:
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else "inf")
    return str(value) if value is not None else "(empty)"


def terminal_lines(result: WorkbookResult) -> list[str]:
    """One line per workbook; for a mismatch the first diverging cell; for errors the reason.

    Each line is :func:`~xlgen.visible.visible`: the workbook's text in it cannot start a line of its own,
    nor steer a terminal.
    """
    return [visible(line) for line in _lines(result)]


def _lines(result: WorkbookResult) -> list[str]:
    name = result.file
    if result.error:
        message = result.error if result.error.startswith(name) else f"{name}: {result.error}"
        return [f"ERROR  {message}"]
    if result.exercise is not None:
        return exercise_lines(result)
    ulps = "" if result.mismatches else f" ({result.worst_ulps} ulp)"  # ulps say little about a wrong formula
    line = (f"{VERDICT[result.verdict]:<6} {name}  {result.experiment}/{result.variant}  {result.engine}  "
            f"{result.compared} cells  worst rel {result.worst_rel:.3g}{ulps}")
    lines = [line]
    if result.mismatches:
        first = result.mismatches[0]
        formula = f" ={to_display(first.formula)}" if first.formula else ""
        formula = " ".join(formula.split())
        lines.append(f"       first mismatch: {first.sheet}!{first.cell}{formula}  quantity {first.quantity} "
                     f"{first.where}: workbook {short(first.workbook_value)}, reference "
                     f"{short(first.reference_value)}  ({result.mismatched} cells differ)")
    if result.unsupported:
        first = result.unsupported[0]
        lines.append(f"       {result.unsupported_cells} cells unsupported by {result.engine}, first "
                     f"{first.sheet}!{first.cell} ({first.quantity}): {first.workbook_value.reason}")
    for note in result.notes:
        lines.append(f"       note: {note}")
    return lines


def exercise_lines(result: WorkbookResult) -> list[str]:
    """An exercise: how many of its quantities are done, then one line per quantity to write."""
    grades = [g for g in result.exercise if g.status != "changed"]
    done = sum(g.done for g in grades)
    lines = [f"{VERDICT[result.verdict]:<6} {result.file}  {result.experiment}/{result.variant}  {result.engine}  "
             f"exercise: {done} of {len(grades)} quantities done"]
    lines += grade_lines(result.exercise, short, to_display)
    for note in result.notes:
        lines.append(f"       note: {note}")
    return lines


def summary_line(results: Sequence[WorkbookResult]) -> str:
    counts = {verdict: sum(r.verdict == verdict for r in results) for verdict in VERDICT}
    line = f"{counts['pass']} passed, {counts['fail']} failed"
    if counts["unsupported"]:
        line += f", {counts['unsupported']} with unsupported cells"
    if counts["error"]:
        line += f", {counts['error']} could not be checked"
    return line


def json_report(results: Sequence[WorkbookResult]) -> str:
    """Per-workbook and per-quantity counts, and the first cells of each quantity that are not a match
    (``results.LISTED`` mismatching, as many unsupported), with stable keys.

    Every string is :func:`~xlgen.visible.visible`, as on the terminal.
    """
    return json.dumps(_visible_strings({
        "workbooks": [r.as_json() for r in results],
        "cells": [cell.as_json() for r in results for cell in r.cells],
        "summary": summary_line(results),
    }), indent=2, allow_nan=False)


def _visible_strings(value: Any) -> Any:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {visible(key): _visible_strings(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_visible_strings(item) for item in value]
    return value


def junit_report(results: Sequence[WorkbookResult]) -> str:
    """JUnit XML: one test case per workbook, a failure for mismatches, an error when it could not be checked.

    Workbook text goes in :func:`~xlgen.visible.visible`, so no character XML 1.0 forbids is ever written.
    """
    suite = ElementTree.Element("testsuite", {
        "name": "xlgen check",
        "tests": str(len(results)),
        "failures": str(sum(r.verdict == "fail" for r in results)),
        "errors": str(sum(r.verdict in ("error", "unsupported") for r in results)),
        "skipped": "0",
    })
    for result in results:
        case = ElementTree.SubElement(suite, "testcase", {
            "classname": visible(f"xlgen.{result.engine}"),
            "name": visible(f"{result.file} ({result.experiment}/{result.variant})"),
        })
        lines = "\n".join(terminal_lines(result))
        if result.verdict == "fail":
            failure = ElementTree.SubElement(case, "failure", {
                "message": f"{result.mismatched} of {result.compared} cells differ from the reference",
                "type": "mismatch",
            })
            failure.text = lines
        elif result.verdict in ("error", "unsupported"):
            error = ElementTree.SubElement(case, "error", {"message": visible(result.error or "unsupported cells"),
                                                          "type": result.verdict})
            error.text = lines
    testsuites = ElementTree.Element("testsuites")
    testsuites.append(suite)
    return ElementTree.tostring(testsuites, encoding="unicode", xml_declaration=True)
