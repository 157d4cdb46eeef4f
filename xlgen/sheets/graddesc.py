"""The graddesc workbook's sheets, rebuilt with formulas only: basic, momentum, rmsprop, adam, adam_ann.

Read each column list beside the sheet it writes: one column per quantity,
its plain formula as in Jeremy Howard's workbook, its LET form, and its form
calling the LAMBDA names. Epochs are unrolled without macros: the first row of
an epoch takes the b and a that entered the previous epoch's last row (what
the Run button copies to the top), and the optimizer state simply continues
from the row above.
"""

from __future__ import annotations

from ..workbook import ChartSpec, Series, WorkbookSpec
from .common import experiment_sheet, workbook_spec
from .layout import Column, EpochColumn
from .parts import ERROR_CHART, PARAMETERS_CHART, RMSE, data_columns, moving_average_let

B_A = [
    Column("b", plain="={new_b@prev}", epoch_start="={b@prev}",
           note="b entering this row: the previous row's new b. The first row of an epoch takes the b that "
                "entered the previous epoch's last row, as the graddesc Run button does."),
    Column("a", plain="={new_a@prev}", epoch_start="={a@prev}"),
]
Y_PRED = Column("y_pred", plain="={b}+{a}*{x}", lam="=PREDICT({b}, {a}, {x})")
ERR2 = Column(
    "err2", plain="=({y}-{y_pred})^2",
    let="""
        =LET(
            err, {y} - {y_pred},
            err^2
        )""",
    lam="=SQ_ERROR({y_pred}, {y})",
)
ANALYTIC = [
    Column("de_db", plain="=2*({a}*{x}+{b}-{y})",
           let="""
               =LET(
                   err, {a}*{x} + {b} - {y},
                   2*err
               )""",
           lam="=ERR2_GRAD(PREDICT({b}, {a}, {x}), {y})",
           note="The derivative of (a·x + b − y)² by b: 2·(a·x + b − y)."),
    Column("de_da", plain="={de_db}*{x}", note="By a: the derivative by b, times x."),
]


def _state_start(params, names):
    return {name: params[f"{name}0"] for name in names}


def _sheet(experiment, params, table, columns, epoch_columns, inputs, charts, start):
    sheet = experiment_sheet(
        experiment, table, params, inputs=inputs, columns=[*data_columns(params), *columns],
        epoch_columns=epoch_columns, charts=charts, start_values={"new_b": params["b0"], "new_a": params["a0"], **start},
    )
    return workbook_spec(experiment, sheet, params)


def basic_sgd(experiment, params, table) -> WorkbookSpec:
    columns = [
        *B_A,
        Y_PRED,
        ERR2,
        Column("err2_b", plain="=((({b}+fd_step)+{x}*{a})-{y})^2",
               let="""
                   =LET(
                       b_nudged, {b} + fd_step,
                       (b_nudged + {x}*{a} - {y})^2
                   )""",
               lam="=SQ_ERROR(PREDICT({b} + fd_step, {a}, {x}), {y})",
               note="The squared error with b nudged by h: the first half of a finite difference."),
        Column("est_de_db", plain="=({err2_b}-{err2})/fd_step", lam="=NUM_DERIV({err2_b}, {err2}, fd_step)",
               note="Estimated de/db: how much the error moved when b moved by h, divided by h."),
        Column("err2_a", plain="=((({a}+fd_step)*{x}+{b})-{y})^2",
               let="""
                   =LET(
                       a_nudged, {a} + fd_step,
                       (a_nudged*{x} + {b} - {y})^2
                   )""",
               lam="=SQ_ERROR(PREDICT({b}, {a} + fd_step, {x}), {y})"),
        Column("est_de_da", plain="=({err2_a}-{err2})/fd_step", lam="=NUM_DERIV({err2_a}, {err2}, fd_step)"),
        Column("de_db", plain="=2*({y_pred}-{y})", lam="=ERR2_GRAD({y_pred}, {y})",
               note="The analytic derivative of (y_pred − y)² by b: 2·(y_pred − y)."),
        Column("de_da", plain="={de_db}*{x}"),
        Column("new_b", plain="={b}-{de_db}*lr", start="=b_0", spill=2,
               let="""
                   =LET(
                       b, {b},
                       grad, {de_db},
                       b - grad*lr
                   )""",
               lam="=SGD_STEP({b}:{a}, lr, {de_db}:{de_da})",
               note="The SGD step: b − de/db · lr. In the lambda variant one SGD_STEP call updates [b, a]."),
        Column("new_a", plain="={a}-{de_da}*lr", start="=a_0"),
    ]
    epoch_columns = [
        RMSE,
        EpochColumn("grad_norm_b", plain="=SQRT(SUMSQ({de_db@epoch_rows}))"),
        EpochColumn("grad_norm_a", plain="=SQRT(SUMSQ({de_da@epoch_rows}))"),
    ]
    return _sheet(experiment, params, table, columns, epoch_columns, ["lr", "b0", "a0", "fd_step"],
                  [ERROR_CHART, PARAMETERS_CHART], {})


