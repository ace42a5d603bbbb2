"""Tests of numdl_core.classify against independent oracles.

Oracles: the Taylor test (numdl_core.checks), central finite differences of the gradient, an
explicitly assembled Hessian (Kronecker formula, written here independently), scipy.special
(softmax, logsumexp, expit), sklearn.metrics.log_loss, scikit-learn's LogisticRegression (the same
objective with C = 1 / (alpha n)), scipy.stats.entropy, and closed-form code lengths.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.special as ssp
import scipy.stats as sst
from threadpoolctl import threadpool_limits

from numdl_core.checks import derivative_check
from numdl_core.classify import (
    FEATURES,
    LOSSES,
    SoftmaxRegression,
    coding_example,
    entropy_asymmetry,
    cross_entropy_bits,
    decision_map,
    entropy_bits,
    features,
    log_softmax,
    loss_landscape,
    prefix_code,
    softmax,
    softmax_regression,
)
from numdl_core.data import load_digits, make_dataset
from numdl_core.optim import gradient_descent, newton_cg


@pytest.fixture(scope="module")
def blobs():
    X, y = make_dataset("blobs", 120, seed=1)
    return X, y


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _theta(obj: SoftmaxRegression, scale: float = 0.5, seed: int = 3) -> np.ndarray:
    return obj.init(scale, seed)


# ------------------------------------------------------------------------------------------
# value, gradient and Hessian
# ------------------------------------------------------------------------------------------
def test_loss_matches_sklearn_log_loss_plus_penalty(blobs):
    from sklearn.metrics import log_loss

    X, y = blobs
    obj = softmax_regression(X, y, 3, alpha=0.3)
    th = _theta(obj)
    W, b = obj.unpack(th)
    P = ssp.softmax(X @ W + b, axis=1)
    expected = log_loss(y, P, labels=[0, 1, 2]) + 0.15 * np.sum(W**2)
    f, _ = obj.value_and_grad(th)
    assert f == pytest.approx(expected, rel=1e-12)
    assert obj.loss(th) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(obj.predict_proba(th, X), P, rtol=1e-12)
    # at theta = 0 every class has probability 1/C: loss = log C
    assert obj.loss(np.zeros(obj.n_params)) == pytest.approx(np.log(3), rel=1e-14)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_taylor_gradient_order2_and_hessian_order3(blobs, alpha):
    X, y = blobs
    obj = softmax_regression(X, y, 3, alpha=alpha)
    th = _theta(obj)
    res = derivative_check(obj.value_and_grad, th, hess_vec=obj.hess_vec, seed=5, n=12)
    assert res.passed
    assert 1.9 < res.order < 2.1
    assert 2.8 < res.order2 < 3.2
    # a deliberately broken gradient is caught: order 1
    bad = derivative_check(lambda t: (obj.value_and_grad(t)[0], 1.5 * obj.value_and_grad(t)[1]), th, seed=5, n=12)
    assert not bad.passed and 0.9 < bad.order < 1.1


def test_taylor_on_digits_subset(digits):
    X, y = digits
    obj = softmax_regression(X[:300], y[:300], 10, alpha=1e-2)
    res = derivative_check(obj.value_and_grad, _theta(obj, 0.2), hess_vec=obj.hess_vec, seed=2, n=12)
    assert res.passed and 1.9 < res.order < 2.1 and 2.8 < res.order2 < 3.2


def test_hess_vec_against_central_differences_of_gradient(blobs):
    X, y = blobs
    obj = softmax_regression(X, y, 3, alpha=0.05)
    th = _theta(obj)
    rng = np.random.default_rng(0)
    for _ in range(3):
        v = rng.standard_normal(obj.n_params)
        eps = 1e-5
        fd = (obj.value_and_grad(th + eps * v)[1] - obj.value_and_grad(th - eps * v)[1]) / (2 * eps)
        Hv = obj.hess_vec(th, v)
        assert np.linalg.norm(Hv - fd) <= 1e-8 * np.linalg.norm(Hv)


def _explicit_hessian(X, y, C, alpha, theta):
    """H = (1/n) sum_i kron(a_i a_i^T, diag(s_i) - s_i s_i^T) + alpha * diag(1 on W, 0 on b), a_i = [x_i, 1]."""
    n, F = X.shape
    W = theta[: F * C].reshape(F, C)
    b = theta[F * C:]
    S = ssp.softmax(X @ W + b, axis=1)
    A = np.hstack([X, np.ones((n, 1))])
    H = np.zeros(((F + 1) * C, (F + 1) * C))
    for i in range(n):
        H += np.kron(np.outer(A[i], A[i]), np.diag(S[i]) - np.outer(S[i], S[i]))
    H /= n
    H += alpha * np.diag(np.r_[np.ones(F * C), np.zeros(C)])
    return H


def test_hess_vec_against_explicit_hessian_tiny():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((7, 3))
    y = np.array([0, 1, 2, 3, 0, 1, 2])
    C, alpha = 4, 0.2
    obj = softmax_regression(X, y, C, alpha)
    th = rng.standard_normal(obj.n_params)
    H = _explicit_hessian(X, y, C, alpha, th)
    Hcols = np.column_stack([obj.hess_vec(th, e) for e in np.eye(obj.n_params)])
    np.testing.assert_allclose(Hcols, H, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Hcols, Hcols.T, atol=1e-14)
    # positive semidefinite with the bias shift (0, 1) in the null space
    evals = np.linalg.eigvalsh(H)
    assert evals.min() > -1e-12
    null = np.r_[np.zeros(X.shape[1] * C), np.ones(C)]
    assert np.linalg.norm(obj.hess_vec(th, null)) < 1e-14


def test_hess_vec_uses_fresh_probabilities_when_theta_changes(blobs):
    """The per-theta cache must not leak: alternate points, compare with a fresh objective."""
    X, y = blobs
    obj = softmax_regression(X, y, 3, alpha=0.1)
    th1, th2 = _theta(obj, 0.5, 1), _theta(obj, 0.5, 2)
    v = np.random.default_rng(9).standard_normal(obj.n_params)
    obj.value_and_grad(th1)
    a = obj.hess_vec(th2, v)
    b = softmax_regression(X, y, 3, alpha=0.1).hess_vec(th2, v)
    np.testing.assert_array_equal(a, b)
    th = th1.copy()
    obj.value_and_grad(th)
    th += 1.0  # mutating the caller's array must not corrupt the cache
    np.testing.assert_array_equal(obj.hess_vec(th, v), softmax_regression(X, y, 3, 0.1).hess_vec(th, v))


# ------------------------------------------------------------------------------------------
# invariances and stability
# ------------------------------------------------------------------------------------------
def test_softmax_invariant_to_adding_a_constant_to_all_logits(blobs):
    rng = np.random.default_rng(1)
    Z = rng.standard_normal((6, 5))
    for c in (-30.0, 0.7, 1e3):
        np.testing.assert_allclose(softmax(Z + c), softmax(Z), rtol=1e-13)
        np.testing.assert_allclose(log_softmax(Z + c), log_softmax(Z), atol=1e-12)
    np.testing.assert_allclose(softmax(Z), ssp.softmax(Z, axis=1), rtol=1e-14)
    np.testing.assert_allclose(log_softmax(Z), ssp.log_softmax(Z, axis=1), atol=1e-14)
    # on the objective: shifting every bias entry by c changes neither loss, gradient nor predictions
    X, y = blobs
    obj = softmax_regression(X, y, 3, alpha=0.1)
    th = _theta(obj)
    th_shift = th.copy()
    th_shift[-3:] += 5.0
    f1, g1 = obj.value_and_grad(th)
    f2, g2 = obj.value_and_grad(th_shift)
    assert f2 == pytest.approx(f1, rel=1e-13)
    np.testing.assert_allclose(g2, g1, atol=1e-13)
    np.testing.assert_array_equal(obj.predict(th, X), obj.predict(th_shift, X))
    # the gradient has no component along the shift direction
    assert abs(g1[-3:].sum()) < 1e-14


def test_no_overflow_for_weights_of_size_1e4(blobs):
    X, y = blobs
    obj = softmax_regression(X, y, 3, alpha=0.0)
    rng = np.random.default_rng(0)
    th = 1e4 * np.sign(rng.standard_normal(obj.n_params))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow / invalid-value RuntimeWarning fails the test
        with np.errstate(all="raise", under="ignore"):
            f, g = obj.value_and_grad(th)
            Hv = obj.hess_vec(th, rng.standard_normal(obj.n_params))
            P = obj.predict_proba(th)
    W, b = obj.unpack(th)
    Z = X @ W + b
    expected = np.mean(ssp.logsumexp(Z, axis=1) - Z[np.arange(len(y)), y])
    assert np.isfinite(f) and f > 1e3  # huge but finite: these weights are badly wrong
    assert f == pytest.approx(expected, rel=1e-12)
    assert np.all(np.isfinite(g)) and np.all(np.isfinite(Hv)) and np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)


# ------------------------------------------------------------------------------------------
# optimization
# ------------------------------------------------------------------------------------------
def test_newton_cg_reaches_sklearn_optimum_on_digits(digits):
    from sklearn.linear_model import LogisticRegression

    X, y = digits
    n, alpha = X.shape[0], 1e-2
    obj = softmax_regression(X, y, 10, alpha)
    last = None
    for last in newton_cg(obj, np.zeros(obj.n_params), cg_maxiter=100, cg_tol=1e-4):
        pass
    assert last.iteration < 15 and not last.info.get("diverged", False)
    assert last.grad_norm <= 1e-10 * 2.0
    # the same objective: sklearn sums the losses and adds ||W||^2 / (2C), i.e. C = 1 / (alpha n)
    # one thread: sklearn's OpenMP loss oversubscribes a busy 2-core machine (100x slower)
    with threadpool_limits(1):
        clf = LogisticRegression(C=1.0 / (alpha * n), tol=1e-12, max_iter=10_000).fit(X, y)
    th_sk = obj.pack(clf.coef_.T, clf.intercept_)
    f_sk, f_ours = obj.loss(th_sk), last.loss
    assert abs(f_ours - f_sk) <= 1e-8 * f_sk
    assert f_ours <= f_sk * (1 + 1e-12)  # ours is (at least) as low
    np.testing.assert_array_equal(obj.predict(last.x, X), clf.predict(X))
    np.testing.assert_allclose(obj.predict_proba(last.x, X), clf.predict_proba(X), atol=1e-6)
    # W is unique; b only up to a common shift (the null direction of the Hessian)
    W, b = obj.unpack(last.x)
    np.testing.assert_allclose(W, clf.coef_.T, atol=1e-5)
    np.testing.assert_allclose(b - b.mean(), clf.intercept_ - clf.intercept_.mean(), atol=1e-5)
    assert obj.accuracy(last.x) == pytest.approx(clf.score(X, y))


def test_gradient_descent_linear_vs_newton_quadratic(blobs):
    X, y = make_dataset("blobs", 200, seed=0)
    obj = softmax_regression(X, y, 3, alpha=1e-2)
    L = obj.lipschitz_bound()
    # the bound really bounds the curvature: a power iteration on hess_vec stays below it
    v = np.random.default_rng(0).standard_normal(obj.n_params)
    for _ in range(50):
        v = obj.hess_vec(np.zeros(obj.n_params), v)
        lam = np.linalg.norm(v)
        v /= lam
    assert lam <= L
    g = np.array([s.grad_norm for s in gradient_descent(obj, np.zeros(obj.n_params), step=1.0 / L, maxiter=300)])
    ratios = g[101:] / g[100:-1]
    # linear convergence: a constant contraction factor close to (but below) 1
    assert np.all((ratios > 0.9) & (ratios < 0.999))
    assert ratios.max() / ratios.min() < 1.02
    steps = list(newton_cg(obj, np.zeros(obj.n_params), cg_tol=1e-10, cg_maxiter=obj.n_params))
    gn = np.array([s.grad_norm for s in steps])
    assert len(steps) <= 10 and gn[-1] <= 1e-10 * gn[0]
    r = gn[1:] / gn[:-1]
    # superlinear: ratios fall towards 0 ...
    assert r[-1] < 1e-3 and np.all(np.diff(r[-4:]) < 0)
    # ... and quadratically: g_{k+1} <= M g_k^2 over the last steps
    assert np.all(gn[-3:] <= 100.0 * gn[-4:-1] ** 2)
    # GD after 300 iterations is still far from where Newton is after a handful
    assert g[-1] > 1e4 * gn[-1]


# ------------------------------------------------------------------------------------------
# features, decision map, landscape
# ------------------------------------------------------------------------------------------
def test_quadratic_features_separate_the_ellipses():
    X, y = make_dataset("ellipses", 300, noise=0.0, seed=0)
    acc = {}
    for kind in FEATURES:
        F = features(X, kind)
        obj = softmax_regression(F, y, 2, alpha=1e-6)
        for last in newton_cg(obj, np.zeros(obj.n_params), cg_maxiter=50, maxiter=60):
            pass
        acc[kind] = obj.accuracy(last.x)
    assert acc["quadratic"] == 1.0
    assert acc["linear"] < 0.75
    Q = features(np.array([[2.0, 3.0]]), "quadratic")
    np.testing.assert_array_equal(Q, [[2.0, 3.0, 4.0, 6.0, 9.0]])
    with pytest.raises(ValueError, match="quadratic"):
        features(X, "cubic")


def test_decision_map_layout(blobs):
    X, y = blobs
    obj = softmax_regression(X, y, 3, alpha=0.1)
    th = _theta(obj)
    gx, gy, lab = decision_map(lambda P: obj.predict(th, P), X, n=30)
    assert gx.shape == (30,) and gy.shape == (30,) and lab.shape == (30, 30)
    assert gx[0] < X[:, 0].min() and gx[-1] > X[:, 0].max()
    j, i = 7, 19
    assert lab[j, i] == obj.predict(th, np.array([[gx[i], gy[j]]]))[0]


def test_loss_landscape_values_and_convexity(linear_landscapes):
    X, y, w1, w2, SQ, CE = linear_landscapes
    assert CE.shape == SQ.shape == (33, 41)
    # pointwise against scipy's expit
    for j, i in [(0, 0), (5, 30), (32, 40), (16, 20)]:
        s = ssp.expit(w1[i] * X[:, 0] + w2[j] * X[:, 1])
        assert CE[j, i] == pytest.approx(np.mean(-y * np.log(s) - (1 - y) * np.log1p(-s)), rel=1e-10)
        assert SQ[j, i] == pytest.approx(0.5 * np.mean((s - y) ** 2), rel=1e-12)
    assert CE[16, 20] == pytest.approx(np.log(2), rel=1e-14)  # w = 0: sigma = 1/2
    # convex: every second difference (rows, columns, diagonals) is >= 0; the squared loss has negative ones
    def second_diffs(F):
        return np.concatenate([(F[:, 2:] - 2 * F[:, 1:-1] + F[:, :-2]).ravel(),
                               (F[2:] - 2 * F[1:-1] + F[:-2]).ravel(),
                               (F[2:, 2:] - 2 * F[1:-1, 1:-1] + F[:-2, :-2]).ravel()])
    assert second_diffs(CE).min() > -1e-12
    assert second_diffs(SQ).min() < -1e-3
    # huge weights: no overflow, saturated values
    big = loss_landscape(X, y, np.array([1e4]), np.array([1e4]), "cross_entropy")
    assert np.isfinite(big).all()
    with pytest.raises(ValueError, match="cross_entropy"):
        loss_landscape(X, y, w1, w2, "hinge")
    assert set(LOSSES) == {"cross_entropy", "squared"}


# ------------------------------------------------------------------------------------------
# coding example
# ------------------------------------------------------------------------------------------
def test_coding_example_numbers():
    ex = coding_example()
    p = ex.p
    np.testing.assert_array_equal(p, [0.5, 0.25, 0.125, 0.125])
    assert ex.bits == {"optimal": 1.75, "uniform": 2.0, "mismatched": 2.25}
    for name, (q, words, bits) in ex.codes.items():
        lengths = np.array([len(w) for w in words])
        # the codeword lengths are -log2 q, and the average length is sum p_i len_i
        np.testing.assert_array_equal(lengths, -np.log2(q))
        assert bits == pytest.approx(float(p @ lengths), abs=0)
        # prefix-free
        assert not any(a != b and b.startswith(a) for a in words for b in words)
        # cross-entropy = entropy + KL (scipy.stats.entropy gives both)
        assert bits == pytest.approx(sst.entropy(p, base=2) + sst.entropy(p, q, base=2), rel=1e-14)
    assert entropy_bits(p) == pytest.approx(sst.entropy(p, base=2), rel=1e-15) == 1.75
    q_mis = ex.codes["mismatched"][0]
    assert cross_entropy_bits(p, q_mis) - entropy_bits(p) == pytest.approx(0.5)
    assert cross_entropy_bits([1.0, 0.0], [0.0, 1.0]) == np.inf
    with pytest.raises(ValueError, match="sum to 1"):
        cross_entropy_bits([0.5, 0.6], [0.5, 0.5])


def test_prefix_code_kraft_codewords_and_lengths():
    """Oracles: exact Kraft sums with fractions.Fraction, the prefix property by a plain double loop, and the
    course's 1.75 / 2 / 2.25 bits."""
    from fractions import Fraction
    from itertools import product

    p = coding_example().p
    for lengths in product(range(1, 5), repeat=4):
        c = prefix_code(p, lengths)
        kraft = sum(Fraction(1, 2 ** k) for k in lengths)
        assert c.kraft_sum == float(kraft) and c.exists == (kraft <= 1) and c.complete == (kraft == 1)
        assert c.average_length == pytest.approx(sum(pi * k for pi, k in zip(p, lengths)), abs=1e-15)
        if not c.exists:
            assert c.codewords is None
            continue
        assert c.average_length >= entropy_bits(p)  # Shannon: no prefix code beats the entropy
        assert [len(w) for w in c.codewords] == list(lengths)
        assert all(not b.startswith(a) for i, a in enumerate(c.codewords) for j, b in enumerate(c.codewords) if i != j)
        if c.complete:
            assert c.cross_entropy == pytest.approx(c.average_length, rel=1e-15)
    assert [prefix_code(p, k).average_length for k in ((1, 2, 3, 3), (2, 2, 2, 2), (2, 3, 1, 3))] == [1.75, 2.0, 2.25]
    assert prefix_code(p, (1, 1, 2, 2)).kraft_sum == 1.5
    np.testing.assert_array_equal(prefix_code(p, (2, 3, 1, 3)).q, coding_example().codes["mismatched"][0])
    with pytest.raises(ValueError, match="integers >= 1"):
        prefix_code(p, (0, 1, 2, 3))
    with pytest.raises(ValueError, match="integers >= 1"):
        prefix_code(p, (1, 2, 3))


