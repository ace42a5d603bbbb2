"""numdl_core.logistic: binary logistic regression against independent oracles.

Oracles: the textbook formula -[c log p + (1 - c) log(1 - p)] with scipy.special.expit (moderate scores), the
two-class softmax cross-entropy of numdl_core.classify with W = [w, 0] (another implementation), the dense
Hessian [X 1]^T diag(p(1 - p)) [X 1]/n + alpha diag(I, 0), scikit-learn's LogisticRegression (C = 1/(alpha n)) and
the Taylor test of numdl_core.checks.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, log_expit

from numdl_core.checks import derivative_check
from numdl_core.data import make_dataset
from numdl_core.logistic import binary_logistic, log_sigmoid, sigmoid, sklearn_binary_reference, softplus
from numdl_core.optim import newton_cg


def _problem(alpha=1e-2, name="linear", noise=0.1, n=200):
    X, y = make_dataset(name, n, noise, seed=1)
    return binary_logistic(X, y, alpha=alpha)


def test_stable_functions_match_the_naive_ones_and_do_not_overflow():
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(sigmoid(z), expit(z), rtol=1e-14)
    np.testing.assert_allclose(softplus(z), np.log1p(np.exp(z)), rtol=1e-13)
    np.testing.assert_allclose(log_sigmoid(z), log_expit(z), rtol=1e-13)
    big = np.array([-1e4, -800.0, 800.0, 1e4])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no overflow, no log 0
        np.testing.assert_array_equal(softplus(big), [0.0, 0.0, 800.0, 1e4])
        np.testing.assert_array_equal(log_sigmoid(big), [-1e4, -800.0, 0.0, 0.0])
        np.testing.assert_array_equal(sigmoid(big), [0.0, 0.0, 1.0, 1.0])


def test_loss_is_the_cross_entropy_of_the_sigmoid():
    obj = _problem(alpha=0.3)
    theta = np.array([0.7, -0.4, 0.2])
    z = obj.X @ theta[:2] + theta[2]
    p = expit(z)
    ref = -np.mean(obj.c * np.log(p) + (1 - obj.c) * np.log(1 - p)) + 0.15 * theta[:2] @ theta[:2]
    assert obj.loss(theta) == pytest.approx(ref, rel=1e-13)
    f, g = obj.value_and_grad(theta)
    assert f == pytest.approx(ref, rel=1e-13)
    np.testing.assert_allclose(g, np.r_[obj.X.T @ (p - obj.c) / obj.n_samples + 0.3 * theta[:2], np.mean(p - obj.c)],
                               rtol=1e-12)


def test_no_overflow_at_scores_of_1e4():
    """|z| = 1e4: the misclassified samples cost |z| each, the others 0 (naive: log(0) = -inf, exp overflow)."""
    obj = binary_logistic(np.array([[1.0], [-1.0], [1.0]]), [1, 0, 0])
    theta = np.array([1e4, 0.0])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        f, g = obj.value_and_grad(theta)
    assert f == pytest.approx(1e4 / 3, rel=1e-15)
    np.testing.assert_allclose(g, [1 / 3, 1 / 3], rtol=1e-15)


def test_equals_the_two_class_softmax_with_w_and_zero():
    """f(w, b) = f_softmax([w, 0], (b, 0)) with the classes (c = 1, c = 0): value, gradient and Hessian."""
    obj = _problem(alpha=0.05, name="ellipses")
    soft = obj.softmax_objective()
    rng = np.random.default_rng(0)
    for _ in range(3):
        theta, v = rng.standard_normal(obj.n_params), rng.standard_normal(obj.n_params)
        f, g = obj.value_and_grad(theta)
        fs, gs = soft.value_and_grad(obj.as_softmax(theta))
        assert fs == pytest.approx(f, rel=1e-13)
        Wg, bg = soft.unpack(gs)
        np.testing.assert_allclose(np.r_[Wg[:, 0], bg[0]], g, rtol=1e-12, atol=1e-15)
        hs = soft.hess_vec(obj.as_softmax(theta), obj.as_softmax(v))
        Wh, bh = soft.unpack(hs)
        np.testing.assert_allclose(np.r_[Wh[:, 0], bh[0]], obj.hess_vec(theta, v), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(obj.predict_proba(theta), soft.predict_proba(obj.as_softmax(theta))[:, 0],
                                   rtol=1e-13)


def test_hessian_against_the_dense_matrix():
    obj = _problem(alpha=0.1)
    theta = np.array([0.3, -1.2, 0.5])
    p = expit(obj.X @ theta[:2] + theta[2])
    A = np.c_[obj.X, np.ones(obj.n_samples)]
    H = A.T @ (A * (p * (1 - p))[:, None]) / obj.n_samples + np.diag([0.1, 0.1, 0.0])
    for v in np.eye(3):
        np.testing.assert_allclose(obj.hess_vec(theta, v), H @ v, rtol=1e-13, atol=1e-16)
    assert np.linalg.eigvalsh(H).max() <= obj.lipschitz_bound()


def test_taylor_orders():
    """E1 = O(h^2) (gradient) and E2 = O(h^3) (Hessian) at a random point; a wrong gradient gives order 1."""
    obj = _problem(alpha=1e-2, name="ellipses")
    x = np.random.default_rng(3).standard_normal(obj.n_params)
    res = derivative_check(obj.value_and_grad, x, hess_vec=obj.hess_vec, seed=1, n=12)
    assert res.passed and 1.8 < res.order < 2.2 and 2.7 < res.order2 < 3.3
    wrong = derivative_check(lambda t: (obj.value_and_grad(t)[0], 1.1 * obj.value_and_grad(t)[1]), x, seed=1, n=12)
    assert not wrong.passed and wrong.order < 1.2


@pytest.mark.parametrize("alpha,name", [(1e-2, "linear"), (1e-3, "ellipses"), (1.0, "moons")])
def test_minimizer_matches_sklearn(alpha, name):
    """Newton-CG on f against scikit-learn's LogisticRegression(C = 1/(alpha n)), lbfgs, tol 1e-10."""
    obj = _problem(alpha=alpha, name=name)
    for last in newton_cg(obj, np.zeros(obj.n_params), cg_tol=1e-8, cg_maxiter=50, tol=1e-13):
        pass
    ref = sklearn_binary_reference(obj)
    assert obj.loss(ref) == pytest.approx(last.loss, rel=1e-10)
    np.testing.assert_allclose(last.x, ref, rtol=1e-6, atol=1e-6)


