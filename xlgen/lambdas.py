"""The LAMBDA names of the ``lambda`` variant: fastai's steppers and stats, and the models' pieces.

Each is a workbook-level defined name with a description (Excel shows it when
a user types the name), like the docstring of the fastai function it mirrors,
and its body keeps the reference's operation order so that every variant
agrees bit for bit. They work elementwise on ranges, as fastai's functions
work on tensors: ``AVERAGE_GRAD(F12:G12, mom, TRUE, J11:K11)`` returns the
averages of [de/db, de/da] as an array of two cells.
"""

from __future__ import annotations

from dataclasses import dataclass

from .storage import dedent_formula


@dataclass(frozen=True)
class Lambda:
    name: str
    parameters: tuple[tuple[str, str], ...]  # (name, meaning)
    body: str
    summary: str
    arguments: str | None = None  # what the arguments mean, when listing each one is too long for Excel


    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(p for p, _ in self.parameters)})"

    @property
    def comment(self) -> str:
        """The defined name's description: what it computes, then what each argument means."""
        arguments = self.arguments or "; ".join(f"{p}: {meaning}" for p, meaning in self.parameters)
        return f"{self.signature} = {self.summary}. {arguments}."

    @property
    def formula(self) -> str:
        """``=LAMBDA(p, …, body)`` laid out over lines (storage prefixes are added when written)."""
        parameters = "".join(f"    {p},\n" for p, _ in self.parameters)
        body = "\n".join("    " + line for line in dedent_formula(self.body)[1:].splitlines())
        return f"=LAMBDA(\n{parameters}{body}\n)"


def _lambda(name, parameters, body, summary, arguments=None):
    return Lambda(name, tuple(parameters), body, summary, arguments)


LIBRARY: dict[str, Lambda] = {
    item.name: item
    for item in (
        # fastai's steppers and stats (nbs/12_optimizer.ipynb)
        _lambda("SGD_STEP", [("p", "parameter(s)"), ("lr", "learning rate"), ("grad", "gradient(s)")],
                "p - lr*grad", "p − lr·grad, fastai's sgd_step"),
        _lambda("WEIGHT_DECAY", [("p", "parameter(s)"), ("lr", "learning rate"), ("wd", "weight decay")],
                "p*(1 - lr*wd)", "p·(1 − lr·wd), fastai's weight_decay: decay the weights directly"),
        _lambda("L2_REG", [("grad", "gradient(s)"), ("wd", "weight decay"), ("p", "parameter(s)")],
                "grad + wd*p", "grad + wd·p, fastai's l2_reg: add the decay to the gradients"),
        _lambda("AVERAGE_GRAD",
                [("grad", "gradient(s)"), ("mom", "momentum"), ("dampening", "TRUE for (1−mom)·grad"),
                 ("grad_avg", "previous average(s)")],
                "grad_avg*mom + IF(dampening, 1 - mom, 1)*grad",
                "grad_avg·mom + damp·grad with damp = 1−mom if dampening else 1, fastai's average_grad"),
        _lambda("AVERAGE_SQR_GRAD",
                [("grad", "gradient(s)"), ("sqr_mom", "momentum of the squares"),
                 ("dampening", "TRUE for (1−sqr_mom)·grad²"), ("sqr_avg", "previous average(s)")],
                "sqr_avg*sqr_mom + IF(dampening, 1 - sqr_mom, 1)*grad^2",
                "sqr_avg·sqr_mom + damp·grad², fastai's average_sqr_grad"),
        _lambda("MOMENTUM_STEP", [("p", "parameter(s)"), ("lr", "learning rate"), ("grad_avg", "average gradient(s)")],
                "p - lr*grad_avg", "p − lr·grad_avg, fastai's momentum_step"),
        _lambda("RMS_PROP_STEP",
                [("p", "parameter(s)"), ("lr", "learning rate"), ("sqr_avg", "average squared gradient(s)"),
                 ("eps", "added to the root"), ("grad", "gradient(s) or their average")],
                "p - lr*(grad/(SQRT(sqr_avg) + eps))", "p − lr·grad/(√sqr_avg + eps), fastai's rms_prop_step"),
        _lambda("DEBIAS", [("mom", "momentum"), ("damp", "dampening factor"), ("step", "step number")],
                "damp*(1 - mom^step)/(1 - mom)", "damp·(1 − mom^step)/(1 − mom), fastai's debias"),
        _lambda("ADAM_STEP",
                [("p", "parameter(s)"), ("lr", "learning rate"), ("mom", "momentum"), ("step", "step count"),
                 ("sqr_mom", "its squares' momentum"), ("grad_avg", "avg gradient(s)"),
                 ("sqr_avg", "avg squared gradient(s)"), ("eps", "added to the root")],
                """
                LET(
                    debias1, DEBIAS(mom, 1 - mom, step),
                    debias2, DEBIAS(sqr_mom, 1 - sqr_mom, step),
                    p - (lr/debias1)*(grad_avg/(SQRT(sqr_avg/debias2) + eps))
                )
                """,
                "p − lr/debias1·grad_avg/(√(sqr_avg/debias2)+eps), fastai's adam_step",
                "debias1, 2 = DEBIAS(mom or sqr_mom, …, step); step: steps so far; eps: added to the root"),
        # the graddesc workbook's own steppers, which differ from fastai's
        _lambda("RMSPROP_STEP_NO_EPS",
                [("p", "parameter(s)"), ("lr", "learning rate"), ("grad", "gradient(s)"),
                 ("sqr_avg", "the previous row's average squared gradient(s)")],
                "p - grad*lr/SQRT(sqr_avg)", "p − grad·lr/√sqr_avg, the graddesc rmsprop step (no eps)"),
        _lambda("ADAM_STEP_NO_DEBIAS",
                [("p", "parameter(s)"), ("lr", "learning rate"), ("grad_avg", "average gradient(s)"),
                 ("sqr_avg", "average squared gradient(s)")],
                "p - grad_avg*lr/SQRT(sqr_avg)", "p − grad_avg·lr/√sqr_avg, the graddesc adam step (no debias, no eps)"),
        # the models
        _lambda("PREDICT", [("b", "intercept"), ("a", "slope"), ("x", "input")], "b + a*x", "b + a·x, the line's prediction"),
        _lambda("SQ_ERROR", [("y_pred", "prediction"), ("y", "target")], "(y_pred - y)^2", "(y_pred − y)², the squared error"),
        _lambda("ERR2_GRAD", [("y_pred", "prediction"), ("y", "target")], "2*(y_pred - y)",
                "2·(y_pred − y), the derivative of the squared error by the prediction"),
        _lambda("NUM_DERIV", [("err2_nudged", "squared error with one weight nudged"),
                              ("err2_base", "squared error as it is"), ("h", "the nudge")],
                "(err2_nudged - err2_base)/h", "(err2_nudged − err2_base)/h, a forward finite difference"),
        _lambda("RELU", [("v", "value(s)")], "MAX(0, v)", "max(0, v), the rectified linear unit"),
    )
}


def lambdas_used(formulas: list[str]) -> list[Lambda]:
    """The library entries that ``formulas`` call, and those they call in turn, in library order."""
    import re

    wanted: set[str] = set()
    pending = list(formulas)
    while pending:
        text = pending.pop()
        for name in re.findall(r"\b([A-Z][A-Z0-9_]*)\s*\(", text):
            if name in LIBRARY and name not in wanted:
                wanted.add(name)
                pending.append(LIBRARY[name].body)
    return [item for name, item in LIBRARY.items() if name in wanted]
