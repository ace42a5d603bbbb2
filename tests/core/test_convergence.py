"""Tests of numdl_core.convergence: preconditioners, the energy norm, the worst-case start and the rates of the
3x2 exercise. Oracles: closed forms (Cholesky factor of AᵀA, eᵀAᵀAe), numpy's eigvalsh and cond, and a plain
steepest-descent loop with the exact line search written here."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.linalg as sla

from numdl_core import convergence as C
from numdl_core import lstsq
from numdl_core.testproblems import exercise_3x2


def _sd_loop(H, g_of, x0, iterations):
    """Steepest descent with the exact line search t = gᵀg / (gᵀHg) on ½xᵀHx − ..., a plain loop."""
    xs = [np.array(x0, dtype=float)]
    for _ in range(iterations):
        g = g_of(xs[-1])
        xs.append(xs[-1] - (g @ g) / (g @ H @ g) * g)
    return xs


def test_preconditioners():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((7, 3)) * np.array([1.0, 100.0, 1e-3])  # badly scaled columns
    np.testing.assert_array_equal(C.preconditioner(A, "none"), np.eye(3))
    J = C.preconditioner(A, "jacobi")
    np.testing.assert_allclose(np.linalg.norm(A @ np.linalg.inv(J), axis=0), 1.0, rtol=1e-14)
    R = C.preconditioner(A, "qr")
    assert np.allclose(R, np.triu(R))
    # oracle: R is the Cholesky factor of AᵀA up to the signs of its rows
    np.testing.assert_allclose(np.abs(R), np.abs(sla.cholesky(A.T @ A)), rtol=1e-10)
    Q = A @ np.linalg.inv(R)
    np.testing.assert_allclose(Q.T @ Q, np.eye(3), atol=1e-12)
    with pytest.raises(ValueError, match="none, jacobi, qr"):
        C.preconditioner(A, "ilu")
    with pytest.raises(ValueError, match="nonzero columns"):
        C.preconditioner(np.zeros((3, 2)), "jacobi")
    with pytest.raises(ValueError, match="rank deficient"):
        C.preconditioner(np.ones((3, 2)), "qr")


def test_energy_norm_is_sqrt_e_H_e():
    rng = np.random.default_rng(1)
    A, e = rng.standard_normal((6, 4)), rng.standard_normal(4)
    assert C.energy_norm(A, e) == pytest.approx(np.sqrt(e @ (A.T @ A) @ e), rel=1e-14)
    E = rng.standard_normal((4, 3))
    np.testing.assert_allclose(C.energy_norm(A, E), [np.sqrt(c @ A.T @ A @ c) for c in E.T], rtol=1e-14)


@pytest.mark.parametrize("shape,seed", [((3, 2), 0), ((8, 4), 1), ((20, 6), 2)])
def test_worst_case_start_attains_the_kantorovich_bound(shape, seed):
    """From the worst-case start every exact line-search step contracts the energy error by (κ−1)/(κ+1)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal(shape) @ np.diag(np.linspace(1, 5, shape[1]))
    b = rng.standard_normal(shape[0])
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    H = A.T @ A
    lam = np.linalg.eigvalsh(H)
    bound = (lam[-1] / lam[0] - 1) / (lam[-1] / lam[0] + 1)
    x0 = C.worst_case_start(A, x_star, distance=2.0)
    assert np.linalg.norm(x0 - x_star) == pytest.approx(2.0, rel=1e-13)
    xs = _sd_loop(H, lambda x: H @ x - A.T @ b, x0, 8)
    e = [np.sqrt((x - x_star) @ H @ (x - x_star)) for x in xs]
    np.testing.assert_allclose(np.array(e[1:]) / np.array(e[:-1]), bound, rtol=1e-8)
    # any other start is faster (here: a random one)
    xr = x_star + rng.standard_normal(shape[1])
    er = [np.sqrt((x - x_star) @ H @ (x - x_star)) for x in _sd_loop(H, lambda x: H @ x - A.T @ b, xr, 8)]
    assert er[-1] / er[0] < bound**8
    with pytest.raises(ValueError, match="rank deficient"):
        C.worst_case_start(np.ones((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="distance"):
        C.worst_case_start(A, x_star, distance=0.0)
    with pytest.raises(ValueError, match="x_star"):
        C.worst_case_start(A, np.zeros(shape[1] + 1))


def test_observed_rate():
    assert C.observed_rate(2.0, 2.0 * 0.9**7, 7) == pytest.approx(0.9, rel=1e-14)
    with pytest.raises(ValueError, match="k >= 1"):
        C.observed_rate(1.0, 0.5, 0)
    with pytest.raises(ValueError, match="positive"):
        C.observed_rate(1.0, 0.0, 3)


@pytest.mark.parametrize("a,cond_ref,sd_ref", [(1.0, 13.0, 0.988), (1e-2, 250.0, 0.99997), (1e-5, 2.45e5, 1.0)])
def test_the_syllabus_numbers_of_the_3x2_exercise(a, cond_ref, sd_ref):
    A, b, x_true = exercise_3x2(a)
    P = C.preconditioned(A, b)
    assert float(f"{P.cond_A:.3g}") == cond_ref == float(f"{np.linalg.cond(A):.3g}")
    assert P.kappa == pytest.approx(np.linalg.cond(A) ** 2, rel=1e-6)
    assert P.kappa_original == pytest.approx(P.kappa, rel=1e-12)
    assert round(P.sd_rate, len(str(sd_ref)) - 2) == sd_ref  # to the syllabus' digits: 0.98821, 0.999968, 1 - 3.3e-11
    assert P.cg_rate == pytest.approx((np.sqrt(P.kappa) - 1) / (np.sqrt(P.kappa) + 1), rel=1e-14)
    # oracle: numpy's eigenvalues of AᵀA
    assert P.step_limit == pytest.approx(1 / np.linalg.eigvalsh(A.T @ A)[-1], rel=1e-12)
    np.testing.assert_allclose(P.x_star, np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-6 * P.cond_A)
    assert P.error(P.y0) == pytest.approx(1.0, rel=1e-14) and P.error(P.y_star) == 0.0
    if a == 1e-5:  # the lesson of ill-conditioning: x* is about 3.6e3 away from x_true
        assert np.linalg.norm(P.x_star - x_true) == pytest.approx(3.6e3, rel=0.02)


@pytest.mark.parametrize("a", [1.0, 1e-2])
def test_sd_from_the_worst_case_start_measures_the_bound_and_cg_ends_in_two_steps(a):
    A, b, _ = exercise_3x2(a)
    P = C.preconditioned(A, b)
    sd = list(itertools.islice(lstsq.steepest_descent(P.A, b, x0=P.y0), 201))
    assert C.observed_rate(1.0, P.error(sd[-1].x), 200) == pytest.approx(P.sd_rate, abs=1e-9)
    cg = list(lstsq.cgls(P.A, b, x0=P.y0))
    assert cg[-1].iteration == 2 and P.error(cg[-1].x) < 1e-10


@pytest.mark.parametrize("kind", C.PRECONDITIONERS)
def test_preconditioned_problem(kind):
    A, b, _ = exercise_3x2(1e-2)
    P = C.preconditioned(A, b, kind)
    np.testing.assert_allclose(P.A @ P.M, A, atol=1e-12)
    np.testing.assert_allclose(P.to_x(P.y_star), P.x_star, rtol=1e-9)
    Y = np.vstack([P.y0, P.y_star])
    np.testing.assert_allclose(P.to_x(Y), np.linalg.solve(P.M, Y.T).T, rtol=1e-12)
    if kind == "qr":  # A R⁻¹ = Q: perfectly conditioned, steepest descent converges in one step
        assert P.kappa == pytest.approx(1.0, abs=1e-6) and P.sd_rate == pytest.approx(0.0, abs=1e-6)
        sd = list(lstsq.steepest_descent(P.A, b, x0=P.y0))
        assert sd[-1].iteration <= 2 and P.error(sd[-1].x) < 1e-10
    if kind == "jacobi":  # column scaling does not cure nearly parallel columns
        assert P.kappa > 1e4
    with pytest.raises(ValueError, match="b must"):
        C.preconditioned(A, b[:2])


def test_level_sets_pass_through_the_start():
    A, b, _ = exercise_3x2(1.0)
    P = C.preconditioned(A, b, "jacobi")
    levels, (lo, hi) = P.level_sets(n=5, ratio=0.5, pad=1.0)
    x0 = P.to_x(P.y0)
    r = A @ x0 - b
    f_star = np.sum((A @ P.x_star - b) ** 2)
    assert levels[0] == pytest.approx(r @ r - f_star, rel=1e-10)  # oracle: f(x0) − f* from the residuals
    np.testing.assert_allclose(levels[1:] / levels[:-1], 0.5)
    np.testing.assert_allclose(lo, np.minimum(x0, P.x_star) - 1.0)
    np.testing.assert_allclose(hi, np.maximum(x0, P.x_star) + 1.0)


@pytest.mark.parametrize("a,gap", [(1.0, 0.0617), (1e-2, 3.66), (1e-5, 3.6e3)])
def test_least_squares_solution_far_from_x_true_when_ill_conditioned(a, gap):
    """‖x* − x_true‖ on the 3x2 exercise (noise 0.1, seed 0): x* from numpy's lstsq, bounded by ‖b − A x_true‖/σmin."""
    A, b, x_true = exercise_3x2(a, 0.1, 0)
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    P = C.preconditioned(A, b, "none")
    assert np.linalg.norm(P.x_star - x_star) <= 1e-9 * np.linalg.norm(x_star)
    dist = np.linalg.norm(x_star - x_true)
    assert dist == pytest.approx(gap, rel=0.1)  # 3.64e3 at a = 1e-5: the lesson of ill-conditioning
    assert dist <= np.linalg.norm(b - A @ x_true) / np.linalg.svd(A, compute_uv=False)[-1]


@pytest.mark.parametrize("a,gap", [(1.0, 0.0617), (1e-5, 3.64e3)])
@pytest.mark.parametrize("kind", C.PRECONDITIONERS)
def test_true_error_levels_off_at_the_distance_of_x_star_to_x_true(a, gap, kind):
    """Oracle: numpy's lstsq for x*; ‖x_k − x_true‖ of CG ends at ‖x* − x_true‖ (3639.4465 at a = 1e-5, 0.0617 at
    a = 1: the noise amplified by up to 1/σmin(A)), whatever the preconditioner; it starts elsewhere."""
    A, b, x_true = exercise_3x2(a, 0.1, 0)
    P = C.preconditioned(A, b, kind, x_true=x_true)
    oracle = np.linalg.norm(np.linalg.lstsq(A, b, rcond=None)[0] - x_true)
    assert P.gap == pytest.approx(oracle, rel=1e-9) and P.gap == pytest.approx(gap, rel=2e-3)
    steps = list(lstsq.cgls(P.A, b, x0=P.y0))
    assert P.true_error(steps[-1].x) == pytest.approx(oracle, rel=1e-8)
    assert P.true_error(P.y0) == pytest.approx(np.linalg.norm(np.linalg.solve(P.M, P.y0) - x_true), rel=1e-14)
    assert abs(P.true_error(P.y0) - oracle) > 1e-3  # the start is not on the floor
    with pytest.raises(ValueError, match="x_true"):
        C.preconditioned(A, b, kind).true_error(P.y0)
    with pytest.raises(ValueError, match="x_true must have 2 entries"):
        C.preconditioned(A, b, kind, x_true=np.zeros(3))
