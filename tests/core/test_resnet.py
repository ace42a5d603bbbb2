"""numdl_core.resnet against independent oracles: a plain loop written here, scipy.integrate.solve_ivp (orders 1
and 4), the closed form (I + hK)^j, the Taylor test and central differences, and the Euler stability bound."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from numdl_core import resnet
from numdl_core.checks import derivative_check

RNG = np.random.default_rng(7)


def _params(L=6, n=5, d=3, scale=0.5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), scale * rng.standard_normal((L, d, d)), scale * rng.standard_normal((L, d))


@pytest.mark.parametrize("activation", ["tanh", "relu", "identity"])
def test_euler_forward_matches_a_plain_loop(activation):
    Y0, K, b = _params()
    h = 0.3
    act = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0), "identity": lambda a: a}[activation]
    Y = resnet.forward(Y0, K, b, h, activation=activation)
    assert Y.shape == (7, 5, 3)
    y = Y0.copy()
    np.testing.assert_array_equal(Y[0], Y0)
    for j in range(6):
        y = y + h * act(np.array([[sum(y[i, k] * K[j, k, m] for k in range(3)) + b[j, m] for m in range(3)]
                                  for i in range(5)]))
        np.testing.assert_allclose(Y[j + 1], y, rtol=1e-13, atol=1e-14)


def test_rk4_one_layer_matches_a_hand_written_step():
    Y0, K, b = _params(L=1)
    h = 0.4
    f = lambda y: np.tanh(y @ K[0] + b[0])  # noqa: E731
    k1 = f(Y0); k2 = f(Y0 + h / 2 * k1); k3 = f(Y0 + h / 2 * k2); k4 = f(Y0 + h * k3)  # noqa: E702
    np.testing.assert_allclose(resnet.forward(Y0, K, b, h, scheme="rk4")[1],
                               Y0 + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4), rtol=1e-14)


def test_orders_against_solve_ivp():
    """Constant layers = the autonomous ODE dY/dt = tanh(Y K + b) on [0, T]; Euler order 1, RK4 order 4."""
    n, d, T = 4, 3, 1.0
    Y0, K1, b1 = _params(L=1, n=n, d=d, scale=1.0, seed=3)
    ref = solve_ivp(lambda t, y: np.tanh(y.reshape(n, d) @ K1[0] + b1[0]).ravel(), (0, T), Y0.ravel(),
                    method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1].reshape(n, d)
    Ls = [8, 16, 32, 64]
    errs = {}
    for scheme in ("euler", "rk4"):
        errs[scheme] = np.array([np.linalg.norm(resnet.forward(Y0, np.repeat(K1, L, 0), np.repeat(b1, L, 0), T / L,
                                                               scheme=scheme)[-1] - ref) for L in Ls])
    p_euler = np.log2(errs["euler"][:-1] / errs["euler"][1:])
    p_rk4 = np.log2(errs["rk4"][:-1] / errs["rk4"][1:])
    assert np.all(np.abs(p_euler - 1) < 0.15), p_euler
    assert np.all(np.abs(p_rk4 - 4) < 0.3), p_rk4
    assert errs["rk4"][-1] < 1e-8


def test_identity_activation_is_the_matrix_power():
    d, L, h = 4, 30, 0.2
    Q, _ = np.linalg.qr(RNG.standard_normal((d, d)))
    K = Q @ np.diag([-0.5, -1.0, -2.0, -4.0]) @ Q.T  # symmetric negative definite
    Y0 = RNG.standard_normal((3, d))
    Y = resnet.forward(Y0, np.repeat(K[None], L, 0), np.zeros((L, d)), h, activation="identity")
    for j in (0, 1, 7, L):
        np.testing.assert_allclose(Y[j], Y0 @ np.linalg.matrix_power(np.eye(d) + h * K, j), rtol=1e-12, atol=1e-14)


def _loss_and_grad(activation, shapes, C, h):
    (n, d), L = shapes
    sizes = np.cumsum([n * d, L * d * d])

    def fun(x):
        Y0, K, b = x[:sizes[0]].reshape(n, d), x[sizes[0]:sizes[1]].reshape(L, d, d), x[sizes[1]:].reshape(L, d)
        Y = resnet.forward(Y0, K, b, h, activation=activation)
        r = Y[-1] - C
        dY0, dK, db = resnet.backward_euler(Y, K, b, h, r, activation=activation)
        return 0.5 * float(np.sum(r ** 2)), np.concatenate([dY0.ravel(), dK.ravel(), db.ravel()])
    return fun


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_backward_taylor_and_central_differences(activation):
    Y0, K, b = _params(L=5, n=4, d=3, scale=0.7, seed=1)
    C = np.random.default_rng(2).standard_normal((4, 3))
    fun = _loss_and_grad(activation, ((4, 3), 5), C, 0.3)
    x = np.concatenate([Y0.ravel(), K.ravel(), b.ravel()])
    check = derivative_check(fun, x, seed=4, n=12)
    assert check.passed and check.order > 1.8, (check.order, check.err1)
    g = fun(x)[1]
    eps = 1e-6
    for i in np.random.default_rng(5).choice(x.size, 12, replace=False):
        e = np.zeros_like(x); e[i] = eps  # noqa: E702
        fd = (fun(x + e)[0] - fun(x - e)[0]) / (2 * eps)
        assert abs(fd - g[i]) < 1e-7 * max(1.0, abs(g[i])), (i, fd, g[i])


def test_max_stable_step_and_amplification():
    K = np.diag([-1.0, -3.0])
    assert resnet.max_stable_step(K) == pytest.approx(2 / 3)
    np.testing.assert_allclose(sorted(resnet.amplification_factors(K, 0.5).real), [-0.5, 0.5])
    # the course's damped rotation: |1 + h lambda| = 1.0001 at h = 0.1, stable only for h < 0.002 / 0.040001
    Kc = np.array([[-0.001, -0.2], [0.2, -0.001]])
    assert np.abs(resnet.amplification_factors(Kc, 0.1)) == pytest.approx([1.0001, 1.0001], abs=1e-6)
    hmax = resnet.max_stable_step(Kc)
    assert hmax == pytest.approx(0.002 / 0.040001, rel=1e-10)
    assert np.all(np.abs(resnet.amplification_factors(Kc, hmax)) == pytest.approx(1.0, abs=1e-12))
    assert resnet.max_stable_step(np.array([[0.0, 1.0], [-1.0, 0.0]])) == 0.0   # antisymmetric
    assert resnet.max_stable_step(np.diag([-1.0, 0.5])) == 0.0                  # right half plane
    assert resnet.max_stable_step(np.zeros((2, 2))) == np.inf
    # RK4: one layer with the identity activation multiplies by R(hK) = sum_k (hK)^k / k!, k <= 4
    Q, _ = np.linalg.qr(np.random.default_rng(8).standard_normal((3, 3)))
    lam = np.array([-0.5, -1.5, -4.0])
    Ks = Q @ np.diag(lam) @ Q.T
    R4 = resnet.amplification_factors(Ks, 0.5, scheme="rk4")
    Y1 = resnet.forward(Q.T, Ks[None], np.zeros((1, 3)), 0.5, activation="identity", scheme="rk4")[1]
    # rows of Y0 = Q^T are the eigenvectors, so Y1 = Q^T R(hK) = diag(R(h lam)) Q^T
    np.testing.assert_allclose(Y1 @ Q, np.diag(np.diag(Y1 @ Q)), atol=1e-14)
    np.testing.assert_allclose(np.sort(R4.real), np.sort(np.diag(Y1 @ Q)), rtol=1e-12)
    z = 0.5 * lam
    np.testing.assert_allclose(np.sort(R4.real), np.sort(1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24), rtol=1e-12)
    assert np.abs(R4.imag).max() < 1e-12


@pytest.mark.parametrize("activation", ["identity", "tanh"])
def test_stability_bound_decides_growth(activation):
    """Just below h_max the states stay bounded, just above they grow (identity: exactly; tanh near 0 the same,
    the linearization at Y = 0 with b = 0 is Y K)."""
    d, L = 3, 800
    Q, _ = np.linalg.qr(np.random.default_rng(9).standard_normal((d, d)))
    K = Q @ np.diag([-1.0, -2.0, -3.0]) @ Q.T
    hmax = resnet.max_stable_step(K)
    assert hmax == pytest.approx(2 / 3)
    Y0 = 1e-3 * np.random.default_rng(10).standard_normal((5, d))
    Ks, bs = np.repeat(K[None], L, 0), np.zeros((L, d))
    below = resnet.forward(Y0, Ks, bs, 0.98 * hmax, activation=activation)
    above = resnet.forward(Y0, Ks, bs, 1.02 * hmax, activation=activation)
    n0 = np.linalg.norm(Y0)
    assert np.linalg.norm(below, axis=(1, 2)).max() <= n0 * (1 + 1e-12)
    assert np.linalg.norm(below[-1]) < 1e-3 * n0
    # identity: |1 + 1.02 h_max (-3)| = 1.04 per layer; tanh saturates, but the states leave the small regime
    assert np.linalg.norm(above[-1]) > (1e10 if activation == "identity" else 10) * n0


def test_bad_input_raises():
    Y0, K, b = _params()
    with pytest.raises(ValueError):
        resnet.forward(Y0, K, b, 0.1, scheme="crank-nicolson")
    with pytest.raises(ValueError):
        resnet.forward(Y0, K, b, 0.1, activation="sigmoid")
    with pytest.raises(ValueError):
        resnet.forward(Y0, K[:, :2], b, 0.1)
    with pytest.raises(ValueError):
        resnet.forward(Y0, K, b[:2], 0.1)
    with pytest.raises(ValueError):
        resnet.backward_euler(np.zeros((3, 5, 3)), K, b, 0.1, np.zeros((5, 3)))
    with pytest.raises(ValueError):
        resnet.max_stable_step(np.zeros((2, 3)))


def test_course_rotation_example():
    """EResNet_Forward.m: K = [[a, -0.2], [0.2, a]], a = -0.001, h = 0.1, 1000 tanh layers, Y0 = (1, 1). The course
    stores samples as columns (K Y), we as rows (Y K^T). |1 + h lam| = 1.0001 > 1: the norm grows to 1.102 (tanh),
    and to 1.0001^1000 exactly with the identity (K is normal, so the norm is multiplied by |1 + h lam| per layer)."""
    Kc = np.array([[-0.001, -0.2], [0.2, -0.001]])
    L = 1000
    Ks, bs, Y0 = np.repeat(Kc.T[None], L, 0), np.zeros((L, 2)), np.ones((1, 2))
    growth = np.linalg.norm(resnet.forward(Y0, Ks, bs, 0.1)[-1]) / np.linalg.norm(Y0)
    assert round(growth, 3) == 1.102
    lin = resnet.forward(Y0, Ks, bs, 0.1, activation="identity")[-1]
    assert np.linalg.norm(lin) / np.linalg.norm(Y0) == pytest.approx(abs(1 + 0.1 * complex(-0.001, 0.2)) ** L,
                                                                     rel=1e-12)
