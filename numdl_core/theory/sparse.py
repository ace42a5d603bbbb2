r"""Convolutional sparse coding: ISTA, FISTA and LISTA, thresholding as a biased ReLU, convolutional dictionaries
applied by the FFT, and dictionary learning on image patches.

The sparse-coding (LASSO) problem for a dictionary :math:`A` (its columns are the *atoms*) and a signal :math:`b`:

.. math::
    \min_x F(x) = \tfrac12\|Ax - b\|^2 + \lambda\|x\|_1 .

**ISTA** takes a gradient step on the smooth part and soft-thresholds; **FISTA** adds Nesterov's momentum and
improves the worst-case rate from :math:`O(1/k)` to :math:`O(1/k^2)` (Beck and Teboulle 2009). **LISTA** unrolls
K iterations into a K-layer network :math:`x_{l+1} = S_\theta(W_e b + S x_l)` and trains :math:`(W_e, S, \theta)`
(Gregor and LeCun 2010). Soft-thresholding is two biased ReLUs, :math:`S_\lambda(v) = \mathrm{relu}(v - \lambda) -
\mathrm{relu}(-v - \lambda)`, so the forward pass of a ReLU network is *layered thresholding* pursuit in a
multi-layer convolutional sparse model (Papyan, Romano and Elad 2017). A convolutional dictionary
:math:`D x = \sum_k d_k * x_k` is diagonalized by the discrete Fourier transform. Dictionary learning alternates
sparse coding and a dictionary update (Olshausen and Field 1996; MOD: Engan, Aase and Husoy 1999).

**Rows are examples** where several signals are coded at once (``B`` of shape ``(N, m)``, codes ``(N, n)``);
a single signal is a vector and the dictionary acts as ``A @ x`` as in the papers.

References
----------
A. Beck and M. Teboulle, A fast iterative shrinkage-thresholding algorithm for linear inverse problems, SIAM J.
Imaging Sci. 2 (2009) 183-202.
K. Gregor and Y. LeCun, Learning fast approximations of sparse coding, ICML 2010.
V. Papyan, Y. Romano and M. Elad, Convolutional neural networks analyzed via convolutional sparse coding, JMLR 18
(2017) 1-52.
B. A. Olshausen and D. J. Field, Emergence of simple-cell receptive field properties by learning a sparse code for
natural images, Nature 381 (1996) 607-609.
K. Engan, S. O. Aase and J. H. Husoy, Method of optimal directions for frame design, ICASSP 1999.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from numdl_core._validate import as_float_array, check_nonneg

from numdl_core.checks import adjoint_check, derivative_check
from numdl_core.iterate import BLOWUP, Step, _drive, check_positive, check_stop, record, tunable
from numdl_core.optim import Objective
from numdl_core.sparse import soft_threshold

__all__ = ["lasso_objective", "ista", "fista", "SparseProblem", "dictionary_problem", "loglog_slope",
           "relu_soft_threshold", "layered_thresholding", "thresholding_network", "relu_network",
           "mutual_coherence", "LayeredResult", "layered_experiment", "standard_filters", "CSCResult",
           "csc_experiment", "stroke_filters", "csc_image",
           "ConvDictionary", "fista_batch", "LISTA", "LISTAProblem", "lista_problem", "image_patches",
           "dictionary_energy", "dictionary_learning"]


# ------------------------------------------------------------------------------------------------ ISTA and FISTA
def _operator(A: Any) -> tuple[Any, Any, tuple[int, int]]:
    """``(matvec, rmatvec, shape)`` of a dense array, scipy sparse matrix or ``scipy.sparse.linalg.LinearOperator``."""
    if hasattr(A, "matvec") and hasattr(A, "rmatvec"):
        return A.matvec, A.rmatvec, tuple(A.shape)
    if hasattr(A, "tocsr"):
        M = A.tocsr().astype(np.float64)
    else:
        M = as_float_array("A", A)
        if M.ndim != 2 or not np.all(np.isfinite(M)):
            raise ValueError(f"A must be a finite 2-D matrix, got shape {M.shape}")
    return (lambda x: M @ x), (lambda r: M.T @ r), tuple(M.shape)


def _norm2_squared(A: Any, matvec, rmatvec, n: int) -> float:
    """:math:`\\|A\\|_2^2`: exact for a dense matrix, else 100 power iterations on :math:`A^\\top A` (+1%)."""
    if isinstance(A, np.ndarray) or (not hasattr(A, "matvec") and not hasattr(A, "tocsr")):
        return float(np.linalg.norm(np.asarray(A, dtype=np.float64), 2) ** 2)
    v = np.random.default_rng(0).standard_normal(n)
    lam = 0.0
    for _ in range(100):
        w = rmatvec(matvec(v))
        lam = float(np.linalg.norm(w))
        if lam == 0.0:
            return 0.0
        v = w / lam
    return 1.01 * lam


def lasso_objective(A: Any, b: np.ndarray, lam: float, x: np.ndarray) -> float:
    r"""The sparse-coding objective :math:`F(x) = \tfrac12\|Ax - b\|^2 + \lambda\|x\|_1`.

    Parameters
    ----------
    A : ndarray, shape (m, n), scipy sparse matrix or LinearOperator
        The dictionary.
    b : ndarray, shape (m,)
        The signal.
    lam : float
        The weight :math:`\lambda \ge 0`.
    x : ndarray, shape (n,)
        The code.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the shapes of ``A``, ``b`` and ``x`` do not match, a dense ``A`` is not finite or ``lam < 0``.
    TypeError
        If an argument is no array of numbers.

    References
    ----------
    Beck and Teboulle (2009), Eq. 1.3.

    Examples
    --------
    >>> lasso_objective(np.eye(2), np.array([1.0, 0.0]), 0.5, np.array([1.0, 1.0]))
    1.5
    """
    matvec, _, (m, n) = _operator(A)
    x, b, lam = as_float_array("x", x), as_float_array("b", b), check_nonneg("lam", lam)
    if x.shape != (n,) or b.shape != (m,):
        raise ValueError(f"x must have shape ({n},) and b shape ({m},) for A of shape ({m}, {n}), "
                         f"got {x.shape} and {b.shape}")
    r = matvec(x) - b
    return float(0.5 * r @ r + lam * np.sum(np.abs(x)))


def _setup(A, b, lam, step, x0):
    matvec, rmatvec, (m, n) = _operator(A)
    b = np.asarray(b, dtype=np.float64).ravel()
    if b.size != m or not np.all(np.isfinite(b)):
        raise ValueError(f"b must be a finite vector of length {m} (the rows of A), got {b.size} entries")
    lam = float(lam)
    if not np.isfinite(lam) or lam < 0:
        raise ValueError(f"lam must be a finite number >= 0, got {lam!r}")
    if step is None:
        L = _norm2_squared(A, matvec, rmatvec, n)
        step = 1.0 / L if L > 0 else 1.0
    step = check_positive("step", step)
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=np.float64).ravel()
    if x.size != n or not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be a finite vector of length {n} (the columns of A)")
    return matvec, rmatvec, b, lam, step, x


_TUNABLES = {"step": lambda t: check_positive("step", t)}


def _prox_iterations(matvec, rmatvec, b, lam, x, t, fast, blowup):
    """ISTA (``fast=False``) or FISTA iterations for :func:`numdl_core.iterate._drive`."""
    def F_and_grad(z):
        r = matvec(z) - b
        return 0.5 * float(r @ r) + lam * float(np.sum(np.abs(z))), rmatvec(r)

    F, g = F_and_grad(x)
    F0, work, tk, y, gy = F, 0.0, 1.0, x, g

    def gmap(z, gz, t):  # the gradient mapping: 0 exactly at a minimizer
        return float(np.linalg.norm((z - soft_threshold(z - t * gz, t * lam)) / t))

    params = yield record(0, x, F, gmap(x, g, t), {"step": 0.0, "zeros": int(np.sum(x == 0))}, work=work,
                          loss0=F0, blowup=blowup)
    for k in itertools.count(1):
        t = params["step"]
        x_new = soft_threshold(y - t * gy, t * lam)
        F, g = F_and_grad(x_new)
        work += 2.0  # one product with A and one with A^T (the gradient at the new point)
        info = {"step": t, "zeros": int(np.sum(x_new == 0))}
        if fast:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * tk * tk))
            beta = (tk - 1.0) / t_new
            y = x_new + beta * (x_new - x)
            _, gy = F_and_grad(y)
            work += 2.0
            tk = t_new
            info["momentum"] = beta
        else:
            y, gy = x_new, g
        x = x_new
        params = yield record(k, x, F, gmap(x, g, t), info, work=work, loss0=F0, blowup=blowup)


@tunable("step")
def ista(A: Any, b: np.ndarray, lam: float, *, step: float | None = None, x0: np.ndarray | None = None,
         tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""ISTA, the iterative shrinkage-thresholding algorithm, for :math:`\min_x \tfrac12\|Ax - b\|^2 + \lambda\|x\|_1`.

    .. math:: x_{k+1} = S_{t\lambda}\big(x_k - t A^\top(Ax_k - b)\big), \qquad S_\tau(v) = \mathrm{sign}(v)
        \max(|v| - \tau, 0),

    with :math:`t \le 1/L`, :math:`L = \|A\|_2^2`: :math:`F(x_k) - F^* \le L\|x_0 - x^*\|^2 / (2k)`.

    Parameters
    ----------
    A : ndarray, shape (m, n), scipy sparse matrix or LinearOperator
        The dictionary (matrix-free: ``matvec`` and ``rmatvec``).
    b : ndarray, shape (m,)
        The signal.
    lam : float
        The L1 weight :math:`\lambda \ge 0`.
    step : float, optional
        The step :math:`t`; None means :math:`1/\|A\|_2^2` (exact for a dense A, by power iteration otherwise).
        Tunable.
    x0 : ndarray, shape (n,), optional
        The start (default zeros).
    tol, maxiter, blowup : float, int, float, optional
        Stopping rules of :mod:`numdl_core.iterate` (``tol`` on the gradient-mapping norm).

    Yields
    ------
    Step
        ``loss`` is :math:`F(x_k)`, ``grad_norm`` the norm of the gradient mapping
        :math:`(x_k - S_{t\lambda}(x_k - t\nabla f(x_k)))/t`; ``info``: ``step``, ``zeros``, ``work`` (2 per
        iteration: one product with A and one with Aᵀ).

    Raises
    ------
    ValueError
        For a non-finite A, b or x0, mismatched sizes, a negative ``lam`` or a step that is not positive.

    References
    ----------
    Beck and Teboulle (2009), Eq. 1.4 and Theorem 3.1; I. Daubechies, M. Defrise and C. De Mol, An iterative
    thresholding algorithm for linear inverse problems with a sparsity constraint, CPAM 57 (2004).

    Examples
    --------
    >>> [float(s.x[0]) for s in ista(np.eye(1), np.array([3.0]), 1.0)]
    [0.0, 2.0]
    """
    matvec, rmatvec, b, lam, step, x = _setup(A, b, lam, step, x0)
    tol, maxiter = check_stop(tol, maxiter)
    return (yield from _drive(_prox_iterations(matvec, rmatvec, b, lam, x, step, False, blowup), {"step": step},
                              _TUNABLES, tol=tol, maxiter=maxiter))


