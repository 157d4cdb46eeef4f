"""Each LAMBDA name of the lambda variant, on numbers a person can check by hand.

Like the small test after each stepper in fastai's ``nbs/12_optimizer.ipynb``
(``grad_avg == p.grad*1.9`` after two undampened calls), each test calls one
name from a cell, with its definition stored as the workbooks store it, and
evaluates it with xlgen's evaluator. The expected numbers are worked out in
the comments; most are chosen to be exact in binary, so they are compared
exactly.
"""

from __future__ import annotations

import pytest

from xlgen.formula.memory import evaluate
from xlgen.lambdas import LIBRARY, lambdas_used
from xlgen.storage import to_file

def call(formula: str, cells: dict[str, object] | None = None, spill: str | None = None) -> list[object]:
    """The value(s) of ``formula`` written in S!Z1 (an array formula over ``spill``), ``cells`` on sheet S."""
    used = lambdas_used([formula])
    names = {item.name: to_file(item.formula) for item in used}
    arrays = {"S!Z1": spill} if spill else None
    [values] = evaluate({"S": {**(cells or {}), "Z1": to_file(formula)}}, [f"S!{spill or 'Z1'}"], names, arrays)
    return values


def test_sgd_step():
    # p − lr·grad on the tensor [1, 2, 3] with lr = 0.5 and grad [4, 5, 6]: [1 − 2, 2 − 2.5, 3 − 3]
    cells = {"A1": 1, "B1": 2, "C1": 3, "A2": 4, "B2": 5, "C2": 6}
    assert call("=SGD_STEP(A1:C1, 0.5, A2:C2)", cells, "Z1:AB1") == [-1.0, -0.5, 0.0]


def test_weight_decay():
    # fastai's test: p = 1, lr = 1, wd = 0.1 gives p·(1 − lr·wd) = 0.9
    assert call("=WEIGHT_DECAY(1, 1, 0.1)") == [pytest.approx(0.9, rel=1e-15)]
    # and exactly: 4·(1 − 0.5·0.5) = 3
    assert call("=WEIGHT_DECAY(4, 0.5, 0.5)") == [3.0]


def test_l2_reg():
    # fastai's test: grad 0.1, wd = 0.1 on p = 1 gives grad + wd·p = 0.2
    assert call("=L2_REG(0.1, 0.1, 1)") == [pytest.approx(0.2, rel=1e-15)]
    # on a tensor, exactly: [1, 2] + 0.5·[4, −2] = [3, 1]
    cells = {"A1": 1, "B1": 2, "A2": 4, "B2": -2}
    assert call("=L2_REG(A1:B1, 0.5, A2:B2)", cells, "Z1:AA1") == [3.0, 1.0]


def _twice(function: str, momentum: float, dampening: str, grad: list[float]) -> list[list[object]]:
    """Two calls on the same gradient, the second reading the first's averages (the first reads zeros)."""
    cells = {"A1": grad[0], "B1": grad[1], "C1": grad[2], "A2": 0, "B2": 0, "C2": 0,
             "A3": f"={function}(A1:C1, {momentum}, {dampening}, A2:C2)",
             "A4": f"={function}(A1:C1, {momentum}, {dampening}, A3:C3)"}
    names = {item.name: to_file(item.formula) for item in lambdas_used([cells["A3"]])}
    first, second = evaluate({"S": {k: to_file(v) if isinstance(v, str) else v for k, v in cells.items()}},
                             ["S!A3:C3", "S!A4:C4"], names, {"S!A3": "A3:C3", "S!A4": "A4:C4"})
    return [first, second]


def test_average_grad():
    # the notebook's tests on grad [4, 5, 6], mom 0.9. Undampened: grad, then 0.9·grad + grad = 1.9·grad.
    first, second = _twice("AVERAGE_GRAD", 0.9, "FALSE", [4, 5, 6])
    assert first == [4.0, 5.0, 6.0]
    assert second == pytest.approx([7.6, 9.5, 11.4], rel=1e-15)
    # dampened: 0.1·grad, then 0.9·0.1·grad + 0.1·grad = 0.19·grad
    first, second = _twice("AVERAGE_GRAD", 0.9, "TRUE", [4, 5, 6])
    assert first == pytest.approx([0.4, 0.5, 0.6], rel=1e-15)
    assert second == pytest.approx([0.76, 0.95, 1.14], rel=1e-15)


