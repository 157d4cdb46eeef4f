"""fastai's optimizers as sheets: average-grad with the notebook's tests, wd-vs-l2, fastai-sgd/rmsprop/adam.

One stepper is one column group, and in the lambda variant one LAMBDA call on
the tensor [b, a]: ``MOMENTUM_STEP(IF(decouple_wd, WEIGHT_DECAY(E11:F11, lr, wd),
E11:F11), lr, M11:N11)`` reads like ``[weight_decay, average_grad, momentum_step]``.
fastai skips weight decay when wd is 0; the formulas always apply it, which
gives the same numbers (p·1 and g + 0·p are exact).
"""

from __future__ import annotations

from ..cells import Range
from ..workbook import ChartSpec, Series, WorkbookSpec
from reference.registry import Parameter

from .common import experiment_sheet, input_range, workbook_spec
from .layout import Cell, Column
from .parts import ERROR_CHART, PARAMETERS_CHART, RMSE, data_columns, moving_average_let

FIT_INPUTS = ["lr", "b0", "a0", "mom", "wd", "decouple_wd"]


def _fit_columns() -> list[Column]:
    """b, a, the prediction, its error and gradient, and the gradient after weight decay or L2."""
    return [
        Column("b", plain="={new_b@prev}"),
        Column("a", plain="={new_a@prev}"),
        Column("y_pred", plain="={b}+{a}*{x}", lam="=PREDICT({b}, {a}, {x})"),
        Column("err2", plain="=({y}-{y_pred})^2", lam="=SQ_ERROR({y_pred}, {y})"),
        Column("de_db", plain="=2*({y_pred}-{y})", lam="=ERR2_GRAD({y_pred}, {y})"),
        Column("de_da", plain="={de_db}*{x}"),
        Column("grad_b", plain="=IF(decouple_wd,{de_db},{de_db}+wd*{b})", spill=2,
               let="""
                   =LET(
                       grad, {de_db},
                       IF(decouple_wd, grad, grad + wd*{b})
                   )""",
               lam="=IF(decouple_wd, {de_db}:{de_da}, L2_REG({de_db}:{de_da}, wd, {b}:{a}))",
               note="l2_reg adds wd·p to the gradient when decouple_wd is FALSE; weight decay leaves it alone."),
        Column("grad_a", plain="=IF(decouple_wd,{de_da},{de_da}+wd*{a})",
               let="""
                   =LET(
                       grad, {de_da},
                       IF(decouple_wd, grad, grad + wd*{a})
                   )"""),
    ]


def _decayed(p: str) -> str:
    """``weight_decay`` before the step: p·(1 − lr·wd) when decoupled, else p."""
    return f"IF(decouple_wd,{{{p}}}*(1-lr*wd),{{{p}}})"


LAM_DECAYED = "IF(decouple_wd, WEIGHT_DECAY({b}:{a}, lr, wd), {b}:{a})"


def _grad_avg(dampened: bool) -> list[Column]:
    damp = "(1-mom)*" if dampened else ""
    flag = "TRUE" if dampened else "FALSE"
    return [
        Column("grad_avg_b", plain=f"={{grad_avg_b@prev}}*mom+{damp}{{grad_b}}", start="=0", spill=2,
               lam=f"=AVERAGE_GRAD({{grad_b}}:{{grad_a}}, mom, {flag}, {{grad_avg_b@prev}}:{{grad_avg_a@prev}})",
               note=("average_grad, dampened: grad_avg·mom + (1 − mom)·grad." if dampened else
                     "average_grad, undampened as in fastai's SGD: grad_avg·mom + grad.")),
        Column("grad_avg_a", plain=f"={{grad_avg_a@prev}}*mom+{damp}{{grad_a}}", start="=0"),
    ]


SQR_AVG = [
    Column("sqr_avg_b", plain="={sqr_avg_b@prev}*sqr_mom+(1-sqr_mom)*{grad_b}^2", start="=0", spill=2,
           lam="=AVERAGE_SQR_GRAD({grad_b}:{grad_a}, sqr_mom, TRUE, {sqr_avg_b@prev}:{sqr_avg_a@prev})",
           note="average_sqr_grad, dampened: sqr_avg·sqr_mom + (1 − sqr_mom)·grad²."),
    Column("sqr_avg_a", plain="={sqr_avg_a@prev}*sqr_mom+(1-sqr_mom)*{grad_a}^2", start="=0"),
]


def _fit_sheet(experiment, params, table, columns, inputs, start_names):
    sheet = experiment_sheet(
        experiment, table, params, inputs=inputs, columns=[*data_columns(params), *columns],
        epoch_columns=[RMSE], charts=[ERROR_CHART, PARAMETERS_CHART],
        start_values={"new_b": params["b0"], "new_a": params["a0"], **{name: 0.0 for name in start_names}},
    )
    return workbook_spec(experiment, sheet, params)


