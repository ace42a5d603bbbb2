"""Tests of numdl_core.regularization on the deblurring problem. Oracles: the stacked system [A; √α I] solved by
numpy's lstsq (Tikhonov), an explicit sum over singular triplets (TSVD), numpy's solve (the naive solution of a
well-conditioned system), norms computed directly (L-curve) and a plain CGLS loop written here (semi-convergence)."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core import regularization as R
from numdl_core.testproblems import deblur_problem


def test_relative_error():
    assert R.relative_error([3.0, 4.0], [0.0, 5.0]) == pytest.approx(np.sqrt(10) / 5)
    with pytest.raises(ValueError, match="shape"):
        R.relative_error([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="zero"):
        R.relative_error([1.0, 2.0], [0.0, 0.0])


@pytest.mark.parametrize("alpha,k", [(1e-3, 20), (1e-6, 40), (0.1, 5)])
def test_compare_regularizations_against_independent_solutions(alpha, k):
    A, b, x_true = deblur_problem(64, width=0.03, noise=0.01, seed=2)
    r = R.compare_regularizations(A, b, x_true, alpha=alpha, k=k)
    n = A.shape[1]
    x_stack = np.linalg.lstsq(np.vstack([A, np.sqrt(alpha) * np.eye(n)]), np.concatenate([b, np.zeros(n)]),
                              rcond=None)[0]
    # κ of the stacked system is at most ‖A‖/√α: measured relative gaps 3e-15 .. 3e-13
    assert np.linalg.norm(r.x_tikhonov - x_stack) <= 1e-14 / np.sqrt(alpha) * np.linalg.norm(x_stack)
    U, s, Vt = np.linalg.svd(A)
    x_k = sum((U[:, i] @ b) / s[i] * Vt[i] for i in range(k))
    np.testing.assert_allclose(r.x_tsvd, x_k, rtol=1e-10, atol=1e-10 * np.linalg.norm(x_k))
    np.testing.assert_allclose(r.s, s, rtol=1e-12)
    np.testing.assert_allclose(r.phi, s**2 / (s**2 + alpha), rtol=1e-12)
    assert r.cond == pytest.approx(s[0] / s[-1], rel=1e-12)
    for name, x in (("tikhonov", r.x_tikhonov), ("tsvd", r.x_tsvd), ("naive", r.x_naive), ("corner", r.x_corner)):
        assert r.errors[name] == pytest.approx(np.linalg.norm(x - x_true) / np.linalg.norm(x_true), rel=1e-12)
    # the L-curve point of the corner alpha, computed directly
    assert r.residual_norms[r.corner] == pytest.approx(np.linalg.norm(A @ r.x_corner - b), rel=1e-8)
    assert r.solution_norms[r.corner] == pytest.approx(np.linalg.norm(r.x_corner), rel=1e-8)
    assert r.alpha_corner == r.alphas[r.corner] and 2 <= r.corner < r.alphas.size - 2
    # scipy's LSQR agrees with the SVD solution
    assert np.linalg.norm(r.x_lsqr - r.x_tikhonov) <= 1e-8 * np.linalg.norm(r.x_tikhonov)
    # the lesson: the naive solution is useless, regularized ones are close
    assert r.errors["naive"] > 100 and r.errors["corner"] < 0.5
    with pytest.raises(ValueError, match="k must"):
        R.compare_regularizations(A, b, x_true, alpha=alpha, k=65)


def test_naive_solution_of_a_well_conditioned_system_is_the_solve():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((6, 6)) + 6 * np.eye(6)
    x_true = rng.standard_normal(6)
    b = A @ x_true
    r = R.compare_regularizations(A, b, x_true, alpha=1e-2, k=6, alphas=np.logspace(-6, 0, 10))
    np.testing.assert_allclose(r.x_naive, np.linalg.solve(A, b), rtol=1e-12)
    np.testing.assert_allclose(r.x_tsvd, np.linalg.solve(A, b), rtol=1e-12)
    assert r.errors["naive"] < 1e-13


def _cgls_iterates(A, b, k):
    """Plain CGLS (Björck 1996, Alg. 7.4.1 with alpha = 0) from x = 0: the iterates x_0..x_k as rows."""
    x = np.zeros(A.shape[1])
    r = b.copy()
    s = A.T @ r
    p, gamma = s.copy(), s @ s
    xs = [x]
    for _ in range(k):
        q = A @ p
        a = gamma / (q @ q)
        x, r = x + a * p, r - a * q
        s = A.T @ r
        gamma, old = s @ s, gamma
        p = s + gamma / old * p
        xs.append(x)
    return np.array(xs)


def _cgls_errors(A, b, x_true, k):
    """Relative errors of the plain CGLS iterates."""
    return np.linalg.norm(_cgls_iterates(A, b, k) - x_true, axis=1) / np.linalg.norm(x_true)


def test_semi_convergence_against_a_plain_cgls_loop():
    A, b, x_true = deblur_problem(128, width=0.03, noise=0.01, seed=0)
    sc = R.semi_convergence(A, b, x_true, 60)
    oracle = _cgls_errors(A, b, x_true, 60)
    np.testing.assert_allclose(sc.errors, oracle, rtol=1e-6)
    assert sc.best_iteration == int(np.argmin(oracle)) and sc.best_error == sc.errors.min()
    # the error falls, then rises: semi-convergence (measured: best 0.168 at iteration 20, 0.74 at 60)
    assert 5 < sc.best_iteration < 60 and sc.final_error > 1.3 * sc.best_error
    assert R.semi_convergence(A, b, x_true, 0).errors.tolist() == [1.0]
    with pytest.raises(ValueError, match="iterations"):
        R.semi_convergence(A, b, x_true, -1)


def test_cgls_l_curve_of_the_iterates():
    """The L-curve of the CGLS iterates: residual norms from the plain loop, ‖Ax_j − b‖ falls and ‖x_j‖ grows."""
    A, b, x_true = deblur_problem(128, width=0.03, noise=0.01, seed=0)
    sc = R.semi_convergence(A, b, x_true, 60)
    xs = _cgls_iterates(A, b, 60)
    np.testing.assert_allclose(sc.residual_norms, np.linalg.norm(xs @ A.T - b, axis=1), rtol=1e-6)
    np.testing.assert_allclose(sc.solution_norms, np.linalg.norm(xs, axis=1), rtol=1e-6, atol=1e-300)
    assert np.all(np.diff(sc.residual_norms) <= 1e-12) and np.all(np.diff(sc.solution_norms) >= -1e-12)
    assert sc.solution_norms[0] == 0.0 and sc.residual_norms[0] == pytest.approx(np.linalg.norm(b))


def test_digits_weights_shrink_as_alpha_grows():
    """One-hot regression on the digits: ‖W_α‖_F equals the SVD closed form and decreases in α (weights get smaller).

    Oracle: W_α = V diag(σᵢ/(σᵢ² + α)) Uᵀ Y, so ‖W_α‖²_F = Σᵢ (σᵢ/(σᵢ² + α))² ‖uᵢᵀY‖², a decreasing function of α.
    """
    from numdl_core.data import load_digits
    from numdl_core.lstsq import solve
    from numdl_core.testproblems import one_hot, one_hot_experiment
    X, y = load_digits()
    Xb, Y = np.hstack([X[:500], np.ones((500, 1))]), one_hot(y[:500], 10)
    U, s, _ = np.linalg.svd(Xb, full_matrices=False)
    solved, closed, page = [], [], []
    for alpha in (1e-4, 1.0, 100.0):
        closed.append(np.sqrt(np.sum((s / (s**2 + alpha))[:, None] ** 2 * (U.T @ Y) ** 2)))
        solved.append(np.linalg.norm(solve(Xb, Y, "qr", alpha)))
        page.append(np.linalg.norm(one_hot_experiment(X, y, 1000, alpha=alpha, method="qr", seed=0)["W"]))
    assert solved == pytest.approx(closed, rel=1e-8)
    assert closed[0] > closed[1] > closed[2] and page[0] > page[1] > page[2]  # the page's numbers: 16.9, 2.57, 1.03


# ---------------------------------------------------------------- general Tikhonov (issue 8)
# Oracles: np.diff (difference operators), numpy's lstsq (SVD-based) on the stacked system [A; √α G] and
# scipy.linalg.solve on the normal equations (A^T A + α G^T G) x = A^T b; general_tikhonov uses Householder QR.

@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("h", [1.0, 0.25])
def test_derivative_operator_is_np_diff(order, h):
    x = np.random.default_rng(order).standard_normal(9)
    D = R.derivative_operator(9, order, h)
    assert D.shape == (9 - order, 9) and D.format == "csr"
    np.testing.assert_allclose(D @ x, np.diff(x, n=order) / h**order, rtol=1e-13, atol=1e-13)
    if order:  # polynomials of degree < order are in the null space
        t = np.linspace(0, 1, 9)
        np.testing.assert_allclose(D @ (3 + 0 * t if order == 1 else 3 - 2 * t), 0, atol=1e-12)


@pytest.mark.parametrize("bad", [dict(n=5, order=3), dict(n=1, order=1), dict(n=5, order=1, h=0.0),
                                 dict(n=2, order=2), dict(n=5, order=True)])
def test_derivative_operator_rejects_bad_arguments(bad):
    with pytest.raises(ValueError):
        R.derivative_operator(**bad)


@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("alpha", [1e-6, 1e-2, 1.0])
def test_general_tikhonov_against_stacked_lstsq_and_normal_equations(order, alpha):
    import scipy.linalg

    A, b, _ = deblur_problem(48, width=0.03, noise=0.01, seed=1)
    G = R.derivative_operator(48, order)
    x = R.general_tikhonov(A, b, alpha, G)
    Gd = G.toarray()
    x_stack = np.linalg.lstsq(np.vstack([A, np.sqrt(alpha) * Gd]), np.concatenate([b, np.zeros(Gd.shape[0])]),
                              rcond=None)[0]
    x_normal = scipy.linalg.solve(A.T @ A + alpha * Gd.T @ Gd, A.T @ b, assume_a="pos")
    kappa = np.linalg.cond(np.vstack([A, np.sqrt(alpha) * Gd]))
    # measured: gaps to lstsq 1e-15 .. 1e-12 (kappa up to ~1e5), to the normal equations up to ~1e-8 (eps kappa^2)
    assert np.linalg.norm(x - x_stack) <= 1e-14 * kappa * np.linalg.norm(x_stack)
    assert np.linalg.norm(x - x_normal) <= 1e-14 * kappa**2 * np.linalg.norm(x_stack)
    # G = I is the ordinary Tikhonov solution of the SVD path
    if order == 0:
        r = R.compare_regularizations(A, b, b, alpha=alpha, k=5)
        np.testing.assert_allclose(x, r.x_tikhonov, rtol=1e-9 * kappa, atol=1e-12)


def test_general_tikhonov_errors():
    A = np.ones((3, 2))  # rank 1, and G = D_1 annihilates constants, which A does not: still unique
    x = R.general_tikhonov(A, np.array([1.0, 1.0, 1.0]), 1.0, R.derivative_operator(2, 1))
    np.testing.assert_allclose(x, [0.5, 0.5])
    with pytest.raises(ValueError, match="rank deficient"):
        R.general_tikhonov(np.array([[1.0, -1.0]] * 3), np.ones(3), 1.0, R.derivative_operator(2, 1))
    with pytest.raises(ValueError, match="rank deficient"):
        R.general_tikhonov(A, np.ones(3), 0.0)
    with pytest.raises(ValueError, match="columns"):
        R.general_tikhonov(A, np.ones(3), 1.0, np.eye(3))
    with pytest.raises(ValueError, match="alpha"):
        R.general_tikhonov(A, np.ones(3), -1.0)
    with pytest.raises(ValueError, match="shape"):
        R.general_tikhonov(A, np.ones(2), 1.0)


def test_smooth_deblur_problem_shares_the_noise_of_deblur_problem():
    A, b, x_true = R.smooth_deblur_problem(64, 0.03, 0.02, seed=3)
    A2, b2, x2 = deblur_problem(64, 0.03, 0.02, seed=3)
    np.testing.assert_array_equal(A, A2)
    clean = A @ x_true
    np.testing.assert_allclose((b - clean) / np.abs(clean).max(), (b2 - A2 @ x2) / np.abs(A2 @ x2).max(), rtol=1e-10)
    t = (np.arange(64) + 0.5) / 64
    np.testing.assert_allclose(x_true, np.sin(np.pi * t) ** 2 + 0.5 * t * np.sin(3 * np.pi * t))


def test_compare_operators_derivative_penalties_give_smooth_accurate_solutions():
    A, b, x_true = R.smooth_deblur_problem(128, 0.03, 0.01, seed=0)
    r = R.compare_operators(A, b, x_true, alpha=1e-2)
    # the fields are what they claim, recomputed directly
    for name, order in R.OPERATORS.items():
        G = R.derivative_operator(128, order)
        j = r.best[name]
        x = R.general_tikhonov(A, b, r.alphas[j], G)
        # the grid comes from one generalized SVD per G: measured gaps to the QR solution below 2e-11
        assert np.linalg.norm(r.x_best[name] - x) <= 1e-9 * np.linalg.norm(x)
        assert r.errors[name][j] == pytest.approx(R.relative_error(x, x_true), rel=1e-8)
        for i in (0, 8, 16, 24):  # the whole path, against the QR solution (measured <= 1.3e-11)
            xi = R.general_tikhonov(A, b, r.alphas[i], G)
            assert r.errors[name][i] == pytest.approx(R.relative_error(xi, x_true), rel=1e-8)
        assert r.errors[name].min() == r.errors[name][j]
        c = r.corner[name]
        assert r.seminorms[name][c] == pytest.approx(np.linalg.norm(G @ r.x_corner[name]), rel=1e-10)
        assert r.residual_norms[name][c] == pytest.approx(np.linalg.norm(A @ r.x_corner[name] - b), rel=1e-10)
        assert r.error(name, "fixed") == pytest.approx(R.relative_error(r.x_fixed[name], x_true), rel=1e-12)
        D2 = np.diff(np.eye(128), n=2, axis=0)
        assert r.roughness[name]["best"] == pytest.approx(
            np.linalg.norm(D2 @ x) / np.linalg.norm(D2 @ x_true), rel=1e-7)
    # the lesson (measured: best errors 0.019, 0.013, 0.0062; corner 0.088, 0.015, 0.0062; roughness at the
    # corner 31.6, 2.5, 0.98)
    assert r.error("second", "best") < r.error("first", "best") < r.error("identity", "best")
    assert r.error("second", "corner") < 0.2 * r.error("identity", "corner")
    assert r.roughness["second"]["corner"] < 1.5 < 10 < r.roughness["identity"]["corner"]
    s = r.summary("corner")
    assert s["error (G = second)"] == r.error("second", "corner")
    assert s["α (G = first)"] == r.chosen_alpha("first", "corner")
    with pytest.raises(ValueError, match="alphas"):
        R.compare_operators(A, b, x_true, alpha=1e-2, alphas=[1e-3, 1e-2])
