"""``xlgen check DIR --jobs N --gradebook FILE``: a class graded in one command, one row per submission."""

from __future__ import annotations

import csv
import os
import pty
import select
import shutil
import subprocess
import sys
import time

import pytest

from xlgen.cli import main
from xlgen.gradebook import gradebook_csv
from xlgen.workers import CheckOptions, check_in_processes, check_one

from .conftest import ROOT, in_the_foreground
from .planting import plant_formula, plant_formula_over_value
from .test_budgets import EXPF
from .test_exercise_check import fill


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """Six submissions: done, untouched, one wrong row, a changed plain workbook, a text file, a cut zip."""
    built = tmp_path_factory.mktemp("built")
    assert main(["build", "momentum", "--exercise", "--out", str(built)]) == 0
    assert main(["build", "momentum", "--variant", "plain", "--out", str(built)]) == 0
    exercise = built / "momentum-exercise.xlsx"
    folder = tmp_path_factory.mktemp("submissions")
    fill(exercise, folder / "ada.xlsx")
    shutil.copy(exercise, folder / "bo.xlsx")
    fill(exercise, folder / "cy.xlsx", edit=lambda sheet: sheet.__setitem__("L40", "=E40+J40*lr"))
    plant_formula(built / "momentum.xlsx", folder / "di.xlsx", "momentum", "L20", "-J20*lr+E20+1")
    (folder / "ed.xlsx").write_text("my homework, in words", encoding="utf-8")
    (folder / "flo.xlsx").write_bytes((folder / "ada.xlsx").read_bytes()[:2000])
    return folder


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return {os.path.basename(row["file"]): row for row in csv.DictReader(stream)}


def test_gradebook_has_one_row_per_file_and_survives_broken_ones(submissions, tmp_path, capsys):
    gradebook = tmp_path / "grades.csv"
    assert main(["check", str(submissions), "--jobs", "2", "--gradebook", str(gradebook)]) == 1
    captured = capsys.readouterr()
    rows = rows_of(gradebook)
    assert list(rows) == ["ada.xlsx", "bo.xlsx", "cy.xlsx", "di.xlsx", "ed.xlsx", "flo.xlsx"]
    picked = {name: (row["status"], row["quantities_right"], row["quantities_total"], row["first_wrong_cell"],
                     row["formula"]) for name, row in rows.items()}
    assert picked == {
        "ada.xlsx": ("pass", "4", "4", "", ""),
        "bo.xlsx": ("fail", "0", "4", "", ""),
        "cy.xlsx": ("fail", "0", "4", "momentum!L40", "E40+J40*lr"),
        # A plain workbook: only new_b is wrong by itself; the rest read its error.
        "di.xlsx": ("fail", "10", "11", "momentum!L20", "'-J20*lr+E20+1"),  # a spreadsheet reads it as text
        "ed.xlsx": ("error", "", "", "", ""),
        "flo.xlsx": ("error", "", "", "", ""),
    }
    assert rows["bo.xlsx"]["reason"] == "new_b: not filled"
    assert "is not an .xlsx workbook" in rows["ed.xlsx"]["reason"]
    assert "truncated zip" in rows["flo.xlsx"]["reason"]
    # Not a terminal: one line per file as it finishes, then the summary.
    progress = captured.err.splitlines()
    assert len(progress) == 6 and all(line.startswith("[") for line in progress)
    assert sorted(line.split()[-1].rsplit("/", 1)[-1] for line in progress) == sorted(rows)
    assert "1 passed, 3 failed, 2 could not be checked" in captured.out


def test_one_process_and_two_give_the_same_gradebook(submissions, tmp_path, capsys):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert main(["check", str(submissions), "--jobs", "1", "--gradebook", str(one)]) == 1
    assert main(["check", str(submissions), "--jobs", "2", "--gradebook", str(two)]) == 1
    assert one.read_text() == two.read_text()


def crash_on_bo(path, options):
    """A worker that dies on one file, as one killed by the kernel would."""
    if path.name == "bo.xlsx":
        os._exit(9)
    return check_one(path, options)


def test_a_file_that_kills_its_worker_is_one_row(submissions):
    paths = sorted(submissions.iterdir())
    results = check_in_processes(paths, CheckOptions(), jobs=2, worker=crash_on_bo)
    verdicts = {path.name: result.verdict for path, result in zip(paths, results)}
    assert verdicts == {"ada.xlsx": "pass", "bo.xlsx": "error", "cy.xlsx": "fail", "di.xlsx": "fail",
                        "ed.xlsx": "error", "flo.xlsx": "error"}
    assert "the process checking it stopped" in results[1].error


def sleep_on_bo(path, options):
    """A worker that hangs on one file."""
    if path.name == "bo.xlsx":
        time.sleep(600)
    return check_one(path, options)


def test_a_file_that_hangs_is_one_row_and_the_run_goes_on(submissions):
    paths = sorted(submissions.iterdir())
    # A limit far above the others' time, even on a busy machine.
    results = check_in_processes(paths, CheckOptions(), jobs=2, worker=sleep_on_bo, timeout=5)
    verdicts = {path.name: result.verdict for path, result in zip(paths, results)}
    assert verdicts == {"ada.xlsx": "pass", "bo.xlsx": "error", "cy.xlsx": "fail", "di.xlsx": "fail",
                        "ed.xlsx": "error", "flo.xlsx": "error"}
    assert results[1].error == f"{paths[1]}: timed out after 5 s"


