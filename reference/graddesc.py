"""Jeremy Howard's graddesc workbook, sheet by sheet: basic, momentum, rmsprop, adam, adam_ann.

Every sheet fits y = a·x + b to the same 29 points, one step per data row
("online" SGD). Each row function below mirrors one sheet row, and its
comments quote the workbook's formulas for row 4; the arithmetic keeps the
formulas' operation order so that the sheet and the reference agree bit for bit.

Epochs follow the workbook's Run macro: the next epoch starts from the
parameters that *entered* the last row (the macro copies C32/D32 to C1/C2,
not the updated values), and the optimizer state of the last row is carried
to row 33, which row 3 reads.

The defaults reproduce each sheet's Reset macro (a = b = 1 and the optimizer
state the macro leaves behind, see :func:`reset_state`), then six epochs: the
reset view plus one click of the sheets' five-epoch "Run" button.
"""

from __future__ import annotations

from collections.abc import Sequence

from .data import GRADDESC_X, GRADDESC_Y
from .ieee import NAN, divide, is_mark, power, sqrt
from .registry import Parameter, Quantity, parameters, register, table

DATA = dict(x=GRADDESC_X, y=GRADDESC_Y)
EPOCHS = 6

PARAMETERS = parameters(
    Parameter("x", "x", "the data's x values (one per row)"),
    Parameter("y", "y", "the data's y values (one per row)"),
    Parameter("lr", "learning rate", "learning rate"),
    Parameter("b0", "b at start", "intercept b at the start of the first epoch"),
    Parameter("a0", "a at start", "slope a at the start of the first epoch"),
    Parameter("epochs", "epochs", "how many passes over the data"),
    Parameter("fd_step", "finite-difference step h", "step of the forward finite differences"),
    Parameter("mom", "momentum", "momentum of the average of the gradients"),
    Parameter("sqr_mom", "momentum of squares", "momentum of the average of the squared gradients"),
    Parameter("grad_avg_b0", "avg de/db at start", "average of de/db carried into the first row"),
    Parameter("grad_avg_a0", "avg de/da at start", "average of de/da carried into the first row"),
    Parameter("sqr_avg_b0", "avg (de/db)² at start", "average of (de/db)² carried into the first row"),
    Parameter("sqr_avg_a0", "avg (de/da)² at start", "average of (de/da)² carried into the first row"),
    Parameter("prev_grad2", "smallest gradient size at start",
              "the size of the gradient averages that the annealing compares against"),
)

B_A = (
    Quantity("b", "intercept", "the intercept entering this row"),
    Quantity("a", "slope", "the slope entering this row"),
    Quantity("y_pred", "prediction", "b + a·x"),
)
DERIVATIVES = (
    Quantity("de_db", "de/db", "2·(a·x + b − y), the analytic derivative of the squared error"),
    Quantity("de_da", "de/da", "de/db · x"),
)
NEW_B_A = (
    Quantity("new_b", "new b", "the intercept after this row's step"),
    Quantity("new_a", "new a", "the slope after this row's step"),
)
ERR2 = Quantity("err2", "err²", "(y − y_pred)²")
RMSE = Quantity("rmse", "rmse", "√Σ err² over the epoch, as the workbook computes its 'rmse'")
GRAD_AVG = (
    Quantity("grad_avg_b", "avg de/db", "grad_avg_b·mom + (1 − mom)·de/db"),
    Quantity("grad_avg_a", "avg de/da", "grad_avg_a·mom + (1 − mom)·de/da"),
)
SQR_AVG = (
    Quantity("sqr_avg_b", "avg (de/db)²", "sqr_avg_b·sqr_mom + (1 − sqr_mom)·(de/db)²"),
    Quantity("sqr_avg_a", "avg (de/da)²", "sqr_avg_a·sqr_mom + (1 − sqr_mom)·(de/da)²"),
)


def sequential_sum(values: Sequence[float]) -> float:
    """Left-to-right sum, as Excel's SUM adds (Python 3.12's ``sum`` compensates, so it is not used)."""
    total = 0.0
    for value in values:
        total = total + value
    return total


def sum_of_squares(values: Sequence[float]) -> float:
    """Excel's SUMSQ: each value squared, then added left to right."""
    return sequential_sum([power(value, 2) for value in values])


