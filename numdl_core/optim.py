"""Optimization methods as generators of :class:`Step` records.

Every method here is a generator: it yields iteration 0 (the initial guess) and then one
:class:`Step` per iteration, until the caller stops consuming it, the gradient is small
(``grad_norm <= tol * max(1, grad_norm_0)``), ``maxiter`` is reached, or the loss diverges
(a non-finite loss, or one that grew by more than ``blowup`` times the initial loss; that
iteration is yielded once with ``info["diverged"] = True`` and the generator stops).

An objective is any object with ``value_and_grad(theta) -> (float, ndarray)`` and
``n_params``; Newton-type methods also need ``hess_vec(theta, v)``.

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006
(Ch. 3: line search and the Armijo condition; Ch. 7: Newton-CG).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 3.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

import numpy as np

__all__ = [
    "Step",
    "Objective",
    "FunctionObjective",
    "gradient_descent",
    "newton_cg",
    "conjugate_gradient",
    "armijo",
    "is_diverged",
]

BLOWUP = 1e12


@dataclass(frozen=True)
class Step:
    """One iteration of an iterative method.

    Attributes
    ----------
    iteration : int
        Iteration number, 0 for the initial guess.
    x : ndarray
        The current flat parameter vector (a copy owned by this record).
    loss : float
        Objective value at ``x``.
    grad_norm : float
        Euclidean norm of the gradient at ``x``.
    info : dict
        Method-specific extras (step length, CG iterations, residual norm, ``diverged``...).
    """

    iteration: int
    x: np.ndarray
    loss: float
    grad_norm: float
    info: dict = field(default_factory=dict)


class Objective(Protocol):
    """What an optimizer needs: ``value_and_grad`` and ``n_params`` (``hess_vec`` for Newton)."""

    n_params: int

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]: ...


class FunctionObjective:
    """Wrap plain callables ``f(theta) -> (value, grad)`` and ``Hv(theta, v)`` as an objective."""

    def __init__(self, value_and_grad: Callable, n_params: int, hess_vec: Callable | None = None):
        self._vg = value_and_grad
        self._hv = hess_vec
        self.n_params = int(n_params)

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._vg(theta)

    def hess_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        if self._hv is None:
            raise TypeError("this objective has no Hessian-vector product (hess_vec)")
        return self._hv(theta, v)


def is_diverged(loss: float, loss0: float, blowup: float = BLOWUP) -> bool:
    """True if ``loss`` is not finite or exceeds ``blowup * max(1, |loss0|)``."""
    return (not np.isfinite(loss)) or abs(loss) > blowup * max(1.0, abs(loss0))


def _check_theta(obj: Any, theta0: np.ndarray) -> np.ndarray:
    theta = np.array(theta0, dtype=np.float64).ravel()
    n = getattr(obj, "n_params", theta.size)
    if theta.size != n:
        raise ValueError(f"theta0 has {theta.size} entries but the objective has n_params = {n}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 has non-finite entries (nan or inf)")
    return theta


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def armijo(
    obj: Any,
    theta: np.ndarray,
    f: float,
    g: np.ndarray,
    p: np.ndarray,
    *,
    t0: float = 1.0,
    c1: float = 1e-4,
    shrink: float = 0.5,
    max_backtracks: int = 40,
) -> tuple[float, float, np.ndarray, int]:
    r"""Backtracking line search with the Armijo condition.

    Finds the first ``t = t0 * shrink**j`` with

    .. math:: f(\theta + t p) \le f(\theta) + c_1 t \nabla f(\theta)^\top p .

    A step must also decrease ``f`` strictly, so that at round-off level (where the Armijo
    test degenerates to ``f_new <= f``) the search reports a stall instead of looping.
    Returns ``(t, f_new, g_new, backtracks)``; ``t = 0`` if no step satisfied the condition
    within ``max_backtracks`` (then ``f_new, g_new`` are the old values).
    Reference: Nocedal and Wright (2006), Algorithm 3.1.
    """
    slope = float(g @ p)
    t = t0
    for j in range(max_backtracks + 1):
        f_new, g_new = obj.value_and_grad(theta + t * p)
        if np.isfinite(f_new) and f_new <= f + c1 * t * slope and f_new < f:
            return t, float(f_new), np.asarray(g_new, dtype=np.float64), j
        t *= shrink
    return 0.0, f, g, max_backtracks


def gradient_descent(
    obj: Any,
    theta0: np.ndarray,
    *,
    step: float = 1.0,
    line_search: bool = False,
    tol: float = 1e-10,
    maxiter: int = 10**7,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Gradient descent :math:`\theta_{k+1} = \theta_k - t_k \nabla f(\theta_k)`.

    With ``line_search=False`` the step is fixed, ``t_k = step``; for an L-smooth objective it
    converges for ``step < 2/L`` and diverges on a quadratic for ``step > 2/L``. With
    ``line_search=True``, ``t_k`` is found by Armijo backtracking starting from ``step``
    (Nocedal and Wright 2006, Alg. 3.1).

    Yields
    ------
    Step
        ``info`` holds ``step`` (the step length used) and, with a line search, ``backtracks``.
    """
    step = _check_positive("step", step)
    theta = _check_theta(obj, theta0)
    f, g = obj.value_and_grad(theta)
    g = np.asarray(g, dtype=np.float64)
    f0, g0 = float(f), float(np.linalg.norm(g))
    yield Step(0, theta.copy(), float(f), g0, {"step": 0.0})
    for k in range(1, maxiter + 1):
        if float(np.linalg.norm(g)) <= tol * max(1.0, g0):
            return
        info: dict = {}
        if line_search:
            t, f, g_new, nb = armijo(obj, theta, f, g, -g, t0=step)
            info["backtracks"] = nb
            if t == 0.0:
                info.update(step=0.0, stalled=True)
                yield Step(k, theta.copy(), float(f), float(np.linalg.norm(g)), info)
                return
            theta = theta - t * g
            g = g_new
        else:
            t = step
            theta = theta - t * g
            f, g = obj.value_and_grad(theta)
            g = np.asarray(g, dtype=np.float64)
        info["step"] = t
        gn = float(np.linalg.norm(g))
        if is_diverged(float(f), f0, blowup) or not np.isfinite(gn):
            info["diverged"] = True
            yield Step(k, theta.copy(), float(f), gn, info)
            return
        yield Step(k, theta.copy(), float(f), gn, info)


