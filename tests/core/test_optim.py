"""Tests of the foundation optimizers in numdl_core.optim (Step, gradient_descent, armijo, conjugate_gradient,
newton_cg, is_diverged, FunctionObjective).

Oracles: closed-form rates on quadratics (|1 - t lambda_i|), numpy.linalg.solve, scipy.optimize
(rosen / rosen_der / rosen_hess_prod and minimize), and the Armijo inequality itself.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.optimize as so

from numdl_core.checks import derivative_check
from numdl_core.optim import (
    FunctionObjective,
    Step,
    armijo,
    conjugate_gradient,
    gradient_descent,
    is_diverged,
    newton_cg,
)

# ------------------------------------------------------------------ test objectives
LAM = np.array([1.0, 3.0, 10.0])
_Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
H = (_Q * LAM) @ _Q.T  # SPD with eigenvalues 1, 3, 10 (L = 10)
C = np.array([1.0, -2.0, 0.5])
X_STAR = np.linalg.solve(H, C)


def quadratic(scale=1.0):
    """f(x) = scale (x'Hx/2 - c'x), minimizer H^-1 c."""
    return FunctionObjective(
        lambda x: (scale * (0.5 * x @ H @ x - C @ x), scale * (H @ x - C)), 3, lambda x, v: scale * (H @ v)
    )


def rosenbrock():
    return FunctionObjective(lambda x: (so.rosen(x), so.rosen_der(x)), 2, lambda x, v: so.rosen_hess_prod(x, v))


class Logistic:
    """mean_i log(1 + exp(-y_i x_i'w)) + lam/2 ||w||^2 with labels +-1 (strongly convex, not quadratic)."""

    def __init__(self, n=200, d=6, lam=1e-2, seed=0):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((n, d))
        w = rng.standard_normal(d)
        self.y = np.where(self.X @ w + rng.standard_normal(n) > 0, 1.0, -1.0)
        self.lam, self.n_params = lam, d

    def value(self, w):
        return float(np.mean(np.logaddexp(0, -self.y * (self.X @ w))) + 0.5 * self.lam * w @ w)

    def value_and_grad(self, w):
        z = -self.y * (self.X @ w)
        s = 0.5 * (1 + np.tanh(z / 2))  # sigmoid(z) without overflow
        return self.value(w), self.X.T @ (-self.y * s) / self.y.size + self.lam * w

    def hess_vec(self, w, v):
        s = 0.5 * (1 + np.tanh(-self.y * (self.X @ w) / 2))
        return self.X.T @ (s * (1 - s) * (self.X @ v)) / self.y.size + self.lam * v


def test_test_objectives_have_correct_derivatives():
    lg = Logistic()
    w = np.random.default_rng(1).standard_normal(6)
    r = derivative_check(lg.value_and_grad, w, hess_vec=lg.hess_vec)
    assert r.passed and r.order2 == pytest.approx(3, abs=0.2)


# ------------------------------------------------------------------ gradient descent
@pytest.mark.parametrize("t", [0.15, 0.19, 2 / 11])
def test_gradient_descent_fixed_step_rate_on_quadratic(t):
    rate = np.max(np.abs(1 - t * LAM))  # 0.85 (lambda_min dominates), 0.9 (lambda_max), 9/11 (optimal step)
    steps = list(gradient_descent(quadratic(), np.zeros(3), step=t))
    e = np.array([np.linalg.norm(st.x - X_STAR) for st in steps])
    # the error is a product of (I - tH): every ratio is at most the rate (up to round-off in x), the
    # asymptotic one equals it
    assert np.all(e[1:] / e[:-1] <= rate * (1 + 1e-15 / e[1:]))
    k = len(e) - 30
    assert e[k + 1] / e[k] == pytest.approx(rate, rel=1e-4)
    assert steps[-1].grad_norm <= 1e-10 * max(1.0, steps[0].grad_norm)
    assert all(st.info["step"] == t for st in steps[1:])
    np.testing.assert_allclose(steps[-1].x, X_STAR, atol=1e-9)


def test_gradient_descent_diverges_above_2_over_L():
    t = 0.22  # 2/L = 0.2; growth factor |1 - t lambda_max| = 1.2 per iteration
    steps = list(itertools.islice(gradient_descent(quadratic(), np.zeros(3), step=t), 10000))
    last = steps[-1]
    assert last.info.get("diverged") is True
    assert not any(st.info.get("diverged") for st in steps[:-1])  # flagged once, then the generator stopped
    # loss ~ 1.44**k: the blow-up threshold 1e12 * max(1, |f0|) is crossed after about 76 iterations
    assert 50 < last.iteration < 150
    assert abs(last.loss) > 1e12
    e = np.array([np.linalg.norm(st.x - X_STAR) for st in steps])
    assert e[-1] / e[-2] == pytest.approx(1.2, rel=1e-6)
    # just below 2/L it converges
    steps = list(itertools.islice(gradient_descent(quadratic(), np.zeros(3), step=0.199), 10000))
    assert not any(st.info.get("diverged") for st in steps) and len(steps) < 10000


def test_non_finite_loss_is_flagged_once():
    def vg(x):
        f = np.inf if x[0] > 3 else 0.5 * x @ x - 4 * x[0]
        return f, x - np.array([4.0, 0.0])

    steps = list(gradient_descent(FunctionObjective(vg, 2), np.zeros(2), step=1.5))
    assert [st.info.get("diverged", False) for st in steps] == [False, True]
    assert steps[-1].loss == np.inf and steps[-1].iteration == 1


def test_armijo_decreases_monotonically_on_rosenbrock():
    steps = list(itertools.islice(gradient_descent(rosenbrock(), np.array([-1.2, 1.0]), step=1.0, line_search=True), 400))
    f = np.array([st.loss for st in steps])
    assert np.all(np.diff(f) < 0)
    for s0, s1 in zip(steps[:-1], steps[1:]):
        g0 = so.rosen_der(s0.x)  # scipy's gradient as the oracle
        t = s1.info["step"]
        np.testing.assert_allclose(s1.x, s0.x - t * g0, rtol=1e-12, atol=1e-15)
        assert s1.loss <= s0.loss - 1e-4 * t * g0 @ g0 + 1e-15  # the Armijo (sufficient decrease) condition
        assert t == 2.0 ** -s1.info["backtracks"]  # t0 = 1, halved per backtrack
        assert s1.loss == pytest.approx(so.rosen(s1.x), rel=1e-14)
        assert s1.grad_norm == pytest.approx(np.linalg.norm(so.rosen_der(s1.x)), rel=1e-12)
    assert f[-1] < 1e-2 * f[0]


def test_armijo_stalls_at_round_off_and_terminates():
    lam = np.array([1.0, 10.0])
    # f = x'Dx/2 + 1: near the minimum the decrease is below eps * f, so the line search must give up
    obj = FunctionObjective(lambda x: (0.5 * x @ (lam * x) + 1.0, lam * x), 2)
    steps = list(itertools.islice(gradient_descent(obj, np.ones(2), step=1.0, line_search=True, tol=0.0), 5000))
    assert len(steps) < 5000  # terminated by itself (measured: 72 steps)
    assert steps[-1].info.get("stalled") is True and steps[-1].info["step"] == 0.0
    assert np.all(np.diff([st.loss for st in steps[:-1]]) < 0)
    assert 0 < steps[-1].grad_norm < 1e-6  # the gradient is small but not zero: a round-off stall
    assert steps[-1].loss - 1.0 < 1e-13


def test_armijo_function():
    obj = FunctionObjective(lambda x: (0.5 * x @ x, x.copy()), 2)
    x = np.array([1.0, -2.0])
    f, g = obj.value_and_grad(x)
    t, f_new, g_new, nb = armijo(obj, x, f, g, -g, t0=1.0)
    assert (t, f_new, nb) == (1.0, 0.0, 0)
    t, f_new, g_new, nb = armijo(obj, x, f, g, -g, t0=4.0)  # 4: f up; 2: f equal (not a decrease); 1: accepted
    assert (t, nb) == (1.0, 2)
    t, f_new, g_new, nb = armijo(obj, x, f, g, g, t0=1.0, max_backtracks=10)  # an ascent direction
    assert t == 0.0 and f_new == f and nb == 10
    np.testing.assert_array_equal(g_new, g)


# ------------------------------------------------------------------ the generator contract
def test_tol_stopping_rule():
    for scale in (100.0, 0.01):  # g0 > 1: relative rule; g0 < 1: absolute rule (max(1, g0) = 1)
        tol = 1e-6
        steps = list(gradient_descent(quadratic(scale), np.zeros(3), step=0.15 / scale, tol=tol))
        g0 = steps[0].grad_norm
        assert (g0 > 1) == (scale > 1)
        thr = tol * max(1.0, g0)
        assert steps[-1].grad_norm <= thr
        assert all(st.grad_norm > thr for st in steps[:-1])
        steps = list(newton_cg(quadratic(scale), np.zeros(3), tol=tol))
        assert steps[-1].grad_norm <= tol * max(1.0, steps[0].grad_norm)
        assert all(st.grad_norm > tol * max(1.0, steps[0].grad_norm) for st in steps[:-1])
    # starting at the minimizer: only iteration 0
    steps = list(gradient_descent(quadratic(), X_STAR, step=0.1))
    assert len(steps) == 1 and steps[0].grad_norm < 1e-14


def test_islice_pause_resume_and_maxiter():
    gen = gradient_descent(quadratic(), np.zeros(3), step=0.1)
    first = list(itertools.islice(gen, 3))
    more = list(itertools.islice(gen, 2))  # resume where we paused
    assert [st.iteration for st in first + more] == [0, 1, 2, 3, 4]
    ref = list(itertools.islice(gradient_descent(quadratic(), np.zeros(3), step=0.1), 5))
    for a, b in zip(first + more, ref):
        np.testing.assert_array_equal(a.x, b.x)
    assert len(list(gradient_descent(quadratic(), np.zeros(3), step=0.1, maxiter=7))) == 8
    assert len(list(newton_cg(rosenbrock(), np.array([-1.2, 1.0]), maxiter=3))) == 4


def test_steps_own_their_arrays():
    theta0 = np.array([0.5, -0.5, 2.0])
    for gen in (
        gradient_descent(quadratic(), theta0, step=0.1),
        gradient_descent(quadratic(), theta0, step=1.0, line_search=True),
        newton_cg(Logistic(d=3), theta0),
    ):
        steps = list(itertools.islice(gen, 4))
        saved = [st.x.copy() for st in steps]
        assert not np.shares_memory(steps[0].x, theta0)
        for st in steps:
            assert isinstance(st, Step) and st.x.dtype == np.float64 and st.x.shape == (3,)
            assert isinstance(st.loss, float) and isinstance(st.grad_norm, float)
        assert len({id(st.info) for st in steps}) == len(steps)
        steps[1].x[:] = 123.0  # mutating one record...
        for k in (0, 2, 3):  # ...changes no other
            np.testing.assert_array_equal(steps[k].x, saved[k])
        assert not np.array_equal(saved[2], saved[3])
    theta0[:] = 0.0  # the caller's array is not captured either
    np.testing.assert_array_equal(saved[0], [0.5, -0.5, 2.0])


def test_bad_input():
    obj = quadratic()
    for step in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="step"):
            next(gradient_descent(obj, np.zeros(3), step=step))
    with pytest.raises(ValueError, match="n_params = 3"):
        next(gradient_descent(obj, np.zeros(4), step=0.1))
    with pytest.raises(ValueError, match="non-finite"):
        next(newton_cg(obj, np.array([0.0, np.nan, 0.0])))
    with pytest.raises(ValueError, match="cg_maxiter"):
        next(newton_cg(obj, np.zeros(3), cg_maxiter=0))
    with pytest.raises(ValueError, match="cg_tol"):
        next(newton_cg(obj, np.zeros(3), cg_tol=-0.1))
    no_hess = FunctionObjective(obj.value_and_grad, 3)
    with pytest.raises(TypeError, match="hess_vec"):
        list(newton_cg(no_hess, np.zeros(3)))


def test_is_diverged():
    assert is_diverged(np.nan, 1.0) and is_diverged(np.inf, 1.0) and is_diverged(-np.inf, 1.0)
    assert is_diverged(2e12, 1.0) and not is_diverged(5e11, 1.0)
    assert not is_diverged(5e11, 0.5)  # the scale is max(1, |loss0|)
    assert is_diverged(2e14, 100.0) and not is_diverged(5e13, 100.0)
    assert is_diverged(11.0, 1.0, blowup=10.0)


# ------------------------------------------------------------------ CG and Newton-CG
def test_conjugate_gradient_vs_direct_solve():
    rng = np.random.default_rng(2)
    M = rng.standard_normal((8, 8))
    A = M @ M.T + 0.5 * np.eye(8)
    r = rng.standard_normal(8)
    p, its, ok = conjugate_gradient(lambda v: A @ v, r, tol=1e-12, maxiter=50)
    assert ok and its <= 12  # n = 8 in exact arithmetic
    np.testing.assert_allclose(p, np.linalg.solve(A, r), rtol=1e-9)
    p, its, ok = conjugate_gradient(lambda v: A @ v, r, tol=1e-12, maxiter=2)
    assert its == 2 and ok
    p, its, ok = conjugate_gradient(lambda v: np.array([1.0, -1.0]) * v, np.array([0.0, 1.0]))
    assert not ok and its == 0 and not np.any(p)  # negative curvature at once
    p, its, ok = conjugate_gradient(lambda v: A @ v, np.zeros(8))
    assert ok and its == 0 and not np.any(p)


def test_newton_cg_solves_a_quadratic_in_one_step():
    steps = list(newton_cg(quadratic(), np.zeros(3), cg_tol=1e-12))
    np.testing.assert_allclose(steps[1].x, X_STAR, rtol=1e-10)
    assert steps[1].info["step"] == 1.0 and steps[1].info["cg_iterations"] <= 3
    assert len(steps) == 2


def test_newton_cg_logistic_matches_scipy_and_is_superlinear():
    lg = Logistic()
    grad = lambda w: lg.value_and_grad(w)[1]  # noqa: E731
    steps = list(newton_cg(lg, np.zeros(6), cg_tol=1e-8, cg_maxiter=50))
    x = steps[-1].x
    assert np.linalg.norm(grad(x)) < 1e-12
    # scipy's minimizers as the oracle; strong convexity (mu = lam) bounds ||x - y|| <= (||g(x)|| + ||g(y)||) / mu
    for method, opts in (("BFGS", {"gtol": 1e-12}), ("Newton-CG", {"xtol": 1e-14, "maxiter": 200})):
        kw = {"hessp": lg.hess_vec} if method == "Newton-CG" else {}
        ref = so.minimize(lg.value, np.zeros(6), jac=grad, method=method, options=opts, **kw)
        bound = (np.linalg.norm(grad(x)) + np.linalg.norm(grad(ref.x))) / lg.lam
        assert np.linalg.norm(x - ref.x) <= 1.01 * bound and bound < 1e-5
        assert steps[-1].loss <= ref.fun + 1e-15
    # superlinear: the ratio of successive gradient norms goes to 0 (quadratic: g_{k+1} <~ C g_k^2)
    # measured ratios: 0.25, 0.26, 0.12, 0.018, 3.2e-4, 1.0e-7 (gradient norms 0.35 ... 1.5e-15)
    g = np.array([st.grad_norm for st in steps])
    ratios = g[1:] / g[:-1]
    assert len(steps) <= 10
    assert ratios[-1] < 1e-4 and ratios[-2] < 1e-2
    assert np.all(np.diff(ratios[-4:]) < 0)
    assert g[-1] <= 10 * g[-2] ** 2
    assert np.all(np.diff([st.loss for st in steps]) <= 0)
    assert all(st.info["hess_vecs"] >= st.info["cg_iterations"] for st in steps)


def test_newton_cg_default_tolerance_converges_fast():
    # the default inexact solve (cg_tol = 0.1) converges linearly with a small factor (measured 0.01..0.26),
    # then stops on the tolerance or, when 1e-10 is below what round-off in f allows, with a stall
    for seed in (0, 1, 2):
        lg = Logistic(seed=seed)
        steps = list(newton_cg(lg, np.zeros(6)))
        g = np.array([st.grad_norm for st in steps])
        assert len(steps) <= 15
        above = g[1:] > 1e-7
        assert np.all((g[1:] / g[:-1])[above] < 0.3)
        assert g[-1] <= 1e-10 * max(1.0, g[0]) or (steps[-1].info.get("stalled") and g[-1] < 1e-8)


def test_newton_cg_rosenbrock_matches_scipy_minimizer():
    steps = list(newton_cg(rosenbrock(), np.array([-1.2, 1.0])))
    assert not any(st.info.get("diverged") for st in steps)
    np.testing.assert_allclose(steps[-1].x, [1.0, 1.0], atol=1e-7)  # the known minimizer
    assert np.all(np.diff([st.loss for st in steps]) <= 0)
    assert len(steps) < 100  # measured: 62 steps (gradient descent with Armijo: f still 3e-3 after 300)
    ref = so.minimize(so.rosen, [-1.2, 1.0], jac=so.rosen_der, hessp=so.rosen_hess_prod, method="Newton-CG",
                      options={"xtol": 1e-12})
    np.testing.assert_allclose(steps[-1].x, ref.x, atol=1e-6)