def _new(plain: str, let_body: str, lam: str, note: str, bindings: tuple[str, ...] = ()) -> list[Column]:
    """new_b and new_a. ``plain``, ``let_body`` and ``bindings`` (extra LET names, "name, value") write
    ``<p>`` for the parameter after weight decay and ``<grad_avg>``, ``<sqr_avg>`` for its averages."""
    columns = []
    for name in ("b", "a"):
        def fill(text: str, p: str) -> str:
            return (text.replace("<p>", p).replace("<grad_avg>", f"{{grad_avg_{name}}}")
                    .replace("<sqr_avg>", f"{{sqr_avg_{name}}}"))

        lines = [f"p, {_decayed(name)}", *(fill(b, "p") for b in bindings), fill(let_body, "p")]
        let = "=LET(\n" + ",\n".join("    " + line for line in lines) + "\n)"
        columns.append(Column(f"new_{name}", plain="=" + fill(plain, _decayed(name)), let=let,
                              start=f"={name}_0", spill=2 if name == "b" else 1,
                              lam=lam if name == "b" else None, note=note if name == "b" else None))
    return columns


def fastai_sgd(experiment, params, table) -> WorkbookSpec:
    columns = [
        *_fit_columns(), *_grad_avg(dampened=False),
        *_new("<p>-lr*<grad_avg>", "p - lr*<grad_avg>",
              f"=MOMENTUM_STEP({LAM_DECAYED}, lr, {{grad_avg_b}}:{{grad_avg_a}})",
              "momentum_step after weight_decay: p·(1 − lr·wd) − lr·grad_avg (with mom = 0 this is sgd_step)."),
    ]
    return _fit_sheet(experiment, params, table, columns, FIT_INPUTS, ["grad_avg_b", "grad_avg_a"])


def fastai_rmsprop(experiment, params, table) -> WorkbookSpec:
    columns = [
        *_fit_columns(), *_grad_avg(dampened=False), *SQR_AVG,
        *_new("<p>-lr*(<grad_avg>/(SQRT(<sqr_avg>)+eps))", "p - lr*(<grad_avg>/root)",
              f"=RMS_PROP_STEP({LAM_DECAYED}, lr, {{sqr_avg_b}}:{{sqr_avg_a}}, eps, {{grad_avg_b}}:{{grad_avg_a}})",
              "rms_prop_step: p − lr·g/(√sqr_avg + eps), g the average gradient (the gradient when mom = 0).",
              ("root, SQRT(<sqr_avg>) + eps",)),
    ]
    return _fit_sheet(experiment, params, table, columns, [*FIT_INPUTS, "sqr_mom", "eps"],
                      ["grad_avg_b", "grad_avg_a", "sqr_avg_b", "sqr_avg_a"])


def fastai_adam(experiment, params, table) -> WorkbookSpec:
    step = "{step}"
    columns = [
        *_fit_columns(), *_grad_avg(dampened=True), *SQR_AVG,
        Column("debias1", plain=f"=(1-mom)*(1-mom^{step})/(1-mom)", lam=f"=DEBIAS(mom, 1 - mom, {step})",
               note="debias: the weights the average has given so far, 1 − mom^step, computed as fastai does."),
        Column("debias2", plain=f"=(1-sqr_mom)*(1-sqr_mom^{step})/(1-sqr_mom)",
               lam=f"=DEBIAS(sqr_mom, 1 - sqr_mom, {step})"),
        *_new("<p>-(lr/{debias1})*(<grad_avg>/(SQRT(<sqr_avg>/{debias2})+eps))",
              "p - step_size*(<grad_avg>/root)",
              f"=ADAM_STEP({LAM_DECAYED}, lr, mom, {step}, sqr_mom, {{grad_avg_b}}:{{grad_avg_a}}, "
              f"{{sqr_avg_b}}:{{sqr_avg_a}}, eps)",
              "adam_step: p − (lr/debias1)·grad_avg/(√(sqr_avg/debias2) + eps).",
              ("step_size, lr/{debias1}", "root, SQRT(<sqr_avg>/{debias2}) + eps")),
    ]
    return _fit_sheet(experiment, params, table, columns, [*FIT_INPUTS, "sqr_mom", "eps"],
                      ["grad_avg_b", "grad_avg_a", "sqr_avg_b", "sqr_avg_a"])


# ---------------------------------------------------------------- wd-vs-l2

RUNS = {  # tag: (momentum, decoupled)
    "mom_wd": (True, True),
    "mom_l2": (True, False),
    "sgd_wd": (False, True),
    "sgd_l2": (False, False),
}