def analytic_gradient(x: float, y: float, b: float, a: float) -> tuple[float, float]:
    """``F4 = 2*(D4*A4+C4-B4)``, ``G4 = F4*A4``: de/db and de/da of (a·x + b − y)²."""
    de_db = 2 * (a * x + b - y)
    return de_db, de_db * x


# ---------------------------------------------------------------- basic


@register(
    "basic-sgd",
    "Basic SGD: online gradient descent on y = a·x + b",
    defaults=dict(**DATA, lr=1e-4, b0=1.0, a0=1.0, fd_step=0.01, epochs=EPOCHS),
    quantities=(
        *B_A,
        ERR2,
        Quantity("err2_b", "err² (b+h)", "the squared error with b nudged by the finite-difference step"),
        Quantity("est_de_db", "est. de/db", "(err2_b − err2)/h, the forward finite difference"),
        Quantity("err2_a", "err² (a+h)", "the squared error with a nudged by the finite-difference step"),
        Quantity("est_de_da", "est. de/da", "(err2_a − err2)/h"),
        Quantity("de_db", "de/db", "2·(y_pred − y)"),
        Quantity("de_da", "de/da", "de/db · x"),
        *NEW_B_A,
    ),
    epoch_quantities=(
        RMSE,
        Quantity("grad_norm_b", "√Σ (de/db)²", "the size of the epoch's de/db"),
        Quantity("grad_norm_a", "√Σ (de/da)²", "the size of the epoch's de/da"),
    ),
    description=(
        "The most basic, vanilla form of stochastic gradient descent: for each data point, predict "
        "y with the current a and b, compute the derivative of the squared error with respect to each, "
        "and step against it. The derivatives are computed twice: analytically, and estimated by "
        "nudging each parameter a little (finite differences); they agree closely."
    ),
    parameters=PARAMETERS,
)
def basic_sgd(x, y, lr, b0, a0, fd_step, epochs):
    rows, epoch_rows = [], []
    b, a = b0, a0
    for epoch in range(1, epochs + 1):
        first = len(rows)
        for xi, yi in zip(x, y):
            y_pred = b + a * xi  # E4 = C4+D4*A4
            err2 = power(yi - y_pred, 2)  # F4 = (B4-E4)^2
            err2_b = power(((b + fd_step) + xi * a) - yi, 2)  # G4 = (((C4+0.01)+A4*D4)-B4)^2
            est_de_db = (err2_b - err2) / fd_step  # H4 = (G4-F4)/0.01
            err2_a = power(((a + fd_step) * xi + b) - yi, 2)  # I4 = (((D4+0.01)*A4+C4)-B4)^2
            est_de_da = (err2_a - err2) / fd_step  # J4 = (I4-F4)/0.01
            de_db = 2 * (y_pred - yi)  # K4 = 2*(E4-B4)
            de_da = de_db * xi  # L4 = K4*A4
            new_b = b - de_db * lr  # N4 = C4-K4*$F$1
            new_a = a - de_da * lr  # M4 = D4-L4*$F$1
            rows.append({"epoch": epoch, "step": len(rows) + 1, "x": xi, "y": yi, "b": b, "a": a, "y_pred": y_pred,
                         "err2": err2, "err2_b": err2_b, "est_de_db": est_de_db, "err2_a": err2_a,
                         "est_de_da": est_de_da, "de_db": de_db, "de_da": de_da, "new_b": new_b, "new_a": new_a})
            b, a = new_b, new_a
        block = rows[first:]
        epoch_rows.append(dict(
            epoch=epoch,
            rmse=sqrt(sequential_sum([r["err2"] for r in block])),  # F33 = SQRT(SUM(F4:F32))
            grad_norm_b=sqrt(sum_of_squares([r["de_db"] for r in block])),  # K33 = SQRT(SUMSQ(K4:K32))
            grad_norm_a=sqrt(sum_of_squares([r["de_da"] for r in block])),  # L33
        ))
        b, a = block[-1]["b"], block[-1]["a"]  # Run: C1/C2 <- C32/D32
    return table(rows, epoch_rows)


# ---------------------------------------------------------------- momentum


