"""The tests of fastai's ``nbs/12_optimizer.ipynb``, on :mod:`reference.optimizers`.

The notebook's tests come first in each section, with the notebook's numbers.
It works in float32 with ``test_eq`` (exact; :func:`equal` here) and
``test_close`` (``|a - b| < eps``, 1e-5 unless given; :func:`close` here).
Here everything is float64; where float64 rounds the two sides of a
``test_eq`` one ulp apart, the test says so and uses :func:`close`. The few
checks the notebook lacks (the L2 step it leaves as a TODO, debias, operation
order, marks) say where their numbers come from.

Left out, as the reference's optimizer leaves them out: freezing
(``freeze_to``, ``force_train``) and serialization (``state_dict``,
``clear_state``). Parameter groups and discriminative learning rates are in.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from reference.optimizers import (
    SGD, Adam, Callbacks, Optimizer, Param, RMSProp, adam_step, average_grad, average_sqr_grad, debias,
    l2_reg, momentum_step, rms_prop_step, sgd_step, step_stat, weight_decay,
)


def tst_param(val, grad=None):
    """The notebook's ``tst_param``: a parameter ``[val]`` with gradient ``[val/10]`` unless given."""
    return Param(np.array([val], dtype=np.float64), np.array([val / 10 if grad is None else grad], dtype=np.float64))


def tst_params():
    """The notebook's ``r.map(tst_param)`` for ``r = L.range(4)``."""
    return [tst_param(float(i)) for i in range(4)]


def equal(a, b):
    """fastai's ``test_eq`` on arrays."""
    assert np.array_equal(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)), (a, b)


def close(a, b, eps=1e-5):
    """fastai's ``test_close``: every ``|a - b| < eps``."""
    assert np.all(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) < eps), (a, b)


def values(params):
    return [p.data.item() for p in params]


# ---------------------------------------------------------------- Optimizer: parameters and hyper-parameters


def test_param_lists():
    assert Optimizer([1, 2, 3], sgd_step).param_lists == [[1, 2, 3]]
    assert Optimizer(range(3), sgd_step).param_lists == [[0, 1, 2]]
    assert Optimizer([[1, 2], [3]], sgd_step).param_lists == [[1, 2], [3]]
    assert Optimizer(([o, o + 1] for o in range(0, 4, 2)), sgd_step).param_lists == [[0, 1], [2, 3]]


def tst_arg(p, lr=0, **kwargs):
    return p


tst_arg.defaults = dict(lr=1e-2)


def tst_arg2(p, lr2=0, **kwargs):
    return p


tst_arg2.defaults = dict(lr2=1e-3)


def tst_arg3(p, mom=0, **kwargs):
    return p


tst_arg3.defaults = dict(mom=0.9)


def test_hypers_from_defaults():
    assert Optimizer([1, 2, 3], [tst_arg, tst_arg2, tst_arg3]).hypers == [{"lr2": 1e-3, "mom": 0.9, "lr": 1e-2}]
    assert Optimizer([1, 2, 3], tst_arg, lr=0.1).hypers == [{"lr": 0.1}]
    assert Optimizer([[1, 2], [3]], tst_arg).hypers == [{"lr": 1e-2}, {"lr": 1e-2}]
    assert Optimizer([[1, 2], [3]], tst_arg, lr=0.1).hypers == [{"lr": 0.1}, {"lr": 0.1}]


def test_hypers_per_group():
    assert Optimizer([[1, 2], [3]], tst_arg, lr=[0.1, 0.2]).hypers == [{"lr": 0.1}, {"lr": 0.2}]
    assert Optimizer([[1, 2], [3], [4]], tst_arg, lr=slice(1e-2)).hypers == [{"lr": 1e-3}, {"lr": 1e-3}, {"lr": 1e-2}]
    opt = Optimizer([[1, 2], [3], [4]], tst_arg, lr=slice(1e-4, 1e-2))
    assert opt.hypers == [{"lr": 1e-4}, {"lr": 1e-3}, {"lr": 1e-2}]
    assert opt.param_groups == [{"params": [1, 2], "lr": 1e-4}, {"params": [3], "lr": 1e-3},
                                {"params": [4], "lr": 1e-2}]
    with pytest.raises(ValueError):
        Optimizer([[1, 2], [3], [4]], tst_arg, lr=np.array([0.1, 0.2]))


