r"""Computing the smallest eigenpairs of a graph Laplacian: dense, Lanczos, power and inverse iteration.

"For small problems use an eig solver of a dense matrix; for large problems iterative methods: inverse
iteration, Krylov methods" (Ruthotto and Haber, Module 1). :func:`timed_eigenpairs` runs the dense
``eigh`` and the shift-invert Lanczos ``eigsh`` of :func:`numdl_core.spectral.laplacian_eigenpairs` on the same
Laplacian and times them. :func:`fiedler_iteration` finds the Fiedler vector by the two simplest iterations,
on the complement of the known null vector :math:`z` (:math:`\mathbf 1`, or :math:`D^{1/2}\mathbf 1` for
:math:`L_{\mathrm{sym}}`), with :math:`P = I - zz^\top`:

.. math::
    \text{power:}\quad u_{k+1} = \frac{P (cI - L) u_k}{\|P (cI - L) u_k\|}, \qquad
    \text{inverse:}\quad u_{k+1} = \frac{P (L - sI)^{-1} u_k}{\|P (L - sI)^{-1} u_k\|} .

With :math:`c \ge \lambda_{\max}` the power method converges to the eigenvector of the smallest eigenvalue on
:math:`z^\perp` (the Fiedler vector) at the rate :math:`(c - \lambda_3)/(c - \lambda_2)`, close to 1 when
:math:`\lambda_{\max}` is large next to the gap. Inverse iteration converges to the eigenvector whose
eigenvalue is nearest to the shift ``s``, at the rate :math:`|\lambda_{\mathrm{near}} - s| /
|\lambda_{\mathrm{next}} - s|`; ``s = 0`` is the course's :math:`u_{k+1} \propto L^\dagger u_k`, since
:math:`L^\dagger u = (L + zz^\top)^{-1} u` for :math:`u \perp z` on a connected graph.

References
----------
G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, Sec. 8.2 (power and inverse iteration)
and 10.1 (Lanczos).
Y. Saad, *Numerical Methods for Large Eigenvalue Problems*, 2nd ed., SIAM 2011, Sec. 4.1 and 8.3.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 1 ("Computing the
Fiedler vector").
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence

from numdl_core.spectral import SOLVERS, connected_components, degrees, graph_laplacian, laplacian_eigenpairs

__all__ = ["EigenRun", "timed_eigenpairs", "FiedlerIteration", "fiedler_iteration", "iteration_rate", "METHODS"]

METHODS = ("power", "inverse")


@dataclass(frozen=True)
class EigenRun:
    """One eigen-solver's result on one Laplacian.

    Attributes
    ----------
    solver : str
        ``"dense"`` or ``"lanczos"``.
    eigenvalues : ndarray or None
        The ``k`` smallest eigenvalues, ascending (None when the solver failed).
    eigenvectors : ndarray or None
        Shape ``(n, k)``.
    seconds : float
        Wall-clock time of the call (``time.perf_counter``).
    error : str or None
        Why the solver failed, or None.
    """

    solver: str
    eigenvalues: np.ndarray | None
    eigenvectors: np.ndarray | None
    seconds: float
    error: str | None


def timed_eigenpairs(
    W: Any, k: int, *, kind: str = "sym", solvers: Sequence[str] = SOLVERS, seed: int = 0, maxiter: int | None = None
) -> dict[str, EigenRun]:
    """The ``k`` smallest eigenpairs of a Laplacian by each solver, timed; a failure is recorded, not raised.

    Each solver runs :func:`numdl_core.spectral.laplacian_eigenpairs` (so the values equal a direct call with
    the same arguments). Lanczos (``eigsh``) may fail: it computes at most ``n - 2`` eigenpairs, and a cluster of
    many (numerically) equal eigenvalues, as the zero eigenvalues of a graph that falls apart into many pieces,
    keeps it from converging within ``maxiter`` restarts (the Krylov space of one start vector holds one
    direction per distinct eigenvalue).

    Parameters
    ----------
    W, k, kind, seed, maxiter
        As in :func:`numdl_core.spectral.laplacian_eigenpairs`.
    solvers : sequence of {"dense", "lanczos"}
        The solvers to run, in this order.

    Returns
    -------
    dict
        ``{solver: EigenRun}`` in the order of ``solvers``.

    Raises
    ------
    ValueError
        If a solver name is unknown.

    Examples
    --------
    >>> from numdl_core.spectral import toy_graph
    >>> runs = timed_eigenpairs(toy_graph()[1], 3, kind="unnormalized")
    >>> runs["lanczos"].eigenvalues.round(10), runs["dense"].error
    (array([0., 1., 2.]), None)
    """
    bad = [s for s in solvers if s not in SOLVERS]
    if bad:
        raise ValueError(f"unknown eigen-solver {bad[0]!r}; choose from {', '.join(map(repr, SOLVERS))}")
    out = {}
    for s in solvers:
        t0 = time.perf_counter()
        try:
            lam, U = laplacian_eigenpairs(W, k, kind=kind, solver=s, seed=seed, maxiter=maxiter)
            error = None
        except ArpackNoConvergence:
            lam = U = None
            error = f"Lanczos (eigsh) did not converge within {maxiter} restarts."
        except (ValueError, ArpackError, np.linalg.LinAlgError) as err:
            lam = U = None
            error = str(err)
        out[s] = EigenRun(s, lam, U, time.perf_counter() - t0, error)
    return out


@dataclass(frozen=True)
class FiedlerIteration:
    r"""The history of a power or inverse iteration for the Fiedler vector.

    Attributes
    ----------
    method : str
        ``"power"`` or ``"inverse"``.
    u : ndarray, shape (n,)
        The last iterate (unit norm, orthogonal to the null vector; for ``"rw"`` mapped back by
        :math:`D^{-1/2}` and normalized).
    rayleigh : ndarray, shape (K + 1,)
        Rayleigh quotients :math:`\rho_k = u_k^\top L u_k` of the symmetric Laplacian iterated on.
    residual : ndarray, shape (K + 1,)
        :math:`\|L u_k - \rho_k u_k\|`, which decays like ``rate ** k``.
    observed_rate : float
        :math:`(r_{k_1} / r_{k_0})^{1/(k_1 - k_0)}` over the second half, :math:`k_0 = \lfloor k_1/2 \rfloor`, of
        the iterations up to the last one :math:`k_1` above round-off (:math:`10^3` ``tol`` ``c``), after the
        transient of the other eigenvectors (``nan`` with fewer than two such iterations).
    bound : float
        The constant ``c`` of the power method (Gershgorin's bound on :math:`\|L\|`).
    shift : float
        The shift ``s`` of inverse iteration.
    """

    method: str
    u: np.ndarray
    rayleigh: np.ndarray
    residual: np.ndarray
    observed_rate: float
    bound: float
    shift: float


def _observed_rate(residual: np.ndarray, floor: float) -> float:
    above = np.flatnonzero(residual > floor)
    k1 = int(above[-1]) if above.size else 0
    k0 = k1 // 2
    if k1 <= k0 or residual[k0] <= 0:
        return float("nan")
    return float((residual[k1] / residual[k0]) ** (1.0 / (k1 - k0)))


def fiedler_iteration(
    W: Any, *, kind: str = "unnormalized", method: str = "inverse", shift: float = 0.0, maxiter: int = 300,
    tol: float = 1e-12, seed: int = 0,
) -> FiedlerIteration:
    r"""The Fiedler vector by power or (shifted) inverse iteration on the complement of the null vector.

    Iterates on the symmetric Laplacian (:math:`D - W` for ``"unnormalized"``, :math:`L_{\mathrm{sym}}` for
    ``"sym"`` and ``"rw"``) with :math:`P = I - zz^\top`, :math:`z` its unit null vector, from a random
    :math:`u_0 \perp z`:

    - ``"power"``: :math:`u_{k+1} \propto P(cI - L)u_k` with :math:`c = 2\max_i d_i` (``"unnormalized"``) or 2,
      Gershgorin's bound on :math:`\lambda_{\max}`; one product with :math:`L` per iteration.
    - ``"inverse"``: :math:`u_{k+1} \propto P(L - sI + \gamma zz^\top)^{-1}u_k`, one LU factorization (dense,
      :math:`O(n^3)` once) and two triangular solves per iteration. :math:`\gamma = 1 + |s|` moves the null
      vector's eigenvalue away from the shift and changes nothing on :math:`z^\perp`; with ``s = 0`` this is
      :math:`u_{k+1} \propto L^\dagger u_k` on a connected graph.

    Stops when :math:`\|Lu_k - \rho_k u_k\| \le` ``tol`` :math:`\cdot c` or after ``maxiter`` iterations.
    ``"rw"``: the eigenvectors of :math:`L_{\mathrm{rw}}` are :math:`D^{-1/2}` times those of
    :math:`L_{\mathrm{sym}}`; ``u`` is mapped back and normalized.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity matrix with at least one edge (densified: for graphs of up to a few thousand nodes).
    kind : {"unnormalized", "sym", "rw"}
    method : {"power", "inverse"}
    shift : float
        The shift ``s`` of inverse iteration (ignored by the power method).
    maxiter : int
        Maximum number of iterations (at least 1).
    tol : float
        Relative residual at which to stop.
    seed : int
        Seed of the start vector.

    Returns
    -------
    FiedlerIteration

    Raises
    ------
    ValueError
        If ``method`` or ``kind`` is unknown, ``maxiter < 1``, the graph has no edge, or inverse iteration meets a
        singular matrix: ``s = 0`` on a disconnected graph (another component's indicator is in the null space; use
        a negative shift) or ``s`` an eigenvalue.

    References
    ----------
    Golub and Van Loan (2013), Sec. 8.2.1-8.2.2; Ruthotto and Haber, Module 1.

    Examples
    --------
    >>> from numdl_core.spectral import toy_graph
    >>> it = fiedler_iteration(toy_graph()[1], method="inverse")
    >>> print(f"{it.rayleigh[-1]:.12f} {it.observed_rate:.3f}")
    1.000000000000 0.500
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(map(repr, METHODS))}")
    if int(maxiter) < 1:
        raise ValueError(f"maxiter must be at least 1, got {maxiter}")
    sym = "unnormalized" if kind == "unnormalized" else "sym"
    L = graph_laplacian(W, sym if kind in ("sym", "rw") else kind)  # checks W and kind
    L = L.toarray() if sp.issparse(L) else np.asarray(L)
    d = degrees(W)
    if not np.any(d > 0):
        raise ValueError("the graph has no edge: L = 0 and every vector is an eigenvector")
    z = np.ones(d.size) if sym == "unnormalized" else np.sqrt(d)
    z /= np.linalg.norm(z)
    c = 2.0 * float(d.max()) if sym == "unnormalized" else 2.0
    shift = float(shift)
    if method == "inverse":
        if shift == 0.0 and connected_components(W)[0] > 1:
            raise ValueError("s = 0 on a disconnected graph: L + zz^T is singular (the indicator of another "
                             "component is in its null space); use a negative shift")
        M = L - shift * np.eye(d.size) + (1.0 + abs(shift)) * np.outer(z, z)
        lu = scipy.linalg.lu_factor(M, check_finite=False)
        if np.min(np.abs(np.diag(lu[0]))) <= 1e-14 * max(1.0, c):
            raise ValueError(f"the shift s = {shift:g} is an eigenvalue of L: L - sI is singular")

    def step(u: np.ndarray) -> np.ndarray:
        v = c * u - L @ u if method == "power" else scipy.linalg.lu_solve(lu, u, check_finite=False)
        v -= z * (z @ v)
        return v / np.linalg.norm(v)

    u = np.random.default_rng(seed).standard_normal(d.size)
    u -= z * (z @ u)
    u /= np.linalg.norm(u)
    rayleigh, residual = [], []
    for k in range(int(maxiter) + 1):
        Lu = L @ u
        rho = float(u @ Lu)
        rayleigh.append(rho)
        residual.append(float(np.linalg.norm(Lu - rho * u)))
        if residual[-1] <= tol * c or k == maxiter:
            break
        u = step(u)
    if kind == "rw":
        u = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), 1.0) * u
        u /= np.linalg.norm(u)
    res = np.asarray(residual)
    return FiedlerIteration(method, u, np.asarray(rayleigh), res, _observed_rate(res, 1e3 * tol * c), c, shift)


