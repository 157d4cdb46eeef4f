"""The fastai experiments' tables: shape, columns, first rows by hand, epochs, weight decay against L2."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import reference
from reference.data import GRADDESC_X

FITS = ("fastai-sgd", "fastai-rmsprop", "fastai-adam", "wd-vs-l2")
ALL = ("average-grad", *FITS)
N = len(GRADDESC_X)  # 29 rows per epoch


@pytest.mark.parametrize("name", ALL)
def test_columns_are_the_quantities(name):
    experiment = reference.experiment(name)
    frame = reference.run(name)
    data = [] if name == "average-grad" else ["x", "y"]
    assert list(frame.columns) == ["epoch", "step", *data, *(q.name for q in experiment.quantities)]
    assert frame["step"].tolist() == list(range(1, len(frame) + 1))
    for q in (*experiment.quantities, *experiment.epoch_quantities):
        assert q.name == q.name.lower() and " " not in q.name
    assert set(experiment.defaults) >= {"lr", "a0", "b0", "x", "y", "epochs"} or name == "average-grad"
    assert experiment.description and list(experiment.parameters) == list(experiment.defaults)
    assert all(p.label and p.help for p in experiment.parameters.values())


def test_a_parameter_without_label_and_help_is_refused():
    from reference.registry import Parameter, register

    with pytest.raises(ValueError, match="parameter 'mom' has no label and help"):
        register("unlabelled", "t", dict(lr=0.1, mom=0.9), (), parameters={"lr": Parameter("lr", "lr", "lr")})(
            lambda lr, mom: None)
    assert "unlabelled" not in reference.EXPERIMENTS


# ---------------------------------------------------------------- average-grad


def test_average_grad_is_the_notebook_test():
    t = reference.run("average-grad")
    assert t.shape == (2, 17)
    assert t["epoch"].tolist() == [1, 1]
    first, second = t.iloc[0], t.iloc[1]
    grad = [4.0, 5.0, 6.0]

    def cols(name):
        return [f"{name}_{i}" for i in (1, 2, 3)]

    assert first[cols("grad")].tolist() == grad
    assert first[cols("grad_avg")].tolist() == grad  # undampened: the gradient itself
    assert second[cols("grad_avg")].tolist() == pytest.approx([7.6, 9.5, 11.4], rel=1e-15)  # 1.9·grad
    assert first[cols("grad_avg_damp")].tolist() == pytest.approx([0.4, 0.5, 0.6], rel=1e-15)  # 0.1·grad
    assert second[cols("grad_avg_damp")].tolist() == pytest.approx([0.76, 0.95, 1.14], rel=1e-15)  # 0.19·grad
    assert first[cols("sqr_avg")].tolist() == [16.0, 25.0, 36.0]  # grad²
    assert second[cols("sqr_avg")].tolist() == pytest.approx([31.84, 49.75, 71.64], rel=1e-15)  # 1.99·grad²
    assert first[cols("sqr_avg_damp")].tolist() == pytest.approx([0.16, 0.25, 0.36], rel=1e-15)  # 0.01·grad²
    assert second[cols("sqr_avg_damp")].tolist() == pytest.approx([0.3184, 0.4975, 0.7164], rel=1e-15)


def test_average_grad_more_steps_tend_to_grad_over_one_minus_mom():
    t = reference.run("average-grad", steps=400, grad=(1.0, -2.0, 0.5))
    assert len(t) == 400
    last = t.iloc[-1]
    assert last["grad_avg_2"] == pytest.approx(-2.0 / (1 - 0.9))  # undampened: grad/(1 − mom)
    assert last["grad_avg_damp_2"] == pytest.approx(-2.0)  # dampened: the gradient
    assert last["sqr_avg_damp_2"] == pytest.approx(4.0, rel=0.02)  # 1 − 0.99^400 of the way there


def test_average_grad_wants_three_gradients():
    with pytest.raises(ValueError, match="three"):
        reference.run("average-grad", grad=(1.0, 2.0))


# ---------------------------------------------------------------- fastai-sgd


def test_fastai_sgd_first_rows_by_hand():
    t = reference.run("fastai-sgd")
    assert t.shape == (6 * N, 16)
    r = t.iloc[0]
    assert (r.x, r.y, r.b, r.a) == (14.0, 58.0, 1.0, 1.0)
    assert (r.y_pred, r.err2, r.de_db, r.de_da) == (15.0, 1849.0, -86.0, -1204.0)  # 1 + 14, 43², 2·(15 − 58), ·14
    assert (r.grad_b, r.grad_a) == (-86.0, -1204.0)  # wd = 0
    assert (r.grad_avg_b, r.grad_avg_a) == (-86.0, -1204.0)  # undampened: the first average is the gradient
    assert r.new_b == pytest.approx(1.00086, rel=1e-15)  # 1 − 1e-5·(−86)
    assert r.new_a == pytest.approx(1.01204, rel=1e-15)  # 1 − 1e-5·(−1204)
    r = t.iloc[1]
    assert (r.x, r.b, r.a) == (86.0, t.new_b[0], t.new_a[0])
    assert r.y_pred == pytest.approx(1.00086 + 1.01204 * 86)  # 88.0363
    assert r.de_db == pytest.approx(2 * (88.0363 - 202))  # −227.9274
    assert r.grad_avg_b == pytest.approx(0.9 * -86 - 227.9274)  # −305.3274
    assert r.new_b == pytest.approx(1.00086 + 1e-5 * 305.3274)


def test_fastai_sgd_without_momentum_steps_with_the_gradient():
    t = reference.run("fastai-sgd", mom=0.0, epochs=1)
    assert t.grad_avg_b.tolist() == t.grad_b.tolist()
    assert t.new_b.tolist() == (t.b - 1e-5 * t.de_db).tolist()


def test_fastai_sgd_l2_adds_wd_times_p_to_the_gradient():
    t = reference.run("fastai-sgd", wd=0.5, decouple_wd=False, epochs=1)
    assert t.grad_b[0] == -86.0 + 0.5 * 1.0
    assert t.grad_a[3] == t.de_da[3] + 0.5 * t.a[3]


def test_fastai_sgd_makes_progress():
    rmse = reference.run("fastai-sgd").attrs["epochs"]["rmse"]
    assert len(rmse) == 6 and rmse.iloc[-1] < rmse.iloc[0] / 2


# ---------------------------------------------------------------- fastai-rmsprop


def test_fastai_rmsprop_first_row_by_hand():
    t = reference.run("fastai-rmsprop")
    assert t.shape == (6 * N, 18)
    r = t.iloc[0]
    assert r.sqr_avg_b == pytest.approx(0.01 * 86**2)  # 73.96: dampened, from 0
    assert r.sqr_avg_a == pytest.approx(0.01 * 1204**2)
    assert r.grad_avg_b == r.grad_b == -86.0  # mom = 0: the step uses the gradient
    # the first step is lr·g/(0.1·|g| + eps): 10·lr = 0.1 against the gradient
    assert r.new_b == pytest.approx(1.1, rel=1e-9)
    assert r.new_a == pytest.approx(1.1, rel=1e-9)
    rmse = t.attrs["epochs"]["rmse"]
    assert rmse.iloc[-1] < rmse.iloc[0] / 3


def test_fastai_rmsprop_with_momentum_keeps_an_undampened_average():
    t = reference.run("fastai-rmsprop", mom=0.9, epochs=1)
    assert t.grad_avg_b[0] == -86.0
    assert t.grad_avg_b[1] == 0.9 * -86.0 + t.grad_b[1]


# ---------------------------------------------------------------- fastai-adam


def test_fastai_adam_first_row_by_hand():
    t = reference.run("fastai-adam")
    assert t.shape == (6 * N, 20)
    r = t.iloc[0]
    assert r.grad_avg_b == pytest.approx(-8.6)  # 0.1·(−86)
    assert r.sqr_avg_b == pytest.approx(73.96)  # 0.01·86²
    assert (r.debias1, r.debias2) == pytest.approx((0.1, 0.01))
    # weight decay: 1·(1 − 0.1·0.01) = 0.999; then (0.1/0.1)·(8.6/(√7396 + 1e-5)) ≈ 0.1
    assert r.new_b == pytest.approx(0.999 + 8.6 / (86 + 1e-5), rel=1e-12)
    assert r.new_b == pytest.approx(1.099, abs=1e-7)


def test_fastai_adam_step_counter_runs_on_across_epochs():
    t = reference.run("fastai-adam", epochs=3)
    steps = t.step.to_numpy(dtype=float)
    np.testing.assert_allclose(t.debias1, 1 - 0.9**steps, rtol=1e-12)
    np.testing.assert_allclose(t.debias2, 1 - 0.99**steps, rtol=1e-12)


def test_fastai_adam_l2_and_decoupled_weight_decay():
    l2 = reference.run("fastai-adam", decouple_wd=False, epochs=1)
    assert l2.grad_b[0] == -86.0 + 0.01 * 1.0
    wd = reference.run("fastai-adam", epochs=1)
    assert wd.grad_b[0] == -86.0
    assert wd.new_b[0] != l2.new_b[0]


def test_fastai_adam_makes_progress():
    rmse = reference.run("fastai-adam").attrs["epochs"]["rmse"]
    assert rmse.iloc[-1] < rmse.iloc[0] / 2


# ---------------------------------------------------------------- epochs


@pytest.mark.parametrize("name", ["fastai-sgd", "fastai-rmsprop", "fastai-adam"])
def test_next_epoch_starts_from_the_updated_parameters_and_state(name):
    t = reference.run(name, epochs=2)
    last, first = t.iloc[N - 1], t.iloc[N]
    assert (first.epoch, first.step, first.x) == (2, N + 1, GRADDESC_X[0])
    assert (first.b, first.a) == (last.new_b, last.new_a)  # not the b and a that entered the last row
    one = reference.run(name, epochs=1)
    assert one.iloc[0].grad_avg_b != first.grad_avg_b  # the state carried over


def test_next_epoch_state_carries_over_exactly():
    t = reference.run("fastai-sgd", epochs=2)
    assert t.grad_avg_b[N] == t.grad_avg_b[N - 1] * 0.9 + t.grad_b[N]


# ---------------------------------------------------------------- wd-vs-l2


def test_wd_vs_l2_first_rows_by_hand():
    t = reference.run("wd-vs-l2")
    assert t.shape == (10 * N, 40)
    r = t.iloc[0]
    for run in ("mom_wd", "mom_l2", "sgd_wd", "sgd_l2"):
        assert (r[f"b_{run}"], r[f"a_{run}"], r[f"de_db_{run}"], r[f"de_da_{run}"]) == (30.0, 2.0, 0.0, 0.0)
    assert (r.new_b_mom_wd, r.new_a_mom_wd) == pytest.approx((29.997, 1.9998))  # ·(1 − 1e-5·10)
    assert (r.grad_b_mom_l2, r.grad_a_mom_l2) == (300.0, 20.0)  # 0 + 10·30, 0 + 10·2
    assert r.new_b_mom_l2 == pytest.approx(30 - 1e-5 * 300)  # the first step is the same: 29.997
    r = t.iloc[1]
    # then momentum sums the L2 term: 0.9·300 + (−0.0404 + 10·29.997)
    assert r.grad_avg_b_mom_l2 == pytest.approx(0.9 * 300 + r.de_db_mom_l2 + 10 * 29.997)
    assert r.grad_avg_b_mom_l2 == pytest.approx(569.9296)


def test_wd_and_l2_differ_with_momentum():
    t = reference.run("wd-vs-l2")
    last = t.iloc[-1]
    assert last.new_b_mom_l2 < 24 and last.new_b_mom_wd > 29  # the chart's point
    assert np.isfinite(t.select_dtypes("number").to_numpy()).all()  # no divergence


def test_wd_and_l2_coincide_without_momentum_to_rounding_only():
    t = reference.run("wd-vs-l2")
    for name in ("new_b", "new_a"):
        wd, l2 = t[f"{name}_sgd_wd"].to_numpy(), t[f"{name}_sgd_l2"].to_numpy()
        np.testing.assert_allclose(wd, l2, rtol=1e-13, atol=0)
        assert (wd != l2).any()  # p·(1 − lr·wd) − lr·g and p − lr·(g + wd·p) round differently


# ---------------------------------------------------------------- marks


def test_marks_not_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        diverged = reference.run("fastai-sgd", lr=1.0, epochs=4)
        assert not np.isfinite(diverged.new_b.iloc[-1])
        zero = reference.run("fastai-rmsprop", b0=30.0, a0=2.0, eps=0.0, epochs=1)  # de/db = 0: 0/0
        assert math.isnan(zero.new_b[0])
        huge = reference.run("average-grad", grad=(1e200, 1.0, 1.0))
        assert math.isinf(huge.sqr_avg_1[0])
        adam = reference.run("fastai-adam", mom=1.0, epochs=1)  # debias 0/0
        assert math.isnan(adam.debias1[0]) and math.isnan(adam.new_b[0])
    assert isinstance(diverged, pd.DataFrame)
