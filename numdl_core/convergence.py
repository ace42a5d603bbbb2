r"""How fast steepest descent and CG solve a least-squares problem, and what preconditioning changes.

For :math:`f(x) = \|A x - b\|^2` the Hessian is :math:`2 A^\top A`; its condition number
:math:`\kappa = \operatorname{cond}(A^\top A) = \operatorname{cond}(A)^2` sets the rates. Errors are measured in
the energy norm :math:`\|e\|_{A^\top A} = \sqrt{e^\top A^\top A e} = \|A e\|`, in which steepest descent with the
exact line search contracts by at most :math:`(\kappa - 1)/(\kappa + 1)` per iteration (attained from the
worst-case start, :func:`worst_case_start`) and CG by :math:`2((\sqrt\kappa - 1)/(\sqrt\kappa + 1))^k` after k.

Right preconditioning with an invertible :math:`M` (the course's :math:`S = M^{-1}`) substitutes
:math:`x = M^{-1} y`: the solvers see :math:`\min_y \|A M^{-1} y - b\|^2`, whose condition number is that of
:math:`A M^{-1}`. Column scaling (``"jacobi"``) fixes badly scaled columns; :math:`M = R` from :math:`A = QR`
(``"qr"``) gives :math:`A M^{-1} = Q` with :math:`\kappa = 1`.

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer, 2006, Sec. 3.3 (Theorem 3.3, the rate
of steepest descent) and Sec. 5.1 (CG, Eq. 5.36).
Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM, 2003, Sec. 9.2 (right preconditioning).
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, Module 2 (the 3x2 exercise).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numdl_core._validate import check_positive
from numdl_core.lstsq import cg_rate, sd_rate, solve

__all__ = ["PRECONDITIONERS", "preconditioner", "energy_norm", "worst_case_start", "observed_rate",
           "Preconditioned", "preconditioned"]

PRECONDITIONERS = ("none", "jacobi", "qr")


def _matrix(A) -> np.ndarray:
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or not np.all(np.isfinite(A)):
        raise ValueError(f"A must be a finite 2-D matrix, got shape {A.shape}")
    return A


def preconditioner(A, kind: str = "none") -> np.ndarray:
    r"""A right preconditioner :math:`M` for :math:`\min_x \|A x - b\|`: the solvers iterate on :math:`y = M x`.

    ``"none"``: :math:`M = I`. ``"jacobi"`` (column scaling): :math:`M = \operatorname{diag}(\|a_1\|, \dots,
    \|a_n\|)`, so :math:`A M^{-1}` has unit columns (the Jacobi preconditioner of :math:`A^\top A`).
    ``"qr"``: :math:`M = R` of the economy QR factorization :math:`A = QR`, so :math:`A M^{-1} = Q` has
    orthonormal columns and condition number 1 (ideal, but as costly as a direct solve).

    Parameters
    ----------
    A : ndarray, shape (m, n)
    kind : {"none", "jacobi", "qr"}

    Returns
    -------
    M : ndarray, shape (n, n)
        Diagonal or upper triangular, invertible.

    Raises
    ------
    ValueError
        If ``kind`` is unknown (the message lists :data:`PRECONDITIONERS`), ``A`` is not a finite matrix, has a
        zero column (``"jacobi"``) or is rank deficient (``"qr"``).

    References
    ----------
    Saad (2003), Sec. 9.2 and 10.2; Golub and Van Loan (2013), Sec. 5.2 (QR).

    Examples
    --------
    >>> A = np.array([[3.0, 0.0], [4.0, 1.0]])
    >>> preconditioner(A, "jacobi")
    array([[5., 0.],
           [0., 1.]])
    """
    A = _matrix(A)
    if kind not in PRECONDITIONERS:
        raise ValueError(f"unknown preconditioner {kind!r}; choose one of {', '.join(PRECONDITIONERS)}")
    n = A.shape[1]
    if kind == "none":
        return np.eye(n)
    if kind == "jacobi":
        norms = np.linalg.norm(A, axis=0)
        if not np.all(norms > 0):
            raise ValueError("column scaling needs nonzero columns of A")
        return np.diag(norms)
    R = np.linalg.qr(A, mode="reduced")[1]
    d = np.abs(np.diag(R))
    if A.shape[0] < n or d.min() <= max(A.shape) * np.finfo(float).eps * d.max():
        raise ValueError("A is rank deficient: R of its QR factorization cannot be inverted")
    return R


def energy_norm(A, e) -> float:
    r"""The energy norm :math:`\|e\|_{A^\top A} = \sqrt{e^\top A^\top A\, e} = \|A e\|` of an error :math:`e`.

    Computed as :math:`\|Ae\|` (no product :math:`A^\top A`, which would square the condition number). For
    :math:`e = x - x^*` it is :math:`\sqrt{f(x) - f(x^*)}` with :math:`f(x) = \|Ax - b\|^2`.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    e : ndarray, shape (n,) or (n, k)
        One error vector, or k of them as columns (then one norm per column).

    Returns
    -------
    float or ndarray of shape (k,)

    References
    ----------
    Nocedal and Wright (2006), Sec. 3.3 (the weighted norm of Theorem 3.3).

    Examples
    --------
    >>> float(energy_norm(np.diag([3.0, 1.0]), np.array([1.0, 4.0])))
    5.0
    """
    r = np.asarray(A, dtype=np.float64) @ np.asarray(e, dtype=np.float64)
    return float(np.linalg.norm(r)) if r.ndim == 1 else np.linalg.norm(r, axis=0)


def worst_case_start(A, x_star, distance: float = 1.0) -> np.ndarray:
    r"""The start from which steepest descent with the exact line search is slowest on :math:`\|Ax - b\|^2`.

    With the eigenpairs :math:`(\lambda_1, v_1)` (smallest) and :math:`(\lambda_n, v_n)` (largest) of
    :math:`A^\top A`, the start :math:`x_0 = x^* - d\, e/\|e\|`, :math:`e = v_1/\lambda_1 + v_n/\lambda_n`, makes the
    first gradient :math:`2A^\top A (x_0 - x^*) \propto -(v_1 + v_n)` equally large along both extreme
    eigenvectors. Then every exact line-search step contracts the energy-norm error by exactly
    :math:`(\kappa - 1)/(\kappa + 1)`, :math:`\kappa = \lambda_n/\lambda_1`: the Kantorovich bound is attained.
    The eigenpairs come from the SVD of :math:`A` (:math:`\lambda_i = \sigma_i^2`), each eigenvector signed so
    that its entry of largest magnitude is positive.

    Parameters
    ----------
    A : ndarray, shape (m, n)
        Full column rank.
    x_star : ndarray, shape (n,)
        The least-squares solution.
    distance : float
        :math:`d = \|x_0 - x^*\|` (Euclidean), ``> 0``.

    Returns
    -------
    x0 : ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``A`` is rank deficient, shapes do not match, or ``distance`` is not positive.

    References
    ----------
    Nocedal and Wright (2006), Theorem 3.3 and the discussion after it; D. G. Luenberger and Y. Ye, *Linear and
    Nonlinear Programming*, 4th ed., Springer, 2016, Sec. 8.2 (Kantorovich inequality).

    Examples
    --------
    >>> worst_case_start(np.diag([1.0, 3.0]), np.zeros(2), distance=1.0).round(4)
    array([-0.9939, -0.1104])
    """
    A = _matrix(A)
    x_star = np.asarray(x_star, dtype=np.float64)
    if x_star.shape != (A.shape[1],):
        raise ValueError(f"x_star must have {A.shape[1]} entries (columns of A), got shape {x_star.shape}")
    distance = check_positive("distance", distance)
    _, s, Vt = np.linalg.svd(A, full_matrices=False)
    if A.shape[0] < A.shape[1] or s[-1] <= max(A.shape) * np.finfo(float).eps * s[0]:
        raise ValueError("A is rank deficient: the least-squares problem has no unique solution")
    v1, vn = (v * np.sign(v[np.argmax(np.abs(v))]) for v in (Vt[-1], Vt[0]))  # signs fixed: largest entry > 0
    e = v1 / s[-1] ** 2 + vn / s[0] ** 2
    return x_star - distance * e / np.linalg.norm(e)


def observed_rate(e0: float, ek: float, k: int) -> float:
    r"""The observed linear rate :math:`\rho = (e_k / e_0)^{1/k}`: the geometric mean contraction per iteration.

    Linear convergence :math:`e_k \approx C \rho^k` is a straight line on a log axis; this is its slope
    :math:`\log\rho` between iterations 0 and k.

    Parameters
    ----------
    e0, ek : float
        Errors at iterations 0 and k, both ``> 0``.
    k : int
        Number of iterations, ``>= 1``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``k < 1`` or an error is not a positive number.

    References
    ----------
    Nocedal and Wright (2006), Sec. 2.2 (rates of convergence).

    Examples
    --------
    >>> observed_rate(1.0, 0.125, 3)
    0.5
    """
    if int(k) < 1:
        raise ValueError(f"the rate needs k >= 1 iterations, got {k}")
    if not (e0 > 0 and ek > 0 and np.isfinite(e0) and np.isfinite(ek)):
        raise ValueError(f"the errors must be positive numbers, got e0 = {e0} and ek = {ek}")
    return float((ek / e0) ** (1.0 / int(k)))


@dataclass(frozen=True)
class Preconditioned:
    r"""The least-squares problem :math:`\min_y \|A M^{-1} y - b\|^2` that SD and CG see, with its rates.

    Made by :func:`preconditioned`. Iterates :math:`y` of the solvers are :math:`x = M^{-1} y` in the original
    variables; errors are relative energy-norm errors :math:`\|A(x - x^*)\| / \|A(x_0 - x^*)\|` (the same in
    :math:`x` and :math:`y`).

    Attributes
    ----------
    A : ndarray, shape (m, n)
        The matrix :math:`A M^{-1}` the solvers see.
    b : ndarray, shape (m,)
    M : ndarray, shape (n, n)
        The preconditioner (:func:`preconditioner`).
    x_star, y_star : ndarray, shape (n,)
        The least-squares solution :math:`x^*` and :math:`y^* = M x^*`.
    y0 : ndarray, shape (n,)
        The worst-case start (:func:`worst_case_start` for :math:`A M^{-1}`), in the solvers' variables.
    eigenvalues : ndarray, shape (n,)
        Of :math:`(A M^{-1})^\top A M^{-1}`, ascending.
    cond_A : float
        cond(A) of the original matrix (13.0, 250, 2.45e5 for the 3x2 exercise with a = 1, 1e-2, 1e-5).
    kappa_original : float
        :math:`\operatorname{cond}(A)^2`, the condition number of :math:`A^\top A` without preconditioning.
    x_true : ndarray of shape (n,), or None
        The parameters that made the data, when known: :meth:`true_error` measures the distance to them.
    """

    A: np.ndarray
    b: np.ndarray
    M: np.ndarray
    x_star: np.ndarray
    y_star: np.ndarray
    y0: np.ndarray
    eigenvalues: np.ndarray
    cond_A: float
    kappa_original: float
    x_true: np.ndarray | None = None

    @property
    def kappa(self) -> float:
        r"""Condition number :math:`\kappa = \lambda_{\max}/\lambda_{\min}` of :math:`(AM^{-1})^\top AM^{-1}`."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    @property
    def sd_rate(self) -> float:
        r"""Steepest-descent factor :math:`(\kappa - 1)/(\kappa + 1)` (exact line search, energy norm)."""
        return float(sd_rate(self.kappa))

    @property
    def cg_rate(self) -> float:
        r"""CG factor :math:`(\sqrt\kappa - 1)/(\sqrt\kappa + 1)`."""
        return float(cg_rate(self.kappa))

    @property
    def step_limit(self) -> float:
        r"""Largest stable fixed step :math:`1/\lambda_{\max}` for :math:`f = \|AM^{-1}y - b\|^2` (that is 2/L with
        :math:`L = 2\lambda_{\max}`): the error grows by :math:`|1 - 2t\lambda_{\max}| > 1` per step beyond it.
        """
        return float(1.0 / self.eigenvalues[-1])

    def summary(self) -> dict:
        r"""The headline numbers: cond(A), :math:`\kappa`, the SD and CG factors and the stable step limit.

        Returns
        -------
        dict
            ``{"cond(A)", "κ = cond((AM⁻¹)ᵀAM⁻¹)", "SD factor (κ−1)/(κ+1)", "CG factor (√κ−1)/(√κ+1)",
            "stable step limit 1/λmax"}`` to floats.
        """
        return {"cond(A)": self.cond_A, "κ = cond((AM⁻¹)ᵀAM⁻¹)": self.kappa, "SD factor (κ−1)/(κ+1)": self.sd_rate,
                "CG factor (√κ−1)/(√κ+1)": self.cg_rate, "stable step limit 1/λmax": self.step_limit}

    def level_sets(self, n: int = 16, ratio: float = 0.35, pad: float = 1.0) -> tuple[np.ndarray, tuple]:
        r"""Levels and a window for a picture of :math:`f(x) = \|Ax - b\|^2` around the race, in x.

        The levels are :math:`c_k = (f(x_0) - f^*)\,\text{ratio}^k`, :math:`k = 0..n-1`, with
        :math:`f(x) - f^* = \|A(x - x^*)\|^2` and :math:`x_0 = M^{-1} y_0`: the first level passes through the start.
        The window is the box around :math:`x_0` and :math:`x^*`, padded by ``pad`` on every side.

        Parameters
        ----------
        n : int
            Number of levels.
        ratio : float
            Ratio of consecutive levels, in (0, 1).
        pad : float
            Margin of the window.

        Returns
        -------
        levels : ndarray, shape (n,)
        window : tuple of two ndarrays of shape (n_unknowns,)
            The lower and the upper corner.
        """
        x0 = self.to_x(self.y0)
        c0 = energy_norm(self.A, self.y0 - self.y_star) ** 2
        return c0 * ratio ** np.arange(int(n)), (np.minimum(x0, self.x_star) - pad, np.maximum(x0, self.x_star) + pad)

    def to_x(self, y) -> np.ndarray:
        r"""Iterates in the original variables, :math:`x = M^{-1} y`.

        Parameters
        ----------
        y : array_like, shape (n,) or (k, n)
            One iterate, or k of them as rows.

        Returns
        -------
        ndarray, the shape of ``y``
        """
        y = np.asarray(y, dtype=np.float64)
        return np.linalg.solve(self.M, y.T).T

    def error(self, y) -> float:
        r"""Relative energy-norm error :math:`\|AM^{-1}(y - y^*)\| / \|AM^{-1}(y_0 - y^*)\|` of an iterate y.

        Parameters
        ----------
        y : array_like, shape (n,)
            An iterate in the preconditioned variable ``y = M x``.

        Returns
        -------
        float
            1 at the start ``y0``, 0 at the solution ``y_star``.
        """
        return energy_norm(self.A, np.asarray(y, dtype=np.float64) - self.y_star) / energy_norm(
            self.A, self.y0 - self.y_star)

    def true_error(self, y) -> float:
        r"""Euclidean distance :math:`\|M^{-1} y - x_\text{true}\|` of an iterate to the parameters that made the data.

        Unlike :meth:`error` it does not go to 0: as :math:`y \to y^*` it levels off at
        :math:`\|x^* - x_\text{true}\|` (:attr:`gap`), the noise amplified by up to :math:`1/\sigma_{\min}(A)`.

        Parameters
        ----------
        y : array_like, shape (n,)
            As for :meth:`error`.

        Returns
        -------
        float
            Tends to :attr:`gap` as :math:`y \to y^*`.

        Raises
        ------
        ValueError
            If the problem was set up without ``x_true``.
        """
        if self.x_true is None:
            raise ValueError("the distance to x_true needs preconditioned(..., x_true=...)")
        return float(np.linalg.norm(self.to_x(y) - self.x_true))

    @property
    def gap(self) -> float:
        r"""The floor :math:`\|x^* - x_\text{true}\|` of :meth:`true_error` (nan without ``x_true``)."""
        return float("nan") if self.x_true is None else float(np.linalg.norm(self.x_star - self.x_true))


