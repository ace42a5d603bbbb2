"""Optimization methods as generators of :class:`Step` records.

Every method here (:func:`gradient_descent`, :func:`newton_cg`, :func:`sgd`, :func:`adam`, :func:`adagrad`,
:func:`gauss_newton`) is a generator that follows the iteration protocol of :mod:`numdl_core.iterate`:
it yields iteration 0 (the initial guess) and then one :class:`Step` per iteration, each with
``info["work"]`` in data passes, until the caller stops consuming it, the gradient is small
(``grad_norm <= tol * max(1, grad_norm_0)``), ``maxiter`` is reached, a line search stalls or the run
diverges (yielded once with ``info["diverged"] = True`` and ``info["reason"]``). Its ``tunables`` (a step
size, a learning rate, CG options) can be changed mid-run with ``gen.send({...})``, keeping its state.
``Step``, ``BLOWUP`` and ``is_diverged`` are defined in :mod:`numdl_core.iterate` and importable from here.

An objective is any object with ``value_and_grad(theta) -> (float, ndarray)`` and
``n_params``; Newton-type methods also need ``hess_vec(theta, v)``.

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006
(Ch. 3: line search and the Armijo condition; Ch. 7: Newton-CG).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 3.
"""
from __future__ import annotations

import itertools
from types import MappingProxyType
from typing import Any, Callable, Iterator, Protocol

import numpy as np

from numdl_core._validate import check_nonneg
from numdl_core.iterate import (
    BLOWUP,
    Step,
    _drive,
    check_count,
    check_flag,
    check_fraction,
    check_positive,
    check_stop,
    is_diverged,
    record,
    tunable,
)

__all__ = [
    "BLOWUP",
    "Step",
    "Objective",
    "FunctionObjective",
    "gradient_descent",
    "newton_cg",
    "conjugate_gradient",
    "armijo",
    "is_diverged",
    "WORK_PER_CALL",
    "CountingObjective",
    "sgd",
    "adam",
    "adagrad",
    "gauss_newton",
]

class Objective(Protocol):
    """What an optimizer needs: ``value_and_grad`` and ``n_params`` (``hess_vec`` for Newton).

    A structural type (:class:`typing.Protocol`): any object with these members is an objective.
    :class:`numdl_core.classify.SoftmaxRegression`, :class:`numdl_core.single_layer.SingleLayer`,
    :class:`numdl_core.mlp.MLP`, :class:`numdl_core.cnn.CNN` and :class:`FunctionObjective` also name it as their
    base class, and share the docstring of ``value_and_grad``.

    Attributes
    ----------
    n_params : int
        Length of the flat parameter vector ``theta``.
    """

    n_params: int

    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r"""The value :math:`f(\theta)` and the gradient :math:`\nabla f(\theta)`.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        f : float
        g : ndarray, shape (n_params,)
            Laid out as ``theta``.
        """
        ...


