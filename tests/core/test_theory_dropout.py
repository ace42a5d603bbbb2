"""numdl_core.theory.dropout against independent oracles: the expectation by enumerating every mask, Monte Carlo
within 3 standard errors, scipy's minimizer of the closed form, the convex problem in the singular values solved by
scipy, and Taylor tests (numdl_core.checks.derivative_check) of every gradient."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize

from numdl_core.checks import derivative_check
from numdl_core.theory import dropout as D

PROBLEM = D.least_squares_problem(n=40, d=8, seed=0)


def _enumerated(X, y, w, p):
    """E_m ||y - X (m * w) / p||^2 as the sum over all 2^d masks weighted by their probabilities."""
    total = 0.0
    for bits in itertools.product((0, 1), repeat=X.shape[1]):
        m = np.array(bits, dtype=float)
        r = y - X @ (m * w) / p
        total += p ** m.sum() * (1 - p) ** (m.size - m.sum()) * (r @ r)
    return total


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9, 1.0])
def test_closed_form_is_the_expectation_over_all_masks(p):
    X, y = PROBLEM.X, PROBLEM.y
    w = np.random.default_rng(1).standard_normal(8)
    assert D.expected_dropout_loss(X, y, w, p) == pytest.approx(_enumerated(X, y, w, p), rel=1e-12)


@pytest.mark.parametrize("p,seed", [(0.5, 0), (0.2, 1), (0.9, 2)])
def test_monte_carlo_within_three_standard_errors(p, seed):
    X, y = PROBLEM.X, PROBLEM.y
    w = D.dropout_ridge_solution(X, y, 1.0)
    *_, last = itertools.islice(D.monte_carlo(X, y, w, p, batch=20, seed=seed), 101)
    closed = D.expected_dropout_loss(X, y, w, p)
    mean, se = last.x
    assert last.info["n_masks"] == 2020 and se > 0
    assert abs(mean - closed) <= 3 * se  # measured |z| = 1.08, 1.72, 0.41 at 1020 masks
    losses = D.dropout_losses(X, y, w, p, 2020, rng=np.random.default_rng(seed))
    assert losses.mean() == pytest.approx(mean, rel=1e-12)  # the generator's running mean is the plain mean
    assert losses.std(ddof=1) / np.sqrt(losses.size) == pytest.approx(se, rel=1e-10)  # and its standard error


def test_no_dropout_no_variance():
    X, y = PROBLEM.X, PROBLEM.y
    s = next(D.monte_carlo(X, y, PROBLEM.w_true, 1.0))
    r = y - X @ PROBLEM.w_true
    assert s.loss == pytest.approx(r @ r, rel=1e-12) and s.grad_norm <= 1e-14 * s.loss  # round-off of the mean only


@pytest.mark.parametrize("p", [0.3, 0.8])
def test_gradient_of_the_expected_loss(p):
    X, y = PROBLEM.X, PROBLEM.y
    res = derivative_check(lambda w: (D.expected_dropout_loss(X, y, w, p), D.expected_dropout_grad(X, y, w, p)),
                           np.random.default_rng(0).standard_normal(8))
    assert res.passed  # quadratic: E1 at round-off or order 2


@pytest.mark.parametrize("p", [0.3, 0.5, 1.0])
def test_ridge_solution_minimizes_the_closed_form(p):
    """Oracle: scipy's BFGS on the closed form."""
    X, y = PROBLEM.X, PROBLEM.y
    w = D.dropout_ridge_solution(X, y, p)
    ref = minimize(lambda v: D.expected_dropout_loss(X, y, v, p), np.zeros(8),
                   jac=lambda v: D.expected_dropout_grad(X, y, v, p), method="BFGS", options={"gtol": 1e-10}).x
    assert np.allclose(w, ref, rtol=1e-6, atol=1e-8)
    assert np.linalg.norm(D.expected_dropout_grad(X, y, w, p)) < 1e-9 * max(1, np.linalg.norm(X.T @ y))


def test_dropout_sgd_average_reaches_the_dropout_minimizer_not_least_squares():
    X, y = PROBLEM.X, PROBLEM.y
    wp, wls = D.dropout_ridge_solution(X, y, 0.5), D.dropout_ridge_solution(X, y, 1.0)
    *_, s = itertools.islice(D.dropout_sgd(X, y, 0.5, lr=0.01, seed=0), 301)
    rel = np.linalg.norm(s.x - wp) / np.linalg.norm(wp)
    assert rel < 0.05  # measured 0.018 after 300 epochs
    assert np.linalg.norm(s.x - wls) / np.linalg.norm(wp) > 1.0  # least squares is far (1.31 away)
    assert s.info["work"] == 600.0 and not s.info.get("diverged")


def test_dropout_sgd_takes_a_new_learning_rate_and_reports_divergence():
    X, y = PROBLEM.X, PROBLEM.y
    gen = D.dropout_sgd(X, y, 0.2, lr=0.01)
    s0 = next(gen)
    assert s0.iteration == 0 and s0.info["work"] == 0.0
    s = gen.send({"lr": 1.0})
    while not s.info.get("diverged"):
        s = next(gen)
    assert "loss" in s.info["reason"] or "finite" in s.info["reason"]
    with pytest.raises(StopIteration):
        next(gen)