def preconditioned(A, b, kind: str = "none", distance: float = 2.0, x_true=None) -> Preconditioned:
    r"""Set up :math:`\min_y \|A M^{-1} y - b\|^2` for a race of steepest descent and CG.

    :math:`M` from :func:`preconditioner`, :math:`x^*` by the SVD (:func:`numdl_core.lstsq.solve`), the eigenvalues
    of :math:`(AM^{-1})^\top AM^{-1}` as squared singular values, and the worst-case start at ``distance`` from
    :math:`y^*` (:func:`worst_case_start`).

    Parameters
    ----------
    A : ndarray, shape (m, n)
        Full column rank.
    b : ndarray, shape (m,)
    kind : {"none", "jacobi", "qr"}
        The preconditioner.
    distance : float
        :math:`\|y_0 - y^*\|`, ``> 0``.
    x_true : array_like, shape (n,), optional
        The parameters that made the data (for :meth:`Preconditioned.true_error`).

    Returns
    -------
    Preconditioned

    Raises
    ------
    ValueError
        From :func:`preconditioner` and :func:`worst_case_start` (unknown kind, rank-deficient A), or if ``b`` has
        the wrong shape, or ``x_true`` has the wrong shape.

    References
    ----------
    Saad (2003), Sec. 9.2; Nocedal and Wright (2006), Theorem 3.3.

    Examples
    --------
    >>> from numdl_core.testproblems import exercise_3x2
    >>> A, b, _ = exercise_3x2(a=1.0)
    >>> P = preconditioned(A, b)
    >>> print(f"{P.cond_A:.3g} {P.sd_rate:.3f}", round(preconditioned(A, b, "qr").kappa, 6))
    13 0.988 1.0
    """
    A = _matrix(A)
    b = np.asarray(b, dtype=np.float64)
    if b.shape != (A.shape[0],):
        raise ValueError(f"b must be a vector of length {A.shape[0]} (rows of A), got shape {b.shape}")
    if x_true is not None:
        x_true = np.asarray(x_true, dtype=np.float64)
        if x_true.shape != (A.shape[1],):
            raise ValueError(f"x_true must have {A.shape[1]} entries (columns of A), got shape {x_true.shape}")
    M = preconditioner(A, kind)
    A_pre = np.linalg.solve(M.T, A.T).T
    x_star = solve(A, b, "svd")
    y_star = M @ x_star
    s = np.linalg.svd(A_pre, compute_uv=False)
    s_A = np.linalg.svd(A, compute_uv=False)
    return Preconditioned(A=A_pre, b=b, M=M, x_star=x_star, y_star=y_star,
                          y0=worst_case_start(A_pre, y_star, distance), eigenvalues=np.sort(s**2),
                          cond_A=float(s_A[0] / s_A[-1]), kappa_original=float((s_A[0] / s_A[-1]) ** 2),
                          x_true=x_true)
