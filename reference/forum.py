"""The fast.ai forum's experiments ("Live coding 16"), where learners rebuilt the lessons in Excel.

Two neurons stacked, y = c·(a·x + b) + d, trained on the graddesc data with
the same learning rate and numerical derivatives as the ``basic`` sheet; the
same with a ReLU after the first neuron, and with momentum; momentum drawn on
a sine wave; and the derivative of d under each of them.

Derivatives are forward finite differences, one weight nudged at a time:
est. de/dw = (err²(w + h) − err²(w)) / h, as the forum's formulas wrote them.
"""

from __future__ import annotations

import math

from .data import GRADDESC_X, GRADDESC_Y
from .ieee import power, sqrt
from .registry import Parameter, Quantity, Table, parameters, register, table

DATA = dict(x=GRADDESC_X, y=GRADDESC_Y)
WEIGHTS = ("a", "b", "c", "d")

PARAMETERS = parameters(
    Parameter("x", "x", "the data's x values (one per row)"),
    Parameter("y", "y", "the data's y values (one per row)"),
    Parameter("lr", "learning rate", "learning rate"),
    Parameter("a0", "a at start", "first neuron's weight at the start"),
    Parameter("b0", "b at start", "first neuron's bias at the start"),
    Parameter("c0", "c at start", "second neuron's weight at the start"),
    Parameter("d0", "d at start", "second neuron's bias at the start"),
    Parameter("fd_step", "finite-difference step h", "step h of the forward finite differences"),
    Parameter("epochs", "epochs", "how many passes over the data"),
    Parameter("mom", "momentum", "momentum of the average of the derivatives"),
)


def relu(value: float) -> float:
    """``MAX(0, value)``; a mark (nan) stays a mark, as Excel's MAX propagates an error."""
    return value if value != value else max(0.0, value)


def identity(value: float) -> float:
    return value


def two_neuron_row(x, y, a, b, c, d, h, activation):
    """One row: prediction, squared error and the four finite-difference derivatives."""
    hidden = activation(a * x + b)  # first neuron (and its activation)
    y_pred = c * hidden + d  # second neuron
    err2 = power(y_pred - y, 2)
    err2_a = power(c * activation((a + h) * x + b) + d - y, 2)
    err2_b = power(c * activation(a * x + (b + h)) + d - y, 2)
    err2_c = power((c + h) * hidden + d - y, 2)
    err2_d = power(c * hidden + (d + h) - y, 2)
    return {
        "a": a, "b": b, "c": c, "d": d, "hidden": hidden, "y_pred": y_pred, "err2": err2,
        "err2_a": err2_a, "est_de_da": (err2_a - err2) / h,
        "err2_b": err2_b, "est_de_db": (err2_b - err2) / h,
        "err2_c": err2_c, "est_de_dc": (err2_c - err2) / h,
        "err2_d": err2_d, "est_de_dd": (err2_d - err2) / h,
    }


def two_neurons(x, y, lr, a0, b0, c0, d0, fd_step, epochs, activation, mom=None):
    """SGD (or momentum SGD when ``mom`` is given) on y = c·f(a·x + b) + d, one step per data row.

    Each epoch continues from the weights the last row produced.
    """
    weights = dict(a=a0, b=b0, c=c0, d=d0)
    grad_avg = dict.fromkeys(WEIGHTS, 0.0)
    damp = None if mom is None else 1 - mom
    rows, epoch_rows = [], []
    for epoch in range(1, epochs + 1):
        first = len(rows)
        for xi, yi in zip(x, y):
            row = two_neuron_row(xi, yi, **weights, h=fd_step, activation=activation)
            for w in WEIGHTS:
                step = row[f"est_de_d{w}"]
                if mom is not None:
                    grad_avg[w] = grad_avg[w] * mom + damp * step
                    row[f"grad_avg_{w}"] = grad_avg[w]
                    step = grad_avg[w]
                row[f"new_{w}"] = weights[w] - step * lr
            row["slope"] = row["a"] * row["c"]  # the collapsed single layer: c·(a·x+b)+d = (a·c)·x + (c·b+d)
            row["intercept"] = row["c"] * row["b"] + row["d"]
            rows.append({"epoch": epoch, "step": len(rows) + 1, "x": xi, "y": yi, **row})
            weights = {w: row[f"new_{w}"] for w in WEIGHTS}
        err2 = 0.0
        for row in rows[first:]:
            err2 = err2 + row["err2"]
        epoch_rows.append(dict(epoch=epoch, rmse=sqrt(err2)))
    return table(rows, epoch_rows)


