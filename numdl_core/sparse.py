r"""The L1 penalty and proximal gradient (ISTA): sparse weights by soft-thresholding.

The problem is a smooth loss plus an L1 penalty on some of the parameters (the weights, not the biases),

.. math::
    \min_\theta\; F(\theta) = f(\theta) + \alpha \sum_{j \in P} |\theta_j|,

with :math:`\alpha` the course's :math:`\lambda`. The penalty is not differentiable at 0, which is exactly why its
minimizers have entries that are *exactly* zero. Proximal gradient (ISTA) takes a gradient step on :math:`f` and
then solves the penalty's part exactly, entry by entry:

.. math::
    \theta_{k+1} = \operatorname{prox}_{t\alpha\|\cdot\|_1}\big(\theta_k - t \nabla f(\theta_k)\big), \qquad
    \operatorname{prox}_{\tau|\cdot|}(v) = \arg\min_x \tfrac12 (x - v)^2 + \tau |x| = S_\tau(v)
    = \operatorname{sign}(v)\max(|v| - \tau, 0).

With :math:`t \le 1/L` (:math:`L` the Lipschitz constant of :math:`\nabla f`) :math:`F` decreases at every step and
:math:`F(\theta_k) - F^* \le \|\theta_0 - \theta^*\|^2/(2tk)` (Beck and Teboulle 2009, Theorem 3.1).

References
----------
A. Beck and M. Teboulle, A fast iterative shrinkage-thresholding algorithm for linear inverse problems, SIAM J.
Imaging Sci. 2 (2009) 183-202.
N. Parikh and S. Boyd, Proximal algorithms, Found. Trends Optim. 1 (2014) 127-239, Sec. 4.2 and 6.5.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 3 (regularization of linear
classifiers).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from numdl_core._validate import as_float_array

from numdl_core.iterate import BLOWUP, Step, _drive, check_positive, check_stop, record, tunable
from numdl_core.optim import WORK_PER_CALL

__all__ = ["soft_threshold", "l1_norm", "proximal_gradient", "l1_optimality", "sparsity", "L1Solution",
           "l1_solution", "l1_path"]


def soft_threshold(v: np.ndarray, tau: float | np.ndarray) -> np.ndarray:
    r"""The soft-thresholding operator :math:`S_\tau(v) = \operatorname{sign}(v)\max(|v| - \tau, 0)`, entrywise.

    It is the proximal operator of :math:`\tau|x|`: :math:`S_\tau(v) = \arg\min_x \tfrac12(x - v)^2 + \tau|x|`.
    Entries with :math:`|v| \le \tau` become exactly 0; the others move :math:`\tau` towards 0.

    Parameters
    ----------
    v : array_like
        Any shape.
    tau : float or array_like
        Threshold(s) :math:`\tau \ge 0`, broadcast against ``v`` (0 where an entry is not penalized).

    Returns
    -------
    ndarray, shape of ``v``

    Raises
    ------
    ValueError
        If a threshold is negative or not finite.

    References
    ----------
    Parikh and Boyd (2014), Sec. 6.5.2; Beck and Teboulle (2009), Eq. 1.5.

    Examples
    --------
    >>> soft_threshold(np.array([-3.0, -0.5, 0.2, 2.0]), 1.0)
    array([-2., -0.,  0.,  1.])
    """
    tau = as_float_array("tau", tau)
    if not np.all(np.isfinite(tau)) or np.any(tau < 0):
        raise ValueError("the threshold tau must be finite and >= 0")
    v = as_float_array("v", v)
    return np.sign(v) * np.maximum(np.abs(v) - tau, 0.0)


def l1_norm(theta: np.ndarray, mask: np.ndarray | None = None) -> float:
    r"""The penalty :math:`\sum_{j \in P} |\theta_j|` (all entries, or those where ``mask`` is True).

    Parameters
    ----------
    theta : array_like, shape (n,)
    mask : array_like of bool, shape (n,), optional
        The penalized entries :math:`P` (default: all).

    Returns
    -------
    float

    References
    ----------
    Parikh and Boyd (2014), Sec. 6.5.2.

    Examples
    --------
    >>> l1_norm(np.array([1.0, -2.0, 5.0]), np.array([True, True, False]))
    3.0
    """
    a = np.abs(np.asarray(theta, dtype=np.float64))
    return float(np.sum(a if mask is None else a[np.asarray(mask, dtype=bool)]))


def _mask(mask: Any, n: int) -> np.ndarray:
    if mask is None:
        return np.ones(n, dtype=bool)
    mask = np.asarray(mask)
    if mask.shape != (n,):
        raise ValueError(f"mask must be a vector of n_params = {n} booleans (the penalized entries), got shape "
                         f"{mask.shape}")
    return mask.astype(bool)


_TUNABLES = {"step": lambda t: check_positive("step", t)}


@tunable("step")
def proximal_gradient(
    obj: Any,
    theta0: np.ndarray,
    *,
    alpha: float = 0.0,
    step: float = 1.0,
    mask: np.ndarray | None = None,
    tol: float = 1e-10,
    maxiter: int = 10**7,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Proximal gradient (ISTA) for :math:`\min f(\theta) + \alpha\sum_{j\in P}|\theta_j|`.

    .. math::
        \theta_{k+1} = S_{t\alpha m}\big(\theta_k - t\nabla f(\theta_k)\big),

    :math:`S` the :func:`soft_threshold` and :math:`m` the 0/1 ``mask`` (unpenalized entries take a plain gradient
    step). The generator follows the protocol of :mod:`numdl_core.iterate`; its ``loss`` is the composite
    :math:`F = f + \alpha\|\theta\|_{1,P}` and its ``grad_norm`` the norm of the *gradient mapping*

    .. math:: G_t(\theta_k) = \big(\theta_k - S_{t\alpha m}(\theta_k - t\nabla f(\theta_k))\big)/t,

    which is :math:`\nabla f` without a penalty and vanishes exactly at a minimizer (:math:`0 \in \nabla f +
    \alpha\partial\|\theta\|_1`), so ``tol`` means the same as for gradient descent. With ``step`` :math:`\le 1/L`
    the composite loss never increases; ``alpha = 0`` is gradient descent with a fixed step.

    Parameters
    ----------
    obj : object
        The smooth part :math:`f`: ``value_and_grad(theta) -> (float, ndarray)`` and ``n_params``.
    theta0 : array_like, shape (n_params,)
        The initial guess (copied).
    alpha : float, optional
        The L1 weight :math:`\alpha \ge 0` (the course's :math:`\lambda`).
    step : float, optional
        The step :math:`t` (safe up to :math:`1/L`). Tunable.
    mask : array_like of bool, shape (n_params,), optional
        The penalized entries (default: all), e.g. the weights and not the biases.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        One per iteration, from iteration 0 (``theta0``). ``info``: ``step``, ``zeros`` (the number of penalized
        entries that are exactly 0), ``smooth_loss`` (:math:`f`) and ``work``. Cost per iteration: one gradient
        (2 data passes) and :math:`O(n)` for the thresholding.

    Raises
    ------
    ValueError
        For a negative ``alpha``, a step that is not a positive number, a bad ``mask``, ``tol`` or ``maxiter``, or
        ``theta0`` of the wrong size or with non-finite entries; or when a bad value is sent.

    References
    ----------
    Beck and Teboulle (2009), ISTA (Eq. 1.4-1.5, Theorem 3.1); Parikh and Boyd (2014), Sec. 4.2.

    Examples
    --------
    :math:`\tfrac12(x - 3)^2 + |x|` has its minimizer at :math:`S_1(3) = 2`; with :math:`t = 1 = 1/L` ISTA gets
    there in one step:

    >>> from numdl_core.optim import FunctionObjective
    >>> obj = FunctionObjective(lambda x: (0.5 * (x[0] - 3) ** 2, x - 3), 1)
    >>> [float(s.x[0]) for s in proximal_gradient(obj, [0.0], alpha=1.0, step=1.0)]
    [0.0, 2.0]
    """
    alpha = float(alpha)
    if not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha (the L1 weight) must be a finite number >= 0, got {alpha!r}")
    params = {"step": check_positive("step", step)}
    tol, maxiter = check_stop(tol, maxiter)
    theta = np.array(theta0, dtype=np.float64).ravel()
    n = int(getattr(obj, "n_params", theta.size))
    if theta.size != n:
        raise ValueError(f"theta0 has {theta.size} entries but the objective has n_params = {n}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 has non-finite entries (nan or inf)")
    m = _mask(mask, n)
    return (yield from _drive(_iterations(obj, theta, alpha, m, params["step"], blowup), params, _TUNABLES, tol=tol,
                              maxiter=maxiter))


