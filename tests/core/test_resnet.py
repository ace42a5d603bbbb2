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


# ---------------------------------------------------------------------------------------------------------------
# every integrator and architecture: a plain complex-valued loop (the oracle), orders, Taylor and adjoint tests
# ---------------------------------------------------------------------------------------------------------------
ALL = [(s, a) for s in resnet.SCHEMES for a in resnet.ARCHITECTURES]
GAMMA = 0.1


def _plain_forward(Y0, K, b, h, scheme, arch, gamma=GAMMA, act=np.tanh):
    """An independent loop (complex-safe: used for the complex-step tangent). Rows are examples."""
    d = Y0.shape[1]

    def f(j, Y):
        W = K[j] - K[j].T - gamma * np.eye(d) if arch == "antisymmetric" else K[j]
        S = act(Y @ W + b[j])
        return -S @ K[j].T if arch == "parabolic" else S

    Ys = [Y0]
    for j in range(len(K)):
        Y = Ys[-1]
        if scheme == "euler":
            Ys.append(Y + h * f(j, Y))
        elif scheme == "heun":
            k1 = f(j, Y)
            Ys.append(Y + h / 2 * (k1 + f(j, Y + h * k1)))
        elif scheme == "midpoint":
            Ys.append(Y + h * f(j, Y + h / 2 * f(j, Y)))
        elif scheme == "rk4":
            k1 = f(j, Y); k2 = f(j, Y + h / 2 * k1); k3 = f(j, Y + h / 2 * k2); k4 = f(j, Y + h * k3)  # noqa: E702
            Ys.append(Y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4))
        else:  # leapfrog, zero initial velocity
            Ys.append(Y + h * h / 2 * f(j, Y) if j == 0 else 2 * Y - Ys[-2] + h * h * f(j, Y))
    return np.array(Ys)


@pytest.mark.parametrize("scheme,arch", ALL)
def test_forward_matches_the_plain_loop(scheme, arch):
    Y0, K, b = _params(L=7, seed=11)
    Y = resnet.forward(Y0, K, b, 0.25, scheme=scheme, architecture=arch, gamma=GAMMA)
    np.testing.assert_allclose(Y, _plain_forward(Y0, K, b, 0.25, scheme, arch), rtol=1e-13, atol=1e-14)


def _unpack(x, n, d, L):
    s0, s1 = n * d, n * d + L * d * d
    return x[:s0].reshape(n, d), x[s0:s1].reshape(L, d, d), x[s1:].reshape(L, d)


@pytest.mark.parametrize("scheme,arch", ALL)
def test_backward_taylor_test_every_integrator(scheme, arch):
    n, d, L, h = 4, 3, 5, 0.3
    Y0, K, b = _params(L=L, n=n, d=d, scale=0.7, seed=1)
    C = np.random.default_rng(2).standard_normal((n, d))

    def fun(x):
        y0, k, bb = _unpack(x, n, d, L)
        Y = resnet.forward(y0, k, bb, h, scheme=scheme, architecture=arch, gamma=GAMMA)
        r = Y[-1] - C
        g = resnet.backward(Y, k, bb, h, r, scheme=scheme, architecture=arch, gamma=GAMMA)
        return 0.5 * float(np.sum(r ** 2)), np.concatenate([a.ravel() for a in g])

    check = derivative_check(fun, np.concatenate([Y0.ravel(), K.ravel(), b.ravel()]), seed=4, n=14)
    assert check.passed and 1.8 < check.order < 2.2, (check.order, check.err1)


@pytest.mark.parametrize("scheme,arch", ALL)
def test_backward_is_the_adjoint_of_the_complex_step_tangent(scheme, arch):
    """<w, J v> = <J^T w, v> with J v by the complex step through the plain loop (exact to round-off) and J^T w
    from resnet.backward; J = d Y_L / d(Y0, K, b)."""
    from numdl_core.checks import adjoint_check
    n, d, L, h = 3, 3, 6, 0.2
    Y0, K, b = _params(L=L, n=n, d=d, scale=0.6, seed=5)
    x0 = np.concatenate([Y0.ravel(), K.ravel(), b.ravel()])
    Y = resnet.forward(Y0, K, b, h, scheme=scheme, architecture=arch, gamma=GAMMA)

    def J(v):
        eps = 1e-30
        y0, k, bb = _unpack(x0 + 1j * eps * v, n, d, L)
        return _plain_forward(y0, k, bb, h, scheme, arch)[-1].imag / eps

    def JT(w):
        return np.concatenate([a.ravel() for a in resnet.backward(Y, K, b, h, w, scheme=scheme, architecture=arch,
                                                                 gamma=GAMMA)])

    res = adjoint_check(J, JT, x0.size, seed=3, rtol=1e-12)
    assert res.passed, res.rel_error


