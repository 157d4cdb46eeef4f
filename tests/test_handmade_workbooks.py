"""Workbooks made by hand in learners' layouts (``tests/data/handmade/``), checked with their hand-written specs.

Each workbook is a lesson laid out as a person lays it out, not as xlgen
builds it; each has a spec beside it. A correct workbook passes, and a copy
with one learner's mistake planted in one cell fails naming that cell, not a
cell that only inherits the mistake: with the hand-written spec, and with
``--experiment`` alone, the spec drafted from the workbook (which must put
every quantity where the hand-written spec does).
"""

from __future__ import annotations

import importlib.util
import math
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from xlgen.cells import Range, cell_name, quote_sheet
from xlgen.cli import main
from xlgen.spec import load_spec
from xlgen.xlsx.reader import read_workbook

from .conftest import ROOT
from .planting import cell_formula, plant_formula

HANDMADE = ROOT / "tests" / "data" / "handmade"


@dataclass(frozen=True)
class Handmade:
    file: str
    experiment: str
    cells: int  # quantity cells the spec names: quantities × rows (+ epoch cells), counted on the sheet
    sheet: str  # where the mistake is planted
    cell: str
    right: str  # part of the cell's formula, and what the learner wrote instead
    wrong: str
    spec_name: str = ""  # the spec's file name without .toml, when it is not the workbook's

    @property
    def path(self) -> Path:
        return HANDMADE / self.file

    @property
    def spec(self) -> Path:
        return HANDMADE / f"{self.spec_name or self.path.stem}.toml"

    @property
    def name(self) -> str:
        """The test's id: the spec's name where it names a part of the workbook, else the workbook's."""
        return self.spec.stem if self.spec.stem.startswith(self.path.stem) else self.path.stem


WORKBOOKS = [
    # 8 quantities × 29 rows + rmse; the step goes up the gradient.
    Handmade("sgd-named-lr.xlsx", "basic-sgd", 8 * 29 + 1, "sgd", "H15", "-F15*lr", "+F15*lr"),
    # 8 × 58; epoch 2 goes on from the updated b instead of restarting as the Run button does.
    Handmade("sgd-learningrate-two-epochs.xlsx", "basic-sgd", 8 * 58, "Fit", "B31", "B30", "I30"),
    # 12 × 29; de/db with the sign of y flipped.
    Handmade("sgd-reordered.xlsx", "basic-sgd", 12 * 29, "My SGD", "G12", "E12-B12", "E12+B12"),
    # 10 × 29 + rmse; the average of de/db takes de/da.
    Handmade("momentum-let.xlsx", "momentum", 10 * 29 + 1, "Momentum", "H20", "*F20", "*G20"),
    # 10 × 58; the step takes the raw gradient instead of its average.
    Handmade("momentum-title-helper.xlsx", "momentum", 10 * 58, "Sheet", "L30", "J30", "H30"),
    # 12 × 58; in epoch 2 the average is dampened, as the graddesc sheet's is but fastai's SGD's is not.
    Handmade("fastai-sgd-forum.xlsx", "fastai-sgd", 12 * 58, "steps", "K40", "+G40", "+(1-mom)*G40"),
    # 11 × 29; the average of the squares forgets the square.
    Handmade("adam-per-parameter.xlsx", "adam", 11 * 29, "Adam", "H15", "F15^2", "F15"),
    # 8 × 29; the LAMBDA step of b is handed de/da.
    Handmade("sgd-lambda.xlsx", "basic-sgd", 8 * 29, "SGD with LAMBDA", "I14", "G14", "H14"),
    # 9 × 29; the step divides by this row's mean square instead of the previous row's.
    Handmade("rmsprop-libreoffice.xlsx", "rmsprop", 9 * 29, "RMSProp", "J20", "SQRT(H19)", "SQRT(H20)"),
    # momentum-let.xlsx as LibreOffice saves it: its LET text and cached values; the same mistake.
    Handmade("momentum-let-libreoffice.xlsx", "momentum", 10 * 29 + 1, "Momentum", "H20", "*F20", "*G20",
             "momentum-let"),
    # 6 × 29; the learning rate mistyped in one row.
    Handmade("sgd-lr-in-formulas.xlsx", "basic-sgd", 6 * 29, "sgd", "C12", "*0.0001", "*0.001"),
    # 7 × 29; one update goes up the gradient.
    Handmade("sgd-updates-only.xlsx", "basic-sgd", 7 * 29, "fit", "F15", "-D15", "+D15"),
    # 8 × 20 (two epochs of ten points); the velocity of bias takes dL/dw.
    Handmade("momentum-own-data.xlsx", "momentum", 8 * 20, "Velocity", "H14", "*F14", "*G14"),
    # 8 × 30: the ten points typed three times are one epoch of thirty rows; the velocity of bias takes dL/dw.
    Handmade("momentum-data-typed-thrice.xlsx", "momentum", 8 * 30, "Velocity", "H24", "*F24", "*G24"),
    # One workbook, two lessons. 6 × 29: no new b column, the next row's b is the update; a steps with de/db.
    Handmade("lesson-two-sheets.xlsx", "basic-sgd", 6 * 29, "basic", "B10", "F9", "E9", "lesson-two-sheets-basic"),
    # 10 × 29; the average of de/da forgets the dampening.
    Handmade("lesson-two-sheets.xlsx", "momentum", 10 * 29, "momentum", "G15", "(1-$B$2)*E15", "E15",
             "lesson-two-sheets-momentum"),
]
IDS = [workbook.name for workbook in WORKBOOKS]
# What the spec drafted from the workbook alone does not handle yet, with what goes wrong.
DRAFTING_FAILS: dict[str, str] = {}  # workbook name -> why its drafted spec is known to be wrong


