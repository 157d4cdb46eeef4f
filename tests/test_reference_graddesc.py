"""The reference against Jeremy Howard's graddesc workbook: Excel's cached values are the golden numbers.

Each sheet's stored inputs (a, b, lr, the momenta, the optimizer state the Run
macro pasted into row 33) are read from the workbook's committed figures
(``tests/data/anchors``, extracted with openpyxl), the reference
runs one epoch from them, and every formula cell of the sheet must equal
Excel's cached value. The cell-to-quantity map is the shipped spec
(``xlgen/specs/graddesc/<sheet>.toml``).
"""

from __future__ import annotations

import math
import tomllib

import pytest
from openpyxl.utils import get_column_letter

import reference
from reference.graddesc import reset_parameters
from xlgen.cells import parse_range

from .conftest import ROOT, anchor_figures

SHEETS = ("basic", "momentum", "rmsprop", "adam", "adam_ann")
FILES = ("graddesc-course22p2.xlsm", "graddesc-course-v3.xlsm")
# Formula cells that are not reference quantities, and what they must hold.
SCRATCH = {
    "momentum": {"K1": lambda ws: 1 - ws["J1"], "J3": "J33", "K3": "K33"},
    "rmsprop": {"K1": lambda ws: 1 - ws["J1"], "J3": "J33", "K3": "K33"},
    "adam": {"K1": lambda ws: 1 - ws["J1"], "M1": lambda ws: 1 - ws["L1"],
             "J3": "J33", "K3": "K33", "L3": "L33", "M3": "M33"},
    "adam_ann": {"K1": lambda ws: 1 - ws["J1"], "M1": lambda ws: 1 - ws["L1"],
                 "J3": "J33", "K3": "K33", "L3": "L33", "M3": "M33"},
}


def spec(sheet: str) -> dict:
    return tomllib.loads((ROOT / "xlgen" / "specs" / "graddesc" / f"{sheet}.toml").read_text())


def cached(figures, reference_text: str) -> list:
    """Excel's values of the cells ``reference_text`` names."""
    target = parse_range(reference_text)
    values = figures[target.sheet].values
    return [values.get(cell) for cell in target.cells()]


def params_from_sheet(figures, params: dict) -> dict:
    result = {}
    for name, source in params.items():
        if isinstance(source, str):
            values = cached(figures, source)
            result[name] = tuple(values) if parse_range(source).size > 1 else values[0]
        else:
            result[name] = source
    return result


def relative_error(expected: float, actual: float) -> float:
    if expected == actual:
        return 0.0
    return abs(expected - actual) / max(abs(expected), abs(actual))


@pytest.mark.parametrize("file_name", FILES)
@pytest.mark.parametrize("sheet", SHEETS)
def test_every_cached_formula_value_is_reproduced(file_name, sheet):
    figures = anchor_figures(file_name)
    description = spec(sheet)
    experiment = reference.experiment(description["experiment"])
    table = experiment.run(**params_from_sheet(figures, description["params"]))
    per_epoch = table.attrs["epochs"]

    covered, worst, compared = set(), 0.0, 0
    for quantity, source in description["columns"].items():
        target = parse_range(source)
        expected = cached(figures, source)
        column = table[quantity] if quantity in table else per_epoch[quantity]
        assert len(column) == len(expected), quantity
        for (row, col), excel_value, ours in zip(target.cells(), expected, column):
            error = relative_error(excel_value, float(ours))
            assert error <= 1e-12, f"{sheet}!{get_column_letter(col)}{row}: {excel_value} vs {ours}"
            worst, compared = max(worst, error), compared + 1
            covered.add(f"{get_column_letter(col)}{row}")

    for cell, expected in SCRATCH.get(sheet, {}).items():
        value = figures[sheet][cell]
        want = expected(figures[sheet]) if callable(expected) else figures[sheet][expected]
        assert value == want, cell
        covered.add(cell)

    formula_cells = {f"{get_column_letter(column)}{row}" for row, column in figures[sheet].formulas}
    assert formula_cells - covered == set(), "formula cells the test does not compare"
    assert worst == 0.0, f"worst relative error {worst:.3g} over {compared} cells"


def test_course_v3_basic_log_is_reset_plus_five_runs():
    """The course-v3 basic sheet's error log (C38:C42) and its stored a, b come from Reset + 5 Runs."""
    sheet = anchor_figures("graddesc-course-v3.xlsm")["basic"]
    table = reference.run("basic-sgd", b0=1.0, a0=1.0, epochs=6)
    logged = [sheet[f"C{row}"] for row in range(38, 43)]
    assert list(table.attrs["epochs"]["rmse"][1:]) == logged  # each Run pastes the new epoch's rmse
    sixth = table[table.epoch == 6].iloc[0]
    assert (sixth.b, sixth.a) == (sheet["C1"], sheet["C2"])


