"""Hostile and careless input to the reader, the spec, the manifest and the command line: exit 2, one line.

Each case is the smallest change to a workbook xlgen wrote (or to a spec) that
once gave a wrong verdict, a traceback or an unbounded run; the input file is
never changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from xlgen.cli import main

from .conftest import ROOT

SOURCE = ROOT / "workbooks" / "basic-sgd.xlsx"
SHEET = "xl/worksheets/sheet1.xml"


def parts_of(path: Path = SOURCE) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, parts: dict[str, bytes] | list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED,
              methods: dict[str, int] | None = None) -> Path:
    items = parts.items() if isinstance(parts, dict) else parts
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in items:
            archive.writestr(name, data, compress_type=(methods or {}).get(name, method))
    return path


def edited(tmp: Path, part: str, old: bytes, new: bytes) -> Path:
    parts = parts_of()
    assert old in parts[part], old
    parts[part] = parts[part].replace(old, new, 1)
    return write_zip(tmp / "edited.xlsx", parts)


def check(capsys, *argv) -> tuple[int, str]:
    """Run ``xlgen check``; the input files must come out unchanged and the output be one error line."""
    files = [Path(a) for a in argv if Path(str(a)).is_file()]
    before = {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    code = main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    assert {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in files} == before
    return code, text


# ------------------------------------------------------------------ the package and its parts


def test_duplicate_part_names_are_refused(capsys, tmp_path):
    parts = parts_of()
    wrong = parts[SHEET].replace(b"<v>0.0001</v>", b"<v>0.5</v>", 1)
    items = [(name, data) for name, data in parts.items() if name != SHEET] + [(SHEET, wrong), (SHEET, parts[SHEET])]
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = write_zip(tmp_path / "twice.xlsx", items)
    code, text = check(capsys, path)
    assert code == 2 and "two parts named 'xl/worksheets/sheet1.xml'" in text, text


def test_compression_other_than_stored_or_deflate_is_refused(capsys, tmp_path):
    path = write_zip(tmp_path / "bzip2.xlsx", parts_of(), methods={SHEET: zipfile.ZIP_BZIP2})
    code, text = check(capsys, path)
    assert code == 2 and "compressed with zip method 12" in text and "sheet1.xml" in text, text


@pytest.mark.parametrize("number", [b"nan", b"0.000_1", b"inf", b"1e999"])
def test_numbers_not_in_excels_syntax_are_refused_naming_the_cell(capsys, tmp_path, number):
    path = edited(tmp_path, SHEET, b'<c r="B5" s="4"><v>0.0001</v></c>', b'<c r="B5" s="4"><v>' + number + b"</v></c>")
    code, text = check(capsys, path)
    assert code == 2, text
    assert "sheet 'basic-sgd'" in text and "cell B5" in text and "not a number in Excel's syntax" in text, text
    assert len(text.strip().splitlines()) == 2  # the error, then the summary


def test_an_array_formula_claiming_the_rest_of_the_grid_is_refused(capsys, tmp_path):
    cell = b'<row r="1000"><c r="Z1000"><f t="array" ref="Z1000:XFD1048576">1</f><v>1</v></c></row>'
    path = edited(tmp_path, SHEET, b"</sheetData>", cell + b"</sheetData>")
    code, text = check(capsys, path)
    assert code == 2 and "array formula at Z1000 fills Z1000:XFD1048576" in text, text


def test_a_negative_shared_string_index_is_refused(capsys, tmp_path):
    title = "<is><t>Basic SGD: online gradient descent on y = a·x + b</t></is>".encode()
    path = edited(tmp_path, SHEET, b'<c r="A1" s="1" t="inlineStr">' + title, b'<c r="A1" s="1" t="s"><v>-1</v>')
    code, text = check(capsys, path)
    assert code == 2 and "cell A1: shared string '-1' does not exist" in text, text


@pytest.mark.parametrize("old, new, words", [
    (b'<definedName name="lr">', b'<definedName name="lr" localSheetId="-1">', "local to sheet number '-1'"),
    (b'<definedName name="lr">', b'<definedName name="lr" localSheetId="abc">', "local to sheet number 'abc'"),
    (b'<definedName name="lr">', b"<definedName>", "a defined name without a name"),
    (b'<sheet name="xlgen"', b'<sheet name="Basic-SGD"', "two sheets are named 'Basic-SGD'"),
    (b'<sheet name="xlgen"', b"<sheet", "a sheet without a name"),
])
def test_workbook_parts_without_names_or_with_bad_indexes_are_told_plainly(capsys, tmp_path, old, new, words):
    code, text = check(capsys, edited(tmp_path, "xl/workbook.xml", old, new))
    assert code == 2 and words in text, text


def test_a_missing_worksheet_part_is_said(capsys, tmp_path):
    parts = parts_of()
    del parts[SHEET]
    code, text = check(capsys, write_zip(tmp_path / "missing.xlsx", parts))
    assert code == 2 and "its worksheet part 'xl/worksheets/sheet1.xml' is missing" in text, text


def test_an_external_worksheet_part_is_never_read(capsys, tmp_path):
    path = edited(tmp_path, "xl/_rels/workbook.xml.rels", b'Target="worksheets/sheet1.xml"',
                  b'Target="file:///etc/passwd" TargetMode="External"')
    code, text = check(capsys, path)
    assert code == 2 and "links to a part outside the file" in text, text


# ------------------------------------------------------------------ sizes and values from a manifest or spec

MANIFEST = "xl/worksheets/sheet2.xml"


@pytest.mark.parametrize("epochs, words", [
    (b"1000000000", "epochs is 1e+09, more than the 174 cells"),
    (b"100000", "epochs is 100000, more than the 174 cells"),
    (b"7", "the reference 203 values"),  # fits the cap, not the sheet: told before the run
    (b"0", "epochs must be at least 1"),
    (b"2.5", "epochs must be a whole number"),
])
def test_lengths_from_the_manifest_are_checked_before_the_reference_runs(capsys, tmp_path, epochs, words):
    path = edited(tmp_path, MANIFEST, b'<c r="C16"><v>6</v></c>', b'<c r="C16"><v>' + epochs + b"</v></c>")
    code, text = check(capsys, path, "--json", tmp_path / "report.json")
    assert code == 2 and words in text, text


@pytest.mark.parametrize("old, new, words", [
    (b"ROWS('basic-sgd'!$E$11:$E$184)", b"ROWS('basic-sgd'!A1:XFD1048576)", "must be one row or one column"),
    (b"ROWS('basic-sgd'!$C$11:$C$39)", b"ROWS('basic-sgd'!A1:XFD1048576)", "not an area"),  # x, a column
    (b"ROWS('basic-sgd'!$B$5:$B$5)", b"ROWS('basic-sgd'!B5:B1048576)", "must be one cell, not 1,048,572"),  # lr
])
def test_ranges_the_sheet_cannot_mean_are_refused_before_reading(capsys, tmp_path, old, new, words):
    code, text = check(capsys, edited(tmp_path, MANIFEST, old, new))
    assert code == 2 and words in text, text


def basic_spec(tmp: Path, params: str = "", columns: str = 'b = "basic-sgd!E11:E184"') -> Path:
    """A spec of basic-sgd.xlsx; ``params`` lines replace the input cells of the same names."""
    cells = {"x": "C11:C39", "y": "D11:D39", "lr": "B5", "b0": "C5", "a0": "D5", "fd_step": "E5"}
    given = {line.partition("=")[0].strip() for line in params.splitlines()}
    lines = [f'{name} = "basic-sgd!{cell}"' for name, cell in cells.items() if name not in given]
    path = tmp / "spec.toml"
    path.write_text(f'experiment = "basic-sgd"\n[params]\n' + "\n".join(lines) + f"\n{params}\n[columns]\n{columns}\n")
    return path


def test_a_spec_like_the_manifest_passes(capsys, tmp_path):
    code, text = check(capsys, SOURCE, "--spec", basic_spec(tmp_path, "epochs = 6"))
    assert code == 0, text


@pytest.mark.parametrize("params, columns, words", [
    ("epochs = 1000000000", 'b = "basic-sgd!E11:E184"', "params.epochs is 1e+09, more than the 174 cells"),
    ("epochs = 0", 'b = "basic-sgd!E11:E184"', "epochs must be at least 1"),
    ("epochs = 6\nb0 = nan", 'b = "basic-sgd!E11:E184"', "params.b0 is nan, not a finite number"),
    ("epochs = 6\nb0 = inf", 'b = "basic-sgd!E11:E184"', "params.b0 is inf, not a finite number"),
    ("epochs = 6", 'b = "basic-sgd!E11:"', "ends with ':'"),
    ("epochs = 6", 'b = "basic-sgd!A1:XFD1048576"', "must be one row or one column"),
])
def test_spec_values_no_workbook_can_hold_are_spec_errors(capsys, tmp_path, params, columns, words):
    code, text = check(capsys, SOURCE, "--spec", basic_spec(tmp_path, params, columns))
    assert code == 2 and words in text, text


def test_an_error_value_in_an_input_cell_is_shown_as_excel_shows_it(capsys, tmp_path):
    path = edited(tmp_path, SHEET, b'<c r="B5" s="4"><v>0.0001</v></c>', b'<c r="B5" s="4" t="e"><v>#NUM!</v></c>')
    code, text = check(capsys, path)
    assert code == 2 and "input lr at basic-sgd!B5 is #NUM!, not a number" in text, text
    assert "ExcelError" not in text


# ------------------------------------------------------------------ the command line


@pytest.mark.parametrize("option", ["--json", "--html", "--junit"])
def test_a_report_is_never_written_over_an_input(capsys, tmp_path, option):
    workbook = shutil.copy(SOURCE, tmp_path / "wb.xlsx")
    (tmp_path / "sub").mkdir()
    os.link(workbook, tmp_path / "same.xlsx")
    for spelling in (workbook, tmp_path / "sub" / ".." / "wb.xlsx", tmp_path / "same.xlsx"):
        code, text = check(capsys, workbook, option, spelling)
        assert code == 2 and "refusing to write a report over it" in text, text
    spec = basic_spec(tmp_path, "epochs = 6")
    code, text = check(capsys, workbook, "--spec", spec, option, spec)
    assert code == 2 and "refusing to write a report over it" in text, text


@pytest.mark.parametrize("tolerance", ["inf", "nan", "-1e-9", "-inf"])
def test_tolerances_that_would_pass_anything_are_refused(capsys, tolerance):
    for option in ("--rtol", "--atol"):
        code, text = check(capsys, SOURCE, f"{option}={tolerance}")
        assert code == 2 and f"--{option[2:]} must be a finite number of at least 0" in text, text


def test_a_named_pipe_in_a_folder_is_skipped_and_never_opened(tmp_path):
    import subprocess
    import sys

    shutil.copy(SOURCE, tmp_path / "a.xlsx")
    os.mkfifo(tmp_path / "b.xlsx")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-m", "xlgen", "check", str(tmp_path)], capture_output=True, text=True,
                         timeout=120, env=environment)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"SKIP   {tmp_path / 'b.xlsx'}: is a named pipe, not a file" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "1 passed, 0 failed"
    named = subprocess.run([sys.executable, "-m", "xlgen", "check", str(tmp_path / "b.xlsx")], capture_output=True,
                           text=True, timeout=120, env=environment)
    assert named.returncode == 2 and "is a named pipe, not a file" in named.stdout + named.stderr
