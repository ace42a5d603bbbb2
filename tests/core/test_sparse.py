"""numdl_core.sparse: soft-thresholding and ISTA against independent oracles.

Oracles: the prox by brute force (scipy.optimize.minimize_scalar and a fine grid), scikit-learn's Lasso (coordinate
descent, the same objective (1/(2n))||Ax - b||^2 + alpha ||x||_1), the subgradient optimality condition, the
monotone decrease of ISTA with t = 1/L (Beck and Teboulle 2009, Lemma 2.3).
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from numdl_core.classify_problems import classification_problem
from numdl_core.optim import FunctionObjective
from numdl_core.solvers import SOLVERS
from numdl_core.sparse import (l1_norm, l1_optimality, l1_path, l1_solution, proximal_gradient, soft_threshold,
                               sparsity)


def test_soft_threshold_is_the_prox_of_the_absolute_value():
    """S_tau(v) = argmin_x (x - v)^2/2 + tau |x|, by minimize_scalar (bounded) and by a grid of step 1e-4."""
    grid = np.linspace(-6, 6, 120_001)
    for v in (-4.3, -1.0, -0.2, 0.0, 0.7, 1.5, 3.9):
        for tau in (0.0, 0.5, 1.0, 2.5):
            h = lambda x: 0.5 * (x - v) ** 2 + tau * abs(x)  # noqa: E731
            ref = minimize_scalar(h, bounds=(-6, 6), method="bounded", options={"xatol": 1e-10}).x
            got = float(soft_threshold(v, tau))
            assert got == pytest.approx(ref, abs=1e-6), (v, tau)
            assert abs(got - grid[np.argmin(0.5 * (grid - v) ** 2 + tau * np.abs(grid))]) <= 1e-4
            assert h(got) <= h(ref) + 1e-12
    np.testing.assert_array_equal(soft_threshold(np.array([0.3, -0.3, 1.0]), np.array([0.5, 0.5, 0.0])),
                                  [0.0, 0.0, 1.0])  # per-entry thresholds; 0 leaves the entry alone
    with pytest.raises(ValueError):
        soft_threshold(1.0, -0.1)


def _lasso(seed=0, n=60, d=20):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    x_true = np.zeros(d)
    x_true[:4] = [3.0, -2.0, 1.5, 1.0]
    b = A @ x_true + 0.1 * rng.standard_normal(n)
    obj = FunctionObjective(lambda x: (0.5 / n * float(np.sum((A @ x - b) ** 2)), A.T @ (A @ x - b) / n), d)
    L = np.linalg.norm(A, 2) ** 2 / n
    return A, b, obj, L


@pytest.mark.parametrize("alpha", [0.05, 0.3])
def test_ista_solves_the_lasso_like_sklearn(alpha):
    """sklearn's Lasso minimizes (1/(2n))||Ax - b||^2 + alpha ||x||_1 (no intercept): the same minimizer to 1e-6."""
    from sklearn.linear_model import Lasso

    A, b, obj, L = _lasso()
    for last in proximal_gradient(obj, np.zeros(A.shape[1]), alpha=alpha, step=1 / L, tol=1e-12, maxiter=20000):
        pass
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(A, b).coef_
    np.testing.assert_allclose(last.x, ref, atol=1e-6)
    assert sparsity(last.x) == np.mean(ref == 0) > 0.3  # the same exact zeros (measured: 0.6 and 0.8)
    f = 0.5 / len(b) * np.sum((A @ ref - b) ** 2) + alpha * l1_norm(ref)
    assert last.loss == pytest.approx(f, rel=1e-10)