def momentum_row(x, y, b, a, lr, mom, damp, grad_avg_b, grad_avg_a):
    """One row of the momentum sheet (``damp`` is its K1, ``=1-J1``)."""
    y_pred = b + a * x  # E4 = C4+D4*A4
    de_db, de_da = analytic_gradient(x, y, b, a)
    grad_avg_b = grad_avg_b * mom + damp * de_db  # J4 = J3*$J$1+$K$1*F4
    grad_avg_a = grad_avg_a * mom + damp * de_da  # K4 = K3*$J$1+$K$1*G4
    return {"b": b, "a": a, "y_pred": y_pred, "de_db": de_db, "de_da": de_da,
            "new_b": b - grad_avg_b * lr,  # H4 = C4-J4*$D$2
            "new_a": a - grad_avg_a * lr,  # I4 = D4-K4*$D$2
            "grad_avg_b": grad_avg_b, "grad_avg_a": grad_avg_a,
            "err2": power(y - y_pred, 2)}  # L4 = (B4-E4)^2


def momentum_epoch(x, y, b, a, lr, mom, grad_avg_b, grad_avg_a):
    """One pass over the data; returns the rows (state carried row to row)."""
    damp = 1 - mom
    rows = []
    for xi, yi in zip(x, y):
        row = momentum_row(xi, yi, b, a, lr, mom, damp, grad_avg_b, grad_avg_a)
        rows.append({"x": xi, "y": yi, **row})
        b, a, grad_avg_b, grad_avg_a = row["new_b"], row["new_a"], row["grad_avg_b"], row["grad_avg_a"]
    return rows


# ---------------------------------------------------------------- rmsprop


def rmsprop_epoch(x, y, b, a, lr, sqr_mom, sqr_avg_b, sqr_avg_a):
    """One pass of the rmsprop sheet: the step divides by the *previous* row's mean square, no eps."""
    damp = 1 - sqr_mom  # K1 = 1-J1
    rows = []
    for xi, yi in zip(x, y):
        y_pred = b + a * xi
        de_db, de_da = analytic_gradient(xi, yi, b, a)
        new_b = b - divide(de_db * lr, sqrt(sqr_avg_b))  # H4 = C4-F4*$D$2/SQRT(J3)
        new_a = a - divide(de_da * lr, sqrt(sqr_avg_a))  # I4 = D4-G4*$D$2/SQRT(K3)
        sqr_avg_b = sqr_avg_b * sqr_mom + damp * power(de_db, 2)  # J4 = J3*$J$1+$K$1*F4^2
        sqr_avg_a = sqr_avg_a * sqr_mom + damp * power(de_da, 2)  # K4 = K3*$J$1+$K$1*G4^2
        rows.append({"x": xi, "y": yi, "b": b, "a": a, "y_pred": y_pred, "de_db": de_db, "de_da": de_da,
                     "new_b": new_b, "new_a": new_a, "sqr_avg_b": sqr_avg_b, "sqr_avg_a": sqr_avg_a})
        b, a = new_b, new_a
    return rows


# ---------------------------------------------------------------- adam


def adam_epoch(x, y, b, a, lr, mom, sqr_mom, grad_avg_b, grad_avg_a, sqr_avg_b, sqr_avg_a):
    """One pass of the adam sheet: no bias correction, no eps; the step uses this row's averages."""
    damp, sqr_damp = 1 - mom, 1 - sqr_mom  # K1 = 1-J1, M1 = 1-L1
    rows = []
    for xi, yi in zip(x, y):
        y_pred = b + a * xi
        de_db, de_da = analytic_gradient(xi, yi, b, a)
        grad_avg_b = grad_avg_b * mom + damp * de_db  # J4 = J3*$J$1+$K$1*F4
        grad_avg_a = grad_avg_a * mom + damp * de_da  # K4 = K3*$J$1+$K$1*G4
        sqr_avg_b = sqr_avg_b * sqr_mom + sqr_damp * power(de_db, 2)  # L4 = L3*$L$1+$M$1*F4^2
        sqr_avg_a = sqr_avg_a * sqr_mom + sqr_damp * power(de_da, 2)  # M4 = M3*$L$1+$M$1*G4^2
        new_b = b - divide(grad_avg_b * lr, sqrt(sqr_avg_b))  # H4 = C4-J4*$D$2/SQRT(L4)
        new_a = a - divide(grad_avg_a * lr, sqrt(sqr_avg_a))  # I4 = D4-K4*$D$2/SQRT(M4)
        rows.append({"x": xi, "y": yi, "b": b, "a": a, "y_pred": y_pred, "de_db": de_db, "de_da": de_da,
                     "new_b": new_b, "new_a": new_a, "grad_avg_b": grad_avg_b, "grad_avg_a": grad_avg_a,
                     "sqr_avg_b": sqr_avg_b, "sqr_avg_a": sqr_avg_a})
        b, a = new_b, new_a
    return rows


