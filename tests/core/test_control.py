"""numdl_core.control: the field's derivatives (Taylor and adjoint tests), RK4 of order 4 and its discrete adjoint,
the Dormand-Prince RK45 against scipy's solve_ivp(method="RK45") (the same accepted steps), the course's three
derivative checks of the spiral fit (DTO order 2, OTD order 2 at rtol 1e-7, order 1 at 1e-2), DTO against finite
differences, the OTD error shrinking with the tolerance, and DTO training far below OTD at a loose tolerance."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from numdl_core import control as oc
from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.solvers import SOLVERS

FIELD = oc.CubicTanhField(width=50)
THETA = FIELD.init(seed=0)
RNG = np.random.default_rng(3)
Y = RNG.standard_normal((3, 2))


@pytest.fixture(scope="module")
def fits():
    return {"dto": oc.SpiralFit("dto"), "otd-tight": oc.SpiralFit("otd", rtol=1e-7, atol=1e-9),
            "otd-loose": oc.SpiralFit("otd", rtol=1e-2, atol=1e-2)}


@pytest.fixture(scope="module")
def checks(fits):
    return {k: oc.taylor_check(f, THETA) for k, f in fits.items()}


def test_field_transposed_jacobian_passes_the_adjoint_and_taylor_tests():
    """Oracles: <w, J v> = <J^T w, v> (jvp against vjp) and the Taylor test of <W, f(Y, theta)>."""
    n = Y.size + FIELD.n_params

    def J(v):
        return FIELD.jvp(Y, THETA, v[:Y.size].reshape(Y.shape), v[Y.size:])

    def JT(w):
        dY, dth = FIELD.vjp(Y, THETA, w)
        return np.concatenate([dY.ravel(), dth])

    assert adjoint_check(J, JT, n, seed=1).rel_error < 1e-13
    W = RNG.standard_normal(Y.shape)

    def fun(x):
        Yx, th = x[:Y.size].reshape(Y.shape), x[Y.size:]
        dY, dth = FIELD.vjp(Yx, th, W)
        return float(np.sum(W * FIELD.f(Yx, th))), np.concatenate([dY.ravel(), dth])

    res = derivative_check(fun, np.concatenate([Y.ravel(), THETA]), n=14)
    assert res.passed and res.order == pytest.approx(2.0, abs=0.1)


def test_rk4_step_linearization_adjoint():
    """Oracle: the adjoint test of rk4_step_jvp against rk4_step_vjp (measured gap ~1e-15), and the jvp against a
    central difference of rk4_step."""
    h, n = 0.05, Y.size + FIELD.n_params

    def J(v):
        return oc.rk4_step_jvp(FIELD, Y, THETA, h, v[:Y.size].reshape(Y.shape), v[Y.size:])

    def JT(w):
        dY, dth = oc.rk4_step_vjp(FIELD, Y, THETA, h, w)
        return np.concatenate([dY.ravel(), dth])

    assert adjoint_check(J, JT, n, seed=2).rel_error < 1e-12
    v = RNG.standard_normal(n)
    eps = 1e-5
    dY, dth = v[:Y.size].reshape(Y.shape), v[Y.size:]
    fd = (oc.rk4_step(FIELD, Y + eps * dY, THETA + eps * dth, h) - oc.rk4_step(FIELD, Y - eps * dY, THETA - eps * dth,
                                                                               h)) / (2 * eps)
    assert np.allclose(J(v), fd, rtol=1e-8, atol=1e-10)


def test_rk4_is_fourth_order_against_solve_ivp():
    """Oracle: scipy's DOP853 at rtol = atol = 1e-13 on the field; halving h divides the error by about 16
    (measured 4.2, 4.1, 4.05); and oc.rk4 equals repeated rk4_step."""
    th = THETA * 3  # a field with some curvature (measured orders 4.19, 4.09, 4.05)

    def fun(t, y):
        return FIELD.f(y.reshape(1, 2), th).ravel()

    y0 = np.array([[2.0, 0.0]])
    ref = solve_ivp(fun, (0.0, 1.5), y0.ravel(), method="DOP853", rtol=1e-13, atol=1e-13).y[:, -1]
    errs = [np.linalg.norm(oc.rk4(FIELD, y0, th, 1.5, n)[-1, 0] - ref) for n in (20, 40, 80, 160)]
    assert np.log2(errs[0] / errs[1]) == pytest.approx(4, abs=0.3)
    assert np.log2(errs[2] / errs[3]) == pytest.approx(4, abs=0.1)
    states = oc.rk4(FIELD, y0, th, 1.0, 7)
    y = y0
    for k in range(7):
        y = oc.rk4_step(FIELD, y, th, 1.0 / 7)
        assert np.array_equal(states[k + 1], y)


@pytest.mark.parametrize("rtol,atol", [(1e-3, 1e-6), (1e-7, 1e-9), (1e-2, 1e-2)])
@pytest.mark.parametrize("direction", [1, -1])
def test_rk45_takes_the_accepted_steps_of_scipy(rtol, atol, direction):
    """Oracle: scipy.integrate.solve_ivp(method="RK45"): the same accepted times, the same solution
    there (bit for bit) and at t_eval (dense output, to round-off), forward and backward in time, on the field at
    larger weights."""
    P = FIELD.unpack(THETA * 8)  # larger weights: a field that needs many steps

    def fun(t, y):
        return oc._forward(P, y.reshape(1, 2))[0].ravel()

    y0 = np.array([2.0, 0.0])
    span = (0.0, 1.5) if direction > 0 else (1.5, 0.0)
    t_eval = np.linspace(*span, 11)
    mine = oc.rk45(fun, span, y0, rtol=rtol, atol=atol, t_eval=t_eval)
    ref = solve_ivp(fun, span, y0, method="RK45", rtol=rtol, atol=atol)
    ref_eval = solve_ivp(fun, span, y0, method="RK45", rtol=rtol, atol=atol, t_eval=t_eval)
    assert mine.success and mine.t.size == ref.t.size > 3
    assert np.array_equal(mine.t, ref.t) and np.array_equal(mine.y, ref.y.T)  # measured: bit for bit
    assert np.allclose(mine.y_eval, ref_eval.y.T, rtol=1e-10, atol=1e-12)
    assert mine.nfev == ref.nfev


def test_rk45_stops_on_blow_up_without_error():
    r = oc.rk45(lambda t, y: y**2, (0.0, 2.0), np.array([1.0]), max_steps=500)  # blows up at t = 1
    assert not r.success and r.t[-1] < 1.0 + 1e-6


def test_spiral_data_agrees_with_our_rk45():
    """Oracle: spiral_data uses scipy DOP853; our RK45 at rtol 1e-10 reproduces it to 1e-8."""
    d = oc.spiral_data()
    assert d.t[0] == pytest.approx(0.05) and d.t[-1] == pytest.approx(1.5) and d.C.shape == (30, 1, 2)
    r = oc.rk45(lambda t, y: oc.spiral_rhs(t, y), (0.0, 1.5), d.y0.ravel(), rtol=1e-10, atol=1e-12, t_eval=d.t)
    assert np.allclose(r.y_eval, d.C[:, 0], atol=1e-8)


def test_dto_gradient_matches_finite_differences(fits):
    """Oracle: the fourth-order central difference of the RK4 loss along random directions (eps = 1e-4: truncation
    and round-off both below 1e-11 relative); measured relative errors 1.4e-12 to 2.6e-12."""
    fit = fits["dto"]
    _, g = fit.value_and_grad(THETA)
    rng = np.random.default_rng(5)
    for _ in range(3):
        v = rng.standard_normal(fit.n_params)
        eps = 1e-4
        fd = (8 * (fit.value(THETA + eps * v) - fit.value(THETA - eps * v))
              - (fit.value(THETA + 2 * eps * v) - fit.value(THETA - 2 * eps * v))) / (12 * eps)
        assert abs(fd - g @ v) <= 1e-7 * abs(fd)


def test_the_course_three_derivative_checks(checks):
    """The course's pictures: DTO (RK4, 30 steps) and OTD at rtol 1e-7 fall as O(h^2) down to h = 2^-20; OTD at
    rtol = atol = 1e-2 stalls at order 1 (its gradient is not the gradient of its loss). Measured: orders 2.00, 2.00,
    0.96; E1 at h = 2^-20: 5.2e-10, 5.2e-10, 3.6e-8 (the course, with its scaling: 1.3e-7, 1.3e-7, 2.2e-5)."""
    dto, tight, loose = checks["dto"], checks["otd-tight"], checks["otd-loose"]
    assert dto.h[0] == 0.5 and dto.h[-1] == 2.0**-20
    assert dto.passed and dto.order == pytest.approx(2.0, abs=0.15)
    assert tight.passed and tight.order == pytest.approx(2.0, abs=0.15)
    assert not loose.passed and loose.order == pytest.approx(1.0, abs=0.25)
    assert loose.err1[-1] > 20 * dto.err1[-1]
    assert tight.err1[-1] == pytest.approx(dto.err1[-1], rel=0.05)


def test_otd_error_shrinks_as_the_tolerance_tightens():
    """Oracle: the OTD gradient at rtol 1e-11 (the continuous gradient). Measured errors fall from ~1e-3 at rtol 1e-1
    to ~1e-9 at 1e-9; the DTO (RK4, 30 steps) gradient differs from it by the discretization error (~4e-9)."""
    s = oc.tolerance_study(THETA)
    assert s.otd_error[0] > 1e3 * s.otd_error[-1]
    assert s.otd_error[-1] < 1e-7
    assert np.all(s.otd_error[2:] <= s.otd_error[:-2] * 1.5)  # every two decades of tolerance it falls
    assert np.all(np.diff(s.nfev) >= 0) and s.nfev[-1] > s.nfev[0]  # accuracy costs evaluations (237 -> 315)
    assert s.dto_error < 1e-6


def test_otd_at_tight_tolerance_equals_dto(fits):
    """Oracle: DTO with 300 RK4 steps (discretization error ~1e-12): the OTD gradient at rtol 1e-7 agrees to 1e-7."""
    g_fine = oc.SpiralFit("dto", n_steps=300).value_and_grad(THETA)[1]
    g_otd = fits["otd-tight"].value_and_grad(THETA)[1]
    assert np.linalg.norm(g_otd - g_fine) <= 1e-7 * np.linalg.norm(g_fine)


def test_training_dto_far_below_otd_at_loose_tolerance():
    """300 full-batch Adam steps (lr 0.03, the same start): DTO reaches a loss ~7x lower than OTD at rtol = atol =
    1e-2, both evaluated by an accurate solve (measured 0.42 against 2.85; the course: 0.446 against 145.3)."""
    accurate = oc.SpiralFit("otd", rtol=1e-10, atol=1e-12)
    final = {}
    for name, fit in (("dto", oc.SpiralFit("dto")), ("otd", oc.SpiralFit("otd", rtol=1e-2, atol=1e-2))):
        *_, last = itertools.islice(SOLVERS["adam"](fit, fit.field.init(0), lr=0.03, batch_size=None), 301)
        final[name] = accurate.value(last.x)
    assert final["dto"] < 1.0 and final["otd"] > 4 * final["dto"]


def test_bad_input_raises():
    with pytest.raises(ValueError, match="method"):
        oc.SpiralFit("euler")
    with pytest.raises(ValueError, match="multiple"):
        oc.SpiralFit("dto", n_steps=45)
    with pytest.raises(ValueError, match="entries"):
        FIELD.f(Y, np.zeros(3))
    with pytest.raises(ValueError, match="rtol"):
        oc.rk45(lambda t, y: y, (0, 1), np.ones(1), rtol=0.0)
    with pytest.raises(ValueError, match="positive and increasing"):
        oc.otd_value_and_grad(FIELD, oc.SPIRAL_Y0, THETA, np.array([0.5, 0.2]), np.zeros((2, 1, 2)))
