"""``xlgen spec``: drafting the spec of a hand-made workbook, and ``check``/``explain --experiment`` using it.

The workbooks are written here with openpyxl in layouts xlgen does not write (data and inputs on their own
sheets, human headers, a defined name for the learning rate). The expected ranges are where these tests put
each thing; the shipped workbooks' manifests (written by the builder, not by the draft) are the other golden.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest

from reference.data import GRADDESC_X, GRADDESC_Y
from xlgen.cli import main
from xlgen.draft_spec import draft_spec
from xlgen.experiments import get_experiment
from xlgen.manifest import MANIFEST_SHEET, read_manifest
from xlgen.xlsx.reader import read_workbook

WORKBOOKS = Path(__file__).resolve().parent.parent / "workbooks"
ROWS = len(GRADDESC_X)
MOMENTUM_HEADERS = ["Bias", "Weight", "y_hat", "Error", "dE/db", "dE/da", "Velocity b", "Velocity a", "Next b",
                    "Next a"]


def momentum_sheets(path: Path, mom: float = 0.9, lr: float = 1e-4) -> Path:
    """Momentum with its data on sheet ``data``, its inputs on ``inputs`` (lr a defined name), the steps on
    ``Momentum`` from row 3, a start row 2 holding the averages at start (0)."""
    book = openpyxl.Workbook()
    data = book.active
    data.title = "data"
    data.append(["x", "y"])
    for x, y in zip(GRADDESC_X, GRADDESC_Y):
        data.append([x, y])
    inputs = book.create_sheet("inputs")
    for row, (label, value) in enumerate([("learning rate", lr), ("beta", mom), ("initial b", 1.0),
                                          ("initial a", 1.0)], 1):
        inputs.cell(row, 1, label)
        inputs.cell(row, 2, value)
    book.defined_names["lr"] = openpyxl.workbook.defined_name.DefinedName("lr", attr_text="inputs!$B$1")
    steps = book.create_sheet("Momentum")
    steps.append(MOMENTUM_HEADERS)
    steps["G2"], steps["H2"] = 0.0, 0.0
    for r in range(3, 3 + ROWS):
        d = r - 1  # the data row
        steps[f"A{r}"] = "=inputs!B3" if r == 3 else f"=I{r - 1}"
        steps[f"B{r}"] = "=inputs!B4" if r == 3 else f"=J{r - 1}"
        steps[f"C{r}"] = f"=B{r}*data!A{d}+A{r}"
        steps[f"D{r}"] = f"=(data!B{d}-C{r})^2"
        steps[f"E{r}"] = f"=2*(C{r}-data!B{d})"
        steps[f"F{r}"] = f"=E{r}*data!A{d}"
        steps[f"G{r}"] = f"=G{r - 1}*inputs!$B$2+(1-inputs!$B$2)*E{r}"
        steps[f"H{r}"] = f"=H{r - 1}*inputs!$B$2+(1-inputs!$B$2)*F{r}"
        steps[f"I{r}"] = f"=A{r}-lr*G{r}"
        steps[f"J{r}"] = f"=B{r}-lr*H{r}"
    book.save(path)
    return path


def parsed(path: Path, experiment: str) -> dict:
    return tomllib.loads(draft_spec(path, experiment).toml())


def test_momentum_on_three_sheets_drafts_where_each_thing_is(tmp_path):
    spec = parsed(momentum_sheets(tmp_path / "momentum.xlsx"), "momentum")
    last = 2 + ROWS
    assert spec["experiment"] == "momentum"
    assert spec["params"] == {
        "x": f"data!A2:A{ROWS + 1}", "y": f"data!B2:B{ROWS + 1}", "lr": "inputs!B1", "b0": "inputs!B3",
        "a0": "inputs!B4", "mom": "inputs!B2", "grad_avg_b0": "Momentum!G2", "grad_avg_a0": "Momentum!H2"}
    assert spec["columns"] == {name: f"Momentum!{column}3:{column}{last}" for name, column in [
        ("b", "A"), ("a", "B"), ("y_pred", "C"), ("de_db", "E"), ("de_da", "F"), ("new_b", "I"), ("new_a", "J"),
        ("grad_avg_b", "G"), ("grad_avg_a", "H"), ("err2", "D")]}


def test_check_with_experiment_prints_the_spec_and_passes(tmp_path, capsys):
    path = momentum_sheets(tmp_path / "momentum.xlsx", mom=0.8)
    assert main(["check", str(path), "--experiment", "momentum"]) == 0
    out = capsys.readouterr().out
    printed = out[:out.index("PASS")]
    assert tomllib.loads(printed)["params"]["mom"] == "inputs!B2"
    assert f"  {10 * ROWS} cells  " in out


def test_a_planted_mistake_is_named_with_the_drafted_spec(tmp_path, capsys):
    path = momentum_sheets(tmp_path / "momentum.xlsx")
    book = openpyxl.load_workbook(path)
    book["Momentum"]["I12"] = "=A12+lr*G12"  # the step goes up the averaged gradient
    book.save(path)
    assert main(["check", str(path), "--experiment", "momentum"]) == 1
    assert "first mismatch: Momentum!I12=A12+lr*G12  quantity new_b step 10" in capsys.readouterr().out


def test_spec_out_writes_a_file_check_takes(tmp_path, capsys):
    path = momentum_sheets(tmp_path / "momentum.xlsx")
    out = tmp_path / "momentum.toml"
    assert main(["spec", str(path), "--experiment", "momentum", "--out", str(out)]) == 0
    assert main(["check", str(path), "--spec", str(out)]) == 0
    assert "PASS" in capsys.readouterr().out


def test_explain_with_experiment_gives_the_reference(tmp_path, capsys):
    path = momentum_sheets(tmp_path / "momentum.xlsx")
    book = openpyxl.load_workbook(path)
    book["Momentum"]["I12"] = "=A12+lr*G12"
    book.save(path)
    assert main(["explain", str(path), "Momentum!I12", "--experiment", "momentum"]) == 0
    out = capsys.readouterr().out
    assert "new_b" in out and "the reference has" in out


def two_columns_of_de_db(path: Path) -> Path:
    """Basic SGD (analytic gradients only) with de/db written twice under the same header."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sgd"
    sheet["A1"], sheet["B1"], sheet["A2"], sheet["B2"], sheet["A3"], sheet["B3"] = "lr", 1e-4, "b0", 1, "a0", 1
    for column, header in enumerate(["x", "y", "b", "a", "pred", "de/db", "de/da", "new b", "new a", "de/db"], 1):
        sheet.cell(5, column, header)
    for index, (x, y) in enumerate(zip(GRADDESC_X, GRADDESC_Y)):
        r = 6 + index
        sheet[f"A{r}"], sheet[f"B{r}"] = x, y
        sheet[f"C{r}"], sheet[f"D{r}"] = ("=B2", "=B3") if index == 0 else (f"=H{r - 1}", f"=I{r - 1}")
        sheet[f"E{r}"] = f"=C{r}+D{r}*A{r}"
        sheet[f"F{r}"] = f"=2*(E{r}-B{r})"
        sheet[f"G{r}"] = f"=F{r}*A{r}"
        sheet[f"H{r}"] = f"=C{r}-F{r}*$B$1"
        sheet[f"I{r}"] = f"=D{r}-G{r}*$B$1"
        sheet[f"J{r}"] = f"=2*(E{r}-B{r})"
    book.save(path)
    return path


