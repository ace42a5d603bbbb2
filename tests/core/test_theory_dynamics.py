"""numdl_core.theory.dynamics: MSA against backpropagation and gradient descent, parareal's exactness, LM-ResNet
as a two-step integrator and its stability boundary."""
from __future__ import annotations

import numpy as np
import pytest

from numdl_core import resnet
from numdl_core.checks import derivative_check
from numdl_core.theory import dynamics as dy

H = 0.25


@pytest.fixture(scope="module")
def problem():
    return dy.control_problem(n=6, d=2, L=5, seed=1)


def test_costate_is_the_negated_adjoint_of_resnet_backward(problem):
    Y0, C, K, b = problem
    K = K + 0.3
    b = b + 0.1
    Y = resnet.forward(Y0, K, b, H)
    P = dy.costate(Y, K, b, H, C)
    for j in range(K.shape[0] + 1):  # backward on the tail network from layer j gives Lambda_j
        dYL = dy.terminal_loss(Y[-1], C)[1]
        lam_j = resnet.backward(Y[j:], K[j:], b[j:], H, dYL)[0] if j < K.shape[0] else dYL
        np.testing.assert_allclose(P[j], -lam_j, rtol=1e-12, atol=1e-14)


def test_control_loss_gradient_passes_taylor_test(problem):
    Y0, C, K, b = problem
    theta = np.concatenate([K.ravel(), b.ravel()]) + 0.2
    res = derivative_check(lambda t: dy.control_loss(t, Y0, C, H, K.shape[0]), theta)
    assert res.passed


def test_hamiltonian_gradient_passes_taylor_test_and_matches_the_loss_gradient(problem):
    Y0, C, K, b = problem
    Y = resnet.forward(Y0, K, b, H)
    P = dy.costate(Y, K, b, H, C)
    j, d = 2, Y0.shape[1]

    def fun(x):
        H_, dK, db = dy.hamiltonian(Y[j], P[j + 1], x[:d * d].reshape(d, d), x[d * d:])
        return H_, np.concatenate([dK.ravel(), db])

    x = np.concatenate([K[j].ravel(), b[j]]) + 0.1
    assert derivative_check(fun, x).passed
    _, dK, db = dy.hamiltonian(Y[j], P[j + 1], K[j], b[j])
    _, gK, gb = resnet.backward(Y, K, b, H, dy.terminal_loss(Y[-1], C)[1])
    np.testing.assert_allclose(H * dK, -gK[j], rtol=1e-10, atol=1e-14)  # h grad H_j = -grad_theta_j loss
    np.testing.assert_allclose(H * db, -gb[j], rtol=1e-10, atol=1e-14)


def test_msa_decreases_the_loss_and_reaches_gradient_descent():
    Y0, C, K, b = dy.control_problem()
    m = list(dy.msa(Y0, C, K, b, H, rho=1.0, lr=2.0, inner=5, maxiter=100))
    g = list(dy.gradient_descent(Y0, C, K, b, H, step=3.0, maxiter=100))
    assert m[-1].loss < 1e-2 * m[0].loss and g[-1].loss < 1e-2 * g[0].loss
    assert m[-1].loss < 1e-3 and g[-1].loss < 1e-3  # both solve the control problem
    assert m[0].loss == g[0].loss


def test_msa_and_gd_are_tunable():
    Y0, C, K, b = dy.control_problem()
    gen = dy.msa(Y0, C, K, b, H)
    next(gen)
    assert gen.send({"rho": 0.5}).info["rho"] == 0.5
    with pytest.raises(ValueError):
        gen.send({"rho": -1.0})
    g = dy.gradient_descent(Y0, C, K, b, H, step=1.0)
    next(g)
    assert g.send({"step": 2.0}).info["step"] == 2.0


def _rhs(t, y):
    return np.tanh(y @ np.array([[0.0, -2.0], [2.0, -0.3]])) + np.sin(t)


def test_parareal_is_exact_after_N_iterations_and_its_first_k_slices_after_k():
    y0, T, N, fine = np.array([[1.0, 0.5], [-0.3, 0.2]]), 2.0, 6, 15
    U = dy.parareal(_rhs, y0, T, N, coarse=1, fine=fine)
    ref = dy.fine_solve(_rhs, y0, T, N, fine)
    assert U.shape[0] == N + 1
    np.testing.assert_allclose(U[N], ref, rtol=0, atol=1e-12)
    for k in range(N + 1):
        np.testing.assert_allclose(U[k, :k + 1], ref[:k + 1], rtol=0, atol=1e-12)
    err = [np.max(np.abs(U[k] - ref)) for k in range(N + 1)]
    assert err[0] > 1e-3


def test_fine_solve_is_a_plain_euler_loop():
    y, dt = np.array([1.0, 0.0]), 0.1
    for i in range(20):
        y = y + dt * _rhs(i * dt, y)
    np.testing.assert_allclose(dy.fine_solve(_rhs, np.array([1.0, 0.0]), 2.0, 4, 5)[-1], y, rtol=1e-13)


def test_lm_resnet_with_k_zero_is_the_resnet(problem):
    Y0, C, K, b = problem
    np.testing.assert_allclose(dy.lm_forward(Y0, K, b, H, 0.0), resnet.forward(Y0, K, b, H), rtol=1e-14)
    U = dy.lm_forward(Y0, K, b, H, 0.4)
    assert not np.allclose(U, resnet.forward(Y0, K, b, H))
    # a plain loop of the two-step recursion
    V = [Y0, Y0 + H * np.tanh(Y0 @ K[0] + b[0])]
    for j in range(1, K.shape[0]):
        V.append(0.6 * V[j] + 0.4 * V[j - 1] + H * np.tanh(V[j] @ K[j] + b[j]))
    np.testing.assert_allclose(U, np.stack(V), rtol=1e-13)


def test_boundary_locus_of_euler_is_the_unit_circle_at_minus_one():
    z = dy.lm_boundary_locus(0.0, 200)
    np.testing.assert_allclose(np.abs(z + 1.0), 1.0, rtol=1e-14)
    np.testing.assert_allclose(np.abs(resnet.stability_function(z, "euler")), 1.0, rtol=1e-13)
    np.testing.assert_allclose(dy.lm_roots(z, 0.0), 1.0, rtol=1e-13)


@pytest.mark.parametrize("k", [-0.5, 0.0, 0.3, 0.7])
def test_on_the_boundary_locus_a_root_has_modulus_one(k):
    z = dy.lm_boundary_locus(k, 50)
    for zi in z:
        roots = np.roots([1.0, -(1 - k + zi), -k])  # independent oracle
        assert np.min(np.abs(np.abs(roots) - 1.0)) < 1e-10
    assert dy.lm_roots(-0.5, k) <= 1.0 + 1e-12  # a stable point inside
    assert dy.lm_roots(1.0, k) > 1.0  # the right half plane is unstable


def test_bad_input_raises():
    with pytest.raises(ValueError):
        dy.parareal(_rhs, np.zeros(2), 1.0, 0)
    with pytest.raises(ValueError):
        dy.control_problem(d=1)
    with pytest.raises(ValueError):
        dy.lm_forward(np.zeros((1, 2)), np.zeros((2, 2, 2)), np.zeros((2, 2)), 0.1, np.nan)