class FunctionObjective(Objective):
    """Wrap plain callables ``f(theta) -> (value, grad)`` and ``Hv(theta, v)`` as an objective.

    Parameters
    ----------
    value_and_grad : callable
        ``theta (n_params,) -> (float, ndarray of shape (n_params,))``.
    n_params : int
        Length of ``theta``.
    hess_vec : callable, optional
        ``(theta, v) -> H(theta) v``, both of shape (n_params,); needed by Newton-CG.

    Attributes
    ----------
    n_params : int

    Examples
    --------
    >>> quad = FunctionObjective(lambda x: (float(x @ x), 2 * x), 2, lambda x, v: 2 * v)
    >>> quad.value_and_grad(np.array([1.0, 2.0]))
    (5.0, array([2., 4.]))
    """

    def __init__(self, value_and_grad: Callable, n_params: int, hess_vec: Callable | None = None):
        self._vg = value_and_grad
        self._hv = hess_vec
        self.n_params = int(n_params)

    # documented in Objective
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._vg(theta)

    def hess_vec(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The wrapped ``hess_vec(theta, v)``.

        Parameters
        ----------
        theta, v : ndarray, shape (n_params,)

        Returns
        -------
        ndarray, shape (n_params,)

        Raises
        ------
        TypeError
            If no ``hess_vec`` was given.
        """
        if self._hv is None:
            raise TypeError("this objective has no Hessian-vector product (hess_vec)")
        return self._hv(theta, v)


def _check_theta(obj: Any, theta0: np.ndarray) -> np.ndarray:
    theta = np.array(theta0, dtype=np.float64).ravel()
    n = getattr(obj, "n_params", theta.size)
    if theta.size != n:
        raise ValueError(f"theta0 has {theta.size} entries but the objective has n_params = {n}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 has non-finite entries (nan or inf)")
    return theta


def _value_and_grad(obj: Any, theta: np.ndarray) -> tuple[float, np.ndarray]:
    f, g = obj.value_and_grad(theta)
    return f, np.asarray(g, dtype=np.float64)


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

    Parameters
    ----------
    obj : Objective
        With ``value_and_grad``.
    theta : ndarray, shape (n_params,)
        The current point.
    f : float
        :math:`f(\theta)`.
    g : ndarray, shape (n_params,)
        :math:`\nabla f(\theta)`.
    p : ndarray, shape (n_params,)
        A descent direction (:math:`g^\top p < 0`).
    t0 : float
        First trial step.
    c1 : float
        Sufficient-decrease constant, in (0, 1).
    shrink : float
        Factor per backtrack, in (0, 1).
    max_backtracks : int
        Most backtracks.

    Returns
    -------
    t : float
        The accepted step, 0 if no step satisfied the condition within ``max_backtracks``.
    f_new : float
        :math:`f(\theta + t p)` (the old ``f`` when ``t = 0``).
    g_new : ndarray, shape (n_params,)
        The gradient there (the old ``g`` when ``t = 0``).
    backtracks : int

    References
    ----------
    Nocedal and Wright (2006), Algorithm 3.1.

    Examples
    --------
    >>> quad = FunctionObjective(lambda x: (float(x @ x), 2 * x), 1)
    >>> x = np.array([1.0]); f, g = quad.value_and_grad(x)
    >>> t, f_new, g_new, nb = armijo(quad, x, f, g, -g)   # t = 1 overshoots to -1; t = 1/2 lands on 0
    >>> t, f_new, nb
    (0.5, 0.0, 1)
    """
    slope = float(g @ p)
    t = t0
    for j in range(max_backtracks + 1):
        f_new, g_new = obj.value_and_grad(theta + t * p)
        if np.isfinite(f_new) and f_new <= f + c1 * t * slope and f_new < f:
            return t, float(f_new), np.asarray(g_new, dtype=np.float64), j
        t *= shrink
    return 0.0, f, g, max_backtracks


_GD_TUNABLES = {
    "step": lambda v: check_positive("step", v),
    "line_search": lambda v: check_flag("line_search", v),
}


@tunable(*_GD_TUNABLES)
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

    With ``line_search=False`` the step is fixed, :math:`t_k` = ``step``; for an L-smooth objective it
    converges for ``step < 2/L`` and diverges on a quadratic for ``step > 2/L``. With ``line_search=True``,
    :math:`t_k` is found by Armijo backtracking starting from ``step`` (:func:`armijo`). The generator follows
    the protocol of :mod:`numdl_core.iterate`.

    Parameters
    ----------
    obj : object
        The objective: ``value_and_grad(theta) -> (float, ndarray)`` and ``n_params``.
    theta0 : array_like, shape (n_params,)
        The initial guess (copied).
    step : float, optional
        The step length :math:`t` (fixed), or the first trial step of the line search. Tunable.
    line_search : bool, optional
        Armijo backtracking on or off. Tunable.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        One per iteration, from iteration 0 (``theta0``). ``info``: ``step`` (the step length used),
        ``backtracks`` (with a line search) and ``work``. Cost per iteration: one gradient (2 data passes) with
        a fixed step; one gradient per trial step (2 passes each) with a line search.

    Raises
    ------
    ValueError
        For a step that is not a positive number, a bad ``tol`` or ``maxiter``, or ``theta0`` of the wrong
        size or with non-finite entries; or when a bad value is sent (see :mod:`numdl_core.iterate`).

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Sec. 3.1-3.3 and
    Algorithm 3.1 (backtracking line search).

    Examples
    --------
    >>> obj = FunctionObjective(lambda x: (0.5 * x @ x, x), 1)
    >>> [s.loss for s in gradient_descent(obj, [8.0], step=0.5, maxiter=3)]   # x = 8, 4, 2, 1
    [32.0, 8.0, 2.0, 0.5]
    """
    params = {"step": step, "line_search": line_search}
    params = {name: check(params[name]) for name, check in _GD_TUNABLES.items()}
    tol, maxiter = check_stop(tol, maxiter)
    theta = _check_theta(obj, theta0)
    return (yield from _drive(_gd_iterations(obj, theta, blowup), params, _GD_TUNABLES, tol=tol, maxiter=maxiter))


def _gd_iterations(obj: Any, theta: np.ndarray, blowup: float):
    """The iterations of :func:`gradient_descent` (see ``numdl_core.iterate._drive``)."""
    f, g = _value_and_grad(obj, theta)
    f0, work = float(f), 0.0
    params = yield record(0, theta, f, float(np.linalg.norm(g)), {"step": 0.0}, work=work, loss0=f0, blowup=blowup)
    for k in itertools.count(1):
        t = params["step"]
        info: dict = {}
        if params["line_search"]:
            theta, f, g, trials = _line_search(obj, theta, f, g, -g, t, info)
            work += WORK_PER_CALL["value_and_grad"] * trials  # one value_and_grad per trial step
        else:
            theta = theta - t * g
            f, g = _value_and_grad(obj, theta)
            work += WORK_PER_CALL["value_and_grad"]
            info["step"] = t
        params = yield record(k, theta, f, float(np.linalg.norm(g)), info, work=work, loss0=f0, blowup=blowup)


def _line_search(obj: Any, theta: np.ndarray, f: float, g: np.ndarray, p: np.ndarray, t0: float, info: dict):
    """The step ``theta + t p`` with :func:`armijo` from ``t0``: ``(theta, f, g, trial steps)`` after it.

    ``info`` gets ``backtracks`` and ``step``, and ``stalled`` if no trial step decreased ``f`` (then
    ``theta, f, g`` are returned unchanged).
    """
    t, f_new, g_new, nb = armijo(obj, theta, f, g, p, t0=t0)
    info.update(backtracks=nb, step=t)
    if t == 0.0:
        info["stalled"] = True
        return theta, f, g, nb + 1
    return theta + t * p, f_new, g_new, nb + 1


def _newton_step(obj: Any, theta: np.ndarray, f: float, g: np.ndarray, matvec: Callable[[np.ndarray], np.ndarray],
                 cg_tol: float, cg_maxiter: int, info: dict):
    """One step of a Newton-type method: CG for ``matvec(p) = -g``, then :func:`_line_search` from ``t = 1``.

    The CG direction is replaced by ``-g`` (``fallback``) if it is no usable descent direction. Returns
    ``(theta, f, g, trial steps, nonfinite)``; ``info`` gets ``cg_iterations``, ``fallback``, ``backtracks`` and
    ``step``. ``nonfinite`` is set, and nothing moves, if a product ``matvec(v)`` was not finite: the method
    then ends the run as diverged.
    """
    nonfinite = False

    def watched(v):
        nonlocal nonfinite
        out = matvec(v)
        nonfinite = nonfinite or not np.all(np.isfinite(out))
        return out

    p, its, _ = conjugate_gradient(watched, -g, tol=cg_tol, maxiter=cg_maxiter)
    info["cg_iterations"] = its
    if nonfinite:
        info.update(fallback=False, backtracks=0, step=0.0)
        return theta, f, g, 0, True
    info["fallback"] = not np.any(p) or float(g @ p) >= 0 or not np.all(np.isfinite(p))
    return (*_line_search(obj, theta, f, g, -g if info["fallback"] else p, 1.0, info), False)


def conjugate_gradient(
    matvec: Callable[[np.ndarray], np.ndarray],
    rhs: np.ndarray,
    *,
    tol: float = 1e-1,
    maxiter: int = 20,
) -> tuple[np.ndarray, int, bool]:
    r"""Conjugate gradients for :math:`H p = r` with ``H`` given by ``matvec`` (Hestenes-Stiefel 1952).

    Stops when :math:`\|H p - r\| \le` ``tol`` :math:`\|r\|` or after ``maxiter`` iterations, starting
    from :math:`p = 0`.

    Parameters
    ----------
    matvec : callable
        ``d (n,) -> H d (n,)``, ``H`` symmetric.
    rhs : ndarray, shape (n,)
        The right-hand side ``r``.
    tol : float
        Relative residual tolerance.
    maxiter : int
        Most iterations.

    Returns
    -------
    p : ndarray, shape (n,)
        The last iterate (zero if negative curvature was met at once).
    iterations : int
    ok : bool
        False if negative curvature (:math:`d^\top H d \le 0`, or not finite) was met.

    References
    ----------
    Hestenes and Stiefel (1952); Nocedal and Wright (2006), Algorithms 5.2 and 7.1.

    Examples
    --------
    >>> H = np.array([[4.0, 1.0], [1.0, 3.0]])
    >>> p, its, ok = conjugate_gradient(lambda d: H @ d, np.array([1.0, 2.0]), tol=1e-12)
    >>> p, its, ok   # exact after n = 2 steps
    (array([0.090909, 0.636364]), 2, True)
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


_CG_TUNABLES = {
    "cg_tol": lambda v: check_positive("cg_tol", v),
    "cg_maxiter": lambda v: check_count("cg_maxiter", v),
}


@tunable(*_CG_TUNABLES)
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
    r"""Inexact (truncated) Newton method with a conjugate-gradient inner solve.

    Each iteration solves the Newton equation :math:`\nabla^2 f(\theta_k)\, p = -\nabla f(\theta_k)`
    approximately by CG (:func:`conjugate_gradient`), then sets :math:`\theta_{k+1} = \theta_k + t_k p` with an
    Armijo line search from :math:`t = 1`. The Hessian is used only through ``obj.hess_vec(theta, v)``
    (matrix-free). CG stops at the relative residual :math:`\eta_k = \min(\text{cg\_tol},
    \sqrt{\|\nabla f(\theta_k)\|})` (the forcing sequence of Eisenstat and Walker, which makes the local
    convergence superlinear) or after ``cg_maxiter`` iterations; if CG meets negative curvature before doing
    anything, or its direction is not a descent direction, the step falls back to :math:`-\nabla f`. Near the
    minimum of a strongly convex objective the convergence is superlinear (Nocedal and Wright 2006, Theorem 7.2),
    as long as ``cg_maxiter`` allows CG to reach :math:`\eta_k`. A non-finite Hessian-vector product ends the run
    as diverged. The generator follows the protocol of :mod:`numdl_core.iterate`.

    Parameters
    ----------
    obj : object
        The objective: ``value_and_grad(theta)``, ``hess_vec(theta, v)`` and ``n_params``.
    theta0 : array_like, shape (n_params,)
        The initial guess (copied).
    cg_maxiter : int, optional
        Most CG iterations (Hessian-vector products) per Newton step. Tunable.
    cg_tol : float, optional
        Largest relative residual of the inner solve. Tunable.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        One per Newton iteration, from iteration 0 (``theta0``). ``info``: ``step``, ``cg_iterations``,
        ``fallback`` (True when the gradient direction was used), ``backtracks``, ``hess_vecs`` (cumulative
        number of Hessian-vector products) and ``work``. Cost per iteration: one Hessian-vector product (4 data
        passes) per CG iteration and one gradient (2 passes) per trial step of the line search.

    Raises
    ------
    TypeError
        If ``obj`` has no ``hess_vec``.
    ValueError
        For ``cg_maxiter < 1``, ``cg_tol <= 0``, a bad ``tol`` or ``maxiter``, or a bad ``theta0``; or when a
        bad value is sent (see :mod:`numdl_core.iterate`).

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Algorithm 7.1
    (line-search Newton-CG) and Theorem 7.2. S. C. Eisenstat and H. F. Walker, Choosing the forcing terms in an
    inexact Newton method, SIAM J. Sci. Comput. 17 (1996) 16-32.

    Examples
    --------
    >>> H = np.diag([1.0, 10.0])          # f(x) = x'Hx/2 - x1: one Newton step solves it
    >>> obj = FunctionObjective(lambda x: (0.5 * x @ H @ x - x[0], H @ x - [1, 0]), 2, lambda x, v: H @ v)
    >>> [s.loss for s in newton_cg(obj, [0.0, 1.0], cg_tol=1e-12)]      # x = (0, 1), then the minimizer (1, 0)
    [5.0, -0.5]
    """
    if not callable(getattr(obj, "hess_vec", None)):
        raise TypeError("Newton-CG needs the Hessian-vector product obj.hess_vec(theta, v)")
    params = {"cg_tol": cg_tol, "cg_maxiter": cg_maxiter}
    params = {name: check(params[name]) for name, check in _CG_TUNABLES.items()}
    tol, maxiter = check_stop(tol, maxiter)
    theta = _check_theta(obj, theta0)
    return (yield from _drive(_newton_cg_iterations(obj, theta, blowup), params, _CG_TUNABLES, tol=tol,
                             maxiter=maxiter))


def _newton_cg_iterations(obj: Any, theta: np.ndarray, blowup: float):
    """The iterations of :func:`newton_cg` (see ``numdl_core.iterate._drive``)."""
    f, g = _value_and_grad(obj, theta)
    f0, work, n_hv = float(f), 0.0, 0
    info0 = {"step": 0.0, "cg_iterations": 0, "hess_vecs": 0}
    params = yield record(0, theta, f, float(np.linalg.norm(g)), info0, work=work, loss0=f0, blowup=blowup)
    for k in itertools.count(1):

        def hess_vec(v, theta=theta):
            nonlocal work, n_hv
            work, n_hv = work + WORK_PER_CALL["hess_vec"], n_hv + 1
            return np.asarray(obj.hess_vec(theta, v), dtype=np.float64)

        eta = min(params["cg_tol"], float(np.sqrt(np.linalg.norm(g))))
        info: dict = {}
        theta, f, g, trials, nonfinite = _newton_step(obj, theta, f, g, hess_vec, eta, params["cg_maxiter"], info)
        info["hess_vecs"] = n_hv
        work += WORK_PER_CALL["value_and_grad"] * trials  # one value_and_grad per trial step
        reason = "a Hessian-vector product is not finite (nan or inf)" if nonfinite else None
        params = yield record(k, theta, f, float(np.linalg.norm(g)), info, work=work, loss0=f0, blowup=blowup,
                              reason=reason)


# --------------------------------------------------------------------------------------------
# Work counting, stochastic methods (SGD, Adam) and Gauss-Newton
# --------------------------------------------------------------------------------------------
#
# Work is measured in *data passes*: one sweep of all n training samples through the model in one
# direction. A forward evaluation of the loss counts 1, a gradient by backpropagation (forward +
# adjoint) counts 2, a Hessian-vector product by forward-over-reverse differentiation 4 (forward,
# tangent, adjoint, tangent adjoint), a Jacobian-vector product J v counts 1, a transposed product
# J^T w counts 1, and a mini-batch of b samples counts b/n of the same. This is the unit on the x-axis of a
# "loss versus work" comparison of SGD, Gauss-Newton and variable projection.

WORK_PER_CALL = MappingProxyType({  # read-only
    "value": 1.0,
    "value_and_grad": 2.0,
    "hess_vec": 4.0,
    "residual": 1.0,
    "jac_vec": 1.0,
    "jac_t_vec": 1.0,
})


class CountingObjective:
    """Wrap an objective and count its work in data passes (see ``WORK_PER_CALL``).

    Calls of ``value`` (1 pass), ``value_and_grad`` (2), ``hess_vec`` (4), ``residual`` (1),
    ``jac_vec`` (1), ``jac_t_vec`` (1) and ``batch_value_and_grad(theta, idx)`` (``2 len(idx) / n``)
    are forwarded to ``obj`` and added to ``self.work``; ``self.calls`` counts calls per method.
    Any other attribute (``n_params``, ``n_samples``, ...) is read from ``obj``. Use it to put
    gradient descent or Newton-CG on the same work axis as :func:`sgd` and :func:`gauss_newton`::

        cobj = CountingObjective(obj)
        for step in gradient_descent(cobj, theta0, step=0.5, line_search=True):
            work_history.append(cobj.work)

    Parameters
    ----------
    obj : Objective
        The objective to wrap.

    Attributes
    ----------
    obj : Objective
    work : float
        Data passes used so far.
    calls : dict
        Method name -> number of calls.

    References
    ----------
    Newman, Ruthotto, Hart and van Bloemen Waanders (2021) (comparing training methods by work).
    """

    def __init__(self, obj: Any):
        self.obj = obj
        self.work = 0.0
        self.calls: dict = {}

    def _count(self, name: str, work: float) -> None:
        self.work += work
        self.calls[name] = self.calls.get(name, 0) + 1

    def __getattr__(self, name: str) -> Any:
        # only reached for attributes not set in __init__: delegate (n_params, n_samples, split, ...)
        if name == "obj":
            raise AttributeError(name)
        attr = getattr(self.obj, name)
        if name in WORK_PER_CALL and callable(attr):
            def counted(*args, **kwargs):
                self._count(name, WORK_PER_CALL[name])
                return attr(*args, **kwargs)
            return counted
        return attr

    def batch_value_and_grad(self, theta: np.ndarray, idx: np.ndarray | None) -> tuple[float, np.ndarray]:
        """The wrapped mini-batch value and gradient, counted as ``2 len(idx) / n`` data passes.

        Parameters
        ----------
        theta, idx
            As for :meth:`numdl_core.single_layer.SingleLayer.batch_value_and_grad`; ``idx=None`` (the full
            objective) counts 2 passes.

        Returns
        -------
        f_B, g_B
            What the wrapped objective returns.

        Raises
        ------
        TypeError
            If the wrapped objective has no ``n_samples`` or ``batch_value_and_grad``.
        """
        if idx is None:
            self._count("batch_value_and_grad", 2.0)
            return self.obj.value_and_grad(theta)
        n = _n_samples(self.obj)
        if not callable(getattr(self.obj, "batch_value_and_grad", None)):
            raise TypeError("the wrapped objective has no batch_value_and_grad(theta, idx); use batch_size=None")
        self._count("batch_value_and_grad", 2.0 * len(idx) / n)
        return self.obj.batch_value_and_grad(theta, idx)


def _n_samples(obj: Any) -> int:
    n = getattr(obj, "n_samples", None)
    if n is None:
        raise TypeError(
            "mini-batches need an objective with n_samples and batch_value_and_grad(theta, idx); "
            "use batch_size=None (full batch) for this objective"
        )
    return int(n)


def _batch_size(obj: Any, batch_size: int | None) -> int | None:
    """Check ``batch_size`` for ``obj``: None (full batch) or an integer >= 1 the objective can serve.

    Returns None for a full batch (also when ``batch_size >= n_samples``), else the integer.
    """
    if batch_size is None:
        return None
    batch_size = check_count("batch_size", batch_size)
    if batch_size >= _n_samples(obj):
        return None
    if not callable(getattr(obj, "batch_value_and_grad", None)):
        raise TypeError("mini-batches need obj.batch_value_and_grad(theta, idx); use batch_size=None (full batch)")
    return batch_size


def _stochastic(
    obj: Any,
    theta0: np.ndarray,
    update: Callable[[np.ndarray, Callable[[np.ndarray], np.ndarray], int], np.ndarray],
    params: dict,
    tunables: dict,
    *,
    seed: int | np.random.Generator,
    shuffle: bool,
    tol: float,
    maxiter: int,
    blowup: float,
) -> Iterator[Step]:
    """Shared epoch loop of :func:`sgd` and :func:`adam` (see there).

    ``params`` holds the tunable values (``lr``, ``batch_size``, ...), checked here with ``tunables`` and
    updated in place by ``gen.send``, so that ``update`` reads the current ones. ``update(theta, grad_at, k)``
    returns the next iterate of the k-th update; it calls ``grad_at(point)`` exactly once to get the batch
    gradient at ``point`` (``theta`` itself or a look-ahead point).
    """
    params.update({name: check(params[name]) for name, check in tunables.items()})
    tol, maxiter = check_stop(tol, maxiter)
    theta = _check_theta(obj, theta0)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return (yield from _drive(_epochs(obj, theta, update, params, tunables, rng, shuffle, blowup), params, tunables,
                             tol=tol, maxiter=maxiter))


def _epochs(obj, theta, update, params, tunables, rng, shuffle, blowup):
    """The iterations (epochs) of :func:`_stochastic` (see ``numdl_core.iterate._drive``)."""
    f, g = _value_and_grad(obj, theta)
    f0 = float(f)
    passes, samples, n = 0.0, 0, 0  # full-batch passes and mini-batch samples seen (of n per pass)
    updates = 0

    def extra() -> dict:
        lr_k = {"lr_k": params["lr_k"]} if "lr_k" in params else {}
        return {"updates": updates, **{name: params[name] for name in tunables}, **lr_k}

    info0 = {"epoch": 0, "batch_loss": float(f), **extra()}
    sent = yield record(0, theta, f, float(np.linalg.norm(g)), info0, work=0.0, loss0=f0, blowup=blowup)
    for epoch in itertools.count(1):
        params.update(sent)  # in place: `update` reads the current values
        losses: list = []
        if params["batch_size"] is None:
            # full batch: the gradient at theta is the one computed when the last epoch ended,
            # exactly as in gradient descent (one value_and_grad = 2 passes per update)
            def grad_at(point, theta=theta, f=f, g=g):
                nonlocal passes
                passes += 2.0
                fb, gb = (f, g) if point is theta else obj.value_and_grad(point)
                losses.append(float(fb))
                return np.asarray(gb, dtype=np.float64)

            theta = update(theta, grad_at, updates + 1)
            updates += 1
        else:
            n = _n_samples(obj)
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, params["batch_size"]):
                idx = order[start:start + params["batch_size"]]

                def grad_at(point, idx=idx):
                    nonlocal samples
                    fb, gb = obj.batch_value_and_grad(point, idx)
                    samples += idx.size
                    losses.append(float(fb))
                    return np.asarray(gb, dtype=np.float64)

                theta = update(theta, grad_at, updates + 1)
                updates += 1
                if not (np.isfinite(losses[-1]) and np.all(np.isfinite(theta))):
                    break
        f, g = _value_and_grad(obj, theta)  # monitoring only: not counted as work
        work = passes + (2.0 * samples / n if n else 0.0)
        info = {"epoch": epoch, "batch_loss": float(np.mean(losses)), **extra()}
        sent = yield record(epoch, theta, f, float(np.linalg.norm(g)), info, work=work, loss0=f0, blowup=blowup)


