"""numdl_core.theory.landscapes against independent oracles: the closed-form Gram matrix against a Monte Carlo
estimate, gradients and Hessians by Taylor tests, the network against a plain loop over neurons, the critical points
of ||uu^T - M||^2 against their closed form, Du et al.'s linear rate and m^(-1/2) movement, and escaping a saddle."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from numdl_core.checks import derivative_check
from numdl_core.theory import landscapes as ls


def test_closed_form_gram_matches_monte_carlo():
    """Oracle: the expectation E[1{w.x_i >= 0, w.x_j >= 0}] estimated with 200,000 Gaussian neurons."""
    X, _ = ls.unit_sphere_data(8, 5, seed=3)
    H = ls.relu_gram(X)
    W = np.random.default_rng(0).standard_normal((200_000, 5))
    Hm = ls.finite_gram(W, X)
    assert np.max(np.abs(Hm - H)) < 5 * 0.5 / np.sqrt(200_000)  # std of a mean of indicators <= 1/(2 sqrt m)
    lam, lam_m = np.linalg.eigvalsh(H)[0], np.linalg.eigvalsh(Hm)[0]
    assert lam_m == pytest.approx(lam, abs=0.01) and lam > 0  # measured 0.1197 vs 0.1188 (largest entry gap 2.3e-3)
    assert np.allclose(np.diag(H), 0.5) and np.allclose(H, H.T)


def test_gram_of_parallel_inputs_is_singular():
    X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert np.linalg.eigvalsh(ls.relu_gram(X))[0] == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ValueError):
        ls.relu_gram(np.zeros((2, 2)))


def test_network_against_a_loop_and_taylor_test():
    X, y = ls.unit_sphere_data(6, 3, seed=1)
    for scaling in ls.SCALINGS:
        net = ls.TwoLayerReLU(X, y, 7, scaling=scaling, seed=2)
        W = net.theta0.reshape(7, 3)
        c = 7 ** -0.5 if scaling == "ntk" else 1 / 7
        loop = [c * sum(net.a[r] * max(W[r] @ x, 0.0) for r in range(7)) for x in X]
        assert np.allclose(net.predict(net.theta0), loop, rtol=1e-14, atol=1e-15)
        res = derivative_check(net.value_and_grad, net.theta0, seed=4)
        assert res.passed and res.order == pytest.approx(2, abs=0.2)


def test_landscape_gradients_and_hessians_pass_taylor_tests():
    for name, x in itertools.product(ls.LANDSCAPES, ([0.3, -0.7], [1.1, 0.4])):
        f = ls.landscape(name, lam1=1.3, lam2=-0.4)
        res = derivative_check(f.value_and_grad, np.array(x), hess_vec=f.hess_vec, seed=1)
        assert res.passed and res.order == pytest.approx(2, abs=0.2)
        assert np.polyfit(np.log(res.h[2:]), np.log(res.err2[2:]), 1)[0] == pytest.approx(3, abs=0.3)
        assert np.allclose(f.value(np.array([x, x]))[0], f.value_and_grad(np.array(x))[0])


def test_wide_network_converges_at_du_s_linear_rate():
    """Du et al., Theorem 4.1: ||u(k) - y||^2 <= (1 - eta lambda_0 / 2)^k ||u(0) - y||^2 for every k."""
    X, y = ls.unit_sphere_data(20, 10, seed=0)
    net = ls.TwoLayerReLU(X, y, 2000, seed=1)
    lam0, step = np.linalg.eigvalsh(ls.relu_gram(X))[0], 1.0
    theta, losses = net.theta0.copy(), []
    for _ in range(150):
        f, g = net.value_and_grad(theta)
        losses.append(f)
        theta -= step * g
    rate = ls.du_rate(step, lam0)
    k = np.arange(len(losses))
    assert np.all(np.array(losses) <= losses[0] * rate ** k * (1 + 1e-12))
    measured = ls.average_rate(losses)
    assert measured < rate  # measured 0.78 against the bound 0.939 (lambda_0 = 0.122)
    assert ls.relative_movement(theta, net.theta0) < 0.1  # measured 0.046
    assert np.linalg.eigvalsh(net.gram(theta))[0] > lam0 / 2  # H(k) stays near H_inf


def test_equal_inputs_break_the_claim():
    """lambda_0 = 0 and the loss stalls at the best constant fit of the two labels, (y_1 - y_2)^2 / 4."""
    X, y = ls.unit_sphere_data(20, 10, seed=0, duplicate=True)
    assert np.linalg.eigvalsh(ls.relu_gram(X))[0] == pytest.approx(0, abs=1e-12)
    net = ls.TwoLayerReLU(X, y, 1000, seed=1)
    theta = net.theta0.copy()
    for _ in range(300):
        f, g = net.value_and_grad(theta)
        theta -= g
    assert f == pytest.approx((y[0] - y[1]) ** 2 / 4, rel=1e-6)  # measured 0.14637 after 100 steps already


def test_movement_slope_is_minus_one_half():
    s = ls.movement_study((32, 64, 128, 256, 512, 1024, 2048, 4096), iterations=100)
    assert abs(s.slope + 0.5) <= 0.15 and abs(s.slope_max + 0.5) <= 0.15  # measured -0.585 and -0.532
    assert np.all(s.final_loss < 1e-3 * s.initial_loss)
    mf = ls.movement_study((32, 128, 512, 2048), iterations=100, scaling="mean-field")
    assert abs(mf.slope) < 0.2  # mean field: O(1) movement, slope about -0.03
    assert ls.loglog_slope([1, 10, 100], [3.0, 0.3, 0.03]) == pytest.approx(-1.0)


def test_noisy_gd_escapes_the_saddle_and_gd_does_not():
    f = ls.landscape("factorization", lam1=1.0, lam2=0.5)
    s0 = f.saddle()
    assert len(list(ls.plain_gradient_descent(f, s0))) == 1  # the default tol stops at the zero gradient at once
    plain = list(ls.plain_gradient_descent(f, s0, step=0.05, tol=None, maxiter=2000))
    assert len(plain) == 2001 and np.all(plain[-1].x == s0)  # zero gradient: GD never moves
    manifold = list(ls.plain_gradient_descent(f, [0.0, 1.5], step=0.05, maxiter=500))[-1]
    assert np.linalg.norm(manifold.x - s0) < 1e-8  # from the stable manifold GD converges to the saddle
    assert ls.escape_time(f, s0, step=0.05, noise=0.0) is None
    assert ls.escape_time(f, [0.0, 1.5], step=0.05, noise=0.0, maxiter=2000) is None
    for seed in range(5):  # measured 45, 64, 41, 82, 38 steps
        assert ls.escape_time(f, s0, step=0.05, noise=0.1, seed=seed) <= 100
    last = list(ls.noisy_gradient_descent(f, s0, step=0.05, noise=0.1, seed=0, tol=None, maxiter=400))[-1]
    assert last.loss == pytest.approx(0.25, abs=1e-2)  # a global minimum: f = lam2^2


def test_noisy_gd_protocol():
    f = ls.landscape()
    gen = ls.noisy_gradient_descent(f, [1.0, 1.0], step=0.01, noise=0.0)
    s0 = next(gen)
    assert s0.iteration == 0 and s0.info["work"] == 0
    s1 = gen.send({"step": 0.02})
    g = f.value_and_grad(np.array([1.0, 1.0]))[1]
    assert np.allclose(s1.x, np.array([1.0, 1.0]) - 0.02 * g) and s1.info["step"] == 0.02
    with pytest.raises(ValueError):
        gen.send({"momentum": 0.9})
    steps = list(ls.noisy_gradient_descent(f, [1.5, 1.5], step=1.0, noise=0.0, maxiter=50))
    assert steps[-1].info.get("diverged") and len(steps) < 51
    with pytest.raises(ValueError):
        next(ls.noisy_gradient_descent(f, [1.0, 1.0], noise=-1.0))
    # tol: the stopping rule of numdl_core.iterate (off by default); maxiter: maxiter + 1 Steps
    for fn in (ls.noisy_gradient_descent, ls.plain_gradient_descent):
        kw = {"noise": 0.0} if fn is ls.noisy_gradient_descent else {}
        run = list(fn(f, [1.0, 1.0], step=0.05, tol=1e-6, maxiter=10_000, **kw))
        g0 = run[0].grad_norm
        assert run[-1].grad_norm <= 1e-6 * max(1, g0) < run[-2].grad_norm and len(run) < 10_001  # 120 Steps
        assert len(list(fn(f, [1.0, 1.0], maxiter=3, **kw))) == 4
        assert [s.info["work"] for s in fn(f, [1.0, 1.0], maxiter=3, **kw)] == [0.0, 2.0, 4.0, 6.0]


def test_critical_points_of_the_factorization_loss_are_the_closed_form():
    """Oracle: 0 and +-sqrt(lam_i) e_i, with Hessian 4(||u||^2 I + 2uu^T - M)."""
    for lam1, lam2 in [(1.0, 0.5), (2.0, 0.25), (1.0, -0.5)]:
        f = ls.landscape(lam1=lam1, lam2=lam2)
        cps = ls.critical_points(f)
        expected = [np.zeros(2)] + [s * np.sqrt(l) * e for l, e in ((lam1, np.eye(2)[0]), (lam2, np.eye(2)[1]))
                                    if l > 0 for s in (1, -1)]
        assert len(cps) == len(expected)
        for e in expected:
            assert min(np.linalg.norm(c.x - e) for c in cps) < 1e-10
        kinds = [c.kind for c in cps]
        assert kinds.count("global minimum") == 2 and "spurious minimum" not in kinds
        for c in cps:
            assert np.allclose(c.eigenvalues, np.linalg.eigvalsh(
                4 * ((c.x @ c.x) * np.eye(2) + 2 * np.outer(c.x, c.x) - np.diag([lam1, lam2]))))


def test_the_sine_neuron_has_spurious_minima():
    cps = ls.critical_points(ls.landscape("neuron"))
    spurious = [c for c in cps if c.kind == "spurious minimum"]
    glob = [c for c in cps if c.kind == "global minimum"]
    assert len(spurious) >= 2 and len(glob) >= 2
    assert all(c.value == pytest.approx(0, abs=1e-12) for c in glob)
    assert all(c.value > 6 and c.eigenvalues[0] > 1 for c in spurious)  # f = 6.85, eigenvalues (3.6, 4.6)
    start = spurious[0].x + 0.05
    last = list(ls.plain_gradient_descent(ls.landscape("neuron"), start, step=0.02, maxiter=500))[-1]
    assert np.linalg.norm(last.x - spurious[0].x) < 1e-6  # GD from nearby stays in the spurious minimum


def test_escape_iteration_and_bad_input():
    assert ls.escape_iteration([[0, 0], [0.2, 0], [0.6, 0]], [0, 0], 0.5) == 2
    assert ls.escape_iteration([[0, 0]], [0, 0]) is None
    with pytest.raises(ValueError):
        ls.landscape("tensor")
    with pytest.raises(ValueError):
        ls.TwoLayerReLU(np.eye(2), np.zeros(2), 0)
    with pytest.raises(ValueError):
        ls.critical_points(ls.landscape(), n=3)
    assert np.isnan(ls.average_rate([1.0])) and np.isnan(ls.loglog_slope([1.0], [1.0]))