def test_an_entry_with_two_candidates_says_so_in_a_comment(tmp_path):
    draft = draft_spec(two_columns_of_de_db(tmp_path / "twice.xlsx"), "basic-sgd")
    last = 5 + ROWS
    assert draft.columns["de_db"] == f'"sgd!F6:F{last}"'
    assert draft.comments["columns.de_db"] == f"unsure (same values): candidates sgd!F6:F{last}, sgd!J6:J{last}"
    line = next(line for line in draft.toml().splitlines() if line.startswith("de_db = "))
    assert line == f'de_db = "sgd!F6:F{last}"  # unsure (same values): candidates sgd!F6:F{last}, sgd!J6:J{last}'
    assert "columns.b" not in draft.comments  # one column has b's values and its header


def test_a_parameter_typed_into_the_formulas_is_its_number(tmp_path):
    draft = draft_spec(two_columns_of_de_db(tmp_path / "twice.xlsx"), "basic-sgd")
    assert draft.params["lr"] == '"sgd!B1"'
    assert "err2" in draft.missing and "est_de_db" in draft.missing  # the sheet has neither: not checked
    assert "# not found, so not checked: err2, err2_b, est_de_db, err2_a, est_de_da" in draft.toml()
    # No finite differences on the sheet: h changes nothing found, so it stays the reference's.
    assert draft.params["fd_step"] == "0.01"
    assert draft.comments["params.fd_step"] == "no cell found depends on it: the reference's default"