def test_average_sqr_grad():
    # sqr_mom 0.99 on grad [4, 5, 6], grad² = [16, 25, 36]. Undampened: grad², then 1.99·grad².
    first, second = _twice("AVERAGE_SQR_GRAD", 0.99, "FALSE", [4, 5, 6])
    assert first == [16.0, 25.0, 36.0]
    assert second == pytest.approx([31.84, 49.75, 71.64], rel=1e-15)
    # dampened: 0.01·grad², then 0.99·0.01·grad² + 0.01·grad² = 0.0199·grad²
    first, second = _twice("AVERAGE_SQR_GRAD", 0.99, "TRUE", [4, 5, 6])
    assert first == pytest.approx([0.16, 0.25, 0.36], rel=1e-15)
    assert second == pytest.approx([0.3184, 0.4975, 0.7164], rel=1e-15)


def test_momentum_step():
    # p − lr·grad_avg: [1, 2] − 0.5·[2, −2] = [0, 3]
    cells = {"A1": 1, "B1": 2, "A2": 2, "B2": -2}
    assert call("=MOMENTUM_STEP(A1:B1, 0.5, A2:B2)", cells, "Z1:AA1") == [0.0, 3.0]


def test_rms_prop_step():
    # p − lr·grad/(√sqr_avg + eps): 1 − 0.5·3/(√4 + 1) = 1 − 0.5 = 0.5
    assert call("=RMS_PROP_STEP(1, 0.5, 4, 1, 3)") == [0.5]


def test_debias():
    # damp·(1 − mom^step)/(1 − mom), the weight the average has given so far.
    # mom = damp = 0.5: step 1 gives 0.5·0.5/0.5 = 0.5; step 2 gives 0.5·(1 − 0.25)/0.5 = 0.75
    assert call("=DEBIAS(0.5, 0.5, 1)") == [0.5]
    assert call("=DEBIAS(0.5, 0.5, 2)") == [0.75]
    # fastai's mom 0.9 dampened by 0.1: 0.1 after one step, 0.1 + 0.9·0.1 = 0.19 after two
    assert call("=DEBIAS(0.9, 0.1, 2)") == [pytest.approx(0.19, rel=1e-14)]


def test_adam_step():
    # One dampened step on grad 2 with mom 0.5 and sqr_mom 0.75: grad_avg = 0.5·2 = 1, sqr_avg = 0.25·4 = 1,
    # debias1 = 0.5, debias2 = 0.25. p − (lr/debias1)·grad_avg/(√(sqr_avg/debias2) + eps) with eps 0:
    # 1 − (0.5/0.5)·1/√4 = 0.5. With the bias corrected, Adam's first step moves p by lr.
    assert call("=ADAM_STEP(1, 0.5, 0.5, 1, 0.75, 1, 1, 0)") == [0.5]
    # The same on a tensor, with grad [2, −4]: grad_avg [1, −2], sqr_avg [1, 4]: p moves by lr·sign(grad)
    cells = {"A1": 1, "B1": 2, "A2": 1, "B2": -2, "A3": 1, "B3": 4}
    assert call("=ADAM_STEP(A1:B1, 0.5, 0.5, 1, 0.75, A2:B2, A3:B3, 0)", cells, "Z1:AA1") == [0.5, 2.5]


def test_rmsprop_step_no_eps():
    # graddesc's rmsprop: p − grad·lr/√sqr_avg = 1 − 2·0.5/√4 = 0.5
    assert call("=RMSPROP_STEP_NO_EPS(1, 0.5, 2, 4)") == [0.5]


def test_adam_step_no_debias():
    # graddesc's adam: p − grad_avg·lr/√sqr_avg = 1 − 1·0.5/√4 = 0.75
    assert call("=ADAM_STEP_NO_DEBIAS(1, 0.5, 1, 4)") == [0.75]


def test_predict():
    # b + a·x on the graddesc data's line: 30 + 2·14 = 58
    assert call("=PREDICT(30, 2, 14)") == [58.0]


def test_sq_error():
    # graddesc's first row: y_pred 15 (1 + 1·14), y 58: (15 − 58)² = 43² = 1849
    assert call("=SQ_ERROR(15, 58)") == [1849.0]


def test_err2_grad():
    # 2·(y_pred − y) = 2·(15 − 58) = −86, graddesc's first de/db
    assert call("=ERR2_GRAD(15, 58)") == [-86.0]


def test_num_deriv():
    # (err2_nudged − err2_base)/h = (1850 − 1849)/0.5 = 2
    assert call("=NUM_DERIV(1850, 1849, 0.5)") == [2.0]


def test_relu():
    # max(0, v): −1 → 0, 0 → 0, 2 → 2. One value at a time: MAX aggregates, so RELU of a range is its maximum.
    assert [call(f"=RELU({v})") for v in (-1, 0, 2)] == [[0.0], [0.0], [2.0]]
    assert call("=RELU(A1:C1)", {"A1": -1, "B1": 0, "C1": -2}) == [0.0]


def test_every_lambda_name_has_its_test():
    assert {name for name in LIBRARY if f"test_{name.lower()}" not in globals()} == set()