def _two_neuron_quantities(hidden: str, momentum: bool) -> tuple[Quantity, ...]:
    quantities = [Quantity(w, w, f"weight {w} entering this row") for w in WEIGHTS]
    quantities += [
        Quantity("hidden", hidden, "the first neuron's output"),
        Quantity("y_pred", "prediction", "c·hidden + d"),
        Quantity("err2", "err²", "(y_pred − y)²"),
    ]
    for w in WEIGHTS:
        quantities += [
            Quantity(f"err2_{w}", f"err² ({w}+h)", f"the squared error with {w} nudged by h"),
            Quantity(f"est_de_d{w}", f"est. de/d{w}", f"(err2_{w} − err2)/h"),
        ]
    if momentum:
        quantities += [Quantity(f"grad_avg_{w}", f"avg de/d{w}", f"grad_avg_{w}·mom + (1 − mom)·est. de/d{w}")
                       for w in WEIGHTS]
    quantities += [Quantity(f"new_{w}", f"new {w}", f"{w} after this row's step") for w in WEIGHTS]
    quantities += [
        Quantity("slope", "a·c", "the slope of the equivalent single linear layer"),
        Quantity("intercept", "c·b+d", "the intercept of the equivalent single linear layer"),
    ]
    return tuple(quantities)


TWO_NEURON_DEFAULTS = dict(**DATA, lr=1e-4, a0=1.0, b0=1.0, c0=1.0, d0=1.0, fd_step=0.01)
RMSE = Quantity("rmse", "rmse", "√Σ err² over the epoch")


@register(
    "two-neuron-collapse",
    "Two linear neurons collapse to one, but SGD does not find it as easily",
    defaults=dict(**TWO_NEURON_DEFAULTS, epochs=2),
    quantities=_two_neuron_quantities("a·x+b", momentum=False),
    epoch_quantities=(RMSE,),
    description=(
        "Two linear layers without a non-linearity collapse to one linear layer: c·(a·x+b)+d is the line "
        "with slope a·c and intercept c·b+d. But SGD does not find it as easily: with the basic sheet's "
        "learning rate and all four weights starting at 1, the steps feed on each other and the weights "
        "explode within the first epoch, until the numbers overflow (#NUM!)."
    ),
    parameters=PARAMETERS,
)
def two_neuron_collapse(x, y, lr, a0, b0, c0, d0, fd_step, epochs):
    return two_neurons(x, y, lr, a0, b0, c0, d0, fd_step, epochs, identity)


@register(
    "two-neuron-relu",
    "Two neurons with a ReLU between them",
    defaults=dict(**TWO_NEURON_DEFAULTS, epochs=3),
    quantities=_two_neuron_quantities("max(0, a·x+b)", momentum=False),
    epoch_quantities=(RMSE,),
    description=(
        "The same two neurons with a ReLU after the first: y = c·max(0, a·x+b) + d. The model now trains "
        "without exploding, but it is not better than a single neuron at finding y = 2x + 30."
    ),
    parameters=PARAMETERS,
)
def two_neuron_relu(x, y, lr, a0, b0, c0, d0, fd_step, epochs):
    return two_neurons(x, y, lr, a0, b0, c0, d0, fd_step, epochs, relu)


