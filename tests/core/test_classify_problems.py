"""Tests of numdl_core.classify_problems against independent oracles.

Oracles: features and logits written out by hand, the digits split redone with numpy, scipy.optimize.minimize
(L-BFGS-B) and scikit-learn for the reference optimum, the singular values of [X 1] for the curvature bound,
actual gradient-descent runs for the step regimes, and a plain loop for the count of loss increases.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as sopt

from numdl_core.classify import sklearn_reference
from numdl_core.classify_problems import (
    DATASETS, classification_problem, convergence_rate, iterate_report, loss_increases, reference_optimum,
    step_regime,
)
from numdl_core.data import load_digits, make_dataset
from numdl_core.optim import gradient_descent, newton_cg


def test_two_d_problem_is_the_data_with_its_features():
    pr = classification_problem("ellipses", features="quadratic", n=150, noise=0.05, seed=4, alpha=0.1)
    X, y = make_dataset("ellipses", 150, 0.05, 4)
    np.testing.assert_array_equal(pr.X, X)
    np.testing.assert_array_equal(pr.y, y)
    np.testing.assert_array_equal(pr.obj.X, np.c_[X, X[:, 0] ** 2, X[:, 0] * X[:, 1], X[:, 1] ** 2])
    assert (pr.n_classes, pr.obj.alpha, pr.feature_map) == (2, 0.1, "quadratic")
    assert pr.X_test is None and np.isnan(pr.test_accuracy(np.zeros(pr.obj.n_params)))
    assert {d: classification_problem(d, n=60).n_classes for d in DATASETS if d != "digits"} == {
        "linear": 2, "blobs": 3, "ellipses": 2, "peaks": 5}


def test_digits_split_is_a_seeded_permutation():
    pr = classification_problem("digits", n_train=700, seed=3, alpha=1e-2)
    X, y = load_digits()
    perm = np.random.default_rng(3).permutation(1797)
    np.testing.assert_array_equal(pr.obj.X, X[perm[:700]])
    np.testing.assert_array_equal(pr.X_test, X[perm[700:]])
    np.testing.assert_array_equal(pr.y_test, y[perm[700:]])
    assert pr.X is None and pr.n_classes == 10 and pr.obj.n_params == 650
    theta = pr.obj.init(0.1, seed=1)
    W, b = pr.obj.unpack(theta)
    assert pr.test_accuracy(theta) == np.mean(np.argmax(X[perm[700:]] @ W + b, axis=1) == y[perm[700:]])
    with pytest.raises(ValueError, match="not 2-D"):
        pr.decision_map(theta)


def test_decision_map_is_the_argmax_of_the_logits_on_the_grid():
    pr = classification_problem("peaks", features="quadratic", n=200, seed=2)
    theta = pr.obj.init(1.0, seed=5)
    gx, gy, lab = pr.decision_map(theta, n=25)
    W, b = pr.obj.unpack(theta)
    for j, i in [(0, 0), (3, 17), (24, 24), (12, 5)]:
        x1, x2 = gx[i], gy[j]
        assert lab[j, i] == np.argmax(np.array([x1, x2, x1 * x1, x1 * x2, x2 * x2]) @ W + b)
    assert gx[0] < pr.X[:, 0].min() and gx[-1] > pr.X[:, 0].max()


def test_bad_arguments_say_what_is_wrong():
    with pytest.raises(ValueError, match="unknown data set"):
        classification_problem("moonz")
    with pytest.raises(ValueError, match="n_train must lie in 1..1796"):
        classification_problem("digits", n_train=1797)
    with pytest.raises(ValueError, match="unknown feature map"):
        classification_problem("blobs", features="cubic")


@pytest.mark.parametrize("data,alpha", [("blobs", 1e-3), ("linear", 1e-2), ("peaks", 1e-2)])
def test_reference_optimum_matches_lbfgs_and_sklearn(data, alpha):
    obj = classification_problem(data, features="quadratic" if data == "peaks" else "linear", alpha=alpha).obj
    opt = reference_optimum(obj)
    assert opt.grad_norm < 1e-8 and opt.iterations < 40
    res = sopt.minimize(obj.value_and_grad, np.zeros(obj.n_params), jac=True, method="L-BFGS-B",
                        options=dict(maxiter=20_000, ftol=1e-15, gtol=1e-10))
    assert opt.loss <= res.fun + 1e-12 and opt.loss == pytest.approx(res.fun, rel=1e-9)
    assert opt.loss == pytest.approx(obj.loss(sklearn_reference(obj)), rel=1e-9)


def test_curvature_bound_and_step_regimes_match_gradient_descent_runs():
    obj = classification_problem("blobs", alpha=1e-2).obj
    A = np.c_[obj.X, np.ones(obj.n_samples)]
    L = np.linalg.svd(A, compute_uv=False)[0] ** 2 / (2 * obj.n_samples) + 1e-2
    r = step_regime(obj, 1.0)
    assert r.L == pytest.approx(L, rel=1e-12) and r.safe_step == pytest.approx(2 / L, rel=1e-12)
    assert r.safe_step == pytest.approx(1.07, abs=0.005)  # the number the page shows for blobs
    assert (r.kind, step_regime(obj, 50.0).kind, step_regime(obj, 1000.0).kind) == ("safe", "oscillates", "blows up")
    big = step_regime(obj, 1000.0)
    assert big.factor == pytest.approx(-9.0) and big.blowup_step == pytest.approx(200.0)

    def run(t, k=300):
        return [s for s, _ in zip(gradient_descent(obj, np.zeros(obj.n_params), step=t), range(k))]

    safe = np.array([s.loss for s in run(1.0)])
    assert loss_increases(safe, last=299) == (0, 299)  # t <= 2/L: monotone
    osc = run(50.0)
    f = np.array([s.loss for s in osc])
    assert not osc[-1].info.get("diverged") and np.all(np.isfinite(f)) and f.max() < 1e3
    assert loss_increases(f)[0] > 0  # overshoots: the loss goes up, yet stays bounded
    blow = run(1000.0, 100)
    assert blow[-1].info.get("diverged") and len(blow) < 40  # |1 - t alpha| = 9 per step
    with pytest.raises(ValueError, match="positive"):
        step_regime(obj, -1.0)
    assert step_regime(classification_problem("blobs", alpha=0.0).obj, 1e4).blowup_step == np.inf


def test_loss_increases_against_a_plain_loop():
    rng = np.random.default_rng(0)
    f = rng.standard_normal(200).cumsum()
    for last in (1, 7, 60, 500):
        tail = f[-(last + 1):]
        ups = sum(1 for a, b in zip(tail[:-1], tail[1:]) if b > a)
        assert loss_increases(f, last) == (ups, len(tail) - 1)
    assert loss_increases([1.0]) == (0, 0)
    with pytest.raises(ValueError, match="at least 1"):
        loss_increases(f, 0)


def test_step_regime_message_states_the_numbers_of_each_regime():
    obj = classification_problem("blobs", alpha=1e-2).obj
    safe, osc, blow = (step_regime(obj, t).message for t in (1.0, 50.0, 1000.0))
    assert safe == "t = 1 ≤ 2/L = 1.07: the loss decreases at every iteration."
    assert osc.startswith("t = 50 > 2/L = 1.07 (L = 1.87 bounds the Hessian)") and "(t > 200)" in osc
    assert blow.startswith("t = 1000 > 2/L = 1.07, and even t·α = 10 > 2") and "(1 − tα) = -9" in blow


def test_iterate_report_against_the_objective_and_the_protocol_counters():
    """Oracle: the objective evaluated directly, and work counted by hand from the protocol's costs (a gradient 2
    passes, a Hessian-vector product 4)."""
    from numdl_core.optim import newton_cg

    pr = classification_problem("digits", n_train=500, alpha=1e-2)
    steps = [s for s, _ in zip(newton_cg(pr.obj, np.zeros(pr.obj.n_params)), range(4))]
    f_star = reference_optimum(pr.obj).loss
    r = iterate_report(pr, steps[-1], f_star)
    x = steps[-1].x
    W, b = pr.obj.unpack(x)
    assert r["loss"] == pytest.approx(pr.obj.loss(x), rel=1e-14) and r["loss - f*"] == pytest.approx(r["loss"] - f_star)
    assert r["grad norm"] == pytest.approx(np.linalg.norm(pr.obj.value_and_grad(x)[1]), rel=1e-12)
    assert r["training accuracy"] == np.mean(np.argmax(pr.obj.X @ W + b, axis=1) == pr.y)
    assert r["test accuracy"] == np.mean(np.argmax(pr.X_test @ W + b, axis=1) == pr.y_test)
    hv = sum(s.info["cg_iterations"] for s in steps)
    tries = sum(s.info["backtracks"] + 1 for s in steps[1:])
    assert r["Hessian-vector products"] == hv and r["work"] == 4 * hv + 2 * tries
    assert r["CG iterations"] == steps[-1].info["cg_iterations"] and r["step"] == steps[-1].info["step"]
    blobs = classification_problem("blobs")
    r0 = iterate_report(blobs, next(gradient_descent(blobs.obj, np.zeros(blobs.obj.n_params))))  # no f*, no CG
    assert np.isnan(r0["loss - f*"]) and np.isnan(r0["test accuracy"]) and np.isnan(r0["CG iterations"])
    assert r0["work"] == 0 and r0["loss"] == pytest.approx(np.log(3))


def test_newton_cg_rate_on_blobs_is_superlinear_and_gd_linear():
    """Inexact Newton-CG (eta_k = min(cg_tol, sqrt(||g||))): the ratios ||g_k+1||/||g_k|| tend to 0 (superlinear),
    with orders log||g_k+1||/log||g_k|| between 1 and 2 (not quadratic); gradient descent's ratios are constant."""
    obj = classification_problem("blobs", alpha=1e-3).obj
    g = np.array([s.grad_norm for s in newton_cg(obj, np.zeros(obj.n_params), cg_tol=0.1, cg_maxiter=20)])
    r = convergence_rate(g)
    np.testing.assert_allclose(r.ratios, g[-3:] / g[-4:-1], rtol=1e-15)  # oracle: the definition
    np.testing.assert_allclose(r.orders, np.log(g[-3:]) / np.log(g[-4:-1]), rtol=1e-15)
    assert np.all(np.diff(r.ratios) < 0) and r.ratios[0] < 0.1 and r.last_ratio < 1e-4  # -> 0
    assert np.all((1.3 < r.orders) & (r.orders < 1.9))
    gd = np.array([s.grad_norm for s in gradient_descent(obj, np.zeros(obj.n_params), step=1.0, maxiter=400)])
    rg = convergence_rate(gd, last=5)
    assert np.all((0.98 < rg.ratios) & (rg.ratios < 1.0)) and np.ptp(rg.ratios) < 1e-3  # linear: a constant rate
    assert np.all(np.abs(rg.orders - 1) < 1e-2)


