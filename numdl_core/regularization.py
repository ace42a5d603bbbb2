r"""Regularizing an ill-posed least-squares problem: Tikhonov, truncated SVD, the L-curve and early stopping.

With the SVD :math:`A = U \Sigma V^\top` and :math:`\beta = U^\top b`, every regularized solution here is
:math:`x = \sum_i \varphi_i \frac{\beta_i}{\sigma_i} v_i` with filter factors :math:`\varphi_i`
(:func:`numdl_core.lstsq.filter_factors`): all ones for the naive solution :math:`A^{-1} b`, which amplifies the
noise in :math:`\beta_i` by :math:`1/\sigma_i`; :math:`\sigma_i^2/(\sigma_i^2 + \alpha)` for Tikhonov; 1 for the
first k terms for the truncated SVD. CGLS on the unregularized problem regularizes by its iteration count: the
error to the true solution first falls, then rises (semi-convergence).

References
----------
P. C. Hansen, *Discrete Inverse Problems: Insight and Algorithms*, SIAM, 2010 (Ch. 4: filter factors, TSVD,
Tikhonov; Sec. 5.3: the L-curve; Sec. 6.3: CGLS and semi-convergence).
P. C. Hansen and D. P. O'Leary, The use of the L-curve in the regularization of discrete ill-posed problems,
SIAM J. Sci. Comput. 14 (1993) 1487-1503.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 2 (deblurring).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from numdl_core.lstsq import cgls, filter_factors, l_curve, l_curve_corner, lsqr_reference, tikhonov_svd

__all__ = ["relative_error", "Regularizations", "compare_regularizations", "SemiConvergence", "semi_convergence"]


def relative_error(x, x_true) -> float:
    r"""Relative error :math:`\|x - x_\text{true}\| / \|x_\text{true}\|`.

    Parameters
    ----------
    x, x_true : array_like, same shape
        ``x_true`` nonzero.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes differ or ``x_true`` is zero.

    References
    ----------
    Hansen (2010), Sec. 4.3 (measuring the quality of a regularized solution).

    Examples
    --------
    >>> relative_error([1.0, 1.0], [1.0, 0.0])
    1.0
    """
    x, x_true = np.asarray(x, dtype=np.float64), np.asarray(x_true, dtype=np.float64)
    if x.shape != x_true.shape:
        raise ValueError(f"x has shape {x.shape} but x_true has shape {x_true.shape}")
    norm = float(np.linalg.norm(x_true))
    if norm == 0:
        raise ValueError("x_true is zero: the relative error is undefined")
    return float(np.linalg.norm(x - x_true)) / norm


@dataclass(frozen=True)
class Regularizations:
    r"""Tikhonov, truncated SVD and the naive solution of one problem, side by side (:func:`compare_regularizations`).

    Attributes
    ----------
    s : ndarray, shape (p,)
        Singular values of A, descending.
    beta : ndarray, shape (p,)
        :math:`U^\top b` (the Picard plot compares :math:`|\beta_i|` with :math:`\sigma_i`).
    phi : ndarray, shape (p,)
        Tikhonov filter factors :math:`\sigma_i^2/(\sigma_i^2 + \alpha)` of the chosen alpha.
    x_naive, x_tikhonov, x_tsvd, x_corner : ndarray, shape (n,)
        :math:`A^{-1} b` (all filter factors 1), Tikhonov with ``alpha``, TSVD with ``k`` terms, Tikhonov at the
        L-curve corner.
    errors : dict
        Relative errors to ``x_true`` of ``"naive"``, ``"tikhonov"``, ``"tsvd"``, ``"corner"``.
    alphas, residual_norms, solution_norms : ndarray, shape (q,)
        The L-curve :math:`(\|Ax_\alpha - b\|, \|x_\alpha\|)` (:func:`numdl_core.lstsq.l_curve`).
    corner : int
        Index of the L-curve corner in ``alphas`` (:func:`numdl_core.lstsq.l_curve_corner`).
    x_lsqr : ndarray, shape (n,)
        scipy's LSQR with :math:`\text{damp} = \sqrt\alpha`: an independent reference for ``x_tikhonov``.
    """

    s: np.ndarray
    beta: np.ndarray
    phi: np.ndarray
    x_naive: np.ndarray
    x_tikhonov: np.ndarray
    x_tsvd: np.ndarray
    x_corner: np.ndarray
    errors: dict
    alphas: np.ndarray
    residual_norms: np.ndarray
    solution_norms: np.ndarray
    corner: int
    x_lsqr: np.ndarray

    @property
    def cond(self) -> float:
        r"""cond(A) :math:`= \sigma_1/\sigma_p`."""
        return float(self.s[0] / self.s[-1])

    @property
    def alpha_corner(self) -> float:
        r"""The alpha at the L-curve corner."""
        return float(self.alphas[self.corner])

    def summary(self) -> dict:
        r"""The headline numbers: cond(A), the relative errors and the alpha of the L-curve corner.

        Returns
        -------
        dict
            ``{"cond(A)", "error, no regularization", "error, Tikhonov", "error, truncated SVD",
            "L-curve corner α", "error at the corner"}`` to floats.
        """
        e = self.errors
        return {"cond(A)": self.cond, "error, no regularization": e["naive"], "error, Tikhonov": e["tikhonov"],
                "error, truncated SVD": e["tsvd"], "L-curve corner α": self.alpha_corner, "error at the corner": e["corner"]}


def compare_regularizations(A, b, x_true, *, alpha: float, k: int, alphas=None,
                            lsqr_iterations: int = 5000) -> Regularizations:
    r"""Solve an ill-posed :math:`Ax = b` naively, by Tikhonov (``alpha``), by the truncated SVD (``k``) and by
    Tikhonov at the corner of the L-curve; compare each with ``x_true``.

    One SVD serves every solution: :math:`x = V \operatorname{diag}(\varphi_i/\sigma_i) U^\top b`.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    b : ndarray, shape (m,)
    x_true : ndarray, shape (n,)
        The true solution (nonzero).
    alpha : float
        Tikhonov parameter, ``>= 0``.
    k : int
        Number of kept terms of the truncated SVD, ``0 <= k <= min(m, n)``.
    alphas : array_like, optional
        The L-curve's alphas, at least 5, ``> 0``, ordered; default ``np.logspace(-10, 1, 60)``.
    lsqr_iterations : int
        Iteration limit of the LSQR reference (ill-posed problems with small alpha need many).

    Returns
    -------
    Regularizations

    Raises
    ------
    ValueError
        If ``k`` is out of range, ``alpha < 0``, or the shapes do not match.

    References
    ----------
    Hansen (2010), Sec. 4.2-4.4 and 5.3; Paige and Saunders (1982), LSQR.

    Examples
    --------
    >>> from numdl_core.testproblems import deblur_problem
    >>> A, b, x_true = deblur_problem(64, width=0.03, noise=0.01, seed=0)
    >>> r = compare_regularizations(A, b, x_true, alpha=1e-3, k=20)
    >>> r.errors["naive"] > 10 * r.errors["tikhonov"], r.errors["tikhonov"] < 0.3
    (True, True)
    """
    A = np.asarray(A, dtype=np.float64)
    b, x_true = np.asarray(b, dtype=np.float64), np.asarray(x_true, dtype=np.float64)
    if A.ndim != 2 or b.shape != (A.shape[0],) or x_true.shape != (A.shape[1],):
        raise ValueError(f"need A (m, n), b (m,), x_true (n,); got {A.shape}, {b.shape}, {x_true.shape}")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    if not 0 <= int(k) <= s.size:
        raise ValueError(f"k must be between 0 and {s.size} (the number of singular values), got {k}")
    beta = U.T @ b
    x_naive = Vt.T @ (filter_factors(s, svd_inverse=True) * beta)
    x_tik = tikhonov_svd(U, s, Vt, b, alpha)
    x_tsvd = Vt.T @ (filter_factors(s, k=int(k), svd_inverse=True) * beta)
    alphas = np.logspace(-10, 1, 60) if alphas is None else np.asarray(alphas, dtype=np.float64)
    res, sol = l_curve(A, b, alphas)
    corner = l_curve_corner(res, sol, alphas)
    x_corner = tikhonov_svd(U, s, Vt, b, float(alphas[corner]))
    errors = {name: relative_error(x, x_true) for name, x in
              (("naive", x_naive), ("tikhonov", x_tik), ("tsvd", x_tsvd), ("corner", x_corner))}
    return Regularizations(s=s, beta=beta, phi=filter_factors(s, alpha=alpha), x_naive=x_naive, x_tikhonov=x_tik,
                           x_tsvd=x_tsvd, x_corner=x_corner, errors=errors, alphas=alphas, residual_norms=res,
                           solution_norms=sol, corner=corner,
                           x_lsqr=lsqr_reference(A, b, alpha, iter_lim=lsqr_iterations))


@dataclass(frozen=True)
class SemiConvergence:
    r"""The error curve of CGLS on an ill-posed problem (:func:`semi_convergence`).

    Attributes
    ----------
    errors : ndarray, shape (k + 1,)
        :math:`\|x_j - x_\text{true}\|/\|x_\text{true}\|` for iterations :math:`j = 0..k` (fewer if CGLS stopped).
    best_iteration : int
        The iteration of the smallest error: the best early-stopping point.
    residual_norms, solution_norms : ndarray, shape (k + 1,)
        :math:`\|A x_j - b\|` and :math:`\|x_j\|` at each iteration: the L-curve of the CGLS iterates, with the
        iteration count as the regularization parameter (:math:`\|A x_j - b\|` decreases monotonically and
        :math:`\|x_j\|` increases monotonically from :math:`x_0 = 0`; Hansen 2010, Sec. 6.3.2).
    """

    errors: np.ndarray
    best_iteration: int
    residual_norms: np.ndarray
    solution_norms: np.ndarray

    @property
    def best_error(self) -> float:
        r"""The smallest relative error."""
        return float(self.errors[self.best_iteration])

    @property
    def final_error(self) -> float:
        r"""The relative error at the last iteration."""
        return float(self.errors[-1])

    def summary(self) -> dict:
        r"""The headline numbers: the smallest error, its iteration and the error now.

        Returns
        -------
        dict
            ``{"CGLS smallest error", "CGLS best iteration", "CGLS error now"}`` to floats.
        """
        return {"CGLS smallest error": self.best_error, "CGLS best iteration": float(self.best_iteration),
                "CGLS error now": self.final_error}


def semi_convergence(A, b, x_true, iterations: int) -> SemiConvergence:
    r"""Run CGLS (:func:`numdl_core.lstsq.cgls`, from :math:`x_0 = 0`) for ``iterations`` iterations on the
    unregularized problem and record the relative error to ``x_true``, the residual norm and the solution norm at each.

    On an ill-posed problem with noisy data the error first falls (the large singular values are resolved), then
    rises as the iterates start to fit the noise: the iteration count acts as the regularization parameter. The
    points :math:`(\|A x_j - b\|, \|x_j\|)`, :math:`j = 0, 1, \dots`, trace the L-curve of the iterates, the
    analogue of the Tikhonov L-curve :math:`(\|A x_\alpha - b\|, \|x_\alpha\|)` with :math:`1/j` in the role of
    :math:`\alpha`.

    Parameters
    ----------
    A : ndarray, sparse matrix or LinearOperator, shape (m, n)
    b : ndarray, shape (m,)
    x_true : ndarray, shape (n,)
        Nonzero.
    iterations : int
        ``>= 0``.

    Returns
    -------
    SemiConvergence

    Raises
    ------
    ValueError
        If ``iterations < 0`` (and see :func:`relative_error`, :func:`numdl_core.lstsq.cgls`).

    References
    ----------
    Hansen (2010), Sec. 6.3.2; Björck (1996), Sec. 7.4.

    Examples
    --------
    >>> from numdl_core.testproblems import deblur_problem
    >>> A, b, x_true = deblur_problem(64, width=0.03, noise=0.01, seed=0)
    >>> sc = semi_convergence(A, b, x_true, 200)
    >>> 0 < sc.best_iteration < 200 and sc.final_error > 1.5 * sc.best_error
    True
    """
    if int(iterations) < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    steps = list(itertools.islice(cgls(A, b), int(iterations) + 1))
    errors = np.array([relative_error(step.x, x_true) for step in steps])
    return SemiConvergence(errors=errors, best_iteration=int(np.argmin(errors)),
                           residual_norms=np.array([step.info["residual_norm"] for step in steps]),
                           solution_norms=np.array([step.info["x_norm"] for step in steps]))