@tunable("step")
def fista(A: Any, b: np.ndarray, lam: float, *, step: float | None = None, x0: np.ndarray | None = None,
          tol: float = 1e-10, maxiter: int = 10**6, blowup: float = BLOWUP) -> Iterator[Step]:
    r"""FISTA (Beck and Teboulle 2009) for :math:`\min_x \tfrac12\|Ax - b\|^2 + \lambda\|x\|_1`.

    .. math::
        x_k = S_{t\lambda}\big(y_k - tA^\top(Ay_k - b)\big),\quad t_{k+1} = \tfrac{1 + \sqrt{1 + 4t_k^2}}{2},
        \quad y_{k+1} = x_k + \tfrac{t_k - 1}{t_{k+1}}(x_k - x_{k-1}),

    :math:`y_1 = x_0`, :math:`t_1 = 1`; with :math:`t \le 1/L`: :math:`F(x_k) - F^* \le 2L\|x_0 - x^*\|^2/(k+1)^2`.
    The objective is not monotone.

    Parameters
    ----------
    A, b, lam, step, x0, tol, maxiter, blowup
        As for :func:`ista` (``step`` tunable).

    Yields
    ------
    Step
        As for :func:`ista`; ``info`` also holds ``momentum`` :math:`(t_k - 1)/t_{k+1}`; ``work`` is 4 per
        iteration (the gradient at :math:`y` and, for the reported gradient mapping, at :math:`x`).

    Raises
    ------
    ValueError
        As for :func:`ista`.

    References
    ----------
    Beck and Teboulle (2009), Eq. 4.1-4.3 and Theorem 4.4; Y. Nesterov, A method for solving the convex programming
    problem with convergence rate O(1/k^2), Soviet Math. Dokl. 27 (1983).

    Examples
    --------
    >>> [round(float(s.x[0]), 3) for s in fista(np.eye(1), np.array([3.0]), 1.0)]   # converged after one step
    [0.0, 2.0]
    """
    matvec, rmatvec, b, lam, step, x = _setup(A, b, lam, step, x0)
    tol, maxiter = check_stop(tol, maxiter)
    return (yield from _drive(_prox_iterations(matvec, rmatvec, b, lam, x, step, True, blowup), {"step": step},
                              _TUNABLES, tol=tol, maxiter=maxiter))


@dataclass(frozen=True)
class SparseProblem:
    """A sparse-coding problem with a known minimizer (:func:`dictionary_problem`).

    Attributes
    ----------
    A : ndarray, shape (n, n)
        The dictionary.
    b : ndarray, shape (n,)
        The signal.
    lam : float
        The L1 weight.
    x_star : ndarray, shape (n,)
        The minimizer (by construction).
    F_star : float
        :math:`F(x^*)`.
    singular_values : ndarray, shape (n,)
        Those of A, decreasing.
    """

    A: np.ndarray
    b: np.ndarray
    lam: float
    x_star: np.ndarray
    F_star: float
    singular_values: np.ndarray


def dictionary_problem(n: int = 400, *, decay: float = 1.0, coef_decay: float = 0.5, lam: float = 0.01,
                       zeros: float = 0.0, seed: int = 0) -> SparseProblem:
    r"""A dictionary :math:`A = U\,\mathrm{diag}(s)V^\top` and a signal whose sparse code :math:`x^*` is known exactly.

    :math:`U, V` are random orthogonal, :math:`s_j = j^{-p}` (``decay`` :math:`p`; :math:`\kappa = n^p`). The
    minimizer is built first: :math:`x^* = V c` with :math:`|c_j| = j^{-q}` (``coef_decay`` :math:`q`, random signs),
    a fraction ``zeros`` of its entries set to 0, then :math:`b` is chosen to satisfy the optimality condition
    :math:`A^\top(b - Ax^*) = \lambda g`, :math:`g_j = \mathrm{sign}(x^*_j)` where :math:`x^*_j \ne 0` and
    :math:`g_j \in (-1, 1)` (uniform) where it is 0:

    .. math:: b = Ax^* + \lambda A^{-\top} g .

    A is invertible, so :math:`F` is strictly convex and :math:`x^*` its only minimizer. With :math:`p = 1`,
    :math:`q = 1/2` the error :math:`x_0 - x^* = -x^*` spreads over the spectrum of :math:`A^\top A` as in the
    worst case of first-order methods: gradient steps leave :math:`\sum_j s_j^2 c_j^2 (1 - s_j^2/L)^{2k} \approx
    1/(4k)` (ISTA's :math:`O(1/k)`) and FISTA's polynomials :math:`O(1/k^2)`, for :math:`k \ll n`.

    Parameters
    ----------
    n : int
        Atoms and signal length (at least 2).
    decay : float
        :math:`p \ge 0` (0: an orthogonal dictionary, every method converges linearly).
    coef_decay : float
        :math:`q \ge 0`.
    lam : float
        :math:`\lambda > 0`.
    zeros : float
        Fraction of zero entries of :math:`x^*`, in [0, 1).
    seed : int

    Returns
    -------
    SparseProblem

    Raises
    ------
    ValueError
        For ``n < 2``, a negative ``decay`` or ``coef_decay``, ``lam <= 0`` or ``zeros`` outside [0, 1).

    References
    ----------
    Beck and Teboulle (2009), Theorems 3.1 and 4.4; Y. Nesterov, Introductory Lectures on Convex Optimization,
    Kluwer 2004, Theorem 2.1.7 (the worst-case function of first-order methods).

    Examples
    --------
    >>> P = dictionary_problem(20, seed=1)
    >>> g = P.A.T @ (P.b - P.A @ P.x_star)
    >>> bool(np.allclose(g, P.lam * np.sign(P.x_star)))
    True
    """
    n = int(n)
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if not (decay >= 0 and coef_decay >= 0 and np.isfinite(decay) and np.isfinite(coef_decay)):
        raise ValueError("decay and coef_decay must be finite numbers >= 0")
    if not (lam > 0 and np.isfinite(lam)):
        raise ValueError(f"lam must be a positive number, got {lam!r}")
    if not 0 <= zeros < 1:
        raise ValueError(f"zeros must lie in [0, 1), got {zeros!r}")
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((n, n)))
    j = np.arange(1, n + 1, dtype=float)
    s = j ** -float(decay)
    A = (U * s) @ V.T
    x_star = V @ (j ** -float(coef_decay) * rng.choice([-1.0, 1.0], n))
    g = np.sign(x_star)
    k = int(round(zeros * n))
    if k:
        off = rng.choice(n, k, replace=False)
        x_star[off] = 0.0
        g[off] = rng.uniform(-0.9, 0.9, k)
    b = A @ x_star + lam * (U @ ((V.T @ g) / s))  # A^{-T} = U diag(1/s) V^T
    return SparseProblem(A, b, float(lam), x_star, lasso_objective(A, b, lam, x_star), s)


def loglog_slope(k: np.ndarray, gap: np.ndarray, kmin: float = 20, kmax: float | None = None) -> float:
    r"""The least-squares slope of :math:`\log(\text{gap})` against :math:`\log k` over :math:`k_{\min} \le k \le
    k_{\max}`: about :math:`-1` for :math:`O(1/k)`, :math:`-2` for :math:`O(1/k^2)`.

    Parameters
    ----------
    k : array_like
        Iterations.
    gap : array_like
        :math:`F(x_k) - F^*`, same length; non-positive or non-finite entries are skipped.
    kmin, kmax : float
        The window (``kmax`` None: to the end).

    Returns
    -------
    float
        nan with fewer than 3 usable points.

    References
    ----------
    Beck and Teboulle (2009), Fig. 1-2 (the rates on a log scale).

    Examples
    --------
    >>> k = np.arange(1, 101.0)
    >>> round(loglog_slope(k, 3 / k**2), 6)
    -2.0
    """
    k = np.asarray(k, dtype=float)
    gap = np.asarray(gap, dtype=float)
    ok = (k >= kmin) & (k <= (np.inf if kmax is None else kmax)) & np.isfinite(gap) & (gap > 0) & (k > 0)
    if np.sum(ok) < 3:
        return float("nan")
    return float(np.polyfit(np.log(k[ok]), np.log(gap[ok]), 1)[0])


