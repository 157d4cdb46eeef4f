"""The generator: every experiment in three variants, stored as Excel stores formulas, deterministic, current."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import pytest

import reference
from reference.registry import Quantity
from xlgen.builder import build, file_name, workbook_bytes
from xlgen.builder import workbook_spec as builder_spec
from xlgen.errors import XlgenError
from xlgen.cli import main
from xlgen.manifest import MANIFEST_SHEET, read_manifest
from xlgen.sheets import BUILDERS
from xlgen.variants import VARIANTS
from xlgen.writer import read_parts
from xlgen.xlsx.reader import read_workbook

from .conftest import ROOT

EXPERIMENTS = list(reference.EXPERIMENTS)
F_ELEMENT = re.compile(r"<f(?P<attrs>[^>]*)>(?P<text>[^<]*)</f>")
DEFINED_NAME = re.compile(r'<definedName name="(?P<name>[^"]+)"(?P<attrs>[^>]*)>(?P<text>[^<]*)</definedName>')


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("workbooks")
    for name in EXPERIMENTS:
        build(name, VARIANTS, out=out)
    return out


def sheet_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]


def test_every_experiment_has_three_workbooks(built):
    assert sorted(p.name for p in built.iterdir()) == sorted(
        file_name(name, variant) for name in EXPERIMENTS for variant in VARIANTS)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_formulas_are_stored_as_excel_stores_them(built, name):
    for variant in VARIANTS:
        path = built / file_name(name, variant)
        formulas = [m["text"] for xml in sheet_xml(path) for m in F_ELEMENT.finditer(xml)]
        assert formulas, path
        for text in formulas:
            assert not text.startswith("="), text
            # every LET and LAMBDA carries _xlfn., every name they bind carries _xlpm.
            assert not re.search(r"(?<![._A-Za-z])(LET|LAMBDA)\(", text), text
            for match in re.finditer(r"_xlfn\.LET\((.*)", text, re.S):
                first_name = match.group(1).split(",")[0].strip()
                assert first_name.startswith("_xlpm."), text
        uses_let = any("_xlfn.LET(" in t for t in formulas)
        assert uses_let == (variant == "let"), (name, variant)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_lambda_variant_defines_commented_lambda_names_and_calls_them_as_dynamic_arrays(built, name):
    path = built / file_name(name, "lambda")
    with zipfile.ZipFile(path) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
        names = archive.namelist()
    lambdas = {m["name"]: m for m in DEFINED_NAME.finditer(workbook_xml) if "LAMBDA" in m["text"]}
    assert lambdas, "the lambda variant defines LAMBDA names"
    for defined_name, match in lambdas.items():
        assert match["text"].startswith("_xlfn.LAMBDA(\n    _xlpm."), defined_name
        assert re.search(r'comment="[^"]{20,255}"', match["attrs"]), f"{defined_name} has no description"
        assert defined_name.isupper()
    assert "xl/metadata.xml" in names  # dynamic arrays need Excel's metadata part
    calls = [(m["attrs"], m["text"]) for xml in sheet_xml(path) for m in F_ELEMENT.finditer(xml)
             if any(re.search(rf"\b{n}\(", m["text"]) for n in lambdas)]
    assert calls
    for attrs, text in calls:
        assert 't="array"' in attrs and "ref=" in attrs, text
    for xml in sheet_xml(path):
        for cell in re.finditer(r'<c r="[A-Z]+\d+"[^>]*>(<f[^>]*>[^<]*</f>)', xml):
            if any(re.search(rf"\b{n}\(", cell.group(1)) for n in lambdas):
                assert 'cm="1"' in cell.group(0), cell.group(0)[:120]


def test_average_grad_is_one_call_on_the_range_of_gradients(built):
    path = built / "average-grad-lambda.xlsx"
    formulas = [m for xml in sheet_xml(path) for m in F_ELEMENT.finditer(xml)]
    calls = [m for m in formulas if m["text"].startswith("AVERAGE_GRAD(")]
    assert calls and all(re.search(r'ref="[A-Z]+\d+:[A-Z]+\d+"', m["attrs"]) for m in calls)
    assert all(re.match(r"AVERAGE_GRAD\([A-Z]+\d+:[A-Z]+\d+, mom, (TRUE|FALSE), ", m["text"]) for m in calls)


def test_let_and_lambda_formulas_are_laid_out_over_lines(built):
    let_formulas = [m["text"] for xml in sheet_xml(built / "basic-sgd-let.xlsx") for m in F_ELEMENT.finditer(xml)
                    if m["text"].startswith("_xlfn.LET(")]
    assert let_formulas and all("\n    _xlpm." in text for text in let_formulas)
    with zipfile.ZipFile(built / "basic-sgd-lambda.xlsx") as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode()
    sgd_step = next(m for m in DEFINED_NAME.finditer(workbook_xml) if m["name"] == "SGD_STEP")
    assert sgd_step["text"] == "_xlfn.LAMBDA(\n    _xlpm.p,\n    _xlpm.lr,\n    _xlpm.grad,\n    _xlpm.p - _xlpm.lr*_xlpm.grad\n)"


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_manifest_names_the_experiment_and_every_quantity(built, name):
    experiment = reference.experiment(name)
    for variant in VARIANTS:
        workbook = read_workbook(built / file_name(name, variant))
        manifest = read_manifest(workbook)
        assert (manifest.experiment, manifest.variant) == (name, variant)
        assert len(manifest.fingerprint) == 64
        expected = {q.name for q in (*experiment.quantities, *experiment.epoch_quantities)}
        assert set(manifest.quantities) == expected
        assert set(manifest.params) == set(experiment.defaults)
        # Every quantity cell is computed: a formula, or a cell an array formula fills.
        for quantity, cells in manifest.quantities.items():
            sheet = workbook.sheets[cells.sheet]
            spilled = set()
            for (row, column), ref in sheet.array_refs.items():
                spilled |= set(_cells_of(ref))
            for key in cells.cells():
                assert key in sheet.formulas or key in spilled, (variant, quantity, key)


def _cells_of(ref: str) -> list[tuple[int, int]]:
    from xlgen.cells import parse_range

    return parse_range(ref, default_sheet="-").cells()


def test_inputs_are_named_cells_the_formulas_use(built):
    workbook = read_workbook(built / "basic-sgd.xlsx")
    names = {n.name: n.text for n in workbook.names}
    assert names["lr"] == "'basic-sgd'!$B$5" and names["fd_step"] == "'basic-sgd'!$E$5"
    assert names["b_0"] == "'basic-sgd'!$C$5"  # b0 could be read as a cell, so the sheet calls it b_0
    sheet = workbook.sheets["basic-sgd"]
    assert sheet.values[(5, 2)] == 1e-4
    formulas = set(sheet.formulas.values())
    assert "E12-M12*lr" in formulas  # new_b = b - de_db*lr, reading like the graddesc sheet's =C4-K4*$F$1
    assert "(K12-H12)/fd_step" in formulas


def test_input_labels_and_notes_are_the_reference_parameters(built):
    sheet = read_workbook(built / "momentum.xlsx").sheets["momentum"]
    # row 4 labels the inputs of row 5; the labels are the reference's (reference/graddesc.py)
    assert [sheet.values[(4, column)] for column in range(2, 8)] == [
        "learning rate", "b at start", "a at start", "momentum", "avg de/db at start", "avg de/da at start"]
    spec = builder_spec("momentum")
    parameters = reference.experiment("momentum").parameters
    assert [(i.label, i.note) for i in spec.sheets[0].inputs] == [
        (parameters[i.name].label, parameters[i.name].help) for i in spec.sheets[0].inputs]
    assert spec.sheets[0].inputs[3].note == "momentum of the average of the gradients"


def test_a_quantity_without_a_sheet_column_is_an_error_at_build_time():
    experiment = reference.experiment("momentum")
    ghost = dataclasses.replace(experiment, quantities=(*experiment.quantities, Quantity("ghost", "ghost")))
    table = reference.run("momentum")
    with pytest.raises(XlgenError, match="quantity 'ghost' has no column on sheet 'momentum'"):
        BUILDERS["momentum"](ghost, dict(table.attrs["params"]), table)


def test_build_is_deterministic():
    assert workbook_bytes("momentum", "lambda") == workbook_bytes("momentum", "lambda")


def test_committed_workbooks_are_current(built):
    committed = ROOT / "workbooks"
    assert sorted(p.name for p in committed.glob("*.xlsx")) == sorted(p.name for p in built.iterdir())
    for path in sorted(built.iterdir()):
        assert read_parts(committed / path.name) == read_parts(path), (
            f"workbooks/{path.name} differs from what `xlgen build` writes now; run `xlgen build`")


def test_parameters_change_the_workbook_inputs_and_cached_values(tmp_path):
    build("basic-sgd", ["plain"], params={"lr": "0.001", "epochs": "2"}, out=tmp_path)
    workbook = read_workbook(tmp_path / "basic-sgd.xlsx")
    manifest = read_manifest(workbook)
    assert workbook.sheets["basic-sgd"].values[(5, 2)] == 0.001
    assert manifest.params["epochs"] == 2
    assert manifest.quantities["b"].rows == 2 * 29
    expected = reference.run("basic-sgd", lr=0.001, epochs=2)["new_b"].iloc[-1]
    new_b = manifest.quantities["new_b"]
    assert workbook.sheets["basic-sgd"].values[(new_b.last_row, new_b.last_column)] == expected


def test_build_refuses_to_overwrite_an_edited_workbook(tmp_path):
    build("momentum-sin", ["plain"], out=tmp_path)
    path = tmp_path / "momentum-sin.xlsx"
    again = build("momentum-sin", ["plain"], out=tmp_path)
    assert not again[0].written  # same bytes: nothing to do
    build("momentum-sin", ["plain"], params={"mom": "0.5"}, out=tmp_path)  # ours, unedited: rebuilt

    parts = read_parts(path)
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"<v>0.5</v>", b"<v>0.25</v>", 1)  # a person changes mom
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    edited = path.read_bytes()
    with pytest.raises(XlgenError, match="edited since xlgen built it"):
        build("momentum-sin", ["plain"], out=tmp_path)
    assert path.read_bytes() == edited
    build("momentum-sin", ["plain"], out=tmp_path, force=True)
    assert path.read_bytes() == workbook_bytes("momentum-sin", "plain")


def edit_part(path: Path, part: str, old: bytes, new: bytes) -> bytes:
    """Change one part of the workbook at ``path`` as a person's editor would, and return the edited bytes."""
    parts = read_parts(path)
    assert old in parts[part]
    parts[part] = parts[part].replace(old, new, 1)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path.read_bytes()


