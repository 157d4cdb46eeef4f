"""fastai's optimizer, piece by piece, as in ``nbs/12_optimizer.ipynb``.

An optimizer is a list of small callbacks run in order on each parameter:
*stats* (``average_grad``, ``average_sqr_grad``, ``step_stat``) return new
state, *steppers* (``weight_decay``, ``l2_reg``, ``sgd_step``,
``momentum_step``, ``rms_prop_step``, ``adam_step``) change the parameter.
Each callback receives the parameter, the hyper-parameters and the state as
keyword arguments, exactly as in fastai's ``Optimizer.step``::

    for cb in self.cbs: state = _update(state, cb(p, **{**state, **hyper}))

so the compositions are plain data: ``SGD(mom=0.9)`` is
``[weight_decay, average_grad, momentum_step]``.

A parameter is a :class:`Param` with ``data`` and ``grad``: float64 numpy
arrays, changed in place as fastai's ``mul_``/``add_`` change tensors, or
Python floats (IEEE doubles too) for a scalar parameter such as the intercept
of a line, where ``p.data -= …`` rebinds the value.

Each operation is written in the order the spreadsheet formula evaluates it
(the docstrings give that order), so that a sheet and this reference agree
bit for bit. Squares use the C library's ``pow`` (the sheets' ``^2``), as
:mod:`reference.ieee` explains; nothing raises on overflow or invalid
arithmetic: a zero divisor gives ``nan``, as in the rest of the reference.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import numpy as np

from . import ieee

# ---------------------------------------------------------------- parameters and elementwise maths


def _values(value: Any) -> Any:
    """A float stays a float (a scalar parameter); anything else becomes a float64 numpy array."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return np.array(value, dtype=np.float64)


class Param:
    """A parameter as fastai's optimizer sees it: ``data`` and ``grad`` (``None``: no gradient, skipped)."""

    __slots__ = ("data", "grad")

    def __init__(self, data: Any, grad: Any = None):
        self.data = _values(data)
        self.grad = None if grad is None else _values(grad)

    def __repr__(self) -> str:
        return f"Param(data={self.data!r}, grad={self.grad!r})"


def zeros_like(value: Any) -> Any:
    """fastai's ``torch.zeros_like``: the starting value of an average."""
    return np.zeros_like(value) if isinstance(value, np.ndarray) else 0.0


def square(value: Any) -> Any:
    """``value^2`` with the C library's ``pow``, element by element (numpy's square multiplies)."""
    if isinstance(value, np.ndarray):
        return np.array([ieee.power(v, 2) for v in value.ravel().tolist()]).reshape(value.shape)
    return ieee.power(value, 2)


def sqrt(value: Any) -> Any:
    """The square root; ``nan`` for a negative number (IEEE sqrt is correctly rounded everywhere)."""
    if isinstance(value, np.ndarray):
        with np.errstate(invalid="ignore"):
            return np.sqrt(value)
    return ieee.sqrt(value)


def divide(numerator: Any, denominator: Any) -> Any:
    """``numerator / denominator``; ``nan`` where the denominator is zero."""
    if isinstance(numerator, np.ndarray) or isinstance(denominator, np.ndarray):
        with np.errstate(all="ignore"):
            return np.where(np.asarray(denominator) == 0, np.nan, np.divide(numerator, denominator))
    return ieee.divide(numerator, denominator)


# ---------------------------------------------------------------- steppers


def sgd_step(p, lr, **kwargs):
    """Plain SGD: ``p = p - lr*grad``."""
    p.data -= lr * p.grad


def weight_decay(p, lr, wd, do_wd=True, **kwargs):
    """Weight decay as decaying ``p`` with ``lr*wd``: ``p = p*(1 - lr*wd)`` (skipped when ``wd`` is 0)."""
    if do_wd and wd != 0:
        p.data *= 1 - lr * wd


weight_decay.defaults = dict(wd=0.0)


def l2_reg(p, lr, wd, do_wd=True, **kwargs):
    """L2 regularization as adding ``wd*p`` to the gradient: ``grad = grad + wd*p`` (skipped when ``wd`` is 0)."""
    if do_wd and wd != 0:
        p.grad += wd * p.data


l2_reg.defaults = dict(wd=0.0)


# ---------------------------------------------------------------- statistics


def average_grad(p, mom, dampening=False, grad_avg=None, **kwargs):
    """The average of the gradients: ``grad_avg = grad_avg*mom + damp*grad``, ``damp = 1-mom`` if dampening else 1.

    Undampened (SGD's classical momentum) the first two calls give ``grad``
    and ``1.9*grad``; dampened (an exponential moving average, Adam's)
    ``0.1*grad`` and ``0.19*grad``.
    """
    if grad_avg is None:
        grad_avg = zeros_like(p.grad)
    damp = 1 - mom if dampening else 1.0
    grad_avg *= mom
    grad_avg += damp * p.grad
    return {"grad_avg": grad_avg}


