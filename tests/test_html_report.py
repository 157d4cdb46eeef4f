"""The HTML report a learner reads: the cause first, short numbers with the full value on hover, a chart, caps.

The planted workbook is momentum.xlsx with grad_avg_b's step 7 (J17) using 0.8
instead of mom = 0.9. Its expected numbers come from the numpy reference; what
the wrong formula gives is computed here by hand from the reference's inputs
(the cells J17 reads are still right).
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

import xlgen
from xlgen.cells import parse_range
from xlgen.cli import main
from xlgen.compare import compare_column
from xlgen.html_report import BEFORE, LISTED, html_report, lines_text, text
from xlgen.manifest import read_manifest
from xlgen.results import LISTED as KEPT, CellResult, WorkbookResult
from xlgen.xlsx.reader import read_workbook

from .conftest import ROOT
from .planting import cell_formula, plant_formula

CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, str]:
    """(the report's path, its text) for momentum.xlsx with 0.8 for mom in J17."""
    folder = tmp_path_factory.mktemp("report")
    source = ROOT / "workbooks" / "momentum.xlsx"
    cell = read_manifest(read_workbook(source)).quantities["grad_avg_b"].cell_names()[6]
    assert cell == "J17"
    formula = cell_formula(source, "momentum", cell)
    assert formula == "J16*mom+(1-mom)*H17"
    workbook = folder / "momentum.xlsx"
    plant_formula(source, workbook, "momentum", cell, formula.replace("*mom+", "*0.8+"))
    report = folder / "report.html"
    assert main(["check", str(workbook), "--html", str(report)]) == 1
    return report, report.read_text(encoding="utf-8")


def seven(value: float) -> str:
    return f"{value:.7g}"


def tree(page: str) -> ElementTree.Element:
    """The page parsed as XML: it is well-formed (every element closed, attributes quoted, entities known)."""
    return ElementTree.fromstring(page.replace("<!DOCTYPE html>", "", 1))


def classes(element: ElementTree.Element) -> set[str]:
    return set(element.get("class", "").split())


def find_class(root: ElementTree.Element, tag: str, name: str) -> list[ElementTree.Element]:
    return [e for e in root.iter(tag) if name in classes(e)]


def all_text(element: ElementTree.Element) -> str:
    return " ".join(" ".join(element.itertext()).split())


# ------------------------------------------------------------------ the page's content


def test_the_cause_comes_first_with_its_formula_value_and_explanation(planted):
    _, page = planted
    reference = xlgen.reference("momentum")
    expected = float(reference.grad_avg_b[6])
    gives = 0.8 * float(reference.grad_avg_b[5]) + (1 - 0.9) * float(reference.de_db[6])  # by hand
    root = tree(page)
    order = [e for e in root.iter() if "cause" in classes(e) and e.tag == "div" or
             e.tag == "table" and "cells" in classes(e)]
    assert order[0].tag == "div", "the cause block comes before every table of cells"
    block = all_text(order[0])
    assert "The error starts at momentum!J17" in block
    assert "grad_avg_b, step 7" in block
    assert "=J16*0.8 + (1 - mom)*H17" in block
    assert f"it gives {seven(gives)} expected {seven(expected)}" in block
    # xlgen explain's account: every input agrees, the formula itself is wrong
    assert "every value it reads agrees with the reference, but the formula gives" in block
    # the check keeps 100 differing cells a quantity: 10 quantities of 174 cells and rmse's 6 cells
    assert "1676 other cells differ. Of the 1005 listed below, 1005 differ only because they read a wrong cell" \
        in block
    full = [e.get("title") for e in order[0].iter("dd") if e.get("title")]
    assert [float(t) for t in full] == pytest.approx([gives, expected], rel=1e-15)


def test_the_cause_is_shaded_apart_from_the_cells_that_inherit_it(planted):
    _, page = planted
    root = tree(page)
    sections = find_class(root, "section", "quantity")
    first = sections[0]
    assert all_text(first.find("h3")).startswith("grad_avg_b at momentum!J11:J184: 168 of 174 cells differ, "
                                                 "the first at J17 (step 7)")
    rows = [r for r in first.iter("tr") if r.find("td") is not None]
    states = [(r.get("class"), all_text(r.findall("td")[1])) for r in rows if r.get("class") != "gap"]
    assert states[:3] == [("match", "J12"), ("match", "J13"), ("match", "J14")]
    assert states[5] == ("cause", "J17")
    assert {state for state, _ in states[6:]} == {"inherited"}
    assert len(find_class(root, "tr", "cause")) == 1  # one cell is wrong by itself, in the whole page
    cause = find_class(root, "tr", "cause")[0]
    step, cell, workbook, expected, _ = cause.findall("td")
    assert workbook.get("title") == repr(0.8 * float(xlgen.reference("momentum").grad_avg_b[5]) +
                                         (1 - 0.9) * float(xlgen.reference("momentum").de_db[6]))
    assert all_text(expected) == seven(float(xlgen.reference("momentum").grad_avg_b[6]))
    assert cell.get("title") == "=J16*0.8+(1-mom)*H17"


def test_numbers_have_seven_significant_digits_and_the_full_value_on_hover(planted):
    _, page = planted
    root = tree(page)
    numbers = [e for e in root.iter("td") if "num" in classes(e) and e.get("title")]
    assert len(numbers) > 100
    for element in numbers:
        full = float(element.get("title"))
        assert all_text(element) == seven(full)
        assert len(re.sub(r"[-.]|e[-+]\d+$", "", all_text(element)).lstrip("0")) <= 7


def test_a_chart_of_each_failing_quantity_workbook_against_reference(planted):
    _, page = planted
    root = tree(page)
    sections = find_class(root, "section", "quantity")
    assert len(sections) == 11  # every quantity of the sheet inherits the error
    for section in sections:
        svg = section.find("svg")
        assert svg is not None and "chart" in classes(svg)
        paths = {p.get("class"): p.get("d") for p in svg.iter("path")}
        assert set(paths) == {"reference", "workbook"}
    grad = sections[0].find("svg")
    reference_path = {p.get("class"): p.get("d") for p in grad.iter("path")}["reference"]
    assert reference_path.count("L") == 173  # 174 steps, one line
    marker = [t for t in grad.iter("text") if "marker" in classes(t)]
    assert all_text(marker[0]) == "first difference, step 7"


def test_the_page_is_self_contained(planted):
    _, page = planted
    root = tree(page)
    for element in root.iter():
        assert element.tag not in ("script", "link", "img", "iframe", "object", "embed")
        for name, value in element.attrib.items():
            if name in ("src", "href") or name.endswith("}href"):
                assert value.startswith("#"), (element.tag, name, value)
    assert "url(" not in page and "@import" not in page and "://" not in page


def test_a_passing_workbook_lists_its_quantities_without_a_cause(tmp_path):
    report = tmp_path / "pass.html"
    assert main(["check", str(ROOT / "workbooks" / "basic-sgd.xlsx"), "--html", str(report)]) == 0
    root = tree(report.read_text())
    assert not find_class(root, "div", "cause") and not find_class(root, "section", "quantity")
    rows = find_class(root, "table", "quantities")[0].findall(".//tbody/tr")
    assert [all_text(r.find("td")) for r in rows][:2] == ["b", "a"]
    assert {r.get("class") for r in rows} == {"match"}


# ------------------------------------------------------------------ hostile text, caps


HOSTILE = "<script>alert(1)</script>\x1b[31m\u202etxt.exe\x00\x07'\"&\ud800"


def hostile_result(count: int = 3, file: str = HOSTILE) -> WorkbookResult:
    """A hand-made result: a quantity on a sheet with a hostile name, its cells text and a hostile formula."""
    source = parse_range(f"'{HOSTILE.replace(chr(39), chr(39) * 2)}'!A1:A{count}")
    values = [HOSTILE] + [float(i) + 0.5 for i in range(1, count)]
    comparison = compare_column(HOSTILE, source, values, np.arange(count, dtype=float), 1e-9, 1e-12)
    cells = [CellResult(file, source.sheet, f"A{i + 1}", HOSTILE, i + 1, values[i], float(i), None, None, None,
                        "mismatch", f'"{HOSTILE}"&A{i}' if i else f'"{HOSTILE}"', cause=i == 0)
             for i in range(min(count, KEPT))]  # as the check keeps them
    return WorkbookResult(file, "momentum", "plain", "fast", count, 0, cells, mismatched=count,
                          comparisons=[comparison], notes=[HOSTILE])


def test_workbook_text_is_escaped_and_control_characters_shown():
    errors = WorkbookResult(HOSTILE, error=f"{HOSTILE}: cannot read")
    page = html_report([hostile_result(), errors], explain=lambda path, cell: 1 / 0)
    page.encode("utf-8")  # a lone surrogate would make the file unwritable
    root = tree(page)
    assert not [e for e in root.iter() if e.tag in ("script", "img")]
    for character in "\x1b\u202e\x00\x07\ud800":
        assert character not in page
    shown = all_text(root.find("body"))
    assert "<script>alert(1)</script>\\x1b[31m\\u202etxt.exe\\x00\\x07'\"&\\ud800" in shown
    assert "No step-by-step explanation: " in shown and "ZeroDivisionError" in shown
    assert text("a\tb\nc") == "a\\tb\\nc" and text("<&>") == "&lt;&amp;&gt;"
    assert lines_text("LET(\n  x, \"\x1b\",\n  x)") == "LET(\n  x, &quot;\\x1b&quot;,\n  x)"


class Tags(HTMLParser):
    """What an HTML parser (not an XML one) makes of the page: its start tags and their attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_text_opens_no_element_for_an_html_parser():
    parser = Tags()
    parser.feed(html_report([hostile_result()]))
    assert {tag for tag, _ in parser.tags} <= {"html", "head", "meta", "title", "style", "body", "h1", "p", "section",
                                               "h2", "span", "div", "h3", "dl", "dt", "dd", "pre", "table", "thead",
                                               "tbody", "tr", "th", "td", "a", "svg", "rect", "text", "line", "path",
                                               "ul", "li"}
    assert not [attrs for _, attrs in parser.tags if any(name.startswith("on") for name in attrs)]


def test_a_fully_differing_quantity_lists_a_capped_window_and_counts_the_rest():
    count = 100_000
    page = html_report([hostile_result(count, "big.xlsx")])
    assert len(page) < 150_000
    root = tree(page)
    section = find_class(root, "section", "quantity")[0]
    listed = [r for r in section.iter("tr") if r.get("class") in ("cause", "inherited")]
    assert len(listed) == KEPT == 100  # the cells the check kept, no more
    assert [all_text(r.findall("td")[0]) for r in listed][:2] == ["1", "2"]
    assert [r.get("class") for r in listed[:2]] == ["cause", "inherited"]
    gaps = [all_text(r) for r in find_class(section, "tr", "gap")]
    assert gaps == [f"{count - 100} more cells not listed (steps 101 to {count}), {count - 100} of them differ"]
    assert "99999 other cells differ. Of the 99 listed below, 99 differ only because they read a wrong cell" \
        in all_text(find_class(root, "div", "cause")[0])
    points = sum(p.get("d").count(" ") for p in section.iter("path"))
    assert points < 6_000  # thinned: each slice's smallest and largest value


def test_the_window_starts_a_few_cells_before_the_first_difference():
    count, matching = 1000, 300
    source = parse_range(f"s!B1:B{count}")
    values = [float(i) for i in range(matching)] + [-1.0] * (count - matching)
    comparison = compare_column("q", source, values, np.arange(count, dtype=float), 1e-9, 1e-12)
    kept = [CellResult("w.xlsx", "s", f"B{i + 1}", "q", i + 1, -1.0, float(i), None, None, None, "mismatch",
                       f"B{i}-1", cause=i == matching) for i in range(matching, matching + KEPT)]
    page = html_report([WorkbookResult("w.xlsx", "e", "plain", "fast", count, matching, kept,
                                       mismatched=count - matching, comparisons=[comparison])])
    section = find_class(tree(page), "section", "quantity")[0]
    rows = [r for r in section.iter("tr") if r.find("td") is not None]
    assert [all_text(r) for r in rows if r.get("class") == "gap"] == [
        "steps 1 to 295 match (not listed)", "600 more cells not listed (steps 401 to 1000), 600 of them differ"]
    listed = [r for r in rows if r.get("class") != "gap"]
    assert len(listed) == LISTED == BEFORE + KEPT
    assert [r.get("class") for r in listed[BEFORE - 1:BEFORE + 2]] == ["match", "cause", "inherited"]
    assert all_text(listed[BEFORE].findall("td")[1]) == "B301" and listed[BEFORE].findall("td")[1].get(
        "title") == "=B300-1"


def test_an_exercise_left_empty_says_so_where_the_error_starts(tmp_path):
    assert main(["build", "basic-sgd", "--exercise", "--out", str(tmp_path)]) == 0
    report = tmp_path / "exercise.html"
    assert main(["check", str(tmp_path / "basic-sgd-exercise.xlsx"), "--html", str(report)]) == 1
    root = tree(report.read_text())
    block = all_text(find_class(root, "div", "cause")[0])
    # new_b at step 1 is 1 - (-86)·1e-4 (by hand, as in xlgen.api's doctest)
    assert "The error starts at 'basic-sgd'!O11" in block and "(empty: no formula yet)" in block
    assert "it gives (empty) expected 1.0086" in block
    assert [all_text(li) for li in find_class(root, "ul", "grades")[0].iter("li")] == [
        "new_b not filled yet", "new_a not filled yet"]


# ------------------------------------------------------------------ in a real browser

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not found on PATH (apt-get install chromium)")

LAYOUT_PROBE = """<script>
const box = (selector) => { const r = document.querySelector(selector).getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
const probe = {cause: box('div.cause'), table: box('table.cells'), chart: box('svg.chart'),
  causeRow: box('tr.cause'), quantities: box('table.quantities'),
  scrollWidth: document.documentElement.scrollWidth,
  resources: performance.getEntriesByType('resource').length,
  causeText: document.querySelector('div.cause').innerText};
const out = document.createElement('pre'); out.id = 'probe'; out.textContent = JSON.stringify(probe);
document.body.appendChild(out);
</script>"""


def chromium(*arguments: str, profile: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", f"--user-data-dir={profile}", *arguments],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@needs_chromium
def test_in_chromium_the_cause_block_is_above_the_table(planted, tmp_path):
    report, page = planted
    probe_page = tmp_path / "probe.html"  # the report plus a script that measures it, for this test only
    probe_page.write_text(page.replace("</body>", LAYOUT_PROBE + "</body>"), encoding="utf-8")
    dom = chromium("--window-size=1100,1600", "--dump-dom", probe_page.as_uri(), profile=tmp_path / "profile").stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-1000:]
    probe = json.loads(html.unescape(found.group(1)))
    assert probe["resources"] == 0  # nothing fetched: the page opens offline
    assert probe["cause"]["bottom"] <= probe["quantities"]["top"] <= probe["chart"]["top"] < probe["table"]["top"]
    assert probe["table"]["top"] < probe["causeRow"]["top"]
    assert probe["cause"]["top"] < 300  # the first thing below the workbook's heading
    assert probe["scrollWidth"] <= 1100  # no sideways scrolling at this width
    assert "The error starts at momentum!J17" in probe["causeText"]
    assert "=J16*0.8 + (1 - mom)*H17" in probe["causeText"]


@needs_chromium
def test_in_chromium_the_screenshot_shows_the_cause_before_the_red_cell(planted, tmp_path):
    from PIL import Image

    report, _ = planted
    picture = tmp_path / "report.png"
    chromium("--window-size=1000,2400", f"--screenshot={picture}", report.as_uri(), profile=tmp_path / "profile")
    image = Image.open(picture).convert("RGB")
    assert image.size == (1000, 2400)
    pixels = np.asarray(image).astype(int)

    def rows_of(colour: str) -> np.ndarray:
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        return np.flatnonzero((np.abs(pixels - rgb).max(axis=2) <= 2).sum(axis=1) >= 20)

    border = rows_of("#c62828")  # the cause block's frame
    block = rows_of("#fff4f4")  # its background
    cause_cell = rows_of("#d32f2f")  # the cause's row in the table (and the legend's swatch)
    inherited = rows_of("#fde3cf")  # cells that only read a wrong cell
    assert border.size and block.size and cause_cell.size and inherited.size
    top = border.min()
    bottom = border[border > block.min()].min()
    assert top < 300  # the first thing below the workbook's heading
    assert top < block.min() < block.max() < bottom <= block.max() + 4  # the background fills the frame
    assert bottom < inherited.min() and bottom < cause_cell.min()  # the table's shading comes after it