def _sgd_tunables(obj: Any) -> dict:
    return {
        "lr": lambda v: check_positive("lr", v),
        "momentum": lambda v: check_fraction("momentum", v),
        "batch_size": lambda v: _batch_size(obj, v),
        "decay": lambda v: check_nonneg("decay", v),
    }


def _decayed(lr: float, decay: float, k: int) -> float:
    """The learning rate of the k-th update (k = 1, 2, ...): ``lr / (1 + decay (k - 1))``, exactly ``lr`` at 0."""
    return lr if decay == 0.0 else lr / (1.0 + decay * (k - 1))


@tunable("lr", "momentum", "batch_size", "decay")
def sgd(
    obj: Any,
    theta0: np.ndarray,
    *,
    lr: float = 0.1,
    batch_size: int | None = 32,
    momentum: float = 0.0,
    nesterov: bool = False,
    decay: float = 0.0,
    maxiter: int = 10**6,
    seed: int | np.random.Generator = 0,
    shuffle: bool = True,
    tol: float = 1e-10,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Stochastic gradient descent with mini-batches and (heavy-ball or Nesterov) momentum.

    Each epoch shuffles the sample indices (with ``seed``) and cuts them into consecutive batches
    :math:`B` of ``batch_size`` samples (the last one may be smaller). For each batch

    .. math::
        v_{k+1} = \mu v_k - \eta \nabla f_B(\theta_k), \qquad \theta_{k+1} = \theta_k + v_{k+1},

    with :math:`\eta` = ``lr``, :math:`\mu` = ``momentum``, :math:`v_0 = 0` and :math:`f_B` the mean loss over
    the batch (plus the regularizer). With ``decay`` :math:`= \delta > 0` the learning rate of update
    :math:`k = 0, 1, 2, \dots` (counted over parameter updates, i.e. mini-batches, not epochs, from the start of
    the run) is

    .. math:: \eta_k = \frac{\eta}{1 + \delta k},

    a schedule with :math:`\sum_k \eta_k = \infty` and :math:`\sum_k \eta_k^2 < \infty` (the conditions of
    Robbins and Monro 1951); ``decay=0`` is the constant rate and gives exactly the iterates without it. With
    ``nesterov=True`` the gradient is taken at the look-ahead point :math:`\theta_k + \mu v_k` (Sutskever et al.
    2013). With ``momentum=0`` the update is exactly
    :math:`\theta_{k+1} = \theta_k - \eta \nabla f_B(\theta_k)`, and with ``batch_size=None`` (or at least
    ``n_samples``) the iterates and the work are those of :func:`gradient_descent` with ``step=lr``. The
    generator follows the protocol of :mod:`numdl_core.iterate`; the velocity :math:`v` and the random stream
    are kept when ``lr``, ``momentum`` or ``batch_size`` are sent mid-run.

    Parameters
    ----------
    obj : object
        The objective: ``value_and_grad(theta)`` (the full objective) and ``n_params``; for mini-batches also
        ``n_samples`` and ``batch_value_and_grad(theta, idx) -> (f_B, grad f_B)`` with ``idx`` an integer array
        of sample indices (rows of the training data).
    theta0 : array_like, shape (n_params,)
        The initial guess (copied).
    lr : float, optional
        The learning rate :math:`\eta` (the course's :math:`\mu`). Tunable.
    batch_size : int or None, optional
        Samples per batch; None for the full batch. Tunable (from the next epoch on).
    momentum : float, optional
        :math:`\mu \in [0, 1)` (the course's :math:`\gamma`). Tunable.
    nesterov : bool, optional
        Gradient at the look-ahead point.
    decay : float, optional
        :math:`\delta \ge 0` in :math:`\eta_k = \eta / (1 + \delta k)`, k the number of updates made so far.
        Tunable (the update count is not reset when it is sent).
    seed : int or numpy.random.Generator, optional
        The shuffling stream.
    shuffle : bool, optional
        False: batches in the order of the samples.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        One per epoch (``iteration`` = epoch; 0 is the initial guess). ``loss`` and ``grad_norm`` are those of
        the full objective at the end of the epoch (an extra evaluation for monitoring, not counted as work).
        ``info``: ``epoch``, ``updates`` (cumulative parameter updates), ``work`` (cumulative data passes:
        ``2 |B| / n`` per batch gradient, so 2 per epoch), ``batch_loss`` (mean of the mini-batch losses seen
        during the epoch), ``lr``, ``momentum``, ``batch_size``, ``decay``, ``lr_k`` (the rate of the last
        update).

    Raises
    ------
    TypeError
        For mini-batches on an objective without ``n_samples`` and ``batch_value_and_grad``.
    ValueError
        For ``lr <= 0``, ``decay < 0``, ``momentum`` outside ``[0, 1)``, ``batch_size < 1``, a bad ``tol``,
        ``maxiter`` or ``theta0``; or when a bad value is sent (see :mod:`numdl_core.iterate`).

    References
    ----------
    H. Robbins and S. Monro, A stochastic approximation method, Ann. Math. Stat. 22 (1951).
    B. T. Polyak, Some methods of speeding up the convergence of iteration methods, USSR Comput.
    Math. Math. Phys. 4 (1964) (heavy ball). I. Sutskever, J. Martens, G. Dahl and G. Hinton,
    On the importance of initialization and momentum in deep learning, ICML 2013.
    L. Bottou, F. E. Curtis and J. Nocedal, Optimization methods for large-scale machine learning,
    SIAM Review 60 (2018).

    Examples
    --------
    >>> obj = FunctionObjective(lambda x: (0.5 * x @ x, x), 1)     # full batch: gradient descent
    >>> [(s.loss, s.info["work"]) for s in sgd(obj, [2.0], lr=0.5, batch_size=None, maxiter=2)]
    [(2.0, 0.0), (0.5, 2.0), (0.125, 4.0)]
    """
    params = {"lr": lr, "momentum": momentum, "batch_size": batch_size, "decay": decay}
    velocity: np.ndarray | None = None

    def update(theta, grad_at, k):
        nonlocal velocity
        lr, mu = _decayed(params["lr"], params["decay"], k), params["momentum"]
        params["lr_k"] = lr
        v = velocity if velocity is not None else np.zeros_like(theta)
        g = grad_at(theta + mu * v) if nesterov and mu else grad_at(theta)
        if mu == 0.0 and velocity is None:
            return theta - lr * g  # plain SGD, no velocity to keep
        velocity = mu * v - lr * g
        return theta + velocity

    return (yield from _stochastic(obj, theta0, update, params, _sgd_tunables(obj), seed=seed, shuffle=shuffle,
                                   tol=tol, maxiter=maxiter, blowup=blowup))


@tunable("lr", "batch_size", "decay")
def adam(obj: Any, theta0: np.ndarray, *, lr: float = 1e-2, batch_size: int | None = 32, beta1: float = 0.9,
         beta2: float = 0.999, eps: float = 1e-8, decay: float = 0.0, maxiter: int = 10**6,
         seed: int | np.random.Generator = 0, shuffle: bool = True, tol: float = 1e-10,
         blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Adam: stochastic gradient descent with adaptive, per-parameter step sizes.

    For the k-th update (k = 1, 2, ...) with the mini-batch gradient :math:`g_k`:

    .. math::
        m_k = \beta_1 m_{k-1} + (1-\beta_1) g_k, \quad
        v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k^2, \quad
        \theta_k = \theta_{k-1} - \eta\, \frac{m_k / (1-\beta_1^k)}{\sqrt{v_k / (1-\beta_2^k)} + \epsilon},

    with :math:`m_0 = v_0 = 0` (squares and roots elementwise) and :math:`\eta` replaced by
    :math:`\eta / (1 + \delta (k-1))` when ``decay`` :math:`= \delta > 0` (as in :func:`sgd`: counted over
    updates). Batching, work and the yielded records are as
    in :func:`sgd` (one Step per epoch, one batch gradient of ``2 |B| / n`` data passes per update). The
    generator follows the protocol of :mod:`numdl_core.iterate`; the moment estimates :math:`m, v`, the update
    count :math:`k` and the random stream are kept when ``lr`` or ``batch_size`` are sent mid-run.

    Parameters
    ----------
    obj, theta0, batch_size, seed, shuffle
        As for :func:`sgd` (``batch_size`` is tunable).
    lr : float, optional
        The learning rate :math:`\eta`. Tunable.
    beta1, beta2 : float, optional
        Decay rates of the moment estimates, in ``[0, 1)``.
    eps : float, optional
        :math:`\epsilon > 0` in the denominator.
    decay : float, optional
        The learning-rate decay :math:`\delta \ge 0`, as for :func:`sgd`. Tunable.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        As for :func:`sgd`; ``info`` holds ``epoch``, ``updates``, ``work``, ``batch_loss``, ``lr``,
        ``batch_size``, ``decay`` and ``lr_k``.

    Raises
    ------
    TypeError
        As for :func:`sgd`.
    ValueError
        For ``lr <= 0``, ``decay < 0``, ``beta1`` or ``beta2`` outside ``[0, 1)``, ``eps <= 0``, ``batch_size < 1``,
        a bad ``tol``, ``maxiter`` or ``theta0``; or when a bad value is sent (see :mod:`numdl_core.iterate`).

    References
    ----------
    D. P. Kingma and J. Ba, Adam: a method for stochastic optimization, ICLR 2015 (Algorithm 1).

    Examples
    --------
    >>> obj = FunctionObjective(lambda x: (0.5 * x @ x, x), 1)     # the first step has length lr
    >>> [s.x.round(6).tolist() for s in adam(obj, [1.0], lr=0.1, batch_size=None, maxiter=2)]
    [[1.0], [0.9], [0.800412]]
    """
    beta1, beta2 = check_fraction("beta1", beta1), check_fraction("beta2", beta2)
    eps = check_positive("eps", eps)
    params = {"lr": lr, "batch_size": batch_size, "decay": decay}
    m: np.ndarray | None = None
    v: np.ndarray | None = None

    def update(theta, grad_at, k):
        nonlocal m, v
        g = grad_at(theta)
        m = beta1 * (m if m is not None else np.zeros_like(theta)) + (1.0 - beta1) * g
        v = beta2 * (v if v is not None else np.zeros_like(theta)) + (1.0 - beta2) * g * g
        mhat = m / (1.0 - beta1**k)
        vhat = v / (1.0 - beta2**k)
        params["lr_k"] = lr_k = _decayed(params["lr"], params["decay"], k)
        return theta - lr_k * mhat / (np.sqrt(vhat) + eps)

    tunables = {name: check for name, check in _sgd_tunables(obj).items() if name in adam.tunables}
    return (yield from _stochastic(obj, theta0, update, params, tunables, seed=seed, shuffle=shuffle, tol=tol,
                                   maxiter=maxiter, blowup=blowup))


@tunable("lr", "batch_size", "decay")
def adagrad(obj: Any, theta0: np.ndarray, *, lr: float = 0.1, batch_size: int | None = 32, eps: float = 1e-8,
            decay: float = 0.0, maxiter: int = 10**6, seed: int | np.random.Generator = 0, shuffle: bool = True,
            tol: float = 1e-10, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""AdaGrad: stochastic gradient descent with per-parameter step sizes from the accumulated squared gradients.

    For the k-th update (k = 1, 2, ...) with the mini-batch gradient :math:`g_k`:

    .. math::
        G_k = G_{k-1} + g_k^2, \qquad
        \theta_k = \theta_{k-1} - \eta\, \frac{g_k}{\sqrt{G_k} + \epsilon},

    with :math:`G_0 = 0` (squares, roots and the division elementwise). Coordinates with large past gradients get
    small steps and rarely active ones large steps; the effective rate decays like :math:`1/\sqrt{k}` by itself.
    With ``decay`` :math:`= \delta > 0`, :math:`\eta` is replaced by :math:`\eta / (1 + \delta (k-1))` as in
    :func:`sgd`. Batching, work and the yielded records are as in :func:`sgd` (one Step per epoch). The generator
    follows the protocol of :mod:`numdl_core.iterate`; :math:`G`, the update count and the random stream are kept
    when ``lr``, ``batch_size`` or ``decay`` are sent mid-run.

    Parameters
    ----------
    obj, theta0, lr, batch_size, eps, decay, seed, shuffle, tol, maxiter, blowup
        As for :func:`adam` (``lr``, ``batch_size`` and ``decay`` are tunable).

    Yields
    ------
    Step
        As for :func:`adam` (the same ``info`` keys).

    Raises
    ------
    TypeError
        As for :func:`sgd`.
    ValueError
        As for :func:`adam` (which also checks ``beta1`` and ``beta2``).

    References
    ----------
    J. Duchi, E. Hazan and Y. Singer, Adaptive subgradient methods for online learning and stochastic
    optimization, J. Mach. Learn. Res. 12 (2011) 2121-2159.

    Examples
    --------
    >>> obj = FunctionObjective(lambda x: (0.5 * x @ x, x), 1)     # first step lr g/|g| = lr
    >>> [s.x.round(6).tolist() for s in adagrad(obj, [1.0], lr=0.1, batch_size=None, maxiter=2)]
    [[1.0], [0.9], [0.833104]]
    """
    eps = check_positive("eps", eps)
    params = {"lr": lr, "batch_size": batch_size, "decay": decay}
    G: np.ndarray | None = None

    def update(theta, grad_at, k):
        nonlocal G
        g = grad_at(theta)
        G = (G if G is not None else np.zeros_like(theta)) + g * g
        params["lr_k"] = lr_k = _decayed(params["lr"], params["decay"], k)
        return theta - lr_k * g / (np.sqrt(G) + eps)

    tunables = {name: check for name, check in _sgd_tunables(obj).items() if name in adagrad.tunables}
    return (yield from _stochastic(obj, theta0, update, params, tunables, seed=seed, shuffle=shuffle, tol=tol,
                                   maxiter=maxiter, blowup=blowup))


_GN_TUNABLES = {
    "damping": lambda v: check_nonneg("damping", v),
    **_CG_TUNABLES,
}


@tunable(*_GN_TUNABLES)
def gauss_newton(obj: Any, theta0: np.ndarray, *, damping: float = 0.0, cg_maxiter: int = 20, cg_tol: float = 1e-2,
                 tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Matrix-free Gauss-Newton (Levenberg-Marquardt damped) for :math:`f(\theta) = \tfrac12\|r(\theta)\|^2`.

    With :math:`J = \partial r / \partial \theta` and :math:`g = J^\top r`, each iteration solves

    .. math:: (J^\top J + \lambda I)\, p = -g

    by conjugate gradients (``cg_tol`` relative residual, at most ``cg_maxiter`` iterations), then sets
    :math:`\theta_{k+1} = \theta_k + t_k p` with an Armijo line search from :math:`t = 1` (:func:`armijo`).
    :math:`\lambda` = ``damping`` (``>= 0``). The Gauss-Newton matrix is positive semidefinite, so :math:`p` is a
    descent direction; if CG returns nothing usable the step falls back to :math:`-g`. Near a zero-residual
    minimum (an "inverse crime" fit) convergence is fast (quadratic in the limit ``cg_tol -> 0``,
    ``damping = 0``). A non-finite Jacobian product ends the run as diverged. The generator follows the protocol
    of :mod:`numdl_core.iterate`.

    Parameters
    ----------
    obj : object
        A least-squares objective: ``residual(theta) -> r`` (1-D), ``jac_vec(theta, v) -> J v`` and
        ``jac_t_vec(theta, w) -> J^T w`` (``value_and_grad`` is not used: the loss is ``0.5 ||r||^2``).
        Optionally ``linearize(theta) -> (Jv, JTw)``, the two products at a fixed ``theta`` as functions of one
        argument, which the CG loop then uses (so that one forward pass serves all its products).
    theta0 : array_like, shape (n_params,)
        The initial guess (copied).
    damping : float, optional
        The Levenberg-Marquardt shift :math:`\lambda \ge 0`. Tunable.
    cg_maxiter : int, optional
        Most CG iterations per Gauss-Newton step. Tunable.
    cg_tol : float, optional
        Relative residual of the inner solve. Tunable.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        One per iteration, from iteration 0 (``theta0``). ``info``: ``step``, ``cg_iterations``,
        ``backtracks``, ``fallback``, ``matvecs`` (cumulative number of products with :math:`J` or
        :math:`J^\top`) and ``work``. Cost per iteration: one :math:`J v` and one :math:`J^\top w` (2 data passes)
        per CG iteration, and one residual and one :math:`J^\top r` (2 passes) per trial step of the line search.

    Raises
    ------
    TypeError
        If ``obj`` lacks ``residual``, ``jac_vec`` or ``jac_t_vec``.
    ValueError
        For ``damping < 0``, ``cg_maxiter < 1``, ``cg_tol <= 0``, a bad ``tol``, ``maxiter`` or ``theta0``; or
        when a bad value is sent (see :mod:`numdl_core.iterate`).

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Sec. 10.3
    (Gauss-Newton, Levenberg-Marquardt). L. Ruthotto and E. Haber, *Numerical Methods for Deep
    Learning*, Module 4 (Gauss-Newton for single-layer networks).

    Examples
    --------
    >>> class Line:                       # r(x) = A x - b: one Gauss-Newton step solves linear least squares
    ...     A, b, n_params = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 2.0, 3.0]), 2
    ...     def residual(self, x): return self.A @ x - self.b
    ...     def jac_vec(self, x, v): return self.A @ v
    ...     def jac_t_vec(self, x, w): return self.A.T @ w
    >>> [s.x.round(12).tolist() for s in gauss_newton(Line(), [0.0, 0.0], cg_tol=1e-12)]
    [[0.0, 0.0], [1.0, 1.0]]
    """
    for name in ("residual", "jac_vec", "jac_t_vec"):
        if not callable(getattr(obj, name, None)):
            raise TypeError(f"Gauss-Newton needs obj.{name}; the objective must be of least-squares type "
                            "(residual, jac_vec, jac_t_vec), e.g. a single-layer network with loss='squared'")
    params = {"damping": damping, "cg_maxiter": cg_maxiter, "cg_tol": cg_tol}
    params = {name: check(params[name]) for name, check in _GN_TUNABLES.items()}
    tol, maxiter = check_stop(tol, maxiter)
    theta = _check_theta(obj, theta0)
    return (yield from _drive(_gn_iterations(obj, theta, blowup), params, _GN_TUNABLES, tol=tol, maxiter=maxiter))


def _gn_iterations(obj: Any, theta: np.ndarray, blowup: float):
    """The iterations of :func:`gauss_newton` (see ``numdl_core.iterate._drive``)."""
    count = {"work": 0.0, "matvecs": 0}  # data passes and J / J^T products after iteration 0

    class _LS:  # the loss 0.5 ||r||^2 and its gradient J^T r, for the line search
        n_params = theta.size

        @staticmethod
        def value_and_grad(th):
            r = np.asarray(obj.residual(th), dtype=np.float64)
            count["work"] += WORK_PER_CALL["residual"]
            f = 0.5 * float(r @ r)
            if not np.isfinite(f):
                return f, np.full(th.shape, np.nan)
            count["work"] += WORK_PER_CALL["jac_t_vec"]
            count["matvecs"] += 1
            return f, np.asarray(obj.jac_t_vec(th, r), dtype=np.float64)

    def damped(th, lam):  # v -> (J^T J + lam I) v at th
        if callable(getattr(obj, "linearize", None)):
            Jv, JTw = obj.linearize(th)
        else:
            Jv, JTw = (lambda v: obj.jac_vec(th, v)), (lambda w: obj.jac_t_vec(th, w))
        return lambda v: np.asarray(JTw(Jv(v)), dtype=np.float64) + lam * v

    f, g = _LS.value_and_grad(theta)
    count.update(work=0.0, matvecs=0)  # the evaluation of iteration 0 is not counted
    return (yield from _gn_loop(_LS, theta, f, g, damped, count, WORK_PER_CALL["jac_vec"] + WORK_PER_CALL["jac_t_vec"],
                                blowup, "a Jacobian product J v or J^T w is not finite (nan or inf)"))


def _gn_loop(ls: Any, theta: np.ndarray, f: float, g: np.ndarray, damped: Callable, count: dict, work_per_product: float,
             blowup: float, nonfinite_reason: str):
    """The iterations of a (generalized) Gauss-Newton method, after the evaluation ``f, g`` at ``theta``.

    Shared by :func:`gauss_newton` and :func:`numdl_core.single_layer.generalized_gauss_newton` (see
    ``numdl_core.iterate._drive``): per iteration the damped product ``damped(theta, lam)`` (a function
    ``v -> (G + lam I) v``) goes to :func:`_newton_step` with ``ls``, the counted objective of the line search.
    ``count`` holds the cumulative ``work`` and ``matvecs`` (0 at iteration 0); each product adds
    ``work_per_product`` data passes and 2 products, ``ls`` adds its own. A non-finite product ends the run as
    diverged with ``nonfinite_reason``.
    """
    f0 = float(f)
    info0 = {"step": 0.0, "cg_iterations": 0, "matvecs": count["matvecs"]}
    params = yield record(0, theta, f, float(np.linalg.norm(g)), info0, work=count["work"], loss0=f0, blowup=blowup)
    for k in itertools.count(1):
        product = damped(theta, params["damping"])

        def matvec(v):
            count["work"] += work_per_product
            count["matvecs"] += 2
            return product(v)

        info: dict = {}
        theta, f, g, _, nonfinite = _newton_step(ls, theta, f, g, matvec, params["cg_tol"], params["cg_maxiter"], info)
        info["matvecs"] = count["matvecs"]
        params = yield record(k, theta, f, float(np.linalg.norm(g)), info, work=count["work"], loss0=f0, blowup=blowup,
                              reason=nonfinite_reason if nonfinite else None)
