"""fastai's optimizers (``nbs/12_optimizer.ipynb``) on the graddesc data, next to the workbook's sheets.

``average-grad`` replays the notebook's tests of ``average_grad`` and
``average_sqr_grad``; ``wd-vs-l2`` makes the notebook's warning about weight
decay and L2 regularization visible; ``fastai-sgd``, ``fastai-rmsprop`` and
``fastai-adam`` fit y = b + a·x to the graddesc data with the library's
semantics (undampened momentum for SGD, eps, debiasing, decoupled weight
decay, a step counter), so that a learner can see how the workbook's
simplified sheets differ from the library.

The fits go through :class:`reference.optimizers.Optimizer`: one optimizer
step per data row, on two scalar parameters b and a, with the gradient of the
row's squared error, ``de_db = 2·(y_pred − y)`` and ``de_da = de_db·x``.

Epochs: the rows of epoch e + 1 follow those of epoch e over the same data,
starting from the *updated* parameters (``new_b``, ``new_a`` of the last row)
with the optimizer state carried over, as a training loop does. The graddesc
sheets differ here: their "Run" macro restarts from the parameters that
*entered* the last row.
"""

from __future__ import annotations

import numpy as np

from .data import GRADDESC_X, GRADDESC_Y
from .graddesc import B_A, DERIVATIVES, ERR2, NEW_B_A, PARAMETERS as GRADDESC_PARAMETERS, RMSE, sequential_sum
from .ieee import power, sqrt
from .optimizers import SGD, Adam, Optimizer, Param, RMSProp, average_grad, average_sqr_grad, debias
from .registry import Parameter, Quantity, parameters, register, table

DATA = dict(x=GRADDESC_X, y=GRADDESC_Y)
EPOCHS = 6

PARAMETERS = {
    **GRADDESC_PARAMETERS,
    **parameters(
        Parameter("mom", "momentum", "momentum: the weight of the previous average of the gradients"),
        Parameter("sqr_mom", "momentum of squares", "the weight of the previous average of the squared gradients"),
        Parameter("eps", "eps", "added to the root mean square before dividing by it"),
        Parameter("wd", "weight decay", "weight decay"),
        Parameter("decouple_wd", "decouple_wd",
                  "true: weight decay (decay the weights, weight_decay); false: L2 regularization "
                  "(add wd·p to the gradient, l2_reg)"),
        Parameter("grad", "grad", "the three gradients of the notebook's parameter p = [1, 2, 3]"),
        Parameter("steps", "steps", "how many times the statistics are updated (one row each)"),
    ),
}

# ---------------------------------------------------------------- average-grad


def _elements(name: str, label: str, description: str) -> tuple[Quantity, ...]:
    return tuple(Quantity(f"{name}_{i}", f"{label} [{i}]", description) for i in (1, 2, 3))


AVERAGES = (
    *_elements("grad", "grad", "the gradient, the same at every call"),
    *_elements("grad_avg", "avg grad", "average_grad undampened: grad_avg·mom + grad"),
    *_elements("grad_avg_damp", "avg grad (damp.)", "average_grad dampened: grad_avg·mom + (1 − mom)·grad"),
    *_elements("sqr_avg", "avg grad²", "average_sqr_grad undampened: sqr_avg·sqr_mom + grad²"),
    *_elements("sqr_avg_damp", "avg grad² (damp.)", "average_sqr_grad dampened: sqr_avg·sqr_mom + (1 − sqr_mom)·grad²"),
)


@register(
    "average-grad",
    "fastai's average_grad and average_sqr_grad, dampened and not",
    defaults=dict(grad=(4.0, 5.0, 6.0), mom=0.9, sqr_mom=0.99, steps=2),
    quantities=AVERAGES,
    description=(
        "The statistics fastai's optimizers keep, called again and again on the same gradient [4, 5, 6], "
        "as in the notebook's tests. dampening=False gives the classical formula for momentum in SGD, "
        "new_val = old_val·mom + grad: after two calls grad, then 1.9·grad. dampening=True makes it an "
        "exponential moving average, new_val = old_val·mom + grad·(1 − mom): 0.1·grad, then 0.19·grad. "
        "The squared gradients go the same way with sqr_mom = 0.99: grad², 1.99·grad² undampened; "
        "0.01·grad², 0.0199·grad² dampened. Each row is one call (one step); epoch is always 1."
    ),
    parameters=PARAMETERS,
)
def average_grad_experiment(grad, mom, sqr_mom, steps):
    if len(grad) != 3:
        raise ValueError(f"grad holds the notebook's three gradients, got {len(grad)} values")
    p = Param([1.0, 2.0, 3.0], grad)  # the notebook's tst_param([1,2,3], [4,5,6])
    undamped, damped, sqr, sqr_damped = {}, {}, {}, {}
    names = [q.name for q in AVERAGES]
    rows = []
    with np.errstate(all="ignore"):  # an overflow is a mark (inf), not a warning
        for step in range(1, steps + 1):
            undamped = average_grad(p, mom=mom, **undamped)
            damped = average_grad(p, mom=mom, dampening=True, **damped)
            sqr = average_sqr_grad(p, sqr_mom=sqr_mom, dampening=False, **sqr)
            sqr_damped = average_sqr_grad(p, sqr_mom=sqr_mom, **sqr_damped)
            values = [*p.grad.tolist(), *undamped["grad_avg"].tolist(), *damped["grad_avg"].tolist(),
                      *sqr["sqr_avg"].tolist(), *sqr_damped["sqr_avg"].tolist()]
            row = {"epoch": 1, "step": step}
            row.update(zip(names, values))
            rows.append(row)
    return table(rows)


