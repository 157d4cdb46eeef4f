"""fastai's optimizers in the reference against PyTorch's ``torch.optim``, in float64.

What is equivalent (same maths; the roundings may differ in the last bit):

- ``torch.optim.SGD(momentum=mom, weight_decay=wd)`` is ``[l2_reg, average_grad, momentum_step]``
  (fastai's ``SGD(mom, wd, decouple_wd=False)``): torch adds ``wd·p`` to the gradient, keeps an
  undampened buffer ``mom·buf + grad`` that starts at the first gradient, and steps ``p − lr·buf``.
  Without momentum it is ``[l2_reg, sgd_step]``.
- ``torch.optim.AdamW(betas=(mom, sqr_mom), eps, weight_decay=wd)`` is fastai's ``Adam`` with
  decoupled weight decay: both multiply p by ``1 − lr·wd`` first, and both add eps to the *debiased*
  root mean square, ``√(sqr_avg/debias2) + eps`` in fastai, ``√v/√(1 − β2^t) + eps`` in torch.
  fastai computes the correction as ``(1 − mom)·(1 − mom^t)/(1 − mom)``, torch as ``1 − β1^t``, and
  torch updates the average with ``lerp``: equal up to rounding.
- ``torch.optim.Adam(weight_decay=wd)`` is fastai's ``Adam(decouple_wd=False)`` (L2).
- ``torch.optim.RMSprop(alpha=sqr_mom, eps, weight_decay=wd)`` without momentum is fastai's
  ``RMSProp(decouple_wd=False)``.

What is not: torch's RMSprop with momentum averages the *normalized* steps (``buf = mom·buf +
g/(√v + eps)``), where fastai divides its average of the gradients by the current root mean square;
torch's SGD has no decoupled weight decay; and its ``dampening`` does not dampen the first step.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import reference
from reference.data import GRADDESC_X, GRADDESC_Y
from reference.optimizers import SGD, Adam, Optimizer, Param, RMSProp, average_grad, momentum_step

torch = pytest.importorskip("torch", reason="PyTorch is not installed: the cross-check against torch.optim needs it")

RTOL = 1e-12
STEPS = 50


def gradients(n=STEPS, size=3, seed=12):
    """A fixed sequence of gradients of varied signs and sizes."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(size) * rng.choice([0.01, 1.0, 100.0]) for _ in range(n)]


P0 = np.array([1.5, -2.0, 0.25])


def reference_path(cbs, grads, **hypers):
    """The parameter after each step of the reference's Optimizer fed ``grads``."""
    p = Param(P0)
    opt = Optimizer([p], cbs, **hypers)
    path = []
    for g in grads:
        p.grad = g.copy()
        opt.step()
        path.append(p.data.copy())
    return np.array(path)


def torch_path(make, grads):
    """The parameter after each step of ``make([p])`` (a torch optimizer) fed ``grads``."""
    p = torch.tensor(P0, dtype=torch.float64, requires_grad=True)
    opt = make([p])
    path = []
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def torch_fit(make, epochs, b0=1.0, a0=1.0):
    """new_b, new_a of each row of an online fit of y = b + a·x to the graddesc data, with autograd."""
    b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    a = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    opt = make([b, a])
    path = []
    for _ in range(epochs):
        for x, y in zip(GRADDESC_X, GRADDESC_Y):
            opt.zero_grad()
            ((b + a * x - y) ** 2).backward()
            opt.step()
            path.append((b.item(), a.item()))
    return np.array(path)


def fit(table):
    return np.column_stack([table.new_b.to_numpy(), table.new_a.to_numpy()])


# ---------------------------------------------------------------- SGD


@pytest.mark.parametrize("mom", [0.0, 0.9])
@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_torch_sgd_is_l2_reg_average_grad_momentum_step(mom, wd):
    grads = gradients()
    ours = reference_path(SGD(mom=mom, wd=wd, decouple_wd=False), grads, lr=0.01)
    theirs = torch_path(lambda p: torch.optim.SGD(p, lr=0.01, momentum=mom, weight_decay=wd), grads)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0)


def test_torch_sgd_on_the_fastai_sgd_table():
    table = reference.run("fastai-sgd", wd=0.1, decouple_wd=False)
    theirs = torch_fit(lambda p: torch.optim.SGD(p, lr=1e-5, momentum=0.9, weight_decay=0.1), epochs=6)
    np.testing.assert_allclose(fit(table), theirs, rtol=RTOL, atol=0)


def test_torch_sgd_is_not_decoupled_weight_decay():
    grads = gradients()
    ours = reference_path(SGD(mom=0.9, wd=0.1), grads, lr=0.01)
    theirs = torch_path(lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, weight_decay=0.1), grads)
    assert np.abs(ours - theirs).max() > 1e-4


def test_torch_sgd_dampening_skips_the_first_step():
    grads = gradients(n=1)
    ours = reference_path([partial(average_grad, dampening=True), momentum_step], grads, lr=1.0, mom=0.9)
    np.testing.assert_allclose(ours[0], P0 - (1 - 0.9) * grads[0], rtol=RTOL)  # fastai: 0.1·grad
    theirs = torch_path(lambda p: torch.optim.SGD(p, lr=1.0, momentum=0.9, dampening=0.9), grads)
    np.testing.assert_allclose(theirs[0], P0 - grads[0], rtol=RTOL)  # torch's first buffer: the whole gradient


# ---------------------------------------------------------------- Adam


@pytest.mark.parametrize("wd", [0.0, 0.01, 0.5])
def test_torch_adamw_is_fastai_adam(wd):
    grads = gradients()
    ours = reference_path(Adam(wd=wd), grads, lr=0.01)
    theirs = torch_path(lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.9, 0.99), eps=1e-5, weight_decay=wd),
                        grads)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0)


def test_torch_adamw_on_the_fastai_adam_table():
    table = reference.run("fastai-adam")
    theirs = torch_fit(lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.01),
                       epochs=6)
    np.testing.assert_allclose(fit(table), theirs, rtol=RTOL, atol=0)


def test_torch_adam_is_fastai_adam_with_l2():
    grads = gradients()
    ours = reference_path(Adam(wd=0.1, decouple_wd=False), grads, lr=0.01)
    theirs = torch_path(lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.99), eps=1e-5, weight_decay=0.1),
                        grads)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0)


# ---------------------------------------------------------------- RMSProp


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_torch_rmsprop_without_momentum_is_fastai_rmsprop(wd):
    grads = gradients()
    ours = reference_path(RMSProp(wd=wd, decouple_wd=False), grads, lr=0.01)
    theirs = torch_path(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=wd), grads)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=0)


def test_torch_rmsprop_on_the_fastai_rmsprop_table():
    table = reference.run("fastai-rmsprop")
    theirs = torch_fit(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8), epochs=6)
    np.testing.assert_allclose(fit(table), theirs, rtol=RTOL, atol=0)


def test_torch_rmsprop_momentum_is_not_fastais():
    grads = gradients()
    ours = reference_path(RMSProp(mom=0.9), grads, lr=0.01)
    theirs = torch_path(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.99, eps=1e-8, momentum=0.9), grads)
    assert np.abs(ours - theirs).max() > 1e-3
