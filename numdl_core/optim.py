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
from types import MappingProxyType
from typing import Any, Callable, Iterator, Protocol

import numpy as np

from numdl_core._validate import check_nonneg

__all__ = [
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
    "gauss_newton",
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


def _record(
    k: int, theta: np.ndarray, f: float, g: np.ndarray, info: dict, f0: float, blowup: float, *, check_x: bool = False
) -> tuple[Step, bool]:
    """The Step of iteration ``k`` and whether the run diverged there.

    Diverged means ``is_diverged(f, f0, blowup)``, a non-finite gradient norm or, with ``check_x``, a
    non-finite entry of ``theta``; then ``info["diverged"]`` is set to True and the caller yields the
    Step and stops.
    """
    gn = float(np.linalg.norm(g))
    diverged = (is_diverged(float(f), f0, blowup) or not np.isfinite(gn)
                or (check_x and not np.all(np.isfinite(theta))))
    if diverged:
        info["diverged"] = True
    return Step(k, theta.copy(), float(f), gn, info), diverged


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
        step_k, diverged = _record(k, theta, f, g, info, f0, blowup)
        yield step_k
        if diverged:
            return


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
    relative residual :math:`\eta_k = \min(\text{cg\_tol}, \sqrt{\|\nabla f(\theta_k)\|})` (the forcing
    sequence of Eisenstat and Walker, which makes the local convergence superlinear) or after ``cg_maxiter``
    iterations; if CG meets negative curvature
    before doing anything, or its direction is not a descent direction, the step falls back to
    the steepest-descent direction :math:`-\nabla f`. Near the minimum of a strongly convex
    objective the convergence is superlinear (Nocedal and Wright 2006, Theorem 7.2), as long as ``cg_maxiter``
    allows CG to reach :math:`\eta_k`.
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
        eta = min(cg_tol, float(np.sqrt(np.linalg.norm(g))))
        p, its, ok = conjugate_gradient(lambda v: obj.hess_vec(th, v), -g, tol=eta, maxiter=int(cg_maxiter))
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
        step_k, diverged = _record(k, theta, f, g, info, f0, blowup)
        yield step_k
        if diverged:
            return


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


def _stochastic(
    obj: Any,
    theta0: np.ndarray,
    update: Callable[[np.ndarray, Callable[[np.ndarray], np.ndarray], int], np.ndarray],
    *,
    batch_size: int | None,
    epochs: int,
    seed: int | np.random.Generator,
    shuffle: bool,
    tol: float,
    blowup: float,
    extra_info: Callable[[], dict],
) -> Iterator[Step]:
    """Shared epoch loop of :func:`sgd` and :func:`adam` (see there).

    ``update(theta, grad_at, k)`` returns the next iterate of the k-th update; it calls
    ``grad_at(point)`` exactly once to get the batch gradient at ``point`` (``theta`` itself or a
    look-ahead point).
    """
    theta = _check_theta(obj, theta0)
    if int(epochs) < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    full = batch_size is None
    n = 0
    if not full:
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer or None (full batch), got {batch_size}")
        n = _n_samples(obj)
        if batch_size >= n:
            full = True
        elif not callable(getattr(obj, "batch_value_and_grad", None)):
            raise TypeError("mini-batches need obj.batch_value_and_grad(theta, idx); use batch_size=None (full batch)")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    f, g = obj.value_and_grad(theta)
    g = np.asarray(g, dtype=np.float64)
    f0, g0 = float(f), float(np.linalg.norm(g))
    acc = {"passes": 0.0, "samples": 0, "losses": []}  # full-batch passes and mini-batch samples seen
    updates = 0
    yield Step(0, theta.copy(), float(f), g0, {"epoch": 0, "updates": 0, "work": 0.0, "batch_loss": float(f),
                                               **extra_info()})
    for epoch in range(1, int(epochs) + 1):
        if float(np.linalg.norm(g)) <= tol * max(1.0, g0):
            return
        acc["losses"] = []
        if full:
            # full batch: the gradient at theta is the one computed when the last epoch ended,
            # exactly as in gradient descent (one value_and_grad = 2 passes per update)
            def grad_at(point, theta=theta, f=f, g=g):
                acc["passes"] += 2.0
                if point is theta:
                    fb, gb = f, g
                else:
                    fb, gb = obj.value_and_grad(point)
                acc["losses"].append(float(fb))
                return np.asarray(gb, dtype=np.float64)

            theta = update(theta, grad_at, updates + 1)
            updates += 1
        else:
            order = rng.permutation(n) if shuffle else np.arange(n)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]

                def grad_at(point, idx=idx):
                    fb, gb = obj.batch_value_and_grad(point, idx)
                    acc["samples"] += idx.size
                    acc["losses"].append(float(fb))
                    return np.asarray(gb, dtype=np.float64)

                theta = update(theta, grad_at, updates + 1)
                updates += 1
                if not (np.isfinite(acc["losses"][-1]) and np.all(np.isfinite(theta))):
                    break
        f, g = obj.value_and_grad(theta)
        g = np.asarray(g, dtype=np.float64)
        work = acc["passes"] + (2.0 * acc["samples"] / n if n else 0.0)
        info = {"epoch": epoch, "updates": updates, "work": work,
                "batch_loss": float(np.mean(acc["losses"])), **extra_info()}
        step_k, diverged = _record(epoch, theta, f, g, info, f0, blowup, check_x=True)
        yield step_k
        if diverged:
            return