GRAD_AVG = [
    Column("grad_avg_b", plain="={grad_avg_b@prev}*mom+(1-mom)*{de_db}", start="=grad_avg_b0", spill=2,
           let=moving_average_let("grad_avg_b", "mom", "{de_db}"),
           lam="=AVERAGE_GRAD({de_db}:{de_da}, mom, TRUE, {grad_avg_b@prev}:{grad_avg_a@prev})",
           note="Momentum: the previous average times mom, plus (1 − mom) times the new derivative."),
    Column("grad_avg_a", plain="={grad_avg_a@prev}*mom+(1-mom)*{de_da}", start="=grad_avg_a0",
           let=moving_average_let("grad_avg_a", "mom", "{de_da}")),
]
SQR_AVG = [
    Column("sqr_avg_b", plain="={sqr_avg_b@prev}*sqr_mom+(1-sqr_mom)*{de_db}^2", start="=sqr_avg_b0", spill=2,
           let=moving_average_let("sqr_avg_b", "sqr_mom", "{de_db}^2"),
           lam="=AVERAGE_SQR_GRAD({de_db}:{de_da}, sqr_mom, TRUE, {sqr_avg_b@prev}:{sqr_avg_a@prev})",
           note="The moving average of the squared derivative."),
    Column("sqr_avg_a", plain="={sqr_avg_a@prev}*sqr_mom+(1-sqr_mom)*{de_da}^2", start="=sqr_avg_a0",
           let=moving_average_let("sqr_avg_a", "sqr_mom", "{de_da}^2")),
]


def momentum(experiment, params, table) -> WorkbookSpec:
    columns = [
        *B_A, Y_PRED, *ANALYTIC, *GRAD_AVG,
        Column("new_b", plain="={b}-{grad_avg_b}*lr", start="=b_0", spill=2,
               lam="=MOMENTUM_STEP({b}:{a}, lr, {grad_avg_b}:{grad_avg_a})",
               note="The step follows the average, not the derivative: b − avg de/db · lr."),
        Column("new_a", plain="={a}-{grad_avg_a}*lr", start="=a_0"),
        ERR2,
    ]
    return _sheet(experiment, params, table, columns, [RMSE],
                  ["lr", "b0", "a0", "mom", "grad_avg_b0", "grad_avg_a0"], [ERROR_CHART, PARAMETERS_CHART],
                  _state_start(params, ["grad_avg_b", "grad_avg_a"]))


def rmsprop(experiment, params, table) -> WorkbookSpec:
    columns = [
        *B_A, Y_PRED, *ANALYTIC,
        Column("new_b", plain="={b}-{de_db}*lr/SQRT({sqr_avg_b@prev})", start="=b_0", spill=2,
               let="""
                   =LET(
                       root, SQRT({sqr_avg_b@prev}),
                       {b} - {de_db}*lr/root
                   )""",
               lam="=RMSPROP_STEP_NO_EPS({b}:{a}, lr, {de_db}:{de_da}, {sqr_avg_b@prev}:{sqr_avg_a@prev})",
               note="b − de/db · lr / √(the previous row's average square): no eps, as in the workbook."),
        Column("new_a", plain="={a}-{de_da}*lr/SQRT({sqr_avg_a@prev})", start="=a_0",
               let="""
                   =LET(
                       root, SQRT({sqr_avg_a@prev}),
                       {a} - {de_da}*lr/root
                   )"""),
        *SQR_AVG,
    ]
    return _sheet(experiment, params, table, columns, [],
                  ["lr", "b0", "a0", "sqr_mom", "sqr_avg_b0", "sqr_avg_a0"], [PARAMETERS_CHART],
                  _state_start(params, ["sqr_avg_b", "sqr_avg_a"]))


