r"""The iteration protocol: one way to run, watch, steer and stop every iterative method of ``numdl_core``.

Every iterative method (gradient descent, Newton-CG, SGD, Adam, Gauss-Newton, variable projection, steepest
descent and CGLS for least squares; :data:`numdl_core.solvers.SOLVERS` lists them all) is a Python *generator
function* that follows the rules below, so one loop, one plot and one test serve them all.

1. **One record per iteration.** ``next(gen)`` runs one iteration and returns a :class:`Step`
   ``(iteration, x, loss, grad_norm, info)``. The first Step is iteration 0, the initial guess, with
   ``info["work"] == 0``. For SGD and Adam one iteration is one epoch. Each Step owns its arrays (a copy, never
   a view that a later iteration overwrites). Bad arguments raise ``ValueError`` (or ``TypeError``) at the first
   ``next``, as for any generator.

2. **The same names for the same things.** Start point ``theta0`` (the second positional argument of a method
   on an objective object: ``gradient_descent(obj, theta0, ...)``) or ``x0`` (a keyword of the linear
   least-squares methods, default zero); ``step`` the step length :math:`t` (the course's :math:`\alpha`);
   ``lr`` the learning rate :math:`\eta` of SGD and Adam only; ``tol`` and ``maxiter`` (rule 3); ``alpha`` the
   regularization weight (the course's :math:`\lambda`); ``damping`` the Levenberg-Marquardt shift;
   ``cg_tol`` and ``cg_maxiter`` the inner conjugate-gradient solve; ``blowup`` (rule 3); ``seed``.

3. **Stopping.** The generator returns (``StopIteration``; a ``for`` loop simply ends) when

   - the gradient is small: before each iteration, ``grad_norm <= tol * max(1, grad_norm_0)`` with
     ``grad_norm_0`` that of iteration 0 (``tol`` defaults to ``1e-10``), so the last Step is the first one that
     met the test;
   - ``maxiter`` iterations are done (``maxiter + 1`` Steps with iteration 0);
   - the run diverged: the loss, the gradient or ``x`` is not finite, a product the method needs (a
     Hessian-vector product, ``A p``) is not finite, or ``|loss| > blowup * max(1, |loss_0|)`` (``blowup``
     defaults to :data:`BLOWUP`). That Step is yielded once with ``info["diverged"] = True`` and
     ``info["reason"]``, a short sentence such as ``"the loss is not finite (nan or inf)"``;
   - a line search found no decrease (at round-off level): that Step repeats the last ``x`` with
     ``info["stalled"] = True`` and ``info["step"] = 0``;
   - or the caller stops asking (``itertools.islice``, ``break``, a paused UI).

4. **Work.** Every Step has ``info["work"]``: the cumulative cost since iteration 0 in *data passes*, one pass
   being one sweep of all the training data through the model in one direction. A loss evaluation costs 1, a
   loss and its gradient by backpropagation 2, a Hessian-vector product 4, a residual :math:`r(\theta)`, a
   Jacobian product :math:`J v` or a transposed product :math:`J^\top w` 1 each, a mini-batch of :math:`b` of the
   :math:`n` samples :math:`b/n` of the same; for linear least squares one product with :math:`A` or
   :math:`A^\top` is 1 pass. The evaluation of the initial guess (iteration 0) and monitoring-only evaluations
   (the full loss of SGD at the end of an epoch) are not counted. Work never decreases, so methods that take
   very different iterations can be compared on one "loss against work" axis.

5. **Steering.** A method declares with :func:`tunable` which keywords may change mid-run (its ``tunables``
   attribute, for instance ``("step", "line_search")`` for gradient descent). ``gen.send({"step": 0.05})`` runs
   the next iteration with the new value and returns its Step, exactly as ``next(gen)`` would have with the old
   one: the send itself consumes one iteration (that is Python's generator protocol). Everything else is kept:
   the iterate, the iteration count, momentum and Adam buffers, the random-number stream, the work counter.
   Sending the values the run already has changes nothing. An unknown name or a bad value raises
   ``ValueError`` that names the tunables; like any exception inside a generator it also ends that run, so
   restart from the last Step's ``x`` if needed. ``next(gen)`` is ``gen.send(None)``; the first call must be
   ``next(gen)`` (Python refuses a value sent into a generator that has not started). The tunables of each
   method are listed in :mod:`numdl_core.solvers`.

Examples
--------
Gradient descent on :math:`f(x) = \tfrac12\|x\|^2`, whose gradient is :math:`x`, with the step changed mid-run:

>>> from numdl_core.optim import FunctionObjective, gradient_descent
>>> obj = FunctionObjective(lambda x: (0.5 * x @ x, x), 2)
>>> gen = gradient_descent(obj, [4.0, 2.0], step=0.5)
>>> [next(gen).x for _ in range(2)]         # iteration 0, then x1 = x0 - 0.5 x0
[array([4., 2.]), array([2., 1.])]
>>> gen.send({"step": 0.25}).x              # iteration 2 uses the new step: x2 = x1 - 0.25 x1
array([1.5 , 0.75])
>>> next(gen).info["work"]                  # 3 gradients (2 passes each) after iteration 0
6.0

References
----------
PEP 342, *Coroutines via enhanced generators* (``send``), https://peps.python.org/pep-0342/.
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006 (stopping tests, Ch. 3).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Modules 2-4 (work in passes
through the data).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generator, Mapping

import numpy as np

from numdl_core._validate import (  # the argument checks of the methods, public here
    check_count,
    check_flag,
    check_fraction,
    check_positive,
    check_stop,
)

__all__ = [
    "BLOWUP",
    "Step",
    "is_diverged",
    "divergence",
    "record",
    "converged",
    "tunable",
    "apply_sent",
    "check_stop",
    "check_positive",
    "check_count",
    "check_fraction",
    "check_flag",
]

BLOWUP = 1e12
"""Default ``blowup``: a loss above ``BLOWUP * max(1, |loss_0|)`` counts as diverged."""


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
        ``work`` (cumulative data passes) and method-specific extras (step length, CG iterations, residual
        norm...); ``diverged`` and ``reason``, or ``stalled``, on the last Step of a run that ended that way.
    """

    iteration: int
    x: np.ndarray
    loss: float
    grad_norm: float
    info: dict = field(default_factory=dict)