def test_predictions_accuracy_and_bad_input():
    obj = _problem(alpha=1e-4, noise=0.0)
    for last in newton_cg(obj, np.zeros(3)):
        pass
    assert obj.accuracy(last.x) >= 0.98
    np.testing.assert_array_equal(obj.predict(last.x), (obj.scores(last.x) > 0).astype(int))
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        binary_logistic(obj.X, 2 * obj.c)
    with pytest.raises(ValueError, match="one entry per sample"):
        binary_logistic(obj.X, obj.c[:-1])
    with pytest.raises(ValueError, match="n_params = 3"):
        obj.loss(np.zeros(4))
    with pytest.raises(ValueError, match="hard labels"):
        binary_logistic(obj.X, np.full(obj.n_samples, 0.5)).softmax_objective()


def test_problem_checks_and_decision_map():
    """logistic_problem: the separable toy c = [3y1 + 2y2 + 1 > 0]; the page's checks pass and fail as they should."""
    from numdl_core.logistic import large_score_check, logistic_problem, softmax_agreement

    pr = logistic_problem("linear", n=100, noise=0.0)
    np.testing.assert_array_equal(pr.c, (3 * pr.X[:, 0] + 2 * pr.X[:, 1] + 1 > 0).astype(int))
    theta = np.array([3.0, 2.0, 1.0])
    assert pr.obj.accuracy(theta) == 1.0
    gx, gy, lab = pr.decision_map(theta, n=30)
    GX, GY = np.meshgrid(gx, gy)
    np.testing.assert_array_equal(lab, (3 * GX + 2 * GY + 1 > 0).astype(int))
    ok = softmax_agreement(pr.obj, theta)
    assert ok.passed and ok.rel_error < 1e-14
    big = large_score_check(pr.obj, theta)
    assert big.passed and big.loss == pytest.approx(big.reference_loss, rel=1e-14) and not np.isfinite(big.naive_loss)
    assert large_score_check(pr.obj, np.zeros(3)).passed  # zero scores: a random direction
    quad = logistic_problem("ellipses", features="quadratic", n=100)
    assert quad.obj.n_features == 5
    with pytest.raises(ValueError, match="two-class"):
        logistic_problem("blobs")
