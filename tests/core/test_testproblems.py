"""Tests of numdl_core.testproblems: the course's least-squares problems and their reference numbers."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core import testproblems as T


def test_vandermonde_is_powers_of_t():
    t = np.array([0.0, 0.5, 2.0, -1.0])
    V = T.vandermonde(t, 3)
    expected = np.array([[ti**j for j in range(4)] for ti in t])
    np.testing.assert_array_equal(V, expected)
    assert T.vandermonde(t, 0).shape == (4, 1)
    with pytest.raises(ValueError, match="degree"):
        T.vandermonde(t, -1)


def test_polyfit_problem():
    t, y = T.polyfit_problem()
    assert t.shape == y.shape == (10,)
    np.testing.assert_allclose(t, np.linspace(0, 1, 10))
    t0, y0 = T.polyfit_problem(noise=0.0)
    np.testing.assert_allclose(y0, np.sin(np.pi * t0**2), atol=1e-15)
    # the noise is Gaussian with the requested standard deviation (many points for a sharp estimate)
    t, y = T.polyfit_problem(n_points=20000, noise=0.1, seed=3)
    d = y - np.sin(np.pi * t**2)
    assert abs(d.mean()) < 0.005 and d.std() == pytest.approx(0.1, rel=0.03)
    np.testing.assert_array_equal(T.polyfit_problem(seed=5)[1], T.polyfit_problem(seed=5)[1])
    assert not np.array_equal(T.polyfit_problem(seed=5)[1], T.polyfit_problem(seed=6)[1])
    # degree 9 interpolates 10 points; degree 3 does not (under- vs overfitting)
    t, y = T.polyfit_problem()
    for deg, small in ((9, True), (3, False)):
        V = T.vandermonde(t, deg)
        c = np.linalg.lstsq(V, y, rcond=None)[0]
        assert (np.linalg.norm(V @ c - y) < 1e-6) == small
    with pytest.raises(ValueError, match="n_points"):
        T.polyfit_problem(n_points=1)
    with pytest.raises(ValueError, match="noise"):
        T.polyfit_problem(noise=-0.1)


@pytest.mark.parametrize("a, cond_ref", [(1.0, 13.0), (1e-2, 250.0), (1e-5, 2.45e5)])
def test_exercise_3x2_reference_condition_numbers(a, cond_ref):
    A, b, x_true = T.exercise_3x2(a)
    np.testing.assert_array_equal(A, [[1, 1 + a], [1, 1 + 2 * a], [1, 1 + 3 * a]])
    np.testing.assert_array_equal(x_true, [1.0, 1.2])
    s = np.linalg.svd(A, compute_uv=False)
    cond = s[0] / s[-1]
    assert float(f"{cond:.3g}") == cond_ref  # the syllabus numbers to 3 digits
    # b = A x_true + 0.1 * N(0, 1)
    _, b0, _ = T.exercise_3x2(a, noise=0.0)
    np.testing.assert_allclose(b0, A @ x_true, rtol=1e-15)
    np.testing.assert_allclose((b - b0) / 0.1, np.random.default_rng(0).standard_normal(3), rtol=1e-9)
    with pytest.raises(ValueError, match="non-zero"):
        T.exercise_3x2(0.0)
    with pytest.raises(ValueError, match="noise"):
        T.exercise_3x2(1.0, noise=-0.1)


def test_blur_matrix():
    n, w = 100, 0.03
    A = T.blur_matrix(n, w)
    t = (np.arange(n) + 0.5) / n
    assert A.shape == (n, n)
    np.testing.assert_allclose(A, A.T, rtol=0, atol=0)
    i, j = 17, 23
    assert A[i, j] == pytest.approx(np.exp(-((t[i] - t[j]) ** 2) / (2 * w**2)) / (np.sqrt(2 * np.pi) * w * n), rel=1e-14)
    # a discretized Gaussian of unit mass: interior row sums are 1 (midpoint rule), boundary rows about 1/2
    rows = A.sum(axis=1)
    np.testing.assert_allclose(rows[30:70], 1.0, rtol=1e-6)
    assert rows[0] == pytest.approx(0.5 + 0.5 / (np.sqrt(2 * np.pi) * w * n), rel=0.05)
    # ill-posed: the singular values decay like a Gaussian, over many orders of magnitude
    s = np.linalg.svd(A, compute_uv=False)
    assert s[0] == pytest.approx(1.0, abs=0.01)
    assert s[-1] / s[0] < 1e-14
    assert s[30] / s[0] < 1e-1 and s[45] / s[0] < 1e-3
    with pytest.raises(ValueError, match="width"):
        T.blur_matrix(10, 0.0)
    with pytest.raises(ValueError, match="n"):
        T.blur_matrix(1)


def test_deblur_problem():
    A, b, x_true = T.deblur_problem(n=128, noise=1e-2, seed=0)
    assert A.shape == (128, 128) and b.shape == x_true.shape == (128,)
    np.testing.assert_array_equal(A, T.blur_matrix(128, 0.03))
    t = (np.arange(128) + 0.5) / 128
    assert x_true[np.argmin(abs(t - 0.2))] == pytest.approx(1.0)  # the box
    i = 64  # t[64] = 0.5039: on the hat 0.8 * max(0, 1 - |t - 0.5| / 0.1)
    assert x_true[i] == pytest.approx(0.8 * (1 - abs(t[i] - 0.5) / 0.1), rel=1e-6)
    assert x_true.max() < 1.0 + 1e-6
    assert x_true[np.argmin(abs(t - 0.8))] == pytest.approx(0.6, abs=0.01)  # the bump
    assert x_true.min() >= 0
    noise = b - A @ x_true
    np.testing.assert_allclose(noise, 1e-2 * np.abs(A @ x_true).max() * np.random.default_rng(0).standard_normal(128), rtol=1e-9)
    _, b0, _ = T.deblur_problem(noise=0.0)
    np.testing.assert_allclose(b0, A @ x_true, rtol=1e-15)
    with pytest.raises(ValueError, match="noise"):
        T.deblur_problem(noise=-1.0)


@pytest.mark.parametrize("cond", [1.0, 10.0, 1e6])
def test_matrix_with_condition(cond):
    A = T.matrix_with_condition(30, 6, cond, seed=2)
    s = np.linalg.svd(A, compute_uv=False)
    np.testing.assert_allclose(s, np.logspace(0, -np.log10(cond), 6), rtol=1e-8)
    assert np.linalg.cond(A) == pytest.approx(cond, rel=1e-8)
    np.testing.assert_array_equal(A, T.matrix_with_condition(30, 6, cond, seed=2))


def test_matrix_with_condition_bad_input():
    with pytest.raises(ValueError, match="m >= n"):
        T.matrix_with_condition(3, 5, 10.0)
    with pytest.raises(ValueError, match="cond"):
        T.matrix_with_condition(5, 3, 0.5)


def test_conditioning_experiment_reports_relative_errors():
    conds = np.array([1e2, 1e4])
    out = T.conditioning_experiment(conds, m=20, n=5, seed=1)
    np.testing.assert_array_equal(out["cond"], conds)
    # recompute one entry independently with numpy's lstsq as the solver
    A = T.matrix_with_condition(20, 5, 1e4, seed=1)
    x_true = np.random.default_rng(2).standard_normal(5)
    for method in ("normal", "qr", "svd"):
        assert out[method].shape == (2,)
        assert np.all((out[method] > 0) & (out[method] < 1e-6))
    x_np = np.linalg.lstsq(A, A @ x_true, rcond=None)[0]
    assert np.linalg.norm(x_np - x_true) / np.linalg.norm(x_true) < 1e-10
    # a hopeless condition number: Cholesky of the normal equations fails, reported as nan; QR still works
    out = T.conditioning_experiment(np.array([1e10]), m=20, n=5)
    assert np.isnan(out["normal"][0])
    assert out["qr"][0] < 1e-3


def test_one_hot_and_with_bias():
    y = np.array([2, 0, 1, 2])
    Y = T.one_hot(y)
    np.testing.assert_array_equal(Y, np.eye(3)[y])
    assert T.one_hot(y, 5).shape == (4, 5)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    with pytest.raises(ValueError, match="0..2"):
        T.one_hot(np.array([0, 3, 1]), 3)
    with pytest.raises(ValueError, match="0..2"):
        T.one_hot(np.array([0, -1, 2]))  # a negative label would silently land in the last column
    with pytest.raises(ValueError, match="integer"):
        T.one_hot(np.array([0.0, 1.0]))
    X = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(T.with_bias(X), [[0, 1, 1], [2, 3, 1], [4, 5, 1]])


def test_polyfit_experiment_against_numpy_polyfit():
    """Oracle: numpy.polyfit (alpha = 0), numpy's minimum-norm lstsq (SVD, more coefficients than points) and the
    stacked system [V; √α I] (Tikhonov); the errors recomputed from their definitions."""
    out = T.polyfit_experiment(range(13), noise=0.1, seed=0)
    t, y, tt = out["t"], out["y"], out["t_test"]
    np.testing.assert_allclose(out["truth"], np.sin(np.pi * tt**2))
    for i, d in enumerate(out["degree"]):
        if d <= 9:
            fit = np.polyval(np.polyfit(t, y, d), tt)
            np.testing.assert_allclose(out["fits"][d], fit, atol=1e-9 * out["cond"][i])
            assert out["train"][i] == pytest.approx(np.sqrt(np.mean((np.polyval(np.polyfit(t, y, d), t) - y) ** 2)),
                                                    rel=1e-6, abs=1e-9)
            assert out["test"][i] == pytest.approx(np.sqrt(np.mean((fit - out["truth"]) ** 2)), rel=1e-6)
        else:  # QR refuses more coefficients than points
            assert d not in out["fits"] and np.isnan(out["train"][i]) and np.isnan(out["test"][i])
    assert out["cond"][3] == pytest.approx(np.linalg.cond(np.vander(t, 4)), rel=1e-10)
    # under- and overfitting: the test error is smallest at degree 4 (measured: 0.040; 0.052 at 3, 0.083 at 9);
    # degree 9 interpolates the 10 points
    assert int(out["degree"][np.nanargmin(out["test"])]) == 4 and out["train"][9] < 1e-10
    svd = T.polyfit_experiment([12], method="svd")
    c = np.linalg.lstsq(T.vandermonde(t, 12), y, rcond=None)[0]
    np.testing.assert_allclose(svd["fits"][12], T.vandermonde(tt, 12) @ c, atol=1e-6)
    tik = T.polyfit_experiment([9], alpha=1e-4)
    V = T.vandermonde(t, 9)
    c = np.linalg.lstsq(np.vstack([V, 1e-2 * np.eye(10)]), np.concatenate([y, np.zeros(10)]), rcond=None)[0]
    np.testing.assert_allclose(tik["fits"][9], T.vandermonde(tt, 9) @ c, rtol=1e-8)
    assert tik["test"][0] < out["test"][9]  # regularization tames the overfit
    with pytest.raises(ValueError, match="method"):
        T.polyfit_experiment([1], method="lu")
    with pytest.raises(ValueError, match="alpha"):
        T.polyfit_experiment([1], alpha=-1.0)
    with pytest.raises(ValueError, match="n_test"):
        T.polyfit_experiment([1], n_test=1)


def test_one_hot_experiment_against_scikit_learn_ridge():
    """Oracle: scikit-learn's Ridge without intercept on [X, 1] minimizes the same ‖[X,1]W − Y‖² + α‖W‖²;
    accuracies recomputed with a plain loop."""
    sklearn = pytest.importorskip("sklearn.linear_model")
    from numdl_core.data import load_digits

    X, y = load_digits()
    out = T.one_hot_experiment(X, y, 1000, alpha=1.0, method="qr", seed=0)
    perm = np.random.default_rng(0).permutation(y.size)
    tr, te = perm[:1000], perm[1000:]
    ridge = sklearn.Ridge(alpha=1.0, fit_intercept=False, solver="svd").fit(T.with_bias(X[tr]), T.one_hot(y[tr], 10))
    np.testing.assert_allclose(out["W"], ridge.coef_.T, rtol=1e-8, atol=1e-10)
    correct = sum(int(np.argmax(T.with_bias(X[[i]]) @ out["W"]) == y[i]) for i in te)
    assert out["test_accuracy"] == correct / te.size and out["n_test"] == te.size == 797
    # the page's reference numbers (digits, 1000 training images, alpha = 1, seed 0): 95.6% and 92.8%
    assert out["train_accuracy"] == pytest.approx(0.956, abs=1e-12)
    assert out["test_accuracy"] == pytest.approx(740 / 797, abs=1e-12)
    for method in ("normal", "svd"):
        other = T.one_hot_experiment(X, y, 1000, alpha=1.0, method=method, seed=0)
        assert other["test_accuracy"] == out["test_accuracy"]
    few = T.one_hot_experiment(X, y, 200, alpha=1e-4, seed=0)  # overfitting: train near 100%, test lower
    assert few["train_accuracy"] > 0.99 and few["test_accuracy"] < few["train_accuracy"] - 0.05
    with pytest.raises(ValueError, match="n_train"):
        T.one_hot_experiment(X, y, y.size)
    with pytest.raises(ValueError, match="shape"):
        T.one_hot_experiment(X, y[:-1], 10)


def test_galileo_fit_against_lstsq_and_the_closed_form():
    """Oracles: numpy's lstsq on the column t²/2 and on [1, t, t²], and the closed form 2·482.2/98."""
    t, x = T.galileo_data()
    np.testing.assert_array_equal(t, [0, 1, 2, 3])
    np.testing.assert_array_equal(x, [0, 4.9, 20.1, 44.1])
    out = T.galileo_fit()
    assert out["sum_t4"] == 98.0 and out["sum_t2x"] == pytest.approx(482.2, rel=1e-15)
    assert out["g"] == pytest.approx(2 * 482.2 / 98, rel=1e-15) and round(out["g"], 4) == 9.8408
    g_lstsq = np.linalg.lstsq((0.5 * t**2)[:, None], x, rcond=None)[0][0]
    assert out["g"] == pytest.approx(g_lstsq, rel=1e-13)
    np.testing.assert_allclose(out["residuals"], x - 0.5 * g_lstsq * t**2, atol=1e-13)
    assert out["residual_norm"] == pytest.approx(0.45737, abs=1e-5)
    coef = np.linalg.lstsq(np.vander(t, 3, increasing=True), x, rcond=None)[0]
    np.testing.assert_allclose(out["quadratic"], coef, atol=1e-12)  # (-0.075, 0.425, 4.775)
    assert out["g_quadratic"] == pytest.approx(9.55, abs=1e-12) and out["quadratic_residual_norm"] < out["residual_norm"]
    # the residual is orthogonal to the column: the normal equation holds
    assert abs(out["residuals"] @ (0.5 * t**2)) < 1e-12
    assert np.isnan(T.galileo_fit([0.0, 1.0], [0.0, 4.9])["g_quadratic"])  # two times: no quadratic
    with pytest.raises(ValueError, match="non-zero"):
        T.galileo_fit([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="equal length"):
        T.galileo_fit([1.0, 2.0], [1.0])