def test_no_column_of_b_is_one_line_and_exit_2(tmp_path, capsys):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["x", "y", "notes"])
    for x, y in zip(GRADDESC_X, GRADDESC_Y):
        sheet.append([x, y, "typed"])
    path = tmp_path / "data-only.xlsx"
    book.save(path)
    assert main(["spec", str(path), "--experiment", "momentum"]) == 2
    err = capsys.readouterr().err
    assert err == (f"xlgen: error: {path}: no column holds b (intercept) of 'momentum': no header names it and "
                   "no column has its values\n")


def test_no_data_is_one_line_and_exit_2(tmp_path, capsys):
    book = openpyxl.Workbook()
    book.active["A1"] = "nothing here"
    path = tmp_path / "empty.xlsx"
    book.save(path)
    assert main(["check", str(path), "--experiment", "basic-sgd"]) == 2
    out = capsys.readouterr().out
    assert f"ERROR  {path}: no column of numbers holds the data 'x' of 'basic-sgd'" in out


def test_spec_and_experiment_together_are_refused(tmp_path, capsys):
    path = momentum_sheets(tmp_path / "momentum.xlsx")
    assert main(["check", str(path), "--experiment", "momentum", "--spec", "graddesc/momentum"]) == 2
    assert "give --spec or --experiment, not both" in capsys.readouterr().out


QUICK = ["basic-sgd", "momentum", "fastai-sgd"]
OTHERS = ["rmsprop", "adam", "adam-annealing", "two-neuron-collapse", "two-neuron-relu",
          "two-neuron-relu-momentum", "momentum-sin", "derivative-d", "fastai-rmsprop", "fastai-adam", "wd-vs-l2"]


@pytest.mark.parametrize("name", QUICK + [pytest.param(name, marks=pytest.mark.slow) for name in OTHERS])
def test_shipped_workbooks_draft_the_cells_of_their_manifest(name):
    """Each graddesc experiment's own workbook, its manifest sheet left out of the draft, drafts the same
    cells as the builder wrote into the manifest."""
    path = WORKBOOKS / f"{name}-let.xlsx"
    manifest = read_manifest(read_workbook(path, sheets=[MANIFEST_SHEET]))
    spec = parsed(path, name)
    assert spec["columns"] == {quantity: str(cells) for quantity, cells in manifest.quantities.items()}
    for param, source in manifest.params.items():
        if param != "epochs":
            assert spec["params"][param] == str(source), param


def test_the_python_api_checks_with_a_drafted_spec(tmp_path):
    import xlgen

    result = xlgen.check(momentum_sheets(tmp_path / "momentum.xlsx"), experiment="momentum")
    assert result.passed and len(result.table) == 10 * ROWS
    assert tomllib.loads(result.results[0].drafted_spec)["params"]["lr"] == "inputs!B1"


@pytest.mark.parametrize("sheet", ["momentum", pytest.param("basic", marks=pytest.mark.slow),
                                   pytest.param("rmsprop", marks=pytest.mark.slow),
                                   pytest.param("adam", marks=pytest.mark.slow),
                                   pytest.param("adam_ann", marks=pytest.mark.slow)])