# ---------------------------------------------------------------- fitting y = b + a·x with fastai's Optimizer


GRAD = (
    Quantity("grad_b", "grad b", "the gradient the statistics see: de/db, plus wd·b with L2 regularization"),
    Quantity("grad_a", "grad a", "de/da, plus wd·a with L2 regularization"),
)
GRAD_AVG = (
    Quantity("grad_avg_b", "avg grad b",
             "average_grad after this row (with mom = 0 fastai keeps none and steps with grad_b, shown here)"),
    Quantity("grad_avg_a", "avg grad a", "as grad_avg_b, for a"),
)
SQR_AVG = (
    Quantity("sqr_avg_b", "avg grad b²", "average_sqr_grad after this row: sqr_avg_b·sqr_mom + (1 − sqr_mom)·grad_b²"),
    Quantity("sqr_avg_a", "avg grad a²", "as sqr_avg_b, for a"),
)
DEBIAS = (
    Quantity("debias1", "debias 1", "debias(mom, 1 − mom, step) = (1 − mom)·(1 − mom^step)/(1 − mom)"),
    Quantity("debias2", "debias 2", "debias(sqr_mom, 1 − sqr_mom, step)"),
)
FIT = (*B_A, ERR2, *DERIVATIVES)


def fit_line(cbs, x, y, lr, b0, a0, epochs, columns=(), **hypers):
    """Online fit of y = b + a·x by ``Optimizer([b, a], cbs, lr=lr, **hypers)``: one step per data row.

    ``columns`` names the state columns to report besides the gradients: any
    of ``grad_avg``, ``sqr_avg`` and ``debias``. The step counter (fastai's
    ``state['step']``, when ``step_stat`` is among the callbacks) equals the
    table's ``step``.
    """
    b, a = Param(b0), Param(a0)
    opt = Optimizer([b, a], cbs, lr=lr, **hypers)
    mom, sqr_mom = opt.hypers[0].get("mom"), opt.hypers[0].get("sqr_mom")
    rows, epoch_rows = [], []
    for epoch in range(1, epochs + 1):
        first = len(rows)
        for xi, yi in zip(x, y):
            step = len(rows) + 1
            y_pred = b.data + a.data * xi
            de_db = 2 * (y_pred - yi)
            de_da = de_db * xi
            row = {"epoch": epoch, "step": step, "x": xi, "y": yi, "b": b.data, "a": a.data, "y_pred": y_pred,
                   "err2": power(yi - y_pred, 2), "de_db": de_db, "de_da": de_da}
            b.grad, a.grad = de_db, de_da  # what loss.backward() leaves in p.grad
            opt.step()
            state_b, state_a = opt.state[b], opt.state[a]
            row["grad_b"], row["grad_a"] = b.grad, a.grad
            if "grad_avg" in columns:  # fastai keeps no average when mom = 0: the step uses grad
                row["grad_avg_b"] = state_b.get("grad_avg", b.grad)
                row["grad_avg_a"] = state_a.get("grad_avg", a.grad)
            if "sqr_avg" in columns:
                row["sqr_avg_b"], row["sqr_avg_a"] = state_b["sqr_avg"], state_a["sqr_avg"]
            if "debias" in columns:
                row["debias1"] = debias(mom, 1 - mom, step)
                row["debias2"] = debias(sqr_mom, 1 - sqr_mom, step)
            row["new_b"], row["new_a"] = b.data, a.data
            rows.append(row)
        epoch_rows.append(dict(epoch=epoch, rmse=sqrt(sequential_sum([r["err2"] for r in rows[first:]]))))
    return table(rows, epoch_rows)


EPOCH_SEMANTICS = (
    " One optimizer step per data row; the next epoch starts from new_b and new_a of the last row, with the "
    "optimizer's state carried over (the graddesc sheets' Run macro restarts from the b and a that entered "
    "the last row)."
)


