"""Tests of numdl_core.softmax_checks against independent oracles.

Oracles: scipy.special.logsumexp for the loss at huge weights, the naive formula evaluated in plain numpy,
an objective that is NOT shift invariant (its biases regularized) for the invariance check, and scikit-learn's
minimizer compared by hand.
"""
from __future__ import annotations

import numpy as np
import pytest
import scipy.special as ssp

from numdl_core.classify import SoftmaxRegression, sklearn_reference
from numdl_core.classify_problems import classification_problem, reference_optimum
from numdl_core.softmax_checks import (
    identity_weights_check, overflow_check, permutation_invariance, replication_invariance, shift_invariance,
    sklearn_comparison,
)


@pytest.fixture(scope="module")
def blobs():
    return classification_problem("blobs", alpha=1e-2).obj


def test_loss_at_weights_of_size_1e4_equals_logsumexp(blobs):
    obj = blobs
    theta = obj.init(1.0, seed=2)
    r = overflow_check(obj, theta)
    W, b = obj.unpack(theta)
    W = W * (1e4 / np.abs(W).max())
    Z = obj.X @ W + b
    oracle = np.mean(ssp.logsumexp(Z, axis=1) - Z[np.arange(obj.n_samples), obj.y]) + 0.5e-2 * np.sum(W * W)
    assert r.passed and r.error is None and r.scale == 1e4 and r.rel_error <= 1e-12 and r.rtol == 1e-12
    assert r.loss == pytest.approx(oracle, rel=1e-12) and r.reference_loss == pytest.approx(oracle, rel=1e-14)
    assert "max |Wᵢⱼ| = 10000" in r.name and r.reference == "scipy.special.logsumexp"
    assert r.largest_logit == pytest.approx(np.abs(Z).max()) and r.largest_logit > 709
    with np.errstate(all="ignore"):  # without the max-shift exp overflows (inf), or underflows to log 0 (-inf)
        naive = np.mean(np.log(np.sum(np.exp(Z), axis=1)) - Z[np.arange(obj.n_samples), obj.y])
    assert not np.isfinite(r.naive_loss) and np.array_equal(r.naive_loss, naive, equal_nan=True)


def test_an_overflowing_loss_fails_the_check(blobs):
    class Naive(SoftmaxRegression):  # the loss without the max-shift
        def value_and_grad(self, theta):
            W, b = self.unpack(theta)
            Z = self.X @ W + b
            f = np.mean(np.log(np.sum(np.exp(Z), axis=1)) - Z[np.arange(self.n_samples), self.y])
            return f, np.zeros_like(theta)

    r = overflow_check(Naive(blobs.X, blobs.y, 3, 1e-2), blobs.init(1.0, seed=2))
    assert not r.passed and "overflow" in r.error and np.isnan(r.loss) and np.isfinite(r.reference_loss)


def test_zero_or_diverged_weights_get_random_signs(blobs):
    obj = blobs
    a = overflow_check(obj, np.zeros(obj.n_params), seed=3)
    b = overflow_check(obj, np.full(obj.n_params, np.nan), seed=3)
    assert (a.loss, a.largest_logit, a.passed) == (b.loss, b.largest_logit, True)
    W = np.sign(np.random.default_rng(3).standard_normal((obj.n_features, obj.n_classes))) * 1e4
    assert a.loss == pytest.approx(obj.loss(obj.pack(W, np.zeros(obj.n_classes))), rel=1e-12)
    with pytest.raises(ValueError, match="scale"):
        overflow_check(obj, np.zeros(obj.n_params), scale=0.0)


def test_shift_invariance_holds_and_the_check_can_fail(blobs):
    obj = blobs
    theta = obj.init(1.0, seed=1)
    r = shift_invariance(obj, theta)
    assert r.passed and r.loss_change < 1e-14 and r.grad_change < 1e-14 and r.shift == 5.0 and r.rel_error < 1e-14
    assert r.name == "f and ∇f after b → b + 5·1" and r.rtol == 1e-12
    W, b = obj.unpack(theta)
    Z = obj.X @ W + b
    np.testing.assert_allclose(ssp.softmax(Z + 5.0, axis=1), ssp.softmax(Z, axis=1), rtol=1e-13)

    class BiasPenalty(SoftmaxRegression):  # regularizing b breaks the invariance
        def value_and_grad(self, theta):
            f, g = super().value_and_grad(theta)
            g = g.copy()
            g[-self.n_classes:] += theta[-self.n_classes:]
            return f + 0.5 * float(theta[-self.n_classes:] @ theta[-self.n_classes:]), g

    bad = shift_invariance(BiasPenalty(obj.X, obj.y, 3, 1e-2), theta)
    assert not bad.passed and bad.loss_change > 1e-3 and bad.rel_error > 1e-3


