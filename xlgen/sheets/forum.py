"""The forum's sheets: two neurons (without and with ReLU, with momentum), momentum on sin(x), and de/dd.

The two-neuron columns group the four nudged errors, then the four estimated
derivatives, so that in the lambda variant one call works on the tensor
[a, b, c, d] as fastai's steppers do: ``SGD_STEP(E11:H11, lr, R11:U11)``.
"""

from __future__ import annotations

from ..experiments import get_experiment, reference_table
from ..workbook import ChartSpec, Series, SheetSpec, WorkbookSpec
from .common import experiment_sheet, workbook_spec
from .layout import Column
from .parts import RMSE, data_columns, moving_average_let

WEIGHTS = ("a", "b", "c", "d")
TWO_NEURON_INPUTS = ["lr", "a0", "b0", "c0", "d0", "fd_step"]


def _activation(relu: bool, inner: str) -> str:
    """The first neuron's activation around ``inner``, or the parenthesised sum itself without ReLU."""
    return f"MAX(0,{inner})" if relu else f"({inner})"


def _lam_activation(relu: bool, inner: str) -> str:
    return f"RELU({inner})" if relu else inner


def two_neuron_columns(relu: bool, momentum: bool) -> list[Column]:
    """The columns of y = c·f(a·x + b) + d trained on finite differences (f = ReLU or nothing)."""
    act, lam_act = (lambda inner: _activation(relu, inner)), (lambda inner: _lam_activation(relu, inner))
    columns = [Column(w, plain=f"={{new_{w}@prev}}") for w in WEIGHTS]
    columns += [
        Column("hidden", plain="=" + (act("{a}*{x}+{b}") if relu else "{a}*{x}+{b}"), lam="=" + lam_act("PREDICT({b}, {a}, {x})"),
               note="The first neuron: a·x + b" + (", through a ReLU: max(0, a·x + b)." if relu else ".")),
        Column("y_pred", plain="={c}*{hidden}+{d}", lam="=PREDICT({d}, {c}, {hidden})",
               note="The second neuron: c·hidden + d."),
        Column("err2", plain="=({y_pred}-{y})^2", lam="=SQ_ERROR({y_pred}, {y})"),
        Column("err2_a", plain="=({c}*" + act("({a}+fd_step)*{x}+{b}") + "+{d}-{y})^2",
               let=f"""
                   =LET(
                       hidden_nudged, {act("({a} + fd_step)*{x} + {b}")},
                       ({{c}}*hidden_nudged + {{d}} - {{y}})^2
                   )""",
               lam="=SQ_ERROR(PREDICT({d}, {c}, " + lam_act("PREDICT({b}, {a} + fd_step, {x})") + "), {y})",
               note="The squared error with a nudged by h (every other weight as it is)."),
        Column("err2_b", plain="=({c}*" + act("{a}*{x}+({b}+fd_step)") + "+{d}-{y})^2",
               let=f"""
                   =LET(
                       hidden_nudged, {act("{a}*{x} + ({b} + fd_step)")},
                       ({{c}}*hidden_nudged + {{d}} - {{y}})^2
                   )""",
               lam="=SQ_ERROR(PREDICT({d}, {c}, " + lam_act("PREDICT({b} + fd_step, {a}, {x})") + "), {y})"),
        Column("err2_c", plain="=(({c}+fd_step)*{hidden}+{d}-{y})^2",
               lam="=SQ_ERROR(PREDICT({d}, {c} + fd_step, {hidden}), {y})"),
        Column("err2_d", plain="=({c}*{hidden}+({d}+fd_step)-{y})^2",
               lam="=SQ_ERROR(PREDICT({d} + fd_step, {c}, {hidden}), {y})"),
    ]
    columns += [
        Column(f"est_de_d{w}", plain=f"=({{err2_{w}}}-{{err2}})/fd_step",
               lam="=NUM_DERIV({err2_a}:{err2_d}, {err2}, fd_step)" if w == "a" else None,
               spill=4 if w == "a" else 1,
               note="Estimated derivatives: (nudged error − error)/h, one weight at a time." if w == "a" else None)
        for w in WEIGHTS
    ]
    step = "est_de_d"
    if momentum:
        columns += [
            Column(f"grad_avg_{w}", plain=f"={{grad_avg_{w}@prev}}*mom+(1-mom)*{{est_de_d{w}}}", start="=0",
                   lam=("=AVERAGE_GRAD({est_de_da}:{est_de_dd}, mom, TRUE, {grad_avg_a@prev}:{grad_avg_d@prev})"
                        if w == "a" else None),
                   spill=4 if w == "a" else 1,
                   note="Momentum: 90% of the previous average plus 10% of the new derivative." if w == "a" else None)
            for w in WEIGHTS
        ]
        step = "grad_avg_"
    stepper = "MOMENTUM_STEP" if momentum else "SGD_STEP"
    first, last = (f"{step}a", f"{step}d")
    columns += [
        Column(f"new_{w}", plain=f"={{{w}}}-{{{step}{w}}}*lr", start=f"={w}_0",
               lam=f"={stepper}({{a}}:{{d}}, lr, {{{first}}}:{{{last}}})" if w == "a" else None,
               spill=4 if w == "a" else 1)
        for w in WEIGHTS
    ]
    columns += [
        Column("slope", plain="={a}*{c}", note="The two neurons as one line: slope a·c ..."),
        Column("intercept", plain="={c}*{b}+{d}", note="... and intercept c·b + d."),
    ]
    return columns


def _two_neuron_start(params, momentum: bool) -> dict[str, float]:
    """What enters the first step: the initial weights, and zero averages under momentum."""
    return ({f"new_{w}": params[f"{w}0"] for w in WEIGHTS}
            | ({f"grad_avg_{w}": 0.0 for w in WEIGHTS} if momentum else {}))


