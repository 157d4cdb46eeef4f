"""The specs shipped inside the package: found by name, listed by `xlgen specs`, a path still wins."""

from __future__ import annotations

import pytest

from xlgen.cli import main
from xlgen.errors import XlgenError
from xlgen.spec import SHIPPED_SPECS, find_spec, load_spec

GRADDESC_SHEETS = ["adam", "adam_ann", "basic", "momentum", "rmsprop"]


def test_xlgen_specs_lists_each_shipped_spec_with_its_description(capsys):
    assert main(["specs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [f"graddesc/{sheet}" for sheet in GRADDESC_SHEETS]
    assert lines[3] == "graddesc/momentum\tJeremy Howard's graddesc workbook, sheet \"momentum\""


def test_a_name_finds_the_shipped_spec_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_spec("graddesc/momentum") == SHIPPED_SPECS / "graddesc" / "momentum.toml"
    target = load_spec("graddesc/rmsprop")
    assert target.experiment == "rmsprop"
    assert str(target.quantities["sqr_avg_b"]) == "rmsprop!J4:J32"  # as the spec file says


def test_a_path_that_exists_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "graddesc").mkdir()
    (tmp_path / "graddesc" / "momentum").write_text('experiment = "momentum"\n[columns]\nb = "S!C4:C32"\n')
    assert load_spec("graddesc/momentum").quantities["b"].rows == 29


@pytest.mark.parametrize("name", ["graddesc/nope", "../cells", "graddesc/../../cli", "/graddesc/momentum"])
def test_an_unknown_name_is_one_clear_error(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(XlgenError, match="no such spec file, and no shipped spec of that name"):
        find_spec(name)