# ---------------------------------------------------------------- basic steppers


def test_sgd_step():
    p = tst_param(1.0, 0.1)
    sgd_step(p, 1.0)
    equal(p.data, [0.9])
    equal(p.grad, [0.1])


def test_weight_decay():
    p = tst_param(1.0, 0.1)
    weight_decay(p, 1.0, 0.1)
    equal(p.data, [0.9])
    equal(p.grad, [0.1])


def test_l2_reg():
    p = tst_param(1.0, 0.1)
    l2_reg(p, 1.0, 0.1)
    equal(p.data, [1.0])
    equal(p.grad, [0.2])


def test_basic_step():
    params = tst_params()
    Optimizer(params, sgd_step, lr=0.1).step()
    close(values(params), [i * 0.99 for i in range(4)])


def test_two_steps():
    params = tst_params()
    Optimizer(params, [weight_decay, sgd_step], lr=0.1, wd=0.1).step()
    close(values(params), [i * 0.98 for i in range(4)])


def test_none_gradients_are_ignored():
    params = tst_params()
    opt = Optimizer(params, sgd_step, lr=0.1)
    params[-1].grad = None
    opt.step()
    close(values(params), [0.0, 0.99, 1.98, 3.0])


def test_discriminative_lrs():
    params = tst_params()
    opt = Optimizer([params[:2], params[2:]], sgd_step, lr=0.1)
    opt.hypers[0]["lr"] = 0.01
    opt.step()
    close(values(params), [0.0, 0.999, 1.98, 2.97])


def test_zero_grad():
    params = tst_params()
    Optimizer(params, [weight_decay, sgd_step], lr=0.1, wd=0.1).zero_grad()
    for p in params:
        equal(p.grad, [0.0])


def tst_stat(p, **kwargs):
    s = kwargs.get("sum", np.zeros_like(p.data)) + p.data
    return {"sum": s}


tst_stat.defaults = {"mom": 0.9}


def test_stat():
    assert Optimizer([1, 2, 3], tst_stat).hypers == [{"mom": 0.9}]
    assert Optimizer([1, 2, 3], tst_stat, mom=0.99).hypers == [{"mom": 0.99}]
    x = Param(np.random.default_rng(0).standard_normal((4, 5)))
    state = tst_stat(x)
    assert "sum" in state
    equal(x.data, state["sum"])
    state = tst_stat(x, **state)
    equal(state["sum"], 2 * x.data)


# ---------------------------------------------------------------- statistics