@register(
    "two-neuron-relu-momentum",
    "Two neurons with a ReLU, trained with momentum",
    defaults=dict(**TWO_NEURON_DEFAULTS, mom=0.9, epochs=3),
    quantities=_two_neuron_quantities("max(0, a·x+b)", momentum=True),
    epoch_quantities=(RMSE,),
    description=(
        "The ReLU model trained with momentum: each weight steps along a moving average of its derivative "
        "(90% of the previous average plus 10% of the new derivative), as in the graddesc momentum sheet."
    ),
    parameters=PARAMETERS,
)
def two_neuron_relu_momentum(x, y, lr, a0, b0, c0, d0, fd_step, mom, epochs):
    return two_neurons(x, y, lr, a0, b0, c0, d0, fd_step, epochs, relu, mom=mom)


@register(
    "momentum-sin",
    "What momentum looks like: a moving average of sin(x)",
    defaults=dict(x=tuple(round(0.1 * i, 10) for i in range(100)), mom=0.9, grad_avg0=0.0),
    quantities=(
        Quantity("sin_x", "sin(x)", "the signal"),
        Quantity("grad_avg", "momentum", "grad_avg·mom + (1 − mom)·sin(x): the moving average"),
    ),
    description=(
        "Momentum is a moving average: each value is 90% of the previous one plus 10% of the new signal. "
        "Drawn over sin(x), it is smoother than the signal and lags behind it."
    ),
    parameters=parameters(
        Parameter("x", "x", "the x values"),
        Parameter("mom", "momentum", "momentum (the weight of the previous average)"),
        Parameter("grad_avg0", "average at start", "the average before the first row"),
    ),
)
def momentum_sin(x, mom, grad_avg0):
    damp = 1 - mom
    grad_avg = grad_avg0
    rows = []
    for xi in x:
        sin_x = math.sin(xi)
        grad_avg = grad_avg * mom + damp * sin_x
        rows.append({"epoch": 1, "step": len(rows) + 1, "x": xi, "sin_x": sin_x, "grad_avg": grad_avg})
    return table(rows)


@register(
    "derivative-d",
    "The derivative of d per data point, without and with ReLU and momentum",
    defaults=dict(**TWO_NEURON_DEFAULTS, mom=0.9, epochs=1),
    quantities=(
        Quantity("de_dd_linear", "de/dd no ReLU", "est. de/dd of the two linear neurons"),
        Quantity("de_dd_relu", "de/dd ReLU", "est. de/dd with a ReLU after the first neuron"),
        Quantity("de_dd_relu_momentum", "de/dd ReLU+momentum", "est. de/dd of the ReLU model trained with momentum"),
        Quantity("grad_avg_d", "momentum of d", "the moving average the momentum model steps along"),
    ),
    description=(
        "How the derivative of the last bias d moves from one data point to the next: without a ReLU it "
        "grows without bound; with a ReLU it jumps with each point; under momentum the step follows a "
        "smoothed version of it."
    ),
    parameters=PARAMETERS,
)
def derivative_d(x, y, lr, a0, b0, c0, d0, fd_step, mom, epochs):
    common = dict(x=x, y=y, lr=lr, a0=a0, b0=b0, c0=c0, d0=d0, fd_step=fd_step, epochs=epochs)
    linear = two_neurons(**common, activation=identity)
    relu_only = two_neurons(**common, activation=relu)
    with_momentum = two_neurons(**common, activation=relu, mom=mom)
    rows = [dict(epoch=plain["epoch"], step=plain["step"], x=plain["x"], y=plain["y"], de_dd_linear=plain["est_de_dd"],
                 de_dd_relu=rectified["est_de_dd"], de_dd_relu_momentum=smoothed["est_de_dd"],
                 grad_avg_d=smoothed["grad_avg_d"])
            for plain, rectified, smoothed in zip(linear.rows, relu_only.rows, with_momentum.rows, strict=True)]
    return Table(rows, {"epochs": Table([], columns=linear.attrs["epochs"].columns)})  # no per-epoch rows
