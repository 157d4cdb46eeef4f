"""The LibreOffice engine: full recalculation, exact doubles, error kinds, LAMBDA as unsupported, batches, timeouts.

The LibreOffice tests share one engine and one batch (one soffice start) to stay fast.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import xlsxwriter

from xlgen.cells import parse_range
from xlgen.engines import get_engine
from xlgen.engines.libreoffice import NO_LAMBDA, LibreOfficeEngine, libreoffice_check
from xlgen.engines.soffice import write_profile
from xlgen.engines.unsupported import unsupported_cells
from xlgen.errors import CircularReference, XlgenError
from xlgen.values import DIV0, NA, NAME, REF, VALUE, Unsupported
from xlgen.xlsx.reader import read_workbook

from .conftest import needs_libreoffice as conftest_needs_libreoffice
from .conftest import anchor_figures

COURSE22P2 = "graddesc-course22p2.xlsm"


def needs_libreoffice(test):
    """Marks a test ``libreoffice`` and skips it, saying why, when LibreOffice cannot run here."""
    return pytest.mark.libreoffice(conftest_needs_libreoffice(test))


def build(path: Path, cells: dict[str, object], names: dict[str, str] | None = None, sheet: str = "S",
          cached: dict[str, float] | None = None) -> Path:
    """A one-sheet workbook; formulas stored as Excel stores them (``_xlfn.``/``_xlpm.``, calls to names as arrays)."""
    book = xlsxwriter.Workbook(path)
    for name, text in (names or {}).items():
        book.define_name(name, text)
    worksheet = book.add_worksheet(sheet)
    for ref, value in cells.items():
        if isinstance(value, str) and value.startswith("="):
            if any(name in value for name in (names or {})) or "LAMBDA" in value:
                worksheet.write_dynamic_array_formula(ref, value, None, (cached or {}).get(ref, 0))
            else:
                worksheet.write_formula(ref, value, None, (cached or {}).get(ref, 0))
        else:
            worksheet.write(ref, value)
    book.close()
    return path


def values_of(result, text: str) -> dict[str, object]:
    """The first range's values by cell name."""
    return dict(zip(parse_range(text).cell_names(), result.values[0]))


# --- static analysis (no LibreOffice needed) ------------------------------------------------------


def test_lambda_cells_and_everything_downstream_are_unsupported(tmp_path):
    path = build(tmp_path / "lambda.xlsx", {
        "A1": 2,
        "B1": "=ADDONE(A1)",  # calls a LAMBDA name
        "B2": "=TWICE(A1)",  # calls a name that calls a LAMBDA name
        "B3": "=_xlfn.LAMBDA(_xlpm.a,_xlpm.a*2)(A1)",  # inline
        "C1": "=B1*2",  # depends on a LAMBDA cell
        "C2": "=SUM(B1:B3)",  # through a range
        "C3": "=STEP+1",  # through a name pointing at a LAMBDA cell
        "D1": "=A1+1",  # independent
        "D2": "=SUM(A1:A5)",
    }, names={
        "ADDONE": "=_xlfn.LAMBDA(_xlpm.v,_xlpm.v+1)",
        "TWICE": "=_xlfn.LAMBDA(_xlpm.v,ADDONE(ADDONE(_xlpm.v)))",
        "STEP": "=S!$B$1",
    })
    bad = unsupported_cells(read_workbook(path), libreoffice_check)
    assert bad == {("S", 1, 2): NO_LAMBDA, ("S", 2, 2): NO_LAMBDA, ("S", 3, 2): NO_LAMBDA,
                   ("S", 1, 3): NO_LAMBDA, ("S", 2, 3): NO_LAMBDA, ("S", 3, 3): NO_LAMBDA}


def test_let_quirks_are_flagged_and_plain_let_is_not(tmp_path):
    path = build(tmp_path / "let.xlsx", {
        "A1": "=_xlfn.LET(_xlpm.x,2,_xlpm.x*3)",
        "A2": "=_xlfn.LET(_xlpm.myVar,2,_xlpm.myVar*3)",
        "A3": "=_xlfn.LET(_xlpm.x,2,_xlfn.LET(_xlpm.y,3,_xlpm.x*_xlpm.y))",
        "A4": "=_xlfn.LET(_xlpm.x,2,_xlpm.X*3)",
    })
    bad = unsupported_cells(read_workbook(path), libreoffice_check)
    assert set(bad) == {("S", 3, 1), ("S", 4, 1)}
    assert "LET inside a LET" in bad[("S", 3, 1)]
    assert "two cases" in bad[("S", 4, 1)]