# ------------------------------------------------------------------------------ thresholding as a biased ReLU
def relu_soft_threshold(v: np.ndarray, lam: float | np.ndarray) -> np.ndarray:
    r"""Soft-thresholding written as two biased ReLUs: :math:`S_\lambda(v) = \mathrm{relu}(v - \lambda) -
    \mathrm{relu}(-v - \lambda)`.

    Parameters
    ----------
    v : array_like
    lam : float or array_like
        Threshold(s) :math:`\lambda \ge 0`, broadcast against ``v``.

    Returns
    -------
    ndarray
        Equal to :func:`numdl_core.sparse.soft_threshold` (the sign-max formula).

    References
    ----------
    Papyan, Romano and Elad (2017), Sec. 4 (Eq. 9, the soft and the nonnegative soft thresholding).

    Examples
    --------
    >>> relu_soft_threshold(np.array([-3.0, 0.5, 2.0]), 1.0)
    array([-2.,  0.,  1.])
    """
    v = np.asarray(v, dtype=np.float64)
    return np.maximum(v - lam, 0.0) - np.maximum(-v - lam, 0.0)


def layered_thresholding(y: np.ndarray, dictionaries: Sequence[np.ndarray], thresholds: Sequence[float], *,
                         nonnegative: bool = False) -> list[np.ndarray]:
    r"""Layered thresholding pursuit of the multi-layer sparse model :math:`y = D_1\Gamma_1`,
    :math:`\Gamma_{i-1} = D_i\Gamma_i`:

    .. math:: \hat\Gamma_i = S_{\lambda_i}\big(D_i^\top \hat\Gamma_{i-1}\big), \qquad \hat\Gamma_0 = y,

    with the soft thresholding :math:`S_\lambda` (or, ``nonnegative``, :math:`\mathrm{relu}(v - \lambda)`: then
    this is literally the forward pass of a ReLU network with weights :math:`D_i^\top` and biases :math:`-\lambda_i`).

    Parameters
    ----------
    y : ndarray, shape (n_0,) or (N, n_0)
        One signal, or N signals as rows.
    dictionaries : sequence of ndarray
        :math:`D_i` of shape ``(n_{i-1}, n_i)``.
    thresholds : sequence of float
        :math:`\lambda_i \ge 0`, one per layer.
    nonnegative : bool
        Use the nonnegative soft thresholding.

    Returns
    -------
    list of ndarray
        :math:`\hat\Gamma_1, \ldots, \hat\Gamma_L`.

    Raises
    ------
    ValueError
        If the numbers of dictionaries and thresholds differ or the sizes do not chain.

    References
    ----------
    Papyan, Romano and Elad (2017), Algorithm 1 (layered thresholding) and Sec. 5 (the forward pass).

    Examples
    --------
    >>> layered_thresholding(np.array([2.0, -0.5]), [np.eye(2)], [1.0])
    [array([1., 0.])]
    """
    if len(dictionaries) != len(thresholds):
        raise ValueError(f"{len(dictionaries)} dictionaries but {len(thresholds)} thresholds")
    G = np.asarray(y, dtype=np.float64)
    out = []
    for D, lam in zip(dictionaries, thresholds):
        D = np.asarray(D, dtype=np.float64)
        if D.ndim != 2 or D.shape[0] != G.shape[-1]:
            raise ValueError(f"dictionary of shape {D.shape} cannot act on codes of length {G.shape[-1]}")
        z = G @ D
        G = np.maximum(z - lam, 0.0) if nonnegative else relu_soft_threshold(z, lam)
        out.append(G)
    return out