def test_convergence_rate_leaves_out_round_off_and_bad_input():
    r = convergence_rate([1.0, 1e-2, 1e-5, 1e-11, 5e-12], floor=6e-12)
    np.testing.assert_allclose(r.ratios, [1e-2, 1e-3, 1e-6])  # the stagnating last step is left out
    assert convergence_rate([1.0]).ratios.size == 0 and np.isnan(convergence_rate([1.0]).last_ratio)
    assert np.isnan(convergence_rate([2.0, 1.0]).orders[0])  # log of a norm >= 1: no order
    np.testing.assert_allclose(convergence_rate([1.0, 0.5, np.inf, np.nan]).ratios, [0.5])  # up to a divergence
    thinned = convergence_rate([1.0, 0.5, 0.125, 2.0 ** -7], [0, 1, 3, 5])  # every other iterate, rate 1/2 then 1/4
    np.testing.assert_allclose(thinned.ratios, [0.5, 0.5, 0.25])
    for bad, kw in [([1.0, -1.0], {}), ([1.0, 0.5], {"last": 0}), ([1.0], {"floor": -1.0}),
                    ([1.0, 0.5], {"iterations": [0, 0]}), ([1.0, 0.5], {"iterations": [0]})]:
        with pytest.raises(ValueError):
            convergence_rate(bad, **kw)
