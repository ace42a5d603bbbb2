r"""Spectral clustering: similarity graphs, graph Laplacians and their smallest eigenpairs.

Given points :math:`x_1, \dots, x_n` (rows of ``X``) we build a weighted graph with Gaussian weights

.. math:: W_{ij} = \exp\!\left(-\frac{\|x_i - x_j\|^2}{2\sigma^2}\right), \qquad W_{ii} = 0,

either fully connected, sparsified to a symmetric k-nearest-neighbour graph (an edge where ``j`` is among
the ``k`` nearest neighbours of ``i`` *or* ``i`` among those of ``j``), or an epsilon graph (an edge where
``||x_i - x_j|| <= epsilon``). With the degree matrix :math:`D = \mathrm{diag}(W \mathbf 1)` the three
graph Laplacians are

.. math::
    L = D - W, \qquad
    L_{\mathrm{sym}} = I - D^{-1/2} W D^{-1/2}, \qquad
    L_{\mathrm{rw}} = I - D^{-1} W .

All three are positive semidefinite (``rw`` is similar to ``sym``), and the multiplicity of the
eigenvalue 0 equals the number of connected components of the graph. The Fiedler vector, the
eigenvector of the second smallest eigenvalue of :math:`L`, minimizes :math:`\tfrac12 u^\top L u =
\tfrac14\sum_{ij} W_{ij}(u_i - u_j)^2` over :math:`\|u\| = 1,\ u \perp \mathbf 1`.

Spectral clustering embeds the points by the eigenvectors of the ``k`` smallest eigenvalues and runs
k-means on the embedding. With ``L_sym`` this is the algorithm of Ng, Jordan and Weiss (rows of the
embedding normalized to unit length); with ``L`` it is unnormalized spectral clustering and with
``L_rw`` that of Shi and Malik (von Luxburg 2007, Sec. 4).

Semi-supervised learning on the same graph (Zhou et al. 2004; Zhu et al. 2003) solves, for each
class ``j``, :math:`(P^\top P + \alpha L) f_j = P^\top c_j`, with ``P`` the selection of the labelled
nodes and ``c_j`` the 0/1 indicator of class ``j`` on them; a node is assigned the class of its
largest score.

Isolated nodes (degree 0) never produce ``nan``: there we take :math:`D^{-1/2} = D^{-1} = 0` and drop
the identity, so the node's row and column of every Laplacian are zero. Such a node is then its own
connected component with eigenvalue 0, exactly as for ``L = D - W`` (the same convention as
``scipy.sparse.csgraph.laplacian(normed=True)``).

References
----------
U. von Luxburg, "A tutorial on spectral clustering", Statistics and Computing 17 (2007) 395-416.
A. Y. Ng, M. I. Jordan and Y. Weiss, "On spectral clustering: analysis and an algorithm", NIPS 2001.
J. Shi and J. Malik, "Normalized cuts and image segmentation", IEEE TPAMI 22 (2000) 888-905.
M. Fiedler, "Algebraic connectivity of graphs", Czechoslovak Math. J. 23 (1973) 298-305.
D. Zhou, O. Bousquet, T. N. Lal, J. Weston and B. Schoelkopf, "Learning with local and global
consistency", NIPS 2003.
D. Arthur and S. Vassilvitskii, "k-means++: the advantages of careful seeding", SODA 2007.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 1.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.cluster.vq import ClusterError, kmeans2, vq
from scipy.sparse.csgraph import connected_components as _cc
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist, squareform

from numdl_core._validate import as_float_array, check_X

__all__ = [
    "LAPLACIANS",
    "SOLVERS",
    "similarity_matrix",
    "epsilon_graph",
    "graph_laplacian",
    "degrees",
    "smallest_eigenpairs",
    "laplacian_eigenpairs",
    "fiedler_vector",
    "eigengap",
    "n_zero_eigenvalues",
    "connected_components",
    "spectral_embedding",
    "kmeans",
    "spectral_clustering",
    "semi_supervised",
    "toy_graph",
    "two_cluster_lambda2",
    "adjusted_rand_index",
    "GRAPHS",
    "TOY_SPECTRUM",
    "COURSE_LAMBDA2",
    "similarity_graph",
    "edge_summary",
    "edge_list",
    "nearest_neighbour_distance",
    "suggest_clusters",
    "normalize_rows",
    "two_cluster_graphs",
]

LAPLACIANS = ("unnormalized", "sym", "rw")
SOLVERS = ("dense", "lanczos")

# Shift of the shift-invert Lanczos iteration: eigsh works on (L - shift I)^{-1} with shift < 0, so the
# factorized matrix L + |shift| I is positive definite even though L itself is singular, and the
# smallest eigenvalues of L become the largest of the operator.
_LANCZOS_SHIFT = -1e-3
# spectral_clustering(solver="auto"): dense eigh up to this many points, Lanczos beyond
_AUTO_DENSE_MAX = 200


# ----------------------------------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------------------------------
def _check_points(X: Any) -> np.ndarray:
    X = as_float_array("X", X)
    return check_X(X[:, None] if X.ndim == 1 else X, min_samples=2)


def _positive(name: str, value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def _check_kind(kind: str, what: str = "kind") -> str:
    if kind not in LAPLACIANS:
        raise ValueError(f"unknown Laplacian {what} {kind!r}; choose one of {', '.join(map(repr, LAPLACIANS))}")
    return kind


def _check_solver(solver: str) -> str:
    if solver not in SOLVERS:
        raise ValueError(f"unknown eigen-solver {solver!r}; choose one of {', '.join(map(repr, SOLVERS))}")
    return solver


def _check_square(A: Any, name: str) -> np.ndarray | sp.csr_matrix:
    if sp.issparse(A):
        A = sp.csr_matrix(A, dtype=np.float64)
        data = A.data
    else:
        A = as_float_array(name, A)
        data = A
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {A.shape}")
    if A.shape[0] < 1:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{name} has non-finite entries (nan or inf)")
    return A


def _check_weights(W: Any) -> np.ndarray | sp.csr_matrix:
    W = _check_square(W, "W")
    data = W.data if sp.issparse(W) else W
    if data.size and data.min() < 0:
        raise ValueError("W must have non-negative weights (a similarity matrix), found a negative entry")
    scale = float(np.abs(data).max()) if data.size else 0.0
    asym = abs(W - W.T).max() if sp.issparse(W) else np.abs(W - W.T).max()
    if asym > 1e-10 * max(scale, 1e-300):
        raise ValueError(f"W must be symmetric (an undirected graph); max |W - W^T| = {asym:.3g}")
    return W


def _check_k(k: Any, n: int, name: str = "k") -> int:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {k!r}")
    k = int(k)
    if not 1 <= k <= n:
        raise ValueError(f"{name} must be between 1 and the number of nodes {n}, got {k}")
    return k


# ----------------------------------------------------------------------------------------------------
# graphs
# ----------------------------------------------------------------------------------------------------
def _gaussian(sq_dist: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-sq_dist / (2.0 * sigma * sigma))


def _knn_indices(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of the k nearest neighbours of every row, the point itself excluded."""
    n = X.shape[0]
    dist, idx = cKDTree(X).query(X, k=k + 1)
    is_self = idx == np.arange(n)[:, None]
    keep = ~is_self
    # a row whose own index was not returned (duplicate points at distance 0) drops its farthest neighbour
    no_self = ~is_self.any(axis=1)
    keep[no_self, -1] = False
    return idx[keep].reshape(n, k), dist[keep].reshape(n, k)


