"""A MemoryError anywhere in one workbook's check: one line for that workbook, exit 2, the others still reported.

The MemoryError is forced (monkeypatched) at each stage of the check of the middle one of three workbooks
(momentum between two basic-sgd): reading its manifest, evaluating it, running its reference, comparing it.
"""

from __future__ import annotations

import shutil

import pytest

import xlgen.checker
import xlgen.engines.fast
import xlgen.target
from xlgen.batch import check_paths
from xlgen.cli import main
from xlgen.engines import get_engine
from xlgen.workers import CheckOptions, check_in_processes, check_one

from .conftest import ROOT

SHORT = "too big to check in the memory available"


@pytest.fixture
def three(tmp_path):
    paths = [tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "c.xlsx"]
    for path, name in zip(paths, ["basic-sgd", "momentum", "basic-sgd"]):
        shutil.copy(ROOT / "workbooks" / f"{name}.xlsx", path)
    return paths


def short_of_memory_at(stage: str, patch) -> None:
    """Make ``stage`` of the momentum workbook's check (b.xlsx) raise MemoryError."""
    def failing(function, is_b):
        def wrapped(*args, **keywords):
            if is_b(*args, **keywords):
                raise MemoryError
            return function(*args, **keywords)
        return wrapped

    if stage == "reading":
        patch(xlgen.target, "read_workbook", failing(xlgen.target.read_workbook, lambda path, **_: path.name == "b.xlsx"))
    elif stage == "evaluating":
        patch(xlgen.engines.fast.FastEngine, "evaluate", failing(
            xlgen.engines.fast.FastEngine.evaluate, lambda engine, path, ranges: path.name == "b.xlsx"))
    elif stage == "reference":
        patch(xlgen.checker, "reference_for", failing(
            xlgen.checker.reference_for, lambda target, *rest: target.experiment == "momentum"))
    else:
        patch(xlgen.checker, "compare_column", failing(
            xlgen.checker.compare_column, lambda quantity, *rest: quantity == "grad_avg_b"))


STAGES = ["reading", "evaluating", "reference", "comparing"]


@pytest.mark.parametrize("stage", STAGES)
def test_a_memory_error_is_that_workbooks_line(three, monkeypatch, stage):
    short_of_memory_at(stage, monkeypatch.setattr)
    results = check_paths(three, get_engine("fast"))
    assert [result.verdict for result in results] == ["pass", "error", "pass"]
    assert results[1].error == f"{three[1]}: {SHORT}"
    assert results[0].compared == results[2].compared == 2106  # basic-sgd's cells, all checked


@pytest.mark.parametrize("stage", STAGES)
def test_a_memory_error_checking_one_workbook_is_one_line_and_exit_2(three, monkeypatch, capsys, stage):
    short_of_memory_at(stage, monkeypatch.setattr)
    assert main(["check", str(three[1])]) == 2
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"ERROR  {three[1]}: {SHORT}", "0 passed, 0 failed, 1 could not be checked"]
    assert err == ""


def short_of_memory_on_b(path, options):
    """A worker in which b.xlsx runs out of memory while its reference is computed."""
    if path.name != "b.xlsx":
        return check_one(path, options)
    with pytest.MonkeyPatch.context() as patch:
        short_of_memory_at("reference", patch.setattr)
        return check_one(path, options)


def test_a_memory_error_in_a_worker_is_one_row(three):
    results = check_in_processes(three, CheckOptions(), jobs=2, worker=short_of_memory_on_b)
    assert [result.verdict for result in results] == ["pass", "error", "pass"]
    assert results[1].error == f"{three[1]}: {SHORT}"