def test_a_workbook_that_keeps_the_evaluator_busy_times_out(tmp_path, capsys):
    """EXPF(19) makes a million LAMBDA calls, within the evaluator's budget but past a two-second limit; the one
    worker is replaced and the next file is checked."""
    folder = tmp_path / "class"
    folder.mkdir()
    plant_formula_over_value(ROOT / "workbooks" / "basic-sgd.xlsx", folder / "busy.xlsx", "basic-sgd", "B5",
                             "EXPF(19)*0+0.0001", EXPF)
    (folder / "essay.xlsx").write_text("my homework, in words", encoding="utf-8")
    gradebook = tmp_path / "grades.csv"
    assert main(["check", str(folder), "--jobs", "1", "--timeout", "2", "--gradebook", str(gradebook)]) == 2
    rows = rows_of(gradebook)
    assert {name: row["status"] for name, row in rows.items()} == {"busy.xlsx": "error", "essay.xlsx": "error"}
    assert rows["busy.xlsx"]["reason"] == f"{folder / 'busy.xlsx'}: timed out after 2 s"
    assert "is not an .xlsx workbook" in rows["essay.xlsx"]["reason"]


@pytest.mark.parametrize("signal_name, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_ctrl_c_stops_the_workers_at_once(tmp_path, signal_name, code):
    """Six workbooks of a million LAMBDA calls each, one worker: interrupted during the first, the check
    ends without checking the five still queued, and writes no gradebook."""
    import signal

    folder = tmp_path / "class"
    folder.mkdir()
    plant_formula_over_value(ROOT / "workbooks" / "basic-sgd.xlsx", folder / "busy-0.xlsx", "basic-sgd", "B5",
                             "EXPF(19)*0+0.0001", EXPF)
    for index in range(1, 6):
        shutil.copy(folder / "busy-0.xlsx", folder / f"busy-{index}.xlsx")
    gradebook = tmp_path / "grades.csv"
    child = subprocess.Popen([sys.executable, "-m", "xlgen.cli", "check", str(folder), "--jobs", "1",
                              "--gradebook", str(gradebook)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT, preexec_fn=in_the_foreground)
    try:
        time.sleep(3)  # the pool has started and the worker is in the first workbook
        child.send_signal(getattr(signal, signal_name))
        out, err = child.communicate(timeout=20)  # the queued workbooks would take far longer than this
    finally:
        child.kill()
    assert child.returncode == code, err
    assert err.splitlines()[-1] in ("xlgen: interrupted", "xlgen: terminated")
    assert not gradebook.exists()


def test_a_folder_check_runs_in_as_many_processes_as_cores(submissions, monkeypatch, capsys):
    import xlgen.workers

    asked = []
    real = xlgen.workers.check_in_processes

    def recording(paths, options, jobs, **keywords):
        asked.append((len(paths), jobs, keywords["timeout"]))
        return real(paths, options, jobs, **keywords)

    monkeypatch.setattr(xlgen.workers, "check_in_processes", recording)
    monkeypatch.setattr(xlgen.workers, "default_jobs", lambda: 3)
    assert main(["check", str(submissions)]) == 1
    assert asked == [(6, 3, 300)]
    out, err = capsys.readouterr()
    assert err == ""  # not a terminal, no gradebook: the results only, at the end
    verdicts = [line.split()[:2] for line in out.splitlines() if line.split()[0] in ("PASS", "FAIL", "ERROR")]
    assert [(verdict, os.path.basename(path)) for verdict, path in verdicts] == [
        ("PASS", "ada.xlsx"), ("FAIL", "bo.xlsx"), ("FAIL", "cy.xlsx"), ("FAIL", "di.xlsx"), ("ERROR", "ed.xlsx"),
        ("ERROR", "flo.xlsx")]


def run_on_a_terminal(arguments):
    """``xlgen ARGUMENTS`` with its standard error on a pseudo-terminal: (exit code, what the terminal got)."""
    leader, follower = pty.openpty()
    child = subprocess.Popen([sys.executable, "-m", "xlgen.cli", *arguments], stdout=subprocess.PIPE,
                             stderr=follower, cwd=ROOT)
    os.close(follower)
    received = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            child.kill()
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    child.stdout.read()
    return child.wait(60), received.decode()


def test_a_terminal_shows_a_progress_bar(submissions, tmp_path):
    code, terminal = run_on_a_terminal(["check", str(submissions), "--jobs", "2",
                                        "--gradebook", str(tmp_path / "grades.csv")])
    assert code == 1
    bars = [part for part in terminal.split("\r") if part.strip()]
    assert bars == [f"[{'#' * (30 * n // 6)}{'.' * (30 - 30 * n // 6)}] {n}/6" for n in range(1, 7)]
    assert "\n" not in terminal  # no line per file on a terminal


def test_fields_a_spreadsheet_would_run_are_text():
    text = gradebook_csv([{"file": "=HYPERLINK(\"http://x\")", "status": "fail", "formula": "@SUM(A1)",
                           "reason": "line one\nline two"}])
    row = next(csv.DictReader(text.splitlines()))
    assert row["file"] == "'=HYPERLINK(\"http://x\")" and row["formula"] == "'@SUM(A1)"
    assert row["reason"] == "line one line two"


def test_bad_jobs_is_one_line(submissions, capsys):
    assert main(["check", str(submissions), "--jobs", "0"]) == 2
    assert capsys.readouterr().err.strip() == "xlgen: error: --jobs must be 1 or more, got 0"