def similarity_matrix(
    X: Any,
    *,
    sigma: float = 1.0,
    n_neighbors: int | None = None,
    epsilon: float | None = None,
    mutual: bool = False,
) -> np.ndarray | sp.csr_matrix:
    r"""Gaussian similarity graph of the rows of ``X``.

    .. math:: W_{ij} = \exp\!\left(-\frac{\|x_i - x_j\|^2}{2\sigma^2}\right) \ (i \ne j), \qquad W_{ii} = 0.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        The points, one per row.
    sigma : float
        Width of the Gaussian kernel (> 0).
    n_neighbors : int, optional
        If given (``k``), keep ``W_ij`` only where ``j`` is among the ``k`` nearest neighbours of ``i``
        **or** ``i`` among those of ``j`` (the symmetric kNN graph, von Luxburg 2007, Sec. 2.2).
        Neighbours are found with ``scipy.spatial.cKDTree``. With :math:`A_{ij} = W_{ij}` if ``j`` is among
        the ``k`` nearest of ``i`` (else 0), this graph is :math:`\max(A, A^\top)` elementwise.
    epsilon : float, optional
        If given, keep ``W_ij`` only where ``||x_i - x_j|| <= epsilon`` (the epsilon-neighbourhood graph).
        Cannot be combined with ``n_neighbors``.
    mutual : bool
        With ``n_neighbors``: keep ``W_ij`` only where ``j`` is among the ``k`` nearest neighbours of ``i``
        **and** ``i`` among those of ``j`` (the mutual kNN graph, :math:`\min(A, A^\top)` elementwise; von
        Luxburg 2007, Sec. 2.2). Sparser than the symmetric kNN graph: it links points of similar density and
        can leave a point with no edge. Ignored without ``n_neighbors``.

    Returns
    -------
    W : ndarray or scipy.sparse.csr_matrix, shape (n_samples, n_samples)
        Symmetric, non-negative, zero diagonal. Dense for the fully connected graph, CSR for the kNN and
        epsilon graphs. Weights that underflow to 0 (far points, small ``sigma``) are simply absent edges.

    Raises
    ------
    ValueError
        If ``X`` has fewer than 2 rows or non-finite entries, ``sigma`` (or ``epsilon``) is not positive,
        ``n_neighbors`` is not in ``1..n_samples-1``, or both ``n_neighbors`` and ``epsilon`` are given.
    TypeError
        If ``n_neighbors`` is not an integer.

    References
    ----------
    U. von Luxburg, "A tutorial on spectral clustering" (2007), Sec. 2.2.

    Examples
    --------
    >>> W = similarity_matrix(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), sigma=1.0)
    >>> W
    array([[0.      , 0.606531, 0.011109],
           [0.606531, 0.      , 0.135335],
           [0.011109, 0.135335, 0.      ]])
    """
    X = _check_points(X)
    sigma = _positive("sigma", sigma)
    n = X.shape[0]
    if n_neighbors is not None and epsilon is not None:
        raise ValueError("give either n_neighbors (kNN graph) or epsilon (epsilon graph), not both")
    if n_neighbors is not None:
        k = _check_k(n_neighbors, n - 1, "n_neighbors")
        idx, dist = _knn_indices(X, k)
        rows = np.repeat(np.arange(n), k)
        A = sp.csr_matrix((_gaussian(dist.ravel() ** 2, sigma), (rows, idx.ravel())), shape=(n, n))
        W = (A.minimum(A.T) if mutual else A.maximum(A.T)).tocsr()
        W.eliminate_zeros()
        W.sort_indices()
        return W
    if epsilon is not None:
        return epsilon_graph(X, epsilon, sigma=sigma)
    W = _gaussian(squareform(pdist(X, "sqeuclidean")), sigma)
    np.fill_diagonal(W, 0.0)
    return W


def epsilon_graph(X: Any, epsilon: float, *, sigma: float = 1.0, binary: bool = False) -> sp.csr_matrix:
    r"""Epsilon-neighbourhood graph: an edge between ``i != j`` where ``||x_i - x_j|| <= epsilon``.

    The edge weight is the Gaussian :math:`\exp(-\|x_i - x_j\|^2 / (2\sigma^2))`, or 1 with
    ``binary=True`` (the unweighted epsilon graph of von Luxburg 2007, Sec. 2.2). Pairs are found with
    ``scipy.spatial.cKDTree.query_pairs``.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        The points, one per row (at least 2).
    epsilon : float
        Neighbourhood radius (``> 0``).
    sigma : float
        Width of the Gaussian weights (``> 0``).
    binary : bool
        Weight 1 on every edge instead of the Gaussian.

    Returns
    -------
    W : scipy.sparse.csr_matrix, shape (n_samples, n_samples)
        Symmetric, zero diagonal.

    Raises
    ------
    ValueError
        If ``X`` is not a finite array of at least 2 points or ``epsilon``, ``sigma`` is not positive.

    References
    ----------
    von Luxburg (2007), Sec. 2.2.
    """
    X = _check_points(X)
    epsilon = _positive("epsilon", epsilon)
    sigma = _positive("sigma", sigma)
    n = X.shape[0]
    pairs = cKDTree(X).query_pairs(r=epsilon, output_type="ndarray")
    if pairs.size == 0:
        return sp.csr_matrix((n, n), dtype=np.float64)
    i, j = pairs[:, 0], pairs[:, 1]
    if binary:
        w = np.ones(i.size)
    else:
        w = _gaussian(np.sum((X[i] - X[j]) ** 2, axis=1), sigma)
    W = sp.csr_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    W.eliminate_zeros()
    W.sort_indices()
    return W


def degrees(W: Any) -> np.ndarray:
    r"""Degree vector :math:`d = W \mathbf 1` (row sums) of a similarity matrix, dense or sparse.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)

    Returns
    -------
    d : ndarray, shape (n,)

    Raises
    ------
    ValueError
        If ``W`` is not a finite, non-empty square matrix.

    References
    ----------
    von Luxburg (2007), Sec. 2.1.
    """
    W = _check_square(W, "W")
    return np.asarray(W.sum(axis=1), dtype=np.float64).ravel()


def _inv_sqrt(d: np.ndarray) -> np.ndarray:
    out = np.zeros_like(d)
    pos = d > 0
    out[pos] = 1.0 / np.sqrt(d[pos])
    return out


