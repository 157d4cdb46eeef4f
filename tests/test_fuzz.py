"""Fuzzing the checker with mutated workbooks: it answers 0, 1 or 2 with a message; no traceback, no hang.

Hypothesis mutates a workbook xlgen built, either its raw bytes or the XML of
one of its parts (then zipped again properly, so the damage reaches the
parsers). Each case runs under a time limit. XLGEN_FUZZ_EXAMPLES sets the
number of cases (CI runs the default).
"""

from __future__ import annotations

import io
import os
import signal
import zipfile
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlgen.cli import main

from .conftest import ROOT

SOURCE = (ROOT / "workbooks" / "momentum-sin-lambda.xlsx").read_bytes()
EXAMPLES = int(os.environ.get("XLGEN_FUZZ_EXAMPLES", "60"))
SECONDS_PER_CASE = 30
JUNK = st.sampled_from([b"<", b">", b"&", b'"', b"'", b"<c r=\"A1\">", b"</row>", b"<f>", b"1E+400", b"#REF!",
                        b"_xlfn.LAMBDA(", b"(", b")", b"\x00", b"\xff\xfe", b"&amp;", b"<!DOCTYPE x>", b"9" * 40,
                        b"ROWS(", b"'", b"!", b":", b"$", b"-", b"xlgen"])


def parts_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


PARTS = parts_of(SOURCE)


def rezip(parts: list[tuple[str, bytes]]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            archive.writestr(name, data)
    return output.getvalue()


@st.composite
def mutated_workbooks(draw) -> bytes:
    if draw(st.booleans()):  # raw bytes: flips, cuts, insertions anywhere in the zip
        data = bytearray(SOURCE)
        for _ in range(draw(st.integers(1, 8))):
            position = draw(st.integers(0, len(data) - 1))
            action = draw(st.sampled_from(["flip", "cut", "insert"]))
            if action == "flip":
                data[position] = draw(st.integers(0, 255))
            elif action == "cut":
                del data[position:position + draw(st.integers(1, 500))]
            else:
                data[position:position] = draw(JUNK)
        return bytes(data)
    parts = list(PARTS)  # one XML part damaged, the zip itself sound
    index = draw(st.sampled_from([i for i, (name, _) in enumerate(parts) if name.endswith((".xml", ".rels"))]))
    name, text = parts[index]
    text = bytearray(text)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, max(0, len(text) - 1)))
        action = draw(st.sampled_from(["cut", "insert", "duplicate", "digit"]))
        if action == "cut":
            del text[position:position + draw(st.integers(1, 200))]
        elif action == "insert":
            text[position:position] = draw(JUNK)
        elif action == "duplicate":
            text[position:position] = text[position:position + draw(st.integers(1, 400))]
        elif text and 48 <= text[position] <= 57:
            text[position] = draw(st.integers(48, 57))
    parts[index] = (name, bytes(text))
    if draw(st.booleans()):
        parts.pop(draw(st.integers(0, len(parts) - 1)))  # and sometimes a part goes missing
    return rezip(parts)


@contextmanager
def time_limit(seconds: int):
    def expire(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=mutated_workbooks())
def test_mutated_workbooks_get_an_answer(tmp_path: Path, data: bytes):
    path = tmp_path / "fuzzed.xlsx"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with time_limit(SECONDS_PER_CASE), redirect_stdout(out), redirect_stderr(err):
        code = main(["check", str(path)])
    text = out.getvalue() + err.getvalue()
    assert code in (0, 1, 2), text
    assert "Traceback" not in text
    assert text.strip(), "an answer says something"
    if code == 2:
        assert "fuzzed.xlsx" in text or text.startswith("xlgen: error:"), text