def l1_optimality(theta: np.ndarray, grad: np.ndarray, alpha: float, mask: np.ndarray | None = None) -> float:
    r"""How far ``theta`` is from the optimality condition :math:`0 \in \nabla f(\theta) + \alpha\,\partial\|\theta\|_1`.

    Entry by entry the subdifferential of :math:`|x|` is :math:`\{\operatorname{sign} x\}` for :math:`x \ne 0` and
    :math:`[-1, 1]` at 0, so the condition reads

    .. math::
        g_j + \alpha \operatorname{sign}\theta_j = 0 \;(\theta_j \ne 0), \qquad |g_j| \le \alpha \;(\theta_j = 0),
        \qquad g_j = 0 \;(j \notin P).

    Parameters
    ----------
    theta, grad : array_like, shape (n,)
        The point and :math:`\nabla f` there.
    alpha : float
        The L1 weight.
    mask : array_like of bool, shape (n,), optional
        The penalized entries :math:`P` (default: all).

    Returns
    -------
    float
        The largest violation: :math:`|g_j + \alpha\operatorname{sign}\theta_j|`, :math:`\max(|g_j| - \alpha, 0)` or
        :math:`|g_j|`; 0 exactly at a minimizer.

    References
    ----------
    Parikh and Boyd (2014), Sec. 3.1 (optimality of the proximal fixed point); Beck and Teboulle (2009).

    Examples
    --------
    >>> l1_optimality(np.array([2.0, 0.0]), np.array([-1.0, 0.5]), 1.0)
    0.0
    """
    theta = np.asarray(theta, dtype=np.float64).ravel()
    g = np.asarray(grad, dtype=np.float64).ravel()
    m = _mask(mask, theta.size)
    viol = np.where(theta != 0, np.abs(g + alpha * np.sign(theta)), np.maximum(np.abs(g) - alpha, 0.0))
    viol = np.where(m, viol, np.abs(g))
    return float(np.max(viol)) if viol.size else 0.0