def graph_laplacian(W: Any, kind: str = "sym") -> np.ndarray | sp.csr_matrix:
    r"""Graph Laplacian of a symmetric non-negative similarity matrix ``W``.

    With :math:`D = \mathrm{diag}(W \mathbf 1)`:

    - ``"unnormalized"``: :math:`L = D - W`, with :math:`L\mathbf 1 = 0`;
    - ``"sym"``: :math:`L_{\mathrm{sym}} = I - D^{-1/2} W D^{-1/2}`, with :math:`L_{\mathrm{sym}} D^{1/2}\mathbf 1 = 0`;
    - ``"rw"``: :math:`L_{\mathrm{rw}} = I - D^{-1} W` (not symmetric), with :math:`L_{\mathrm{rw}}\mathbf 1 = 0`.

    Isolated nodes (degree 0): :math:`D^{-1/2}` and :math:`D^{-1}` are taken as 0 there and the identity's
    entry is dropped, so that node's row and column are zero (no ``nan``; the node is a connected component
    of its own with eigenvalue 0, as with ``scipy.sparse.csgraph.laplacian(normed=True)``).

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric, non-negative similarity matrix.
    kind : {"unnormalized", "sym", "rw"}
        The Laplacian (see :data:`LAPLACIANS`).

    Returns
    -------
    L : ndarray or scipy.sparse.csr_matrix, shape (n, n)
        The same format as ``W``: a dense array for a dense ``W``, a CSR matrix for a sparse one.

    Raises
    ------
    ValueError
        If ``W`` is not square, finite, non-negative and symmetric, or ``kind`` is unknown (the message
        lists the kinds).

    References
    ----------
    von Luxburg (2007), Sec. 3.

    Examples
    --------
    >>> Y, A = toy_graph()
    >>> graph_laplacian(A, "unnormalized") @ np.ones(5)
    array([0., 0., 0., 0., 0.])
    """
    W = _check_weights(W)
    kind = _check_kind(kind)
    d = degrees(W)
    n = d.size
    if sp.issparse(W):
        if kind == "unnormalized":
            L = sp.diags(d) - W
        elif kind == "sym":
            s = sp.diags(_inv_sqrt(d))
            L = sp.diags((d > 0).astype(np.float64)) - s @ W @ s
        else:
            inv = np.zeros(n)
            inv[d > 0] = 1.0 / d[d > 0]
            L = sp.diags((d > 0).astype(np.float64)) - sp.diags(inv) @ W
        L = sp.csr_matrix(L)
        L.sort_indices()
        return L
    if kind == "unnormalized":
        L = -W.copy()
        L[np.diag_indices(n)] += d
    elif kind == "sym":
        s = _inv_sqrt(d)
        L = -(s[:, None] * W * s[None, :])
        L[np.diag_indices(n)] += (d > 0)
    else:
        inv = np.zeros(n)
        inv[d > 0] = 1.0 / d[d > 0]
        L = -(inv[:, None] * W)
        L[np.diag_indices(n)] += (d > 0)
    return L


# ----------------------------------------------------------------------------------------------------
# eigenvalue problems
# ----------------------------------------------------------------------------------------------------
def _sign_flip(V: np.ndarray) -> np.ndarray:
    """Make every column's entry of largest magnitude positive (a deterministic sign)."""
    if V.size == 0:
        return V
    i = np.argmax(np.abs(V), axis=0)
    signs = np.sign(V[i, np.arange(V.shape[1])])
    signs[signs == 0] = 1.0
    return V * signs