@register(
    "fastai-sgd",
    "fastai's SGD: weight decay, momentum, step",
    defaults=dict(**DATA, lr=1e-5, b0=1.0, a0=1.0, mom=0.9, wd=0.0, decouple_wd=True, epochs=EPOCHS),
    quantities=(*FIT, *GRAD, *GRAD_AVG, *NEW_B_A),
    epoch_quantities=(RMSE,),
    description=(
        "fastai's SGD is the list [weight_decay or l2_reg, average_grad, momentum_step] (with mom = 0: "
        "[weight_decay or l2_reg, sgd_step]). Its momentum is not dampened: grad_avg = grad_avg·mom + grad, "
        "so with mom = 0.9 the average grows to about ten times the gradient, where the workbook's momentum "
        "sheet averages with 1 − mom. This lr of 1e-5 therefore takes steps of about the size of the sheet's "
        "1e-4; 2e-5 already makes the fit oscillate and 5e-5 diverges." + EPOCH_SEMANTICS
    ),
    parameters=PARAMETERS,
)
def fastai_sgd(x, y, lr, b0, a0, mom, wd, decouple_wd, epochs):
    cbs = SGD(mom=mom, wd=wd, decouple_wd=decouple_wd)
    return fit_line(cbs, x, y, lr, b0, a0, epochs, columns=("grad_avg",))


@register(
    "fastai-rmsprop",
    "fastai's RMSProp: divide by the root of the average squared gradient, plus eps",
    defaults=dict(**DATA, lr=0.01, b0=1.0, a0=1.0, mom=0.0, sqr_mom=0.99, eps=1e-8, wd=0.0, decouple_wd=True,
                  epochs=EPOCHS),
    quantities=(*FIT, *GRAD, *GRAD_AVG, *SQR_AVG, *NEW_B_A),
    epoch_quantities=(RMSE,),
    description=(
        "fastai's RMSProp is the list [weight_decay or l2_reg, average_sqr_grad, rms_prop_step] (with momentum: "
        "average_grad, undampened, before average_sqr_grad). The step is lr·g/(√sqr_avg + eps), g being the "
        "average of the gradients with momentum, else the gradient. Unlike the workbook's rmsprop sheet, the "
        "average includes this row's gradient before the step, it starts from 0 rather than a reset value, "
        "sqr_mom is 0.99 rather than 0.9, and eps keeps the division finite. What fastai calls sqr_mom is the alpha of Hinton's course." + EPOCH_SEMANTICS
    ),
    parameters=PARAMETERS,
)
def fastai_rmsprop(x, y, lr, b0, a0, mom, sqr_mom, eps, wd, decouple_wd, epochs):
    cbs = RMSProp(sqr_mom=sqr_mom, mom=mom, wd=wd, decouple_wd=decouple_wd)
    return fit_line(cbs, x, y, lr, b0, a0, epochs, columns=("grad_avg", "sqr_avg"), eps=eps)


@register(
    "fastai-adam",
    "fastai's Adam: momentum and RMSProp, debiased, with decoupled weight decay",
    defaults=dict(**DATA, lr=0.1, b0=1.0, a0=1.0, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01, decouple_wd=True,
                  epochs=EPOCHS),
    quantities=(*FIT, *GRAD, *GRAD_AVG, *SQR_AVG, *DEBIAS, *NEW_B_A),
    epoch_quantities=(RMSE,),
    description=(
        "fastai's Adam is the list [weight_decay or l2_reg, average_grad (dampened), average_sqr_grad, "
        "step_stat, adam_step]. Both averages start from 0, so early on they are too small; adam_step divides "
        "each by the sum of the weights it has given so far (debias: 1 − mom^step), then steps by "
        "(lr/debias1)·grad_avg/(√(sqr_avg/debias2) + eps). fastai's defaults differ from the paper's "
        "(sqr_mom 0.99, eps 1e-5) and apply weight decay 0.01 directly to the weights, which holds b below 30 "
        "(near 27.6 after 40 epochs, where it would reach 30 without). The workbook's adam sheet has no debiasing, no eps and no weight decay." + EPOCH_SEMANTICS
    ),
    parameters=PARAMETERS,
)
def fastai_adam(x, y, lr, b0, a0, mom, sqr_mom, eps, wd, decouple_wd, epochs):
    cbs = Adam(mom=mom, sqr_mom=sqr_mom, eps=eps, wd=wd, decouple_wd=decouple_wd)
    return fit_line(cbs, x, y, lr, b0, a0, epochs, columns=("grad_avg", "sqr_avg", "debias"))


# ---------------------------------------------------------------- wd-vs-l2