def sparsity(theta: np.ndarray, mask: np.ndarray | None = None) -> float:
    """The fraction of the (penalized) entries of ``theta`` that are exactly zero.

    Parameters
    ----------
    theta : array_like
    mask : array_like of bool, optional
        The entries to count (default: all).

    Returns
    -------
    float
        In [0, 1].

    References
    ----------
    Beck and Teboulle (2009) (sparse solutions of L1-regularized problems).

    Examples
    --------
    >>> sparsity(np.array([0.0, 1.0, 0.0, -2.0]))
    0.5
    """
    theta = np.asarray(theta, dtype=np.float64).ravel()
    return float(np.mean(theta[_mask(mask, theta.size)] == 0))


@dataclass(frozen=True)
class L1Solution:
    """An (approximate) minimizer of :math:`f + \alpha\|\theta\|_{1,P}` found by :func:`l1_solution`.

    Attributes
    ----------
    alpha : float
        The L1 weight.
    theta : ndarray
        The last ISTA iterate.
    loss : float
        The composite objective there.
    iterations : int
        ISTA iterations done.
    optimality : float
        :func:`l1_optimality` at ``theta``.
    sparsity : float
        Fraction of penalized entries exactly 0.
    """

    alpha: float
    theta: np.ndarray
    loss: float
    iterations: int
    optimality: float
    sparsity: float