def conjugate_gradient(
    matvec: Callable[[np.ndarray], np.ndarray],
    rhs: np.ndarray,
    *,
    tol: float = 1e-1,
    maxiter: int = 20,
) -> tuple[np.ndarray, int, bool]:
    r"""Conjugate gradients for :math:`H p = r` with ``H`` given by ``matvec`` (Hestenes-Stiefel 1952).

    Stops when :math:`\|H p - r\| \le` ``tol`` :math:`\|r\|` or after ``maxiter`` iterations.
    Returns ``(p, iterations, ok)``; ``ok`` is False if negative curvature
    (:math:`d^\top H d \le 0`) was met, in which case ``p`` is the last iterate (zero if it
    was met at once). Reference: Nocedal and Wright (2006), Algorithm 5.2 and 7.1.
    """
    p = np.zeros_like(rhs)
    r = rhs.copy()
    d = r.copy()
    rr = float(r @ r)
    r0 = np.sqrt(rr)
    for it in range(1, maxiter + 1):
        if np.sqrt(rr) <= tol * r0:
            return p, it - 1, True
        Hd = matvec(d)
        curv = float(d @ Hd)
        if not np.isfinite(curv) or curv <= 0:
            return p, it - 1, False
        a = rr / curv
        p = p + a * d
        r = r - a * Hd
        rr_new = float(r @ r)
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p, maxiter, True


def newton_cg(
    obj: Any,
    theta0: np.ndarray,
    *,
    cg_maxiter: int = 20,
    cg_tol: float = 1e-1,
    tol: float = 1e-10,
    maxiter: int = 10**6,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Inexact Newton method: solve :math:`\nabla^2 f(\theta_k) p = -\nabla f(\theta_k)` by CG,
    then :math:`\theta_{k+1} = \theta_k + t_k p` with an Armijo line search from ``t = 1``.

    The Hessian is used only through ``obj.hess_vec(theta, v)`` (matrix-free). CG stops at the
    relative residual ``cg_tol`` or after ``cg_maxiter`` iterations; if CG meets negative curvature
    before doing anything, or its direction is not a descent direction, the step falls back to
    the steepest-descent direction :math:`-\nabla f`. Near the minimum of a strongly convex
    objective the convergence is fast (superlinear; quadratic when ``cg_tol -> 0``).
    Reference: Nocedal and Wright (2006), Algorithm 7.1 (line-search Newton-CG).

    Yields
    ------
    Step
        ``info`` holds ``step``, ``cg_iterations``, ``fallback`` (True when the gradient
        direction was used) and ``hess_vecs`` (cumulative number of Hessian-vector products).
    """
    if int(cg_maxiter) < 1:
        raise ValueError(f"cg_maxiter must be at least 1, got {cg_maxiter}")
    cg_tol = _check_positive("cg_tol", cg_tol)
    theta = _check_theta(obj, theta0)
    f, g = obj.value_and_grad(theta)
    g = np.asarray(g, dtype=np.float64)
    f0, g0 = float(f), float(np.linalg.norm(g))
    n_hv = 0
    yield Step(0, theta.copy(), float(f), g0, {"step": 0.0, "cg_iterations": 0, "hess_vecs": 0})
    for k in range(1, maxiter + 1):
        if float(np.linalg.norm(g)) <= tol * max(1.0, g0):
            return
        th = theta
        p, its, ok = conjugate_gradient(lambda v: obj.hess_vec(th, v), -g, tol=cg_tol, maxiter=int(cg_maxiter))
        n_hv += its + (0 if ok else 1)
        fallback = False
        if not np.any(p) or float(g @ p) >= 0 or not np.all(np.isfinite(p)):
            p, fallback = -g, True
        t, f_new, g_new, nb = armijo(obj, theta, f, g, p, t0=1.0)
        info = {"cg_iterations": its, "fallback": fallback, "backtracks": nb, "hess_vecs": n_hv}
        if t == 0.0:
            info.update(step=0.0, stalled=True)
            yield Step(k, theta.copy(), float(f), float(np.linalg.norm(g)), info)
            return
        theta = theta + t * p
        f, g = f_new, g_new
        info["step"] = t
        gn = float(np.linalg.norm(g))
        if is_diverged(float(f), f0, blowup) or not np.isfinite(gn):
            info["diverged"] = True
            yield Step(k, theta.copy(), float(f), gn, info)
            return
        yield Step(k, theta.copy(), float(f), gn, info)
