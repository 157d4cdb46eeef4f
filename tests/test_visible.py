"""Workbook text shown safely: escapes in the terminal, JSON that parses, JUnit that is well-formed XML 1.0."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from xlgen.cli import main
from xlgen.visible import visible

from .test_hostile_inputs import SHEET, SOURCE, edited

# What XML 1.0 allows (https://www.w3.org/TR/xml/#charsets); a JUnit file must hold nothing else.
XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ESC = "\x1b"
HOSTILE = "\x1b[2J\x1b]0;owned\x07\r\nPASS   \u202egnp.exe\x85\x00\udcff\ufffe"


@pytest.mark.parametrize("text, shown", [
    ("\x1b[31mred", "\\x1b[31mred"),
    ("a\nb\r\tc", "a\\nb\\r\\tc"),
    ("\x00\x07\x7f", "\\x00\\x07\\x7f"),
    ("\x85\x9b", "\\x85\\x9b"),  # C1: NEL, CSI
    ("abc\u202etxt.exe", "abc\\u202etxt.exe"),  # right-to-left override
    ("\u2066x\u2069\u200f", "\\u2066x\\u2069\\u200f"),  # isolates, a bidi mark
    ("\u2028\u2029", "\\u2028\\u2029"),
    ("name\udcff.xlsx", "name\\udcff.xlsx"),  # an undecodable byte of a file name
    ("\ufffe\uffff", "\\ufffe\\uffff"),
])
def test_unsafe_characters_become_their_escapes(text, shown):
    assert visible(text) == shown


def test_ordinary_text_is_unchanged():
    text = "Basic SGD: y = a·x + b, err² — 'Mon SGD'!C23 \"日本\" 🙂 C:\\course\\wb.xlsx"
    assert visible(text) is text


def test_every_character_xml_forbids_is_escaped():
    every = "".join(chr(code) for code in range(0x10000))
    shown = visible(every)
    assert not XML_CHARS.search(shown)
    assert "\n" not in shown and "\r" not in shown


# ------------------------------------------------------------------ hostile workbooks, end to end


def hostile_string_cell(tmp: Path) -> Path:
    """basic-sgd.xlsx with y_pred at G12 a string literal holding ESC sequences, a CR LF, a bidi override."""
    literal = HOSTILE.replace("\udcff", "").replace("\ufffe", "").replace("\x00", "")  # what XML can carry
    reference = "".join(f"&#{ord(c)};" if ord(c) < 0x20 else c for c in literal)
    return edited(tmp, SHEET, b'<c r="G12" s="10"><f>E12+F12*C12</f><v>97.363</v></c>',
                  f'<c r="G12" s="10" t="str"><f>"{reference}"</f><v>x</v></c>'.encode())


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([*map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_string_literal_with_escape_sequences_is_shown_escaped(capsys, tmp_path):
    path = hostile_string_cell(tmp_path)
    report, junit = tmp_path / "report.json", tmp_path / "report.xml"
    code, out, err = run(capsys, "check", path, "--json", report, "--junit", junit)
    assert code == 1, out + err
    assert ESC not in out + err and "\r" not in out + err and "\u202e" not in out + err
    first = [line for line in out.splitlines() if "first mismatch" in line]
    assert len(first) == 1, out
    assert "basic-sgd!G12" in first[0]
    assert '\\x1b[2J\\x1b]0;owned\\x07\\r\\nPASS   \\u202egnp.exe\\x85' in first[0], first[0]
    assert not any(line.startswith("PASS") for line in out.splitlines()), out

    data = json.loads(report.read_text(encoding="utf-8"))
    [cell] = [c for c in data["cells"] if c["cell"] == "G12"]
    assert cell["workbook_value"] == visible(cell["workbook_value"])  # already shown safely
    assert cell["workbook_value"].startswith("\\x1b[2J") and ESC not in json.dumps(data, ensure_ascii=False)

    text = junit.read_text(encoding="utf-8")
    assert not XML_CHARS.search(text)
    root = ElementTree.fromstring(text)
    [failure] = root.iter("failure")
    assert "basic-sgd!G12" in failure.text and "\\x1b[2J" in failure.text


MANIFEST = "xl/worksheets/sheet2.xml"


def test_a_manifest_variant_with_line_breaks_forges_no_line(capsys, tmp_path):
    forged = "plain&#10;PASS   other.xlsx  basic-sgd/plain  fast  1 cells&#13;&#10;&#27;[1A"
    path = edited(tmp_path, MANIFEST, b'<c r="B5" t="inlineStr"><is><t>plain</t></is></c>',
                  f'<c r="B5" t="inlineStr"><is><t>{forged}</t></is></c>'.encode())
    report, junit = tmp_path / "report.json", tmp_path / "report.xml"
    code, out, err = run(capsys, "check", path, "--json", report, "--junit", junit)
    lines = out.splitlines()
    assert ESC not in out + err and "\r" not in out
    assert [line for line in lines if line.startswith(("PASS", "FAIL", "ERROR"))] == [lines[0]], out
    assert code == 0 and lines[-1] == "1 passed, 0 failed", out
    assert "basic-sgd/plain\\nPASS   other.xlsx  basic-sgd/plain  fast  1 cells\\r\\n\\x1b[1A  fast" in lines[0], out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert ESC not in json.dumps(data, ensure_ascii=False) and "\n" not in json.dumps(data["workbooks"])
    ElementTree.fromstring(junit.read_text(encoding="utf-8"))
    assert not XML_CHARS.search(junit.read_text(encoding="utf-8"))


def test_error_lines_quoting_a_name_show_it_escaped(capsys, tmp_path):
    hostile = tmp_path / "no\x1b[2J\u202e\nPASS.xlsx"  # (a line break in a message is a space)
    for argv in (["check", hostile], ["explain", hostile, "A1"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "", out
        assert err == f"xlgen: error: {tmp_path}/no\\x1b[2J\\u202e PASS.xlsx: no such file{' or folder' * (argv[0] == 'check')}\n"
    report, junit = tmp_path / "report.json", tmp_path / "report.xml"
    code, out, err = run(capsys, "check", SOURCE, "--spec", tmp_path / "spec\x07.toml", "--json",
                         report, "--junit", junit)
    assert code == 2 and out.splitlines()[0].startswith("ERROR") and len(out.splitlines()) == 2, out
    assert f"{tmp_path}/spec\\x07.toml: no such spec file" in out
    [case] = ElementTree.fromstring(junit.read_text(encoding="utf-8")).iter("error")
    assert f"{tmp_path}/spec\\x07.toml: no such spec file" in case.get("message")
    assert f"{tmp_path}/spec\\x07.toml: no such spec file" in json.loads(report.read_text())["workbooks"][0]["error"]


@pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes")
def test_a_file_name_with_controls_and_undecodable_bytes(capsys, tmp_path):
    import os
    import shutil

    name = os.fsdecode(b"wb\x1b[2J\nPASS \xff.xlsx")
    shutil.copy(SOURCE, tmp_path / name)
    report, junit = tmp_path / "report.json", tmp_path / "report.xml"
    code, out, err = run(capsys, "check", tmp_path / name, "--json", report, "--junit", junit)
    assert code == 0, out + err
    assert ESC not in out and "\udcff" not in out and len(out.splitlines()) == 2, out
    assert "wb\\x1b[2J\\nPASS \\udcff.xlsx" in out
    data = json.loads(report.read_text(encoding="ascii"))
    assert data["workbooks"][0]["file"].endswith("wb\\x1b[2J\\nPASS \\udcff.xlsx")
    [case] = ElementTree.fromstring(junit.read_text(encoding="utf-8")).iter("testcase")
    assert "\\udcff" in case.get("name")


def test_the_notebook_display_shows_workbook_text_escaped(tmp_path):
    from xlgen.api import check

    shown = check(hostile_string_cell(tmp_path))._repr_html_()
    assert ESC not in shown and "\u202e" not in shown and "\r" not in shown
    assert "\\x1b[2J\\x1b]0;owned\\x07\\r\\nPASS   \\u202egnp.exe\\x85" in shown


def test_explain_shows_a_string_literal_escaped(capsys, tmp_path):
    code, out, err = run(capsys, "explain", hostile_string_cell(tmp_path), "basic-sgd!G12")
    assert code == 0, out + err
    assert ESC not in out and "\r" not in out and "\u202e" not in out and "\x85" not in out
    assert '="\\x1b[2J\\x1b]0;owned\\x07\\r\\nPASS   \\u202egnp.exe\\x85"' in out.splitlines(), out
    assert not any(line.startswith("PASS") for line in out.splitlines()), out