def manifest_part(path: Path) -> str:
    return read_workbook(path, sheets=[MANIFEST_SHEET]).sheets[MANIFEST_SHEET].member


@pytest.mark.parametrize("old, new", [
    (b"$E$11:$E$110)</f><v>100</v>", b"$E$11:$E$60)</f><v>50</v>"),  # the cells of a quantity
    (b'<c r="C11"><f>', b'<c r="C11"><v>0.5</v><f>'),  # a formula's neighbour: any byte counts
])
def test_build_refuses_to_overwrite_a_workbook_whose_manifest_sheet_was_edited(tmp_path, old, new):
    build("momentum-sin", ["plain"], out=tmp_path)
    path = tmp_path / "momentum-sin.xlsx"
    edited = edit_part(path, manifest_part(path), old, new)
    with pytest.raises(XlgenError, match="momentum-sin.xlsx: edited since xlgen built it"):
        build("momentum-sin", ["plain"], out=tmp_path)
    assert path.read_bytes() == edited
    build("momentum-sin", ["plain"], out=tmp_path, force=True)
    assert path.read_bytes() == workbook_bytes("momentum-sin", "plain")


def test_a_fingerprint_typed_over_is_an_edit(tmp_path):
    build("momentum-sin", ["plain"], out=tmp_path)
    path = tmp_path / "momentum-sin.xlsx"
    fingerprint = read_manifest(read_workbook(path, sheets=[MANIFEST_SHEET])).fingerprint
    assert re.fullmatch("[0-9a-f]{64}", fingerprint)
    edit_part(path, manifest_part(path), f"<v>{fingerprint}</v>".encode(), b"<v>0</v>")
    with pytest.raises(XlgenError, match="edited since xlgen built it"):
        build("momentum-sin", ["plain"], out=tmp_path)