def sgd(
    obj: Any,
    theta0: np.ndarray,
    *,
    lr: float = 0.1,
    batch_size: int | None = 32,
    momentum: float = 0.0,
    nesterov: bool = False,
    epochs: int = 10**6,
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

    with :math:`\eta` = ``lr``, :math:`\mu` = ``momentum`` and :math:`f_B` the mean loss over the batch
    (plus the regularizer). With ``nesterov=True`` the gradient is taken at the look-ahead point
    :math:`\theta_k + \mu v_k` (Sutskever et al. 2013). With ``momentum=0`` the update is exactly
    :math:`\theta_{k+1} = \theta_k - \eta \nabla f_B(\theta_k)`, and with ``batch_size=None`` (or at
    least ``n_samples``) the iterates are those of :func:`gradient_descent` with ``step=lr``.

    Objective protocol: ``value_and_grad(theta)`` (the full objective) and, for mini-batches,
    ``n_samples`` and ``batch_value_and_grad(theta, idx) -> (f_B, grad f_B)`` where ``idx`` is an
    integer array of sample indices (rows of the training data).

    Yields
    ------
    Step
        One per epoch (``iteration`` = epoch; 0 is the initial guess). ``loss`` and ``grad_norm``
        are those of the full objective at the end of the epoch (an extra evaluation for monitoring,
        not counted as work). ``info``: ``epoch``, ``updates`` (cumulative parameter updates),
        ``work`` (cumulative data passes used by the method: ``2 |B| / n`` per batch gradient),
        ``batch_loss`` (mean of the mini-batch losses seen during the epoch), ``lr``, ``momentum``.

    References
    ----------
    H. Robbins and S. Monro, A stochastic approximation method, Ann. Math. Stat. 22 (1951).
    B. T. Polyak, Some methods of speeding up the convergence of iteration methods, USSR Comput.
    Math. Math. Phys. 4 (1964) (heavy ball). I. Sutskever, J. Martens, G. Dahl and G. Hinton,
    On the importance of initialization and momentum in deep learning, ICML 2013.
    L. Bottou, F. E. Curtis and J. Nocedal, Optimization methods for large-scale machine learning,
    SIAM Review 60 (2018).
    """
    lr = _check_positive("lr", lr)
    momentum = float(momentum)
    if not np.isfinite(momentum) or not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
    state: dict = {"v": None}

    def update(theta, grad_at, k):
        if momentum == 0.0:
            return theta - lr * grad_at(theta)
        v = state["v"] if state["v"] is not None else np.zeros_like(theta)
        g = grad_at(theta + momentum * v) if nesterov else grad_at(theta)
        v = momentum * v - lr * g
        state["v"] = v
        return theta + v

    return _stochastic(obj, theta0, update, batch_size=batch_size, epochs=epochs, seed=seed, shuffle=shuffle,
                       tol=tol, blowup=blowup, extra_info=lambda: {"lr": lr, "momentum": momentum})


def adam(
    obj: Any,
    theta0: np.ndarray,
    *,
    lr: float = 1e-2,
    batch_size: int | None = 32,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    epochs: int = 10**6,
    seed: int | np.random.Generator = 0,
    shuffle: bool = True,
    tol: float = 1e-10,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Adam: stochastic gradient descent with adaptive, per-parameter step sizes.

    For the k-th update (k = 1, 2, ...) with the mini-batch gradient :math:`g_k`:

    .. math::
        m_k = \beta_1 m_{k-1} + (1-\beta_1) g_k, \quad
        v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k^2, \quad
        \theta_k = \theta_{k-1} - \eta\, \frac{m_k / (1-\beta_1^k)}{\sqrt{v_k / (1-\beta_2^k)} + \epsilon},

    with :math:`m_0 = v_0 = 0` (squares and roots elementwise). Batching, the objective protocol and
    the yielded :class:`Step` records are as in :func:`sgd` (one Step per epoch; ``info["work"]``
    in data passes).

    Reference: D. P. Kingma and J. Ba, Adam: a method for stochastic optimization, ICLR 2015 (Algorithm 1).
    """
    lr = _check_positive("lr", lr)
    for name, b in (("beta1", beta1), ("beta2", beta2)):
        if not np.isfinite(b) or not 0.0 <= float(b) < 1.0:
            raise ValueError(f"{name} must lie in [0, 1), got {b}")
    eps = _check_positive("eps", eps)
    state: dict = {"m": None, "v": None}

    def update(theta, grad_at, k):
        g = grad_at(theta)
        m = state["m"] if state["m"] is not None else np.zeros_like(theta)
        v = state["v"] if state["v"] is not None else np.zeros_like(theta)
        m = beta1 * m + (1.0 - beta1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        state["m"], state["v"] = m, v
        mhat = m / (1.0 - beta1**k)
        vhat = v / (1.0 - beta2**k)
        return theta - lr * mhat / (np.sqrt(vhat) + eps)

    return _stochastic(obj, theta0, update, batch_size=batch_size, epochs=epochs, seed=seed, shuffle=shuffle,
                       tol=tol, blowup=blowup, extra_info=lambda: {"lr": lr})


def gauss_newton(
    obj: Any,
    theta0: np.ndarray,
    *,
    damping: float = 0.0,
    cg_maxiter: int = 20,
    cg_tol: float = 1e-2,
    tol: float = 1e-10,
    maxiter: int = 10**6,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Matrix-free Gauss-Newton (Levenberg-Marquardt damped) for :math:`f(\theta) = \tfrac12\|r(\theta)\|^2`.

    With :math:`J = \partial r / \partial \theta` and :math:`g = J^\top r`, each iteration solves

    .. math:: (J^\top J + \lambda I)\, p = -g

    by conjugate gradients (``cg_tol`` relative residual, at most ``cg_maxiter`` iterations; each CG
    iteration costs one :math:`J v` and one :math:`J^\top w`), then sets :math:`\theta_{k+1} = \theta_k + t_k p`
    with an Armijo line search from :math:`t = 1` (:func:`armijo`). :math:`\lambda` = ``damping``
    (``>= 0``). The Gauss-Newton matrix is positive semidefinite, so :math:`p` is a descent direction;
    if CG returns nothing usable the step falls back to :math:`-g`. Near a zero-residual minimum
    (an "inverse crime" fit) convergence is fast (quadratic in the limit ``cg_tol -> 0``, ``damping = 0``).

    Objective protocol: ``residual(theta) -> r`` (1-D), ``jac_vec(theta, v) -> J v`` and
    ``jac_t_vec(theta, w) -> J^T w``; ``value_and_grad`` is not used (the loss is ``0.5 ||r||^2``).
    Optionally ``linearize(theta) -> (Jv, JTw)``, the two products at a fixed ``theta`` as functions of
    one argument, which the CG loop then uses (so that one forward pass serves all its products).

    Yields
    ------
    Step
        ``info``: ``step``, ``cg_iterations``, ``backtracks``, ``fallback``, ``matvecs`` (cumulative
        number of products with :math:`J` or :math:`J^\top`) and ``work`` (cumulative data passes:
        every ``residual``, ``jac_vec`` and ``jac_t_vec`` counts 1).

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Sec. 10.3
    (Gauss-Newton, Levenberg-Marquardt). L. Ruthotto and E. Haber, *Numerical Methods for Deep
    Learning*, Module 4 (Gauss-Newton for single-layer networks).
    """
    for name in ("residual", "jac_vec", "jac_t_vec"):
        if not callable(getattr(obj, name, None)):
            raise TypeError(f"Gauss-Newton needs obj.{name}; the objective must be of least-squares type "
                            "(residual, jac_vec, jac_t_vec), e.g. a single-layer network with loss='squared'")
    damping = check_nonneg("damping", damping)
    if int(cg_maxiter) < 1:
        raise ValueError(f"cg_maxiter must be at least 1, got {cg_maxiter}")
    cg_tol = _check_positive("cg_tol", cg_tol)
    theta = _check_theta(obj, theta0)
    count = {"work": 0.0, "matvecs": 0}

    class _LS:
        n_params = theta.size

        @staticmethod
        def value_and_grad(th):
            r = np.asarray(obj.residual(th), dtype=np.float64)
            count["work"] += 1.0
            f = 0.5 * float(r @ r)
            if not np.isfinite(f):
                return f, np.full(th.shape, np.nan)
            count["work"] += 1.0
            count["matvecs"] += 1
            return f, np.asarray(obj.jac_t_vec(th, r), dtype=np.float64)

    f, g = _LS.value_and_grad(theta)
    f0, g0 = float(f), float(np.linalg.norm(g))
    yield Step(0, theta.copy(), f0, g0, {"step": 0.0, "cg_iterations": 0, "matvecs": count["matvecs"],
                                          "work": count["work"]})
    for k in range(1, maxiter + 1):
        if float(np.linalg.norm(g)) <= tol * max(1.0, g0):
            return
        if callable(getattr(obj, "linearize", None)):
            Jv, JTw = obj.linearize(theta)
        else:
            Jv, JTw = (lambda v, th=theta: obj.jac_vec(th, v)), (lambda w, th=theta: obj.jac_t_vec(th, w))

        def gn_matvec(v):
            count["work"] += 2.0
            count["matvecs"] += 2
            return np.asarray(JTw(Jv(v)), dtype=np.float64) + damping * v

        p, its, ok = conjugate_gradient(gn_matvec, -g, tol=cg_tol, maxiter=int(cg_maxiter))
        fallback = False
        if not np.any(p) or float(g @ p) >= 0 or not np.all(np.isfinite(p)):
            p, fallback = -g, True
        t, f_new, g_new, nb = armijo(_LS, theta, f, g, p, t0=1.0)
        info = {"cg_iterations": its, "fallback": fallback, "backtracks": nb}
        if t == 0.0:
            info.update(step=0.0, stalled=True, matvecs=count["matvecs"], work=count["work"])
            yield Step(k, theta.copy(), float(f), float(np.linalg.norm(g)), info)
            return
        theta = theta + t * p
        f, g = f_new, g_new
        info.update(step=t, matvecs=count["matvecs"], work=count["work"])
        step_k, diverged = _record(k, theta, f, g, info, f0, blowup)
        yield step_k
        if diverged:
            return