# ---------------------------------------------------------------- epochs and Reset


def run_epochs(epoch, epochs, b, a, state: dict[str, float], summary=None):
    """Run ``epoch(b=..., a=..., **state)`` ``epochs`` times with the Run macro's carry-over.

    The next epoch starts from the b and a that entered the last row, and the
    state (any of grad_avg_*, sqr_avg_*) of the last row.
    """
    rows, epoch_rows = [], []
    for number in range(1, epochs + 1):
        block = epoch(b=b, a=a, **state)
        for row in block:
            rows.append({"epoch": number, "step": len(rows) + 1, **row})
        if summary is not None:
            epoch_rows.append(dict(epoch=number, **summary(block)))
        b, a = block[-1]["b"], block[-1]["a"]
        state = {name: block[-1][name] for name in state}
    return table(rows, epoch_rows)


def last_state(block: list[dict], names: Sequence[str]) -> dict[str, float]:
    """The optimizer state of an epoch's last row (what the macros paste into row 33)."""
    return {name: block[-1][name] for name in names}


def reset_state(sheet: str, x=GRADDESC_X, y=GRADDESC_Y, **hyper) -> dict[str, float]:
    """The optimizer state that sheet's Reset macro leaves in row 33 (and adam_ann's prev_grad2).

    The macros set a = b = 1, the square averages to 10000 and the gradient
    averages to 0, then copy the last row's state into row 33 once or twice;
    Excel recalculates the sheet after each paste (automatic calculation), or
    only where the macro says ``Calculate`` (adam_ann runs in manual mode).
    """
    data = dict(x=x, y=y, b=1.0, a=1.0)
    if sheet == "momentum":
        first = momentum_epoch(**data, lr=1e-4, mom=hyper.get("mom", 0.9), grad_avg_b=0.0, grad_avg_a=0.0)
        return last_state(first, ("grad_avg_b", "grad_avg_a"))
    if sheet == "rmsprop":
        state = dict(sqr_avg_b=10000.0, sqr_avg_a=10000.0)
        for _paste in range(2):
            block = rmsprop_epoch(**data, lr=hyper.get("lr", 0.02), sqr_mom=hyper.get("sqr_mom", 0.9), **state)
            state = last_state(block, state)
        return state
    if sheet == "adam":
        hyper = dict(lr=1.0, mom=hyper.get("mom", 0.9), sqr_mom=hyper.get("sqr_mom", 0.9))
        grad, sqr = dict(grad_avg_b=0.0, grad_avg_a=0.0), dict(sqr_avg_b=10000.0, sqr_avg_a=10000.0)
        for _paste in range(2):  # paste ms_last (recalculate), then momlast (recalculate)
            sqr = last_state(adam_epoch(**data, **hyper, **grad, **sqr), sqr)
            grad = last_state(adam_epoch(**data, **hyper, **grad, **sqr), grad)
        return {**grad, **sqr}
    if sheet == "adam_ann":
        hyper = dict(lr=1.0, mom=hyper.get("mom", 0.9), sqr_mom=hyper.get("sqr_mom", 0.95))
        state = dict(grad_avg_b=0.0, grad_avg_a=0.0, sqr_avg_b=10000.0, sqr_avg_a=10000.0)
        first = last_state(adam_epoch(**data, **hyper, **state), state)  # Calculate, paste both
        second = last_state(adam_epoch(**data, **hyper, **first), state)  # Calculate, paste both
        # prev_grad2 is pasted before the sheet recalculates: it is still the first paste's size.
        return {**second, "prev_grad2": sqrt(first["sqr_avg_b"]) + sqrt(first["sqr_avg_a"])}
    raise ValueError(f"no Reset macro for sheet {sheet!r}")