def test_orders_of_every_scheme_against_solve_ivp():
    """Constant layers: the autonomous ODE on [0, T] against DOP853 at rtol = atol = 1e-13. Euler order 1, Heun and
    midpoint 2, RK4 4; leapfrog 2 for d2Y/dt2 = f(Y), dY/dt(0) = 0 (parabolic: the Hamiltonian network).
    Measured (L = 8..64): Euler 1.01/1.005/1.002, Heun 1.999, midpoint 1.99-2.00, RK4 4.04/4.02/4.01, leapfrog 2.00."""
    n, d, T = 4, 3, 1.0
    Y0, K1, b1 = _params(L=1, n=n, d=d, scale=1.0, seed=3)
    Ls = np.array([8, 16, 32, 64])
    expected = {"euler": 1, "heun": 2, "midpoint": 2, "rk4": 4, "leapfrog": 2}
    for scheme, p in expected.items():
        arch = "parabolic" if scheme == "leapfrog" else "standard"
        if scheme == "leapfrog":
            rhs = lambda t, z: np.concatenate([z[n * d:], (np.tanh(z[:n * d].reshape(n, d) @ K1[0] + b1[0])  # noqa
                                                            @ -K1[0].T).ravel()])
            z0 = np.concatenate([Y0.ravel(), np.zeros(n * d)])
        else:
            rhs = lambda t, z: np.tanh(z.reshape(n, d) @ K1[0] + b1[0]).ravel()  # noqa: E731
            z0 = Y0.ravel()
        ref = solve_ivp(rhs, (0, T), z0, method="DOP853", rtol=1e-13, atol=1e-13).y[:n * d, -1].reshape(n, d)
        errs = np.array([np.linalg.norm(resnet.forward(Y0, np.repeat(K1, L, 0), np.repeat(b1, L, 0), T / L,
                                                       scheme=scheme, architecture=arch)[-1] - ref) for L in Ls])
        orders = np.log2(errs[:-1] / errs[1:])
        assert np.all(np.abs(orders - p) < 0.15 * p), (scheme, orders)


@pytest.mark.parametrize("activation", ["tanh", "identity"])
def test_leapfrog_reverse_reconstructs_the_input_to_round_off(activation):
    """1000 layers of the Hamiltonian (leapfrog, parabolic) network: Y0 back from (Y_{L-1}, Y_L) to 1e-12
    relative (measured 2.6e-13 tanh, 4.8e-14 identity, over all states); reverse_states holds two states and
    yields them newest first."""
    n, d, L, h = 50, 4, 1000, 0.05
    rng = np.random.default_rng(21)
    Y0 = rng.standard_normal((n, d))
    K = 0.5 * rng.standard_normal((L, d, d))
    b = 0.1 * rng.standard_normal((L, d))
    Y = resnet.forward(Y0, K, b, h, scheme="leapfrog", architecture="parabolic", activation=activation)
    assert np.all(np.isfinite(Y)) and np.abs(Y).max() < 100
    R = resnet.reverse(Y[-2], Y[-1], K, b, h, architecture="parabolic", activation=activation)
    rel = np.abs(R - Y).max() / np.abs(Y).max()
    assert rel < 1e-12, rel
    assert np.linalg.norm(R[0] - Y0) / np.linalg.norm(Y0) < 1e-12
    idx = [j for j, _ in resnet.reverse_states(Y[-2], Y[-1], K[:5], b[:5], h, architecture="parabolic",
                                               activation=activation)]
    assert idx == [5, 4, 3, 2, 1, 0]


