r"""Linear least squares: direct solvers, filtering, and iterative methods.

All solvers here minimize the Tikhonov-regularized least-squares objective

.. math:: f(x) = \|A x - b\|^2 + \alpha \|x\|^2, \qquad \alpha \ge 0,

whose minimizer solves the normal equations :math:`(A^\top A + \alpha I) x = A^\top b`.

References
----------
G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 2013 (Ch. 5: QR, SVD, normal equations).
P. C. Hansen, *Discrete Inverse Problems: Insight and Algorithms*, SIAM, 2010 (filter factors, TSVD, L-curve).
A. Björck, *Numerical Methods for Least Squares Problems*, SIAM, 1996 (CGLS, Sec. 7.4).
C. C. Paige and M. A. Saunders, LSQR, ACM TOMS 8 (1982) 43-71.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 2.
"""
from __future__ import annotations

import itertools
from typing import Iterator

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from numdl_core._validate import as_float_array, check_array, check_count, check_nonneg
from numdl_core.iterate import BLOWUP, Step, _drive, check_positive, check_stop, record, tunable

__all__ = [
    "METHODS",
    "solve",
    "filter_factors",
    "tsvd",
    "tikhonov_svd",
    "steepest_descent",
    "cgls",
    "l_curve",
    "l_curve_corner",
    "lsqr_reference",
    "objective",
    "sd_rate",
    "cg_rate",
]

METHODS = ("normal", "qr", "svd")