def _factor_problem(p=0.5):
    Y = D.low_rank_matrix(8, 6, 2, noise=0.1, seed=0)
    return Y, D.DropoutFactorization(Y, 4, p)


def test_factorization_expected_loss_is_the_mask_average():
    Y, obj = _factor_problem(0.6)
    theta = obj.init(0.5, seed=1)
    exact = sum(0.6 ** sum(m) * 0.4 ** (4 - sum(m)) * obj.value_and_grad(theta, np.array(m, bool))[0]
                for m in itertools.product((0, 1), repeat=4))
    assert obj.value_and_grad(theta)[0] == pytest.approx(exact, rel=1e-12)
    U, V = obj.split(theta)
    assert obj.value_and_grad(theta)[0] - obj.regularizer(theta) == pytest.approx(np.sum((Y - U @ V.T) ** 2),
                                                                                rel=1e-12)


@pytest.mark.parametrize("masked", [False, True])
def test_factorization_gradients(masked):
    _, obj = _factor_problem()
    mask = np.array([1, 0, 1, 1], bool) if masked else None
    res = derivative_check(lambda t: obj.value_and_grad(t, mask), obj.init(0.5, seed=2), n=14)
    assert res.passed and res.order > 1.8


def test_factorization_optimum_solves_the_convex_problem():
    """Oracle: scipy minimizes sum (s_i - m_i)^2 + (lam / r)(sum m_i)^2 over m >= 0."""
    Y = D.low_rank_matrix(seed=3)
    for p in (0.3, 0.5, 0.9):
        lam, r = (1 - p) / p, 6
        s = np.linalg.svd(Y, compute_uv=False)[:r]
        ref = minimize(lambda m: np.sum((s - m) ** 2) + lam / r * np.sum(m) ** 2, s, bounds=[(0, None)] * r,
                       method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12}).x
        assert np.allclose(D.factorization_optimum(Y, r, p), ref, atol=1e-5)


def test_dropout_descent_finds_the_low_rank_equalized_optimum():
    Y = D.low_rank_matrix()
    obj = D.DropoutFactorization(Y, 6, 0.5)
    *_, s = itertools.islice(D.factorization_descent(Y, 6, 0.5, mode="expected", lr=0.01), 3001)
    opt = D.factorization_optimum(Y, 6, 0.5)
    assert np.count_nonzero(opt) == 3
    assert np.allclose(obj.singular_values(s.x), opt, atol=1e-3)  # rank 3 of 6, as the closed form
    prods = obj.products(s.x)
    assert np.ptp(prods) < 1e-3 * prods.max()  # equalized: 1.409 for all six columns
    *_, plain = itertools.islice(D.factorization_descent(Y, 6, 0.5, mode="plain", lr=0.01), 3001)
    assert np.min(obj.singular_values(plain.x)) > 0.3  # without dropout: full rank 6
    assert np.ptp(obj.products(plain.x)) > 1.0  # and unequal columns (0.73 to 3.1)


@pytest.mark.parametrize("p,alpha,masked", [(1.0, 0.0, False), (0.5, 1e-2, True)])
def test_network_gradient(p, alpha, masked):
    X, y, _, _ = D.regression_data(12, seed=1)
    net = D.DropoutNet(X, y, 7, p, alpha)
    mask = np.random.default_rng(0).random((12, 7)) < p if masked else None
    res = derivative_check(lambda t: net.value_and_grad(t, mask), net.init(1), n=14)
    assert res.passed and res.order > 1.8


def test_dropout_and_weight_decay_beat_plain_training_on_tiny_data():
    X, y, Xt, yt = D.regression_data(20, seed=0)
    test = {}
    for name, p, alpha in (("plain", 1.0, 0.0), ("dropout", 0.5, 0.0), ("decay", 1.0, 1e-3)):
        net = D.DropoutNet(X, y, 50, p, alpha)
        *_, s = itertools.islice(D.dropout_training(net, net.init(0), lr=0.01), 2001)
        test[name] = net.mse(s.x, Xt, yt)
    assert test["dropout"] < test["plain"] and test["decay"] < test["plain"]  # measured 0.17, 0.14 < 0.21


def test_bad_arguments():
    X, y = PROBLEM.X, PROBLEM.y
    with pytest.raises(ValueError, match="keep probability"):
        D.expected_dropout_loss(X, y, np.zeros(8), 0.0)
    with pytest.raises(ValueError, match="columns"):
        D.expected_dropout_loss(X, y, np.zeros(3), 0.5)
    with pytest.raises(ValueError, match="mode"):
        next(D.factorization_descent(np.eye(3), 2, 0.5, mode="x"))
    assert set(D.SOLVERS) == {"dropout.monte_carlo", "dropout.sgd", "dropout.factorization", "dropout.training"}
