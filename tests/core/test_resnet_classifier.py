"""Tests of numdl_core.resnet_classifier (and the Swiss roll of numdl_core.data).

Oracles: the Taylor test (numdl_core.checks.derivative_check) of the loss gradient per integrator; a plain-loop
reimplementation of the network (sample by sample, layer by layer, Euler and RK4 written out here, not through
numdl_core.resnet) for the loss, with central finite differences for the gradient; closed forms of the
regularizers and of the linear stability function; the exact rule of the course's Swiss roll.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from numdl_core import resnet
from numdl_core.checks import derivative_check
from numdl_core.data import make_dataset, n_classes_of
from numdl_core.resnet_classifier import (ResNetClassifier, activations, architectures, feature_projection, schemes,
                                          training_problem)
from numdl_core.solvers import SOLVERS


def _model(scheme="euler", activation="tanh", alpha=0.0, smooth=0.0, n=30, width=3, depth=4, T=2.0, data="peaks",
           **kw):
    X, y = make_dataset(data, n, noise=0.0, seed=3)
    return ResNetClassifier(X, y, n_classes_of(data), width=width, depth=depth, T=T, scheme=scheme,
                            activation=activation, alpha=alpha, smooth=smooth, **kw)


def _theta(m, seed=0):
    """A random point with nonzero biases (a start has zero biases: too special for a check)."""
    return 0.5 * np.random.default_rng(seed).standard_normal(m.n_params)


@pytest.mark.parametrize("scheme", schemes())
@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_taylor_order_two_per_scheme(scheme, activation):
    m = _model(scheme, activation, alpha=1e-2, smooth=1e-2)
    r = derivative_check(m.value_and_grad, _theta(m), seed=1, n=12)
    assert r.passed and r.order > 1.8, (scheme, r.order)  # measured 1.99-2.00


@pytest.mark.parametrize("architecture", architectures()[1:])
@pytest.mark.parametrize("scheme", [s for s in ("euler", "rk4", "leapfrog") if s in schemes()])
def test_taylor_order_two_per_architecture(architecture, scheme):
    m = _model(scheme, alpha=1e-2, architecture=architecture, gamma=0.1)
    r = derivative_check(m.value_and_grad, _theta(m, 3), seed=2, n=12)
    assert r.passed and r.order > 1.8, (architecture, scheme, r.order)


def test_euler_and_rk4_are_available():
    assert {"euler", "rk4"} <= set(schemes()) or not callable(getattr(resnet, "backward", None))
    assert schemes()[0] == "euler" and set(schemes()) <= set(resnet.SCHEMES)
    assert set(activations()) == set(resnet.ACTIVATIONS)


# ------------------------------------------------------------------ plain-loop oracle
def _plain_loss(m: ResNetClassifier, theta: np.ndarray) -> float:
    K_in, b_in, K, b, W, c = m.split(theta)
    act = {"tanh": np.tanh, "identity": lambda a: a, "relu": lambda a: np.maximum(a, 0)}[m.activation]
    h, total = m.T / m.depth, 0.0
    for x, label in zip(m.X, m.y):  # one sample at a time
        yv = act(np.array([sum(x[i] * K_in[i, k] for i in range(x.size)) for k in range(m.width)]) + b_in)
        for j in range(m.depth):
            F = lambda z, j=j: act(z @ K[j] + b[j])  # noqa: E731
            if m.scheme == "euler":
                yv = yv + h * F(yv)
            else:  # classical RK4
                k1 = F(yv)
                k2 = F(yv + h / 2 * k1)
                k3 = F(yv + h / 2 * k2)
                k4 = F(yv + h * k3)
                yv = yv + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        o = yv @ W + c
        total += np.log(np.sum(np.exp(o - o.max()))) + o.max() - o[label]
    reg = 0.5 * m.alpha * (np.sum(K_in ** 2) + h * np.sum(K ** 2) + np.sum(W ** 2))
    reg += 0.5 * m.smooth / h * sum(np.sum((K[j + 1] - K[j]) ** 2) + np.sum((b[j + 1] - b[j]) ** 2)
                                    for j in range(m.depth - 1))
    return total / m.n_samples + reg


@pytest.mark.parametrize("scheme", [s for s in ("euler", "rk4") if s in schemes()])
def test_agrees_with_a_plain_loop_and_finite_differences(scheme):
    m = _model(scheme, alpha=1e-2, smooth=5e-2, n=12, width=3, depth=3)
    th = _theta(m, 2)
    f, g = m.value_and_grad(th)
    assert f == pytest.approx(_plain_loss(m, th), rel=1e-12)
    eps = 1e-6
    fd = np.array([(_plain_loss(m, th + eps * e) - _plain_loss(m, th - eps * e)) / (2 * eps)
                   for e in np.eye(m.n_params)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)  # measured max |g - fd| ~ 1e-10


def test_states_logits_and_batches():
    m = _model(width=4, depth=5)
    th = _theta(m)
    Y = m.states(th)
    assert Y.shape == (6, m.n_samples, 4)
    K_in, b_in, K, b, W, c = m.split(th)
    np.testing.assert_allclose(Y[0], np.tanh(m.X @ K_in + b_in), rtol=1e-14)
    np.testing.assert_allclose(Y, resnet.forward(Y[0], K, b, m.h), rtol=1e-14)
    np.testing.assert_allclose(m.logits(th), Y[-1] @ W + c, rtol=1e-14)
    assert m.states(th, m.X[:3]).shape == (6, 3, 4)
    f, g = m.value_and_grad(th)
    fb, gb = m.batch_value_and_grad(th, np.arange(m.n_samples))
    assert fb == pytest.approx(f, rel=1e-14) and np.allclose(gb, g, rtol=1e-13)
    assert m.join(*m.split(th)) == pytest.approx(th)


def test_regularizers_closed_forms():
    m0, m1 = _model(), _model(alpha=0.3, smooth=0.7)
    th = _theta(m0, 5)
    K_in, _, K, b, W, _ = m0.split(th)
    h = m0.h
    expected = 0.15 * (np.sum(K_in ** 2) + h * np.sum(K ** 2) + np.sum(W ** 2)) + 0.35 / h * (
        np.sum(np.diff(K, axis=0) ** 2) + np.sum(np.diff(b, axis=0) ** 2))
    assert m1.value_and_grad(th)[0] - m0.value_and_grad(th)[0] == pytest.approx(expected, rel=1e-12)
    # weights constant in time: no smoothness penalty
    const = m0.join(K_in, m0.split(th)[1], np.repeat(K[:1], m0.depth, 0), np.repeat(b[:1], m0.depth, 0), W,
                    m0.split(th)[5])
    ms = _model(smooth=0.7)
    assert ms.value_and_grad(const)[0] == pytest.approx(m0.value_and_grad(const)[0], rel=1e-14)


def test_deep_limit_at_fixed_final_time():
    """At fixed T the features converge as N grows (the ODE limit): RK4 with N = 8 and 16 layers (weights
    constant in time) agree to O(h^4), Euler's gap halves when N doubles (order 1)."""
    X, y = make_dataset("spirals", 20, noise=0.0)
    rng = np.random.default_rng(0)
    K1, b1 = rng.standard_normal((3, 3)), rng.standard_normal(3)
    Kin, W = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))

    def last(scheme, N):
        m = ResNetClassifier(X, y, 2, width=3, depth=N, T=1.0, scheme=scheme)
        th = m.join(Kin, np.zeros(3), np.repeat(K1[None], N, 0), np.repeat(b1[None], N, 0), W, np.zeros(2))
        return m.states(th)[-1]

    e = [np.abs(last("euler", n) - last("euler", 2 * n)).max() for n in (16, 32)]
    assert 1.8 < e[0] / e[1] < 2.2  # measured 1.97
    if "rk4" in schemes():
        r = [np.abs(last("rk4", n) - last("rk4", 2 * n)).max() for n in (8, 16)]
        assert r[0] / r[1] > 12  # about 2^4


