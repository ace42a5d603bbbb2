"""Tests of numdl_core.validation: splits, k-fold cross-validation, the Tikhonov path, the bias–variance
decomposition and the choices on the polynomial fit and the digits. Oracles: scikit-learn (KFold, Ridge,
cross_val_score on the same folds), numpy's lstsq on the stacked system [A; √α I], Monte Carlo against the closed
forms, a plain CGLS loop (numdl_core.lstsq.cgls one column at a time)."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core import validation as V
from numdl_core.data import load_digits
from numdl_core.lstsq import cgls
from numdl_core.testproblems import vandermonde


def test_train_val_test_split_is_a_partition():
    for n, fr in ((40, (0.5, 0.25, 0.25)), (1797, (0.6, 0.2, 0.2)), (3, (0.0, 0.1, 0.1))):
        tr, va, te = V.train_val_test_split(n, fr, seed=1)
        assert np.array_equal(np.sort(np.concatenate([tr, va, te])), np.arange(n))
        assert va.size == max(1, round(fr[1] * n)) and te.size == max(1, round(fr[2] * n))
    a, b = V.train_val_test_split(50, seed=0), V.train_val_test_split(50, seed=1)
    assert not np.array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="no training example"):
        V.train_val_test_split(4, (0.0, 0.5, 0.5))
    with pytest.raises(ValueError, match="at least 3"):
        V.train_val_test_split(2)


def test_kfold_splits_are_sklearns_kfold():
    """Oracle: sklearn's KFold (no shuffle) gives the same folds; with a shuffle the folds still partition."""
    from sklearn.model_selection import KFold

    for n, k in ((10, 3), (23, 5), (7, 7)):
        ours = V.kfold_splits(n, k, seed=None)
        for (tr, te), (tr2, te2) in zip(ours, KFold(k).split(np.zeros(n))):
            assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    folds = V.kfold_splits(23, 5, seed=4)
    assert np.array_equal(np.sort(np.concatenate([te for _, te in folds])), np.arange(23))
    assert sorted(te.size for _, te in folds) == [4, 4, 5, 5, 5]
    with pytest.raises(ValueError, match="2 <= k"):
        V.kfold_splits(5, 6)


def test_tikhonov_path_against_the_stacked_system():
    """Oracle: numpy's lstsq on [A; √α I] x ≈ [b; 0]; α = 0 on a rank-deficient A: the pseudo-inverse."""
    rng = np.random.default_rng(0)
    A, b = rng.standard_normal((12, 4)), rng.standard_normal(12)
    alphas = [0.0, 1e-3, 1.0, 10.0]
    X = V.tikhonov_path(A, b, alphas)
    for a, x in zip(alphas, X):
        ref = np.linalg.lstsq(np.vstack([A, np.sqrt(a) * np.eye(4)]), np.concatenate([b, np.zeros(4)]), rcond=None)[0]
        np.testing.assert_allclose(x, ref, rtol=1e-10, atol=1e-12)
    B = rng.standard_normal((12, 3))
    XB = V.tikhonov_path(A, B, alphas)
    assert XB.shape == (4, 4, 3)
    np.testing.assert_allclose(XB[2, :, 1], V.tikhonov_path(A, B[:, 1], [1.0])[0], rtol=1e-12)
    A2 = np.column_stack([A[:, 0], A[:, 0]])  # rank 1
    np.testing.assert_allclose(V.tikhonov_path(A2, b, [0.0])[0], np.linalg.pinv(A2) @ b, rtol=1e-10)
    with pytest.raises(ValueError, match=">= 0"):
        V.tikhonov_path(A, b, [-1.0])