def _as_array(A, name: str = "A") -> np.ndarray:
    A = as_float_array(name, A)
    if A.ndim != 2:
        raise ValueError(f"{name} must be a 2-D matrix, got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return A


def _check_b(b, m: int) -> np.ndarray:
    b = as_float_array("b", b)
    if b.ndim not in (1, 2) or b.shape[0] != m:
        raise ValueError(f"b must have {m} rows (one per row of A), got shape {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError("b has non-finite entries (nan or inf)")
    return b


def _check_alpha(alpha: float) -> float:
    return check_nonneg("the regularization parameter alpha", alpha)


def objective(A, b: np.ndarray, x: np.ndarray, alpha: float = 0.0) -> float:
    r"""The objective :math:`f(x) = \|A x - b\|^2 + \alpha \|x\|^2` that every solver here minimizes.

    Parameters
    ----------
    A : ndarray, sparse matrix or LinearOperator, shape (m, n)
    b : ndarray, shape (m,)
    x : ndarray, shape (n,)
    alpha : float
        Tikhonov parameter.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Shapes that do not match, non-finite entries of a dense ``A``, ``b`` or ``x``, ``alpha < 0``.
    TypeError
        Arguments that are no arrays of numbers.

    References
    ----------
    Hansen (2010), Sec. 4.4 (Tikhonov regularization); Ruthotto and Haber, Module 2.
    """
    if not (sp.issparse(A) or isinstance(A, spla.LinearOperator)):
        A = _as_array(A)
    x = check_array("x", x, ndim=1)
    if x.shape[0] != A.shape[1]:
        raise ValueError(f"x must have {A.shape[1]} entries (one per column of A), got {x.shape[0]}")
    b, alpha = _check_b(b, A.shape[0]), _check_alpha(alpha)
    r = A @ x - b
    return float(np.sum(r * r) + alpha * np.sum(x * x))


def solve(A, b, method: str = "qr", alpha: float = 0.0) -> np.ndarray:
    r"""Minimize :math:`\|A x - b\|^2 + \alpha \|x\|^2` by a direct method.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    b : ndarray, shape (m,) or (m, k)
        One right-hand side, or k of them (then x has shape (n, k)).
    method : {"normal", "qr", "svd"}
        ``"normal"``: Cholesky factorization of :math:`A^\top A + \alpha I` (cheap, but squares the
        condition number: relative error about :math:`\varepsilon\,\kappa(A)^2`); raises ``ValueError``
        when :math:`A^\top A + \alpha I` is numerically singular (estimated reciprocal condition number
        at most ``max(m, n) * eps``: A rank deficient, or cond(A) above roughly 1e7).
        ``"qr"``: economy QR with column pivoting of :math:`A` (or of :math:`[A; \sqrt{\alpha} I]`), then a
        triangular solve (error about :math:`\varepsilon\,\kappa(A)`); raises ``ValueError`` when A is
        rank deficient (``|R_nn| <= max(m, n) * eps * |R_11|``).
        ``"svd"``: :math:`x = \sum_i \frac{\sigma_i}{\sigma_i^2 + \alpha} (u_i^\top b) v_i`; with
        :math:`\alpha = 0` and rank-deficient :math:`A` the minimum-norm solution (singular values below
        ``min(m, n) * eps * sigma_1`` are treated as zero, see :func:`filter_factors`).
    alpha : float
        Tikhonov parameter, ``alpha >= 0``.

    Returns
    -------
    x : ndarray, shape (n,) or (n, k)

    Raises
    ------
    ValueError
        If ``A`` is not a finite 2-D matrix, ``b`` has the wrong number of rows or non-finite entries,
        ``alpha < 0``, ``method`` is unknown (the message lists :data:`METHODS`), or the method cannot solve
        the problem (``"normal"``: numerically singular; ``"qr"``: rank deficient, or more columns than rows
        with ``alpha = 0``; the message suggests ``"svd"`` or ``alpha > 0``).

    References
    ----------
    Golub and Van Loan (2013), Sec. 5.3 (normal equations, QR), 5.5 (SVD, minimum norm).

    Examples
    --------
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> b = np.array([1.0, 2.0, 4.0])
    >>> solve(A, b)
    array([1.333333, 2.333333])
    >>> np.allclose(solve(A, b, "normal"), solve(A, b, "svd"))
    True
    """
    A = _as_array(A)
    m, n = A.shape
    b = _check_b(b, m)
    alpha = _check_alpha(alpha)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "normal":
        M = A.T @ A
        if alpha > 0:
            M[np.diag_indices(n)] += alpha
        msg = (
            "the normal equations matrix A'A + alpha I is numerically singular "
            "(A is rank deficient or too ill-conditioned): use alpha > 0, QR or SVD"
        )
        try:
            c = sla.cho_factor(M, lower=True, check_finite=False)
        except np.linalg.LinAlgError as err:
            raise ValueError(msg) from err
        # A Cholesky factorization of a rank-deficient A'A often "succeeds" on round-off pivots:
        # reject it when the estimated reciprocal condition number of A'A + alpha I is below
        # max(m, n) * eps (LAPACK dpocon, 1-norm estimate).
        rcond, _ = lapack.dpocon(c[0], float(np.abs(M).sum(axis=0).max()), uplo="L")
        if not rcond > max(m, n) * np.finfo(float).eps:
            raise ValueError(msg)
        return sla.cho_solve(c, A.T @ b, check_finite=False)
    if method == "qr":
        if alpha > 0:
            A_aug = np.vstack([A, np.sqrt(alpha) * np.eye(n)])
            b_aug = np.concatenate([b, np.zeros((n,) + b.shape[1:])])
        else:
            if m < n:
                raise ValueError(
                    f"A has more columns ({n}) than rows ({m}): the QR solution is not unique; use method='svd' "
                    "(minimum norm) or alpha > 0"
                )
            A_aug, b_aug = A, b
        # Column pivoting (A P = Q R with |R_11| >= |R_22| >= ...) makes the rank test on diag(R) reliable;
        # without it a rank-deficient A can hide behind large diagonal entries of R.
        Q, R, piv = sla.qr(A_aug, mode="economic", pivoting=True, check_finite=False)
        d = np.abs(np.diag(R))
        if d.min() <= max(A_aug.shape) * np.finfo(float).eps * max(d.max(), np.finfo(float).tiny):
            raise ValueError("A is rank deficient: QR cannot solve it; use method='svd' (minimum norm) or alpha > 0")
        z = sla.solve_triangular(R, Q.T @ b_aug, lower=False, check_finite=False)
        x = np.empty_like(z)
        x[piv] = z
        return x
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return Vt.T @ (filter_factors(s, alpha=alpha, svd_inverse=True)[(...,) + (None,) * (b.ndim - 1)] * (U.T @ b))


def filter_factors(
    s: np.ndarray, *, alpha: float | None = None, k: int | None = None, svd_inverse: bool = False
) -> np.ndarray:
    r"""Filter factors :math:`\phi_i` of a regularized SVD solution :math:`x = \sum_i \phi_i \frac{u_i^\top b}{\sigma_i} v_i`.

    Tikhonov: :math:`\phi_i = \sigma_i^2 / (\sigma_i^2 + \alpha)`. Truncated SVD with ``k`` terms:
    :math:`\phi_i = 1` for :math:`i \le k`, else 0. Neither: all ones except numerically zero
    singular values (below ``len(s) * eps * sigma_1``), which get 0.

    Parameters
    ----------
    s : ndarray, shape (p,)
        Singular values, descending.
    alpha : float, optional
        Tikhonov parameter (``>= 0``; 0 or None: no Tikhonov filter).
    k : int, optional
        Number of kept terms of the truncated SVD (``>= 0``); takes precedence over ``alpha``.
    svd_inverse : bool
        Return :math:`\phi_i / \sigma_i` instead (0 where :math:`\sigma_i = 0`).

    Returns
    -------
    phi : ndarray, shape (p,)

    Raises
    ------
    ValueError
        If ``k`` is not a whole number ``>= 0``, ``alpha < 0`` or ``s`` is not a finite 1-D array.

    References
    ----------
    Hansen (2010), Sec. 4.2 and 4.4.

    Examples
    --------
    >>> filter_factors(np.array([2.0, 1.0, 0.5]), alpha=1.0)
    array([0.8, 0.5, 0.2])
    >>> filter_factors(np.array([2.0, 1.0, 0.5]), k=2)
    array([1., 1., 0.])
    """
    s = check_array("s", s, ndim=1, nonempty=False)
    tiny = max(s.size, 1) * np.finfo(float).eps * (s.max() if s.size else 0.0)
    if k is not None:
        k = check_count("the truncation index k", k, minimum=0)
        phi = (np.arange(s.size) < k).astype(float) * (s > tiny)
    elif alpha is not None and _check_alpha(alpha) > 0:
        alpha = float(alpha)
        phi = s**2 / (s**2 + alpha)
    else:
        phi = (s > tiny).astype(float)
    if not svd_inverse:
        return phi
    out = np.zeros_like(s)
    nz = s > 0
    out[nz] = phi[nz] / s[nz]
    return out


def tsvd(A, b, k: int) -> np.ndarray:
    r"""Truncated SVD solution :math:`x_k = \sum_{i \le k} \frac{u_i^\top b}{\sigma_i} v_i`.

    Numerically zero singular values (see :func:`filter_factors`) are dropped even for ``i <= k``.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    b : ndarray, shape (m,) or (m, q)
    k : int
        Number of kept terms, ``0 <= k <= min(m, n)``.

    Returns
    -------
    x : ndarray, shape (n,) or (n, q)

    Raises
    ------
    ValueError
        If ``k`` is not a whole number in range, or ``A``, ``b`` are not finite arrays of matching rows.

    References
    ----------
    Hansen (2010), Sec. 4.2.
    """
    A = _as_array(A)
    b = _check_b(b, A.shape[0])
    k = check_count("k", k, minimum=0)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    if not 0 <= k <= s.size:
        raise ValueError(f"k must be between 0 and {s.size} (the number of singular values), got {k}")
    return Vt.T @ (filter_factors(s, k=k, svd_inverse=True) * (U.T @ b))


def tikhonov_svd(U: np.ndarray, s: np.ndarray, Vt: np.ndarray, b: np.ndarray, alpha: float) -> np.ndarray:
    r"""Tikhonov solution from a precomputed SVD: :math:`x = V \operatorname{diag}(\sigma/(\sigma^2+\alpha)) U^\top b`.

    The minimizer of :math:`\|Ax - b\|^2 + \alpha\|x\|^2` for :math:`A = U \operatorname{diag}(\sigma) V^\top`;
    one SVD then serves every ``alpha`` (an L-curve, a slider).

    Parameters
    ----------
    U : ndarray, shape (m, p)
    s : ndarray, shape (p,)
    Vt : ndarray, shape (p, n)
        The economy SVD, ``np.linalg.svd(A, full_matrices=False)``.
    b : ndarray, shape (m,)
    alpha : float
        Tikhonov parameter, ``>= 0``.

    Returns
    -------
    x : ndarray, shape (n,)
        :math:`\sum_i \phi_i (u_i^\top b / \sigma_i)\, v_i` with :math:`\phi_i = \sigma_i^2/(\sigma_i^2 + \alpha)`.

    Raises
    ------
    ValueError
        If ``alpha < 0`` (through :func:`filter_factors`).

    References
    ----------
    Hansen (2010), Sec. 4.4.
    """
    return Vt.T @ (filter_factors(s, alpha=alpha, svd_inverse=True) * (U.T @ b))


def _operator(A) -> spla.LinearOperator:
    if isinstance(A, spla.LinearOperator):
        return A
    if sp.issparse(A):
        return spla.aslinearoperator(A)
    return spla.aslinearoperator(_as_array(A))


def _start(A, b, x0, alpha):
    op = _operator(A)
    m, n = op.shape
    b = np.asarray(b, dtype=np.float64)
    if b.shape != (m,):
        raise ValueError(f"b must be a vector of length {m} (rows of A), got shape {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError("b has non-finite entries (nan or inf)")
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=np.float64).ravel()
    if x.shape != (n,):
        raise ValueError(f"x0 must have {n} entries (columns of A), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 has non-finite entries (nan or inf)")
    return op, b, x, _check_alpha(alpha)


def _check_sd_step(step: float | None) -> float | None:
    if step is None:
        return None
    try:
        return check_positive("step", step)
    except (TypeError, ValueError):
        raise ValueError(f"step must be a positive number (or None for the exact line search), got {step!r}") from None


_SD_TUNABLES = {"step": _check_sd_step}


@tunable(*_SD_TUNABLES)
def steepest_descent(
    A,
    b,
    *,
    alpha: float = 0.0,
    step: float | None = None,
    x0: np.ndarray | None = None,
    tol: float = 1e-10,
    maxiter: int = 10**7,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""Steepest descent for :math:`f(x) = \|Ax-b\|^2 + \alpha\|x\|^2`: :math:`x_{k+1} = x_k - t_k g_k`,

    with :math:`g_k = \nabla f(x_k) = 2(A^\top(Ax_k - b) + \alpha x_k)`.
    ``step=None`` is the exact line search :math:`t_k = \|g_k\|^2 / (2(\|A g_k\|^2 + \alpha \|g_k\|^2))`;
    a fixed ``step`` converges iff :math:`t < 1/\lambda_{\max}(A^\top A + \alpha I)` (i.e. step < 2/L with
    L = 2 lambda_max). The error contracts per iteration (exact line search, energy norm) by at most
    :math:`(\kappa-1)/(\kappa+1)`, :math:`\kappa = \operatorname{cond}(A^\top A + \alpha I)`. The generator
    follows the protocol of :mod:`numdl_core.iterate`.

    Parameters
    ----------
    A : ndarray, sparse matrix or scipy.sparse.linalg.LinearOperator, shape (m, n)
        The matrix (a LinearOperator makes the method matrix-free).
    b : array_like, shape (m,)
        The right-hand side.
    alpha : float, optional
        Tikhonov parameter, ``alpha >= 0``.
    step : float or None, optional
        A fixed step length :math:`t`, or None for the exact line search. Tunable (a float or None).
    x0 : array_like, shape (n,), optional
        The initial guess (copied); zero by default.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        ``loss`` is :math:`f(x)`; ``info`` holds ``residual_norm`` :math:`\|Ax-b\|`, ``step``, ``x_norm`` and
        ``work``. Cost per iteration: one product with :math:`A` and one with :math:`A^\top` (2 passes), with
        either kind of step.

    Raises
    ------
    ValueError
        For shapes that do not match, non-finite ``A``, ``b`` or ``x0``, ``alpha < 0``, a step that is not a
        positive number or None, a bad ``tol`` or ``maxiter``; or when a bad value is sent.

    References
    ----------
    J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Sec. 3.3 (rate of steepest
    descent). L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 2.

    Examples
    --------
    >>> A, b = np.diag([1.0, 2.0]), np.array([1.0, 2.0])       # solution x = (1, 1)
    >>> [s.loss for s in steepest_descent(A, b, step=0.125, maxiter=2)]   # x = (0, 0), (0.25, 1), (0.4375, 1)
    [5.0, 0.5625, 0.31640625]
    """
    op, b, x, alpha = _start(A, b, x0, alpha)
    params = {"step": _check_sd_step(step)}
    tol, maxiter = check_stop(tol, maxiter)
    return (yield from _drive(_sd_iterations(op, b, x, alpha, blowup), params, _SD_TUNABLES, tol=tol, maxiter=maxiter))


def _sd_iterations(op, b, x, alpha, blowup):
    """The iterations of :func:`steepest_descent` (see ``numdl_core.iterate._drive``)."""
    r = op.matvec(x) - b
    g = 2 * (op.rmatvec(r) + alpha * x)
    f0 = f = float(r @ r + alpha * x @ x)
    work = 0.0  # products with A or A^T after iteration 0

    def info(t: float) -> dict:
        return {"residual_norm": float(np.linalg.norm(r)), "step": t, "x_norm": float(np.linalg.norm(x))}

    params = yield record(0, x, f, float(np.linalg.norm(g)), info(0.0), work=work, loss0=f0, blowup=blowup)
    for k in itertools.count(1):
        gn = float(np.linalg.norm(g))
        if params["step"] is None:
            Ag = op.matvec(g)
            work += 1.0
            denom = 2 * (float(Ag @ Ag) + alpha * gn**2)
            t = gn**2 / denom if denom > 0 else 0.0
            reason = None if np.isfinite(denom) else "the product A g is not finite (nan or inf)"
            if t == 0.0 or reason:
                params = yield record(k, x, f, gn, {**info(0.0), "stalled": reason is None}, work=work, loss0=f0,
                                      blowup=blowup, reason=reason)
                continue
            x = x - t * g
            r = r - t * Ag
        else:
            t = params["step"]
            x = x - t * g
            r = op.matvec(x) - b
            work += 1.0
        g = 2 * (op.rmatvec(r) + alpha * x)
        work += 1.0
        f = float(r @ r + alpha * x @ x)
        params = yield record(k, x, f, float(np.linalg.norm(g)), info(t), work=work, loss0=f0, blowup=blowup)


@tunable()
def cgls(
    A,
    b,
    *,
    alpha: float = 0.0,
    x0: np.ndarray | None = None,
    tol: float = 1e-10,
    maxiter: int = 10**7,
    blowup: float = BLOWUP,
) -> Iterator[Step]:
    r"""CGLS: conjugate gradients on :math:`(A^\top A + \alpha I) x = A^\top b` without forming :math:`A^\top A`.

    With :math:`r_0 = b - A x_0`, :math:`s_0 = p_0 = A^\top r_0 - \alpha x_0` and :math:`\gamma_k = \|s_k\|^2`,
    each iteration computes :math:`q_k = A p_k`, :math:`a_k = \gamma_k / (\|q_k\|^2 + \alpha \|p_k\|^2)` and

    .. math::
        x_{k+1} = x_k + a_k p_k, \quad r_{k+1} = r_k - a_k q_k, \quad
        s_{k+1} = A^\top r_{k+1} - \alpha x_{k+1}, \quad p_{k+1} = s_{k+1} + (\gamma_{k+1}/\gamma_k)\, p_k .

    Iterates :math:`x_k` minimize :math:`f(x) = \|A x - b\|^2 + \alpha \|x\|^2` over the Krylov space
    :math:`x_0 + \mathcal K_k(A^\top A + \alpha I, s_0)`; the error in the energy norm contracts like
    :math:`2\left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^k` and in exact arithmetic the method ends
    after at most n steps (2 steps for a 3x2 problem). On ill-posed problems the iteration count acts as a
    regularization parameter (semi-convergence). A non-finite product with :math:`A` or :math:`A^\top` ends the
    run as diverged. The generator follows the protocol of :mod:`numdl_core.iterate`; it has no tunables (a new
    ``alpha`` would invalidate the conjugate directions: start a new run).

    Parameters
    ----------
    A, b, alpha, x0
        As for :func:`steepest_descent`.
    tol, maxiter, blowup : float, int, float, optional
        Stop at ``grad_norm <= tol * max(1, grad_norm_0)``, ``maxiter`` or a blow-up (:mod:`numdl_core.iterate`).

    Yields
    ------
    Step
        ``loss`` is :math:`f(x)`; ``grad_norm`` is :math:`\|\nabla f\| = 2\|A^\top(Ax-b) + \alpha x\|`; ``info``
        holds ``residual_norm`` :math:`\|Ax-b\|`, ``x_norm``, ``step`` (:math:`a_k`) and ``work``. Cost per
        iteration: one product with :math:`A` and one with :math:`A^\top` (2 passes).

    Raises
    ------
    ValueError
        For shapes that do not match, non-finite ``A``, ``b`` or ``x0``, ``alpha < 0``, a bad ``tol`` or
        ``maxiter``; or when anything is sent.

    References
    ----------
    A. Björck, *Numerical Methods for Least Squares Problems*, SIAM, 1996, Algorithm 7.4.1 (CGLS with damping).
    M. R. Hestenes and E. Stiefel, Methods of conjugate gradients for solving linear systems, J. Res. Nat. Bur.
    Standards 49 (1952) 409-436.

    Examples
    --------
    >>> A, b = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]), np.array([1.0, 2.0, 2.0])
    >>> steps = list(cgls(A, b))                       # n = 2 unknowns: done after 2 iterations
    >>> len(steps), steps[-1].x.round(10).tolist(), steps[-1].info["work"]
    (3, [1.1666666667, 0.5], 4.0)
    """
    op, b, x, alpha = _start(A, b, x0, alpha)
    tol, maxiter = check_stop(tol, maxiter)
    return (yield from _drive(_cgls_iterations(op, b, x, alpha, blowup), {}, {}, tol=tol, maxiter=maxiter))


def _cgls_iterations(op, b, x, alpha, blowup):
    """The iterations of :func:`cgls` (see ``numdl_core.iterate._drive``)."""
    r = b - op.matvec(x)
    s = op.rmatvec(r) - alpha * x
    p = s.copy()
    gamma = float(s @ s)
    f0 = f = float(r @ r + alpha * x @ x)
    work = 0.0  # products with A or A^T after iteration 0

    def info(a: float) -> dict:
        return {"residual_norm": float(np.linalg.norm(r)), "x_norm": float(np.linalg.norm(x)), "step": a}

    yield record(0, x, f, 2 * np.sqrt(gamma), info(0.0), work=work, loss0=f0, blowup=blowup)
    for k in itertools.count(1):
        q = op.matvec(p)
        work += 1.0
        delta = float(q @ q) + alpha * float(p @ p)
        if not np.isfinite(delta) or delta <= 0:  # A p not finite, or p = 0 after round-off
            reason = None if np.isfinite(delta) else "the product A p is not finite (nan or inf)"
            yield record(k, x, f, 2 * np.sqrt(gamma), {**info(0.0), "stalled": bool(np.isfinite(delta))}, work=work,
                         loss0=f0, blowup=blowup, reason=reason)
            continue
        a = gamma / delta
        x = x + a * p
        r = r - a * q
        s = op.rmatvec(r) - alpha * x
        work += 1.0
        gamma_new = float(s @ s)
        p = s + (gamma_new / gamma) * p
        gamma = gamma_new
        f = float(r @ r + alpha * x @ x)
        yield record(k, x, f, 2 * np.sqrt(gamma), info(a), work=work, loss0=f0, blowup=blowup)


def l_curve(A, b, alphas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Points of the L-curve :math:`(\|A x_\alpha - b\|, \|x_\alpha\|)` for Tikhonov solutions :math:`x_\alpha`.

    Computed from one SVD :math:`A = U \Sigma V^\top`, with :math:`\beta = U^\top b`:
    :math:`\|x_\alpha\|^2 = \sum_i (\phi_i \beta_i / \sigma_i)^2` and
    :math:`\|A x_\alpha - b\|^2 = \sum_i ((1 - \phi_i)\beta_i)^2 + \|b - U\beta\|^2` (:func:`filter_factors`).

    Parameters
    ----------
    A : ndarray, shape (m, n)
    b : ndarray, shape (m,)
    alphas : ndarray, shape (k,)
        Tikhonov parameters, each ``>= 0``.

    Returns
    -------
    residual_norms : ndarray, shape (k,)
        :math:`\|A x_\alpha - b\|` for each alpha.
    solution_norms : ndarray, shape (k,)
        :math:`\|x_\alpha\|` for each alpha.

    Raises
    ------
    ValueError
        If ``b`` is not a single vector or an alpha is negative or not finite.

    References
    ----------
    Hansen (2010), Sec. 5.3; Hansen and O'Leary (1993).
    """
    A = _as_array(A)
    b = _check_b(b, A.shape[0])
    if b.ndim != 1:
        raise ValueError("l_curve takes a single right-hand side b")
    alphas = np.asarray(alphas, dtype=np.float64)
    if np.any(alphas < 0) or not np.all(np.isfinite(alphas)):
        raise ValueError("every alpha must be a finite number >= 0")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    beta = U.T @ b
    b_perp2 = max(float(b @ b - beta @ beta), 0.0)  # part of b outside range(A)
    res, sol = np.empty(alphas.size), np.empty(alphas.size)
    for i, a in enumerate(alphas):
        phi = filter_factors(s, alpha=a)
        coef = np.zeros_like(s)
        nz = s > 0
        coef[nz] = phi[nz] * beta[nz] / s[nz]
        sol[i] = np.linalg.norm(coef)
        res[i] = np.sqrt(np.sum(((1 - phi) * beta) ** 2) + b_perp2)
    return res, sol


def l_curve_corner(residual_norms: np.ndarray, solution_norms: np.ndarray, alphas: np.ndarray) -> int:
    r"""Index of the L-curve corner: the point of maximum curvature of :math:`(\log\|r\|, \log\|x\|)`
    as a function of :math:`\log\alpha` (finite differences).

    With :math:`u = \log\|r\|`, :math:`v = \log\|x\|` and :math:`t = \log\alpha`, the curvature is
    :math:`\kappa = (u' v'' - u'' v') / (u'^2 + v'^2)^{3/2}`; the two points at each end are excluded.

    Parameters
    ----------
    residual_norms, solution_norms : ndarray, shape (k,)
        From :func:`l_curve`, all ``> 0``.
    alphas : ndarray, shape (k,)
        At least 5 values, all ``> 0``, ordered.

    Returns
    -------
    int
        The index into ``alphas`` of the corner.

    Raises
    ------
    ValueError
        If the shapes differ, fewer than 5 alphas are given, or a value is not positive.

    References
    ----------
    Hansen and O'Leary (1993); Hansen (2010), Sec. 5.3.
    """
    alphas = np.asarray(alphas, dtype=float)
    residual_norms = np.asarray(residual_norms, dtype=float)
    solution_norms = np.asarray(solution_norms, dtype=float)
    if alphas.ndim != 1 or residual_norms.shape != alphas.shape or solution_norms.shape != alphas.shape:
        raise ValueError(
            f"alphas, residual_norms and solution_norms must be 1-D of equal length, got shapes "
            f"{alphas.shape}, {residual_norms.shape}, {solution_norms.shape}"
        )
    if alphas.size < 5:
        raise ValueError("the L-curve corner needs at least 5 values of alpha")
    if not (np.all(alphas > 0) and np.all(np.isfinite(alphas))):
        raise ValueError("the L-curve corner works on log(alpha): every alpha must be a finite number > 0")
    if not (np.all(residual_norms > 0) and np.all(solution_norms > 0)):
        raise ValueError("the L-curve corner works on log-norms: every residual and solution norm must be > 0")
    t, u, v = np.log(alphas), np.log(residual_norms), np.log(solution_norms)
    du, dv = np.gradient(u, t), np.gradient(v, t)
    ddu, ddv = np.gradient(du, t), np.gradient(dv, t)
    kappa = (du * ddv - ddu * dv) / np.maximum((du**2 + dv**2) ** 1.5, 1e-300)
    kappa[:2] = kappa[-2:] = -np.inf  # one-sided differences at the ends are unreliable
    return int(np.argmax(kappa))


def lsqr_reference(A, b, alpha: float = 0.0, *, atol: float = 1e-14, btol: float = 1e-14, iter_lim: int | None = None) -> np.ndarray:
    r"""``scipy.sparse.linalg.lsqr`` for the same objective (``damp = sqrt(alpha)``): an independent reference.

    LSQR minimizes :math:`\|Ax - b\|^2 + \mathrm{damp}^2\|x\|^2`, the objective of :func:`objective`.

    Parameters
    ----------
    A : ndarray, sparse matrix or LinearOperator, shape (m, n)
    b : ndarray, shape (m,)
    alpha : float
        Tikhonov parameter, ``>= 0``.
    atol, btol : float
        LSQR's stopping tolerances.
    iter_lim : int, optional
        LSQR's iteration limit (scipy's default if None).

    Returns
    -------
    x : ndarray, shape (n,)
        LSQR's solution, the first output of ``scipy.sparse.linalg.lsqr``.

    Raises
    ------
    ValueError
        If ``alpha`` is negative or not finite.

    References
    ----------
    Paige and Saunders (1982).
    """
    alpha = _check_alpha(alpha)
    return spla.lsqr(_operator(A), np.asarray(b, dtype=float), damp=np.sqrt(alpha), atol=atol, btol=btol,
                     iter_lim=iter_lim)[0]


def sd_rate(kappa: float) -> float:
    r"""Steepest-descent contraction factor :math:`(\kappa - 1)/(\kappa + 1)` for the condition number
    :math:`\kappa` of the Hessian :math:`A^\top A + \alpha I` (so :math:`\kappa = \operatorname{cond}(A)^2` for
    :math:`\alpha = 0`).

    Parameters
    ----------
    kappa : float
        Condition number, ``>= 1``.

    Returns
    -------
    float
        The bound on the energy-norm error reduction per exact-line-search step.

    References
    ----------
    Nocedal and Wright (2006), Theorem 3.3.

    Examples
    --------
    >>> print(sd_rate(9.0), cg_rate(9.0))
    0.8 0.5
    """
    return (kappa - 1) / (kappa + 1)


def cg_rate(kappa: float) -> float:
    r"""Conjugate-gradient contraction factor :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`, :math:`\kappa` as in :func:`sd_rate`.

    The energy-norm error after k steps is at most :math:`2\,\mathrm{rate}^k` times the initial one.

    Parameters
    ----------
    kappa : float
        The condition number ``>= 1``, as for :func:`sd_rate`.

    Returns
    -------
    float

    References
    ----------
    Nocedal and Wright (2006), Eq. (5.36); Golub and Van Loan (2013), Theorem 11.3.3.
    """
    r = np.sqrt(kappa)
    return (r - 1) / (r + 1)