def l1_solution(obj: Any, alpha: float, *, mask: np.ndarray | None = None, theta0: np.ndarray | None = None,
                step: float | None = None, tol: float = 1e-6, maxiter: int = 500) -> L1Solution:
    r"""Run :func:`proximal_gradient` with the step :math:`t = 1/L` to ``tol`` or ``maxiter`` iterations.

    .. math:: \theta_{k+1} = S_{t\alpha}\big(\theta_k - t\nabla f(\theta_k)\big), \qquad t = 1/L

    Parameters
    ----------
    obj : object
        The smooth part, with ``value_and_grad`` and ``n_params`` (and ``lipschitz_bound()`` if ``step`` is None).
    alpha : float
        The L1 weight.
    mask : array_like of bool, optional
        The penalized entries.
    theta0 : array_like, optional
        The start (default zeros), e.g. the solution for a nearby ``alpha`` (a warm start).
    step : float, optional
        Default ``1 / obj.lipschitz_bound()``.
    tol, maxiter : float, int
        Passed on to :func:`proximal_gradient`.

    Returns
    -------
    L1Solution

    References
    ----------
    Beck and Teboulle (2009), ISTA with a constant step.

    Examples
    --------
    >>> from numdl_core.optim import FunctionObjective
    >>> obj = FunctionObjective(lambda x: (0.5 * float(x @ x) - x[0], x - [1.0, 0.0]), 2)
    >>> r = l1_solution(obj, 0.5, step=1.0)
    >>> r.theta, r.sparsity
    (array([0.5, 0. ]), 0.5)
    """
    step = 1.0 / float(obj.lipschitz_bound()) if step is None else float(step)
    theta0 = np.zeros(obj.n_params) if theta0 is None else theta0
    for last in proximal_gradient(obj, theta0, alpha=alpha, step=step, mask=mask, tol=tol, maxiter=maxiter):
        pass
    g = obj.value_and_grad(last.x)[1]
    return L1Solution(float(alpha), last.x, last.loss, last.iteration, l1_optimality(last.x, g, alpha, mask),
                      sparsity(last.x, mask))


def l1_path(obj: Any, alphas, *, mask: np.ndarray | None = None, tol: float = 1e-6,
            maxiter: int = 500) -> list[L1Solution]:
    r""":func:`l1_solution` for each ``alpha``, from the largest down, each warm-started at the previous solution.

    .. math:: \theta^*(\alpha) = \arg\min_\theta f(\theta) + \alpha\|\theta\|_{1,P}

    Parameters
    ----------
    obj : object
        As for :func:`l1_solution`.
    alphas : sequence of float
        The L1 weights (any order).
    mask : array_like of bool, optional
    tol, maxiter : float, int
        Per weight.

    Returns
    -------
    list of L1Solution
        In the order of ``alphas``.

    References
    ----------
    J. Friedman, T. Hastie and R. Tibshirani, Regularization paths for generalized linear models via coordinate
    descent, J. Stat. Softw. 33 (2010) (warm starts along the path).
    """
    order = np.argsort(-np.asarray(alphas, dtype=np.float64), kind="stable")
    out: dict[int, L1Solution] = {}
    theta = None
    for i in order:
        out[int(i)] = r = l1_solution(obj, float(alphas[i]), mask=mask, theta0=theta, tol=tol, maxiter=maxiter)
        theta = r.theta
    return [out[i] for i in range(len(order))]


def _iterations(obj: Any, theta: np.ndarray, alpha: float, m: np.ndarray, t: float, blowup: float):
    """The iterations of :func:`proximal_gradient` (see ``numdl_core.iterate._drive``)."""
    tau = alpha * m  # per-entry threshold per unit step

    def evaluate(theta: np.ndarray, t: float) -> tuple[float, np.ndarray, float, dict]:
        f, g = obj.value_and_grad(theta)
        g = np.asarray(g, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            gmap = (theta - soft_threshold(theta - t * g, t * tau)) / t if np.all(np.isfinite(g)) else g
        F = float(f) + alpha * float(np.sum(np.abs(theta[m])))
        info = {"step": t, "zeros": int(np.sum(theta[m] == 0)), "smooth_loss": float(f)}
        return F, g, float(np.linalg.norm(gmap)), info

    F, g, gnorm, info = evaluate(theta, t)
    F0, work = F, 0.0
    info["step"] = 0.0
    params = yield record(0, theta, F, gnorm, info, work=work, loss0=F0, blowup=blowup)
    for k in itertools.count(1):
        t = params["step"]
        theta = soft_threshold(theta - t * g, t * tau)
        F, g, gnorm, info = evaluate(theta, t)
        work += WORK_PER_CALL["value_and_grad"]
        params = yield record(k, theta, F, gnorm, info, work=work, loss0=F0, blowup=blowup)