def _run_columns(tag: str, momentum: bool, decoupled: bool) -> list[Column]:
    def n(name: str) -> str:
        return "{" + f"{name}_{tag}" + "}"

    def n_prev(name: str) -> str:
        return "{" + f"{name}_{tag}@prev" + "}"

    p, de = f"{n('b')}:{n('a')}", f"{n('de_db')}:{n('de_da')}"
    columns = [
        Column(f"b_{tag}", plain=f"={n_prev('new_b')}"),
        Column(f"a_{tag}", plain=f"={n_prev('new_a')}"),
        Column(f"y_pred_{tag}", plain=f"={n('b')}+{n('a')}*{{x}}", lam=f"=PREDICT({n('b')}, {n('a')}, {{x}})"),
        Column(f"de_db_{tag}", plain=f"=2*({n('y_pred')}-{{y}})", lam=f"=ERR2_GRAD({n('y_pred')}, {{y}})"),
        Column(f"de_da_{tag}", plain=f"={n('de_db')}*{{x}}"),
    ]
    grad, grad_range = (n("de_db"), n("de_da")), de
    if not decoupled:
        columns += [
            Column(f"grad_b_{tag}", plain=f"={n('de_db')}+wd*{n('b')}", spill=2, lam=f"=L2_REG({de}, wd, {p})",
                   let=f"=LET(\n    decay, wd*{n('b')},\n    {n('de_db')} + decay\n)",
                   note="l2_reg: the decay is added to the gradient."),
            Column(f"grad_a_{tag}", plain=f"={n('de_da')}+wd*{n('a')}",
                   let=f"=LET(\n    decay, wd*{n('a')},\n    {n('de_da')} + decay\n)"),
        ]
        grad, grad_range = (n("grad_b"), n("grad_a")), f"{n('grad_b')}:{n('grad_a')}"
    if momentum:
        columns += [
            Column(f"grad_avg_b_{tag}", plain=f"={n_prev('grad_avg_b')}*mom+{grad[0]}", start="=0", spill=2,
                   lam=f"=AVERAGE_GRAD({grad_range}, mom, FALSE, {n_prev('grad_avg_b')}:{n_prev('grad_avg_a')})"),
            Column(f"grad_avg_a_{tag}", plain=f"={n_prev('grad_avg_a')}*mom+{grad[1]}", start="=0"),
        ]
        grad, grad_range = (n("grad_avg_b"), n("grad_avg_a")), f"{n('grad_avg_b')}:{n('grad_avg_a')}"
    decayed = (f"{n('b')}*(1-lr*wd)", f"{n('a')}*(1-lr*wd)") if decoupled else (n("b"), n("a"))
    lam_p = f"WEIGHT_DECAY({p}, lr, wd)" if decoupled else p
    stepper = "MOMENTUM_STEP" if momentum else "SGD_STEP"
    let = [f"=LET(\n    p, {decayed[i]},\n    p - lr*{grad[i]}\n)" if decoupled else None for i in (0, 1)]
    columns += [
        Column(f"new_b_{tag}", plain=f"={decayed[0]}-lr*{grad[0]}", let=let[0], start="=b_0", spill=2,
               lam=f"={stepper}({lam_p}, lr, {grad_range})"),
        Column(f"new_a_{tag}", plain=f"={decayed[1]}-lr*{grad[1]}", let=let[1], start="=a_0"),
    ]
    return columns


def wd_vs_l2(experiment, params, table) -> WorkbookSpec:
    columns = data_columns(params)
    start = {}
    for tag, (momentum, decoupled) in RUNS.items():
        columns += _run_columns(tag, momentum, decoupled)
        start.update({f"new_b_{tag}": params["b0"], f"new_a_{tag}": params["a0"]})
        if momentum:
            start.update({f"grad_avg_b_{tag}": 0.0, f"grad_avg_a_{tag}": 0.0})
    labels = {"mom_wd": "momentum + weight decay", "mom_l2": "momentum + L2",
              "sgd_wd": "SGD + weight decay", "sgd_l2": "SGD + L2"}
    charts = [
        ChartSpec("b under weight decay and under L2", [Series(labels[t], f"b_{t}") for t in RUNS], y_title="b"),
        ChartSpec("a under weight decay and under L2", [Series(labels[t], f"a_{t}") for t in RUNS], y_title="a"),
    ]
    sheet = experiment_sheet(experiment, table, params, inputs=["lr", "mom", "wd", "b0", "a0"], columns=columns,
                             charts=charts, start_values=start)
    return workbook_spec(experiment, sheet, params)


# ---------------------------------------------------------------- average-grad