def test_sklearn_comparison_at_our_optimum(blobs):
    obj = blobs
    theta = reference_optimum(obj).theta
    r = sklearn_comparison(obj, theta)
    th_sk = sklearn_reference(obj)
    W, W_sk = obj.unpack(theta)[0], obj.unpack(th_sk)[0]
    assert r.passed and r.rel_error < 1e-8 and r.loss == pytest.approx(obj.loss(th_sk), rel=1e-8)
    assert r.loss_sklearn == obj.loss(th_sk) and "C = 1/(αn)" in r.reference
    assert r.weight_rel_diff == pytest.approx(np.linalg.norm(W - W_sk) / np.linalg.norm(W_sk), rel=1e-6)
    assert r.weight_rel_diff < 1e-4 and r.same_predictions == 1.0
    assert r.c_value == pytest.approx(1 / (1e-2 * 300)) and r.seconds > 0
    two = classification_problem("linear", alpha=1e-2).obj
    assert sklearn_comparison(two, reference_optimum(two).theta).c_value == pytest.approx(2 / (1e-2 * 300))
    far = sklearn_comparison(obj, np.zeros(obj.n_params))
    assert not far.passed and far.rel_error > 0.1  # log 3 at theta = 0 is far from the optimum
    with pytest.raises(ValueError, match="finite vector"):
        sklearn_comparison(obj, np.full(obj.n_params, np.inf))


def _by_hand(X, y, theta, obj):
    """The loss with scipy's logsumexp, the oracle of the invariance tests."""
    W, b = obj.unpack(theta)
    Z = X @ W + b
    return np.mean(ssp.logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]) + 0.5 * obj.alpha * np.sum(W * W)


def test_permuting_or_replicating_the_examples_changes_nothing_and_the_checks_can_fail(blobs):
    obj, theta = blobs, blobs.init(1.0, seed=4)
    perm = np.random.default_rng(7).permutation(obj.n_samples)
    assert _by_hand(obj.X[perm], obj.y[perm], theta, obj) == pytest.approx(obj.loss(theta), rel=1e-14)
    assert _by_hand(np.tile(obj.X, (3, 1)), np.tile(obj.y, 3), theta, obj) == pytest.approx(obj.loss(theta), rel=1e-14)
    for r in (permutation_invariance(obj, theta, seed=7), replication_invariance(obj, theta, copies=3)):
        assert r.passed and r.rel_error < 1e-14 and r.rtol == 1e-12
    assert permutation_invariance(obj, np.full(obj.n_params, np.nan)).passed  # a diverged iterate: checked at 0

    class Summed(SoftmaxRegression):  # the sum instead of the mean: not invariant under replication
        def value_and_grad(self, theta):
            f, g = super().value_and_grad(theta)
            return self.n_samples * f, self.n_samples * g

    bad = replication_invariance(Summed(obj.X, obj.y, 3, obj.alpha), theta)
    assert not bad.passed and bad.rel_error == pytest.approx(1.0, rel=1e-12)  # 2 n f against n f

    class FirstHalf(SoftmaxRegression):  # depends on the order: only the first half of the examples counts
        def value_and_grad(self, theta):
            m = self.n_samples // 2
            return SoftmaxRegression(self.X[:m], self.y[:m], self.n_classes, self.alpha).value_and_grad(theta)

    assert not permutation_invariance(FirstHalf(obj.X, obj.y, 3, obj.alpha), theta).passed
    with pytest.raises(ValueError, match="copies"):
        replication_invariance(obj, theta, copies=0)


@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_identity_weights_on_one_hot_features_give_the_closed_form(n_classes):
    r = identity_weights_check(n_classes, scales=(0.5, 1.0, 30.0, 1e4))
    assert r.passed and r.rel_error < 1e-14
    y = np.random.default_rng(0).integers(0, n_classes, 50)  # the oracle by hand, a = 1: log(e + C - 1) - 1
    Z = np.eye(n_classes)[y]
    assert np.mean(ssp.logsumexp(Z, axis=1) - 1.0) == pytest.approx(np.log(np.e + n_classes - 1) - 1, rel=1e-14)
    if n_classes == 2:
        assert np.log1p(np.exp(-1.0)) == pytest.approx(0.313261687518, rel=1e-11)  # the course's W = [I 1]: b cancels
    with np.errstate(over="raise"):
        big = SoftmaxRegression(np.eye(n_classes)[y], y, n_classes)
        assert big.loss(big.pack(1e4 * np.eye(n_classes), np.zeros(n_classes))) == 0.0  # no overflow, loss 0
    with pytest.raises(ValueError, match="n_classes"):
        identity_weights_check(1)
    with pytest.raises(ValueError, match="scales"):
        identity_weights_check(2, scales=(np.inf,))