def smallest_eigenpairs(
    A: Any, k: int, *, solver: str = "dense", seed: int = 0, tol: float = 0.0, maxiter: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""The ``k`` smallest eigenpairs :math:`A v = \lambda v` of a symmetric matrix ``A``.

    Parameters
    ----------
    A : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric (for a graph Laplacian: positive semidefinite, usually singular).
    k : int
        Number of eigenpairs, ``1 <= k <= n`` (``k <= n - 2`` for ``"lanczos"``).
    solver : {"dense", "lanczos"}
        ``"dense"``: ``scipy.linalg.eigh`` on the full matrix (O(n^3), all eigenvalues, returns the first k).
        ``"lanczos"``: implicitly restarted Lanczos, ``scipy.sparse.linalg.eigsh``, in shift-invert mode
        with a small negative shift ``s = -1e-3``: it iterates with :math:`(A - sI)^{-1}`, whose largest
        eigenvalues :math:`1/(\lambda - s)` belong to the smallest :math:`\lambda`. Since
        :math:`A - sI` is positive definite for a PSD ``A``, its sparse LU factorization is safe although
        ``A`` is singular (Saad, *Numerical methods for large eigenvalue problems*, 2011, Sec. 8.3). A sparse
        ``A`` is factorized by ``scipy.sparse.linalg.splu`` with a minimum-degree ordering of ``A + A^T``.
    seed : int
        Seed of the Lanczos start vector (results are deterministic for a given seed).
    tol : float
        Relative accuracy asked of ``eigsh`` (0 = machine precision).
    maxiter : int, optional
        Maximum number of Arnoldi update iterations (restarts) of ``eigsh`` (default: scipy's ``10 n``).
        A tight cluster of many (near-)zero eigenvalues, e.g. a graph that is numerically disconnected into
        many pieces, can make Lanczos fail to converge; a cap turns that slow failure into a quick
        ``scipy.sparse.linalg.ArpackNoConvergence``. Ignored by ``"dense"``.

    Returns
    -------
    eigenvalues : ndarray, shape (k,)
        Ascending.
    eigenvectors : ndarray, shape (n, k)
        Orthonormal columns; each column's entry of largest magnitude is positive.

    Raises
    ------
    ValueError
        If ``A`` is not a finite square matrix, ``solver`` is unknown, ``k`` is out of range, or
        ``k > n - 2`` with ``"lanczos"``.
    TypeError
        If ``k`` is not an integer.

    References
    ----------
    Golub and Van Loan (2013), Sec. 8.1 and 10.1 (symmetric eigenproblems, Lanczos); Saad (2011), Sec. 8.3
    (shift-invert).

    Examples
    --------
    >>> Y, A = toy_graph()
    >>> vals, vecs = smallest_eigenpairs(graph_laplacian(A, "unnormalized"), 3)
    >>> vals
    array([0., 1., 2.])
    """
    A = _check_square(A, "A")
    solver = _check_solver(solver)
    n = A.shape[0]
    k = _check_k(k, n)
    if solver == "dense":
        M = A.toarray() if sp.issparse(A) else A
        M = 0.5 * (M + M.T)
        vals, vecs = scipy.linalg.eigh(M, subset_by_index=[0, k - 1], driver="evr")
    else:
        if k > n - 2:
            raise ValueError(
                f"the Lanczos solver computes at most n - 2 = {n - 2} eigenpairs of this {n} x {n} matrix, "
                f"asked for {k}; use solver='dense'"
            )
        rng = np.random.default_rng(seed)
        v0 = rng.uniform(-1.0, 1.0, n)
        if sp.issparse(A):
            # factorize A - shift I once, with a symmetric fill-reducing ordering (minimum degree on A + A^T):
            # about half the fill-in and time of splu's default COLAMD for a kNN-graph Laplacian
            A = sp.csc_matrix(A)
            lu = spla.splu(sp.csc_matrix(A - _LANCZOS_SHIFT * sp.eye(n, format="csc")), permc_spec="MMD_AT_PLUS_A")
            opinv = spla.LinearOperator((n, n), matvec=lu.solve, dtype=np.float64)
            vals, vecs = spla.eigsh(A, k=k, sigma=_LANCZOS_SHIFT, which="LM", v0=v0, tol=float(tol), OPinv=opinv,
                                    maxiter=maxiter)
        else:
            vals, vecs = spla.eigsh(A, k=k, sigma=_LANCZOS_SHIFT, which="LM", v0=v0, tol=float(tol), maxiter=maxiter)
    order = np.argsort(vals)
    return np.asarray(vals[order], dtype=np.float64), _sign_flip(np.asarray(vecs[:, order], dtype=np.float64))


def laplacian_eigenpairs(
    W: Any, k: int, *, kind: str = "sym", solver: str = "dense", seed: int = 0, tol: float = 0.0,
    maxiter: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The ``k`` smallest eigenvalues and eigenvectors of the graph Laplacian of ``W``.

    ``"unnormalized"`` and ``"sym"`` are symmetric and solved directly with :func:`smallest_eigenpairs`.
    ``"rw"`` is not symmetric; :math:`L_{\mathrm{rw}} u = \lambda u` is the generalized symmetric problem
    :math:`L u = \lambda D u`, which we solve through the similar matrix :math:`L_{\mathrm{sym}}`:
    if :math:`L_{\mathrm{sym}} v = \lambda v` then :math:`u = D^{-1/2} v` (same eigenvalues; at an
    isolated node the factor is 1 instead of :math:`d^{-1/2}`). The returned ``rw`` eigenvectors are
    scaled to unit Euclidean norm (they are :math:`D`-orthogonal, not orthogonal).

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix
        Symmetric similarity matrix.
    k : int
        Number of eigenpairs.
    kind : {"unnormalized", "sym", "rw"}
        The Laplacian (see :func:`graph_laplacian`).
    solver : {"dense", "lanczos"}
        See :func:`smallest_eigenpairs` (also for ``tol`` and ``maxiter``).

    seed : int
        Seed of the Lanczos start vector.
    tol : float
        Relative accuracy of Lanczos (0 = machine precision).
    maxiter : int, optional
        Restart limit of Lanczos.

    Returns
    -------
    eigenvalues : ndarray, shape (k,), ascending
    eigenvectors : ndarray, shape (n, k)

    Raises
    ------
    ValueError
        If ``W`` is not a symmetric non-negative finite square matrix, ``kind`` is unknown (:func:`graph_laplacian`)
        or ``k`` is out of range (:func:`smallest_eigenpairs`).

    References
    ----------
    von Luxburg (2007), Sec. 3 (Proposition 3: the eigenpairs of ``L_rw`` and ``L_sym``).
    """
    kind = _check_kind(kind)
    if kind != "rw":
        return smallest_eigenpairs(graph_laplacian(W, kind), k, solver=solver, seed=seed, tol=tol, maxiter=maxiter)
    W = _check_weights(W)
    d = degrees(W)
    vals, V = smallest_eigenpairs(graph_laplacian(W, "sym"), k, solver=solver, seed=seed, tol=tol, maxiter=maxiter)
    scale = np.where(d > 0, _inv_sqrt(d), 1.0)
    U = scale[:, None] * V
    U /= np.linalg.norm(U, axis=0, keepdims=True)
    return vals, _sign_flip(U)


def fiedler_vector(
    W: Any, *, kind: str = "unnormalized", solver: str = "dense", seed: int = 0
) -> tuple[float, np.ndarray]:
    r"""The algebraic connectivity :math:`\lambda_2` and the Fiedler vector of the graph ``W``.

    For ``kind="unnormalized"`` the Fiedler vector solves

    .. math:: \min_u \tfrac12 u^\top L u \quad \text{s.t.} \quad \|u\| = 1,\ u \perp \mathbf 1,

    i.e. it is the eigenvector of the second smallest eigenvalue of :math:`L = D - W` (Fiedler 1973).
    Its sign pattern splits the graph in two (a relaxed ratio cut). :math:`\lambda_2 = 0` exactly when
    the graph is disconnected. ``kind="sym"``/``"rw"`` give the normalized-cut versions.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity (or 0/1 adjacency) matrix, ``n >= 2``.
    kind : {"unnormalized", "sym", "rw"}
        The Laplacian.
    solver : {"dense", "lanczos"}
        See :func:`smallest_eigenpairs`.
    seed : int
        Seed of the Lanczos start vector.

    Returns
    -------
    lambda2 : float
    u : ndarray, shape (n,)
        Unit norm; its entry of largest magnitude is positive.

    Raises
    ------
    ValueError
        As :func:`laplacian_eigenpairs` with ``k = 2`` (so also for a graph of fewer than 2 nodes).

    References
    ----------
    M. Fiedler, "Algebraic connectivity of graphs" (1973); von Luxburg (2007), Sec. 5.

    Examples
    --------
    >>> Y, A = toy_graph()
    >>> lam2, u = fiedler_vector(A)
    >>> print(round(lam2, 6))
    1.0
    """
    lam, U = laplacian_eigenpairs(W, 2, kind=kind, solver=solver, seed=seed)
    return float(lam[1]), U[:, 1].copy()


def _zero_tol(eigenvalues: np.ndarray, tol: float | None) -> float:
    if tol is not None:
        return float(tol)
    return 1e-9 * max(1.0, float(np.max(np.abs(eigenvalues))))


def n_zero_eigenvalues(eigenvalues: Any, tol: float | None = None) -> int:
    """Number of (numerically) zero eigenvalues, ``|lambda| <= tol``.

    For a graph Laplacian this equals the number of connected components (von Luxburg 2007,
    Prop. 2 and 4) when enough eigenvalues are given. Default ``tol = 1e-9 * max(1, max |lambda|)``: a
    dense or Lanczos zero eigenvalue comes out at about machine epsilon times ``||L||``.

    Parameters
    ----------
    eigenvalues : array_like, shape (k,)
    tol : float, optional
        Threshold; the default above if None.

    Returns
    -------
    int

    References
    ----------
    von Luxburg (2007), Propositions 2 and 4.

    Examples
    --------
    >>> n_zero_eigenvalues([1e-16, 3e-15, 0.4, 1.2])
    2
    """
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lam.size == 0:
        return 0
    return int(np.sum(np.abs(lam) <= _zero_tol(lam, tol)))


def eigengap(eigenvalues: Any, *, max_clusters: int | None = None) -> tuple[int, np.ndarray]:
    r"""Eigengap heuristic: the number of clusters ``k`` maximizing :math:`\lambda_{k+1} - \lambda_k`.

    Parameters
    ----------
    eigenvalues : array_like
        The smallest eigenvalues of a Laplacian, ascending (at least 2).
    max_clusters : int, optional
        Only consider ``k <= max_clusters``.

    Returns
    -------
    k : int
        Suggested number of clusters (1-based: the gap lies between ``lambda_k`` and ``lambda_{k+1}``).
    gaps : ndarray, shape (m - 1,)
        ``gaps[i] = lambda_{i+2} - lambda_{i+1}`` (0-based ``np.diff`` of the eigenvalues).

    Raises
    ------
    ValueError
        If fewer than 2 eigenvalues are given.

    References
    ----------
    von Luxburg (2007), Sec. 8.3.

    Examples
    --------
    >>> k, gaps = eigengap([0.0, 1e-3, 2e-3, 0.5, 0.6])
    >>> k
    3
    """
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lam.size < 2:
        raise ValueError(f"eigengap needs at least 2 eigenvalues, got {lam.size}")
    gaps = np.diff(lam)
    m = gaps.size if max_clusters is None else max(1, min(int(max_clusters), gaps.size))
    return int(np.argmax(gaps[:m]) + 1), gaps


def connected_components(W: Any) -> tuple[int, np.ndarray]:
    """Number of connected components and a component label per node (``scipy.sparse.csgraph``).

    An edge is a non-zero ``W_ij``. Use it to check that the multiplicity of the eigenvalue 0 of a
    Laplacian (:func:`n_zero_eigenvalues`) equals the number of components.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)

    Returns
    -------
    n_components : int
    labels : ndarray of int64, shape (n,)
        Component of each node, in ``0..n_components-1``.

    Raises
    ------
    ValueError
        If ``W`` is not a finite, non-empty square matrix (symmetric or not).

    References
    ----------
    von Luxburg (2007), Propositions 2 and 4; ``scipy.sparse.csgraph.connected_components``.
    """
    W = _check_square(W, "W")
    n, labels = _cc(sp.csr_matrix(W), directed=False)
    return int(n), np.asarray(labels, dtype=np.int64)


# ----------------------------------------------------------------------------------------------------
# clustering
# ----------------------------------------------------------------------------------------------------
def _unit_rows(U: np.ndarray) -> np.ndarray:
    """Every row of a float array divided by its Euclidean norm; zero rows stay zero."""
    norms = np.linalg.norm(U, axis=1, keepdims=True)
    return np.divide(U, norms, out=np.zeros_like(U), where=norms > 0)


def spectral_embedding(
    W: Any,
    n_components: int,
    *,
    laplacian: str = "sym",
    solver: str = "dense",
    normalize_rows: bool | None = None,
    seed: int = 0,
) -> np.ndarray:
    r"""Spectral embedding: row ``i`` holds the ``i``-th entries of the first ``n_components`` eigenvectors.

    ``laplacian="sym"`` with ``normalize_rows=True`` (the default for ``"sym"``) is the embedding of Ng,
    Jordan and Weiss: eigenvectors of the smallest eigenvalues of :math:`L_{\mathrm{sym}}`, each row scaled
    to unit length (zero rows stay zero). ``"unnormalized"`` (eigenvectors of :math:`D - W`) and ``"rw"``
    (generalized eigenvectors :math:`L u = \lambda D u`, Shi and Malik) are used without row normalization
    by default (von Luxburg 2007, Sec. 4).

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n_samples, n_samples)
        Symmetric similarity matrix.
    n_components : int
        Number of eigenvectors.
    laplacian : {"unnormalized", "sym", "rw"}
    solver : {"dense", "lanczos"}
        See :func:`smallest_eigenpairs`.
    normalize_rows : bool, optional
        Scale every row to unit length; default True for ``"sym"``, else False.
    seed : int
        Seed of the Lanczos start vector.

    Returns
    -------
    U : ndarray, shape (n_samples, n_components)

    Raises
    ------
    ValueError
        As :func:`laplacian_eigenpairs`, with ``laplacian`` as its ``kind`` and ``n_components`` as its ``k``.

    References
    ----------
    Ng, Jordan and Weiss (2001); Shi and Malik (2000); von Luxburg (2007), Sec. 4.
    """
    laplacian = _check_kind(laplacian, "laplacian")
    _, U = laplacian_eigenpairs(W, n_components, kind=laplacian, solver=solver, seed=seed)
    if normalize_rows is None:
        normalize_rows = laplacian == "sym"
    return _unit_rows(U) if normalize_rows else U


def kmeans(
    X: Any, k: int, *, seed: int = 0, n_init: int = 10, maxiter: int = 100, full_output: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray, float]:
    r"""k-means (Lloyd's algorithm) with k-means++ seeding and ``n_init`` restarts.

    Minimizes the inertia :math:`\sum_i \|x_i - c_{\ell(i)}\|^2`. Each restart seeds with k-means++
    (``scipy.cluster.vq.kmeans2(X, k, minit="++")``, one generator created from ``seed`` serves all
    restarts) and then takes Lloyd steps (``kmeans2`` with ``iter=1``) until the assignment stops changing
    or ``maxiter`` steps; the restart with the smallest inertia is kept. Deterministic for a given ``seed``.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    k : int
        Number of clusters (at most the number of distinct rows).
    seed : int
    n_init : int
        Number of restarts.
    maxiter : int
        Lloyd iterations per restart.
    full_output : bool
        Also return the centres and the inertia.

    Returns
    -------
    labels : ndarray of int64, shape (n_samples,), values in ``0..k-1``
    centers : ndarray, shape (k, n_features)   (only with ``full_output``)
    inertia : float                             (only with ``full_output``)

    Raises
    ------
    ValueError
        If ``k`` is out of range or exceeds the number of distinct points, ``n_init`` or ``maxiter`` is below
        1, or every restart lost a cluster.

    References
    ----------
    S. Lloyd (1982), IEEE Trans. Inf. Theory 28; Arthur and Vassilvitskii (2007).

    Examples
    --------
    >>> X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> labels = kmeans(X, 2)
    >>> bool(labels[0] == labels[1] != labels[2] == labels[3])
    True
    """
    X = _check_points(X)
    n = X.shape[0]
    k = _check_k(k, n)
    if int(n_init) < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    if int(maxiter) < 1:
        raise ValueError(f"maxiter must be at least 1, got {maxiter}")
    n_distinct = np.unique(X, axis=0).shape[0]
    if n_distinct < k:
        raise ValueError(f"k-means cannot form {k} clusters from {n_distinct} distinct points; ask for fewer clusters")
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for _ in range(int(n_init)):
        try:
            # k-means++ seeding and one Lloyd step, then Lloyd steps until the assignment stops changing
            centers, labels = kmeans2(X, k, iter=1, minit="++", missing="raise", rng=rng)
            for _ in range(int(maxiter) - 1):
                centers, new = kmeans2(X, centers, iter=1, minit="matrix", missing="raise", check_finite=False)
                if np.array_equal(new, labels):
                    break
                labels = new
        except ClusterError:
            continue  # a cluster lost all its points in this restart: try the next seeding
        labels = vq(X, centers, check_finite=False)[0]
        inertia = float(np.sum((X - centers[labels]) ** 2))
        if best is None or inertia < best[0]:
            best = (inertia, centers, labels)
    if best is None:
        raise ValueError(f"k-means lost a cluster in all {n_init} restarts; ask for fewer clusters or more n_init")
    inertia, centers, labels = best
    labels = np.asarray(labels, dtype=np.int64)
    if full_output:
        return labels, np.asarray(centers, dtype=np.float64), inertia
    return labels


def spectral_clustering(
    X: Any,
    n_clusters: int,
    *,
    sigma: float = 1.0,
    n_neighbors: int | None = None,
    laplacian: str = "sym",
    seed: int = 0,
    epsilon: float | None = None,
    solver: str = "auto",
    n_init: int = 10,
) -> np.ndarray:
    r"""Spectral clustering of the rows of ``X`` into ``n_clusters`` groups.

    1. Gaussian similarity :math:`W_{ij} = \exp(-\|x_i - x_j\|^2/(2\sigma^2))`, optionally sparsified to the
       symmetric kNN graph (``n_neighbors``) or the epsilon graph (``epsilon``), see :func:`similarity_matrix`;
    2. Laplacian ``"unnormalized"`` (:math:`D - W`), ``"sym"`` (:math:`I - D^{-1/2} W D^{-1/2}`) or ``"rw"``
       (:math:`I - D^{-1} W`);
    3. embedding by the eigenvectors of the ``n_clusters`` smallest eigenvalues (rows normalized to unit
       length for ``"sym"``: the algorithm of Ng, Jordan and Weiss 2001), :func:`spectral_embedding`;
    4. k-means on the embedding (:func:`kmeans` with ``n_init`` restarts, seeded by ``seed``).

    ``solver="auto"`` uses the dense ``eigh`` up to 200 points and Lanczos (``eigsh``, shift-invert) beyond;
    ``"dense"`` or ``"lanczos"`` force one (see :func:`smallest_eigenpairs`).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        The points, one per row.
    n_clusters : int
        Number of clusters, ``1..n_samples``.
    sigma : float
        Width of the Gaussian similarity (``> 0``).
    n_neighbors : int, optional
        Symmetric kNN graph with this ``k``.
    laplacian : {"unnormalized", "sym", "rw"}
    seed : int
        Seed of Lanczos and of k-means.
    epsilon : float, optional
        Epsilon graph with this radius (not with ``n_neighbors``).
    solver : {"auto", "dense", "lanczos"}
    n_init : int
        k-means restarts.

    Returns
    -------
    labels : ndarray of int64, shape (n_samples,), values in ``0..n_clusters-1``

    Raises
    ------
    ValueError
        As :func:`similarity_matrix`, :func:`smallest_eigenpairs` and :func:`kmeans` (bad points, widths,
        neighbour counts, Laplacian or solver names, cluster counts).

    References
    ----------
    Ng, Jordan and Weiss (2001); von Luxburg (2007), Sec. 4.

    Examples
    --------
    >>> from numdl_core.data import make_dataset
    >>> X, y = make_dataset("moons", 300, noise=0.05)
    >>> labels = spectral_clustering(X, 2, sigma=0.3, n_neighbors=10)
    >>> print(f"{adjusted_rand_index(y, labels):.3f}")
    1.000
    """
    X = _check_points(X)
    n_clusters = _check_k(n_clusters, X.shape[0], "n_clusters")
    laplacian = _check_kind(laplacian, "laplacian")
    W = similarity_matrix(X, sigma=sigma, n_neighbors=n_neighbors, epsilon=epsilon)
    if solver == "auto":
        solver = "lanczos" if X.shape[0] > _AUTO_DENSE_MAX and n_clusters <= X.shape[0] - 2 else "dense"
    U = spectral_embedding(W, n_clusters, laplacian=laplacian, solver=solver, seed=seed)
    return kmeans(U, n_clusters, seed=seed, n_init=n_init)


def semi_supervised(
    L: Any,
    labelled_idx: Any,
    labels: Any,
    n_classes: int,
    alpha: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Graph-based semi-supervised classification.

    For each class ``j`` (one-vs-rest) solve

    .. math:: (P^\top P + \alpha L)\, f_j = P^\top c_j ,

    where ``P`` (m x n) selects the ``m`` labelled nodes, ``c_j`` is the 0/1 indicator of class ``j`` on
    them and ``L`` a graph Laplacian. This minimizes :math:`\|P f_j - c_j\|^2 + \alpha f_j^\top L f_j`:
    fit the given labels, vary smoothly along the graph. Every node gets the class of its largest score.
    One factorization serves all classes (sparse LU for a sparse ``L``).

    Parameters
    ----------
    L : ndarray or scipy.sparse matrix, shape (n, n)
        Graph Laplacian (e.g. ``graph_laplacian(W, "unnormalized")``).
    labelled_idx : array_like of int, shape (m,)
        Indices of the labelled nodes (distinct).
    labels : array_like of int, shape (m,)
        Their classes in ``0..n_classes-1``.
    n_classes : int
    alpha : float
        Weight of the smoothness term (> 0).

    Returns
    -------
    predicted : ndarray of int64, shape (n,)
    F : ndarray, shape (n, n_classes)
        The scores ``f_j`` as columns.

    Raises
    ------
    ValueError
        If some connected component of the graph holds no labelled node (the system is then singular).

    Reference: Zhu, Ghahramani and Lafferty, "Semi-supervised learning using Gaussian fields and harmonic
    functions", ICML 2003; Zhou et al., NIPS 2003.
    """
    L = _check_square(L, "L")
    n = L.shape[0]
    alpha = _positive("alpha", alpha)
    if isinstance(n_classes, (bool, np.bool_)) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    n_classes = int(n_classes)
    idx = np.asarray(labelled_idx).ravel()
    lab = np.asarray(labels).ravel()
    if idx.size == 0:
        raise ValueError("give at least one labelled node")
    if not (np.issubdtype(idx.dtype, np.integer) and np.issubdtype(lab.dtype, np.integer)):
        raise TypeError("labelled_idx and labels must be integer arrays")
    if idx.shape != lab.shape:
        raise ValueError(f"labelled_idx and labels must have the same length, got {idx.size} and {lab.size}")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"labelled_idx must lie in 0..{n - 1}")
    if np.unique(idx).size != idx.size:
        raise ValueError("labelled_idx has repeated nodes")
    if lab.min() < 0 or lab.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}")
    # every component must contain a labelled node, else P'P + alpha L is singular
    pattern = sp.csr_matrix(L, copy=True)
    pattern.setdiag(0)
    pattern.eliminate_zeros()
    n_comp, comp = _cc(pattern, directed=False)
    unlabelled = np.setdiff1d(np.arange(n_comp), comp[idx])
    if unlabelled.size:
        raise ValueError(
            f"{unlabelled.size} connected component(s) of the graph have no labelled node, so their scores are "
            f"undetermined; label a point in each, or connect the graph (larger sigma or more neighbours)"
        )
    mask = np.zeros(n)
    mask[idx] = 1.0
    B = np.zeros((n, n_classes))
    B[idx, lab] = 1.0
    if sp.issparse(L):
        A = sp.csc_matrix(sp.diags(mask) + alpha * L)
        F = spla.splu(A).solve(B)
    else:
        A = alpha * L
        A[np.diag_indices(n)] += mask
        F = scipy.linalg.solve(A, B)
    F = np.asarray(F, dtype=np.float64).reshape(n, n_classes)
    return np.argmax(F, axis=1).astype(np.int64), F


# ----------------------------------------------------------------------------------------------------
# course examples
# ----------------------------------------------------------------------------------------------------
def toy_graph() -> tuple[np.ndarray, np.ndarray]:
    """The 5-node toy graph of the course.

    Points ``Y = [[-1,-1],[0,1],[.1,0],[.5,0],[-1.5,1]]`` and the 0/1 adjacency of the edges
    {1-2, 2-3, 1-3, 3-4, 2-4, 2-5} (1-based). Degrees ``(2, 4, 3, 2, 1)``; the spectrum of
    ``L = D - A`` is ``{0, 1, 2, 4, 5}``.

    Returns
    -------
    Y : ndarray, shape (5, 2)
    A : ndarray, shape (5, 5), symmetric 0/1 with zero diagonal
    """
    Y = np.array([[-1.0, -1.0], [0.0, 1.0], [0.1, 0.0], [0.5, 0.0], [-1.5, 1.0]])
    edges = np.array([(1, 2), (2, 3), (1, 3), (3, 4), (2, 4), (2, 5)]) - 1
    A = np.zeros((5, 5))
    A[edges[:, 0], edges[:, 1]] = 1.0
    A[edges[:, 1], edges[:, 0]] = 1.0
    return Y, A


def two_cluster_lambda2(
    *,
    n_samples: int = 200,
    noise: float = 0.05,
    sigma: float = 0.9,
    k_disconnected: int = 10,
    k_connected: int = 20,
    seed: int = 0,
    solver: str = "dense",
) -> dict[str, float]:
    r"""Second eigenvalue of :math:`L_{\mathrm{sym}}` for three graphs on the same two clusters.

    Reproduces the orders of magnitude quoted in the course (lambda_2 about 1e-15 for a disconnected kNN
    graph, 8.7e-3 for a connected kNN graph, 0.40 for the fully connected graph). The course's data are not
    known; these defaults use ``make_dataset("moons", 200, noise=0.05, seed=0)`` with ``sigma = 0.9``:
    the symmetric kNN graph with ``k = 10`` has 2 components (lambda_2 about 1e-16, machine zero), with
    ``k = 20`` it is connected (lambda_2 about 1.0e-2), and the fully connected graph gives about 0.405.

    Parameters
    ----------
    n_samples : int
        Number of moons points.
    noise : float
        Their noise.
    sigma : float
        Width of the Gaussian similarity.
    k_disconnected, k_connected : int
        Neighbour counts of the two kNN graphs.
    seed : int
        Seed of the data and of Lanczos.
    solver : {"dense", "lanczos"}

    Returns
    -------
    dict
        ``{"disconnected_knn": ..., "connected_knn": ..., "fully_connected": ...}`` (floats).

    References
    ----------
    von Luxburg (2007), Sec. 3 and 8; Ruthotto and Haber, Module 1.
    """
    _, graphs = two_cluster_graphs(n_samples=n_samples, noise=noise, sigma=sigma, k_disconnected=k_disconnected,
                                   k_connected=k_connected, seed=seed)
    return {key: float(laplacian_eigenpairs(W, 2, kind="sym", solver=solver, seed=seed)[0][1])
            for key, W in graphs.items()}


# ----------------------------------------------------------------------------------------------------
# comparing clusterings
# ----------------------------------------------------------------------------------------------------
def adjusted_rand_index(labels_true: Any, labels_pred: Any) -> float:
    r"""Adjusted Rand index of two partitions of the same ``n`` points (Hubert and Arabie 1985).

    With the contingency table :math:`n_{ij}` (points in class ``i`` of ``labels_true`` and cluster ``j``
    of ``labels_pred``), row sums :math:`a_i` and column sums :math:`b_j`,

    .. math::
        \mathrm{ARI} = \frac{\sum_{ij}\binom{n_{ij}}{2} - E}{\tfrac12\big(\sum_i\binom{a_i}{2}
        + \sum_j\binom{b_j}{2}\big) - E}, \qquad
        E = \frac{\sum_i\binom{a_i}{2}\sum_j\binom{b_j}{2}}{\binom{n}{2}} .

    1 for identical partitions (whatever the cluster numbers), about 0 for a random assignment, negative
    when worse than chance. When the denominator vanishes (both partitions a single cluster, or both all
    singletons) the partitions are identical and the index is 1, as in scikit-learn's
    ``adjusted_rand_score``.

    Parameters
    ----------
    labels_true, labels_pred : array_like, shape (n,)
        Two labellings of the same points (any hashable labels; their numbering does not matter).

    Returns
    -------
    float
        At most 1.

    Raises
    ------
    ValueError
        If the two labellings have different lengths.

    References
    ----------
    L. Hubert and P. Arabie, "Comparing partitions", Journal of Classification 2 (1985) 193-218.

    Examples
    --------
    >>> adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    """
    if labels_true is None or labels_pred is None:
        raise TypeError("labels_true and labels_pred must be arrays of labels, got None")
    a = np.asarray(labels_true).ravel()
    b = np.asarray(labels_pred).ravel()
    if a.size != b.size:
        raise ValueError(f"labels_true and labels_pred must have the same length, got {a.size} and {b.size}")
    n = a.size
    if n < 2:
        return 1.0
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1.0)

    def pairs(m: np.ndarray) -> float:
        return float(np.sum(m * (m - 1.0)) / 2.0)

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1.0) / 2.0)
    maximum = 0.5 * (rows + cols)
    if maximum == expected:
        return 1.0
    return float((index - expected) / (maximum - expected))


# ----------------------------------------------------------------------------------------------------
# the graph by name, the number of clusters, the embedding's rows
# ----------------------------------------------------------------------------------------------------
GRAPHS = ("full", "knn", "mutual_knn", "epsilon")
TOY_SPECTRUM = (0.0, 1.0, 2.0, 4.0, 5.0)
COURSE_LAMBDA2 = {"disconnected_knn": 1.9e-15, "connected_knn": 8.7e-3, "fully_connected": 0.40}


def similarity_graph(
    X: Any, graph: str = "knn", *, sigma: float = 1.0, k: int = 10, epsilon: float = 0.3
) -> np.ndarray | sp.csr_matrix:
    r"""The Gaussian similarity graph of the rows of ``X``, chosen by name.

    .. math:: W_{ij} = \exp\!\left(-\frac{\|x_i - x_j\|^2}{2\sigma^2}\right) \ \text{on the edges}, \qquad W_{ii} = 0,

    with every pair an edge (``"full"``), the symmetric k-nearest-neighbour edges (``"knn"``: ``j`` among the
    ``k`` nearest of ``i`` **or** ``i`` among those of ``j``), the mutual ones (``"mutual_knn"``: **and**) or the
    pairs at distance at most ``epsilon`` (``"epsilon"``); see :func:`similarity_matrix`. ``k`` is ignored unless
    ``graph`` is ``"knn"`` or ``"mutual_knn"``, ``epsilon`` unless ``graph="epsilon"``.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        The points, one per row.
    graph : {"full", "knn", "mutual_knn", "epsilon"}
        Which edges (see :data:`GRAPHS`).
    sigma : float
        Width of the Gaussian weights (``> 0``).
    k : int
        Neighbours of the (mutual) kNN graph, ``1..n_samples-1``.
    epsilon : float
        Radius of the epsilon graph (``> 0``).

    Returns
    -------
    W : ndarray or scipy.sparse.csr_matrix, shape (n_samples, n_samples)
        Dense for ``"full"``, CSR otherwise.

    Raises
    ------
    ValueError
        If ``graph`` is unknown (the message lists the names), or as :func:`similarity_matrix`.

    References
    ----------
    von Luxburg (2007), Sec. 2.2.

    Examples
    --------
    >>> W = similarity_graph(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), "knn", k=1)
    >>> W.toarray().round(4)
    array([[0.    , 0.6065, 0.    ],
           [0.6065, 0.    , 0.1353],
           [0.    , 0.1353, 0.    ]])
    >>> similarity_graph(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), "mutual_knn", k=1).nnz  # 2 -> 1 not mutual
    2
    """
    if graph not in GRAPHS:
        raise ValueError(f"unknown graph {graph!r}; choose one of {', '.join(map(repr, GRAPHS))}")
    if graph in ("knn", "mutual_knn"):
        n = _check_points(X).shape[0]
        if isinstance(k, (int, np.integer)) and not 1 <= k <= n - 1:
            raise ValueError(f"a kNN graph on n = {n} points needs 1 <= k <= n - 1 = {n - 1} neighbours, got k = {k}: "
                             "with n points each point has at most n − 1 neighbours; lower k or add points")
        return similarity_matrix(X, sigma=sigma, n_neighbors=k, mutual=graph == "mutual_knn")
    if graph == "epsilon":
        return similarity_matrix(X, sigma=sigma, epsilon=epsilon)
    return similarity_matrix(X, sigma=sigma)


def edge_summary(W: Any) -> tuple[int, float]:
    r"""The number of edges :math:`\{i < j : W_{ij} > 0\}` of a graph and the weight of its lightest edge.

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity matrix.

    Returns
    -------
    n_edges : int
    lightest : float
        The smallest positive weight (0 for a graph without edges).

    Raises
    ------
    ValueError
        If ``W`` is not a finite square matrix.

    Examples
    --------
    >>> Y, A = toy_graph()
    >>> edge_summary(0.5 * A)
    (6, 0.5)
    """
    W = _check_square(W, "W")
    w = sp.triu(W, k=1).data if sp.issparse(W) else W[np.triu_indices(W.shape[0], 1)]
    w = w[w > 0]
    return int(w.size), float(w.min()) if w.size else 0.0


def edge_list(
    W: Any, *, max_edges: int | None = None, min_weight: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The edges ``i < j`` with ``W_ij > min_weight`` of a symmetric matrix, at most ``max_edges`` of them.

    With more than ``max_edges`` edges an evenly spaced (deterministic) subsample of them is returned, so that
    short and long edges stay represented alike (for drawing a large graph).

    Parameters
    ----------
    W : ndarray or scipy.sparse matrix, shape (n, n)
        Symmetric similarity matrix.
    max_edges : int, optional
        The largest number of edges returned (all if None).
    min_weight : float
        Lighter edges are left out (e.g. ``1e-3`` for a fully connected graph).

    Returns
    -------
    i, j : ndarray of int64
        End points, ``i < j``.
    w : ndarray
        Their weights.
    n_total : int
        The number of edges heavier than ``min_weight`` before subsampling.

    Raises
    ------
    ValueError
        As :func:`edge_summary`.

    Examples
    --------
    >>> i, j, w, total = edge_list(toy_graph()[1], max_edges=3)
    >>> i, j, total
    (array([0, 1, 2]), array([1, 2, 3]), 6)
    """
    W = _check_square(W, "W")
    if sp.issparse(W):
        T = sp.triu(sp.coo_matrix(W), k=1)
        i, j, w = T.row, T.col, T.data
    else:
        i, j = np.nonzero(np.triu(W, k=1))
        w = W[i, j]
    keep = w > max(float(min_weight), 0.0)
    i, j, w = i[keep], j[keep], np.asarray(w[keep], dtype=np.float64)
    total = int(w.size)
    if max_edges is not None and total > max_edges:
        pick = np.unique(np.linspace(0, total - 1, max(int(max_edges), 0)).round().astype(np.int64))
        i, j, w = i[pick], j[pick], w[pick]
    return np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64), w, total