def _adam_columns(lr: str) -> list[Column]:
    return [
        *B_A, Y_PRED, *ANALYTIC, *GRAD_AVG, *SQR_AVG,
        Column("new_b", plain=f"={{b}}-{{grad_avg_b}}*{lr}/SQRT({{sqr_avg_b}})", start="=b_0", spill=2,
               let=f"""
                   =LET(
                       root, SQRT({{sqr_avg_b}}),
                       {{b}} - {{grad_avg_b}}*{lr}/root
                   )""",
               lam=f"=ADAM_STEP_NO_DEBIAS({{b}}:{{a}}, {lr}, {{grad_avg_b}}:{{grad_avg_a}}, {{sqr_avg_b}}:{{sqr_avg_a}})",
               note="b − avg de/db · lr / √(avg (de/db)²): no bias correction and no eps, as in the workbook."),
        Column("new_a", plain=f"={{a}}-{{grad_avg_a}}*{lr}/SQRT({{sqr_avg_a}})", start="=a_0",
               let=f"""
                   =LET(
                       root, SQRT({{sqr_avg_a}}),
                       {{a}} - {{grad_avg_a}}*{lr}/root
                   )"""),
    ]


ADAM_INPUTS = ["lr", "b0", "a0", "mom", "sqr_mom", "grad_avg_b0", "grad_avg_a0", "sqr_avg_b0", "sqr_avg_a0"]
ADAM_STATE = ["grad_avg_b", "grad_avg_a", "sqr_avg_b", "sqr_avg_a"]


def adam(experiment, params, table) -> WorkbookSpec:
    return _sheet(experiment, params, table, _adam_columns("lr"), [], ADAM_INPUTS, [PARAMETERS_CHART],
                  _state_start(params, ADAM_STATE))


def adam_annealing(experiment, params, table) -> WorkbookSpec:
    epoch_columns = [
        EpochColumn("lr", first="=lr",
                    plain="=IF({grad_size}/{prev_grad2@prev}>2,{lr@prev}/4,{lr@prev})",
                    let="""
                        =LET(
                            ratio, {grad_size}/{prev_grad2@prev},
                            IF(ratio > 2, {lr@prev}/4, {lr@prev})
                        )""",
                    note="The Run macro's schedule as a formula: divide lr by 4 when the gradients have grown "
                         "to more than twice the smallest size seen."),
        EpochColumn("prev_grad2", first="=prev_grad2",
                    plain="=IF({grad_size}<{prev_grad2@prev},{grad_size},{prev_grad2@prev})"),
        EpochColumn("grad_size", plain="=SQRT({sqr_avg_b@before_epoch})+SQRT({sqr_avg_a@before_epoch})"),
        EpochColumn("grad_ratio", plain="={grad_size}/{prev_grad2}"),
        EpochColumn("rms_de_db", plain="=SQRT(SUMSQ({de_db@epoch_rows}))/COUNT({de_db@epoch_rows})"),
        EpochColumn("rms_de_da", plain="=SQRT(SUMSQ({de_da@epoch_rows}))/COUNT({de_da@epoch_rows})"),
        EpochColumn("inv_grad_avg_a", plain="=1/{grad_avg_a@before_epoch}"),
        EpochColumn("inv_sqr_avg_b", plain="=1/{sqr_avg_b@before_epoch}"),
    ]
    charts = [
        ChartSpec("Learning rate by epoch", [Series("lr", "lr")], per_epoch=True, y_title="lr", log_scale=True),
        PARAMETERS_CHART,
    ]
    return _sheet(experiment, params, table, _adam_columns("{lr@epoch}"), epoch_columns,
                  [*ADAM_INPUTS, "prev_grad2"], charts, _state_start(params, ADAM_STATE))


BUILDERS = {
    "basic-sgd": basic_sgd,
    "momentum": momentum,
    "rmsprop": rmsprop,
    "adam": adam,
    "adam-annealing": adam_annealing,
}
