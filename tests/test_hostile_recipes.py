"""More of the smallest hostile changes to basic-sgd.xlsx: variations of the cases in test_hostile_inputs.py.

Other compression methods, indexes past the end, the manifest's own part missing, non-numbers and negative
lengths in the manifest, one bad workbook among good ones, and error values as Excel shows them.
"""

from __future__ import annotations

import json
import shutil
import zipfile

import pytest

from .test_hostile_inputs import MANIFEST, SHEET, SOURCE, check, edited, parts_of, write_zip


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_every_compression_but_stored_and_deflate_is_refused(capsys, tmp_path, method):
    path = write_zip(tmp_path / "packed.xlsx", parts_of(), methods={SHEET: method})
    code, text = check(capsys, path)
    assert code == 2 and f"'{SHEET}' is compressed with zip method {method}" in text, text


@pytest.mark.parametrize("part, old, new, words", [
    ("xl/workbook.xml", b'<definedName name="lr">', b'<definedName name="lr" localSheetId="7">',
     "local to sheet number '7', which the workbook does not have (it has 2 sheets"),
    (SHEET, '<c r="A1" s="1" t="inlineStr"><is><t>Basic SGD: online gradient descent on y = a·x + b</t></is></c>'
     .encode(), b'<c r="A1" s="1" t="s"><v>99999</v></c>',
     "sheet 'basic-sgd': cell A1: shared string '99999' does not exist"),
])
def test_indexes_past_the_end_are_refused(capsys, tmp_path, part, old, new, words):
    code, text = check(capsys, edited(tmp_path, part, old, new))
    assert code == 2 and words in text, text


def test_a_missing_manifest_part_is_said(capsys, tmp_path):
    parts = parts_of()
    del parts[MANIFEST]
    code, text = check(capsys, write_zip(tmp_path / "missing.xlsx", parts))
    assert code == 2 and f"sheet 'xlgen': its worksheet part '{MANIFEST}' is missing" in text, text


@pytest.mark.parametrize("epochs, words", [
    (b"nan", "sheet 'xlgen': cell C16: 'nan' is not a number in Excel's syntax"),
    (b"inf", "sheet 'xlgen': cell C16: 'inf' is not a number in Excel's syntax"),
    (b"-1", "param epochs is -1; epochs must be at least 1"),
])
def test_lengths_in_the_manifest_that_are_not_counts(capsys, tmp_path, epochs, words):
    path = edited(tmp_path, MANIFEST, b'<c r="C16"><v>6</v></c>', b'<c r="C16"><v>' + epochs + b"</v></c>")
    code, text = check(capsys, path)
    assert code == 2 and words in text, text


def test_one_huge_length_costs_only_its_own_workbook(capsys, tmp_path):
    """The reference of a manifest saying 1e9 epochs is never run; the good workbooks beside it are checked."""
    huge = edited(tmp_path, MANIFEST, b'<c r="C16"><v>6</v></c>', b'<c r="C16"><v>1000000000</v></c>')
    first, last = shutil.copy(SOURCE, tmp_path / "a.xlsx"), shutil.copy(SOURCE, tmp_path / "z.xlsx")
    report = tmp_path / "report.json"
    code, text = check(capsys, first, huge, last, "--json", report)
    lines = text.splitlines()
    assert code == 2, text
    assert lines[0].startswith(f"PASS   {first}") and lines[2].startswith(f"PASS   {last}"), text
    assert lines[1].startswith(f"ERROR  {huge}") and "epochs is 1e+09, more than the 174 cells" in lines[1], text
    assert lines[3] == "2 passed, 0 failed, 1 could not be checked"
    verdicts = [w["verdict"] for w in json.loads(report.read_text())["workbooks"]]
    assert verdicts == ["pass", "error", "pass"]


def test_an_error_value_in_a_quantity_is_shown_as_excel_shows_it(capsys, tmp_path):
    """y_pred at step 2 is b + a·x = 1.0086 + 1.1204·86 = 97.363 (E12, F12, C12 of the shipped sheet)."""
    path = edited(tmp_path, SHEET, b'<c r="G12" s="10"><f>E12+F12*C12</f><v>97.363</v></c>',
                  b'<c r="G12" s="10" t="e"><f>E12+F12*C12+SQRT(-1)</f><v>#NUM!</v></c>')
    report = tmp_path / "report.json"
    code, text = check(capsys, path, "--json", report)
    assert code == 1 and "ExcelError" not in text, text
    assert ("first mismatch: basic-sgd!G12=E12+F12*C12+SQRT(-1)  quantity y_pred step 2: workbook #NUM!, "
            "reference 97.363") in text, text
    first = json.loads(report.read_text())["cells"][0]
    assert (first["cell"], first["workbook_value"], first["reference_value"]) == ("G12", "#NUM!", 97.363)


def test_the_formulas_engine_stops_within_the_contract_for_bad_input():
    """Bad input ends within 60 s: the formulas engine's own time limit has to be shorter."""
    from xlgen.engines.formulas_engine import FormulasEngine

    assert 0 < FormulasEngine().timeout < 60