def test_a_multi_variant_build_checks_every_target_before_writing_any(tmp_path):
    build("momentum-sin", VARIANTS, params={"mom": "0.5"}, out=tmp_path)
    paths = [tmp_path / file_name("momentum-sin", variant) for variant in VARIANTS]
    edit_part(paths[1], "xl/worksheets/sheet1.xml", b"<v>0.5</v>", b"<v>0.25</v>")  # the -let file's mom
    before = [path.read_bytes() for path in paths]
    with pytest.raises(XlgenError) as refused:
        build("momentum-sin", VARIANTS, out=tmp_path)
    assert str(refused.value) == f"{paths[1]}: edited since xlgen built it; not overwriting it (use --force)"
    assert [path.read_bytes() for path in paths] == before, "the plain and lambda files are left as they were"

    edit_part(paths[2], "xl/worksheets/sheet1.xml", b"<v>0.5</v>", b"<v>0.75</v>")
    before = [path.read_bytes() for path in paths]
    with pytest.raises(XlgenError) as refused:
        build("momentum-sin", VARIANTS, out=tmp_path)
    assert str(refused.value) == (f"{paths[1]}: edited since xlgen built it; {paths[2]}: edited since xlgen built "
                                  f"it; not overwriting any of them, nothing written (use --force)")
    assert [path.read_bytes() for path in paths] == before

    done = []
    built = build("momentum-sin", VARIANTS, out=tmp_path, force=True, on_done=done.append)
    assert done == built and [b.path for b in built] == paths and all(b.written for b in built)


