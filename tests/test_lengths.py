"""A spec that leaves out epochs: the check reads them off the sheet's rows."""

from __future__ import annotations

import pytest

from reference.registry import EXPERIMENTS
from xlgen import lengths
from xlgen.cells import Range
from xlgen.cli import main
from xlgen.lengths import LONG_DATA, PROBES, length_parameters
from xlgen.spec import Target

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


# The experiments whose one length a spec may leave out, with data parameters (all but momentum-sin).
INFERRED = sorted(name for name, experiment in EXPERIMENTS.items()
                  if len(length_parameters(experiment.defaults)) == 1
                  and any(isinstance(value, tuple) for value in experiment.defaults.values()))


def test_every_experiment_but_one_has_a_length_to_infer():
    assert len(INFERRED) == len(EXPERIMENTS) - 1 and "momentum-sin" not in INFERRED


@pytest.mark.parametrize("name", INFERRED)
@pytest.mark.parametrize("points", [LONG_DATA, 1_001, 2_003])
def test_rows_per_data_point_from_short_trials_are_a_full_trials(name, points):
    """Every experiment: the rows read off two short runs (long data) are the rows of one run at full length."""
    experiment = EXPERIMENTS[name]
    missing = length_parameters(experiment.defaults)
    data = [key for key, value in experiment.defaults.items() if isinstance(value, tuple)]
    sheet = Range("s", 1, 1, points, 1)
    target = Target(name, {key: sheet for key in data}, {})
    full = lengths._trial(experiment, target, missing[0], None)
    assert lengths._rows_per_unit(experiment, target, missing[0]) == full


def test_short_trials_run_only_for_long_data(monkeypatch):
    trials = []
    trial = lengths._trial
    monkeypatch.setattr(lengths, "_trial", lambda *args: trials.append(args[3]) or trial(*args))
    experiment = EXPERIMENTS["basic-sgd"]
    for points in (29, LONG_DATA):
        sheet = Range("s", 1, 1, points, 1)
        lengths._rows_per_unit(experiment, Target("basic-sgd", {"x": sheet, "y": sheet}, {}), "epochs")
    assert trials == [None, *PROBES]