STATS = {  # quantity prefix: (function, momentum input, dampening)
    "grad_avg": ("AVERAGE_GRAD", "mom", False),
    "grad_avg_damp": ("AVERAGE_GRAD", "mom", True),
    "sqr_avg": ("AVERAGE_SQR_GRAD", "sqr_mom", False),
    "sqr_avg_damp": ("AVERAGE_SQR_GRAD", "sqr_mom", True),
}
# The notebook's tests: (stat, call, multiple of grad (or grad²)); fastai's test_close tolerance is 1e-5.
NOTEBOOK_TESTS = [
    ("grad_avg", 1, "1"), ("grad_avg", 2, "1.9"),
    ("grad_avg_damp", 1, "0.1"), ("grad_avg_damp", 2, "(0.1*0.9+0.1)"),
    ("sqr_avg", 1, "1"), ("sqr_avg", 2, "1.99"),
    ("sqr_avg_damp", 1, "0.01"), ("sqr_avg_damp", 2, "(0.01*0.99+0.01)"),
]


# The sheet gives each element of the reference's parameter grad a cell of its own.
GRAD_ELEMENTS = {f"grad_{i}": Parameter(f"grad_{i}", f"grad_{i}", f"the gradient of p[{i}] = {i} (the notebook: {g})")
                 for i, g in ((1, 4), (2, 5), (3, 6))}


def average_grad(experiment, params, table) -> WorkbookSpec:
    columns = [Column(f"grad_{i}", plain=f"=grad_{i}") for i in (1, 2, 3)]
    start = {}
    for prefix, (function, momentum, dampening) in STATS.items():
        square = "^2" if function == "AVERAGE_SQR_GRAD" else ""
        damp = f"(1-{momentum})*" if dampening else ""
        for i in (1, 2, 3):
            first = i == 1
            let = moving_average_let(f"{prefix}_{i}", momentum, f"{{grad_{i}}}{square}") if dampening else None
            columns.append(Column(
                f"{prefix}_{i}",
                plain=f"={{{prefix}_{i}@prev}}*{momentum}+{damp}{{grad_{i}}}{square}", let=let,
                start="=0", spill=3 if first else 1,
                lam=(f"={function}({{grad_1}}:{{grad_3}}, {momentum}, {'TRUE' if dampening else 'FALSE'}, "
                     f"{{{prefix}_1@prev}}:{{{prefix}_3@prev}})") if first else None,
                note=(f"{function.lower()}(p, {momentum}, dampening={dampening}) on the tensor grad = "
                      f"[grad_1, grad_2, grad_3]; one call per row.") if first else None,
            ))
            start[f"{prefix}_{i}"] = 0.0
    sheet = experiment_sheet(
        experiment, table, {**params, **{f"grad_{i}": params["grad"][i - 1] for i in (1, 2, 3)}},
        inputs=["grad_1", "grad_2", "grad_3", "mom", "sqr_mom"], columns=columns, start_values=start,
        sheet_parameters=GRAD_ELEMENTS,
    )
    sheet.extra_cells = _notebook_tests(sheet.table, params["steps"])
    spec = workbook_spec(experiment, sheet, params, data=(), fixed=("steps",))
    spec.params["grad"] = Range(sheet.name, *input_range(sheet.name, 0).cells()[0],
                                *input_range(sheet.name, 2).cells()[0])
    for i in (1, 2, 3):
        spec.params.pop(f"grad_{i}", None)
    return spec


def _notebook_tests(table, steps: int) -> list[Cell]:
    """A PASS/FAIL cell per notebook test, beside the table (only the calls the table has)."""
    column = table.last_column + 2
    cells = [Cell(table.header_row - 1, column, value="fastai's test", style="label"),
             Cell(table.header_row - 1, column + 1, value="result", style="label")]
    row = table.header_row + 1
    for prefix, call, multiple in NOTEBOOK_TESTS:
        if call > steps:
            continue
        square = "^2" if prefix.startswith("sqr") else ""
        checks = ",".join(
            f"ABS({{{prefix}_{i}}}-{multiple}*{{grad_{i}}}{square})<1E-5" for i in (1, 2, 3))
        formula = table.formula(f"=IF(AND({checks}),\"PASS\",\"FAIL\")", 1, table.row(1, call - 1))
        cells.append(Cell(row, column, value=f"call {call}: {prefix} = {multiple}·grad{square}", style="label"))
        cells.append(Cell(row, column + 1, formula=formula, value="PASS", style="pass"))
        row += 1
    return cells


BUILDERS = {
    "average-grad": average_grad,
    "wd-vs-l2": wd_vs_l2,
    "fastai-sgd": fastai_sgd,
    "fastai-rmsprop": fastai_rmsprop,
    "fastai-adam": fastai_adam,
}