def test_missing_soffice_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("XLGEN_SOFFICE", raising=False)
    with pytest.raises(XlgenError, match="apt-get install -t bookworm-backports libreoffice-calc-nogui"):
        LibreOfficeEngine()


def test_profile_recalculates_on_load_and_disables_macros(tmp_path):
    url = write_profile(tmp_path)
    text = (tmp_path / "user" / "registrymodifications.xcu").read_text()
    assert url == tmp_path.as_uri()
    assert 'oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value>' in text
    assert 'oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value>' in text
    assert 'oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value>' in text


# --- LibreOffice itself ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    with LibreOfficeEngine(timeout=120) as instance:
        yield instance


@pytest.fixture(scope="module")
def batch(engine, tmp_path_factory, rebuilt_anchor):
    """Every workbook of these tests through one LibreOffice start, by name."""
    folder = tmp_path_factory.mktemp("lo")
    jobs = {
        # Cached values deliberately wrong: they must not survive.
        "stale": (build(folder / "stale.xlsx", {"A1": 2, "B1": "=A1*3", "C1": "=B1/4"},
                        cached={"B1": 999, "C1": -1}), "S!A1:C1"),
        "values": (build(folder / "values.xlsx", {
            "A1": 1 / 3, "B1": "=0.1+0.2", "C1": "=1/3", "D1": "=2/7", "E1": "=EXP(1)*1E+300",
            "A2": "=1/0", "B2": "=NA()", "C2": '="a"+1', "D2": "=FOOBAR(1)", "E2": "=INDEX(A1:A3,5)",
            "F2": "=SQRT(-1)", "A3": "=TRUE()", "B3": '="txt"', "C3": '=""', "E3": "=A1>1",
        }), "S!A1:F3"),
        "let": (build(folder / "let.xlsx", {
            "A1": "=_xlfn.LET(_xlpm.x,2,_xlpm.x*3)",
            "A2": "=_xlfn.LET(\n    _xlpm.x, 2,\n    _xlpm.y, _xlpm.x + 1,\n    _xlpm.x * _xlpm.y\n)",
            "A3": "=_xlfn.LET(_xlpm.myVar,2,_xlpm.myVar*3)",
            "A4": "=_xlfn.LET(_xlpm.x,2,_xlfn.LET(_xlpm.y,3,_xlpm.x*_xlpm.y))",
            "A5": "=LET(x,2,x*3)",  # without the prefix Excel writes
        }), "S!A1:A5"),
        "lambda": (build(folder / "lambda.xlsx", {
            "A1": 2, "B1": "=ADDONE(A1)", "B2": "=_xlfn.LAMBDA(_xlpm.a,_xlpm.b,_xlpm.a+_xlpm.b)(1,2)",
            "B3": "=B1*2", "B4": "=A1+1",
        }, names={"ADDONE": "=_xlfn.LAMBDA(_xlpm.v,_xlpm.v+1)"}), "S!B1:B4"),
        "circular": (build(folder / "circular.xlsx", {"A1": "=A1+1"}), "S!A1"),
        "no sheet": (folder / "stale.xlsx", "Elsewhere!A1"),
        "no file": (folder / "missing.xlsx", "S!A1"),
    }
    anchor = rebuilt_anchor(COURSE22P2)
    jobs["anchor"] = (anchor, "basic!A1:N33")
    before = hashlib.sha256(anchor.read_bytes()).hexdigest()
    results = engine.evaluate_many([(path, [parse_range(text)]) for path, text in jobs.values()])
    return dict(zip(jobs, results)) | {"anchor sha256 before": before}


@needs_libreoffice
def test_stored_values_are_recalculated(batch):
    assert batch["stale"].values == [[2.0, 6.0, 1.5]]


