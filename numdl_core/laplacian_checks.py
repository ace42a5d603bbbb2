r"""Checks that a computed graph Laplacian and its spectrum have the properties the theory promises.

For a symmetric non-negative similarity matrix :math:`W` with degrees :math:`d = W\mathbf 1`:

- the null vector: :math:`L\mathbf 1 = 0` for :math:`L = D - W` and :math:`L_{\mathrm{rw}} = I - D^{-1}W`,
  :math:`L_{\mathrm{sym}} D^{1/2}\mathbf 1 = 0` for :math:`L_{\mathrm{sym}} = I - D^{-1/2} W D^{-1/2}`;
- positive semidefiniteness, :math:`\tfrac12 u^\top L u = \tfrac14\sum_{ij} W_{ij}(u_i - u_j)^2 \ge 0`, so the
  smallest eigenvalue is :math:`\lambda_1 \ge 0` (up to round-off);
- the multiplicity of the eigenvalue 0 equals the number of connected components.

In floating point "= 0" means "at round-off size relative to the matrix": Gershgorin's theorem bounds
:math:`\|L\|_2 \le 2\max_i d_i` for :math:`D - W` and :math:`\le 2` for the normalized Laplacians, and a
backward-stable computation leaves errors of about :math:`\varepsilon \|L\|` (:math:`\varepsilon \approx 2.2\cdot
10^{-16}`); the checks allow :math:`10^{-12}\|L\|`. Each returns a :class:`PropertyCheck`: the measured number,
what it was compared with, the verdict and one sentence that says it with the numbers.

References
----------
U. von Luxburg, "A tutorial on spectral clustering", Statistics and Computing 17 (2007), Propositions 1-4.
G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, Sec. 7.2 (Gershgorin) and 8.1.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from numdl_core.spectral import connected_components, degrees, edge_summary, graph_laplacian, n_zero_eigenvalues

__all__ = ["PropertyCheck", "laplacian_norm_bound", "null_vector_check", "psd_check", "zero_multiplicity_check",
           "laplacian_checks", "order_of_magnitude_check"]

RTOL = 1e-12  # "zero" means at most RTOL * ||L|| (a few thousand round-off units)
_NAMES = {"unnormalized": ("L", "1"), "sym": ("L_sym", "D^½1"), "rw": ("L_rw", "1")}


@dataclass(frozen=True)
class PropertyCheck:
    """One property of a computed result, checked in floating point.

    Attributes
    ----------
    name : str
        The property, e.g. ``"L·1 = 0"``.
    value : float
        The measured number (a norm, an eigenvalue, a count).
    bound : float
        What ``value`` is compared with (a tolerance, a lower bound, a count).
    passed : bool
        The verdict.
    detail : str
        One sentence with the numbers, for a reader.
    """

    name: str
    value: float
    bound: float
    passed: bool
    detail: str


def laplacian_norm_bound(W: Any, kind: str = "sym") -> float:
    r"""Gershgorin's bound on :math:`\|L\|_2`: :math:`2\max_i d_i` for ``"unnormalized"``, 2 for ``"sym"``/``"rw"``.

    Every eigenvalue of :math:`D - W` lies in a disc centred at :math:`d_i` of radius
    :math:`\sum_{j \ne i} W_{ij} = d_i`; the normalized Laplacians have their spectrum in :math:`[0, 2]`.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity matrix.
    kind : {"unnormalized", "sym", "rw"}

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``kind`` is unknown or ``W`` is not a finite square matrix.

    Examples
    --------
    >>> from numdl_core.spectral import toy_graph
    >>> laplacian_norm_bound(toy_graph()[1], "unnormalized")
    8.0
    """
    if kind not in _NAMES:
        raise ValueError(f"unknown Laplacian kind {kind!r}; choose one of {', '.join(map(repr, _NAMES))}")
    return 2.0 * float(degrees(W).max()) if kind == "unnormalized" else 2.0


def null_vector_check(W: Any, kind: str = "sym") -> PropertyCheck:
    r"""The null vector of the Laplacian: :math:`\|L z\| \le 10^{-12}\,\|L\|\,\|z\|`.

    :math:`z = \mathbf 1` for :math:`D - W` and :math:`L_{\mathrm{rw}}`, :math:`z = D^{1/2}\mathbf 1` for
    :math:`L_{\mathrm{sym}}` (which does not annihilate :math:`\mathbf 1`); :math:`\|L\|` is bounded by
    :func:`laplacian_norm_bound`.

    Parameters
    ----------
    W, kind
        The similarity matrix and the Laplacian, as in :func:`laplacian_norm_bound`.

    Returns
    -------
    PropertyCheck
        ``value`` = :math:`\|Lz\|`, ``bound`` = the tolerance.

    Raises
    ------
    ValueError
        If ``W`` is not a symmetric non-negative finite square matrix or ``kind`` is unknown
        (:func:`numdl_core.spectral.graph_laplacian`).

    Examples
    --------
    >>> from numdl_core.spectral import toy_graph
    >>> null_vector_check(toy_graph()[1], "unnormalized").passed
    True
    """
    L = graph_laplacian(W, kind)
    d = degrees(W)
    z = np.sqrt(d) if kind == "sym" else np.ones(d.size)
    value = float(np.linalg.norm(L @ z))
    bound = laplacian_norm_bound(W, kind)
    tol = RTOL * max(1.0, bound) * max(1.0, float(np.linalg.norm(z)))
    name, vec = _NAMES[kind]
    ok = value <= tol
    note = " (L_sym annihilates D^½1, not 1)" if kind == "sym" else ""
    return PropertyCheck(f"{name}·{vec} = 0", value, tol, ok,
                         f"‖{name}·{vec}‖ = {value:.1e} {'≤' if ok else '>'} {tol:.1e} = 10⁻¹² ‖L‖ ‖{vec}‖{note}")


def psd_check(W: Any, kind: str, eigenvalues: Any) -> PropertyCheck:
    r"""Positive semidefiniteness: the smallest computed eigenvalue :math:`\lambda_1 \ge -10^{-12}\,\|L\|`.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity matrix (for the bound on :math:`\|L\|`).
    kind : {"unnormalized", "sym", "rw"}
    eigenvalues : array_like, shape (m,)
        The smallest eigenvalues of the Laplacian, ascending (at least one).

    Returns
    -------
    PropertyCheck
        ``value`` = :math:`\lambda_1`, ``bound`` = :math:`-10^{-12}\max(1, \|L\|)`.

    Raises
    ------
    ValueError
        If no eigenvalue is given, or as :func:`laplacian_norm_bound`.

    Examples
    --------
    >>> from numdl_core.spectral import toy_graph
    >>> psd_check(toy_graph()[1], "unnormalized", [-1e-15, 1.0]).passed
    True
    """
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lam.size == 0:
        raise ValueError("give at least one eigenvalue")
    norm = laplacian_norm_bound(W, kind)
    tol = RTOL * max(1.0, norm)
    ok = bool(lam.min() >= -tol)
    return PropertyCheck("Positive semidefinite", float(lam.min()), -tol, ok,
                         f"smallest eigenvalue λ₁ = {lam.min():.1e} {'≥' if ok else '<'} −{tol:.0e} "
                         f"(10⁻¹² ‖L‖, ‖L‖ ≤ {norm:.3g} by Gershgorin)")


def zero_multiplicity_check(W: Any, eigenvalues: Any, tol: float | None = None) -> PropertyCheck:
    r"""The multiplicity of the eigenvalue 0 equals the number of connected components.

    Zero means :math:`|\lambda| \le` ``tol`` (:func:`numdl_core.spectral.n_zero_eigenvalues`); components are
    counted on the non-zero pattern of ``W`` by ``scipy.sparse.csgraph``. When all ``m`` computed eigenvalues
    are zero and the graph has at least ``m`` components, the check passes (more eigenvalues are needed to see
    the whole null space). More zeros than components means a *numerically* disconnected graph: groups joined
    only by edges whose weights are negligible next to the others (a Gaussian width ``sigma`` far below the
    distances); the check then fails and says so.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity matrix.
    eigenvalues : array_like, shape (m,)
        The ``m`` smallest eigenvalues of one of its Laplacians, ascending.
    tol : float, optional
        Threshold for zero (default as :func:`numdl_core.spectral.n_zero_eigenvalues`).

    Returns
    -------
    PropertyCheck
        ``value`` = number of zero eigenvalues, ``bound`` = number of components.

    Raises
    ------
    ValueError
        If ``W`` is not a finite, non-empty square matrix (:func:`numdl_core.spectral.connected_components`).

    Examples
    --------
    >>> from numdl_core.spectral import toy_graph
    >>> A = toy_graph()[1]
    >>> A[1, 4] = A[4, 1] = 0.0
    >>> zero_multiplicity_check(A, [0.0, 1e-16, 1.0, 3.0, 5.0]).detail
    '2 zero eigenvalues = 2 connected components'
    """
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    n_comp = connected_components(W)[0]
    n_zero = n_zero_eigenvalues(lam, tol)
    m = lam.size
    if n_zero == n_comp:
        ok, text = True, f"{n_zero} zero eigenvalue{'s' * (n_zero != 1)} = {n_comp} connected component" \
                         f"{'s' * (n_comp != 1)}"
    elif n_zero == m and n_comp > m:
        ok, text = True, (f"all {m} computed eigenvalues are 0 and the graph has {n_comp} components (≥ {m}): "
                          "compute more eigenvalues to see the whole null space")
    elif n_zero > n_comp:
        nxt = lam[min(n_comp, m - 1)]
        ok, text = False, (f"{n_zero} eigenvalues are numerically zero but the graph has only {n_comp} component(s): "
                           f"λ{n_comp + 1} = {nxt:.1e}. Some groups are joined only by edges of tiny weight (the "
                           f"lightest edge weighs {edge_summary(W)[1]:.1e}): the graph is numerically disconnected. "
                           "A wider kernel (larger σ) connects them")
    else:
        ok, text = False, f"{n_zero} zero eigenvalues but {n_comp} connected components"
    return PropertyCheck("Zero eigenvalues = connected components", float(n_zero), float(n_comp), ok, text)


def laplacian_checks(W: Any, kind: str, eigenvalues: Any) -> tuple[PropertyCheck, PropertyCheck, PropertyCheck]:
    """The three checks of a Laplacian and its smallest eigenvalues: null vector, PSD, zero multiplicity.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity matrix.
    kind : {"unnormalized", "sym", "rw"}
        The Laplacian whose eigenvalues are given.
    eigenvalues : array_like, shape (m,)
        Its ``m`` smallest eigenvalues, ascending.

    Returns
    -------
    tuple of PropertyCheck
        :func:`null_vector_check`, :func:`psd_check`, :func:`zero_multiplicity_check`.

    Raises
    ------
    ValueError
        As those three.

    Examples
    --------
    >>> from numdl_core.spectral import toy_graph, laplacian_eigenpairs
    >>> A = toy_graph()[1]
    >>> [c.passed for c in laplacian_checks(A, "sym", laplacian_eigenpairs(A, 5)[0])]
    [True, True, True]
    """
    return null_vector_check(W, kind), psd_check(W, kind, eigenvalues), zero_multiplicity_check(W, eigenvalues)


def order_of_magnitude_check(name: str, value: float, reference: float, *, zero_tol: float = 1e-12) -> PropertyCheck:
    r"""A value of the same order of magnitude as a reference: :math:`|\log_{10}(v / r)| < 1/2`.

    A reference below ``zero_tol`` means "zero up to round-off" (e.g. :math:`\lambda_2` of a disconnected graph,
    quoted as :math:`10^{-15}`): then :math:`|v| <` ``zero_tol`` passes, whatever its exact round-off value.

    Parameters
    ----------
    name : str
        What is compared.
    value, reference : float
    zero_tol : float

    Returns
    -------
    PropertyCheck
        ``value``, ``bound`` = ``reference``.

    Examples
    --------
    >>> order_of_magnitude_check("λ₂", 0.0100, 8.7e-3).passed, order_of_magnitude_check("λ₂", 3e-16, 1.9e-15).passed
    (True, True)
    """
    value, reference = float(value), float(reference)
    if abs(reference) < zero_tol:
        ok = abs(value) < zero_tol
        text = (f"{value:.2g} {'is' if ok else 'is not'} zero up to round-off (|λ| < {zero_tol:.0e}), as the "
                f"reference {reference:.2g}")
    else:
        ok = value * reference > 0 and abs(np.log10(value / reference)) < 0.5
        text = f"{value:.3g} {'is' if ok else 'is not'} of the order of the reference {reference:.2g}"
    return PropertyCheck(name, value, reference, bool(ok), text)
