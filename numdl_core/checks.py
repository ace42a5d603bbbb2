r"""Derivative checks: the Taylor test and the adjoint (dot-product) test.

"Your derivatives are assumed to be wrong unless you prove otherwise" (Ruthotto and Haber).
For a direction :math:`v` and :math:`h = 2^{-k}`,

.. math::
    E_0(h) = |f(x + hv) - f(x)| = O(h), \qquad
    E_1(h) = |f(x + hv) - f(x) - h\, \nabla f(x)^\top v| = O(h^2),

and with a Hessian-vector product :math:`E_2(h) = |\ldots - \tfrac{h^2}{2} v^\top \nabla^2 f(x) v| = O(h^3)`.
A wrong gradient leaves :math:`E_1 = O(h)`. For a linear map :math:`J` with transpose :math:`J^\top`
the adjoint test checks :math:`\langle w, J v\rangle = \langle J^\top w, v\rangle` to round-off.

References
----------
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 0 (derivative checks).
E. Haber, *Computational Methods in Geophysical Electromagnetics*, SIAM, 2014, Sec. 2.4.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from numdl_core._validate import check_array, check_count

__all__ = ["DerivativeCheck", "AdjointCheck", "derivative_check", "adjoint_check", "observed_order"]


@dataclass(frozen=True)
class DerivativeCheck:
    """Result of :func:`derivative_check`.

    Attributes
    ----------
    h : ndarray
        Step sizes ``2**-k``.
    err0, err1 : ndarray
        Zeroth- and first-order Taylor remainders.
    err2 : ndarray or None
        Second-order remainder (only with a Hessian-vector product).
    order0, order, order2 : float
        Observed orders of ``err0``, ``err1`` and ``err2`` (median slope over the usable range,
        ``nan`` where every value is at round-off); see :func:`observed_order`.
    passed : bool
        True if the gradient (and Hessian, if given) pass: ``err1`` decays with order >= 1.5
        (>= 2.5 for ``err2``), or is at round-off level everywhere (an exactly linear/quadratic ``f``).
    exact : bool
        True if ``err1`` is at round-off level for every ``h`` (``f`` is affine along ``v``).
    """

    h: np.ndarray
    err0: np.ndarray
    err1: np.ndarray
    err2: np.ndarray | None
    order0: float
    order: float
    order2: float
    passed: bool
    exact: bool


@dataclass(frozen=True)
class AdjointCheck:
    r"""Result of :func:`adjoint_check`.

    Attributes
    ----------
    lhs : float
        :math:`\langle w, J v\rangle`.
    rhs : float
        :math:`\langle J^\top w, v\rangle`.
    rel_error : float
        :math:`|\mathrm{lhs} - \mathrm{rhs}| / \max(|\mathrm{lhs}|, |\mathrm{rhs}|)`.
    passed : bool
        ``rel_error <= rtol``.
    """

    lhs: float
    rhs: float
    rel_error: float
    passed: bool


def observed_order(h: np.ndarray, err: np.ndarray, floor: float) -> float:
    r"""Asymptotic slope of :math:`\log err` against :math:`\log h`.

    The median of the slopes :math:`\log(e_k / e_{k+1}) / \log(h_k / h_{k+1})` of the last 3 successive
    pairs (smallest ``h``) whose errors are both above ``floor`` (round-off): the order is a statement
    about ``h -> 0``.

    Parameters
    ----------
    h : ndarray, shape (n,)
        Step sizes, decreasing.
    err : ndarray, shape (n,)
        The errors at those step sizes.
    floor : float
        Round-off level: errors at or below it are not used.

    Returns
    -------
    float
        The observed order, ``nan`` when no pair is usable.

    References
    ----------
    Ruthotto and Haber, Module 0 (derivative checks).

    Examples
    --------
    >>> h = 2.0 ** -np.arange(6)
    >>> print(round(observed_order(h, 3 * h**2, floor=1e-14), 6))
    2.0
    """
    h = np.asarray(h, dtype=float)
    err = np.asarray(err, dtype=float)
    ok = (err[:-1] > floor) & (err[1:] > floor)
    if not np.any(ok):
        return float("nan")
    slopes = np.log(err[:-1] / err[1:]) / np.log(h[:-1] / h[1:])
    return float(np.median(slopes[ok][-3:]))


def derivative_check(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x: np.ndarray,
    v: np.ndarray | None = None,
    *,
    hess_vec: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
    seed: int = 0,
    n: int = 10,
) -> DerivativeCheck:
    r"""Taylor test of a gradient (and optionally a Hessian) along a direction ``v``.

    For :math:`h = 2^{-k}`, :math:`k = 0, \ldots, n-1`:
    :math:`E_0 = |f(x+hv) - f(x)|`, :math:`E_1 = |f(x+hv) - f(x) - h\, g^\top v|` and, if ``hess_vec``
    is given, :math:`E_2 = |f(x+hv) - f(x) - h\, g^\top v - \tfrac{h^2}{2} v^\top H v|`.
    A correct gradient gives order 2 for :math:`E_1`; a wrong one order 1.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (f, g)``, value and gradient (same shape as ``x``).
    x : ndarray
        Point of the test.
    v : ndarray, optional
        Direction; default a standard normal vector drawn with ``seed``.
    hess_vec : callable, optional
        ``hess_vec(x, v) -> H v``.
    seed : int
        Seed for the random direction.
    n : int
        Number of step sizes (at least 2).

    Returns
    -------
    DerivativeCheck
        ``h`` (shape (n,)), ``err0``, ``err1``, ``err2``, the observed orders and the verdict ``passed``.

    Raises
    ------
    ValueError
        If ``x`` is empty or has non-finite entries, ``n < 2``, ``v`` has another shape than ``x`` or
        non-finite entries, or the gradient another size.
    TypeError
        If ``fun`` is not callable, or ``x``, ``v`` are no arrays of numbers.

    References
    ----------
    Ruthotto and Haber, Module 0; Haber (2014), Sec. 2.4.

    Examples
    --------
    >>> res = derivative_check(lambda x: (float(np.sum(np.sin(x))), np.cos(x)), np.ones(3))
    >>> res.passed, round(res.order, 1)
    (True, 2.0)
    """
    if not callable(fun):
        raise TypeError(f"fun must be a callable x -> (f, g), got {fun!r}")
    x = check_array("x", x)
    n = check_count("n", n, minimum=2)
    if v is None:
        v = np.random.default_rng(seed).standard_normal(x.shape)
    v = check_array("direction v", v, nonempty=False)
    if v.shape != x.shape:
        raise ValueError(f"direction v has shape {v.shape}, x has shape {x.shape}")
    f0, g = fun(x)
    f0 = float(f0)
    g = np.asarray(g, dtype=np.float64)
    if g.size != x.size:
        raise ValueError(f"the gradient has {g.size} entries, x has {x.size}")
    dvdf = float(g.ravel() @ v.ravel())
    vHv = None if hess_vec is None else float(v.ravel() @ np.asarray(hess_vec(x, v), dtype=np.float64).ravel())
    h = 2.0 ** -np.arange(int(n), dtype=float)
    err0 = np.empty_like(h)
    err1 = np.empty_like(h)
    err2 = None if vHv is None else np.empty_like(h)
    for i, hi in enumerate(h):
        ft = float(fun(x + hi * v)[0])
        err0[i] = abs(ft - f0)
        err1[i] = abs(ft - f0 - hi * dvdf)
        if err2 is not None:
            err2[i] = abs(ft - f0 - hi * dvdf - 0.5 * hi**2 * vHv)
    scale = max(abs(f0), abs(dvdf), 1e-300)
    floor = 1e3 * np.finfo(float).eps * max(scale, 1.0 if scale > 1e-8 else scale)
    order0 = observed_order(h, err0, floor)
    order1 = observed_order(h, err1, floor)
    order2 = float("nan") if err2 is None else observed_order(h, err2, floor)
    exact = bool(np.all(err1 <= floor))
    passed = exact or (np.isfinite(order1) and order1 >= 1.5)
    if err2 is not None:  # also when f is affine along v: then a correct Hessian gives v'Hv = 0
        exact2 = bool(np.all(err2 <= floor))
        passed = passed and (exact2 or (np.isfinite(order2) and order2 >= 2.5))
    return DerivativeCheck(h, err0, err1, err2, order0, order1, order2, bool(passed), exact)


def adjoint_check(
    J: Callable[[np.ndarray], np.ndarray],
    JT: Callable[[np.ndarray], np.ndarray],
    shape_in: int | tuple[int, ...],
    *,
    seed: int = 0,
    rtol: float = 1e-10,
) -> AdjointCheck:
    r"""Adjoint (dot-product) test :math:`\langle w, J v\rangle = \langle J^\top w, v\rangle`.

    ``v`` (of shape ``shape_in``) and ``w`` (of the shape of ``J(v)``) are standard normal draws
    with ``seed``. Passes when the relative gap
    :math:`|\mathrm{lhs} - \mathrm{rhs}| / \max(|\mathrm{lhs}|, |\mathrm{rhs}|)` is at most ``rtol``.

    Parameters
    ----------
    J : callable
        ``J(v)``, the linear map (matrix-free).
    JT : callable
        ``JT(w)``, its claimed transpose.
    shape_in : int or tuple of int
        Shape of ``v``.
    seed : int
        Seed of ``v`` and ``w``.
    rtol : float
        Tolerance on the relative gap.

    Returns
    -------
    AdjointCheck
        ``lhs``, ``rhs``, ``rel_error`` and ``passed``.

    Raises
    ------
    ValueError
        If ``JT(w)`` does not have as many entries as ``v``.

    References
    ----------
    Claerbout, *Earth Soundings Analysis*, 1992 (the dot-product test).

    Examples
    --------
    >>> M = np.arange(6.0).reshape(2, 3)
    >>> adjoint_check(lambda v: M @ v, lambda w: M.T @ w, 3).passed
    True
    """
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(shape_in)
    Jv = np.asarray(J(v), dtype=np.float64)
    w = rng.standard_normal(Jv.shape)
    JTw = np.asarray(JT(w), dtype=np.float64)
    if JTw.size != v.size:
        raise ValueError(f"J^T w has {JTw.size} entries but v has {v.size}: JT is not the transpose of J")
    lhs = float(w.ravel() @ Jv.ravel())
    rhs = float(JTw.ravel() @ v.ravel())
    denom = max(abs(lhs), abs(rhs), np.finfo(float).tiny)
    rel = abs(lhs - rhs) / denom
    return AdjointCheck(lhs, rhs, float(rel), bool(rel <= rtol))


@dataclass(frozen=True)
class Agreement:
    """The result of :func:`agreement`: a computed value against an independent reference.

    Attributes
    ----------
    name : str
        What was compared (e.g. ``"Tikhonov solution"``).
    reference : str
        What it was compared with (e.g. ``"scipy.sparse.linalg.lsqr"``).
    rel_error : float
        :math:`\\|a - r\\| / \\max(\\|r\\|, \\text{tiny})`.
    rtol : float
        The tolerance.
    passed : bool
        ``rel_error <= rtol``.
    """

    name: str
    reference: str
    rel_error: float
    rtol: float
    passed: bool


def agreement(name: str, value, reference_value, *, reference: str, rtol: float = 1e-8) -> Agreement:
    r"""Compare a computed value with an independent reference: :math:`\|a - r\| \le \text{rtol}\,\|r\|`.

    Parameters
    ----------
    name : str
        What is compared, for the reader.
    value, reference_value : array_like
        The computed value ``a`` and the reference ``r`` (same shape; scalars allowed).
    reference : str
        Where ``r`` comes from (another algorithm: a closed form, scipy, scikit-learn).
    rtol : float, optional
        Relative tolerance (default 1e-8).

    Returns
    -------
    Agreement
        The relative error (Euclidean norm of the difference over that of ``r``) and the verdict.

    Raises
    ------
    ValueError
        If the shapes differ or ``rtol`` is not positive.

    Examples
    --------
    >>> agreement("sum", 1.0 + 1e-12, 1.0, reference="exact").passed
    True
    """
    a = np.asarray(value, dtype=np.float64)
    r = np.asarray(reference_value, dtype=np.float64)
    if a.shape != r.shape:
        raise ValueError(f"value has shape {a.shape} but the reference has shape {r.shape}")
    if not rtol > 0:
        raise ValueError(f"rtol must be positive, got {rtol}")
    denom = max(float(np.linalg.norm(r)), np.finfo(float).tiny)
    rel = float(np.linalg.norm(a - r)) / denom
    return Agreement(name, reference, rel, float(rtol), bool(np.isfinite(rel) and rel <= rtol))