def test_stability_functions_are_the_one_step_multipliers():
    """One layer, identity activation, Y0 = an eigenvector row: multiplied by R(h lam) (every RK scheme); leapfrog
    on d2y/dt2 = mu y: the recursion's growth is the largest root. Regions: Euler/Heun/RK4 at known points;
    leapfrog |R| = 1 on [-2i, 2i] and > 1 off it."""
    lam, h = -1.7, 0.6
    for s in ("euler", "heun", "midpoint", "rk4"):
        Y = resnet.forward(np.ones((1, 1)), np.full((1, 1, 1), lam), np.zeros((1, 1)), h, activation="identity",
                           scheme=s)
        assert Y[1, 0, 0] == pytest.approx(resnet.stability_function(h * lam, s).real, rel=1e-14)
    z = np.array([1j, -2.0, 2.5j, -2.0 + 0.5j])
    np.testing.assert_allclose(resnet.stability_function(z, "euler"), 1 + z)
    np.testing.assert_allclose(resnet.stability_function(z, "heun"), 1 + z + z * z / 2)
    assert abs(resnet.stability_function(2.7j, "rk4")) < 1 < abs(resnet.stability_function(2.9j, "rk4"))
    y = np.linspace(-2, 2, 41)
    np.testing.assert_allclose(np.abs(resnet.stability_function(1j * y, "leapfrog")), 1.0, atol=1e-7)
    off = np.array([2.05j, 0.01 + 1j, -0.01 + 0.5j, -0.5, 0.3])
    assert np.all(np.abs(resnet.stability_function(off, "leapfrog")) > 1)
    # leapfrog on the parabolic linear network: growth over many layers matches |R|^L
    mu = -3.0  # y'' = mu y: J = -K K^T with K = sqrt(3); z = h sqrt(mu)
    for hh, stable in ((1.0, True), (1.2, False)):  # 2 / sqrt(3) = 1.1547
        Y = resnet.forward(np.ones((1, 1)), np.full((200, 1, 1), np.sqrt(3.0)), np.zeros((200, 1)), hh,
                           activation="identity", scheme="leapfrog", architecture="parabolic")
        assert (np.abs(Y).max() < 5) == stable
    assert resnet.max_stable_step(np.array([[np.sqrt(3.0)]]), scheme="leapfrog", architecture="parabolic") == \
        pytest.approx(2 / np.sqrt(3))
    assert np.abs(resnet.amplification_factors(np.array([[np.sqrt(3.0)]]), 1.0, scheme="leapfrog",
                                               architecture="parabolic")).max() == pytest.approx(1.0)


def test_max_stable_step_per_scheme_against_a_scan():
    rng = np.random.default_rng(30)
    hs = np.linspace(1e-4, 6, 60001)
    for trial in range(4):
        K = rng.standard_normal((3, 3)) - 1.5 * np.eye(3)
        for s in ("euler", "heun", "midpoint", "rk4"):
            hmax = resnet.max_stable_step(K, scheme=s)
            amp = np.abs(resnet.stability_function(np.outer(hs, resnet.layer_eigenvalues(K, scheme=s)), s)).max(1)
            first_bad = hs[np.argmax(amp > 1 + 1e-9)] if np.any(amp > 1 + 1e-9) else np.inf
            assert hmax == pytest.approx(min(first_bad, np.inf), abs=2e-4) or (hmax == 0 and first_bad <= 2e-4), \
                (s, hmax, first_bad)
    A = np.array([[0.0, 1.0], [-1.0, 0.0]])  # eigenvalues +-i
    assert resnet.max_stable_step(A, scheme="heun") == 0.0
    assert resnet.max_stable_step(A, scheme="rk4") == pytest.approx(2 * np.sqrt(2))


def test_antisymmetric_euler_grows_for_every_h_and_heun_midpoint_fix_it():
    """K - K^T - gamma I. gamma = 0: eigenvalues +-i beta, |1 + h lam| = sqrt(1 + h^2 beta^2) > 1 for every h:
    the identity network grows by exactly that per layer; Heun/midpoint grow only by sqrt(1 + (h beta)^4 / 4).
    With a little damping gamma = 0.01 Euler needs h < 2 gamma / |lam|^2 = 0.0198, Heun/midpoint are stable up to
    h = 0.444: over T = 20 at h in {0.05, 0.1, 0.2, 0.4} Euler grows (measured 1.35, 2.22, 5.86, 34.4 in norm),
    Heun/midpoint shrink (0.82, 0.82, 0.83, 0.95; the exact flow: exp(-0.2) = 0.82)."""
    K = np.array([[0.0, 0.5], [-0.5, 0.0]])  # K - K^T = [[0, 1], [-1, 0]], beta = 1
    Y0 = np.array([[1.0, 0.0]])
    for h in (0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0):
        L = 50
        R = np.abs(resnet.amplification_factors(K, h, scheme="euler", architecture="antisymmetric"))
        assert np.all(R > 1) and R.max() == pytest.approx(np.sqrt(1 + h * h))
        Y = resnet.forward(Y0, np.repeat(K[None], L, 0), np.zeros((L, 2)), h, activation="identity",
                           architecture="antisymmetric")
        assert np.linalg.norm(Y[-1]) == pytest.approx((1 + h * h) ** (L / 2), rel=1e-12)
        for s in ("heun", "midpoint"):
            Y2 = resnet.forward(Y0, np.repeat(K[None], L, 0), np.zeros((L, 2)), h, activation="identity",
                                architecture="antisymmetric", scheme=s)
            assert np.linalg.norm(Y2[-1]) == pytest.approx((1 + h ** 4 / 4) ** (L / 2), rel=1e-12)
    gamma = 0.01
    assert resnet.max_stable_step(K, architecture="antisymmetric", gamma=gamma) == pytest.approx(
        2 * gamma / (gamma ** 2 + 1))
    hmax_heun = resnet.max_stable_step(K, scheme="heun", architecture="antisymmetric", gamma=gamma)
    assert hmax_heun == pytest.approx(resnet.max_stable_step(K, scheme="midpoint", architecture="antisymmetric",
                                                             gamma=gamma))
    assert hmax_heun == pytest.approx(0.44398, abs=1e-4)
    for h in (0.05, 0.1, 0.2, 0.4):
        L = int(round(20 / h))
        Ks, bs = np.repeat(K[None], L, 0), np.zeros((L, 2))
        e = np.linalg.norm(resnet.forward(Y0, Ks, bs, h, activation="identity", architecture="antisymmetric",
                                          gamma=gamma)[-1])
        assert e > 1.3, (h, e)
        for s in ("heun", "midpoint"):
            g = np.linalg.norm(resnet.forward(Y0, Ks, bs, h, activation="identity", architecture="antisymmetric",
                                              gamma=gamma, scheme=s)[-1])
            assert g < 0.95, (h, s, g)


