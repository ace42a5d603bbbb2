"""Spectral clustering: similarity graphs, graph Laplacians, their smallest eigenpairs, semi-supervised learning."""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
import streamlit as st
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from app.figures.spectral import (
    clusters_figure, embedding_figure, graph_edges, graph_figure, graph_figure_from_edges, lambda2_figure, matrices_figure,
    semi_supervised_figure, solver_timing_figure, spectrum_figure,
)
from app.panels import Experiment, code_panel, self_check, show, theory, try_this
from app.params import PageParams, Param
from numdl_core import spectral as S
from numdl_core.data import make_dataset

SECTIONS = {"clustering": "Clustering", "toy": "Toy graph", "semi": "Semi-supervised", "lambda2": "λ₂ on two clusters"}
DATASETS = {"moons": "moons", "circles": "circles", "blobs": "blobs", "rings": "rings"}
GRAPHS = {"full": "fully connected", "knn": "kNN", "epsilon": "ε-neighbourhood"}
KINDS = {"unnormalized": "L = D − W", "sym": "L_sym", "rw": "L_rw"}
KIND_HELP = ("L = D − W (unnormalized); L_sym = I − D^-½ W D^-½ (Ng–Jordan–Weiss: rows of the embedding normalized); "
             "L_rw = I − D⁻¹ W (Shi–Malik, normalized cut).")
KIND_SHORT = {"unnormalized": "L", "sym": "L_sym", "rw": "L_rw"}
SOLVER_LABELS = {"dense": "dense eigh", "lanczos": "Lanczos eigsh"}
CLUSTER_CHOICES = ("classes", "eigengap") + tuple(range(1, 11))
CLUSTER_LABELS = {"classes": "= number of classes in the data", "eigengap": "eigengap heuristic"}
CLUSTER_HELP = ("Eigengap heuristic: the number of zero eigenvalues if the graph is disconnected, else the k ≤ 10 "
                "with the largest gap λₖ₊₁ − λₖ.")