def drafted(workbooks: list[Handmade], prefix: str = "") -> list:
    """``workbooks`` as test cases, those the drafting gets wrong marked as expected to fail."""
    return [pytest.param(workbook, id=f"{prefix}{workbook.name}",
                         marks=[pytest.mark.xfail(strict=True, reason=DRAFTING_FAILS[workbook.name])]
                         if workbook.name in DRAFTING_FAILS else [])
            for workbook in workbooks]


def check(capsys, path: Path, *options: str) -> tuple[int, str]:
    code = main(["check", str(path), *options])
    return code, capsys.readouterr().out


def names_first_mismatch(out: str, sheet: str, cell: str) -> bool:
    return any(f"first mismatch: {where}!{cell}=" in out for where in (sheet, f"'{sheet}'"))


def planted(workbook: Handmade, target: Path) -> Path:
    """A copy of ``workbook`` with its mistake in ``workbook.cell``; the rest of the formula kept."""
    formula = cell_formula(workbook.path, workbook.sheet, workbook.cell)
    assert formula.count(workbook.right) == 1, formula
    plant_formula(workbook.path, target, workbook.sheet, workbook.cell,
                  formula.lstrip("=").replace(workbook.right, workbook.wrong))
    return target


@pytest.mark.parametrize("workbook", WORKBOOKS, ids=IDS)
def test_checks_with_its_spec(workbook, capsys):
    code, out = check(capsys, workbook.path, "--spec", str(workbook.spec))
    assert code == 0, out
    assert out.startswith(f"PASS   {workbook.path}  {workbook.experiment}/")
    assert f"  {workbook.cells} cells  " in out


@pytest.mark.parametrize("workbook", WORKBOOKS, ids=IDS)
def test_planted_mistake_is_named(workbook, capsys, tmp_path):
    wrong = planted(workbook, tmp_path / workbook.file)
    code, out = check(capsys, wrong, "--spec", str(workbook.spec))
    assert code == 1, out
    assert names_first_mismatch(out, workbook.sheet, workbook.cell), out


def test_libreoffice_saved_rmsprop_with_its_own_values():
    """Row 9 of LibreOffice's cached results, by hand: b = a = 1, x = 14, y = 58, so de/db = 2·(15 − 58) = −86,
    and the step divides by the starting mean square's root, √1000."""
    values = read_workbook(HANDMADE / "rmsprop-libreoffice.xlsx", sheets=["RMSProp"]).sheets["RMSProp"].values
    assert values[(9, 6)] == -86
    assert math.isclose(values[(9, 10)], 1 + 86 * 0.02 / math.sqrt(1000), rel_tol=1e-14)
    assert math.isclose(values[(9, 8)], 0.9 * 1000 + 0.1 * 86 ** 2, rel_tol=1e-14)


@pytest.mark.parametrize("workbook", [case for case in WORKBOOKS if "libreoffice" in case.file],
                         ids=lambda case: case.name)
def test_libreoffice_saved_it_with_values_that_agree_with_the_reference(workbook, capsys):
    with zipfile.ZipFile(workbook.path) as archive:
        assert b"<Application>LibreOffice" in archive.read("docProps/app.xml")
    code, out = check(capsys, workbook.path, "--spec", str(workbook.spec), "--engine", "cached")
    assert code == 0, out
    assert f"  cached  {workbook.cells} cells  " in out


