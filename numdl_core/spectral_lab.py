r"""The experiments of the spectral-clustering lesson, end to end: one function each, its numbers and its notes.

- :func:`clustering_study`: points, similarity graph, the smallest eigenpairs of a Laplacian by the dense and the
  Lanczos solver (timed), the checks of the Laplacian, the eigengap, the Ng-Jordan-Weiss embedding and k-means on
  it against k-means on the raw points (adjusted Rand index);
- :func:`toy_study`: the course's 5-node graph, its spectrum :math:`\{0, 1, 2, 4, 5\}` and the Fiedler vector by
  power and inverse iteration with their rates;
- :func:`ring_study`: semi-supervised learning on three rings, :math:`(P^\top P + \alpha L) f = P^\top c`, against
  the nearest labelled point;
- :func:`lambda2_study`: :math:`\lambda_2` of :math:`L_{\mathrm{sym}}` for a disconnected kNN, a connected kNN and
  the fully connected graph on two moons, against the values of the course.

Each returns a record with the arrays a picture needs, ``numbers`` (the headline numbers, by name) and, where
something deserves a remark or went wrong without being an error, ``notes`` and ``warnings`` in words. Settings
that give no result at all raise ``ValueError`` with the reason.

References
----------
U. von Luxburg, "A tutorial on spectral clustering", Statistics and Computing 17 (2007).
A. Y. Ng, M. I. Jordan and Y. Weiss, "On spectral clustering: analysis and an algorithm", NIPS 2001.
L. Ruthotto and E. Haber, *Numerical Methods for Deep Learning*, lecture notes, Module 1.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from numdl_core import spectral as S
from numdl_core.checks import Agreement, agreement
from numdl_core.data import make_dataset
from numdl_core.eigensolvers import EigenRun, FiedlerIteration, fiedler_iteration, iteration_rate, timed_eigenpairs
from numdl_core.laplacian_checks import PropertyCheck, laplacian_checks, order_of_magnitude_check
from numdl_core.semi_supervised import nearest_labelled, pick_labelled, unlabelled_accuracy

__all__ = ["ClusteringStudy", "clustering_study", "cluster_points", "ToyStudy", "toy_study", "RingStudy", "ring_study",
           "semi_supervised_points", "Lambda2Study", "lambda2_study", "LAMBDA2_GRAPHS", "SOLVER_NAMES"]

N_EIG = 20  # eigenpairs for the spectrum (the embedding uses the first n_clusters)
TOY_LANCZOS_K = 2  # Lanczos on the 5-node toy graph: lambda_1, lambda_2 and the Fiedler vector
MAX_CLUSTERS = 10
DENSE_MAX = 1000  # above this many points the dense eigh (O(n^3)) runs only when it is the chosen solver
LANCZOS_MAXITER = 100  # restarts: converged cases need < 20; a cluster of many zero eigenvalues may never converge
MAX_EDGES = 3000  # edges kept for a picture
FULL_MIN_WEIGHT = 1e-3  # fully connected graph: lighter edges are not kept for the picture
SOLVER_NAMES = {"dense": "dense eigh", "lanczos": "Lanczos eigsh"}
LAMBDA2_GRAPHS = {"disconnected_knn": "disconnected kNN", "connected_knn": "connected kNN",
                  "fully_connected": "fully connected"}
LANCZOS_HINT = ("Lanczos struggles with a cluster of many (numerically) equal eigenvalues, here the zero eigenvalues "
                "of a graph that falls apart into many pieces: the Krylov space of one start vector holds only one "
                "direction per distinct eigenvalue, so repeated eigenvalues are found only slowly, through restarts "
                "and round-off. The dense eigh has no such difficulty.")


def _edges(W: Any, graph: str, max_edges: int = MAX_EDGES) -> tuple:
    return S.edge_list(W, max_edges=max_edges, min_weight=FULL_MIN_WEIGHT if graph == "full" else 0.0)


@dataclass(frozen=True, kw_only=True)
class _Study:
    """What every study returns after its arrays: keyword-only fields, last in the constructor.

    Attributes
    ----------
    numbers : dict
        The headline numbers by name.
    warnings : tuple of str
        What went wrong without stopping the study, in words.
    notes : tuple of str
        Remarks on the result.
    """

    numbers: dict
    warnings: tuple = ()
    notes: tuple = ()


@dataclass(frozen=True)
class ClusteringStudy(_Study):
    """The result of :func:`clustering_study`.

    Attributes
    ----------
    X : ndarray, shape (n, 2)
        The points.
    y : ndarray of int64, shape (n,)
        Their true classes.
    edges : tuple
        ``(i, j, w, n_total)`` of :func:`numdl_core.spectral.edge_list` (at most 3000, weights above 1e-3 for the
        fully connected graph).
    n_edges, n_components : int
        Edges and connected components of the graph.
    runs : dict
        ``{solver: EigenRun}`` of the solvers tried.
    solver : str
        The solver whose eigenpairs are used (the chosen one, or the other when it failed).
    eigenvalues : ndarray, shape (m,)
        The ``m = min(20, n - 2)`` smallest eigenvalues.
    eigenvectors : ndarray, shape (n, m)
    n_zero, suggested, n_classes, n_clusters : int
        Zero eigenvalues, the number of clusters the spectrum suggests (:func:`numdl_core.spectral.suggest_clusters`),
        classes in the data and clusters used.
    embedding : ndarray, shape (n, n_clusters)
        The rows clustered (unit rows for ``"sym"``).
    labels, labels_kmeans : ndarray or None
        Spectral clustering and k-means on the raw points (None if k-means failed on the embedding).
    ari, ari_kmeans : float
        Their adjusted Rand indices against ``y`` (nan if k-means failed).
    checks : tuple
        The null vector, PSD, dense vs Lanczos (``Agreement``, when both ran) and zero-multiplicity checks.
    numbers, warnings, notes
        The headline numbers by name, what failed without stopping the study and remarks, as every study.
    """

    X: np.ndarray
    y: np.ndarray
    edges: tuple
    n_edges: int
    n_components: int
    runs: dict
    solver: str
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    n_zero: int
    suggested: int
    n_classes: int
    n_clusters: int
    embedding: np.ndarray
    labels: np.ndarray | None
    labels_kmeans: np.ndarray | None
    ari: float
    ari_kmeans: float
    checks: tuple


def clustering_study(
    *, dataset: str = "moons", n: int = 300, noise: float = 0.1, seed: int = 0, graph: str = "knn",
    sigma: float = 0.3, k: int = 10, epsilon: float = 0.3, laplacian: str = "sym", solver: str = "dense",
    clusters: str | int = "classes",
) -> ClusteringStudy:
    r"""Spectral clustering of a 2-D data set, with both eigen-solvers, the checks and k-means for comparison.

    1. ``X, y = make_dataset(dataset, n, noise, seed=seed)``; ``W = similarity_graph(X, graph, sigma, k, epsilon)``;
    2. the ``m = min(20, n - 2)`` smallest eigenpairs of the Laplacian by
       :func:`~numdl_core.eigensolvers.timed_eigenpairs` (the dense solver is left out above 1000 points unless
       chosen; Lanczos with at most 100 restarts);
    3. :func:`~numdl_core.laplacian_checks.laplacian_checks`, and ``agreement`` of the two solvers' eigenvalues
       (relative 1e-8);
    4. ``n_clusters``: the number of classes (``clusters="classes"``), the suggestion of the spectrum
       (``"eigengap"``) or the given integer;
    5. the embedding ``U[:, :n_clusters]``, rows normalized for ``"sym"`` (Ng, Jordan and Weiss), k-means on it and
       on ``X`` (``seed``), adjusted Rand index of both against ``y``.

    Parameters
    ----------
    dataset : str
        A 2-D data set of :func:`numdl_core.data.make_dataset` (``"moons"``, ``"circles"``, ``"blobs"``, ``"rings"``).
    n : int
        Number of points (at least 4).
    noise : float
    seed : int
        Seed of the data, Lanczos and k-means.
    graph : {"full", "knn", "mutual_knn", "epsilon"}
    sigma, k, epsilon
        The graph's width, neighbours and radius (:func:`numdl_core.spectral.similarity_graph`).
    laplacian : {"unnormalized", "sym", "rw"}
    solver : {"dense", "lanczos"}
    clusters : "classes", "eigengap" or int

    Returns
    -------
    ClusteringStudy

    Raises
    ------
    ValueError
        If the data or graph settings are invalid, the graph has no edge, or no eigen-solver succeeds.

    Examples
    --------
    >>> r = clustering_study(dataset="circles", noise=0.05)
    >>> r.numbers["components"], r.numbers["zero eigenvalues"], round(r.ari, 3), round(r.ari_kmeans, 3)
    (2, 2, 1.0, -0.003)
    """
    X, y = make_dataset(dataset, n, noise, seed=seed)
    return cluster_points(X, y, graph=graph, sigma=sigma, k=k, epsilon=epsilon, laplacian=laplacian, solver=solver,
                          clusters=clusters, seed=seed)


def _points(X, y) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as an (n, 2) float array of n >= 4 finite points and ``y`` as their whole labels >= 0."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] < 4:
        raise ValueError(f"X must be an (n, 2) array of n >= 4 points, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X has NaN or infinite coordinates")
    if y.shape != (X.shape[0],) or not np.all(np.isfinite(y)) or np.any(y != np.round(y)) or np.any(y < 0):
        raise ValueError(f"y must hold one whole label >= 0 per point (shape ({X.shape[0]},)), got shape {y.shape}")
    return X, y.astype(int)


def cluster_points(
    X: np.ndarray, y: np.ndarray, *, graph: str = "knn", sigma: float = 0.3, k: int = 10, epsilon: float = 0.3,
    laplacian: str = "sym", solver: str = "dense", clusters: str | int = "classes", seed: int = 0,
) -> ClusteringStudy:
    r"""Steps 2 to 5 of :func:`clustering_study` on given points ``X`` with reference labels ``y``.

    The similarity graph :math:`W_{ij}` of ``X``, the smallest eigenpairs of its Laplacian (e.g.
    :math:`L_{\rm sym} = I - D^{-1/2} W D^{-1/2}`), the embedding, k-means on it and on ``X``, and the adjusted
    Rand index of both against ``y``.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        The points (n >= 4).
    y : ndarray of int, shape (n,)
        Reference labels (``clusters="classes"`` uses their number).
    graph, sigma, k, epsilon, laplacian, solver, clusters, seed
        As :func:`clustering_study`.

    Returns
    -------
    ClusteringStudy

    Raises
    ------
    ValueError
        For ``X`` that is not (n, 2) with n >= 4 finite points, labels that are not whole numbers >= 0 (one per
        point), and as :func:`clustering_study`.

    References
    ----------
    von Luxburg (2007), A tutorial on spectral clustering, Statistics and Computing 17.

    Examples
    --------
    >>> P = 0.1 * np.random.default_rng(0).normal(size=(60, 2))
    >>> X = P + np.repeat([[0.0, 0.0], [3.0, 3.0]], 30, axis=0)
    >>> round(cluster_points(X, np.repeat([0, 1], 30), k=5).ari, 3)
    1.0
    """
    X, y = _points(X, y)
    n = X.shape[0]
    W = S.similarity_graph(X, graph, sigma=sigma, k=k, epsilon=epsilon)
    n_edges = S.edge_summary(W)[0]
    if n_edges == 0:
        raise ValueError(f"The graph is empty: no two points are within ε = {epsilon:g} of each other (the typical "
                         f"distance to the nearest neighbour is {S.nearest_neighbour_distance(X):.2g}). Every point is "
                         "its own component, L = 0 and all eigenvalues are 0: there is nothing to cluster. Increase ε.")
    m = min(N_EIG, n - 2)
    tried = [s for s in S.SOLVERS if s == solver or s == "lanczos" or n <= DENSE_MAX]
    runs: dict[str, EigenRun] = timed_eigenpairs(W, m, kind=laplacian, solvers=tried, seed=seed,
                                                 maxiter=LANCZOS_MAXITER)
    hint = {s: r.error + (" " + LANCZOS_HINT) * ("did not converge" in r.error) for s, r in runs.items() if r.error}
    used = next((s for s in (solver, *runs) if s in runs and runs[s].error is None), None)
    if used is None:
        raise ValueError("No eigensolver succeeded. " + " ".join(hint.values()) + (
            f" (The dense solver is not tried automatically above {DENSE_MAX} points: choose it.)"
            * (solver != "dense")))
    warn, notes = [], []
    if used != solver:
        warn.append(f"{SOLVER_NAMES[solver]} failed. {hint[solver]} The {SOLVER_NAMES[used]} result is shown instead.")
    lam, U = runs[used].eigenvalues, runs[used].eigenvectors
    checks: list[PropertyCheck | Agreement] = list(laplacian_checks(W, laplacian, lam))
    if len(runs) == 2 and not hint:
        checks.insert(2, agreement(f"The {m} smallest eigenvalues by Lanczos eigsh", runs["lanczos"].eigenvalues,
                                   runs["dense"].eigenvalues, reference="dense eigh (LAPACK)", rtol=1e-8))
    elif "dense" not in runs:
        notes.append(f"Dense eigh skipped for n = {n} > {DENSE_MAX} (O(n³): seconds); choose it as the solver to "
                     "time it.")
    else:
        notes.append("No comparison of the solvers: " + " ".join(hint.values()))
    n_comp, n_zero, n_classes = S.connected_components(W)[0], S.n_zero_eigenvalues(lam), int(np.unique(y).size)
    suggested = S.suggest_clusters(lam, max_clusters=MAX_CLUSTERS)
    nc = int({"classes": n_classes, "eigengap": suggested}.get(clusters, clusters))
    if n_comp > nc:
        notes.append(f"The graph has {n_comp} connected components but you ask for {nc} clusters: the first {nc} "
                     "eigenvectors are (combinations of) indicators of components, so the clusters follow the pieces "
                     "of the graph, not the data. Connect the graph: larger σ, k or ε.")
    E = S.normalize_rows(U[:, :nc]) if laplacian == "sym" else U[:, :nc]
    labels = raw = None
    ari = ari_raw = float("nan")
    try:
        labels = S.kmeans(E, nc, seed=seed)
    except ValueError as err:
        warn.append(f"k-means on the embedding failed. {err}. The spectral embedding has fewer distinct rows than "
                    "clusters (isolated points all sit at the origin of the embedding): connect the graph (larger σ, k "
                    "or ε) or ask for fewer clusters.")
    else:
        raw = S.kmeans(X, nc, seed=seed)
        ari, ari_raw = S.adjusted_rand_index(y, labels), S.adjusted_rand_index(y, raw)
        if laplacian == "unnormalized" and ari < 0.5 <= ari_raw:
            notes.append("The unnormalized Laplacian L = D − W minimizes a ratio cut that counts points, not degrees: "
                         "it happily cuts off a few loosely attached outliers. The normalized L_sym / L_rw balance the "
                         "cut by the volume (sum of degrees) and find the blobs (von Luxburg 2007, Sec. 8.5).")
    numbers = {"edges": n_edges, "components": n_comp, "λ₂": float(lam[1]), "zero eigenvalues": n_zero,
               "clusters used": nc}
    if labels is not None:
        numbers.update({"ARI spectral": ari, "ARI k-means (raw)": ari_raw})
    return ClusteringStudy(X, y, _edges(W, graph), n_edges, n_comp, runs, used, lam, U, n_zero, suggested, n_classes,
                           nc, E, labels, raw, ari, ari_raw, tuple(checks), numbers=numbers, warnings=tuple(warn),
                           notes=tuple(notes))


@dataclass(frozen=True)
class ToyStudy(_Study):
    """The result of :func:`toy_study`.

    Attributes
    ----------
    Y : ndarray, shape (5, 2)
        Node positions.
    A : ndarray, shape (5, 5)
        The adjacency (without the edge 2-5 if cut).
    degrees : ndarray, shape (5,)
    L : ndarray, shape (5, 5)
        The Laplacian.
    eigenvalues : ndarray, shape (5,)
        All eigenvalues by the dense solver.
    eigenvectors : ndarray, shape (5, 5)
    lanczos : ndarray or None
        The eigenvalues by Lanczos when it was chosen: only the 2 smallest (:math:`\lambda_1, \lambda_2`), the
        few eigenpairs the Fiedler vector needs (``eigsh`` is for ``k`` much smaller than ``n``).
    n_components, n_zero : int
    checks : tuple
        Agreement with the course's spectrum (for ``D - A`` of the uncut graph), null vector, PSD, zero multiplicity.
    iterations : dict
        ``{"power": FiedlerIteration, "inverse": FiedlerIteration}`` (a method that could not run is missing).
    rates : dict
        Their theoretical rates.
    numbers, warnings, notes
        The headline numbers by name, what went wrong and remarks, as every study.
    """

    Y: np.ndarray
    A: np.ndarray
    degrees: np.ndarray
    L: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    lanczos: np.ndarray | None
    n_components: int
    n_zero: int
    checks: tuple
    iterations: dict
    rates: dict


def toy_study(*, laplacian: str = "unnormalized", solver: str = "dense", cut: bool = False,
              shift: float = 0.0) -> ToyStudy:
    r"""The course's 5-node graph: spectrum, checks, and the Fiedler vector by power and inverse iteration.

    Parameters
    ----------
    laplacian : {"unnormalized", "sym", "rw"}
    solver : {"dense", "lanczos"}
        With ``"lanczos"`` its 2 smallest eigenvalues are computed too (``eigsh`` computes at most ``n - 2 = 3``).
    cut : bool
        Remove the edge 2-5: node 5 becomes a second component.
    shift : float
        The shift ``s`` of inverse iteration (:func:`numdl_core.eigensolvers.fiedler_iteration`).

    Returns
    -------
    ToyStudy

    Raises
    ------
    ValueError
        If ``laplacian`` or ``solver`` is unknown.

    Examples
    --------
    >>> r = toy_study()
    >>> r.eigenvalues.round(12), round(r.rates["inverse"], 3), round(r.rates["power"], 3)
    (array([0., 1., 2., 4., 5.]), 0.5, 0.857)
    """
    if solver not in S.SOLVERS:
        raise ValueError(f"unknown eigen-solver {solver!r}; choose one of {', '.join(map(repr, S.SOLVERS))}")
    Y, A = S.toy_graph()
    if cut:
        A[1, 4] = A[4, 1] = 0.0
    lam, V = S.laplacian_eigenpairs(A, 5, kind=laplacian)
    warn, notes = [], []
    lanczos = None
    if solver == "lanczos":
        run = timed_eigenpairs(A, TOY_LANCZOS_K, kind=laplacian, solvers=["lanczos"])["lanczos"]
        if run.error:
            warn.append(f"Lanczos failed on the toy graph. {run.error}.")
        else:
            lanczos = run.eigenvalues
            notes.append(f"Lanczos is asked only for the {TOY_LANCZOS_K} eigenpairs the Fiedler vector needs (λ₁, λ₂): "
                         "ARPACK's eigsh computes at most n − 2 = 3 of a 5 × 5 matrix and is built for a few "
                         "eigenpairs (k ≪ n) of a large sparse one. All 5 come from the dense eigh.")
    checks: list = list(laplacian_checks(A, laplacian, lam))
    if laplacian == "unnormalized" and not cut:
        checks.insert(0, agreement("Spectrum of L = D − A", lam, np.array(S.TOY_SPECTRUM),
                                   reference="the course's {0, 1, 2, 4, 5}", rtol=1e-12))
    iterations: dict[str, FiedlerIteration] = {}
    rates = {}
    for method in ("power", "inverse"):
        try:
            iterations[method] = it = fiedler_iteration(A, kind=laplacian, method=method, shift=shift)
        except ValueError as err:
            notes.append(f"{method.capitalize()} iteration: {err}.")
            continue
        rates[method] = iteration_rate(lam, method=method, shift=it.shift, bound=it.bound)
    numbers = {f"λ{i + 1}": float(v) for i, v in enumerate(lam)}
    numbers.update({"components": S.connected_components(A)[0], "zero eigenvalues": S.n_zero_eigenvalues(lam)})
    for method, it in iterations.items():
        numbers.update({f"{method} rate (measured)": it.observed_rate, f"{method} rate (theory)": rates[method],
                        f"{method}: ρ": float(it.rayleigh[-1])})
    L = S.graph_laplacian(A, laplacian)
    if laplacian == "unnormalized":  # the Fiedler vector's energy: ½ u'Lu = λ₂ / 2
        numbers["½uᵀLu"] = float(0.5 * V[:, 1] @ L @ V[:, 1])
    return ToyStudy(Y, A, S.degrees(A), L, lam, V, lanczos, numbers["components"], numbers["zero eigenvalues"],
                    tuple(checks), iterations, rates, numbers=numbers, warnings=tuple(warn), notes=tuple(notes))


@dataclass(frozen=True)
class RingStudy(_Study):
    """The result of :func:`ring_study`.

    Attributes
    ----------
    X : ndarray, shape (n, 2)
    y : ndarray of int64, shape (n,)
        The ring of each point.
    labelled : ndarray of int64
        Indices of the labelled points.
    edges : tuple
        ``(i, j, w, n_total)`` for a picture.
    n_components : int
    components : ndarray of int64, shape (n,)
        The component of each point.
    missing : int
        Components without a labelled point.
    predicted : ndarray or None
        The graph method's classes (None when it cannot run).
    accuracy, accuracy_nearest : float
        On the unlabelled points: the graph method (nan when it cannot run) and the nearest labelled point.
    seconds : float
        Time of the solve.
    error : str or None
        Why the graph method cannot run.
    ill_conditioned : str or None
        scipy's warning when the linear system is ill-conditioned.
    numbers, warnings, notes
        The headline numbers (accuracies in percent), why the graph method cannot run in words, and remarks, as
        every study.
    """

    X: np.ndarray
    y: np.ndarray
    labelled: np.ndarray
    edges: tuple
    n_components: int
    components: np.ndarray
    missing: int
    predicted: np.ndarray | None
    accuracy: float
    accuracy_nearest: float
    seconds: float
    error: str | None
    ill_conditioned: str | None


def ring_study(
    *, n: int = 300, noise: float = 0.1, seed: int = 0, per_ring: int = 3, graph: str = "knn", sigma: float = 0.3,
    k: int = 10, epsilon: float = 0.5, laplacian: str = "unnormalized", alpha: float = 1.0,
) -> RingStudy:
    r"""Semi-supervised learning on three rings: :math:`(P^\top P + \alpha L) F = P^\top C` against the nearest label.

    ``make_dataset("rings", n, noise, seed=seed)``, ``per_ring`` labelled points per ring
    (:func:`numdl_core.semi_supervised.pick_labelled`), the graph of :func:`numdl_core.spectral.similarity_graph`,
    :func:`numdl_core.spectral.semi_supervised` (one factorization for the three classes), accuracy on the
    unlabelled points, and the baseline without a graph (:func:`numdl_core.semi_supervised.nearest_labelled`).

    Parameters
    ----------
    n, noise, seed
        The rings (at least 6 points).
    per_ring : int
        Labelled points per ring (at most half a ring is labelled).
    graph, sigma, k, epsilon
        The graph.
    laplacian : {"unnormalized", "sym", "rw"}
    alpha : float
        Weight of the smoothness term (``> 0``).

    Returns
    -------
    RingStudy

    Raises
    ------
    ValueError
        If the data or graph settings are invalid.

    Examples
    --------
    >>> r = ring_study()
    >>> round(r.accuracy, 3), round(r.accuracy_nearest, 3)
    (0.973, 0.663)
    """
    X, y = make_dataset("rings", n, noise, seed=seed)
    return semi_supervised_points(X, y, per_class=per_ring, seed=seed, graph=graph, sigma=sigma, k=k,
                                  epsilon=epsilon, laplacian=laplacian, alpha=alpha)


def semi_supervised_points(
    X: np.ndarray, y: np.ndarray, *, per_class: int = 3, seed: int = 0, graph: str = "knn", sigma: float = 0.3,
    k: int = 10, epsilon: float = 0.5, laplacian: str = "unnormalized", alpha: float = 1.0,
) -> RingStudy:
    r"""The semi-supervised step of :func:`ring_study` on given points: :math:`(P^\top P + \alpha L) F = P^\top C`.

    ``per_class`` labelled points of each class (:func:`numdl_core.semi_supervised.pick_labelled`), the graph of
    :func:`numdl_core.spectral.similarity_graph`, :func:`numdl_core.spectral.semi_supervised` (one factorization for
    every class), and the accuracy on the unlabelled points against the nearest labelled point.

    Parameters
    ----------
    X : ndarray, shape (n, 2)
        The points (n >= 4, finite).
    y : ndarray of int, shape (n,)
        Their classes 0, 1, ... (the reference for the accuracy; only the labelled ones are used to learn).
    per_class, seed, graph, sigma, k, epsilon, laplacian, alpha
        As :func:`ring_study` (``per_class`` is its ``per_ring``).

    Returns
    -------
    RingStudy

    Raises
    ------
    ValueError
        For ``X`` that is not (n, 2) with n >= 4 finite points, labels that are not whole numbers >= 0 (one per
        point), or invalid graph settings.

    References
    ----------
    Zhu, Ghahramani and Lafferty (2003), Semi-supervised learning using Gaussian fields and harmonic functions, ICML.

    Examples
    --------
    >>> X, y = make_dataset("rings", 300, 0.1, seed=0)
    >>> round(semi_supervised_points(X, y).accuracy, 3)
    0.973
    """
    X, y = _points(X, y)
    idx = pick_labelled(y, per_class, seed=seed)
    W = S.similarity_graph(X, graph, sigma=sigma, k=k, epsilon=epsilon)
    n_comp, comp = S.connected_components(W)
    nearest = unlabelled_accuracy(y, nearest_labelled(X, idx, y[idx]), idx)
    pred, error, ill, seconds, acc = None, None, None, 0.0, float("nan")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", scipy.linalg.LinAlgWarning)
        t0 = time.perf_counter()
        try:
            pred, _ = S.semi_supervised(S.graph_laplacian(W, laplacian), idx, y[idx], int(y.max()) + 1, alpha)
            seconds, acc = time.perf_counter() - t0, unlabelled_accuracy(y, pred, idx)
        except ValueError as err:
            error = str(err)
    ill = next((str(w.message) for w in caught if issubclass(w.category, scipy.linalg.LinAlgWarning)), None)
    missing = int(np.setdiff1d(np.arange(n_comp), comp[idx]).size)
    numbers = {"labelled points": int(idx.size), "components": n_comp}
    numbers.update({} if pred is None else {"accuracy (graph) %": 100 * acc})
    numbers["nearest labelled point %"] = 100 * nearest
    warn = () if error is None else (
        f"{missing} of the {n_comp} connected components hold no labelled point. On such a component nothing ties f "
        "to a label: PᵀP + αL is singular there (L is zero on the component's indicator vector and P does not see "
        f"it), so its scores are undetermined. Connect the graph (larger k, σ or ε) or label more points. ({error})",)
    notes = () if ill is None or error else (
        f"The linear system is ill-conditioned here (scipy warns: {ill.split(':')[0]}): weights like exp(−d²/2σ²) far "
        "below round-off make parts of the graph nearly disconnected. The solution may carry little information "
        "there.",)
    return RingStudy(X, y, idx, _edges(W, graph), n_comp, comp, missing, pred, acc, nearest, seconds, error, ill,
                     numbers=numbers, warnings=warn, notes=notes)


@dataclass(frozen=True)
class Lambda2Study(_Study):
    """The result of :func:`lambda2_study`.

    Attributes
    ----------
    X : ndarray, shape (n, 2)
        The two moons.
    values : dict
        :math:`\\lambda_2` of each graph (``"disconnected_knn"``, ``"connected_knn"``, ``"fully_connected"``).
    components : dict
        Connected components of each graph.
    fiedler : dict
        The Fiedler vector of :math:`L_{\\mathrm{sym}}` of each graph.
    edges : dict
        ``(i, j, w, n_total)`` of each graph, for a picture (at most 1500 edges; weights above 1e-2 for the
        fully connected graph).
    checks : dict
        :func:`numdl_core.laplacian_checks.order_of_magnitude_check` of each value against the course.
    numbers, warnings, notes
        The headline numbers, a "disconnected" graph that is connected or a "connected" one that is not, and no
        notes, as every study.
    """

    X: np.ndarray
    values: dict
    components: dict
    fiedler: dict
    edges: dict
    checks: dict


def lambda2_study(*, n: int = 200, noise: float = 0.05, sigma: float = 0.9, k_disconnected: int = 10,
                  k_connected: int = 20, seed: int = 0, solver: str = "dense") -> Lambda2Study:
    r""":math:`\lambda_2` of :math:`L_{\mathrm{sym}}` for three graphs on two moons, against the course.

    The graphs of :func:`numdl_core.spectral.two_cluster_graphs` with these settings, :math:`\lambda_2` and the
    Fiedler vector of each (the values of :func:`numdl_core.spectral.two_cluster_lambda2`), its connected
    components, and each :math:`\lambda_2` compared with
    :data:`numdl_core.spectral.COURSE_LAMBDA2` (:math:`1.9\cdot 10^{-15}`, :math:`8.7\cdot 10^{-3}`, 0.40).

    Parameters
    ----------
    n, noise, sigma, k_disconnected, k_connected, seed, solver
        As ``n_samples, noise, sigma, k_disconnected, k_connected, seed, solver`` of
        :func:`numdl_core.spectral.two_cluster_lambda2`.

    Returns
    -------
    Lambda2Study

    Raises
    ------
    ValueError
        As :func:`numdl_core.spectral.two_cluster_lambda2`.

    Examples
    --------
    >>> r = lambda2_study()
    >>> r.components, round(r.values["fully_connected"], 3), all(c.passed for c in r.checks.values())
    ({'disconnected_knn': 2, 'connected_knn': 1, 'fully_connected': 1}, 0.405, True)
    """
    X, graphs = S.two_cluster_graphs(n_samples=n, noise=noise, sigma=sigma, k_disconnected=k_disconnected,
                                     k_connected=k_connected, seed=seed)
    pairs = {key: S.laplacian_eigenpairs(W, 2, kind="sym", solver=solver, seed=seed) for key, W in graphs.items()}
    values = {key: float(lam[1]) for key, (lam, _) in pairs.items()}  # as two_cluster_lambda2
    fiedler = {key: U[:, 1] for key, (_, U) in pairs.items()}
    comps = {key: S.connected_components(W)[0] for key, W in graphs.items()}
    edges = {key: S.edge_list(W, max_edges=1500, min_weight=1e-2 if key == "fully_connected" else 0.0)
             for key, W in graphs.items()}
    checks = {key: order_of_magnitude_check(f"λ₂ of the {LAMBDA2_GRAPHS[key]} graph", v, S.COURSE_LAMBDA2[key])
              for key, v in values.items()}
    numbers = {**{f"λ₂ {key}": v for key, v in values.items()}, **{f"components {key}": c for key, c in comps.items()}}
    warn = []
    if comps["disconnected_knn"] == 1:
        warn.append(f"With k = {k_disconnected} the 'disconnected' kNN graph is connected: lower k to split it.")
    if comps["connected_knn"] > 1:
        warn.append(f"With k = {k_connected} the 'connected' kNN graph has {comps['connected_knn']} components: "
                    "raise k.")
    return Lambda2Study(X, values, comps, fiedler, edges, checks, numbers=numbers, warnings=tuple(warn))