def is_diverged(loss: float, loss0: float, blowup: float = BLOWUP) -> bool:
    """The blow-up test on the loss alone.

    Parameters
    ----------
    loss : float
        The current loss.
    loss0 : float
        The loss at iteration 0.
    blowup : float, optional
        The allowed growth factor.

    Returns
    -------
    bool
        True if ``loss`` is not finite or ``|loss| > blowup * max(1, |loss0|)``.
    """
    return (not np.isfinite(loss)) or abs(loss) > blowup * max(1.0, abs(loss0))


def divergence(loss: float, grad_norm: float, x: np.ndarray, loss0: float, blowup: float = BLOWUP) -> str | None:
    """Why an iterate counts as diverged (rule 3 of the protocol).

    Parameters
    ----------
    loss, grad_norm : float
        Loss and gradient norm at ``x``.
    x : ndarray
        The iterate.
    loss0 : float
        The loss at iteration 0.
    blowup : float, optional
        See :func:`is_diverged`.

    Returns
    -------
    str or None
        A short sentence (non-finite loss, gradient or ``x``, or a loss blow-up), or None if ``x`` is fine.
    """
    if not np.isfinite(loss):
        return "the loss is not finite (nan or inf)"
    if not np.isfinite(grad_norm):
        return "the gradient is not finite (nan or inf)"
    if not np.all(np.isfinite(x)):
        return "the iterate x has non-finite entries (nan or inf)"
    if is_diverged(loss, loss0, blowup):
        return f"the loss grew above {blowup:g} times max(1, |initial loss|)"
    return None


def record(
    k: int,
    x: np.ndarray,
    loss: float,
    grad_norm: float,
    info: dict,
    *,
    work: float,
    loss0: float,
    blowup: float = BLOWUP,
    reason: str | None = None,
) -> tuple[Step, bool]:
    """End iteration ``k``: the :class:`Step` to yield and whether the run must stop after it.

    Parameters
    ----------
    k : int
        The iteration number.
    x : ndarray
        The iterate; the Step gets a float64 copy.
    loss, grad_norm : float
        Objective value and gradient norm at ``x``.
    info : dict
        The method's extras; ``work`` is added, and ``diverged`` and ``reason`` when the run diverged.
    work : float
        Cumulative work in data passes since iteration 0.
    loss0 : float
        The loss at iteration 0 (the scale of the blow-up test).
    blowup : float, optional
        See :func:`is_diverged`.
    reason : str, optional
        A divergence the method detected itself (e.g. a non-finite Hessian-vector product).

    Returns
    -------
    step : Step
    stop : bool
        True if the run diverged here or ``info["stalled"]`` is set: the method yields ``step`` and returns.
    """
    loss, grad_norm = float(loss), float(grad_norm)
    reason = reason or divergence(loss, grad_norm, x, loss0, blowup)
    info["work"] = float(work)
    if reason:
        info["diverged"] = True
        info["reason"] = reason
    step = Step(int(k), np.array(x, dtype=np.float64), loss, grad_norm, info)
    return step, bool(reason) or bool(info.get("stalled"))