def _two_neuron_sheet(experiment, params, table, relu: bool, momentum: bool, charts) -> SheetSpec:
    return experiment_sheet(
        experiment, table, params, inputs=TWO_NEURON_INPUTS + (["mom"] if momentum else []),
        columns=[*data_columns(params), *two_neuron_columns(relu, momentum)], epoch_columns=[RMSE], charts=charts,
        start_values=_two_neuron_start(params, momentum),
    )


ERROR_LOG_CHART = ChartSpec("Squared error by step (log scale)", [Series("err2", "err2")], y_title="err²",
                            log_scale=True)
WEIGHTS_CHART = ChartSpec("The four weights, step by step", [Series(w, w) for w in WEIGHTS], y_title="weight")
LINE_CHART = ChartSpec("The equivalent line (the data has slope 2, intercept 30)",
                       [Series("slope a·c", "slope"), Series("intercept c·b+d", "intercept", secondary=True)],
                       y_title="slope (intercept on the right axis)")


def two_neuron_collapse(experiment, params, table) -> WorkbookSpec:
    sheet = _two_neuron_sheet(experiment, params, table, relu=False, momentum=False,
                              charts=[ERROR_LOG_CHART, LINE_CHART])
    return workbook_spec(experiment, sheet, params)


def two_neuron_relu(experiment, params, table) -> WorkbookSpec:
    sheet = _two_neuron_sheet(experiment, params, table, relu=True, momentum=False,
                              charts=[ERROR_LOG_CHART, WEIGHTS_CHART])
    return workbook_spec(experiment, sheet, params)


def two_neuron_relu_momentum(experiment, params, table) -> WorkbookSpec:
    sheet = _two_neuron_sheet(experiment, params, table, relu=True, momentum=True,
                              charts=[ERROR_LOG_CHART, WEIGHTS_CHART])
    return workbook_spec(experiment, sheet, params)


def momentum_sin(experiment, params, table) -> WorkbookSpec:
    columns = [
        *data_columns(params, ["x"]),
        Column("sin_x", plain="=SIN({x})"),
        Column("grad_avg", plain="={grad_avg@prev}*mom+(1-mom)*{sin_x}", start="=grad_avg0",
               let=moving_average_let("grad_avg", "mom", "{sin_x}"),
               lam="=AVERAGE_GRAD({sin_x}, mom, TRUE, {grad_avg@prev})",
               note="The moving average: 90% of the previous value plus 10% of sin(x)."),
    ]
    chart = ChartSpec("sin(x) and its moving average (momentum)",
                      [Series("sin(x)", "sin_x"), Series("momentum", "grad_avg")],
                      x_title="x", y_title="", kind="scatter", x_quantity="x")
    sheet = experiment_sheet(experiment, table, params, inputs=["mom", "grad_avg0"], columns=columns, charts=[chart],
                             start_values={"grad_avg": params["grad_avg0"]})
    return workbook_spec(experiment, sheet, params, data=("x",), fixed=())


def derivative_d(experiment, params, table) -> WorkbookSpec:
    """A summary sheet of de/dd beside the three models' sheets it reads, which share its inputs and data."""
    common = {k: params[k] for k in ("x", "y", "lr", "a0", "b0", "c0", "d0", "fd_step", "epochs")}
    models = [
        ("no-relu", "two-neuron-collapse", False, False, {}),
        ("relu", "two-neuron-relu", True, False, {}),
        ("relu-momentum", "two-neuron-relu-momentum", True, True, {"mom": params["mom"]}),
    ]
    summary_columns = [
        *data_columns(params),
        Column("de_dd_linear", plain="={linear:est_de_dd}"),
        Column("de_dd_relu", plain="={relu:est_de_dd}"),
        Column("de_dd_relu_momentum", plain="={momentum:est_de_dd}"),
        Column("grad_avg_d", plain="={momentum:grad_avg_d}"),
    ]
    chart = ChartSpec("de/dd per data point (no ReLU on the right axis: it explodes)", [
        Series("ReLU", "de_dd_relu"), Series("ReLU, under momentum", "de_dd_relu_momentum"),
        Series("momentum of d", "grad_avg_d"), Series("no ReLU", "de_dd_linear", secondary=True),
    ], y_title="de/dd")
    summary = experiment_sheet(experiment, table, params, inputs=[*TWO_NEURON_INPUTS, "mom"],
                               columns=summary_columns, charts=[chart])
    sheets = []
    keys = {"no-relu": "linear", "relu": "relu", "relu-momentum": "momentum"}
    for sheet_name, model, relu, momentum, extra in models:
        model_experiment = get_experiment(model)
        model_params = {**common, **extra}
        model_table = reference_table(model, model_params)
        columns = [Column("x", plain="={main:x}"), Column("y", plain="={main:y}"),
                   *two_neuron_columns(relu, momentum)]
        sheet = experiment_sheet(model_experiment, model_table, model_params, inputs=[], columns=columns,
                                 epoch_columns=[RMSE], start_values=_two_neuron_start(params, momentum),
                                 sheet=sheet_name)
        sheet.values["x"], sheet.values["y"] = list(model_table["x"]), list(model_table["y"])
        sheet.table.others["main"] = summary.table
        summary.table.others[keys[sheet_name]] = sheet.table
        sheets.append(sheet)
    spec = workbook_spec(experiment, summary, params)
    spec.sheets = [summary, *sheets]
    return spec


BUILDERS = {
    "two-neuron-collapse": two_neuron_collapse,
    "two-neuron-relu": two_neuron_relu,
    "two-neuron-relu-momentum": two_neuron_relu_momentum,
    "momentum-sin": momentum_sin,
    "derivative-d": derivative_d,
}