RUNS = {
    "mom_wd": ("momentum, weight decay", True, True),
    "mom_l2": ("momentum, L2", True, False),
    "sgd_wd": ("SGD, weight decay", False, True),
    "sgd_l2": ("SGD, L2", False, False),
}


def _run_quantities(tag: str, label: str, momentum: bool, decoupled: bool) -> tuple[Quantity, ...]:
    def q(name, what, description):
        return Quantity(f"{name}_{tag}", f"{what} ({label})", description)

    quantities = [
        q("b", "b", "the intercept entering this row"),
        q("a", "a", "the slope entering this row"),
        q("y_pred", "prediction", "b + a·x"),
        q("de_db", "de/db", "2·(y_pred − y)"),
        q("de_da", "de/da", "de/db · x"),
    ]
    if not decoupled:
        quantities += [q("grad_b", "grad b", "l2_reg: de/db + wd·b"), q("grad_a", "grad a", "l2_reg: de/da + wd·a")]
    if momentum:
        quantities += [q("grad_avg_b", "avg grad b", "average_grad: grad_avg_b·mom + grad b (grad b when mom = 0)"),
                       q("grad_avg_a", "avg grad a", "average_grad: grad_avg_a·mom + grad a (grad a when mom = 0)")]
    step = "momentum_step: b − lr·grad_avg_b" if momentum else "sgd_step: b − lr·grad b"
    decay = "weight_decay: b·(1 − lr·wd), then " if decoupled else ""
    quantities += [q("new_b", "new b", decay + step), q("new_a", "new a", "as new b, for a")]
    return tuple(quantities)


@register(
    "wd-vs-l2",
    "Weight decay versus L2 regularization, with and without momentum",
    defaults=dict(**DATA, lr=1e-5, mom=0.9, wd=10.0, b0=30.0, a0=2.0, epochs=10),
    quantities=tuple(q for tag, run in RUNS.items() for q in _run_quantities(tag, *run)),
    description=(
        "\"Weight decay and L2 regularization is the same thing for basic SGD, but for more complex optimizers, "
        "they are very different.\" Four fits of the same data, side by side: fastai's SGD with momentum and "
        "weight decay [weight_decay, average_grad, momentum_step] (mom_wd), the same with L2 regularization "
        "[l2_reg, average_grad, momentum_step] (mom_l2), and plain SGD both ways, [weight_decay, sgd_step] "
        "(sgd_wd) and [l2_reg, sgd_step] (sgd_l2). Weight decay shrinks the weights by lr·wd each step; L2 adds "
        "wd·p to the gradient, and momentum then sums that term over past steps, about 1/(1 − mom) = 10 times "
        "over, so L2 with momentum pulls b down far faster. Without momentum both are p − lr·(grad + wd·p): "
        "sgd_wd and sgd_l2 agree to rounding (relative differences below 1e-13) but not bit for bit, as "
        "p·(1 − lr·wd) − lr·grad and p − lr·(grad + wd·p) round differently. The fits start at the exact solution (b = 30, "
        "a = 2), where the data's gradient is zero, so what moves the parameters is the regularization; "
        "lr·wd = 1e-4 per step, the product of a typical deep-learning lr (1e-3) and wd (0.1), and lr = 1e-5 "
        "keeps momentum stable on these x values. After ten epochs mom_l2 has b near 23 while the others are "
        "near 29. Each run continues from its updated parameters at the next epoch."
    ),
    parameters=PARAMETERS,
)
def wd_vs_l2(x, y, lr, mom, wd, b0, a0, epochs):
    runs = []
    for tag, (label, momentum, decoupled) in RUNS.items():
        b, a = Param(b0), Param(a0)
        opt = Optimizer([b, a], SGD(mom=mom if momentum else 0.0, wd=wd, decouple_wd=decoupled), lr=lr)
        names = [q.name for q in _run_quantities(tag, label, momentum, decoupled)]
        runs.append((b, a, opt, momentum, decoupled, names))
    rows = []
    for epoch in range(1, epochs + 1):
        for xi, yi in zip(x, y):
            row = {"epoch": epoch, "step": len(rows) + 1, "x": xi, "y": yi}
            for b, a, opt, momentum, decoupled, names in runs:
                values = [b.data, a.data]
                y_pred = b.data + a.data * xi
                b.grad = 2 * (y_pred - yi)
                a.grad = b.grad * xi
                values += [y_pred, b.grad, a.grad]
                opt.step()
                if not decoupled:
                    values += [b.grad, a.grad]  # l2_reg added wd·p to them
                if momentum:
                    values += [opt.state[b].get("grad_avg", b.grad), opt.state[a].get("grad_avg", a.grad)]
                values += [b.data, a.data]
                row.update(zip(names, values))
            rows.append(row)
    return table(rows)