def converged(grad_norm: float, grad_norm0: float, tol: float) -> bool:
    """The stopping test of rule 3.

    Parameters
    ----------
    grad_norm : float
        The current gradient norm.
    grad_norm0 : float
        The gradient norm at iteration 0.
    tol : float
        The tolerance.

    Returns
    -------
    bool
        ``grad_norm <= tol * max(1, grad_norm0)``: a relative test if ``grad_norm0 > 1``, else an absolute one.
    """
    return grad_norm <= tol * max(1.0, grad_norm0)


def tunable(*names: str) -> Callable:
    """Declare the keywords a generator function takes mid-run through ``gen.send``.

    Parameters
    ----------
    *names : str
        Keyword arguments of the decorated function.

    Returns
    -------
    callable
        A decorator that only sets ``fn.tunables = names`` and returns ``fn`` itself (no wrapper), so ``fn``
        stays a generator function with its own signature and docstring.

    Examples
    --------
    >>> @tunable("step")
    ... def count(step=1):
    ...     yield step
    >>> count.tunables, count.__name__
    (('step',), 'count')
    """
    def mark(fn: Callable) -> Callable:
        fn.tunables = tuple(names)
        return fn
    return mark


def apply_sent(sent: Any, current: dict, allowed: Mapping[str, Callable[[Any], Any]]) -> dict:
    """The tunable values after ``gen.send(sent)``.

    Parameters
    ----------
    sent : dict or None
        What the caller sent (None for ``next(gen)``).
    current : dict
        The values in use.
    allowed : mapping
        ``{name: check}`` for each tunable; ``check(value)`` returns the value to use or raises.

    Returns
    -------
    dict
        ``current`` updated with the checked values of ``sent`` (a new dict; ``current`` itself if ``sent`` is
        None or empty).

    Raises
    ------
    ValueError
        For something other than a dict, an unknown name or a bad value; the message names the tunables.
    """
    if sent is None or (isinstance(sent, Mapping) and not sent):
        return current
    valid = ", ".join(allowed) if allowed else "none (this method takes no values mid-run)"
    if not isinstance(sent, Mapping):
        raise ValueError(f"send a dict of new values, e.g. gen.send({{'step': 0.1}}), got {sent!r}; "
                         f"tunables of this method: {valid}")
    unknown = [name for name in sent if name not in allowed]
    if unknown:
        raise ValueError(f"cannot change {', '.join(map(repr, unknown))} mid-run; tunables of this method: {valid}")
    new = dict(current)
    for name, value in sent.items():
        try:
            new[name] = allowed[name](value)
        except (TypeError, ValueError) as err:
            raise ValueError(f"bad value for {name!r}: {err} (tunables of this method: {valid})") from err
    return new


def _drive(
    iterations: Generator[tuple[Step, bool], dict, Any],
    params: dict,
    tunables: Mapping[str, Callable[[Any], Any]],
    *,
    tol: float,
    maxiter: int,
) -> Generator[Step, Any, None]:
    """The loop every iterative method shares: rules 1, 3 and 5 of the protocol, in one place.

    A method checks its arguments, then returns ``(yield from _drive(its_iterations, ...))``. Its own generator
    ``iterations`` yields the :func:`record` ``(step, stop)`` of iteration 0, and then, each time it is sent
    the tunable values for the next iteration, the record of that iteration. ``_drive`` yields the Steps to the
    caller, checks what the caller sends (:func:`apply_sent`), and ends the run after a Step with ``stop`` set
    (diverged or stalled), when :func:`converged` holds for the last Step's ``grad_norm``, or after ``maxiter``
    iterations.

    Parameters
    ----------
    iterations : generator
        The method's iterations, as above.
    params : dict
        The checked tunable values at the start.
    tunables : mapping
        ``{name: check}`` of the method's tunables (:func:`apply_sent`).
    tol : float
        The gradient tolerance of rule 3 (checked, :func:`check_stop`).
    maxiter : int
        The most iterations after iteration 0 (checked).

    Yields
    ------
    Step
        Iteration 0, then one per iteration.

    Examples
    --------
    Halving ``x`` until the "gradient" ``x`` is below ``tol = 0.2``; the factor is a tunable:

    >>> def halvings(x):
    ...     params = yield record(0, [x], x, x, {}, work=0.0, loss0=x)
    ...     for k in range(1, 100):
    ...         x *= params["factor"]
    ...         params = yield record(k, [x], x, x, {}, work=k, loss0=1.0)
    >>> [s.loss for s in _drive(halvings(1.0), {"factor": 0.5}, {"factor": float}, tol=0.2, maxiter=10)]
    [1.0, 0.5, 0.25, 0.125]
    """
    step, stop = next(iterations)
    grad_norm0 = step.grad_norm
    sent = yield step
    for _ in range(maxiter):
        if stop:
            return
        params = apply_sent(sent, params, tunables)
        if converged(step.grad_norm, grad_norm0, tol):
            return
        step, stop = iterations.send(params)
        sent = yield step
