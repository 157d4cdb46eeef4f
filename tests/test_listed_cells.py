"""A large failure stays a small report: the first cells of each quantity are listed, the rest counted."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from xlgen import checker
from xlgen.cli import main
from xlgen.results import LISTED

EPOCHS = 150  # 29 data points a epoch: 4,350 steps, 52,650 compared cells


@pytest.fixture(scope="module")
def wrong_everywhere(tmp_path_factory) -> Path:
    """basic-sgd over 150 epochs with every formula's saved value replaced by 12345.5 (checked as saved)."""
    folder = tmp_path_factory.mktemp("big")
    assert main(["build", "basic-sgd", "--variant", "plain", "--set", f"epochs={EPOCHS}", "--out", str(folder)]) == 0
    built = folder / "basic-sgd.xlsx"
    wrong = folder / "wrong.xlsx"
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(wrong, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb"</f><v>[^<]*</v>", b"</f><v>12345.5</v>", data)
                assert count > 50_000
            target.writestr(name, data)
    return wrong


def test_a_report_lists_the_first_cells_of_each_quantity_and_counts_the_rest(capsys, tmp_path, wrong_everywhere,
                                                                            monkeypatch):
    made = []
    cell_result = checker.cell_result
    monkeypatch.setattr(checker, "cell_result", lambda *args: made.append(args[3]) or cell_result(*args))
    report, junit = tmp_path / "report.json", tmp_path / "report.xml"
    code = main(["check", str(wrong_everywhere), "--engine", "cached", "--json", str(report), "--junit", str(junit)])
    out = capsys.readouterr().out
    assert code == 1, out

    data = json.loads(report.read_text())
    [workbook] = data["workbooks"]
    quantities = workbook["quantities"]
    assert workbook["compared"] == 52_650 and workbook["listed_per_quantity"] == LISTED == 100
    assert sum(q["cells"] for q in quantities) == workbook["compared"]
    assert sum(q["mismatched"] for q in quantities) == workbook["mismatched"] == workbook["compared"] - workbook["matched"]
    assert workbook["mismatched"] > 50_000, workbook
    for quantity in quantities:
        assert quantity["listed"] == min(LISTED, quantity["mismatched"] + quantity["unsupported"])
        assert quantity["not_listed"] == quantity["mismatched"] + quantity["unsupported"] - quantity["listed"]
    steps = {}
    for cell in data["cells"]:
        steps.setdefault(cell["quantity"], []).append(cell["step"])
    assert {q: len(s) for q, s in steps.items()} == {q["quantity"]: q["listed"] for q in quantities if q["listed"]}
    b = next(q for q in quantities if q["quantity"] == "new_b")
    assert b["cells"] == 29 * EPOCHS and b["mismatched"] == 29 * EPOCHS and b["not_listed"] == 29 * EPOCHS - 100
    assert sorted(steps["new_b"]) == list(range(1, 101))  # the first hundred, by step
    assert len(data["cells"]) == len(made) <= LISTED * len(quantities)  # no row made for a cell not listed
    assert report.stat().st_size < 1_000_000  # every cell listed: about 25 MB

    first = [line for line in out.splitlines() if "first mismatch" in line]
    assert len(first) == 1 and f"({workbook['mismatched']} cells differ)" in first[0], out
    [failure] = ElementTree.parse(junit).getroot().iter("failure")
    assert failure.get("message") == f"{workbook['mismatched']} of 52650 cells differ from the reference"


def test_the_python_api_keeps_only_the_listed_cells(wrong_everywhere):
    from xlgen.api import check

    result = check(wrong_everywhere, engine="cached")
    [checked] = result.results
    assert checked.verdict == "fail" and checked.mismatched > 50_000
    assert len(checked.cells) == sum(c.listed for c in checked.counts) <= LISTED * len(checked.counts)
    assert len(result.mismatches) == len(checked.cells)