# ------------------------------------------------------------------------------------------
# input validation
# ------------------------------------------------------------------------------------------
def test_input_validation(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="2-D"):
        softmax_regression(X[:, 0], y, 3)
    with pytest.raises(ValueError, match="one label per row"):
        softmax_regression(X, y[:-1], 3)
    with pytest.raises(ValueError, match=r"0\.\.2"):
        softmax_regression(X, y + 1, 3)
    with pytest.raises(ValueError, match=r"0\.\.2"):
        softmax_regression(X, y - 1, 3)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        softmax_regression(Xn, y, 3)
    with pytest.raises(ValueError, match="alpha"):
        softmax_regression(X, y, 3, alpha=-1.0)
    with pytest.raises(ValueError, match="at least 2"):
        softmax_regression(X, np.zeros_like(y), 1)
    with pytest.raises(TypeError, match="integer"):
        softmax_regression(X, y + 0.5, 3)
    with pytest.raises(TypeError, match="n_classes"):
        softmax_regression(X, y, 3.0)
    obj = softmax_regression(X, y.astype(float), 3)  # integer-valued floats are accepted
    assert obj.y.dtype == np.int64 and obj.n_params == 9
    with pytest.raises(ValueError, match="n_params = 9"):
        obj.value_and_grad(np.zeros(8))
    with pytest.raises(ValueError, match="features"):
        obj.predict_proba(np.zeros(9), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="shape"):
        obj.pack(np.zeros((3, 2)), np.zeros(3))