def test_optimality_condition_at_the_solution():
    """0 in grad f + alpha d||x||_1: g_j = -alpha sign x_j on the support, |g_j| <= alpha off it."""
    A, b, obj, L = _lasso(seed=1)
    alpha = 0.2
    r = l1_solution(obj, alpha, step=1 / L, tol=1e-12, maxiter=20000)
    g = obj.value_and_grad(r.theta)[1]
    assert r.optimality < 1e-9 and l1_optimality(r.theta, g, alpha) == r.optimality
    on = r.theta != 0
    np.testing.assert_allclose(g[on], -alpha * np.sign(r.theta[on]), atol=1e-9)
    assert np.all(np.abs(g[~on]) <= alpha + 1e-9) and (~on).sum() > 5
    z = np.zeros_like(r.theta)
    assert l1_optimality(z, obj.value_and_grad(z)[1], alpha) > 0.1  # and a non-solution violates it
    # unpenalized entries need g = 0
    assert l1_optimality(np.array([0.0]), np.array([0.5]), 1.0, mask=np.array([False])) == 0.5


def test_monotone_decrease_with_step_one_over_L():
    """With t = 1/L the composite loss never increases (Beck-Teboulle Lemma 2.3); at t = 2.5/L it can (and here does)."""
    A, b, obj, L = _lasso(seed=2)
    steps = list(proximal_gradient(obj, np.zeros(A.shape[1]), alpha=0.1, step=1 / L, maxiter=300))
    F = np.array([s.loss for s in steps])
    assert np.all(np.diff(F) <= 1e-14 * F[:-1]) and F[-1] < 0.2 * F[0]
    big = np.array([s.loss for s in proximal_gradient(obj, np.zeros(A.shape[1]), alpha=0.1, step=2.5 / L,
                                                       maxiter=30)])
    assert np.any(np.diff(big) > 0)
    # loss = f + alpha ||x||_1, grad_norm = ||(x - S(x - t g))/t||; with alpha = 0 that is ||grad f||
    s = steps[5]
    assert s.loss == pytest.approx(s.info["smooth_loss"] + 0.1 * l1_norm(s.x), rel=1e-14)
    g0 = list(proximal_gradient(obj, steps[5].x, alpha=0.0, step=1 / L, maxiter=0))[0]
    assert g0.grad_norm == pytest.approx(np.linalg.norm(obj.value_and_grad(steps[5].x)[1]), rel=1e-12)


def test_registered_and_sparse_on_the_digits():
    """The solver of the page: softmax cross-entropy on the digits, only W penalized; exact zeros appear."""
    assert SOLVERS["proximal_gradient"] is proximal_gradient
    pr = classification_problem("digits", alpha=0.0, n_train=500)
    obj = pr.obj
    mask = np.r_[np.ones(64 * 10, bool), np.zeros(10, bool)]
    path = l1_path(obj, [1e-2, 1e-3], mask=mask, maxiter=200)
    assert path[0].alpha == 1e-2 and path[0].sparsity > path[1].sparsity > 0.2  # measured 0.88, 0.54
    b = obj.unpack(path[0].theta)[1]
    assert np.all(b != 0)  # the biases are not thresholded
    assert pr.test_accuracy(path[1].theta) > 0.85


def test_bad_arguments():
    A, b, obj, L = _lasso()
    for kw in ({"alpha": -1.0}, {"step": 0.0}, {"mask": np.ones(3, bool)}):
        with pytest.raises(ValueError):
            next(proximal_gradient(obj, np.zeros(A.shape[1]), **kw))


def test_sparse_weights_preset_numbers():
    """The 'sparse-weights' experiment: alpha = 1e-2, t = 0.1 on the digits (1000 training images, seed 0): 64% zero
    weights after 300 iterations, 75% after 1000, test accuracy about 91%."""
    pr = classification_problem("digits", alpha=0.0)
    mask = np.arange(pr.obj.n_params) < 640
    steps = proximal_gradient(pr.obj, np.zeros(pr.obj.n_params), alpha=1e-2, step=0.1, mask=mask, maxiter=1000)
    x = {s.iteration: s.x for s in steps if s.iteration in (300, 1000)}
    assert 0.6 < sparsity(x[300], mask) < 0.68 and 0.72 < sparsity(x[1000], mask) < 0.78
    assert 0.89 < pr.test_accuracy(x[300]) < 0.93 and 0.89 < pr.test_accuracy(x[1000]) < 0.93