def test_kfold_cv_is_sklearns_cross_val_score_with_ridge():
    """Oracle: sklearn's cross_val_score of Ridge(alpha, fit_intercept=False) on the same folds (same objective
    ‖y − Xw‖² + α‖w‖²); degree-5 Vandermonde features of the polynomial fit."""
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import cross_val_score

    t = np.linspace(0, 1, 30)
    y = np.sin(np.pi * t**2) + 0.1 * np.random.default_rng(1).standard_normal(30)
    A = vandermonde(t, 5)
    alphas = [1e-6, 1e-3, 1e-1, 1.0]
    ours = V.kfold_cv(A, y, alphas, k=5, seed=3)
    folds = V.kfold_splits(30, 5, seed=3)
    for j, a in enumerate(alphas):
        ref = -cross_val_score(Ridge(alpha=a, fit_intercept=False, solver="svd"), A, y, cv=folds,
                               scoring="neg_mean_squared_error")
        np.testing.assert_allclose(ours[:, j], ref, rtol=1e-7)


@pytest.mark.parametrize("sweep", ["degree", "alpha"])
def test_bias_variance_closed_form_and_monte_carlo(sweep):
    """Oracles: the Monte Carlo bias² and variance match the closed forms within the sampling error, and
    bias² + variance + σ² is the Monte Carlo mean squared error to fresh noisy test observations."""
    R = 4000
    out = V.polyfit_bias_variance(sweep=sweep, degree=9, noise=0.1, n_realizations=R, seed=0)
    rel = 4 * np.sqrt(2 / R)  # relative sampling error of a variance estimate, 4 standard deviations
    np.testing.assert_allclose(out.mc_variance, out.variance, rtol=rel)
    np.testing.assert_allclose(out.mc_bias2, out.bias2, atol=4 * out.variance.max() / np.sqrt(R) + 1e-12, rtol=0.05)
    np.testing.assert_allclose(out.mc_test_mse, out.total + out.noise2, rtol=rel)
    total = out.mc_total
    best = out.best
    if sweep == "degree":  # bias² falls and variance grows with the degree: a U with its bottom inside
        assert np.all(np.diff(out.variance) > 0) and out.bias2[0] > 10 * out.bias2[best]
        assert 0 < best < total.size - 1 and total[-1] > 5 * total[best] and total[0] > 5 * total[best]
        assert out.grid[best] == 3  # measured: σ = 0.1, 10 points
    else:  # α grows: bias² grows, variance falls
        assert np.all(np.diff(out.variance) < 0) and out.bias2[-1] > 100 * out.bias2[0]
        assert 0 < best < total.size - 1


def test_bias_variance_of_the_course_slide():
    """The course's closed form (02-NumDNN-LinearLeastSquares.tex) with A_test = I: the parameter error
    E‖x_α − x_true‖² = α²‖(AᵀA + αI)⁻¹x_true‖² + σ² trace(A_α† Aᵀ A A_α†ᵀ), and the Monte Carlo estimate."""
    rng = np.random.default_rng(2)
    A, x_true, sigma, alpha = rng.standard_normal((20, 5)), rng.standard_normal(5), 0.3, 0.5
    out = V.bias_variance([(A, np.eye(5), alpha)], A @ x_true, x_true, sigma, n_realizations=20000, seed=1)
    Ad = np.linalg.inv(A.T @ A + alpha * np.eye(5))
    bias2 = alpha**2 * np.sum((Ad @ x_true) ** 2)
    variance = sigma**2 * np.trace(Ad @ A.T @ A @ Ad.T)
    assert 5 * out.bias2[0] == pytest.approx(bias2, rel=1e-10)  # averaged over the 5 "test points" (entries)
    assert 5 * out.variance[0] == pytest.approx(variance, rel=1e-10)
    assert 5 * out.mc_variance[0] == pytest.approx(variance, rel=0.05)
    with pytest.raises(ValueError, match="n_realizations"):
        V.bias_variance([(A, np.eye(5), alpha)], A @ x_true, x_true, sigma, n_realizations=1)