def test_average_grad():
    p = tst_param([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    state = {}
    state = average_grad(p, mom=0.9, **state)
    equal(state["grad_avg"], p.grad)
    state = average_grad(p, mom=0.9, **state)
    # test_eq in the notebook; in float64 6·0.9 + 6 is one ulp above 6·1.9
    close(state["grad_avg"], p.grad * 1.9, eps=1e-14)

    state = {}
    state = average_grad(p, mom=0.9, dampening=True, **state)
    # test_eq in the notebook; in float64 1 - 0.9 is 0.09999999999999998, not 0.1
    close(state["grad_avg"], 0.1 * p.grad, eps=1e-15)
    state = average_grad(p, mom=0.9, dampening=True, **state)
    close(state["grad_avg"], (0.1 * 0.9 + 0.1) * p.grad)


def test_average_sqr_grad():
    p = tst_param([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    state = {}
    state = average_sqr_grad(p, sqr_mom=0.99, dampening=False, **state)
    equal(state["sqr_avg"], p.grad**2)
    state = average_sqr_grad(p, sqr_mom=0.99, dampening=False, **state)
    equal(state["sqr_avg"], p.grad**2 * 1.99)

    state = {}
    state = average_sqr_grad(p, sqr_mom=0.99, **state)
    close(state["sqr_avg"], 0.01 * p.grad**2)
    state = average_sqr_grad(p, sqr_mom=0.99, **state)
    close(state["sqr_avg"], (0.01 * 0.99 + 0.01) * p.grad**2)


def test_state_after_a_step():
    """The notebook's serialization test begins with one step of average_grad."""
    p = tst_param([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    opt = Optimizer(p, average_grad)
    opt.step()
    equal(opt.state[p]["grad_avg"], [[4.0, 5.0, 6.0]])


# ---------------------------------------------------------------- SGD


def test_sgd_is_a_list_of_callbacks():
    assert SGD() == [weight_decay, sgd_step]
    assert SGD(mom=0.9) == [weight_decay, average_grad, momentum_step]
    assert SGD(mom=0.9, decouple_wd=False) == [l2_reg, average_grad, momentum_step]
    assert SGD(mom=0.9, wd=0.1).hypers == dict(mom=0.9, wd=0.1)
    assert repr(SGD(mom=0.9)) == "[weight_decay, average_grad, momentum_step] with mom=0.9, wd=0.0"


def test_vanilla_sgd():
    params = tst_params()
    opt = Optimizer(params, SGD(), lr=0.1)
    opt.step()
    close(values(params), [i * 0.99 for i in range(4)])
    opt.step()
    close(values(params), [i * 0.98 for i in range(4)])


def test_sgd_with_momentum():
    params = tst_params()
    opt = Optimizer(params, SGD(mom=0.9), lr=0.1)
    assert isinstance(opt, Optimizer)
    opt.step()
    close(values(params), [i * 0.99 for i in range(4)])
    opt.step()
    close(values(params), [i * (1 - 0.1 * (0.1 + 0.1 * 1.9)) for i in range(4)])
    for i, p in enumerate(params):
        close(opt.state[p]["grad_avg"].item(), i * 0.19)


def test_weight_decay_with_momentum():
    params = tst_params()
    opt = Optimizer(params, SGD(mom=0.9, wd=0.1), lr=0.1)
    opt.step()
    close(values(params), [i * 0.98 for i in range(4)])
    # The notebook then steps with L2 regularization and leaves its check as a TODO. By hand, from
    # p = 0.98·i with grad 0.1·i and a fresh optimizer: grad = 0.1·i + 0.1·0.98·i = 0.198·i, and
    # l2_reg leaves it there (in place, as fastai's add_); p = 0.98·i − 0.1·0.198·i = 0.9602·i.
    opt = Optimizer(params, SGD(mom=0.9, wd=0.1, decouple_wd=False), lr=0.1)
    opt.step()
    close(values(params), [i * 0.9602 for i in range(4)])
    close([p.grad.item() for p in params], [i * 0.198 for i in range(4)])


# ---------------------------------------------------------------- RMSProp


def test_rmsprop_is_a_list_of_callbacks():
    assert RMSProp() == [weight_decay, average_sqr_grad, rms_prop_step]
    assert RMSProp(mom=0.9) == [weight_decay, average_grad, average_sqr_grad, rms_prop_step]
    assert rms_prop_step.defaults == dict(eps=1e-8)


def test_rmsprop_without_momentum():
    params = tst_param([1.0, 2.0, 3.0], [0.1, 0.2, 0.3])
    opt = Optimizer(params, RMSProp(), lr=0.1)
    opt.step()
    close(params.data[0], [0.0, 1.0, 2.0])
    opt.step()
    step = -0.1 * 0.1 / (math.sqrt((0.01 * 0.99 + 0.01) * 0.1**2) + 1e-8)
    close(params.data[0], [step, 1 + step, 2 + step])


def test_rmsprop_with_momentum():
    params = tst_param([1.0, 2.0, 3.0], [0.1, 0.2, 0.3])
    opt = Optimizer(params, RMSProp(mom=0.9), lr=0.1)
    opt.step()
    close(params.data[0], [0.0, 1.0, 2.0])
    opt.step()
    step = -0.1 * (0.1 + 0.9 * 0.1) / (math.sqrt((0.01 * 0.99 + 0.01) * 0.1**2) + 1e-8)
    close(params.data[0], [step, 1 + step, 2 + step])


# ---------------------------------------------------------------- Adam


def test_step_stat():
    p = tst_param(1.0, 0.1)
    state = {}
    state = step_stat(p, **state)
    assert state["step"] == 1
    for _ in range(5):
        state = step_stat(p, **state)
    assert state["step"] == 6


def test_debias_of_a_dampened_average_is_one_minus_mom_to_the_step():
    assert debias(0.9, 0.1, 1) == pytest.approx(0.1)
    assert debias(0.9, 0.1, 2) == pytest.approx(0.19)
    assert debias(0.99, 0.01, 2) == pytest.approx(0.0199)
    assert debias(0.9, 1.0, 2) == pytest.approx(1.9)  # undampened: 1 + mom


def test_adam_is_a_list_of_callbacks():
    cbs = Adam()
    assert isinstance(cbs, Callbacks)
    assert cbs[0] is weight_decay and cbs[2:] == [average_sqr_grad, step_stat, adam_step]
    assert cbs[1].func is average_grad and cbs[1].keywords == {"dampening": True}
    assert cbs.hypers == dict(mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01)
    assert Adam(decouple_wd=False)[0] is l2_reg


def test_adam():
    params = tst_param([1.0, 2.0, 3.0], [0.1, 0.2, 0.3])
    opt = Optimizer(params, Adam(wd=0), lr=0.1)
    opt.step()
    step = -0.1 * 0.1 / (math.sqrt(0.1**2) + 1e-8)
    close(params.data[0], [1 + step, 2 + step, 3 + step])
    opt.step()
    close(params.data[0], [1 + 2 * step, 2 + 2 * step, 3 + 2 * step], eps=1e-3)


# ---------------------------------------------------------------- operation order and marks


def test_operation_order_is_the_formulas():
    """Each stepper rounds as its docstring's formula does, operation by operation."""
    lr, wd, mom, sqr_mom, eps = 0.3, 0.07, 0.85, 0.97, 1e-3
    p, g = 1.234567, -0.7654321
    q = Param(p, g)
    weight_decay(q, lr, wd)
    assert q.data == p * (1 - lr * wd)
    q = Param(p, g)
    l2_reg(q, lr, wd)
    assert q.grad == g + wd * p
    state = average_grad(Param(p, g), mom, grad_avg=0.25)
    assert state["grad_avg"] == 0.25 * mom + 1.0 * g
    state = average_grad(Param(p, g), mom, dampening=True, grad_avg=0.25)
    assert state["grad_avg"] == 0.25 * mom + (1 - mom) * g
    state = average_sqr_grad(Param(p, g), sqr_mom, sqr_avg=0.5)
    assert state["sqr_avg"] == 0.5 * sqr_mom + (1 - sqr_mom) * math.pow(g, 2)
    q = Param(p, g)
    rms_prop_step(q, lr, sqr_avg=0.5, eps=eps)
    assert q.data == p - lr * (g / (math.sqrt(0.5) + eps))
    q = Param(p, g)
    adam_step(q, lr, mom, 3, sqr_mom, grad_avg=0.25, sqr_avg=0.5, eps=eps)
    debias1 = (1 - mom) * (1 - math.pow(mom, 3)) / (1 - mom)
    debias2 = (1 - sqr_mom) * (1 - math.pow(sqr_mom, 3)) / (1 - sqr_mom)
    assert q.data == p - (lr / debias1) * (0.25 / (math.sqrt(0.5 / debias2) + eps))


def test_squares_use_pow_element_by_element():
    grad = np.array([0.1 * k + 0.013 for k in range(200)])
    state = average_sqr_grad(Param(np.zeros(200), grad), 0.5, dampening=False)
    assert state["sqr_avg"].tolist() == [math.pow(g, 2) for g in grad.tolist()]


def test_marks_instead_of_errors():
    q = Param(1.0, 0.0)
    rms_prop_step(q, 0.1, sqr_avg=0.0, eps=0.0)  # 0/0
    assert math.isnan(q.data)
    q = Param(np.array([1.0, 2.0]), np.array([0.0, 1.0]))
    rms_prop_step(q, 0.1, sqr_avg=np.array([0.0, 1.0]), eps=0.0)
    assert math.isnan(q.data[0]) and q.data[1] == 2.0 - 0.1
    assert math.isnan(debias(1.0, 0.0, 3))  # 0/0
    assert math.isinf(average_sqr_grad(Param(1.0, 1e200), 0.99)["sqr_avg"])