average_grad.defaults = dict(mom=0.9)


def average_sqr_grad(p, sqr_mom, dampening=True, sqr_avg=None, **kwargs):
    """The average of the squared gradients: ``sqr_avg = sqr_avg*sqr_mom + damp*grad^2``.

    ``damp = 1-sqr_mom`` if dampening (the default, unlike ``average_grad``) else 1.
    """
    if sqr_avg is None:
        sqr_avg = zeros_like(p.grad)
    damp = 1 - sqr_mom if dampening else 1.0
    sqr_avg *= sqr_mom
    sqr_avg += damp * square(p.grad)
    return {"sqr_avg": sqr_avg}


average_sqr_grad.defaults = dict(sqr_mom=0.99)


def step_stat(p, step=0, **kwargs):
    """The number of steps done: ``step = step + 1``."""
    step += 1
    return {"step": step}


# ---------------------------------------------------------------- steppers that use the statistics


def momentum_step(p, lr, grad_avg, **kwargs):
    """SGD with momentum: ``p = p - lr*grad_avg``."""
    p.data -= lr * grad_avg


def rms_prop_step(p, lr, sqr_avg, eps, grad_avg=None, **kwargs):
    """RMSProp: ``p = p - lr*(g/(sqrt(sqr_avg)+eps))`` with ``g = grad_avg`` if there is one, else ``grad``."""
    g = grad_avg if grad_avg is not None else p.grad
    p.data -= lr * divide(g, sqrt(sqr_avg) + eps)


rms_prop_step.defaults = dict(eps=1e-8)


def debias(mom, damp, step):
    """The sum of the weights an average has given after ``step`` steps: ``damp*(1 - mom^step)/(1-mom)``.

    For a dampened average (``damp = 1-mom``) this is ``1 - mom^step``, computed the long way round as fastai does.
    """
    return ieee.divide(damp * (1 - ieee.power(mom, step)), 1 - mom)


def adam_step(p, lr, mom, step, sqr_mom, grad_avg, sqr_avg, eps, **kwargs):
    """Adam: ``p = p - (lr/debias1)*(grad_avg/(sqrt(sqr_avg/debias2)+eps))``.

    ``debias1 = debias(mom, 1-mom, step)``, ``debias2 = debias(sqr_mom, 1-sqr_mom, step)``.
    """
    debias1 = debias(mom, 1 - mom, step)
    debias2 = debias(sqr_mom, 1 - sqr_mom, step)
    p.data -= divide(lr, debias1) * divide(grad_avg, sqrt(divide(sqr_avg, debias2)) + eps)
    return p


# fastai spells this one ``_defaults``, so its Optimizer never sees it; its Adam passes eps anyway.
adam_step.defaults = dict(eps=1e-5)


# ---------------------------------------------------------------- the optimizer


def _update(state: dict, new: Any = None) -> dict:
    """fastai's ``_update``: a callback's returned dict updates the state; anything else is ignored."""
    if new is None:
        return state
    if isinstance(new, dict):
        state.update(new)
    return state


def even_mults(start: float, stop: float, n: int) -> list[float]:
    """``n`` values from ``start`` to ``stop``, evenly spaced on a log scale (fastai's ``even_mults``)."""
    step = (stop / start) ** (1 / (n - 1))
    return [start * step**i for i in range(n)]