@pytest.mark.parametrize("choose", ["alpha", "degree"])
def test_polyfit_validation(choose):
    """Oracle: the validation errors recomputed with numpy's lstsq on the stacked system; the CV curve with
    kfold_cv (itself checked against sklearn). Measured at the defaults (40 points, σ = 0.1, degree 12, seed 0)."""
    out = V.polyfit_validation(choose=choose)
    assert (out.train.size, out.val.size, out.test.size) == (20, 10, 10)
    j = out.chosen_val
    d, a = (12, out.grid[j]) if choose == "alpha" else (int(out.grid[j]), 0.0)
    Vt = vandermonde(out.t, d)
    c = np.linalg.lstsq(np.vstack([Vt[out.train], np.sqrt(a) * np.eye(d + 1)]),
                        np.concatenate([out.y[out.train], np.zeros(d + 1)]), rcond=None)[0]
    val = np.sqrt(np.mean((Vt[out.val] @ c - out.y[out.val]) ** 2))
    assert out.val_rms[j] == pytest.approx(val, rel=1e-6) and out.val_rms[j] == out.val_rms.min()
    assert out.test_at_val == pytest.approx(np.sqrt(np.mean((Vt[out.test] @ c - out.y[out.test]) ** 2)), rel=1e-6)
    assert out.cv_rms[out.chosen_cv] == out.cv_rms.min()
    s = out.summary()
    if choose == "alpha":  # validation: α = 10^-2.5, test RMS 0.055 (the smallest on the grid); CV: 10^-3.5, 0.068
        assert s["validation: chosen α"] == pytest.approx(10**-2.5) and s["validation: test RMS at the choice"] < 0.06
        assert s["k-fold CV: chosen α"] == pytest.approx(10**-3.5)
        assert s["k-fold CV: test RMS at the choice"] == pytest.approx(0.068, abs=1e-3)
    else:  # validation: degree 6 (test 0.139), 5-fold CV: degree 5 (test 0.075)
        assert (s["validation: chosen degree"], s["k-fold CV: chosen degree"]) == (6, 5)
        assert s["k-fold CV: test RMS at the choice"] == pytest.approx(0.0752, abs=1e-3)


def test_cgls_path_is_cgls_per_column():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((15, 6)), rng.standard_normal((15, 2))
    X = V.cgls_path(A, B, 4)
    assert X.shape == (5, 6, 2) and not X[0].any()
    for j in range(2):
        steps = list(cgls(A, B[:, j], maxiter=4, tol=0.0))
        for s in steps:  # the same recurrences, vectorized over the columns: equal to round-off
            np.testing.assert_allclose(X[s.iteration, :, j], s.x, rtol=1e-9, atol=1e-12)
    X = V.cgls_path(A, B, 30)  # converged after 6 = n steps: later iterates stay there
    np.testing.assert_allclose(X[-1], np.linalg.lstsq(A, B, rcond=None)[0], rtol=1e-8)


@pytest.mark.parametrize("choose", ["alpha", "iterations"])
def test_digits_validation(choose):
    """Oracle: the accuracy at the chosen α recomputed with numpy's lstsq on the stacked system. Measured
    (200 training images, seed 0): α = 3.16 (validation 82.5%, test 78.8%); CGLS: 5 iterations."""
    X, y = load_digits()
    out = V.digits_validation(X, y, choose=choose, n_train=200)
    assert out.sizes == (200, 359, 359)
    assert out.val_accuracy[out.chosen] == out.val_accuracy.max()
    s = out.summary()
    if choose == "alpha":
        tr, va, te = V.train_val_test_split(y.size, (0.6, 0.2, 0.2), 0)
        tr = tr[:200]
        Xb = np.column_stack([X, np.ones(y.size)])
        a = out.grid[out.chosen]
        Y = np.eye(10)[y[tr]]
        W = np.linalg.lstsq(np.vstack([Xb[tr], np.sqrt(a) * np.eye(65)]), np.vstack([Y, np.zeros((65, 10))]),
                            rcond=None)[0]
        assert np.mean(np.argmax(Xb[te] @ W, 1) == y[te]) == s["digits: test accuracy at the choice"]
        assert s["digits: chosen α"] == pytest.approx(10**0.5) and s["digits: validation accuracy"] > out.val_accuracy[0]
    else:
        assert 2 <= s["digits: chosen CGLS iterations"] <= 20
        assert out.train_accuracy[-1] > out.train_accuracy[0]
