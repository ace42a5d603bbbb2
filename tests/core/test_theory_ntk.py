"""numdl_core.theory.ntk: relu_ntk against a Monte Carlo average of the empirical kernel at large width, symmetric
PSD; the empirical NTK equals J J^T with J checked by finite differences and the loss gradient by a Taylor test;
the kernel's distance to the limit falls like m^(-1/2); lazy training (weight change ~ m^(-1/2)); kernel regression
equals the linearized network's limit; the residual decays along eigenvectors as predicted."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from numdl_core.checks import derivative_check
from numdl_core.theory import ntk

PHI, X = ntk.circle_inputs(12, bias=True)
Y = np.sin(PHI) + 0.5 * np.cos(2 * PHI)


def test_relu_ntk_matches_a_monte_carlo_average_of_the_empirical_kernel():
    """Oracle: the mean of the empirical kernel over 20 networks of width 4000 (80,000 neurons): relative
    Frobenius error below 0.02 (standard error about 0.006)."""
    K = ntk.relu_ntk(X, X)
    mc = np.mean([ntk.empirical_ntk(ntk.init_network(3, 4000, seed=s), X) for s in range(20)], axis=0)
    assert np.linalg.norm(mc - K) / np.linalg.norm(K) < 0.02


def test_relu_ntk_closed_form_values_symmetric_psd():
    e = np.eye(2)
    K = ntk.relu_ntk(e, e)
    assert K[0, 0] == pytest.approx(1.0) and K[0, 1] == pytest.approx(1 / (2 * np.pi))  # t = pi/2: 0 + 1/(2 pi)
    assert ntk.relu_ntk(e[:1], -e[:1])[0, 0] == pytest.approx(0.0, abs=1e-15)  # t = pi
    K = ntk.relu_ntk(X, X)
    assert np.allclose(K, K.T) and np.linalg.eigvalsh(K).min() > 0
    assert np.all(ntk.relu_ntk(np.zeros((1, 3)), X) == 0)
    with pytest.raises(ValueError):
        ntk.relu_ntk(X, np.ones((2, 2)))


def test_jacobian_by_finite_differences_and_empirical_ntk_is_j_jt():
    theta = ntk.init_network(3, 7, seed=1)
    J = ntk.jacobian(theta, X)
    h = 1e-6
    fd = np.stack([(ntk.network(theta + h * e, X) - ntk.network(theta - h * e, X)) / (2 * h)
                   for e in np.eye(theta.size)], axis=1)
    assert np.allclose(J, fd, atol=1e-7)
    assert np.allclose(ntk.empirical_ntk(theta, X), J @ J.T, atol=1e-12)
    assert np.allclose(ntk.empirical_ntk(theta, X[:3], X), J[:3] @ J.T, atol=1e-12)


def test_loss_gradient_passes_the_taylor_test():
    theta = ntk.init_network(3, 20, seed=2)
    r = derivative_check(lambda t: ntk.network_loss(t, X, Y), theta, seed=3)
    assert r.passed and r.order > 1.8


def test_empirical_kernel_error_falls_like_one_over_sqrt_m():
    """Fitted log-log slope of the mean relative error over 6 seeds, m = 32 ... 2048: -0.5 +- 0.15."""
    K = ntk.relu_ntk(X, X)
    ms = np.array([32, 128, 512, 2048])
    err = [np.mean([np.linalg.norm(ntk.empirical_ntk(ntk.init_network(3, m, seed=s), X) - K) / np.linalg.norm(K)
                    for s in range(6)]) for m in ms]
    slope = np.polyfit(np.log(ms), np.log(err), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.15)


def test_lazy_training_weight_and_kernel_change_shrink_with_width():
    """200 GD steps (eta = 1/lambda_max): the relative weight change has log-log slope -0.5 +- 0.15 (measured about
    -0.5), the kernel change falls at least as fast (slope < -0.35)."""
    K = ntk.relu_ntk(X, X)
    eta = 1 / np.linalg.eigvalsh(K)[-1]
    ms = np.array([64, 256, 1024])
    dw, dk = [], []
    for m in ms:
        th0 = ntk.init_network(3, m, seed=0)
        *_, last = itertools.islice(ntk.ntk_gd(X, Y, m=m, step=eta, theta0=th0), 201)
        K0 = ntk.empirical_ntk(th0, X)
        dw.append(last.info["weight_change"])
        dk.append(np.linalg.norm(ntk.empirical_ntk(last.x, X) - K0) / np.linalg.norm(K0))
    assert np.polyfit(np.log(ms), np.log(dw), 1)[0] == pytest.approx(-0.5, abs=0.15)
    assert np.polyfit(np.log(ms), np.log(dk), 1)[0] < -0.35


def test_kernel_regression_is_the_linearized_networks_limit_and_the_wide_network_approaches_it():
    """The linearized model f0 + J0 (theta - theta0) trained by GD to convergence = kernel regression with the
    empirical kernel (to 1e-6); the trained network of width 2048 is within 0.1 (max) of relu_ntk regression."""
    m = 64
    th0 = ntk.init_network(3, m, seed=4)
    J0, f0 = ntk.jacobian(th0, X), ntk.network(th0, X)
    _, Xt = ntk.circle_inputs(50, bias=True)
    Jt, ft = ntk.jacobian(th0, Xt), ntk.network(th0, Xt)
    K0 = J0 @ J0.T
    eta = 1 / np.linalg.eigvalsh(K0)[-1]
    u = np.zeros(th0.size)
    for _ in range(20000):
        u -= eta * J0.T @ (f0 + J0 @ u - Y)
    lin = ft + Jt @ u
    kr = ntk.kernel_regression(K0, Jt @ J0.T, Y, f0_train=f0, f0_test=ft)
    assert np.max(np.abs(lin - kr)) < 1e-6
    K = ntk.relu_ntk(X, X)
    eta = 1 / np.linalg.eigvalsh(K)[-1]
    th0 = ntk.init_network(3, 2048, seed=5)
    *_, last = itertools.islice(ntk.ntk_gd(X, Y, m=2048, step=eta, theta0=th0), 3001)
    pred = ntk.kernel_regression(K, ntk.relu_ntk(Xt, X), Y, f0_train=ntk.network(th0, X),
                                 f0_test=ntk.network(th0, Xt))
    assert np.max(np.abs(ntk.network(last.x, Xt) - pred)) < 0.1


def test_residual_components_decay_as_predicted_by_the_eigenvalues():
    m = 2048
    th0 = ntk.init_network(3, m, seed=6)
    K0 = ntk.empirical_ntk(th0, X)
    eta = 1 / np.linalg.eigvalsh(K0)[-1]
    steps = list(itertools.islice(ntk.ntk_gd(X, Y, m=m, step=eta, theta0=th0), 101))
    lam, V, C = ntk.predicted_residual(K0, steps[0].info["residual"], eta, np.array([0, 50, 100]))
    for k, row in zip((0, 50, 100), C):
        measured = V.T @ steps[k].info["residual"]
        top = slice(0, 4)  # the large-eigenvalue components (the others barely move)
        assert np.allclose(measured[top], row[top], atol=0.02 * np.abs(C[0]).max())
    assert np.all(lam[:-1] >= lam[1:])


def test_gd_reports_divergence_with_a_huge_step():
    steps = list(itertools.islice(ntk.ntk_gd(X, Y, m=16, step=100.0), 200))
    assert steps[-1].info.get("diverged") and len(steps) < 200


def test_deep_kernel_depth_one_is_twice_relu_ntk_and_empirical_matches_finite_differences():
    assert np.allclose(ntk.deep_relu_ntk(X, X, 1), 2 * ntk.relu_ntk(X, X))
    for depth in (1, 3):
        theta = ntk.deep_init(3, 5, depth, seed=7)
        h = 1e-6
        J = np.stack([(ntk.deep_network(theta + h * e, X, depth) - ntk.deep_network(theta - h * e, X, depth)) / (2 * h)
                      for e in np.eye(theta.size)], axis=1)
        assert np.allclose(ntk.deep_empirical_ntk(theta, X, depth), J @ J.T, atol=1e-6)


def test_deep_empirical_kernel_approaches_the_analytic_one():
    """Depth 3: the mean of 4 networks of width 512 within 10% (relative Frobenius) of deep_relu_ntk; the error
    falls from width 32 to 512 (Monte Carlo, with O(depth/m) bias)."""
    K = ntk.deep_relu_ntk(X, X, 3)
    err = {m: np.linalg.norm(np.mean([ntk.deep_empirical_ntk(ntk.deep_init(3, m, 3, seed=s), X, 3) for s in range(4)],
                                     axis=0) - K) / np.linalg.norm(K) for m in (32, 512)}
    assert err[512] < 0.1 and err[512] < err[32]