class Optimizer:
    """fastai's ``Optimizer``, cut down to parameter groups, hyper-parameters, state, ``step`` and ``zero_grad``.

    ``params`` is a list of parameters, or a list of lists (one per parameter
    group); ``cbs`` a callback or a list of them. Hyper-parameters start from
    the callbacks' ``defaults``, then those a composition (:func:`SGD`, ...)
    was built with, then the keyword arguments; a list sets one value per
    group, ``slice(stop)`` gives ``stop/10`` to all groups but the last and
    ``slice(start, stop)`` spreads values evenly on a log scale.
    Freezing and serialization are left out.
    """

    def __init__(self, params: Any, cbs: Callable | Iterable[Callable], **defaults: Any):
        params = [params] if isinstance(params, Param) else list(params)
        self.cbs = list(cbs) if isinstance(cbs, (list, tuple)) else [cbs]
        self.state: dict[Any, dict] = defaultdict(dict)
        defaults = {**_merge(getattr(cb, "defaults", None) for cb in self.cbs),
                    **getattr(cbs, "hypers", {}), **defaults}
        grouped = bool(params) and isinstance(params[0], (list, tuple))
        self.param_lists = [list(group) for group in params] if grouped else [params]
        self.hypers: list[dict[str, Any]] = [{} for _ in self.param_lists]
        for name, value in defaults.items():
            self.set_hyper(name, value)

    def set_hyper(self, name: str, value: Any) -> None:
        """Set hyper-parameter ``name`` in every group: one value for all, a list or a slice (one per group)."""
        n = len(self.param_lists)
        if isinstance(value, slice):
            value = even_mults(value.start, value.stop, n) if value.start else [value.stop / 10] * (n - 1) + [value.stop]
        values = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]
        if len(values) == 1:
            values = values * n
        if len(values) != n:
            raise ValueError(f"trying to set {len(values)} values for {name} but there are {n} parameter groups")
        for hyper, v in zip(self.hypers, values):
            hyper[name] = v

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return [{"params": group, **hyper} for group, hyper in zip(self.param_lists, self.hypers)]

    def zero_grad(self) -> None:
        """Set every gradient to zero (in place for arrays)."""
        for group in self.param_lists:
            for p in group:
                if p.grad is None:
                    continue
                if isinstance(p.grad, np.ndarray):
                    p.grad[...] = 0.0
                else:
                    p.grad = 0.0

    def step(self) -> None:
        """Run the callbacks, in order, on every parameter that has a gradient."""
        cbs, states = self.cbs, self.state
        for group, hyper in zip(self.param_lists, self.hypers):
            for p in group:
                if p.grad is None:
                    continue
                state = states[p]
                for cb in cbs:
                    state = _update(state, cb(p, **{**state, **hyper}))
                states[p] = state


def _merge(dicts: Iterable[dict | None]) -> dict:
    return {k: v for d in dicts if d is not None for k, v in d.items()}


# ---------------------------------------------------------------- compositions


class Callbacks(list):
    """A composition: the list of callbacks, plus the hyper-parameters it was built with."""

    def __init__(self, cbs: Iterable[Callable], **hypers: Any):
        super().__init__(cbs)
        self.hypers = hypers

    def __repr__(self) -> str:
        names = ", ".join(_name(cb) for cb in self)
        hypers = ", ".join(f"{k}={v!r}" for k, v in self.hypers.items())
        return f"[{names}] with {hypers}"


def _name(cb: Callable) -> str:
    if isinstance(cb, partial):
        keywords = ", ".join(f"{k}={v!r}" for k, v in cb.keywords.items())
        return f"partial({_name(cb.func)}, {keywords})"
    return getattr(cb, "__name__", repr(cb))


def SGD(mom: float = 0.0, wd: float = 0.0, decouple_wd: bool = True) -> Callbacks:
    """fastai's ``SGD``: ``[weight_decay or l2_reg] + [average_grad] if mom + [sgd_step or momentum_step]``."""
    cbs = [weight_decay] if decouple_wd else [l2_reg]
    if mom != 0:
        cbs.append(average_grad)
    cbs.append(sgd_step if mom == 0 else momentum_step)
    return Callbacks(cbs, mom=mom, wd=wd)


def RMSProp(sqr_mom: float = 0.99, mom: float = 0.0, wd: float = 0.0, decouple_wd: bool = True) -> Callbacks:
    """fastai's ``RMSProp``: ``[weight_decay or l2_reg] + [average_grad] if mom + [average_sqr_grad, rms_prop_step]``."""
    cbs = [weight_decay] if decouple_wd else [l2_reg]
    cbs += [average_sqr_grad] if mom == 0 else [average_grad, average_sqr_grad]
    cbs.append(rms_prop_step)
    return Callbacks(cbs, mom=mom, sqr_mom=sqr_mom, wd=wd)


def Adam(mom: float = 0.9, sqr_mom: float = 0.99, eps: float = 1e-5, wd: float = 0.01,
         decouple_wd: bool = True) -> Callbacks:
    """fastai's ``Adam``: ``[weight_decay or l2_reg, average_grad (dampened), average_sqr_grad, step_stat, adam_step]``."""
    cbs = [weight_decay] if decouple_wd else [l2_reg]
    cbs += [partial(average_grad, dampening=True), average_sqr_grad, step_stat, adam_step]
    return Callbacks(cbs, mom=mom, sqr_mom=sqr_mom, eps=eps, wd=wd)


__all__ = [
    "Adam", "Callbacks", "Optimizer", "Param", "RMSProp", "SGD", "adam_step", "average_grad",
    "average_sqr_grad", "debias", "l2_reg", "momentum_step", "rms_prop_step", "sgd_step", "step_stat",
    "weight_decay",
]