def thresholding_network(dictionaries: Sequence[np.ndarray],
                         thresholds: Sequence[float]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    r"""The ReLU network whose forward pass is :func:`layered_thresholding` with soft thresholding.

    Each code is carried as its positive and negative parts, :math:`\Gamma = \Gamma^+ - \Gamma^-`, so one layer is

    .. math:: \begin{pmatrix}\Gamma_i^+ & \Gamma_i^-\end{pmatrix} = \mathrm{relu}\Big(\begin{pmatrix}
        \Gamma_{i-1}^+ & \Gamma_{i-1}^-\end{pmatrix} \begin{pmatrix} D_i & -D_i \\ -D_i & D_i\end{pmatrix} -
        \lambda_i\Big)

    (the first layer takes :math:`y` itself with weights :math:`(D_1, -D_1)`): a ReLU network with weights built
    from the dictionaries and biases :math:`-\lambda_i`.

    Parameters
    ----------
    dictionaries : sequence of ndarray
        :math:`D_i` of shape ``(n_{i-1}, n_i)``.
    thresholds : sequence of float
        :math:`\lambda_i`.

    Returns
    -------
    weights, biases : list of ndarray
        ``weights[i]`` of shape ``(n_0, 2 n_1)`` for the first layer, ``(2 n_{i-1}, 2 n_i)`` after;
        ``biases[i]`` of length ``2 n_i``. Feed them to :func:`relu_network`.

    Raises
    ------
    ValueError
        If the numbers of dictionaries and thresholds differ.

    References
    ----------
    Papyan, Romano and Elad (2017), Sec. 5.

    Examples
    --------
    >>> W, c = thresholding_network([np.eye(1)], [1.0])
    >>> relu_network(np.array([3.0]), W, c)
    array([2., 0.])
    """
    if len(dictionaries) != len(thresholds):
        raise ValueError(f"{len(dictionaries)} dictionaries but {len(thresholds)} thresholds")
    weights, biases = [], []
    for i, (D, lam) in enumerate(zip(dictionaries, thresholds)):
        D = np.asarray(D, dtype=np.float64)
        W = np.hstack([D, -D]) if i == 0 else np.block([[D, -D], [-D, D]])
        weights.append(W)
        biases.append(np.full(W.shape[1], -float(lam)))
    return weights, biases


def relu_network(y: np.ndarray, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> np.ndarray:
    r"""The forward pass :math:`Y_{i} = \mathrm{relu}(Y_{i-1} W_i + b_i)`, :math:`Y_0 = y` (rows are examples).

    Parameters
    ----------
    y : ndarray, shape (n_0,) or (N, n_0)
    weights, biases : sequences of ndarray
        :math:`W_i` and :math:`b_i`.

    Returns
    -------
    ndarray
        The last layer's output.

    References
    ----------
    Papyan, Romano and Elad (2017), Eq. 1 (the CNN forward pass).

    Examples
    --------
    >>> relu_network(np.array([1.0, -2.0]), [np.eye(2)], [np.zeros(2)])
    array([1., 0.])
    """
    Y = np.asarray(y, dtype=np.float64)
    for W, c in zip(weights, biases):
        Y = np.maximum(Y @ np.asarray(W, dtype=np.float64) + c, 0.0)
    return Y


@dataclass(frozen=True)
class LayeredResult:
    """Layered thresholding on a two-layer sparse model (:func:`layered_experiment`).

    Attributes
    ----------
    dictionaries : list of ndarray
        :math:`D_1` (dense, unit-norm atoms) and :math:`D_2` (sparse unit-norm atoms).
    thresholds : list of float
    codes : list of ndarray
        The true :math:`\Gamma_1 = D_2\Gamma_2` and :math:`\Gamma_2`.
    estimates : list of ndarray
        :math:`\hat\Gamma_1, \hat\Gamma_2` by :func:`layered_thresholding`.
    y : ndarray
        The signal :math:`D_1\Gamma_1 + \epsilon`.
    numbers : dict
        Per layer the fraction of the true support found and the number of false entries, the mutual
        coherences, and the largest difference to the ReLU network of :func:`thresholding_network`.
    """

    dictionaries: list
    thresholds: list
    codes: list
    estimates: list
    y: np.ndarray
    numbers: dict


def mutual_coherence(D: np.ndarray) -> float:
    r"""The mutual coherence :math:`\mu(D) = \max_{i \ne j} |d_i^\top d_j| / (\|d_i\|\|d_j\|)`.

    Parameters
    ----------
    D : ndarray, shape (m, n), n >= 2

    Returns
    -------
    float

    References
    ----------
    D. L. Donoho and M. Elad, Optimally sparse representation in general (nonorthogonal) dictionaries via l1
    minimization, PNAS 100 (2003); Papyan, Romano and Elad (2017), Sec. 4 (coherence-based guarantees).

    Examples
    --------
    >>> mutual_coherence(np.array([[1.0, 1.0], [0.0, 1.0]]))
    0.7071067811865475
    """
    D = np.asarray(D, dtype=np.float64)
    N = D / np.where(np.linalg.norm(D, axis=0) > 0, np.linalg.norm(D, axis=0), 1.0)
    G = np.abs(N.T @ N)
    np.fill_diagonal(G, 0.0)
    return float(G.max())


def layered_experiment(n0: int = 256, n1: int = 128, n2: int = 160, *, nnz: int = 2, atom_nnz: int = 2,
                       lam1: float = 0.5, lam2: float = 0.6, noise: float = 0.02, seed: int = 0) -> LayeredResult:
    r"""A two-layer sparse model :math:`y = D_1\Gamma_1 + \epsilon`, :math:`\Gamma_1 = D_2\Gamma_2`, and its
    layered thresholding estimate :math:`\hat\Gamma_1 = S_{\lambda_1}(D_1^\top y)`,
    :math:`\hat\Gamma_2 = S_{\lambda_2}(D_2^\top\hat\Gamma_1)`: the forward pass of a two-layer ReLU network.

    :math:`D_1` has Gaussian unit-norm atoms; :math:`D_2` atoms with ``atom_nnz`` nonzeros (so that
    :math:`\Gamma_1` is sparse too); :math:`\Gamma_2` has ``nnz`` entries of random sign and magnitude in [1, 2].

    Parameters
    ----------
    n0, n1, n2 : int
        Signal length and the two code lengths.
    nnz : int
        Nonzeros of :math:`\Gamma_2` (at most ``n2``).
    atom_nnz : int
        Nonzeros per atom of :math:`D_2` (at most ``n1``).
    lam1, lam2 : float
        The thresholds.
    noise : float
        Standard deviation of :math:`\epsilon`.
    seed : int

    Returns
    -------
    LayeredResult

    Raises
    ------
    ValueError
        For sizes below 1 or ``nnz`` / ``atom_nnz`` too large.

    References
    ----------
    Papyan, Romano and Elad (2017), Sec. 4-5 (layered thresholding, its stability and the CNN forward pass).

    Examples
    --------
    >>> r = layered_experiment(seed=1)
    >>> r.numbers["ReLU network vs layered thresholding"] < 1e-12
    True
    """
    if min(n0, n1, n2, nnz, atom_nnz) < 1 or nnz > n2 or atom_nnz > n1:
        raise ValueError("sizes must be >= 1, nnz <= n2 and atom_nnz <= n1")
    rng = np.random.default_rng(seed)
    D1 = rng.standard_normal((n0, n1))
    D1 /= np.linalg.norm(D1, axis=0)
    D2 = np.zeros((n1, n2))
    for j in range(n2):
        idx = rng.choice(n1, atom_nnz, replace=False)
        D2[idx, j] = rng.choice([-1.0, 1.0], atom_nnz) * rng.uniform(0.5, 1.0, atom_nnz)
    D2 /= np.linalg.norm(D2, axis=0)
    G2 = np.zeros(n2)
    G2[rng.choice(n2, nnz, replace=False)] = rng.choice([-1.0, 1.0], nnz) * rng.uniform(1.0, 2.0, nnz)
    G1 = D2 @ G2
    y = D1 @ G1 + noise * rng.standard_normal(n0)
    Ds, lams = [D1, D2], [float(lam1), float(lam2)]
    H = layered_thresholding(y, Ds, lams)
    W, c = thresholding_network(Ds, lams)
    out = relu_network(y, W, c)
    numbers = {}
    for i, (G, Hi) in enumerate(zip([G1, G2], H), start=1):
        numbers[f"layer {i}: support found"] = float(np.mean((Hi != 0)[G != 0]))
        numbers[f"layer {i}: false entries"] = float(np.sum((Hi != 0) & (G == 0)))
        numbers[f"layer {i}: mutual coherence"] = mutual_coherence(Ds[i - 1])
    numbers["ReLU network vs layered thresholding"] = float(np.max(np.abs(out[:n2] - out[n2:] - H[1])))
    return LayeredResult(Ds, lams, [G1, G2], H, y, numbers)


# -------------------------------------------------------------------------------- convolutional dictionaries
class ConvDictionary:
    r"""A convolutional dictionary :math:`Dx = \sum_{k=1}^K d_k * x_k` with circular (periodic) convolutions,
    applied by the FFT: :math:`\widehat{Dx} = \sum_k \hat d_k \odot \hat x_k`, :math:`\widehat{(D^\top r)}_k =
    \overline{\hat d_k} \odot \hat r`.

    Parameters
    ----------
    filters : ndarray, shape (K, f) or (K, f1, f2)
        The K filters :math:`d_k` (1-D or 2-D), each at most the size of the signal.
    shape : int or tuple of int
        The signal shape, ``(n,)`` or ``(n1, n2)``. Filter entry ``j`` acts at offset ``j`` (the filter's origin
        is its first entry).

    Attributes
    ----------
    filters : ndarray
    shape : tuple of int
    n_filters : int
    size : int
        Entries of one signal.

    Raises
    ------
    ValueError
        If the filters do not fit the signal or are not finite.

    References
    ----------
    H. Bristow, A. Eriksson and S. Lucey, Fast convolutional sparse coding, CVPR 2013; B. Wohlberg, Efficient
    algorithms for convolutional sparse representations, IEEE TIP 25 (2016); Papyan, Romano and Elad (2017), Sec. 2.
    """

    def __init__(self, filters: np.ndarray, shape: int | tuple[int, ...]):
        filters = np.asarray(filters, dtype=np.float64)
        self.shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
        if filters.ndim != len(self.shape) + 1 or len(self.shape) not in (1, 2):
            raise ValueError(f"filters must have shape (K, f) for 1-D or (K, f1, f2) for 2-D signals of shape "
                             f"{self.shape}, got {filters.shape}")
        if any(f > s for f, s in zip(filters.shape[1:], self.shape)) or not np.all(np.isfinite(filters)):
            raise ValueError(f"filters of shape {filters.shape[1:]} do not fit signals of shape {self.shape}, or "
                             "are not finite")
        self.filters = filters
        self.n_filters = filters.shape[0]
        self.size = int(np.prod(self.shape))
        pad = np.zeros((self.n_filters, *self.shape))
        pad[(slice(None), *(slice(0, f) for f in filters.shape[1:]))] = filters
        self._axes = tuple(range(1, len(self.shape) + 1))
        self._fd = np.fft.fftn(pad, axes=self._axes)

    def apply(self, x: np.ndarray) -> np.ndarray:
        r""":math:`Dx = \sum_k d_k * x_k` by the FFT (cost :math:`O(K n\log n)`).

        Parameters
        ----------
        x : ndarray, shape (K, *shape)
            The K coefficient maps.

        Returns
        -------
        ndarray, shape ``shape``

        Raises
        ------
        ValueError
            For a wrong shape.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.n_filters, *self.shape):
            raise ValueError(f"x must have shape {(self.n_filters, *self.shape)}, got {x.shape}")
        return np.real(np.fft.ifftn(np.sum(self._fd * np.fft.fftn(x, axes=self._axes), axis=0)))

    def adjoint(self, r: np.ndarray) -> np.ndarray:
        r""":math:`D^\top r`: the circular cross-correlation of ``r`` with every filter, by the FFT.

        Parameters
        ----------
        r : ndarray, shape ``shape``

        Returns
        -------
        ndarray, shape (K, *shape)

        Raises
        ------
        ValueError
            For a wrong shape.
        """
        r = np.asarray(r, dtype=np.float64)
        if r.shape != self.shape:
            raise ValueError(f"r must have shape {self.shape}, got {r.shape}")
        fr = np.fft.fftn(r)
        return np.real(np.fft.ifftn(np.conj(self._fd) * fr[None], axes=self._axes))

    def matrix(self) -> np.ndarray:
        r"""The explicit matrix, built without the FFT: the column of atom k at position p is filter :math:`d_k`
        placed at offset p with wrap-around (a block of circulant matrices, one per filter).

        Returns
        -------
        ndarray, shape (size, K * size)
            ``matrix() @ x.ravel() == apply(x).ravel()``.
        """
        cols = []
        for d in self.filters:
            pad = np.zeros(self.shape)
            pad[tuple(slice(0, f) for f in d.shape)] = d
            for p in np.ndindex(*self.shape):
                cols.append(np.roll(pad, p, axis=tuple(range(len(self.shape)))).ravel())
        return np.array(cols).T

    def lipschitz(self) -> float:
        r""":math:`\|D\|_2^2 = \max_\omega \sum_k |\hat d_k(\omega)|^2` (the FFT diagonalizes :math:`DD^\top`).

        Returns
        -------
        float
        """
        return float(np.max(np.sum(np.abs(self._fd) ** 2, axis=0)))

    def operator(self) -> Any:
        """D as a ``scipy.sparse.linalg.LinearOperator`` on flat vectors (for :func:`ista` and :func:`fista`).

        Returns
        -------
        LinearOperator, shape (size, K * size)
        """
        from scipy.sparse.linalg import LinearOperator

        K = self.n_filters
        return LinearOperator((self.size, K * self.size), dtype=np.float64,
                              matvec=lambda v: self.apply(np.reshape(v, (K, *self.shape))).ravel(),
                              rmatvec=lambda r: self.adjoint(np.reshape(r, self.shape)).ravel())


def standard_filters(length: int = 16) -> np.ndarray:
    r"""Three unit-norm 1-D filters of ``length`` taps: a Gaussian bump, its derivative and a box.

    .. math:: d_1(j) \propto e^{-(j - c)^2/(2\sigma^2)},\quad d_2(j) \propto (j - c)\,e^{-(j - c)^2/(2\sigma^2)},
        \quad d_3(j) \propto 1[|j - c| < \sigma\sqrt3],\qquad c = (\text{length} - 1)/2,\ \sigma = \text{length}/8

    Parameters
    ----------
    length : int
        At least 4.

    Returns
    -------
    ndarray, shape (3, length)

    Raises
    ------
    ValueError
        For ``length < 4``.

    References
    ----------
    Wohlberg (2016) (1-D convolutional dictionaries of smooth and edge atoms).

    Examples
    --------
    >>> np.linalg.norm(standard_filters(8), axis=1)
    array([1., 1., 1.])
    """
    if int(length) < 4:
        raise ValueError(f"length must be at least 4, got {length}")
    j = np.arange(int(length), dtype=float)
    c, s = (length - 1) / 2, length / 8
    g = np.exp(-0.5 * ((j - c) / s) ** 2)
    F = np.stack([g, (j - c) * g, (np.abs(j - c) < s * np.sqrt(3)).astype(float)])
    return F / np.linalg.norm(F, axis=1, keepdims=True)


@dataclass(frozen=True)
class CSCResult:
    """A convolutional sparse-coding experiment (:func:`csc_experiment`).

    Attributes
    ----------
    dictionary : ConvDictionary
    x_true, x : ndarray, shape (K, n)
        The planted code maps and FISTA's.
    b : ndarray, shape (n,)
        The signal.
    clean : ndarray, shape (n,)
        :math:`Dx_{true}` without noise.
    losses : ndarray
        :math:`F` per FISTA iteration.
    numbers : dict
        The FFT-against-matrix and adjoint checks, :math:`\\|D\\|_2^2` both ways, the relative residual, the
        nonzeros and the objective.
    """

    dictionary: ConvDictionary
    x_true: np.ndarray
    x: np.ndarray
    b: np.ndarray
    clean: np.ndarray
    losses: np.ndarray
    numbers: dict


def csc_experiment(n: int = 128, *, nnz: int = 3, noise: float = 0.02, lam: float = 0.05, iterations: int = 300,
                   length: int = 16, seed: int = 0) -> CSCResult:
    r"""Convolutional sparse coding of a 1-D signal :math:`b = \sum_k d_k * x_k + \epsilon` (the
    :func:`standard_filters`, ``nnz`` spikes of magnitude 1 to 2 per map) by :func:`fista` on the FFT operator,
    with the checks of the operator: equal to its explicit matrix, adjoint test, :math:`\|D\|_2^2` from the FFT
    against the largest eigenvalue of :math:`MM^\top` of the matrix M.

    Parameters
    ----------
    n : int
        Signal length (at least ``length``).
    nnz : int
        Spikes per code map (at most n).
    noise : float
        Standard deviation of :math:`\epsilon`.
    lam : float
    iterations : int
        FISTA iterations.
    length : int
        Filter taps.
    seed : int

    Returns
    -------
    CSCResult

    Raises
    ------
    ValueError
        For ``n < length`` or ``nnz`` outside [0, n].

    References
    ----------
    Bristow, Eriksson and Lucey (2013); Wohlberg (2016); Beck and Teboulle (2009).

    Examples
    --------
    >>> r = csc_experiment(32, iterations=20)
    >>> r.numbers["FFT vs matrix: largest difference"] < 1e-12
    True
    """
    if n < length or not 0 <= nnz <= n:
        raise ValueError(f"need n >= length = {length} and 0 <= nnz <= n")
    rng = np.random.default_rng(seed)
    C = ConvDictionary(standard_filters(length), n)
    x_true = np.zeros((C.n_filters, n))
    for k in range(C.n_filters):
        x_true[k, rng.choice(n, nnz, replace=False)] = rng.choice([-1.0, 1.0], nnz) * rng.uniform(1.0, 2.0, nnz)
    clean = C.apply(x_true)
    b = clean + noise * rng.standard_normal(n)
    return _csc(C, b, clean, x_true, lam, iterations, seed)


def _csc(C: ConvDictionary, b: np.ndarray, clean: np.ndarray, x_true: np.ndarray, lam: float, iterations: int,
         seed: int) -> CSCResult:
    """FISTA on the FFT operator of ``C`` for ``b``, with the checks of the operator."""
    rng = np.random.default_rng(seed)
    M = C.matrix()
    v = rng.standard_normal(x_true.shape)
    steps = list(itertools.islice(fista(C.operator(), b.ravel(), lam, step=1.0 / C.lipschitz()), int(iterations) + 1))
    x = steps[-1].x.reshape(x_true.shape)
    numbers = {"FFT vs matrix: largest difference": float(np.max(np.abs(M @ v.ravel() - C.apply(v).ravel()))),
               "adjoint test gap": adjoint_check(C.apply, C.adjoint, x_true.shape, seed=seed).rel_error,
               "‖D‖² by FFT": C.lipschitz(),
               "‖D‖² by eigenvalues of the matrix": float(np.linalg.eigvalsh(M @ M.T)[-1]),
               "relative residual": float(np.linalg.norm(C.apply(x) - b) / (np.linalg.norm(b) or 1.0)),
               "nonzeros found": float(np.sum(x != 0)), "objective F": steps[-1].loss}
    return CSCResult(C, x_true, x, b, clean, np.array([s.loss for s in steps]), numbers)


def stroke_filters() -> np.ndarray:
    r"""Four unit-norm 3 × 3 stroke filters: horizontal, vertical, diagonal and anti-diagonal bars.

    Returns
    -------
    ndarray, shape (4, 3, 3)

    References
    ----------
    Olshausen and Field (1996) (oriented, localized atoms).

    Examples
    --------
    >>> stroke_filters()[1] * np.sqrt(3)
    array([[0., 1., 0.],
           [0., 1., 0.],
           [0., 1., 0.]])
    """
    h = np.zeros((3, 3))
    h[1] = 1.0
    F = np.stack([h, h.T, np.eye(3), np.fliplr(np.eye(3))])
    return F / np.sqrt(3.0)


def csc_image(image: np.ndarray, *, lam: float = 0.05, iterations: int = 200, seed: int = 0) -> CSCResult:
    r"""Convolutional sparse coding of an image with the 2-D :func:`stroke_filters` (circular convolutions by the
    2-D FFT): :math:`\min_x \tfrac12\|\sum_k d_k * x_k - b\|^2 + \lambda\|x\|_1` by :func:`fista`, with the same
    checks as :func:`csc_experiment` (``x_true`` is zero: the image has no planted code).

    Parameters
    ----------
    image : ndarray, shape (h, w)
        At least 3 × 3.
    lam, iterations : float, int
        As in :func:`csc_experiment`.
    seed : int
        Seeds the random vectors of the checks.

    Returns
    -------
    CSCResult
        ``x_true`` zero.

    Raises
    ------
    ValueError
        For an image that is not 2-D of at least 3 × 3 finite pixels.

    References
    ----------
    Wohlberg (2016); Papyan, Romano and Elad (2017), Sec. 2 (2-D convolutional sparse coding).

    Examples
    --------
    >>> r = csc_image(np.eye(8), iterations=10)
    >>> r.x.shape, r.numbers["adjoint test gap"] < 1e-12
    ((4, 8, 8), True)
    """
    b = np.asarray(image, dtype=np.float64)
    if b.ndim != 2 or min(b.shape) < 3 or not np.all(np.isfinite(b)):
        raise ValueError(f"image must be a finite 2-D array of at least 3 x 3 pixels, got shape {b.shape}")
    C = ConvDictionary(stroke_filters(), b.shape)
    return _csc(C, b, b, np.zeros((C.n_filters, *b.shape)), lam, iterations, seed)


# ------------------------------------------------------------------------------------------------------ LISTA
def fista_batch(A: np.ndarray, B: np.ndarray, lam: float, *, iterations: int = 500,
                X0: np.ndarray | None = None) -> np.ndarray:
    r"""FISTA for N signals at once (rows of ``B``): the codes :math:`X` minimizing
    :math:`\sum_i \tfrac12\|Ax_i - b_i\|^2 + \lambda\|x_i\|_1`, with step :math:`1/\|A\|_2^2`.

    Parameters
    ----------
    A : ndarray, shape (m, n)
    B : ndarray, shape (N, m)
    lam : float
    iterations : int
    X0 : ndarray, shape (N, n), optional
        The start (default zeros).

    Returns
    -------
    ndarray, shape (N, n)

    References
    ----------
    Beck and Teboulle (2009), Eq. 4.1-4.3 (the same iteration as :func:`fista`, row by row).

    Examples
    --------
    >>> fista_batch(np.eye(2), np.array([[3.0, 0.5]]), 1.0, iterations=5)
    array([[2., 0.]])
    """
    A = np.asarray(A, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    L = float(np.linalg.norm(A, 2) ** 2) or 1.0
    t = 1.0 / L
    (m, n), N = A.shape, B.shape[0]
    # columns are signals here (contiguous rows of the work arrays): y - tA^T(Ay - b) = [I - tA^TA, tA^T] [y; b],
    # one product per iteration, S_tau(v) = v - clip(v, -tau, tau), buffers reused
    W = np.empty((n + m, N))
    W[n:] = B.T
    M = np.hstack([np.eye(n) - t * (A.T @ A), t * A.T])
    X = np.zeros((n, N)) if X0 is None else np.array(np.asarray(X0, dtype=np.float64).T, order="C")
    Y, V, Xn = W[:n], np.empty_like(X), np.empty_like(X)
    Y[...] = X
    tau, tk = t * lam, 1.0
    for _ in range(int(iterations)):
        np.matmul(M, W, out=V)
        np.clip(V, -tau, tau, out=Xn)
        np.subtract(V, Xn, out=Xn)
        tn = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * tk * tk))
        np.subtract(Xn, X, out=Y)
        Y *= (tk - 1.0) / tn
        Y += Xn
        X, Xn, tk = Xn, X, tn
    return np.ascontiguousarray(X.T)


def _support_solve(G: np.ndarray, AtB: np.ndarray, lam: float, X: np.ndarray,
                   rtol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact LASSO codes from the supports and signs of approximate ones (rows of ``X``), with a certificate.

    On the support :math:`S` with signs :math:`s` the optimality conditions are linear:
    :math:`A_S^\top A_S z_S = A_S^\top b - \lambda s_S`, :math:`z = 0` off :math:`S`. The candidate :math:`z` is the
    minimizer when its signs on :math:`S` are :math:`s` and :math:`|a_j^\top(b - Az)| \le \lambda` off :math:`S`
    (Tibshirani 2013, Sec. 2); ``ok`` marks the rows that pass (up to ``rtol``).
    """
    N, n = X.shape
    S, s = X != 0, np.sign(X)
    M = np.where(S[:, :, None] & S[:, None, :], G, 0.0)
    diag = np.arange(n)
    M[:, diag, diag] = np.where(S, M[:, diag, diag], 1.0)
    rhs = np.where(S, AtB - lam * s, 0.0)[..., None]
    try:
        Z = np.linalg.solve(M, rhs)[..., 0]
    except np.linalg.LinAlgError:  # a singular support somewhere: row by row
        Z = np.full((N, n), np.nan)
        for i in range(N):
            try:
                Z[i] = np.linalg.solve(M[i], rhs[i])[:, 0]
            except np.linalg.LinAlgError:
                pass
    with np.errstate(invalid="ignore"):
        C = AtB - Z @ G  # A^T(b - Az), rows
        ok = np.all(np.where(S, np.sign(Z) == s, np.abs(C) <= lam * (1.0 + rtol)), axis=1)
    return Z, ok & np.all(np.isfinite(Z), axis=1)


def _lasso_codes(A: np.ndarray, B: np.ndarray, lam: float, *, iterations: int = 2000,
                 checks: Sequence[int] = (50, 100, 200, 400, 800, 1200, 1600)) -> tuple[np.ndarray, np.ndarray]:
    """Optimal codes of the rows of B: FISTA (step 1/L, from 0, as :func:`fista_batch`) on all rows; at the
    iterations ``checks`` the rows whose support and signs give a certified minimizer (:func:`_support_solve`) take
    it and leave, the others continue the same FISTA sequence; rows never certified keep FISTA's iterate after
    ``iterations``. Returns the codes and the certified rows."""
    A, B = np.asarray(A, dtype=np.float64), np.asarray(B, dtype=np.float64)
    (m, n), N = A.shape, B.shape[0]
    G, AtB = A.T @ A, B @ A
    t = 1.0 / (float(np.linalg.norm(A, 2) ** 2) or 1.0)
    M = np.hstack([np.eye(n) - t * G, t * A.T])
    out, ok = np.zeros((N, n)), np.zeros(N, dtype=bool)
    rows = np.arange(N)
    W = np.zeros((n + m, N))  # [y; b], signals as columns (see fista_batch)
    W[n:] = B.T
    X, tau, tk = np.zeros((n, N)), t * lam, 1.0
    stops = sorted({int(k) for k in checks if 0 < k < iterations} | {int(iterations)})
    for k in range(1, int(iterations) + 1):
        V = M @ W
        Xn = V - np.clip(V, -tau, tau)
        tn = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * tk * tk))
        W[:n] = Xn + ((tk - 1.0) / tn) * (Xn - X)
        X, tk = Xn, tn
        if k in stops:
            Z, good = _support_solve(G, AtB[rows], lam, X.T)
            out[rows] = np.where(good[:, None], Z, X.T)
            ok[rows] = good
            if k == stops[-1] or np.all(good):
                break
            rows, X, W = rows[~good], X[:, ~good], W[:, ~good]
    return out, ok