def test_entropy_asymmetry_is_the_course_example():
    """Bob (1/2, 1/4, 1/8, 1/8) and Alice (1/8, 1/2, 1/4, 1/8) over dogs, cats, fish, birds: H(A, B) = 2.25 but
    H(B, A) = 2.375 bits. Oracle: the word lengths -log2 q written out (Bob 1, 2, 3, 3; Alice 3, 1, 2, 3)."""
    ex = entropy_asymmetry()
    np.testing.assert_array_equal(ex.bob, [1 / 2, 1 / 4, 1 / 8, 1 / 8])
    np.testing.assert_array_equal(ex.alice, [1 / 8, 1 / 2, 1 / 4, 1 / 8])
    assert ex.alice_with_bobs_code == 1 / 8 * 1 + 1 / 2 * 2 + 1 / 4 * 3 + 1 / 8 * 3 == 2.25
    assert ex.bob_with_alices_code == 1 / 2 * 3 + 1 / 4 * 1 + 1 / 8 * 2 + 1 / 8 * 3 == 2.375
    assert ex.entropy_bob == ex.entropy_alice == 1.75 and ex.symbols == ("dogs", "cats", "fish", "birds")
    # the gaps are the two KL divergences, computed with scipy (natural log -> bits)
    from scipy.stats import entropy as kl
    assert ex.bob_with_alices_code - ex.entropy_bob == pytest.approx(kl(ex.bob, ex.alice) / np.log(2), rel=1e-12)
    assert ex.alice_with_bobs_code - ex.entropy_alice == pytest.approx(kl(ex.alice, ex.bob) / np.log(2), rel=1e-12)
