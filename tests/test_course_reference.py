"""A course author's reference function cannot decide the verdict: whatever it does, one line and exit code 2.

Each reference here stands in for the example's (``examples/forum-average-grad``): it exits, kills its own
process, hangs, or prints and then returns the right table.
"""

from __future__ import annotations

import csv
import json
import textwrap
import time

import pytest

import xlgen.course_reference
from xlgen.cli import main

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "forum-average-grad"
WORKBOOK = EXAMPLE / "average_grad.xlsx"
RIGHT = f"""
import importlib.util
_spec = importlib.util.spec_from_file_location("authors", {str(EXAMPLE / "average_grad_reference.py")!r})
_authors = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_authors)
"""


def reference(tmp_path, body: str, top: str = "") -> str:
    path = tmp_path / "course.py"
    path.write_text(f"import os, sys, time\n{RIGHT}\n{top}\n\ndef table(**params):\n{textwrap.indent(body, '    ')}\n",
                    encoding="utf-8")
    return f"{path}:table"


def check(capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["check", str(WORKBOOK), "--spec", str(EXAMPLE / "average_grad.toml"), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def error_line(out: str, spec: str) -> str:
    lines = out.splitlines()
    assert len(lines) == 2 and lines[1] == "0 passed, 0 failed, 1 could not be checked", out
    assert lines[0].startswith(f"ERROR  {WORKBOOK}: --reference {spec}"), out
    return lines[0][len(f"ERROR  {WORKBOOK}: --reference {spec}"):]


def test_the_right_table_from_a_course_file_passes(tmp_path, capsys):
    code, out, _ = check(capsys, "--reference", reference(tmp_path, "return _authors.average_grad_calls(**params)"))
    assert code == 0 and out.startswith("PASS") and "18 cells" in out


@pytest.mark.parametrize("body, top, words", [
    ("sys.exit(0)", "", " called sys.exit(0) instead of returning a table"),
    ("raise SystemExit", "", " called sys.exit(None) instead of returning a table"),
    ("return 0", "sys.exit(0)", " called sys.exit(0) instead of returning a table"),  # while it is imported
    ("os._exit(0)", "", " stopped without returning a table (exit code 0)"),
    ("os.kill(os.getpid(), 9)", "", " stopped without returning a table (killed by signal 9)"),
    ("raise KeyboardInterrupt", "", " failed: KeyboardInterrupt: "),
])
def test_a_reference_that_ends_its_process_is_one_line_and_exit_2(tmp_path, capsys, body, top, words):
    spec = reference(tmp_path, body, top)
    code, out, err = check(capsys, "--reference", spec)
    assert code == 2
    assert error_line(out, spec) == words.rstrip()
    assert err == ""


def test_a_reference_that_hangs_is_stopped_at_its_time_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(xlgen.course_reference, "TIME_LIMIT", 1.0)
    spec = reference(tmp_path, "time.sleep(600)")
    start = time.monotonic()
    code, out, _ = check(capsys, "--reference", spec)
    assert code == 2 and time.monotonic() - start < 60
    assert error_line(out, spec) == " returned no table within 1 s; it was stopped"


def test_what_a_reference_prints_stays_out_of_a_report_on_standard_output(tmp_path, capfd):
    spec = reference(tmp_path, "print('hello from the course'); os.write(1, b'and from C\\n')\n"
                               "return _authors.average_grad_calls(**params)")
    code = main(["check", str(WORKBOOK), "--spec", str(EXAMPLE / "average_grad.toml"), "--reference", spec,
                 "--json", "-"])
    out, err = capfd.readouterr()
    assert code == 0
    report = json.loads(out[out.index("{"):])  # after the summary line
    assert [workbook["verdict"] for workbook in report["workbooks"]] == ["pass"]
    assert "hello from the course" in err and "and from C" in err and "hello" not in out


def test_in_a_gradebook_the_reference_that_exits_is_that_rows_reason(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        (folder / name).write_bytes(WORKBOOK.read_bytes())
    spec = reference(tmp_path, "sys.exit(0)")
    gradebook = tmp_path / "grades.csv"
    assert main(["check", str(folder), "--spec", str(EXAMPLE / "average_grad.toml"), "--reference", spec,
                 "--gradebook", str(gradebook)]) == 2
    with gradebook.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["status"], row["reason"]) for row in rows] == [
        ("error", f"{folder / name}: --reference {spec} called sys.exit(0) instead of returning a table")
        for name in ("a.xlsx", "b.xlsx")]