def iteration_rate(eigenvalues: Any, *, method: str, shift: float = 0.0, bound: float | None = None) -> float:
    r"""The asymptotic rate of power or inverse iteration on :math:`z^\perp`, from the whole spectrum.

    The first eigenvalue (the null vector's 0) is dropped; of the others :math:`\mu_1 \le \mu_2 \le \dots`:
    power with constant ``c``: :math:`(c - \mu_2)/(c - \mu_1)`; inverse with shift ``s``: the two smallest
    distances :math:`|\mu - s|`, nearest over next.

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        All eigenvalues of the symmetric Laplacian iterated on, ascending (at least 3).
    method : {"power", "inverse"}
    shift : float
        ``s`` of inverse iteration.
    bound : float, optional
        ``c`` of the power method (:attr:`FiedlerIteration.bound`); needed for ``"power"``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If fewer than 3 eigenvalues are given, ``method`` is unknown, or ``"power"`` has no ``bound``.

    Examples
    --------
    >>> iteration_rate([0, 1, 2, 4, 5], method="power", bound=8.0), iteration_rate([0, 1, 2, 4, 5], method="inverse")
    (0.8571428571428571, 0.5)
    """
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64).ravel())
    if lam.size < 3:
        raise ValueError(f"give the whole spectrum (at least 3 eigenvalues), got {lam.size}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(map(repr, METHODS))}")
    mu = lam[1:]
    if method == "power" and bound is None:
        raise ValueError("the power method's rate needs its constant c (bound >= lambda_max)")
    if method == "power":
        return float((bound - mu[1]) / (bound - mu[0]))
    dist = np.sort(np.abs(mu - float(shift)))
    return float(dist[0] / dist[1])