def test_course_v3_rmsprop_is_reset_plus_five_runs():
    sheet = anchor_figures("graddesc-course-v3.xlsm")["rmsprop"]
    table = reference.run("rmsprop", epochs=6)  # defaults: Reset's a, b and state; lr as stored
    sixth = table[table.epoch == 6].iloc[0]
    fifth_last = table[table.epoch == 5].iloc[-1]
    assert (sixth.b, sixth.a) == (sheet["C1"], sheet["C2"])
    assert (fifth_last.sqr_avg_b, fifth_last.sqr_avg_a) == (sheet["J33"], sheet["K33"])


@pytest.mark.parametrize("file_name", FILES)
def test_momentum_sheet_holds_its_reset_state(file_name):
    """The momentum sheet is saved right after Reset: row 33 holds one warm-up epoch's last average."""
    sheet = anchor_figures(file_name)["momentum"]
    state = reset_parameters("momentum")
    assert state["grad_avg_b0"] == sheet["J33"]
    assert state["grad_avg_a0"] == sheet["K33"]


def test_adam_ann_is_close_to_reset_plus_twenty_five_runs():
    """adam_ann after Reset and five clicks of its five-epoch Run: the annealed lr is exactly 1/4^4.

    The parameters agree to about 1e-10 after 26 epochs (725 Adam steps), not
    bit for bit; the single-epoch test above shows every formula agrees exactly,
    so the history only approximately matches what was clicked.
    """
    sheet = anchor_figures("graddesc-course-v3.xlsm")["adam_ann"]
    table = reference.run("adam-annealing", epochs=26)
    epochs = table.attrs["epochs"]
    assert epochs["lr"].iloc[-1] == sheet["D2"] == 1 / 4**4
    sixth = table[table.epoch == 26].iloc[0]
    assert math.isclose(sixth.b, sheet["C1"], rel_tol=1e-9)
    assert math.isclose(sixth.a, sheet["C2"], rel_tol=1e-9)
    assert math.isclose(epochs["prev_grad2"].iloc[-1], sheet["N3"], rel_tol=1e-9)


def test_reference_is_bit_exact_with_hand_computation_of_first_basic_row():
    """Row 4 of the reset basic sheet, by hand: x=14, y=58, a=b=1."""
    first = reference.run("basic-sgd", epochs=1).iloc[0]
    assert first.y_pred == 15.0
    assert first.err2 == 43.0**2
    assert first.de_db == -86.0
    assert first.de_da == -86.0 * 14
    assert first.new_b == 1 - (-86.0) * 1e-4
    assert first.new_a == 1 - (-1204.0) * 1e-4


def test_spec_files_name_real_quantities():
    for path in sorted((ROOT / "xlgen" / "specs" / "graddesc").glob("*.toml")):
        description = tomllib.loads(path.read_text())
        experiment = reference.experiment(description["experiment"])
        for quantity in description["columns"]:
            experiment.quantity(quantity)
        assert set(description["params"]) <= set(experiment.defaults), path.name


def test_unknown_parameter_is_refused():
    with pytest.raises(KeyError, match="no parameter 'learning_rate'"):
        reference.run("basic-sgd", learning_rate=0.1)


def test_a_table_reads_columns_with_nan_where_a_row_lacks_one():
    from reference.registry import Table

    rows = [{"step": 1, "b": 0.5}, {"step": 2, "b": 0.25, "loss": 3.0}, {"step": 3, "b": 0.125}]
    table = Table(rows)
    assert table.columns == ["step", "b", "loss"]
    assert table["b"].tolist() == [0.5, 0.25, 0.125]
    loss = table["loss"].tolist()
    assert loss[1] == 3.0 and math.isnan(loss[0]) and math.isnan(loss[2])
    with pytest.raises(KeyError):
        table["lr"]


@pytest.mark.parametrize("rows, columns", [
    ([{"step": 1, "b": 0.5}, {"b": 0.25, "step": 2}], ["step", "b"]),  # the same keys, in another order
    ([{"step": 1, "b": 0.5}, {"step": 2, "loss": 3.0}], ["step", "b", "loss"]),  # as many keys, not the same
    ([{"step": 1, "name": "x"}, {"step": 2, "name": "y"}], ["step", "name"]),  # a column of text
    ([{"step": 1, "b": True}, {"step": 2, "b": None}], ["step", "b"]),
])
def test_a_table_reads_every_column_as_its_dataframe_does(rows, columns):
    from reference.registry import Table

    table = Table(rows)
    frame = table.frame()
    assert table.columns == columns == list(frame.columns)
    for name in columns:
        expected = frame[name].to_numpy()
        got = table[name]
        if expected.dtype == object and isinstance(expected[0], str):
            assert got.tolist() == expected.tolist()
        else:
            assert got.tolist() == pytest.approx(expected.astype(float).tolist(), nan_ok=True)


def test_every_column_of_a_reference_table_is_its_rows_values():
    table = reference.experiment("momentum").table(epochs=2)
    assert len(table.columns) > 10
    for name in table.columns:
        column = table[name]
        assert column.tolist() == [row[name] for row in table.rows]
        with pytest.raises(ValueError):  # shared by every look-up: not to be written
            column[0] = 0.0