def test_committed_workbooks_are_what_the_script_makes(tmp_path):
    """The openpyxl-written workbooks are reproducible from ``make_workbooks.py`` (their sheets and names)."""
    spec = importlib.util.spec_from_file_location("make_workbooks", HANDMADE / "make_workbooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for file, write in module.WORKBOOKS.items():
        write(tmp_path / file)
        with zipfile.ZipFile(tmp_path / file) as made, zipfile.ZipFile(HANDMADE / file) as kept:
            parts = [part for part in kept.namelist() if part.startswith("xl/worksheets/") or part == "xl/workbook.xml"]
            assert parts and all(made.read(part) == kept.read(part) for part in parts), file




# Mistakes in the first row of a table: every later cell inherits them, so no column of the sheet has the
# reference's values, and the check must still name the cell where the mistake is.
FIRST_ROW = [
    replace(WORKBOOKS[0], cell="H6", right="-F6*lr", wrong="+F6*lr"),
    # the prediction reads y instead of x
    replace(WORKBOOKS[3], cell="E8", right="*A8", wrong="*B8"),
    # the first average of de/db takes de/da
    replace(WORKBOOKS[4], cell="J12", right="*H12", wrong="*I12"),
]
FIRST_ROW_IDS = [f"first-row-{case.name}" for case in FIRST_ROW]


@pytest.mark.parametrize("workbook", FIRST_ROW, ids=FIRST_ROW_IDS)
def test_first_row_mistake_is_named(workbook, capsys, tmp_path):
    wrong = planted(workbook, tmp_path / workbook.file)
    code, out = check(capsys, wrong, "--spec", str(workbook.spec))
    assert code == 1, out
    assert names_first_mismatch(out, workbook.sheet, workbook.cell), out


# ---------------------------------------------------------------- with the spec drafted from the workbook alone


@pytest.mark.parametrize("workbook", drafted(WORKBOOKS))
def test_checks_with_the_experiment_alone(workbook, capsys):
    code, out = check(capsys, workbook.path, "--experiment", workbook.experiment)
    assert code == 0, out
    assert f"PASS   {workbook.path}  {workbook.experiment}/" in out, out


@pytest.mark.parametrize("workbook", drafted(WORKBOOKS))
def test_drafted_spec_finds_every_quantity_of_the_hand_written_one(workbook, capsys, tmp_path):
    """The draft puts each quantity where the hand-written spec does (which names every quantity the sheet
    has), and reads each input from the same cells (or from cells that copy them)."""
    drafted = tmp_path / "drafted.toml"
    code = main(["spec", str(workbook.path), "--experiment", workbook.experiment, "--out", str(drafted)])
    out = capsys.readouterr().out
    assert code == 0, out
    hand, draft = load_spec(workbook.spec), load_spec(drafted)
    assert {name: str(cells) for name, cells in draft.quantities.items()} == {
        name: str(cells) for name, cells in hand.quantities.items()}, drafted.read_text()
    inputs = {name: value for name, value in hand.params.items() if isinstance(value, Range)}
    wrong = [name for name, cells in inputs.items() if not reads(workbook.path, draft.params.get(name), cells)]
    assert not wrong, drafted.read_text()


def reads(path: Path, drafted, cells: Range) -> bool:
    """Whether the drafted input is ``cells``, or cells that each copy one of them by reference (``=data!A2``)."""
    if str(drafted) == str(cells):
        return True
    if not isinstance(drafted, Range) or drafted.size != cells.size:
        return False
    formulas = read_workbook(path, sheets=[drafted.sheet]).sheets[drafted.sheet].formulas
    return all(formulas.get(copy, "").lstrip("=") == f"{quote_sheet(cells.sheet)}!{cell_name(*cell)}"
               for copy, cell in zip(drafted.cells(), cells.cells()))


@pytest.mark.parametrize("workbook", drafted(WORKBOOKS) + drafted(FIRST_ROW, "first-row-"))
def test_planted_mistake_is_named_with_the_experiment_alone(workbook, capsys, tmp_path):
    wrong = planted(workbook, tmp_path / workbook.file)
    code, out = check(capsys, wrong, "--experiment", workbook.experiment)
    assert code == 1, out
    assert names_first_mismatch(out, workbook.sheet, workbook.cell), out