def nearest_neighbour_distance(X: Any) -> float:
    """The median distance from a point to its nearest neighbour: the scale below which no edge can form.

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
        At least 2 points.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``X`` is not a finite array of at least 2 points.

    Examples
    --------
    >>> nearest_neighbour_distance([[0.0], [1.0], [3.0]])
    1.0
    """
    X = _check_points(X)
    return float(np.median(cKDTree(X).query(X, k=2)[0][:, 1]))


def suggest_clusters(eigenvalues: Any, *, max_clusters: int = 10) -> int:
    r"""The number of clusters the spectrum suggests.

    On a graph with ``m`` zero eigenvalues, :math:`2 \le m \le` ``max_clusters``, the answer is ``m`` (one
    cluster per connected component). Otherwise the eigengap heuristic: the ``k <= max_clusters`` maximizing
    :math:`\lambda_{k+1} - \lambda_k` (:func:`eigengap`). The zero multiplicity comes first because the
    largest gap of a normalized spectrum can sit further right, among the growing eigenvalues of each piece.

    Parameters
    ----------
    eigenvalues : array_like, shape (m,)
        The smallest eigenvalues of a Laplacian, ascending (at least 2).
    max_clusters : int
        The largest answer considered.

    Returns
    -------
    k : int
        The suggested number of clusters.

    Raises
    ------
    ValueError
        As :func:`eigengap`.

    References
    ----------
    von Luxburg (2007), Sec. 8.3 and Propositions 2 and 4.

    Examples
    --------
    >>> suggest_clusters([0.0, 1e-16, 0.3, 0.4]), suggest_clusters([0.0, 0.01, 0.02, 0.5, 0.6])
    (2, 3)
    """
    lam = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lam.size < 2:
        raise ValueError(f"suggest_clusters needs at least 2 eigenvalues, got {lam.size}")
    n_zero = n_zero_eigenvalues(lam)
    if 2 <= n_zero <= max_clusters:
        return n_zero
    return eigengap(lam, max_clusters=min(int(max_clusters), lam.size - 1))[0]