def test_a_write_that_fails_midway_says_what_was_written(tmp_path, monkeypatch):
    from xlgen import builder

    real_save = builder.save

    def save(path, data):
        if path.name.endswith("-let.xlsx"):
            raise OSError(28, "No space left on device")
        real_save(path, data)

    monkeypatch.setattr(builder, "save", save)
    with pytest.raises(XlgenError) as failed:
        build("momentum-sin", VARIANTS, out=tmp_path)
    assert str(failed.value) == (f"{tmp_path / 'momentum-sin-let.xlsx'}: cannot write it (No space left on device); "
                                 f"written before it: {tmp_path / 'momentum-sin.xlsx'}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["momentum-sin.xlsx"]


def test_the_build_command_checks_the_targets_of_every_experiment_before_writing_any(tmp_path, capsys):
    build("momentum-sin", ["plain"], params={"mom": "0.5"}, out=tmp_path)
    edited = edit_part(tmp_path / "momentum-sin.xlsx", "xl/worksheets/sheet1.xml", b"<v>0.5</v>", b"<v>0.25</v>")
    assert main(["build", "momentum", "momentum-sin", "--variant", "plain", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error == f"xlgen: error: {tmp_path / 'momentum-sin.xlsx'}: edited since xlgen built it; not overwriting it (use --force)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["momentum-sin.xlsx"], "momentum.xlsx is not written"
    assert (tmp_path / "momentum-sin.xlsx").read_bytes() == edited

    assert main(["build", "momentum", "momentum-sin", "--variant", "plain", "--out", str(tmp_path), "--force"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote {tmp_path / 'momentum.xlsx'}",
                                                    f"wrote {tmp_path / 'momentum-sin.xlsx'}"]


def test_build_refuses_to_overwrite_a_file_it_did_not_write(tmp_path):
    path = tmp_path / "basic-sgd.xlsx"
    path.write_text("my own notes")
    with pytest.raises(XlgenError, match="not built by xlgen"):
        build("basic-sgd", ["plain"], out=tmp_path)
    assert path.read_text() == "my own notes"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file is left behind"