@needs_libreoffice
def test_profile_alone_recalculates_on_load(tmp_path):
    path = build(tmp_path / "stale.xlsx", {"A1": 2, "B1": "=A1*3"}, cached={"B1": 999})
    with LibreOfficeEngine(hard_recalc=False) as engine:  # no calculateAll(): only the profile's setting
        assert engine.evaluate(path, [parse_range("S!B1")]).values == [[6.0]]


@needs_libreoffice
def test_doubles_come_back_exactly(batch):
    got = values_of(batch["values"], "S!A1:F3")
    assert got["B1"] == 0.30000000000000004  # LibreOffice's own exports would say 0.3
    assert got["A1"] == got["C1"] == 1 / 3 and got["D1"] == 2 / 7
    assert got["E1"] == 2.718281828459045e300


@needs_libreoffice
def test_error_kinds_as_libreoffice_writes_them_to_xlsx(batch):
    got = values_of(batch["values"], "S!A1:F3")
    assert (got["A2"], got["B2"], got["C2"], got["D2"], got["E2"]) == (DIV0, NA, VALUE, NAME, REF)
    assert got["F2"] == VALUE  # Err:502 in LibreOffice; Excel says #NUM!


@needs_libreoffice
def test_booleans_text_and_empty_cells(batch):
    got = values_of(batch["values"], "S!A1:F3")
    assert got["A3"] is True and got["E3"] is False
    assert got["B3"] == "txt" and got["C3"] == ""
    assert got["D3"] is None and got["F1"] is None


@needs_libreoffice
def test_let_with_prefix_and_over_several_lines(batch):
    a1, a2, a3, a4, a5 = batch["let"].values[0]
    assert (a1, a2, a3) == (6.0, 6.0, 6.0)
    assert isinstance(a4, Unsupported) and "LET inside a LET" in a4.reason
    assert a5 == NAME
    assert "\n" in batch["let"].formulas[("S", 2, 1)]


@needs_libreoffice
def test_lambda_is_unsupported_never_a_value(batch):
    result = batch["lambda"]
    assert result.values == [[Unsupported(NO_LAMBDA)] * 3 + [3.0]]
    assert result.notes == [f"{NO_LAMBDA}: 3 cells unsupported"]
    assert result.formulas[("S", 1, 2)] == "ADDONE(A1)"


@needs_libreoffice
def test_failures_stay_with_their_workbook(batch):
    assert isinstance(batch["circular"], CircularReference)
    assert isinstance(batch["no sheet"], XlgenError) and "no sheet named 'Elsewhere'" in str(batch["no sheet"])
    assert isinstance(batch["no file"], XlgenError) and "no such file" in str(batch["no file"])


@needs_libreoffice
def test_basic_sheet_matches_excel_and_the_file_is_untouched(batch, rebuilt_anchor):
    """Excel's cached values of the course's `basic` sheet, recomputed by LibreOffice (most bit for bit)."""
    anchor = rebuilt_anchor(COURSE22P2)
    stored = anchor_figures(COURSE22P2)["basic"]
    target = parse_range("basic!A1:N33")
    compared = exact = 0
    worst = 0.0
    for key, value in zip(target.cells(), batch["anchor"].values[0]):
        if key not in stored.formulas:
            continue
        excel = stored.values[key]
        compared += 1
        exact += value == excel
        worst = max(worst, abs(value - excel) / abs(excel) if excel else abs(value))
    assert compared == 351
    assert worst <= 1e-12
    assert exact >= 340  # 351 with LibreOffice 25.2
    assert hashlib.sha256(anchor.read_bytes()).hexdigest() == batch["anchor sha256 before"]


@needs_libreoffice
def test_a_slow_workbook_is_stopped(tmp_path):
    path = build(tmp_path / "small.xlsx", {"A1": 1})
    with LibreOfficeEngine(timeout=0.05) as engine:
        with pytest.raises(XlgenError, match=r"small.xlsx: LibreOffice did not finish within 0.05 s"):
            engine.evaluate(path, [parse_range("S!A1")])


@needs_libreoffice
def test_get_engine_builds_it():
    engine = get_engine("libreoffice", timeout=30)
    assert isinstance(engine, LibreOfficeEngine) and engine.name == "libreoffice"
    engine.close()
    assert not Path(engine._profile_dir).exists()