SIGMAS = (0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
EPSILONS = (0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.0)
ALPHAS = (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4)

N_EIG = 20  # eigenpairs computed for the spectrum (the embedding uses the first n_clusters of them)
MAX_CLUSTERS = 10
DENSE_MAX = 1000  # above this many points the dense eigh (O(n^3)) runs only when it is the chosen solver
LANCZOS_MAXITER = 100  # restarts: converged cases need < 20; a cluster of many zero eigenvalues may never converge
DRAWN_EDGES = 3000  # at most this many edges are drawn
FULL_MIN_WEIGHT = 1e-3  # fully connected graph: edges lighter than this are not drawn
COURSE_TOY = np.array([0.0, 1.0, 2.0, 4.0, 5.0])
COURSE_LAMBDA2 = {"disconnected_knn": 1e-15, "connected_knn": 8.7e-3, "fully_connected": 0.40}
LAMBDA2_NAMES = {"disconnected_knn": "disconnected kNN", "connected_knn": "connected kNN",
                 "fully_connected": "fully connected"}

SECTION = Param("section", "Section", "choice", "clustering", options=tuple(SECTIONS), labels=SECTIONS,
                widget="segmented")
SEED = Param("seed", "Seed", "int", 0, lo=0, hi=99)
SIGMA = Param("sigma", "σ (Gaussian width)", "log", 0.3, options=SIGMAS,
              help="W_ij = exp(−‖xᵢ − xⱼ‖² / (2σ²)): small σ keeps only very close pairs.")
GRAPH = Param("graph", "Graph", "choice", "knn", options=tuple(GRAPHS), labels=GRAPHS, widget="segmented")
KNN = Param("k", "k (neighbours, kNN graph)", "int", 10, lo=1, hi=50,
            help="Edge i–j when j is among the k nearest neighbours of i or i among those of j.")
EPS = Param("epsilon", "ε (radius, ε graph)", "log", 0.3, options=EPSILONS,
            help="Edge i–j when ‖xᵢ − xⱼ‖ ≤ ε.")
KIND = Param("laplacian", "Laplacian", "choice", "sym", options=S.LAPLACIANS, labels=KINDS, widget="segmented",
             help=KIND_HELP)
SOLVER = Param("solver", "Eigensolver", "choice", "dense", options=S.SOLVERS, labels=SOLVER_LABELS,
               widget="segmented", help="Dense eigh: all eigenvalues, O(n³). Lanczos eigsh (shift-invert): "
               "only the few smallest, cheap for a sparse graph.")

DATA = [
    Param("dataset", "Data set", "choice", "moons", options=tuple(DATASETS), labels=DATASETS, widget="segmented",
          help="Two moons, two concentric circles, three Gaussian blobs, three noisy rings (radii 0, 2, 4)."),
    Param("n", "Points n", "int", 300, lo=20, hi=2000, step=10,
          help="Above 1000 points the dense solver runs only when chosen (it takes seconds)."),
    Param("noise", "Noise", "float", 0.1, lo=0.0, hi=0.3, step=0.01,
          help="Gaussian noise on moons and circles; blobs: cluster std 0.5 + 5·noise; rings: radii + U[0, 10·noise]."),
    SEED,
]
GRAPH_PARAMS = [GRAPH, SIGMA, KNN, EPS]
METHOD = [
    Param("clusters", "Number of clusters", "choice", "classes", options=CLUSTER_CHOICES, labels=CLUSTER_LABELS,
          help=CLUSTER_HELP),
    KIND,
    SOLVER,
    Param("log_y", "log axis", "bool", False, help="Spectrum as |λ| on a log axis: shows the round-off size of the "
          "zero eigenvalues."),
]
TOY = [
    Param("laplacian", "Laplacian", "choice", "unnormalized", options=S.LAPLACIANS, labels=KINDS, widget="segmented",
          help=KIND_HELP),
    SOLVER,
    Param("cut", "Remove the edge 2–5", "bool", False, help="Node 5 becomes isolated: a second component."),
]
SEMI = [
    Param("n", "Points n", "int", 300, lo=60, hi=1500, step=30),
    Param("noise", "Noise (radial spread U[0, 10·noise])", "float", 0.1, lo=0.0, hi=0.2, step=0.01),
    SEED,
    Param("per_ring", "Labelled points per ring", "int", 3, lo=1, hi=20),
    Param("graph", "Graph", "choice", "knn", options=tuple(GRAPHS), labels=GRAPHS, widget="segmented"),
    SIGMA,
    KNN,
    Param("epsilon", "ε (radius, ε graph)", "log", 0.5, options=EPSILONS),
    Param("laplacian", "Laplacian", "choice", "unnormalized", options=S.LAPLACIANS, labels=KINDS, widget="segmented",
          help=KIND_HELP),
    Param("alpha", "α (smoothness weight)", "log", 1.0, options=ALPHAS,
          help="(PᵀP + αL) f = Pᵀc: small α fits the labels, large α makes f smooth along the graph."),
]
LAMBDA2 = [
    Param("n", "Points n", "int", 200, lo=60, hi=600, step=20),
    Param("noise", "Noise", "float", 0.05, lo=0.0, hi=0.2, step=0.01),
    Param("sigma", "σ", "log", 0.9, options=(0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.2, 1.5, 2.0, 3.0)),
    Param("k_disconnected", "k of the 'disconnected' kNN graph", "int", 10, lo=2, hi=40),
    Param("k_connected", "k of the 'connected' kNN graph", "int", 20, lo=2, hi=60),
    SEED,
    SOLVER,
]

pp = PageParams("spectral")
st.title("🕸️ Spectral clustering")
theory(
    "Turn the points into a weighted graph and look at the eigenvectors of its **graph Laplacian** for the smallest "
    "eigenvalues. The Laplacian is positive semidefinite with L·1 = 0; its eigenvalue 0 has multiplicity equal to the "
    "number of connected components, with the components' indicator vectors as eigenvectors. For a connected graph "
    "the **Fiedler vector** (eigenvector of λ₂) is the smoothest non-constant function on the graph: its sign splits "
    "the graph in two (a relaxed cut), and λ₂ measures how well connected the graph is. Ng–Jordan–Weiss: take the "
    "first k eigenvectors of L_sym, normalize the rows, run k-means on the rows. The same Laplacian regularizes "
    "**semi-supervised** learning: a few labels spread along the graph.",
    [
        r"W_{ij} = \exp\!\Big(-\frac{\|y_i - y_j\|^2}{2\sigma^2}\Big),\qquad D = \mathrm{diag}(W\mathbf 1)",
        r"L = D - W,\qquad L_{\mathrm{sym}} = I - D^{-1/2} W D^{-1/2},\qquad L_{\mathrm{rw}} = I - D^{-1} W",
        r"\tfrac12\, u^\top L u = \tfrac14 \sum_{i,j} W_{ij} (u_i - u_j)^2 \ \ge 0, \qquad "
        r"u_{\mathrm{Fiedler}} = \arg\min_{\|u\| = 1,\ u \perp \mathbf 1} \tfrac12\, u^\top L u \quad (\lambda_2)",
        r"\min_f \ \|P f - c\|^2 + \alpha\, f^\top L f \quad\Longleftrightarrow\quad (P^\top P + \alpha L)\, f = P^\top c",
    ],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 1; von Luxburg (2007), A tutorial on spectral "
    "clustering; Ng, Jordan and Weiss (NIPS 2001); Shi and Malik (2000); Fiedler (1973); Zhou et al. (NIPS 2003).",
)
section = pp.controls([SECTION])["section"]


def _row(params: list, widths: list, scope: str) -> dict:
    """One row of controls in columns of the given relative widths (segmented controls need room)."""
    out = {}
    for col, prm in zip(st.columns(widths), params):
        out |= pp.controls([prm], container=col, scope=scope)
    return out


def _graph_kw(graph: str, k: int, epsilon: float) -> dict:
    return {"n_neighbors": k} if graph == "knn" else {"epsilon": epsilon} if graph == "epsilon" else {}


def _graph_code(graph: str, k: int, epsilon: float) -> str:
    return {"knn": f", n_neighbors={k}", "epsilon": f", epsilon={epsilon}"}.get(graph, "")


def _edge_info(W) -> tuple[int, float]:
    """Number of edges (W_ij > 0, i < j) and the smallest edge weight."""
    w = sp.triu(W, k=1).data if sp.issparse(W) else W[np.triu_indices(W.shape[0], 1)]
    w = w[w > 0]
    return int(w.size), float(w.min()) if w.size else 0.0


LANCZOS_FAILED = (
    f"Lanczos (eigsh) did not converge within {LANCZOS_MAXITER} restarts. Lanczos struggles with a cluster of many "
    "(numerically) equal eigenvalues, here the zero eigenvalues of a graph that falls apart into many pieces: the Krylov "
    "space of one start vector holds only one direction per distinct eigenvalue, so repeated eigenvalues are found only "
    "slowly, through restarts and round-off. The dense eigh has no such difficulty."
)


def _explain(err: Exception) -> str:
    msg = str(err)
    if "n_neighbors" in msg:
        return f"{msg}. With n points each point has at most n − 1 neighbours: lower k or add points."
    if "distinct points" in msg:
        return (f"{msg}. The spectral embedding has fewer distinct rows than clusters (isolated points all sit at the "
                "origin of the embedding): connect the graph (larger σ, k or ε) or ask for fewer clusters.")
    return msg


# ---------------------------------------------------------------- cached computations
@st.cache_data(max_entries=48, show_spinner=False)
def _spectrum(dataset: str, n: int, noise: float, seed: int, sigma: float, graph: str, k: int, epsilon: float,
              kind: str, solver: str) -> dict:
    """Graph, Laplacian checks and the N_EIG smallest eigenpairs by both solvers, timed (one BLAS thread)."""
    with threadpool_limits(1):
        X, y = make_dataset(dataset, n, noise, seed=seed)
        W = S.similarity_matrix(X, sigma=sigma, **_graph_kw(graph, k, epsilon))
        n_edges, w_min = _edge_info(W)
        n_comp, _ = S.connected_components(W)
        L = S.graph_laplacian(W, kind)
        d = S.degrees(W)
        null = np.sqrt(d) if kind == "sym" else np.ones(n)  # L_sym has D^1/2 1 in its null space
        l1 = float(np.linalg.norm(L @ null))
        m = min(N_EIG, n - 2)
        eig, times, errors = {}, {}, {}
        for s in ("dense", "lanczos"):
            if s == "dense" and solver != "dense" and n > DENSE_MAX:
                continue
            t0 = time.perf_counter()
            try:
                eig[s] = S.laplacian_eigenpairs(W, m, kind=kind, solver=s, seed=seed, maxiter=LANCZOS_MAXITER)
            except ArpackNoConvergence:
                errors[s] = LANCZOS_FAILED
            except (ValueError, ArpackError, np.linalg.LinAlgError) as err:
                errors[s] = str(err)
            times[s] = time.perf_counter() - t0
        edges = graph_edges(W, max_edges=DRAWN_EDGES, min_weight=FULL_MIN_WEIGHT if graph == "full" else 0.0)
        nn_dist = float(np.median(cKDTree(X).query(X, k=2)[0][:, 1]))
    used = solver if solver in eig else next(iter(eig), None)
    lam, U = eig[used] if used else (None, None)
    return dict(X=X, y=y, n_edges=n_edges, w_min=w_min, n_comp=n_comp, l1=l1, d_max=float(d.max()), m=m,
                lam=lam, U=U, used=used, lam_by={s: v[0] for s, v in eig.items()}, times=times, errors=errors,
                edges=edges, nn_dist=nn_dist)


@st.cache_data(max_entries=48, show_spinner=False)
def _clusters(key: tuple, kind: str, n_clusters: int) -> dict:
    """Spectral clustering from the cached eigenvectors, and k-means on the raw points, with ARI vs the truth."""
    r = _spectrum(*key)
    seed = key[3]
    E = r["U"][:, :n_clusters]
    if kind == "sym":  # Ng-Jordan-Weiss: rows to unit length
        norms = np.linalg.norm(E, axis=1, keepdims=True)
        E = np.divide(E, norms, out=np.zeros_like(E), where=norms > 0)
    with threadpool_limits(1):
        try:
            labels = S.kmeans(E, n_clusters, seed=seed)
        except ValueError as err:
            return {"error": _explain(err)}
        raw = S.kmeans(r["X"], n_clusters, seed=seed)
    return dict(E=E, labels=labels, raw=raw, ari=S.adjusted_rand_index(r["y"], labels),
                ari_raw=S.adjusted_rand_index(r["y"], raw))


@st.cache_data(max_entries=48, show_spinner=False)
def _semi(n: int, noise: float, seed: int, per_ring: int, graph: str, sigma: float, k: int, epsilon: float,
          kind: str, alpha: float) -> dict:
    with threadpool_limits(1):
        X, y = make_dataset("rings", n, noise, seed=seed)
        rng = np.random.default_rng(seed)
        # at most half of a ring is labelled, so that there is something left to predict
        idx = np.concatenate([rng.choice(np.flatnonzero(y == c), min(per_ring, max(1, int(np.sum(y == c)) // 2)),
                                         replace=False) for c in range(3)])
        W = S.similarity_matrix(X, sigma=sigma, **_graph_kw(graph, k, epsilon))
        n_comp, comp = S.connected_components(W)
        n_edges, _ = _edge_info(W)
        L = S.graph_laplacian(W, kind)
        out = dict(X=X, y=y, idx=idx, n_comp=n_comp, comp=comp, n_edges=n_edges,
                   missing=int(np.setdiff1d(np.arange(n_comp), comp[idx]).size),
                   edges=graph_edges(W, max_edges=DRAWN_EDGES, min_weight=FULL_MIN_WEIGHT if graph == "full" else 0.0))
        # baseline without the graph: the class of the nearest labelled point
        near = cKDTree(X[idx]).query(X)[1]
        rest = np.setdiff1d(np.arange(n), idx)
        out["acc_nearest"] = float(np.mean(y[idx][near][rest] == y[rest]))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", scipy.linalg.LinAlgWarning)
            t0 = time.perf_counter()
            try:
                pred, F = S.semi_supervised(L, idx, y[idx], 3, alpha)
            except ValueError as err:
                out["error"] = str(err)
                return out
            out["seconds"] = time.perf_counter() - t0
    out.update(pred=pred, acc=float(np.mean(pred[rest] == y[rest])),
               ill=[str(w.message) for w in caught if issubclass(w.category, scipy.linalg.LinAlgWarning)])
    return out


@st.cache_data(max_entries=24, show_spinner=False)
def _lambda2(n: int, noise: float, sigma: float, k_disc: int, k_conn: int, seed: int, solver: str) -> dict:
    with threadpool_limits(1):
        values = S.two_cluster_lambda2(n_samples=n, noise=noise, sigma=sigma, k_disconnected=k_disc,
                                       k_connected=k_conn, seed=seed, solver=solver)
        X, _ = make_dataset("moons", n, noise, seed=seed)
        graphs = {}
        for key, kw in (("disconnected_knn", {"n_neighbors": k_disc}), ("connected_knn", {"n_neighbors": k_conn}),
                        ("fully_connected", {})):
            W = S.similarity_matrix(X, sigma=sigma, **kw)
            _, U = S.laplacian_eigenpairs(W, 2, kind="sym", solver="dense")
            graphs[key] = dict(n_comp=S.connected_components(W)[0], fiedler=U[:, 1],
                               edges=graph_edges(W, max_edges=1500, min_weight=1e-2 if not kw else 0.0))
    return dict(values=values, X=X, graphs=graphs)


# ---------------------------------------------------------------- clustering
def _zero_check(n_zero: int, n_comp: int, m: int, lam: np.ndarray, w_min: float) -> None:
    if n_zero == n_comp:
        st.success(f"✔ Zero eigenvalues: **{n_zero}** = connected components: **{n_comp}** "
                   "(`connected_components`, scipy.sparse.csgraph).")
    elif n_zero == m and n_comp > m:
        st.success(f"✔ All {m} computed eigenvalues are 0 and the graph has {n_comp} components (≥ {m}): "
                   "compute more eigenvalues to see the whole null space.")
    elif n_zero > n_comp:
        nxt = lam[n_comp] if n_comp < lam.size else lam[-1]
        st.info(f"ℹ {n_zero} eigenvalues are numerically zero (|λ| ≤ 1e-9) but the graph has only {n_comp} "
                f"component(s): λ{n_comp + 1} = {nxt:.1e}. Some groups are joined only by edges of tiny weight "
                f"(the lightest edge weighs {w_min:.1e}): the graph is *numerically* disconnected. Increase σ.")
    else:
        st.error(f"✘ {n_zero} zero eigenvalues but {n_comp} components.")


def clustering_section() -> None:
    st.subheader("Clustering 2-D point clouds")
    p = _row(DATA, [3, 2, 2, 1.5], "clustering")
    p |= _row(GRAPH_PARAMS, [3, 2, 2, 1.5], "clustering")
    p |= _row(METHOD, [2.4, 2.2, 2.4, 1.6], "clustering")
    key = (p["dataset"], p["n"], p["noise"], p["seed"], p["sigma"], p["graph"], p["k"], p["epsilon"],
           p["laplacian"], p["solver"])
    try:
        r = _spectrum(*key)
    except ValueError as err:
        st.warning(f"**These settings do not give a graph.** {_explain(err)}")
        return
    n = p["n"]
    if r["n_edges"] == 0:
        st.warning(f"**The graph is empty.** No two points are within ε = {p['epsilon']:g} of each other (the typical "
                   f"distance to the nearest neighbour is {r['nn_dist']:.2g}). Every point is its own component, "
                   "L = 0 and all eigenvalues are 0: there is nothing to cluster. Increase ε.")
        return
    if r["used"] is None:
        st.warning("**No eigensolver succeeded.** " + " ".join(r["errors"].values())
                   + (f" (The dense solver is not tried automatically above {DENSE_MAX} points: choose it.)"
                      if "dense" not in r["errors"] else ""))
        return
    if r["used"] != p["solver"]:
        st.warning(f"**{SOLVER_LABELS[p['solver']]} failed.** {r['errors'].get(p['solver'])} Showing the "
                   f"{SOLVER_LABELS[r['used']]} result instead.")
    lam, U, m = r["lam"], r["U"], r["m"]
    n_zero = S.n_zero_eigenvalues(lam)
    # eigengap heuristic; on a disconnected graph the zero multiplicity is the answer (the largest gap of a
    # normalized spectrum can sit further right, among the growing eigenvalues of each piece)
    if 2 <= n_zero <= MAX_CLUSTERS:
        k_gap = n_zero
    else:
        k_gap = S.eigengap(lam, max_clusters=min(MAX_CLUSTERS, lam.size - 1))[0]
    n_classes = int(np.unique(r["y"]).size)
    nc = {"classes": n_classes, "eigengap": k_gap}.get(p["clusters"], p["clusters"])
    c = _clusters(key, p["laplacian"], int(nc))

    cols = st.columns(6)
    cols[0].metric("edges", f"{r['n_edges']:,}")
    cols[1].metric("components", r["n_comp"])
    cols[2].metric("zero eigenvalues", f"{n_zero}" + ("+" if n_zero == m else ""))
    cols[3].metric("clusters used", nc, help=f"eigengap heuristic suggests {k_gap}; the data have {n_classes} classes")
    if "error" not in c:
        cols[4].metric("ARI spectral", f"{c['ari']:.3f}", help="adjusted Rand index against the true labels (1 = perfect, 0 = chance)")
        cols[5].metric("ARI k-means (raw)", f"{c['ari_raw']:.3f}")

    left, right = st.columns(2)
    fiedler = U[:, 1]
    show(graph_figure_from_edges(r["X"], r["edges"], values=fiedler, value_name="u₂",
                      title=f"Graph, nodes coloured by the Fiedler vector of {KIND_SHORT[p['laplacian']]}"),
         "spectral.fig.graph", left)
    i, _, _, total = r["edges"]
    note = f"{i.size:,} of {total:,} edges drawn" if i.size < total else f"all {total:,} edges drawn"
    if p["graph"] == "full":
        note += f" (weights > {FULL_MIN_WEIGHT:g}; the fully connected graph has {r['n_edges']:,} edges)"
    left.caption(note + (". The graph is disconnected: u₂ lies in the null space and is constant on each component."
                         if r["n_comp"] > 1 else ". The sign of u₂ splits the graph in two."))
    show(spectrum_figure(lam, n_zero=n_zero, gap_index=k_gap, log_y=p["log_y"],
                         title=f"The {m} smallest eigenvalues of {KIND_SHORT[p['laplacian']]}"), "spectral.fig.spectrum", right)
    right.caption(f"Eigengap heuristic: **{k_gap}** clusters"
                  + (" (= the multiplicity of 0: the graph is disconnected)" if 2 <= n_zero <= MAX_CLUSTERS
                     else f" (largest gap for k ≤ {MAX_CLUSTERS})") + f"; the data have {n_classes} classes.")

    if r["n_comp"] > nc:
        st.info(f"The graph has {r['n_comp']} connected components but you ask for {nc} clusters: the first {nc} "
                "eigenvectors are (combinations of) indicators of components, so the clusters follow the pieces of the "
                "graph, not the data. Connect the graph: larger σ, k or ε.")
    if "error" in c:
        st.warning(f"**k-means on the embedding failed.** {c['error']}")
    else:
        left, right = st.columns([2, 3])
        show(embedding_figure(c["E"], c["labels"], title="Spectral embedding" + (" (rows normalized)" if p["laplacian"] == "sym" else "")),
             "spectral.fig.embedding", left)
        show(clusters_figure(r["X"], c["labels"], c["raw"],
                             titles=(f"spectral clustering (ARI {c['ari']:.2f})", f"k-means on raw data (ARI {c['ari_raw']:.2f})")),
             "spectral.fig.clusters", right)
        if p["laplacian"] == "unnormalized" and c["ari"] < 0.5 <= c["ari_raw"]:
            st.info("The unnormalized Laplacian L = D − W minimizes a ratio cut that counts points, not degrees: it "
                    "happily cuts off a few loosely attached outliers. The normalized L_sym / L_rw balance the cut by "
                    "the volume (sum of degrees) and find the blobs (von Luxburg 2007, Sec. 8.5).")

    st.markdown("#### Checks")
    left, right = st.columns([3, 2])
    with left:
        what = "‖L_sym D^½ 1‖" if p["laplacian"] == "sym" else f"‖{KIND_SHORT[p['laplacian']]} 1‖"
        bound = 2.0 * r["d_max"] if p["laplacian"] == "unnormalized" else 2.0  # Gershgorin: ‖L‖ ≤ bound
        tol = 1e-12 * max(1.0, bound)
        ok = r["l1"] <= 1e2 * tol
        (st.success if ok else st.error)(
            f"{'✔' if ok else '✘'} Null vector: {what} = **{r['l1']:.1e}**"
            + (" (L_sym annihilates D^½ 1, not 1)" if p["laplacian"] == "sym" else ""))
        ok = lam[0] >= -tol
        (st.success if ok else st.error)(f"{'✔' if ok else '✘'} Positive semidefinite: smallest eigenvalue "
                                         f"λ₁ = **{lam[0]:.1e}** ≥ −{tol:.0e} (10⁻¹² ‖L‖, ‖L‖ ≤ {bound:.3g})")
        lb = r["lam_by"]
        if len(lb) == 2:
            diff = float(np.max(np.abs(lb["dense"] - lb["lanczos"])))
            ok = diff <= 1e-8 * max(1.0, float(np.max(np.abs(lb["dense"]))))
            (st.success if ok else st.error)(f"{'✔' if ok else '✘'} Dense eigh and Lanczos eigsh agree: "
                                             f"max |λ_dense − λ_Lanczos| = **{diff:.1e}** over {m} eigenvalues")
        elif "dense" not in r["times"]:
            st.info(f"Dense eigh skipped for n = {n} > {DENSE_MAX} (O(n³): seconds); choose it as the solver to time it.")
        else:
            st.info("No comparison: " + " ".join(r["errors"].values()))
        _zero_check(n_zero, r["n_comp"], m, lam, r["w_min"])
    with right:
        names = [SOLVER_LABELS[s] + (" (failed)" if s in r["errors"] else "") for s in r["times"]]
        show(solver_timing_figure(names, list(r["times"].values()), height=260,
                                  title=f"{m} smallest eigenpairs, n = {n}"), "spectral.fig.timing")
        st.caption("Times measured with time.perf_counter (one BLAS thread) when these settings were first computed; "
                   "the page shows the cached values since. Lanczos factorizes L + 10⁻³ I once (shift-invert) and "
                   "wins as n grows: compare at n = 2000 with the dense solver chosen.")

    try_this([
        Experiment("k-means fails where spectral clustering succeeds",
                   "Two noisy circles, a kNN graph. Compare the ARI of spectral clustering and of k-means on the raw points.",
                   "k-means cuts the plane into two half-planes (ARI ≈ 0): it can only find convex clusters. The kNN graph "
                   "links points only along each circle; the first two eigenvectors separate the circles (ARI = 1). "
                   "The graph even has 2 components: two zero eigenvalues.",
                   {"dataset": "circles", "noise": 0.05, "graph": "knn", "k": 10, "sigma": 0.3, "laplacian": "sym",
                    "clusters": "classes"}),
        Experiment("σ too small",
                   "Fully connected graph with σ = 0.01. How many eigenvalues are zero, and how many components does "
                   "`connected_components` report? Switch on the log scale.",
                   "All 20 computed eigenvalues are numerically zero although the graph is connected: the weights "
                   "exp(−d²/2σ²) of all but the closest pairs are below 10⁻⁹⁰. Numerically every tight group is its own "
                   "component, the eigengap is meaningless and the clusters are arbitrary. σ sets the scale of a neighbourhood.",
                   {"dataset": "moons", "graph": "full", "sigma": 0.01, "log_y": True}),
        Experiment("The unnormalized Laplacian on blobs",
                   "Three overlapping blobs, kNN graph, L = D − W. Then switch to L_sym.",
                   "With L = D − W the ARI is about 0: the eigenvectors localize on a few weakly attached points and "
                   "k-means isolates them. L_sym (or L_rw) normalizes by the degree and finds the three blobs, as "
                   "k-means on the raw points does here (the blobs are convex).",
                   {"dataset": "blobs", "noise": 0.05, "graph": "knn", "k": 10, "sigma": 0.3, "laplacian": "unnormalized",
                    "clusters": "classes"}),
    ], pp.apply, key="spectral.try.clustering")
    self_check("A kNN graph has 3 connected components. What do you know about the spectrum of L = D − W?",
               ["λ₁ = λ₂ = λ₃ = 0 < λ₄", "only λ₁ = 0", "λ₃ = 3"], 0,
               "The indicator vector of each component is in the null space: the multiplicity of 0 is the number of "
               "components, and λ₄ > 0.", key="spectral.quiz.clustering")
    norm = "\nE /= np.linalg.norm(E, axis=1, keepdims=True)   # Ng-Jordan-Weiss" if p["laplacian"] == "sym" else ""
    code_panel(f"""import numpy as np
from numdl_core import spectral as S
from numdl_core.data import make_dataset

X, y = make_dataset({p['dataset']!r}, {n}, noise={p['noise']}, seed={p['seed']})
W = S.similarity_matrix(X, sigma={p['sigma']}{_graph_code(p['graph'], p['k'], p['epsilon'])})
L = S.graph_laplacian(W, {p['laplacian']!r})
lam, U = S.laplacian_eigenpairs(W, {m}, kind={p['laplacian']!r}, solver={r['used']!r}, seed={p['seed']})
print("components:", S.connected_components(W)[0], " zero eigenvalues:", S.n_zero_eigenvalues(lam))
print("largest eigengap for k <= {MAX_CLUSTERS}:", S.eigengap(lam, max_clusters={MAX_CLUSTERS})[0])
E = U[:, :{nc}]{norm}
labels = S.kmeans(E, {nc}, seed={p['seed']})
print("ARI spectral", S.adjusted_rand_index(y, labels), " k-means", S.adjusted_rand_index(y, S.kmeans(X, {nc}, seed={p['seed']})))
# or in one call:
labels = S.spectral_clustering(X, {nc}, sigma={p['sigma']}{_graph_code(p['graph'], p['k'], p['epsilon'])}, laplacian={p['laplacian']!r}, seed={p['seed']},
                              solver={r['used']!r})""")


# ---------------------------------------------------------------- toy graph
def toy_section() -> None:
    st.subheader("The 5-node toy graph of the course")
    p = _row(TOY, [2.5, 2.5, 2], "toy")
    Y, A = S.toy_graph()
    if p["cut"]:
        A[1, 4] = A[4, 1] = 0.0
    kind = p["laplacian"]
    d = S.degrees(A)
    L = S.graph_laplacian(A, kind)
    lam, V = S.laplacian_eigenpairs(A, 5, kind=kind, solver="dense")
    lanczos = None
    if p["solver"] == "lanczos":
        try:
            lanczos = S.laplacian_eigenpairs(A, 5, kind=kind, solver="lanczos")[0]
        except ValueError as err:
            st.warning(f"**Lanczos cannot compute all 5 eigenpairs of a 5 × 5 matrix.** {err}. ARPACK's eigsh needs "
                       "k < n − 1: it is built for a few eigenpairs of a large sparse matrix. Below: the 3 smallest by "
                       "Lanczos next to all 5 by the dense eigh.")
            lanczos = S.laplacian_eigenpairs(A, 3, kind=kind, solver="lanczos")[0]
    n_comp = S.connected_components(A)[0]
    n_zero = S.n_zero_eigenvalues(lam)
    labels = [str(i) for i in range(1, 6)]
    left, right = st.columns(2)
    show(graph_figure(Y, A, values=V[:, 1], value_name="u₂", node_text=labels, height=380,
                      title="Nodes coloured by the Fiedler vector u₂"), "spectral.fig.toy.graph", left)
    show(spectrum_figure(lam, n_zero=n_zero, title=f"Spectrum of {KIND_SHORT[kind]}", height=380),
         "spectral.fig.toy.spectrum", right)
    D = np.diag(d)
    Lname = {"unnormalized": "L = D − A", "sym": "L_sym", "rw": "L_rw"}[kind]
    show(matrices_figure({"A (adjacency)": A, "D (degrees)": D, Lname: L}, tick_labels=labels, height=330),
         "spectral.fig.toy.matrices")

    table = {"i": np.arange(1, 6), "λᵢ (dense eigh)": lam}
    if lanczos is not None:
        table["λᵢ (Lanczos eigsh)"] = np.r_[lanczos, np.full(5 - lanczos.size, np.nan)]
    course = kind == "unnormalized" and not p["cut"]
    if course:
        table["course"] = COURSE_TOY
    left, right = st.columns([3, 2])
    left.dataframe(pd.DataFrame(table).style.format({k: "{:.6g}" for k in table if k != "i"}, na_rep="—"),
                   hide_index=True, width="stretch")
    with right:
        st.markdown(f"Degrees d = ({', '.join(f'{v:g}' for v in d)})")
        if course:
            err = float(np.max(np.abs(lam - COURSE_TOY)))
            (st.success if err < 1e-12 else st.error)(
                f"{'✔' if err < 1e-12 else '✘'} Spectrum {{0, 1, 2, 4, 5}} reproduced: max error **{err:.1e}**")
        elif kind != "unnormalized":
            st.caption("The course's {0, 1, 2, 4, 5} is the spectrum of L = D − A. The normalized Laplacians have "
                       "their eigenvalues in [0, 2].")
        null = np.sqrt(d) if kind == "sym" else np.ones(5)
        st.markdown(f"{'‖L_sym D^½ 1‖' if kind == 'sym' else f'‖{KIND_SHORT[kind]} 1‖'} = **{np.linalg.norm(L @ null):.1e}**;  "
                    f"λ₁ = {lam[0]:.1e} ≥ 0")
        (st.success if n_zero == n_comp else st.error)(
            f"{'✔' if n_zero == n_comp else '✘'} Zero eigenvalues: **{n_zero}** = components: **{n_comp}**")
        if kind == "unnormalized":
            u = V[:, 1]
            st.markdown(f"Fiedler vector u₂ = ({', '.join(f'{v:.3f}' for v in u)}): uᵀ1 = {u.sum():.1e}, "
                        f"‖u‖ = {np.linalg.norm(u):.3f}, ½uᵀLu = **{0.5 * u @ L @ u:.4f}** = λ₂/2.")
    try_this([
        Experiment("Cut an edge", "Remove the edge 2–5. What happens to the spectrum and to the Fiedler vector?",
                   "Node 5 is now isolated: two components, so two zero eigenvalues. u₂ is (a combination of) the "
                   "component indicators: constant on {1, 2, 3, 4}, different on node 5.", {"cut": True}),
        Experiment("Lanczos on a tiny matrix", "Choose the Lanczos solver. Why can it not deliver all 5 eigenvalues?",
                   "ARPACK's Lanczos keeps a Krylov basis larger than the number of wanted eigenpairs: k ≤ n − 2. "
                   "It is the tool for a few eigenpairs of a big sparse matrix, not for all of a small one.",
                   {"solver": "lanczos", "cut": False}),
    ], pp.apply, key="spectral.try.toy")
    code_panel(f"""import numpy as np
from numdl_core import spectral as S

Y, A = S.toy_graph(){'''
A[1, 4] = A[4, 1] = 0.0        # remove the edge 2-5''' if p['cut'] else ''}
L = S.graph_laplacian(A, {kind!r})
lam, V = S.laplacian_eigenpairs(A, 5, kind={kind!r})
print(lam)                     # [0, 1, 2, 4, 5] for L = D - A""")


# ---------------------------------------------------------------- semi-supervised
def semi_section() -> None:
    st.subheader("Semi-supervised learning on three rings")
    p = _row(SEMI[:4], [1, 1, 1, 1], "semi")
    p |= _row(SEMI[4:8], [3, 2, 2, 1.5], "semi")
    p |= _row(SEMI[8:], [3, 5.5], "semi")
    try:
        r = _semi(p["n"], p["noise"], p["seed"], p["per_ring"], p["graph"], p["sigma"], p["k"], p["epsilon"],
                  p["laplacian"], p["alpha"])
    except ValueError as err:
        st.warning(f"**These settings do not give a graph.** {_explain(err)}")
        return
    n_lab = r["idx"].size
    cols = st.columns(4)
    cols[0].metric("labelled points", n_lab, help=f"{p['per_ring']} per ring (at most half a ring), drawn at random "
                   f"(seed {p['seed']})")
    cols[1].metric("components", r["n_comp"])
    if "error" not in r:
        cols[2].metric("accuracy (graph)", f"{100 * r['acc']:.1f}%", help="on the unlabelled points")
    cols[3].metric("nearest labelled point", f"{100 * r['acc_nearest']:.1f}%",
                   help="baseline without the graph: every point takes the class of the closest labelled point")
    left, right = st.columns(2)
    n = p["n"]
    if "error" in r:
        show(graph_figure_from_edges(r["X"], r["edges"], labels=r["comp"] % 8,
                          title="The graph, coloured by connected component"), "spectral.fig.semi.graph", left)
        right.warning(f"**{r['missing']} of the {r['n_comp']} connected components hold no labelled point.** On such a "
                      "component nothing ties f to a label: PᵀP + αL is singular there (L is zero on the component's "
                      "indicator vector and P does not see it), so its scores are undetermined. Connect the graph "
                      "(larger k, σ or ε) or label more points.\n\n"
                      f"numdl_core says: *{r['error']}*")
    else:
        show(graph_figure_from_edges(r["X"], r["edges"], labels=r["y"], title="The graph (true rings as colours)"),
             "spectral.fig.semi.graph", left)
        show(semi_supervised_figure(r["X"], r["pred"], r["idx"], r["y"][r["idx"]], truth=r["y"],
                                    title=f"Predicted classes, α = {p['alpha']:g} (stars: the labels)"),
             "spectral.fig.semi.result", right)
        if r["ill"]:
            st.info("The linear system is ill-conditioned here (scipy warns: "
                    f"{r['ill'][0].split(':')[0]}): weights like exp(−d²/2σ²) far below round-off make parts of the "
                    "graph nearly disconnected. The solution may carry little information there.")
        st.caption(f"Solved (PᵀP + αL) F = PᵀC for the three classes at once in {1e3 * r['seconds']:.1f} ms "
                   f"({'sparse LU' if p['graph'] != 'full' else 'dense LU'}, measured when computed). "
                   "Each point takes the class with the largest score.")
    try_this([
        Experiment("Labels travel along the rings",
                   "With 3 labels per ring and a kNN graph, compare the graph accuracy with the nearest-labelled-point baseline.",
                   "The graph method labels almost every point correctly (about 97%); the nearest labelled point is right "
                   "only about two times out of three, because it measures distance across the rings, not along them.",
                   {"graph": "knn", "k": 10, "sigma": 0.3, "alpha": 1.0, "per_ring": 3, "noise": 0.1}),
        Experiment("A component without a label", "Set k = 3. What goes wrong?",
                   "The 3-NN graph falls apart into many components; most hold no labelled point, so (PᵀP + αL) is "
                   "singular and their scores are undetermined. The page colours the components instead.",
                   {"graph": "knn", "k": 3}),
        Experiment("σ too large", "Fully connected graph with σ = 1. Why does the accuracy collapse?",
                   "Neighbouring rings are 2 apart, so with σ = 1 points on different rings are strongly linked; "
                   "smoothness along the graph no longer respects the rings.",
                   {"graph": "full", "sigma": 1.0, "alpha": 1.0}),
    ], pp.apply, key="spectral.try.semi")
    code_panel(f"""import numpy as np
from numdl_core import spectral as S
from numdl_core.data import make_dataset

X, y = make_dataset("rings", {n}, noise={p['noise']}, seed={p['seed']})
rng = np.random.default_rng({p['seed']})
idx = np.concatenate([rng.choice(np.flatnonzero(y == c), {p['per_ring']}, replace=False) for c in range(3)])
W = S.similarity_matrix(X, sigma={p['sigma']}{_graph_code(p['graph'], p['k'], p['epsilon'])})
L = S.graph_laplacian(W, {p['laplacian']!r})
pred, F = S.semi_supervised(L, idx, y[idx], n_classes=3, alpha={p['alpha']})   # (P'P + alpha L) f = P'c
print("accuracy", np.mean(pred == y))""")


# ---------------------------------------------------------------- lambda_2
def lambda2_section() -> None:
    st.subheader("λ₂ of L_sym for three graphs on the same two clusters")
    p = _row(LAMBDA2[:4], [1, 1, 1, 1], "lambda2")
    p |= _row(LAMBDA2[4:], [1.3, 1.3, 1.4], "lambda2")
    try:
        r = _lambda2(p["n"], p["noise"], p["sigma"], p["k_disconnected"], p["k_connected"], p["seed"], p["solver"])
    except ValueError as err:
        st.warning(f"**These settings do not give the three graphs.** {_explain(err)}")
        return
    vals = r["values"]
    keys = list(COURSE_LAMBDA2)
    rows = []
    for key in keys:
        v, ref, g = vals[key], COURSE_LAMBDA2[key], r["graphs"][key]
        if key == "disconnected_knn":
            ok = abs(v) < 1e-12
        else:
            ok = v > 0 and abs(np.log10(v / ref)) < 0.5
        rows.append({"graph": LAMBDA2_NAMES[key], "components": g["n_comp"], "course λ₂": f"{ref:.2g}",
                     "computed λ₂": f"{v:.3g}", "same order of magnitude": "✔" if ok else "✘"})
    left, right = st.columns([3, 2])
    left.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    with left:
        st.markdown("A disconnected graph has λ₂ = 0 (up to round-off, ~1e-16): the second indicator vector is in the "
                    "null space. Adding edges between the clusters lifts λ₂; the fully connected graph is the best "
                    "connected. λ₂ is the *algebraic connectivity* (Fiedler 1973).")
        if r["graphs"]["disconnected_knn"]["n_comp"] == 1:
            st.warning(f"With k = {p['k_disconnected']} the 'disconnected' kNN graph is connected: lower k to split it.")
        if r["graphs"]["connected_knn"]["n_comp"] > 1:
            st.warning(f"With k = {p['k_connected']} the 'connected' kNN graph has "
                       f"{r['graphs']['connected_knn']['n_comp']} components: raise k.")
    show(lambda2_figure([LAMBDA2_NAMES[k] for k in keys], [vals[k] for k in keys], [COURSE_LAMBDA2[k] for k in keys],
                        height=320), "spectral.fig.lambda2.bars", right)
    st.caption(f"Two moons, n = {p['n']}, noise {p['noise']}, σ = {p['sigma']:g}, computed live with "
               f"`two_cluster_lambda2` ({SOLVER_LABELS[p['solver']]}). The course's data are not known; these defaults "
               "reproduce its orders of magnitude.")
    cols = st.columns(3)
    for col, key in zip(cols, keys):
        g = r["graphs"][key]
        show(graph_figure_from_edges(r["X"], g["edges"], values=g["fiedler"], value_name="u₂", height=320,
                          title=f"{LAMBDA2_NAMES[key]}: λ₂ = {vals[key]:.2g}"), f"spectral.fig.lambda2.{key}", col)
    try_this([
        Experiment("From disconnected to connected", "Raise k of the 'disconnected' graph step by step. When does λ₂ leave "
                   "round-off?", "As soon as one edge joins the moons (1 component), λ₂ jumps from ~1e-16 to a small "
                   "positive number, growing with the number and weight of the joining edges.", {"k_disconnected": 14}),
        Experiment("σ and the fully connected graph", "Lower σ to 0.2. What happens to the fully connected λ₂?",
                   "It falls by orders of magnitude: with a narrow kernel the weights between the moons vanish, and the "
                   "fully connected graph behaves like a disconnected one.", {"sigma": 0.2}),
    ], pp.apply, key="spectral.try.lambda2")
    code_panel(f"""from numdl_core import spectral as S

print(S.two_cluster_lambda2(n_samples={p['n']}, noise={p['noise']}, sigma={p['sigma']}, k_disconnected={p['k_disconnected']},
                            k_connected={p['k_connected']}, seed={p['seed']}, solver={p['solver']!r}))
# course: about 1e-15 (disconnected kNN), 8.7e-3 (connected kNN), 0.40 (fully connected)""")


{"clustering": clustering_section, "toy": toy_section, "semi": semi_section, "lambda2": lambda2_section}[section]()
pp.sync_url()