def reset_parameters(sheet: str) -> dict[str, float]:
    """:func:`reset_state` as the experiment's parameters (``grad_avg_b`` -> ``grad_avg_b0``)."""
    return {name if name == "prev_grad2" else f"{name}0": value for name, value in reset_state(sheet).items()}


_MOMENTUM_RESET = reset_parameters("momentum")
_RMSPROP_RESET = reset_parameters("rmsprop")
_ADAM_RESET = reset_parameters("adam")
_ADAM_ANN_RESET = reset_parameters("adam_ann")


@register(
    "momentum",
    "Momentum: step along a moving average of the gradients",
    defaults=dict(**DATA, lr=1e-4, b0=1.0, a0=1.0, mom=0.9, **_MOMENTUM_RESET, epochs=EPOCHS),
    quantities=(*B_A, *DERIVATIVES, *NEW_B_A, *GRAD_AVG, ERR2),
    epoch_quantities=(RMSE,),
    description=(
        "Momentum accelerates SGD in the relevant direction and dampens side-to-side oscillations: "
        "each step follows an exponentially weighted moving average of the gradients "
        "(90% of the previous average plus 10% of the new gradient) instead of the gradient alone."
    ),
    parameters=PARAMETERS,
)
def momentum(x, y, lr, b0, a0, mom, grad_avg_b0, grad_avg_a0, epochs):
    def epoch(b, a, grad_avg_b, grad_avg_a):
        return momentum_epoch(x, y, b, a, lr, mom, grad_avg_b, grad_avg_a)

    def summary(block):
        return dict(rmse=sqrt(sequential_sum([r["err2"] for r in block])))  # L33 = SQRT(SUM(L4:L32))

    return run_epochs(epoch, epochs, b0, a0, dict(grad_avg_b=grad_avg_b0, grad_avg_a=grad_avg_a0), summary)


@register(
    "rmsprop",
    "RMSProp: divide each step by a moving root mean square of the gradients",
    defaults=dict(**DATA, lr=0.02, b0=1.0, a0=1.0, sqr_mom=0.9, **_RMSPROP_RESET, epochs=EPOCHS),
    quantities=(*B_A, *DERIVATIVES, *NEW_B_A, *SQR_AVG),
    description=(
        "RMSProp adapts the learning rate of each parameter by dividing its step by the square root of "
        "an exponentially decaying average of its squared gradients. As in the workbook, the step "
        "divides by the previous row's average and adds no eps."
    ),
    parameters=PARAMETERS,
)
def rmsprop(x, y, lr, b0, a0, sqr_mom, sqr_avg_b0, sqr_avg_a0, epochs):
    def epoch(b, a, sqr_avg_b, sqr_avg_a):
        return rmsprop_epoch(x, y, b, a, lr, sqr_mom, sqr_avg_b, sqr_avg_a)

    return run_epochs(epoch, epochs, b0, a0, dict(sqr_avg_b=sqr_avg_b0, sqr_avg_a=sqr_avg_a0))


@register(
    "adam",
    "Adam: momentum and RMSProp together",
    defaults=dict(**DATA, lr=1.0, b0=1.0, a0=1.0, mom=0.9, sqr_mom=0.9, **_ADAM_RESET, epochs=EPOCHS),
    quantities=(*B_A, *DERIVATIVES, *NEW_B_A, *GRAD_AVG, *SQR_AVG),
    description=(
        "Adam is RMSProp plus momentum: each step follows the moving average of the gradients, divided by "
        "the square root of the moving average of their squares. As in the workbook there is no bias "
        "correction and no eps."
    ),
    parameters=PARAMETERS,
)
def adam(x, y, lr, b0, a0, mom, sqr_mom, grad_avg_b0, grad_avg_a0, sqr_avg_b0, sqr_avg_a0, epochs):
    def epoch(b, a, **state):
        return adam_epoch(x, y, b, a, lr, mom, sqr_mom, **state)

    state = dict(grad_avg_b=grad_avg_b0, grad_avg_a=grad_avg_a0, sqr_avg_b=sqr_avg_b0, sqr_avg_a=sqr_avg_a0)
    return run_epochs(epoch, epochs, b0, a0, state)


