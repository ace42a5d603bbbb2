"""Tests of numdl_core.lstsq against independent oracles.

Oracles: numpy/scipy least squares on the augmented system [A; sqrt(alpha) I] x = [b; 0],
np.linalg.pinv (minimum norm), a hand-written SVD sum, scipy.sparse.linalg.lsqr (Paige-Saunders),
the closed-form steepest-descent rate (kappa-1)/(kappa+1) and the syllabus reference numbers.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from numdl_core import lstsq as L
from numdl_core import testproblems as T


def _random_problem(m, n, k=None, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    b = rng.standard_normal((m,) if k is None else (m, k))
    return A, b


def _augmented_lstsq(A, b, alpha):
    """Oracle: ordinary least squares for [A; sqrt(alpha) I] x = [b; 0] (numpy's SVD-based lstsq)."""
    n = A.shape[1]
    A_aug = np.vstack([A, np.sqrt(alpha) * np.eye(n)])
    b_aug = np.concatenate([b, np.zeros((n,) + b.shape[1:])])
    return np.linalg.lstsq(A_aug, b_aug, rcond=None)[0]


# ----------------------------------------------------------------------------------------------
# direct solvers
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", L.METHODS)
@pytest.mark.parametrize("alpha", [0.0, 0.1, 3.0])
@pytest.mark.parametrize("shape", [(20, 5), (8, 8)])
def test_solve_matches_augmented_lstsq(method, alpha, shape):
    A, b = _random_problem(*shape, seed=shape[0] + shape[1])
    x = L.solve(A, b, method=method, alpha=alpha)
    ref = _augmented_lstsq(A, b, alpha)
    assert x.shape == (shape[1],)
    np.testing.assert_allclose(x, ref, rtol=1e-9, atol=1e-11)
    # scipy's independent LAPACK driver (gelsy) agrees too
    n = A.shape[1]
    ref2 = sla.lstsq(np.vstack([A, np.sqrt(alpha) * np.eye(n)]), np.r_[b, np.zeros(n)], lapack_driver="gelsy")[0]
    np.testing.assert_allclose(x, ref2, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("method", L.METHODS)
def test_solve_multiple_right_hand_sides(method):
    A, B = _random_problem(15, 4, k=3, seed=1)
    for alpha in (0.0, 0.5):
        X = L.solve(A, B, method=method, alpha=alpha)
        assert X.shape == (4, 3)
        np.testing.assert_allclose(X, _augmented_lstsq(A, B, alpha), rtol=1e-9, atol=1e-11)
        # column by column equals the single right-hand side solve
        for j in range(3):
            np.testing.assert_allclose(X[:, j], L.solve(A, B[:, j], method=method, alpha=alpha), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("method", L.METHODS)
def test_solve_underdetermined_with_regularization(method):
    # m < n is fine for every method once alpha > 0 (the Tikhonov solution is unique)
    A, b = _random_problem(5, 9, seed=2)
    np.testing.assert_allclose(L.solve(A, b, method=method, alpha=0.3), _augmented_lstsq(A, b, 0.3), rtol=1e-9, atol=1e-12)


def test_svd_rank_deficient_is_minimum_norm():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((12, 3)) @ rng.standard_normal((3, 6))  # rank 3, 6 columns
    b = rng.standard_normal(12)
    x = L.solve(A, b, method="svd")
    np.testing.assert_allclose(x, np.linalg.pinv(A) @ b, rtol=1e-8, atol=1e-10)
    # it is a least-squares solution: the residual is orthogonal to range(A)
    assert np.linalg.norm(A.T @ (A @ x - b)) < 1e-10 * np.linalg.norm(A) * np.linalg.norm(b)
    # and the shortest one: adding a null-space vector keeps the residual but increases the norm
    null = sla.null_space(A)
    assert null.shape[1] == 3
    np.testing.assert_allclose(null.T @ x, 0.0, atol=1e-10)
    x2 = x + null @ np.ones(3)
    assert np.linalg.norm(A @ x2 - b) == pytest.approx(np.linalg.norm(A @ x - b), rel=1e-10)
    assert np.linalg.norm(x2) > np.linalg.norm(x)
    # underdetermined full-row-rank: minimum-norm interpolant
    A, b = _random_problem(4, 7, seed=4)
    np.testing.assert_allclose(L.solve(A, b, method="svd"), np.linalg.pinv(A) @ b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(A @ L.solve(A, b, method="svd"), b, atol=1e-12)


@pytest.mark.parametrize("method", ["qr", "normal"])
@pytest.mark.parametrize("seed", range(6))
def test_rank_deficiency_raises_for_qr_and_normal(method, seed):
    rng = np.random.default_rng(seed)
    m, n, r = 20, 5, 3
    A = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
    A[:, seed % n] *= 10.0 ** (seed - 3)  # badly scaled columns must not hide the deficiency
    b = rng.standard_normal(m)
    with pytest.raises(ValueError, match="rank deficient"):
        L.solve(A, b, method=method)
    # a duplicated column
    C = rng.standard_normal((10, 3))
    with pytest.raises(ValueError, match="rank deficient"):
        L.solve(np.c_[C, C[:, 1]], b[:10], method=method)
    # regularization makes it solvable again, and agrees with the oracle
    np.testing.assert_allclose(L.solve(A, b, method=method, alpha=1e-2), _augmented_lstsq(A, b, 1e-2), rtol=1e-7, atol=1e-9)


def test_qr_underdetermined_without_alpha_raises():
    A, b = _random_problem(3, 5)
    with pytest.raises(ValueError, match="svd"):
        L.solve(A, b, method="qr")
    with pytest.raises(ValueError):
        L.solve(A, b, method="normal")


def test_solve_bad_input():
    A, b = _random_problem(6, 3)
    with pytest.raises(ValueError) as err:
        L.solve(A, b, method="cholesky")
    for name in ("normal", "qr", "svd"):
        assert name in str(err.value)
    with pytest.raises(ValueError, match="alpha"):
        L.solve(A, b, alpha=-1e-3)
    with pytest.raises(ValueError, match="alpha"):
        L.solve(A, b, alpha=np.nan)
    with pytest.raises(ValueError, match="2-D"):
        L.solve(np.ones(6), b)
    with pytest.raises(ValueError, match="rows"):
        L.solve(A, np.ones(5))
    with pytest.raises(ValueError, match="rows"):
        L.solve(A, np.ones((6, 2, 2)))
    A_nan = A.copy()
    A_nan[1, 1] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        L.solve(A_nan, b)
    b_inf = b.copy()
    b_inf[0] = np.inf
    with pytest.raises(ValueError, match="non-finite"):
        L.solve(A, b_inf)


# ----------------------------------------------------------------------------------------------
# SVD filtering
# ----------------------------------------------------------------------------------------------
def test_filter_factors_and_tsvd_vs_hand_written_svd_sum():
    A, b = _random_problem(14, 6, seed=5)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    alpha = 0.7
    np.testing.assert_allclose(L.filter_factors(s, alpha=alpha), s**2 / (s**2 + alpha), rtol=1e-15)
    np.testing.assert_allclose(L.filter_factors(s, alpha=alpha, svd_inverse=True), s / (s**2 + alpha), rtol=1e-15)
    np.testing.assert_array_equal(L.filter_factors(s, k=2), [1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(L.filter_factors(s), np.ones(6))
    for k in range(0, 7):
        x_hand = sum(((U[:, i] @ b) / s[i]) * Vt[i] for i in range(k)) if k else np.zeros(6)
        np.testing.assert_allclose(L.tsvd(A, b, k), x_hand, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(L.tsvd(A, b, 6), np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-10)
    x_tik = sum(s[i] / (s[i] ** 2 + alpha) * (U[:, i] @ b) * Vt[i] for i in range(6))
    np.testing.assert_allclose(L.tikhonov_svd(U, s, Vt, b, alpha), x_tik, rtol=1e-12)
    np.testing.assert_allclose(L.solve(A, b, method="svd", alpha=alpha), x_tik, rtol=1e-12)
    # a zero singular value gets a zero filter factor (and no division by zero)
    s0 = np.array([3.0, 1.0, 0.0])
    np.testing.assert_array_equal(L.filter_factors(s0), [1, 1, 0])
    np.testing.assert_array_equal(L.filter_factors(s0, svd_inverse=True), [1 / 3, 1, 0])
    with pytest.raises(ValueError, match="k"):
        L.filter_factors(s, k=-1)
    with pytest.raises(ValueError, match="between 0 and 6"):
        L.tsvd(A, b, 7)
    with pytest.raises(ValueError, match="alpha"):
        L.filter_factors(s, alpha=-2.0)  # a negative alpha is rejected, not silently ignored


# ----------------------------------------------------------------------------------------------
# CGLS
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.0, 0.2])
def test_cgls_reaches_direct_solution(alpha):
    A, b = _random_problem(40, 10, seed=6)
    steps = list(itertools.islice(L.cgls(A, b, alpha=alpha), 60))
    x_ref = L.solve(A, b, method="qr", alpha=alpha)
    assert np.linalg.norm(steps[-1].x - x_ref) <= 1e-9 * np.linalg.norm(x_ref)
    # in exact arithmetic at most n = 10 steps; in floating point a few more for a well-conditioned A
    assert len(steps) <= 16
    for st in steps:  # the reported quantities are what they claim to be
        r = A @ st.x - b
        assert st.loss == pytest.approx(r @ r + alpha * st.x @ st.x, rel=1e-10)
        assert st.info["residual_norm"] == pytest.approx(np.linalg.norm(r), rel=1e-10)
        assert st.info["x_norm"] == pytest.approx(np.linalg.norm(st.x), rel=1e-12, abs=1e-300)
        assert st.grad_norm == pytest.approx(2 * np.linalg.norm(A.T @ r + alpha * st.x), rel=1e-6, abs=1e-12)
    assert [st.iteration for st in steps] == list(range(len(steps)))
    f = np.array([st.loss for st in steps])
    assert np.all(np.diff(f) <= 1e-12 * f[0])  # CG minimizes f over growing Krylov spaces


@pytest.mark.parametrize("a, tol", [(1.0, 1e-12), (1e-2, 1e-9)])
def test_cgls_ends_in_two_steps_on_3x2_exercise(a, tol):
    A, b, _ = T.exercise_3x2(a)
    steps = list(L.cgls(A, b))
    assert [st.iteration for st in steps] == [0, 1, 2]  # the generator stops by itself after 2 steps
    x_ref = np.linalg.lstsq(A, b, rcond=None)[0]
    assert np.linalg.norm(steps[2].x - x_ref) <= tol * np.linalg.norm(x_ref)
    assert np.linalg.norm(steps[1].x - x_ref) > 1e-2 * np.linalg.norm(x_ref)  # but not in one


@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_cgls_iterates_equal_lsqr_iterates(alpha):
    """CGLS and LSQR generate the same Krylov iterates in exact arithmetic (Paige and Saunders 1982)."""
    A, b = _random_problem(30, 12, seed=7)
    steps = list(itertools.islice(L.cgls(A, b, alpha=alpha), 7))
    for k in range(1, 7):
        x_lsqr = spla.lsqr(A, b, damp=np.sqrt(alpha), atol=0, btol=0, conlim=0, iter_lim=k)[0]
        assert np.linalg.norm(steps[k].x - x_lsqr) <= 1e-10 * np.linalg.norm(x_lsqr), k
        np.testing.assert_allclose(L.lsqr_reference(A, b, alpha, iter_lim=k), x_lsqr, rtol=1e-13)
    # the converged reference is the direct solution
    np.testing.assert_allclose(L.lsqr_reference(A, b, alpha), L.solve(A, b, alpha=alpha), rtol=1e-8)


def test_cgls_and_sd_accept_sparse_and_linear_operators():
    A, b = _random_problem(25, 6, seed=8)
    x_dense = [st.x for st in itertools.islice(L.cgls(A, b, alpha=0.1), 5)]
    for op in (sp.csr_matrix(A), spla.LinearOperator(A.shape, matvec=lambda v: A @ v, rmatvec=lambda w: A.T @ w)):
        x_op = [st.x for st in itertools.islice(L.cgls(op, b, alpha=0.1), 5)]
        np.testing.assert_allclose(x_op, x_dense, rtol=1e-12, atol=1e-14)
        sd_op = [st.x for st in itertools.islice(L.steepest_descent(op, b), 4)]
        sd_dense = [st.x for st in itertools.islice(L.steepest_descent(A, b), 4)]
        np.testing.assert_allclose(sd_op, sd_dense, rtol=1e-12, atol=1e-14)


def test_cgls_semi_convergence_on_deblurring():
    A, b, x_true = T.deblur_problem()
    steps = list(itertools.islice(L.cgls(A, b), 200))
    err = np.array([np.linalg.norm(st.x - x_true) for st in steps]) / np.linalg.norm(x_true)
    k_best = int(np.argmin(err))
    # measured: minimum 0.168 at iteration 20, error 15.1 (90x the minimum) after 200 iterations
    assert 3 <= k_best <= 100
    assert err[k_best] < 0.3
    assert err[k_best] < 0.5 * err[0]
    assert err[-1] > 2 * err[k_best]
    assert err[-1] > err[k_best + 10] > err[k_best]  # it really rises again
    # meanwhile the residual keeps falling: the iteration fits the noise
    res = np.array([st.info["residual_norm"] for st in steps])
    assert res[-1] < res[k_best]


# ----------------------------------------------------------------------------------------------
# steepest descent
# ----------------------------------------------------------------------------------------------
def _worst_case_x0(A, x_star):
    """x0 = x* + sum_i v_i / lambda_i (extreme eigenvectors of A'A): the Kantorovich bound is attained."""
    lam, V = np.linalg.eigh(A.T @ A)
    return x_star + V[:, 0] / lam[0] + V[:, -1] / lam[-1]


def test_steepest_descent_attains_kantorovich_rate_on_2x2():
    kappa = 10.0
    A = np.diag([1.0, np.sqrt(kappa)])
    x_star = np.array([0.3, -0.7])
    b = A @ x_star
    steps = list(itertools.islice(L.steepest_descent(A, b, x0=_worst_case_x0(A, x_star)), 40))
    e = np.array([np.linalg.norm(A @ (st.x - x_star)) for st in steps])  # error in the A'A-norm
    ratios = e[1:] / e[:-1]
    np.testing.assert_allclose(ratios[:30], (kappa - 1) / (kappa + 1), rtol=1e-9)
    assert L.sd_rate(kappa) == pytest.approx(9 / 11, rel=1e-15)
    # any other start contracts at least as fast
    steps = list(itertools.islice(L.steepest_descent(A, b, x0=np.array([4.0, 1.0])), 20))
    e = np.array([np.linalg.norm(A @ (st.x - x_star)) for st in steps])
    assert np.all(e[1:] / e[:-1] <= (kappa - 1) / (kappa + 1) + 1e-12)


def test_steepest_descent_exact_line_search_minimizes_along_the_gradient():
    A, b = _random_problem(10, 4, seed=9)
    alpha = 0.3
    steps = list(itertools.islice(L.steepest_descent(A, b, alpha=alpha), 6))
    for s0, s1 in zip(steps[:-1], steps[1:]):
        g = 2 * (A.T @ (A @ s0.x - b) + alpha * s0.x)
        ts = s1.info["step"] * np.array([0.9, 1.1])
        f = [L.objective(A, b, s0.x - t * g, alpha) for t in ts]
        assert s1.loss < min(f)
        assert s1.loss == pytest.approx(L.objective(A, b, s1.x, alpha), rel=1e-12)
        # successive gradients are orthogonal with an exact line search
        g1 = 2 * (A.T @ (A @ s1.x - b) + alpha * s1.x)
        assert abs(g @ g1) <= 1e-10 * np.linalg.norm(g) * np.linalg.norm(g1) + 1e-14


@pytest.mark.parametrize("a, rate_ref, digits", [(1.0, 0.988, 3), (1e-2, 0.99997, 5)])
def test_steepest_descent_3x2_reference_rates(a, rate_ref, digits):
    A, b, _ = T.exercise_3x2(a)
    cond = np.linalg.cond(A)
    assert round(L.sd_rate(cond**2), digits) == pytest.approx(rate_ref, abs=1e-12)
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    steps = list(itertools.islice(L.steepest_descent(A, b, x0=_worst_case_x0(A, x_star)), 25))
    e = np.array([np.linalg.norm(A @ (st.x - x_star)) for st in steps])
    measured = e[-1] / e[-2]
    assert measured == pytest.approx(L.sd_rate(cond**2), rel=1e-7)
    assert round(measured, digits) == pytest.approx(rate_ref, abs=1e-12)


def test_sd_and_cg_rates():
    assert L.sd_rate(1.0) == 0.0
    assert L.cg_rate(100.0) == pytest.approx(9 / 11)
    assert L.cg_rate(169.0) < L.sd_rate(169.0)


def test_steepest_descent_fixed_step_stability_threshold():
    A, b, _ = T.exercise_3x2(1.0)
    lam_max = np.linalg.eigvalsh(A.T @ A).max()
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    # above 1/lambda_max (= 2/L for f = ||Ax-b||^2): diverges, flagged once, then the generator stops
    steps = list(itertools.islice(L.steepest_descent(A, b, step=1.05 / lam_max), 5000))
    assert steps[-1].info.get("diverged") is True
    assert not any(st.info.get("diverged") for st in steps[:-1])
    assert 10 < steps[-1].iteration < 2000
    # the error grows at the rate |1 - 2 t lambda_max| = 1.1
    e = np.array([np.linalg.norm(st.x - x_star) for st in steps])
    assert e[-1] / e[-2] == pytest.approx(1.1, rel=1e-6)
    # just below: converges (stops on the gradient tolerance)
    steps = list(itertools.islice(L.steepest_descent(A, b, step=0.95 / lam_max), 20000))
    assert not any(st.info.get("diverged") for st in steps)
    assert steps[-1].grad_norm <= 1e-10 * max(1.0, steps[0].grad_norm)
    assert len(steps) < 20000
    np.testing.assert_allclose(steps[-1].x, x_star, rtol=1e-6)
    # measured rate = max_i |1 - 2 t lambda_i|
    lam = np.linalg.eigvalsh(A.T @ A)
    rate = np.max(np.abs(1 - 2 * (0.95 / lam_max) * lam))
    e = np.array([np.linalg.norm(st.x - x_star) for st in steps])
    assert e[400] / e[399] == pytest.approx(rate, rel=1e-6)


def test_iterative_bad_input():
    A, b = _random_problem(6, 3)
    for gen in (L.steepest_descent, L.cgls):
        with pytest.raises(ValueError, match="length 6"):
            next(gen(A, np.ones(5)))
        with pytest.raises(ValueError, match="x0"):
            next(gen(A, b, x0=np.ones(4)))
        with pytest.raises(ValueError, match="alpha"):
            next(gen(A, b, alpha=-1.0))
        with pytest.raises(ValueError, match="non-finite"):
            next(gen(A, np.full(6, np.nan)))
        with pytest.raises(ValueError, match="non-finite"):
            next(gen(A, b, x0=np.array([0.0, np.nan, 0.0])))
    with pytest.raises(ValueError, match="step"):
        next(L.steepest_descent(A, b, step=-0.1))
    with pytest.raises(ValueError, match="step"):
        next(L.steepest_descent(A, b, step=0.0))


# ----------------------------------------------------------------------------------------------
# L-curve
# ----------------------------------------------------------------------------------------------
def test_l_curve_matches_explicit_tikhonov_solves():
    A, b = _random_problem(30, 8, seed=10)
    alphas = np.r_[0.0, np.logspace(-4, 2, 7)]
    res, sol = L.l_curve(A, b, alphas)
    for a, r, s in zip(alphas, res, sol):
        x = _augmented_lstsq(A, b, a)
        assert r == pytest.approx(np.linalg.norm(A @ x - b), rel=1e-9)
        assert s == pytest.approx(np.linalg.norm(x), rel=1e-9)
    assert np.all(np.diff(res) >= 0) and np.all(np.diff(sol) <= 0)  # the L-curve is monotone in alpha
    # on the ill-posed deblurring problem too
    A, b, _ = T.deblur_problem(n=64)
    alphas = np.logspace(-8, 0, 9)
    res, sol = L.l_curve(A, b, alphas)
    for a, r, s in zip(alphas, res, sol):
        x = _augmented_lstsq(A, b, a)
        assert r == pytest.approx(np.linalg.norm(A @ x - b), rel=1e-6)
        assert s == pytest.approx(np.linalg.norm(x), rel=1e-6)
    with pytest.raises(ValueError, match="alpha"):
        L.l_curve(A, b, [1.0, -1.0])
    with pytest.raises(ValueError, match="single"):
        L.l_curve(A, np.c_[b, b], alphas)


def test_l_curve_corner_on_deblurring_is_near_the_best_alpha():
    alphas = np.logspace(-10, 1, 45)
    for seed in (0, 1):
        A, b, x_true = T.deblur_problem(seed=seed)
        res, sol = L.l_curve(A, b, alphas)
        i = L.l_curve_corner(res, sol, alphas)
        U, s, Vt = np.linalg.svd(A)  # Tikhonov solutions on the grid from one SVD: sum_i s_i/(s_i^2 + alpha) u_i'b v_i
        X = Vt.T @ ((s / (s**2 + alphas[:, None])) * (U.T @ b)).T
        err = np.linalg.norm(X - x_true[:, None], axis=0) / np.linalg.norm(x_true)
        # measured (seed 0): corner alpha = 3.2e-4 (index 26), error 0.206; best on the grid 0.169 at alpha = 1.8e-3;
        # under-regularized end 174, over-regularized end 0.92
        assert 5 <= i <= alphas.size - 6
        assert err[0] > 10 * err[i] and err[-1] > 2 * err[i]
        assert err[i] <= 2.0 * err.min()
    with pytest.raises(ValueError, match="5"):
        L.l_curve_corner(res[:4], sol[:4], alphas[:4])


# ----------------------------------------------------------------------------------------------
# conditioning: normal equations vs QR
# ----------------------------------------------------------------------------------------------
def test_conditioning_experiment_slopes():
    conds = np.logspace(2, 6, 9)
    out = T.conditioning_experiment(conds)
    assert set(out) >= {"cond", "normal", "qr", "svd"}
    slope = {k: np.polyfit(np.log10(conds), np.log10(out[k]), 1)[0] for k in ("normal", "qr", "svd")}
    # measured: normal 1.87, qr 0.99, svd 0.89
    assert 1.5 <= slope["normal"] <= 2.5
    assert 0.5 <= slope["qr"] <= 1.4
    assert 0.4 <= slope["svd"] <= 1.4
    eps = np.finfo(float).eps
    assert np.all(out["qr"] < 1e3 * eps * conds)
    assert np.all(out["normal"] < 1e3 * eps * conds**2)
    assert out["normal"][-1] > 100 * out["qr"][-1]