def test_training_on_peaks_reaches_the_stated_accuracy():
    """Adam (lr 0.01, batches of 32) on 500 peaks points, width 8, 16 layers, T = 4, tanh: measured 95.6%
    training and 90.9% validation accuracy after 100 epochs (loss 1.73 -> 0.12), ~6 ms per epoch."""
    p = training_problem("peaks", 500, width=8, depth=16, T=4.0)
    *_, last = itertools.islice(SOLVERS["adam"](p.model, p.theta0, lr=0.01, batch_size=32), 101)
    assert p.model.accuracy(last.x) > 0.93
    assert p.model.accuracy(last.x, p.data.X_val, p.data.y_val) > 0.88
    assert last.loss < 0.2


def test_amplification_is_the_euler_stability_function():
    m = _model(width=3, depth=4, T=2.0)
    th = _theta(m)
    K = m.split(th)[2]
    expected = [np.max(np.abs(1 + m.h * np.linalg.eigvals(K[j]))) for j in range(4)]
    np.testing.assert_allclose(m.amplification(th), expected, rtol=1e-12)
    assert np.all(np.isnan(m.amplification(np.full(m.n_params, np.nan))))


def test_feature_projection():
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((40, 5))
    W = rng.standard_normal((5, 2))
    P = feature_projection(Y, W)
    np.testing.assert_allclose(P.T @ P, np.eye(2), atol=1e-12)
    u = (W[:, 1] - W[:, 0]) / np.linalg.norm(W[:, 1] - W[:, 0])
    assert abs(P[:, 0] @ u) == pytest.approx(1.0)  # 2 classes: the first axis separates them
    P3 = feature_projection(Y, rng.standard_normal((5, 4)))
    np.testing.assert_allclose(P3.T @ P3, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(feature_projection(Y).T @ feature_projection(Y), np.eye(2), atol=1e-12)
    Pw1 = feature_projection(np.ones((4, 1)))
    assert Pw1.shape == (1, 2) and Pw1[0, 0] == 1.0 and Pw1[0, 1] == 0.0
    with pytest.raises(ValueError):
        feature_projection(np.ones(3))


def test_bad_input():
    X, y = make_dataset("peaks", 20)
    for kw, match in (({"scheme": "heun4"}, "scheme"), ({"activation": "soft"}, "activation"), ({"T": 0.0}, "T"),
                      ({"T": np.nan}, "T"), ({"alpha": -1.0}, "alpha"), ({"smooth": -1.0}, "smooth"),
                      ({"width": 0}, "width"), ({"depth": 0}, "depth")):
        with pytest.raises(ValueError, match=match):
            ResNetClassifier(X, y, 5, **kw)
    m = ResNetClassifier(X, y, 5)
    with pytest.raises(ValueError, match="n_params"):
        m.value_and_grad(np.zeros(3))


def test_swissroll_is_the_courses():
    """Meganet's setupSwissRoll: class 0 at r = theta / (4 pi), class 1 at r = 0.2 + theta / (4 pi), theta in
    [0, 4 pi], the point r (cos theta, sin theta): so 4 pi (r - 0.2 y) - atan2 is a multiple of 2 pi."""
    X, y = make_dataset("swissroll", 400, noise=0.0, seed=4)
    assert n_classes_of("swissroll") == 2 and np.bincount(y).tolist() == [200, 200]
    r = np.hypot(X[:, 0], X[:, 1])
    theta = 4 * np.pi * (r - 0.2 * y)
    assert np.all((theta >= 0) & (theta <= 4 * np.pi + 1e-12))
    turns = (theta - np.arctan2(X[:, 1], X[:, 0])) / (2 * np.pi)
    np.testing.assert_allclose(turns, np.round(turns), atol=1e-9)
    Xn, _ = make_dataset("swissroll", 400, noise=0.01, seed=4)
    assert 0.005 < np.std(Xn - X) < 0.02


def test_init_theta_scales_and_zero_biases():
    m = _model(width=16, depth=40, n=30)
    K_in, b_in, K, b, W, c = m.split(m.init_theta(seed=3, scale=0.5))
    assert not b_in.any() and not b.any() and not c.any()
    assert np.std(K) == pytest.approx(0.5 / np.sqrt(16), rel=0.05)  # 40 x 16 x 16 entries: ~1% sampling error
    assert np.std(W) == pytest.approx(np.sqrt(2 / (16 + 5)), rel=0.2)
    np.testing.assert_array_equal(m.init_theta(seed=3), m.init_theta(seed=np.random.default_rng(3)))


@pytest.mark.skipif("rk4" not in schemes(), reason="numdl_core.resnet has no RK4 adjoint")
def test_amplification_is_the_rk4_stability_function():
    m = _model("rk4", width=3, depth=4, T=2.0)
    th = _theta(m, 7)
    z = m.h * np.linalg.eigvals(m.split(th)[2]).astype(complex)  # (4, 3): eigenvalues per layer
    expected = np.abs(1 + z + z ** 2 / 2 + z ** 3 / 6 + z ** 4 / 24).max(axis=1)
    np.testing.assert_allclose(m.amplification(th), expected, rtol=1e-12)