def _shrink(z: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """sign(z) max(|z| - theta, 0) for any theta (LISTA's thresholds are free parameters)."""
    return np.sign(z) * np.maximum(np.abs(z) - theta, 0.0)


class LISTA(Objective):
    r"""LISTA (Gregor and LeCun 2010): K unrolled ISTA iterations with trained weights, as an objective of
    :math:`\Theta = (W_e, S, \theta)`.

    .. math::
        x_0 = 0,\quad x_{l+1} = S_\theta(W_e b + S x_l)\ (l = 0..K-1),\qquad
        \ell(\Theta) = \frac1{2N}\sum_{i=1}^N \|x_K(b_i) - x^*(b_i)\|^2,

    :math:`S_\theta` the soft thresholding with one threshold per entry. ISTA with step :math:`1/L` is the point
    :math:`W_e = A^\top/L`, :math:`S = I - A^\top A/L`, :math:`\theta = \lambda/L` (:meth:`ista_weights`).
    The gradient is backpropagation through the K layers (rows are examples, :math:`Z_l = BW_e^\top +
    X_{l-1}S^\top`): with :math:`\Delta_K = (X_K - X^*)/N`, going down :math:`G_l = \Delta_l \odot
    1[|Z_l| > \theta]`, :math:`\nabla_{W_e} \mathrel{+}= G_l^\top B`, :math:`\nabla_S \mathrel{+}= G_l^\top X_{l-1}`,
    :math:`\nabla_\theta \mathrel{+}= -\sum_i (G_l \odot \mathrm{sign} Z_l)_i`, :math:`\Delta_{l-1} = G_l S`.

    Parameters
    ----------
    B : ndarray, shape (N, m)
        Training signals (rows).
    X_star : ndarray, shape (N, n)
        Their optimal codes (targets).
    n_layers : int
        K >= 1.

    Attributes
    ----------
    n_params : int
        :math:`nm + n^2 + n`; ``theta = concatenate([W_e.ravel(), S.ravel(), theta])``.
    n_samples : int
    n_layers : int

    Raises
    ------
    ValueError
        For mismatched shapes or fewer than 1 layer.

    References
    ----------
    Gregor and LeCun (2010), Sec. 3 (Algorithm 3, the LISTA fprop / bprop).
    """

    def __init__(self, B: np.ndarray, X_star: np.ndarray, n_layers: int):
        self.B = np.asarray(B, dtype=np.float64)
        self.X_star = np.asarray(X_star, dtype=np.float64)
        if self.B.ndim != 2 or self.X_star.ndim != 2 or self.B.shape[0] != self.X_star.shape[0]:
            raise ValueError(f"B (N, m) and X_star (N, n) must have the same rows, got {self.B.shape} and "
                             f"{self.X_star.shape}")
        if int(n_layers) < 1:
            raise ValueError(f"n_layers must be at least 1, got {n_layers}")
        self.n_layers = int(n_layers)
        self.n_samples, self.m = self.B.shape
        self.n = self.X_star.shape[1]
        self.n_params = self.n * self.m + self.n * self.n + self.n

    def unpack(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W_e, S, thresholds)`` of shapes ``(n, m)``, ``(n, n)``, ``(n,)`` from the flat vector.

        Parameters
        ----------
        theta : ndarray, shape (n_params,)

        Returns
        -------
        tuple of ndarray
        """
        n, m = self.n, self.m
        theta = np.asarray(theta, dtype=np.float64)
        return theta[:n * m].reshape(n, m), theta[n * m:n * m + n * n].reshape(n, n), theta[n * m + n * n:]

    def ista_weights(self, A: np.ndarray, lam: float) -> np.ndarray:
        r"""The flat :math:`\Theta` at which LISTA is K steps of ISTA: :math:`(A^\top/L, I - A^\top A/L, \lambda/L)`.

        Parameters
        ----------
        A : ndarray, shape (m, n)
        lam : float

        Returns
        -------
        ndarray, shape (n_params,)
        """
        A = np.asarray(A, dtype=np.float64)
        L = float(np.linalg.norm(A, 2) ** 2)
        return np.concatenate([(A.T / L).ravel(), (np.eye(self.n) - A.T @ A / L).ravel(),
                               np.full(self.n, lam / L)])

    def codes(self, theta: np.ndarray, B: np.ndarray | None = None, n_layers: int | None = None) -> np.ndarray:
        """The codes :math:`x_K(b)` of the rows of ``B`` (default: the training signals).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        B : ndarray, shape (N', m), optional
        n_layers : int, optional
            Unroll this many layers with the same weights (default K).

        Returns
        -------
        ndarray, shape (N', n)
        """
        We, S, th = self.unpack(theta)
        B = self.B if B is None else np.asarray(B, dtype=np.float64)
        C = B @ We.T
        X = np.zeros((B.shape[0], self.n))
        for _ in range(self.n_layers if n_layers is None else int(n_layers)):
            X = _shrink(C + X @ S.T, th)
        return X

    def _value_and_grad(self, theta: np.ndarray, idx: np.ndarray | None) -> tuple[float, np.ndarray]:
        We, S, th = self.unpack(theta)
        B = self.B if idx is None else self.B[idx]
        T = self.X_star if idx is None else self.X_star[idx]
        N = B.shape[0]
        C = B @ We.T
        Xs, Zs = [np.zeros((N, self.n))], []
        for _ in range(self.n_layers):
            Z = C + Xs[-1] @ S.T
            Zs.append(Z)
            Xs.append(_shrink(Z, th))
        R = Xs[-1] - T
        f = 0.5 * float(np.sum(R * R)) / N
        D = R / N
        gC, gS, gth = np.zeros_like(C), np.zeros_like(S), np.zeros_like(th)
        for l in range(self.n_layers, 0, -1):
            Z = Zs[l - 1]
            G = D * (np.abs(Z) > th)
            gth -= np.sum(G * np.sign(Z), axis=0)
            gC += G
            gS += G.T @ Xs[l - 1]
            D = G @ S
        return f, np.concatenate([(gC.T @ B).ravel(), gS.ravel(), gth])

    # documented in Objective: the loss and its gradient by backpropagation (see the class)
    def value_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        return self._value_and_grad(theta, None)

    def taylor_check(self, theta: np.ndarray, *, seed: int = 0) -> Any:
        """The Taylor test (:func:`numdl_core.checks.derivative_check`) of :meth:`value_and_grad` at ``theta`` along
        ``v = 0.1 * randn`` (drawn with ``seed``): E1 must fall like h².

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        seed : int

        Returns
        -------
        DerivativeCheck
        """
        v = 0.1 * np.random.default_rng(seed).standard_normal(self.n_params)
        return derivative_check(self.value_and_grad, np.asarray(theta, dtype=np.float64), v)

    def batch_value_and_grad(self, theta: np.ndarray, idx: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`value_and_grad` over the training rows ``idx`` only (for mini-batch SGD / Adam).

        Parameters
        ----------
        theta : ndarray, shape (n_params,)
        idx : ndarray of int
            Training rows.

        Returns
        -------
        tuple
            ``(f, g)`` as :meth:`value_and_grad`.
        """
        return self._value_and_grad(theta, np.asarray(idx))


@dataclass(frozen=True)
class LISTAProblem:
    """A LISTA experiment (:func:`lista_problem`).

    Attributes
    ----------
    A : ndarray, shape (m, n)
        The dictionary (unit-norm atoms).
    lam : float
    model : LISTA
        Over the training signals.
    theta0 : ndarray
        The ISTA weights (the start of training).
    B_test, X_test : ndarray
        Held-out signals and their optimal codes.
    F_test : ndarray
        :math:`F(x^*(b))` of each test signal.
    certified : float
        Fraction of the optimal codes (training and test) certified exact by the optimality conditions.
    """

    A: np.ndarray
    lam: float
    model: LISTA
    theta0: np.ndarray
    B_test: np.ndarray
    X_test: np.ndarray
    F_test: np.ndarray
    certified: float = 1.0

    def gaps(self, X: np.ndarray) -> float:
        r"""The mean objective gap :math:`\frac1N\sum_i F(x_i) - F(x^*(b_i))` of codes ``X`` of the test signals.

        Parameters
        ----------
        X : ndarray, shape (N_test, n)

        Returns
        -------
        float
        """
        R = X @ self.A.T - self.B_test
        F = 0.5 * np.sum(R * R, axis=1) + self.lam * np.sum(np.abs(X), axis=1)
        return float(np.mean(F - self.F_test))

    def gap_curves(self, max_layers: int, theta: np.ndarray | None = None) -> dict:
        r"""Mean test gaps after :math:`k = 1..` ``max_layers`` iterations of ISTA and FISTA (step :math:`1/L`, from
        0) and, with ``theta``, of LISTA's layer repeated k times (one pass each).

        Parameters
        ----------
        max_layers : int
        theta : ndarray, optional
            LISTA weights.

        Returns
        -------
        dict
            ``{"ISTA": gaps, "FISTA": gaps[, "LISTA": gaps]}``, arrays of length ``max_layers``.
        """
        A, B = self.A, self.B_test
        L = float(np.linalg.norm(A, 2) ** 2)
        t, (m, n), N, K = 1.0 / L, A.shape, B.shape[0], int(max_layers)
        # ISTA's iterates (columns :N) and FISTA's extrapolated points (columns N:) side by side, signals as columns:
        # z - tA^T(Az - b) = [I - tA^T A, tA^T] [z; b], one product for both methods per iteration
        W = np.zeros((n + m, 2 * N))
        W[n:] = np.hstack([B.T, B.T])
        M = np.hstack([np.eye(n) - t * (A.T @ A), t * A.T])
        V, X, R = np.empty((n, 2 * N)), np.empty((n, 2 * N)), np.empty((m, 2 * N))
        Xf, tau, tk = np.zeros((n, N)), t * self.lam, 1.0
        F = np.empty((K, 2 * N))
        for k in range(K):
            np.matmul(M, W, out=V)
            np.clip(V, -tau, tau, out=X)
            np.subtract(V, X, out=X)  # S_tau(v) = v - clip(v, -tau, tau): ISTA's x_k and FISTA's x_k
            np.matmul(A, X, out=R)
            R -= W[n:]
            F[k] = 0.5 * np.einsum("ij,ij->j", R, R) + self.lam * np.sum(np.abs(X), axis=0)
            tn = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * tk * tk))
            W[:n, :N] = X[:, :N]
            np.subtract(X[:, N:], Xf, out=W[:n, N:])
            W[:n, N:] *= (tk - 1.0) / tn
            W[:n, N:] += X[:, N:]
            Xf[...], tk = X[:, N:], tn
        Fs = float(np.mean(self.F_test))
        out = {"ISTA": F[:, :N].mean(axis=1) - Fs, "FISTA": F[:, N:].mean(axis=1) - Fs}
        if theta is not None:
            We, S, th = self.model.unpack(theta)
            C, X = self.B_test @ We.T, np.zeros_like(self.X_test)
            out["LISTA"] = []
            for _ in range(int(max_layers)):
                X = _shrink(C + X @ S.T, th)
                out["LISTA"].append(self.gaps(X) if np.all(np.isfinite(X)) else np.inf)
            out["LISTA"] = np.array(out["LISTA"])
        return out

    def numbers(self, theta: np.ndarray, ista_max: int = 1000, curves: dict | None = None) -> dict:
        """The headline numbers of trained LISTA weights: its test gap at K layers, ISTA's and FISTA's after K
        iterations, how many ISTA iterations reach LISTA's gap (when at most ``ista_max`` do), its training loss.

        Parameters
        ----------
        theta : ndarray
            LISTA weights.
        ista_max : int
        curves : dict, optional
            ``gap_curves(ista_max)`` if already computed.

        Returns
        -------
        dict
        """
        K = self.model.n_layers
        curves = self.gap_curves(ista_max) if curves is None else curves
        with np.errstate(all="ignore"):
            lista = self.gaps(self.model.codes(theta, self.B_test))
            out = {"LISTA test gap": lista, "ISTA test gap": curves["ISTA"][K - 1],
                   "FISTA test gap": curves["FISTA"][K - 1], "LISTA training loss": self.model.value_and_grad(theta)[0]}
        reached = np.nonzero(curves["ISTA"] <= lista + 1e-12)[0]  # up to round-off (at theta0 LISTA is ISTA)
        if reached.size:
            out["ISTA iterations to reach LISTA's gap"] = float(reached[0] + 1)
        return {k: float(v) for k, v in out.items() if np.isfinite(v)}


def lista_problem(m: int = 20, n: int = 40, *, n_layers: int = 5, density: float = 0.1, lam: float = 0.1,
                  n_train: int = 400, n_test: int = 200, noise: float = 0.01, seed: int = 0) -> LISTAProblem:
    r"""Sparse signals :math:`b = Ax + \epsilon` for a random dictionary with unit-norm atoms, their optimal codes
    and the LISTA objective over the training part.

    The optimal codes: FISTA; at iterations 50, 100, 200, 400, 800, 1200, 1600 and 2000 a code's support :math:`S`
    and signs :math:`s` give the candidate :math:`x_S = (A_S^\top A_S)^{-1}(A_S^\top b - \lambda s_S)`, 0 off
    :math:`S`, which is the minimizer when it satisfies the optimality conditions :math:`\mathrm{sign}(x_S) = s`,
    :math:`|a_j^\top(b - Ax)| \le \lambda` for :math:`j \notin S` (checked to a relative 1e-9); the certified codes
    stop, the others continue (a code never certified is FISTA's after 2000 iterations; ``certified`` is the
    fraction that passed).

    Parameters
    ----------
    m, n : int
        Signal length and number of atoms.
    n_layers : int
        K.
    density : float
        Probability of an entry of the true codes being nonzero (then standard normal), in (0, 1].
    lam : float
        :math:`\lambda > 0` of the sparse-coding problem.
    n_train, n_test : int
    noise : float
        Standard deviation of :math:`\epsilon`.
    seed : int

    Returns
    -------
    LISTAProblem

    Raises
    ------
    ValueError
        For sizes below 1, ``density`` outside (0, 1] or ``lam <= 0``.

    References
    ----------
    Gregor and LeCun (2010), Sec. 4 (experiments with a fixed dictionary and optimal codes as targets);
    R. J. Tibshirani, The lasso problem and uniqueness, Electron. J. Statist. 7 (2013), Sec. 2 (the optimality
    conditions and the solution on the support).

    Examples
    --------
    >>> P = lista_problem(4, 6, n_layers=2, n_train=10, n_test=5)
    >>> P.model.n_params, P.B_test.shape
    (66, (5, 4))
    """
    if min(m, n, n_layers, n_train, n_test) < 1 or not 0 < density <= 1 or not lam > 0:
        raise ValueError("sizes must be >= 1, density in (0, 1] and lam > 0")
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    A /= np.linalg.norm(A, axis=0)
    N = n_train + n_test
    X = rng.standard_normal((N, n)) * (rng.random((N, n)) < density)
    B = X @ A.T + noise * rng.standard_normal((N, m))
    Xs, ok = _lasso_codes(A, B, lam)
    model = LISTA(B[:n_train], Xs[:n_train], n_layers)
    R = Xs[n_train:] @ A.T - B[n_train:]
    F = 0.5 * np.sum(R * R, axis=1) + lam * np.sum(np.abs(Xs[n_train:]), axis=1)
    return LISTAProblem(A, float(lam), model, model.ista_weights(A, lam), B[n_train:], Xs[n_train:], F,
                        float(np.mean(ok)))


# ------------------------------------------------------------------------------------------- dictionary learning
def image_patches(images: np.ndarray, size: int, *, side: int = 8, stride: int = 1,
                  center: bool = True) -> np.ndarray:
    r"""All ``size`` × ``size`` patches of square images (rows of ``images``, ``side`` × ``side`` pixels).

    Parameters
    ----------
    images : ndarray, shape (N, side * side)
    size : int
        Patch side, 1 <= size <= side.
    side : int
        Image side (8 for the digits).
    stride : int
        Offset between patches.
    center : bool
        Subtract each patch's mean (the DC part, as Olshausen and Field remove it).

    Returns
    -------
    ndarray, shape (N * P, size * size)
        :math:`P = (\lfloor (side - size)/stride\rfloor + 1)^2` patches per image, rows as pixels row by row.

    Raises
    ------
    ValueError
        For a size outside [1, side] or images of the wrong width.

    References
    ----------
    Olshausen and Field (1996) (patches of natural images).

    Examples
    --------
    >>> image_patches(np.arange(16.0)[None], 2, side=4, stride=2, center=False)[1]
    array([2., 3., 6., 7.])
    """
    images = np.asarray(images, dtype=np.float64)
    if not 1 <= int(size) <= int(side) or images.ndim != 2 or images.shape[1] != side * side:
        raise ValueError(f"need images of shape (N, {side * side}) and 1 <= size <= {side}")
    im = images.reshape(-1, side, side)
    starts = range(0, side - size + 1, max(int(stride), 1))
    P = np.stack([im[:, i:i + size, j:j + size].reshape(len(im), -1) for i in starts for j in starts], axis=1)
    P = P.reshape(-1, size * size)
    return P - P.mean(axis=1, keepdims=True) if center else P


def _normalize(D: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(D, axis=0)
    return D / np.where(norms > 0, norms, 1.0)


def dictionary_energy(D: np.ndarray, X: np.ndarray, Y: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    r"""The dictionary-learning energy and its gradient in D at fixed codes:

    .. math:: E(D) = \frac1{2N}\|XD^\top - Y\|_F^2 + \frac{\lambda}{N}\|X\|_1, \qquad
        \nabla_D E = \frac1N (XD^\top - Y)^\top X .

    Parameters
    ----------
    D : ndarray, shape (m, n_atoms)
    X : ndarray, shape (N, n_atoms)
        Codes (rows).
    Y : ndarray, shape (N, m)
        Signals (rows).
    lam : float

    Returns
    -------
    E : float
    grad : ndarray, shape (m, n_atoms)

    References
    ----------
    Olshausen and Field (1996), Eq. 2 (the energy, up to scaling); Engan, Aase and Husoy (1999).

    Examples
    --------
    >>> dictionary_energy(np.eye(1), np.ones((2, 1)), np.zeros((2, 1)), 0.5)
    (1.0, array([[1.]]))
    """
    D, X, Y = (np.asarray(a, dtype=np.float64) for a in (D, X, Y))
    N = Y.shape[0]
    R = X @ D.T - Y
    return (0.5 * float(np.sum(R * R)) + lam * float(np.sum(np.abs(X)))) / N, R.T @ X / N


@tunable("step")
def dictionary_learning(Y: np.ndarray, n_atoms: int, alpha: float, *, method: str = "mod", inner: int = 30,
                        step: float = 1.0, seed: int = 0, tol: float = 1e-10, maxiter: int = 10**6,
                        blowup: float = BLOWUP) -> Iterator[Step]:
    r"""Dictionary learning by alternating minimization of
    :math:`E(D, X) = \frac1{2N}\|Y^\top - DX^\top\|_F^2 + \frac{\alpha}{N}\|X\|_1` over unit-norm atoms.

    The start :math:`D_0` is ``n_atoms`` random signals (unit norm) with their codes :math:`X_0` (``inner`` FISTA
    iterations from 0; not counted as work). Each iteration: (1) the dictionary update, ``"mod"`` (method of optimal
    directions) :math:`D = Y^\top X (X^\top X + 10^{-8} I)^{-1}` or ``"gradient"``
    :math:`D \leftarrow D - \frac{t}{\|X\|_2^2/N}\nabla_D E`; every atom scaled to unit norm (its codes by the
    inverse, which keeps :math:`DX^\top`); (2) sparse coding, ``inner`` FISTA iterations for all signals,
    warm-started. The generator follows the protocol of :mod:`numdl_core.iterate`. MOD's alternation can settle at
    a fixed point where the tangential gradient is not zero (the normalization rescales the codes); the gradient
    update converges to a stationary point over unit-norm atoms.

    Parameters
    ----------
    Y : ndarray, shape (N, m)
        Signals (rows), e.g. :func:`image_patches`.
    n_atoms : int
    alpha : float
        The L1 weight :math:`\alpha \ge 0` (the papers' :math:`\lambda`; ``alpha`` as in every iterative method).
    method : {"mod", "gradient"}
    inner : int
        FISTA iterations per sparse-coding phase.
    step : float
        The relative gradient step t (``"gradient"`` only), in (0, 2). Tunable.
    seed : int
        Seeds the choice of the starting atoms.
    tol, maxiter, blowup : float, int, float, optional
        Stopping rules of :mod:`numdl_core.iterate` (``tol`` on the tangential gradient norm).

    Yields
    ------
    Step
        ``x`` is ``D.ravel()`` (shape ``(m, n_atoms)``, C order), ``loss`` :math:`E` after the update,
        ``grad_norm`` the norm of :math:`\nabla_D E` at the codes, tangent to the unit-norm atoms (each column minus
        its component along the atom: zero at a stationary point); ``info``: ``sparsity`` (fraction of zero codes),
        ``relative_residual`` :math:`\|XD^\top - Y\|_F/\|Y\|_F`, ``step``, ``work`` (passes over the signals:
        ``2 inner + 2`` per iteration).

    Raises
    ------
    ValueError
        For an unknown ``method``, fewer than 1 atom or signal, ``alpha < 0`` or a step outside (0, 2).

    References
    ----------
    Olshausen and Field (1996); Engan, Aase and Husoy (1999); M. Aharon, M. Elad and A. Bruckstein, K-SVD,
    IEEE TSP 54 (2006), Sec. III (the alternating scheme and the normalization).

    Examples
    --------
    >>> Y = np.random.default_rng(0).standard_normal((50, 4))
    >>> steps = list(dictionary_learning(Y, 4, 0.1, maxiter=3))
    >>> len(steps), steps[-1].x.shape
    (4, (16,))
    """
    if method not in ("mod", "gradient"):
        raise ValueError(f"method must be 'mod' or 'gradient', got {method!r}")
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim != 2 or Y.shape[0] < 1 or int(n_atoms) < 1 or not alpha >= 0 or int(inner) < 1:
        raise ValueError("need signals of shape (N, m), n_atoms >= 1, alpha >= 0 and inner >= 1")
    params = {"step": _relative_step(step)}
    tol, maxiter = check_stop(tol, maxiter)
    N, m = Y.shape
    rng = np.random.default_rng(seed)
    D = _normalize(Y[rng.choice(N, int(n_atoms), replace=N < n_atoms)].T + 1e-3 * rng.standard_normal((m, n_atoms)))
    return (yield from _drive(_dl_iterations(Y, D, float(alpha), method, int(inner), blowup), params,
                              {"step": _relative_step}, tol=tol, maxiter=maxiter))


def _relative_step(t: Any) -> float:
    t = float(t)
    if not 0 < t < 2:
        raise ValueError(f"step must lie in (0, 2), got {t!r}")
    return t


def _dl_iterations(Y: np.ndarray, D: np.ndarray, lam: float, method: str, inner: int, blowup: float):
    """The iterations of :func:`dictionary_learning` (see ``numdl_core.iterate._drive``)."""
    N = Y.shape[0]
    X = fista_batch(D, Y, lam, iterations=inner)

    def info(D, X, t):
        return {"sparsity": float(np.mean(X == 0)), "step": t,
                "relative_residual": float(np.linalg.norm(X @ D.T - Y) / (np.linalg.norm(Y) or 1.0))}

    E0, g = dictionary_energy(D, X, Y, lam)
    params = yield record(0, D.ravel(), E0, _tangential(D, g), info(D, X, 0.0), work=0.0, loss0=E0, blowup=blowup)
    work = 0.0
    for k in itertools.count(1):
        if method == "mod":
            D = np.linalg.solve(X.T @ X + 1e-8 * np.eye(D.shape[1]), X.T @ Y).T
        else:
            c = float(np.linalg.norm(X, 2) ** 2) / N or 1.0
            D = D - (params["step"] / c) * g
        work += 2.0 * inner + 2.0
        if not (np.all(np.isfinite(D)) and np.all(np.isfinite(X))):
            yield record(k, D.ravel(), np.nan, np.nan, {"step": params["step"]}, work=work, loss0=E0, blowup=blowup,
                         reason="the dictionary update is not finite (nan or inf)")
            return
        norms = np.linalg.norm(D, axis=0)
        norms = np.where(norms > 0, norms, 1.0)
        D, X = D / norms, X * norms
        X = fista_batch(D, Y, lam, iterations=inner, X0=X)
        E, g = dictionary_energy(D, X, Y, lam)
        params = yield record(k, D.ravel(), E, _tangential(D, g), info(D, X, params["step"]), work=work, loss0=E0,
                              blowup=blowup)


def _tangential(D: np.ndarray, G: np.ndarray) -> float:
    """The norm of the gradient G tangent to the unit-norm columns of D (G minus its radial part, column by column):
    zero at a stationary point of the energy over unit-norm atoms."""
    return float(np.linalg.norm(G - D * np.sum(D * G, axis=0)))