def test_jeremy_howards_sheets_draft_as_their_shipped_specs(sheet, rebuilt_anchor):
    """graddesc's workbook, six look-alike sheets side by side, drafts each sheet's steps and inputs as the
    spec written by hand for it (``xlgen/specs/graddesc``)."""
    from xlgen.spec import SHIPPED_SPECS

    shipped = tomllib.loads((SHIPPED_SPECS / "graddesc" / f"{sheet}.toml").read_text(encoding="utf-8"))
    path = rebuilt_anchor("graddesc-course-v3.xlsm")
    spec = parsed(path, shipped["experiment"])
    steps = {q.name for q in get_experiment(shipped["experiment"]).quantities}
    assert {k: v for k, v in spec["columns"].items() if k in steps} == {
        k: v for k, v in shipped["columns"].items() if k in steps}
    draft = draft_spec(path, shipped["experiment"])
    for name, cells in shipped["params"].items():
        if name != "epochs":  # the same cell, or one of the candidates of an entry marked unsure
            comment = draft.comments.get(f"params.{name}", "")
            assert spec["params"][name] == cells or (comment.startswith("unsure") and cells in comment), name


def with_sgd_sheet(path: Path) -> Path:
    """:func:`momentum_sheets` plus a plain SGD lesson on sheet ``sgd`` (same data and lr; no new b column:
    the next row's b is the update)."""
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("sgd")
    sheet.append(["b", "a", "prediction", "de/db", "de/da"])
    for r in range(2, 2 + ROWS):
        sheet[f"A{r}"] = "=inputs!B3" if r == 2 else f"=A{r - 1}-lr*D{r - 1}"
        sheet[f"B{r}"] = "=inputs!B4" if r == 2 else f"=B{r - 1}-lr*E{r - 1}"
        sheet[f"C{r}"] = f"=A{r}+B{r}*data!A{r}"
        sheet[f"D{r}"] = f"=2*(C{r}-data!B{r})"
        sheet[f"E{r}"] = f"=D{r}*data!A{r}"
    book.save(path)
    return path


def test_two_lessons_in_one_workbook_each_draft_on_their_sheet(tmp_path, capsys):
    path = with_sgd_sheet(momentum_sheets(tmp_path / "lessons.xlsx"))
    draft = draft_spec(path, "basic-sgd")
    sgd = tomllib.loads(draft.toml())
    assert sgd["columns"] == {name: f"sgd!{column}2:{column}{ROWS + 1}" for name, column in [
        ("b", "A"), ("a", "B"), ("y_pred", "C"), ("de_db", "D"), ("de_da", "E")]}
    assert {"new_b", "new_a", "err2"} <= set(draft.missing)  # not the momentum sheet's "Next b" by its header
    book = openpyxl.load_workbook(path)
    book["Momentum"]["I12"] = "=A12+lr*G12"
    book.save(path)
    assert main(["check", str(path), "--experiment", "momentum"]) == 1  # not momentum without momentum on sgd
    assert "first mismatch: Momentum!I12=A12+lr*G12" in capsys.readouterr().out


def test_a_mistake_in_the_first_prediction_is_named(tmp_path, capsys):
    """The prediction reads y instead of x from its first row: no column has the reference's values, and
    the values would fit x and y swapped; the headers x and y and the cells b's first row reads decide."""
    path = momentum_sheets(tmp_path / "momentum.xlsx")
    book = openpyxl.load_workbook(path)
    book["Momentum"]["C3"] = "=B3*data!B2+A3"
    book.save(path)
    assert main(["check", str(path), "--experiment", "momentum"]) == 1
    out = capsys.readouterr().out
    assert 'x = "data!A2:A30"' in out and 'b0 = "inputs!B3"' in out
    assert "first mismatch: Momentum!C3=B3*data!B2+A3  quantity y_pred step 1" in out


def test_an_unlabelled_input_and_unheaded_columns_are_found_by_their_values(tmp_path):
    path = momentum_sheets(tmp_path / "momentum.xlsx", mom=0.8)
    book = openpyxl.load_workbook(path)
    book["inputs"]["A2"] = None  # beta loses its label
    book["Momentum"]["G1"], book["Momentum"]["H1"] = "col G", "col H"  # the averages their headers
    book.save(path)
    spec = parsed(path, "momentum")
    assert spec["params"]["mom"] == "inputs!B2"
    assert spec["params"]["grad_avg_b0"] == "Momentum!G2"
    assert spec["columns"]["grad_avg_b"] == f"Momentum!G3:G{2 + ROWS}"
    assert spec["columns"]["grad_avg_a"] == f"Momentum!H3:H{2 + ROWS}"
