"""The benchmark's hand-made sheet and its spec: the spec checks the sheet, and is the one `xlgen spec` drafts."""

from __future__ import annotations

import tomllib

import pytest

from benchmarks import workbooks
from xlgen.cli import main


@pytest.mark.parametrize("form", workbooks.FORMS)
def test_the_hand_made_sheet_passes_with_its_spec(tmp_path, capsys, form):
    book = workbooks.build(tmp_path / f"sgd-{form}.xlsx", 58, form)
    spec = tmp_path / "sgd.toml"
    spec.write_text(workbooks.spec(58))
    assert main(["check", "--spec", str(spec), str(book)]) == 0
    assert "696 cells" in capsys.readouterr().out  # 12 quantities x 58 rows


def test_the_spec_is_the_drafted_one(tmp_path, capsys):
    book = workbooks.build(tmp_path / "sgd.xlsx", 58, "plain")
    drafted = tmp_path / "drafted.toml"
    assert main(["spec", "--experiment", "basic-sgd", "--out", str(drafted), str(book)]) == 0
    ours, theirs = tomllib.loads(workbooks.spec(58)), tomllib.loads(drafted.read_text())
    assert ours["columns"] == theirs["columns"]
    assert ours["params"] == theirs["params"]