def test_parabolic_architecture_is_a_gradient_flow():
    """f(Y) = -act(Y K + b) K^T is minus the gradient of Phi(Y) = sum log cosh(Y K + b) (tanh): Phi decreases
    along small Euler steps, and the linearization -K K^T is symmetric negative semidefinite."""
    rng = np.random.default_rng(40)
    Y0, K = rng.standard_normal((10, 3)), rng.standard_normal((1, 3, 3))
    b = rng.standard_normal((1, 3))
    J = resnet.layer_jacobian(K[0], architecture="parabolic")
    np.testing.assert_allclose(J, J.T)
    assert np.linalg.eigvalsh(J).max() <= 1e-12
    Y = resnet.forward(Y0, np.repeat(K, 40, 0), np.repeat(b, 40, 0), 0.02, architecture="parabolic")
    phi = [np.sum(np.log(np.cosh(y @ K[0] + b[0]))) for y in Y]
    assert np.all(np.diff(phi) < 0)
    assert resnet.max_stable_step(K[0], architecture="parabolic") == pytest.approx(
        2 / np.linalg.eigvalsh(K[0] @ K[0].T).max())


def test_backward_euler_is_backward_with_scheme_euler_and_options_are_checked():
    Y0, K, b = _params()
    Y = resnet.forward(Y0, K, b, 0.2)
    r = np.ones_like(Y0)
    for a, c in zip(resnet.backward_euler(Y, K, b, 0.2, r), resnet.backward(Y, K, b, 0.2, r)):
        np.testing.assert_array_equal(a, c)
    with pytest.raises(ValueError, match="architecture"):
        resnet.forward(Y0, K, b, 0.1, architecture="hyperbolic")
    with pytest.raises(ValueError, match="gamma"):
        resnet.backward(Y, K, b, 0.1, r, architecture="antisymmetric", gamma=np.nan)
    with pytest.raises(ValueError, match="scheme"):
        resnet.backward(Y, K, b, 0.1, r, scheme="rk45")
    with pytest.raises(ValueError):
        resnet.reverse(Y[-2], Y[-1][:2], K, b, 0.1)
    with pytest.raises(ValueError):
        resnet.stability_function(1.0, "bdf2")


@pytest.mark.parametrize("scheme,arch", ALL)
def test_linearized_equals_the_complex_step_tangent(scheme, arch):
    n, d, L, h = 3, 3, 5, 0.25
    Y0, K, b = _params(L=L, n=n, d=d, scale=0.6, seed=8)
    rng = np.random.default_rng(9)
    dY0, dK, db = rng.standard_normal(Y0.shape), rng.standard_normal(K.shape), rng.standard_normal(b.shape)
    Y = resnet.forward(Y0, K, b, h, scheme=scheme, architecture=arch, gamma=GAMMA)
    dY = resnet.linearized(Y, K, b, h, dY0, dK, db, scheme=scheme, architecture=arch, gamma=GAMMA)
    eps = 1e-30
    cs = _plain_forward(Y0 + 1j * eps * dY0, K + 1j * eps * dK, b + 1j * eps * db, h, scheme, arch).imag / eps
    np.testing.assert_allclose(dY, cs, rtol=1e-12, atol=1e-13)
