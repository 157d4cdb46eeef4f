"""A spec that leaves out epochs: the check reads them off the sheet's rows."""

from __future__ import annotations

from xlgen.cli import main

from .handmade import basic_sgd_sheet, basic_sgd_spec


def test_one_epoch_hand_made_sheet_passes_without_epochs(tmp_path, capsys):
    # Without the inference this is exit 2: "b has 29 cells, the reference 174 values".
    book = basic_sgd_sheet(tmp_path / "basic.xlsx", epochs=1)
    spec = basic_sgd_spec(tmp_path / "basic.toml", last_row=32)
    assert main(["check", str(book), "--spec", str(spec)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS") and "348 cells" in out  # 12 quantities x 29 rows


def test_two_epochs_are_read_off_58_rows(tmp_path, capsys):
    book = basic_sgd_sheet(tmp_path / "basic.xlsx", epochs=2)
    spec = basic_sgd_spec(tmp_path / "basic.toml", last_row=61)
    assert main(["check", str(book), "--spec", str(spec)]) == 0
    assert "696 cells" in capsys.readouterr().out


def test_one_epoch_sheet_against_two_inferred_epochs_is_a_mismatch_not_a_pass(tmp_path, capsys):
    # The spec names 58 rows of a one-epoch sheet's columns: rows 33..61 are empty, hence mismatches.
    book = basic_sgd_sheet(tmp_path / "basic.xlsx", epochs=1)
    spec = basic_sgd_spec(tmp_path / "basic.toml", last_row=61)
    assert main(["check", str(book), "--spec", str(spec)]) == 1


def test_rows_that_are_not_whole_epochs_are_one_line(tmp_path, capsys):
    book = basic_sgd_sheet(tmp_path / "basic.xlsx", epochs=2)
    spec = basic_sgd_spec(tmp_path / "basic.toml", last_row=33)  # 30 rows of 29 data points
    assert main(["check", str(book), "--spec", str(spec)]) == 2
    captured = capsys.readouterr()
    lines = [line for line in (captured.out + captured.err).splitlines() if "whole number" in line]
    assert len(lines) == 1
    assert "columns.b (basic!C4:C33) has 30 cells, not a whole number of epochs of 29 rows each" in lines[0]


def test_a_spec_that_fixes_epochs_is_taken_at_its_word(tmp_path, capsys):
    book = basic_sgd_sheet(tmp_path / "basic.xlsx", epochs=1)
    spec = basic_sgd_spec(tmp_path / "basic.toml", last_row=32, epochs=2)
    assert main(["check", str(book), "--spec", str(spec)]) == 2
    assert "has 29 cells, the reference 58 values" in capsys.readouterr().out