@register(
    "adam-annealing",
    "Adam with learning-rate annealing",
    defaults=dict(**DATA, lr=1.0, b0=1.0, a0=1.0, mom=0.9, sqr_mom=0.95, **_ADAM_ANN_RESET, epochs=EPOCHS),
    quantities=(*B_A, *DERIVATIVES, *NEW_B_A, *GRAD_AVG, *SQR_AVG),
    epoch_quantities=(
        Quantity("lr", "learning rate", "this epoch's learning rate: divided by 4 when grad_ratio exceeds 2"),
        Quantity("prev_grad2", "smallest size", "the smallest gradient size seen so far"),
        Quantity("grad_size", "gradient size", "√sqr_avg_b + √sqr_avg_a of the state entering the epoch"),
        Quantity("grad_ratio", "ratio", "grad_size / prev_grad2"),
        Quantity("rms_de_db", "√Σ(de/db)² / n", "the epoch's de/db size per row"),
        Quantity("rms_de_da", "√Σ(de/da)² / n", "the epoch's de/da size per row"),
        Quantity("inv_grad_avg_a", "1 / avg de/da", "the reciprocal of the entering grad_avg_a (a scratch cell)"),
        Quantity("inv_sqr_avg_b", "1 / avg (de/db)²", "the reciprocal of the entering sqr_avg_b (a scratch cell)"),
    ),
    description=(
        "Adam with learning-rate annealing: between epochs, when the gradients' size has grown to more than "
        "twice the smallest size seen so far, the learning rate is divided by 4."
    ),
    parameters=PARAMETERS,
)
def adam_annealing(x, y, lr, b0, a0, mom, sqr_mom, grad_avg_b0, grad_avg_a0, sqr_avg_b0, sqr_avg_a0,
                   prev_grad2, epochs):
    """The adam sheet plus the "Run" macro's schedule, epoch e ≥ 2 (epoch 1 is the sheet as stored).

    The macro runs the epoch, then: if gradrat > 2, lr = lr/4; if avg_grad2 < prev_grad2,
    prev_grad2 = avg_grad2; then recalculates the epoch with the new lr.
    """
    rows, epoch_rows = [], []
    b, a = b0, a0
    state = dict(grad_avg_b=grad_avg_b0, grad_avg_a=grad_avg_a0, sqr_avg_b=sqr_avg_b0, sqr_avg_a=sqr_avg_a0)
    for number in range(1, epochs + 1):
        grad_size = sqrt(state["sqr_avg_b"]) + sqrt(state["sqr_avg_a"])  # N33 = SQRT(L33)+SQRT(M33)
        if number > 1:
            # A mark in a comparison is a mark (Excel's IF propagates the error of its condition).
            ratio = divide(grad_size, prev_grad2)
            lr = NAN if is_mark(ratio) else lr / 4 if ratio > 2 else lr
            marked = is_mark(grad_size) or is_mark(prev_grad2)
            prev_grad2 = NAN if marked else grad_size if grad_size < prev_grad2 else prev_grad2
        block = adam_epoch(x, y, b, a, lr, mom, sqr_mom, **state)
        for row in block:
            rows.append({"epoch": number, "step": len(rows) + 1, **row})
        epoch_rows.append(dict(
            epoch=number, lr=lr, prev_grad2=prev_grad2, grad_size=grad_size,
            grad_ratio=divide(grad_size, prev_grad2),  # N34 = avg_grad2/prev_grad2
            rms_de_db=sqrt(sum_of_squares([r["de_db"] for r in block])) / len(block),  # F33
            rms_de_da=sqrt(sum_of_squares([r["de_da"] for r in block])) / len(block),  # G33
            inv_grad_avg_a=divide(1, state["grad_avg_a"]),  # K34 = 1/K3
            inv_sqr_avg_b=divide(1, state["sqr_avg_b"]),  # L34 = 1/L3
        ))
        b, a = block[-1]["b"], block[-1]["a"]
        state = last_state(block, state)
    return table(rows, epoch_rows)