def normalize_rows(U: Any) -> np.ndarray:
    r"""Scale every row of the embedding to unit length, :math:`t_i = u_i / \|u_i\|` (zero rows stay zero).

    The step of Ng, Jordan and Weiss between the eigenvectors of :math:`L_{\mathrm{sym}}` and k-means.

    Parameters
    ----------
    U : array_like, shape (n, k)

    Returns
    -------
    ndarray, shape (n, k)

    Examples
    --------
    >>> normalize_rows([[3.0, 4.0], [0.0, 0.0]])
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    return _unit_rows(np.asarray(U, dtype=np.float64))


def two_cluster_graphs(
    *, n_samples: int = 200, noise: float = 0.05, sigma: float = 0.9, k_disconnected: int = 10,
    k_connected: int = 20, seed: int = 0,
) -> tuple[np.ndarray, dict[str, np.ndarray | sp.csr_matrix]]:
    """The three graphs of :func:`two_cluster_lambda2` on the same two moons.

    Parameters
    ----------
    n_samples, noise, sigma, k_disconnected, k_connected, seed
        As in :func:`two_cluster_lambda2`.

    Returns
    -------
    X : ndarray, shape (n_samples, 2)
        The points (``make_dataset("moons", n_samples, noise, seed=seed)``).
    graphs : dict
        ``{"disconnected_knn": W, "connected_knn": W, "fully_connected": W}``: the kNN graphs with
        ``k_disconnected`` and ``k_connected`` neighbours and the fully connected graph, all of width ``sigma``.

    Raises
    ------
    ValueError
        As :func:`similarity_matrix` (a neighbour count of at least ``n_samples``, a non-positive ``sigma``).

    Examples
    --------
    >>> X, graphs = two_cluster_graphs()
    >>> {name: connected_components(W)[0] for name, W in graphs.items()}
    {'disconnected_knn': 2, 'connected_knn': 1, 'fully_connected': 1}
    """
    from numdl_core.data import make_dataset

    X, _ = make_dataset("moons", n_samples, noise, seed=seed)
    return X, {"disconnected_knn": similarity_graph(X, "knn", sigma=sigma, k=k_disconnected),
               "connected_knn": similarity_graph(X, "knn", sigma=sigma, k=k_connected),
               "fully_connected": similarity_graph(X, "full", sigma=sigma)}
