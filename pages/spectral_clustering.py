"""Spectral clustering: similarity graphs, graph Laplacians, their smallest eigenpairs, semi-supervised learning."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.figures import spectral as F
from app.lesson import Experiment, Lesson, Param, call_script
from app.lessons.spectral_clustering import DATA, clustering, clustering_data, semi_study, toy_compare
from app.lessons.spectral_clustering_exercises import EXERCISES, TOUR
from app.panels import self_check, show
from app.params import SEED, log_options
from numdl_core import spectral as S
from numdl_core import spectral_lab as lab

SECTIONS = {"clustering": "Clustering", "toy": "Toy graph", "semi": "Semi-supervised", "lambda2": "λ₂ on two clusters"}
GRAPHS = {"full": "fully connected", "knn": "kNN", "mutual_knn": "mutual kNN", "epsilon": "ε-neighbourhood"}
KINDS = {"unnormalized": "L = D − W", "sym": "L_sym", "rw": "L_rw"}
ROW = [3, 2, 2, 1.5]
SIGMA = Param("sigma", "σ (Gaussian width)", "log", 0.3, options=(0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0,
              2.0, 3.0, 5.0, 10.0), help="W_ij = exp(−‖xᵢ − xⱼ‖² / (2σ²)): small σ keeps only very close pairs.")
GRAPH = Param("graph", "Graph", "choice", "knn", options=tuple(GRAPHS), labels=GRAPHS, widget="segmented")
KNN = Param("k", "k (neighbours, kNN graph)", "int", 10, lo=1, hi=50, help="kNN: edge i–j when j is among the k "
            "nearest neighbours of i or i among those of j; mutual kNN: of i and i among those of j.")
EPS = Param("epsilon", "ε (radius, ε graph)", "log", 0.3, options=(0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0,
            2.0), help="Edge i–j when ‖xᵢ − xⱼ‖ ≤ ε.")
KIND = Param("laplacian", "Laplacian", "choice", "sym", options=S.LAPLACIANS, labels=KINDS, widget="segmented",
             help="L = D − W (unnormalized); L_sym = I − D^-½ W D^-½ (Ng–Jordan–Weiss: rows of the embedding "
             "normalized); L_rw = I − D⁻¹ W (Shi–Malik, normalized cut).")
SOLVER = Param("solver", "Eigensolver", "choice", "dense", options=S.SOLVERS, labels=lab.SOLVER_NAMES,
               widget="segmented", help="Dense eigh: all eigenvalues, O(n³). Lanczos eigsh (shift-invert): "
               "only the few smallest, cheap for a sparse graph.")
METHOD = [Param("clusters", "Number of clusters", "choice", "classes", options=("classes", "eigengap") + tuple(
              range(1, 11)), labels={"classes": "= number of classes in the data", "eigengap": "eigengap heuristic"},
              help="Eigengap heuristic: the number of zero eigenvalues if the graph is disconnected, else the "
              "k ≤ 10 with the largest gap λₖ₊₁ − λₖ."), KIND, SOLVER,
          Param("log_y", "log axis", "bool", False, role="view",
                help="Spectrum as |λ| on a log axis: shows the round-off size of the zero eigenvalues.")]
TOY = [KIND.but(default="unnormalized"), SOLVER,
       Param("cut", "Remove the edge 2–5", "bool", False, help="Node 5 becomes isolated: a second component."),
       Param("shift", "Shift s (inverse iteration)", "choice", 0.0, options=(-0.1, -0.01, 0.0, 0.5, 0.9, 1.6),
             help="u ← (L − sI)⁻¹u: converges to the eigenvector whose eigenvalue is nearest to s; s = 0 is the "
             "course's L†.")]
SEMI = [Param("n", "Points n", "int", 300, lo=60, hi=1500, step=30),
        Param("noise", "Noise (radial spread U[0, 10·noise])", "float", 0.1, lo=0.0, hi=0.2, step=0.01), SEED,
        Param("per_ring", "Labelled points per ring", "int", 3, lo=1, hi=20), GRAPH, SIGMA, KNN, EPS.but(default=0.5),
        KIND.but(default="unnormalized"), Param("alpha", "α (smoothness weight)", "log", 1.0, options=log_options(
            1e-4, 1e4, 1), help="(PᵀP + αL) f = Pᵀc: small α fits the labels, large α makes f smooth along the graph.")]
LAMBDA2 = [Param("n", "Points n", "int", 200, lo=60, hi=600, step=20),
           Param("noise", "Noise", "float", 0.05, lo=0.0, hi=0.2, step=0.01),
           Param("sigma", "σ", "log", 0.9, options=(0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.2, 1.5, 2.0, 3.0)),
           Param("k_disconnected", "k of the 'disconnected' kNN graph", "int", 10, lo=2, hi=40),
           Param("k_connected", "k of the 'connected' kNN graph", "int", 20, lo=2, hi=60), SEED, SOLVER]
EXPERIMENTS = [
    Experiment("k-means fails where spectral clustering succeeds", "Two noisy circles, a kNN graph. Compare the ARI of "
               "spectral clustering and of k-means on the raw points.", "k-means cuts the plane into two half-planes "
               "(ARI ≈ 0): it can only find convex clusters. The kNN graph links points only along each circle; the "
               "first two eigenvectors separate the circles (ARI = 1). The graph even has 2 components: two zero "
               "eigenvalues.",
               {"section": "clustering", "dataset": "circles", "noise": 0.05, "graph": "knn", "k": 10, "sigma": 0.3,
                "laplacian": "sym", "clusters": "classes"}, name="circles-knn-graph"),
    Experiment("Mutual kNN", "Rings, k = 10: kNN, then mutual kNN. Edges, components, ARI? Then k = 5.", "An edge "
               "only if each is in the other's k nearest: 1224 of 1776 edges, 6 (not 61) between rings, 2 components, "
               "ARI 0.92 → 1; k = 5: 19 pieces.", {"section": "clustering", "dataset": "rings", "noise": 0.1, "graph":
               "mutual_knn", "k": 10, "sigma": 0.3, "laplacian": "sym", "clusters": "classes"}, name="mutual-knn"),
    Experiment("σ too small", "Fully connected graph with σ = 0.01. How many eigenvalues are zero, and how many "
               "components does `connected_components` report? Switch on the log scale.", "All 20 computed eigenvalues "
               "are numerically zero although the graph is connected: the weights exp(−d²/2σ²) of all but the closest "
               "pairs are below 10⁻⁹⁰. Numerically every tight group is its own component, the eigengap is meaningless "
               "and the clusters are arbitrary. σ sets the scale of a neighbourhood.", {"section": "clustering",
               "dataset": "moons", "graph": "full", "sigma": 0.01, "log_y": True}, name="sigma-too-small"),
    Experiment("The unnormalized Laplacian on blobs", "Three overlapping blobs, kNN graph, L = D − W. Then switch to "
               "L_sym.", "With L = D − W the ARI is about 0: the eigenvectors localize on a few weakly attached points "
               "and k-means isolates them. L_sym (or L_rw) normalizes by the degree and finds the three blobs, as "
               "k-means on the raw points does here (the blobs are convex).", {"section": "clustering", "dataset":
               "blobs", "noise": 0.05, "graph": "knn", "k": 10, "sigma": 0.3, "laplacian": "unnormalized", "clusters":
               "classes"}, name="unnormalized-on-blobs"),
    Experiment("How many clusters?", "Three blobs, L_sym, the number of clusters by the eigengap heuristic. Which "
               "gap decides? Then try the moons.", "On the blobs the largest gap among λ₁ … λ₁₀ follows λ₃: three "
               "clusters, one per blob. On the moons the spectrum rises smoothly and the largest gap falls elsewhere "
               "(8 clusters): the heuristic needs well separated groups.", {"section": "clustering", "dataset": "blobs",
               "noise": 0.1, "laplacian": "sym", "clusters": "eigengap"}, name="eigengap"),
    Experiment("Cut an edge", "Remove the edge 2–5. What happens to the spectrum and to the Fiedler vector?", "Node 5 "
               "is now isolated: two components, so two zero eigenvalues. u₂ is (a combination of) the component "
               "indicators: constant on {1, 2, 3, 4}, different on node 5. Inverse iteration with s = 0 now meets a "
               "singular matrix; a negative shift finds the indicator.", {"section": "toy", "cut": True},
               name="cut-an-edge"),
    Experiment("Lanczos on a tiny matrix", "Choose the Lanczos solver. Why is it asked for only λ₁ and λ₂, not all 5?",
               "ARPACK's Lanczos keeps a Krylov basis larger than the number of wanted eigenpairs: k ≤ n − 2. It is "
               "the tool for a few eigenpairs (k ≪ n) of a big sparse matrix, not for all of a small one.",
               {"section": "toy", "solver": "lanczos", "cut": False}, name="lanczos-on-a-tiny-matrix"),
    Experiment("A shift near λ₂", "Set the shift of inverse iteration to s = 0.9, then to s = 1.6. How fast does it "
               "converge, and to which eigenvalue?", "With s = 0.9 the rate is |1 − 0.9| / |2 − 0.9| ≈ 0.09: about ten "
               "iterations instead of 33 with s = 0 (rate ½), and 140 with the power method (rate 6/7). With s = 1.6 "
               "the shift is nearer to λ₃ = 2 than to λ₂ = 1: inverse iteration finds u₃, not the Fiedler vector.",
               {"section": "toy", "laplacian": "unnormalized", "cut": False, "shift": 0.9}, name="shift-near-lambda2"),
    Experiment("Labels travel along the rings", "With 3 labels per ring and a kNN graph, compare the graph accuracy "
               "with the nearest-labelled-point baseline.", "The graph method labels almost every point correctly "
               "(about 97%); the nearest labelled point is right only about two times out of three, because it "
               "measures distance across the rings, not along them.", {"section": "semi", "graph": "knn", "k": 10,
               "sigma": 0.3, "alpha": 1.0, "per_ring": 3, "noise": 0.1}, name="rings-semi-supervised"),
    Experiment("A component without a label", "Set k = 3. What goes wrong?", "The 3-NN graph falls apart into many "
               "components; most hold no labelled point, so (PᵀP + αL) is singular and their scores are undetermined. "
               "The page colours the components instead.", {"section": "semi", "graph": "knn", "k": 3},
               name="component-without-a-label"),
    Experiment("σ too large", "Fully connected graph with σ = 1. Why does the accuracy collapse?", "Neighbouring "
               "rings are 2 apart, so with σ = 1 points on different rings are strongly linked; smoothness along the "
               "graph no longer respects the rings.", {"section": "semi", "graph": "full", "sigma": 1.0, "alpha": 1.0},
               name="sigma-too-large"),
    Experiment("From disconnected to connected", "Raise k of the 'disconnected' graph step by step. When does λ₂ "
               "leave round-off?", "As soon as one edge joins the moons (1 component), λ₂ jumps from ~1e-16 to a "
               "small positive number, growing with the number and weight of the joining edges.",
               {"section": "lambda2", "k_disconnected": 14}, name="disconnected-to-connected"),
    Experiment("σ and the fully connected graph", "Lower σ to 0.2. What happens to the fully connected λ₂?", "It falls "
               "by orders of magnitude: with a narrow kernel the weights between the moons vanish, and the fully "
               "connected graph behaves like a disconnected one.", {"section": "lambda2", "sigma": 0.2},
               name="narrow-kernel"),
]


lesson = Lesson("spectral", "Spectral clustering", presets=EXPERIMENTS, slides="01-NumDNN-Unsupervised.tex",
                exercises=EXERCISES, tour=TOUR)
lesson.theory(
    "Turn the points into a weighted graph and look at the eigenvectors of its **graph Laplacian** for the smallest "
    "eigenvalues. The Laplacians have eigenvalues ≥ 0, with L·1 = 0 and L_rw·1 = 0 but L_sym·D^½1 = 0 (not 1); "
    "the eigenvalue 0 has multiplicity equal to the number of connected components, with the components' indicator "
    "vectors (times D^½ for L_sym) as eigenvectors. For a connected graph "
    "the **Fiedler vector** (eigenvector of λ₂) is the smoothest non-constant function on the graph: its sign splits "
    "the graph in two (a relaxed cut), and λ₂ measures how well connected the graph is. Small graphs: a dense eigen-"
    "solver; large ones: Lanczos, or power / inverse iteration for the Fiedler vector alone. Ng–Jordan–Weiss: take "
    "the first k eigenvectors of L_sym, normalize the rows, run k-means on the rows. The same Laplacian regularizes "
    "**semi-supervised** learning: a few labels spread along the graph.",
    [r"W_{ij} = \exp\!\Big(-\frac{\|y_i - y_j\|^2}{2\sigma^2}\Big),\qquad D = \mathrm{diag}(W\mathbf 1)",
     r"L = D - W,\qquad L_{\mathrm{sym}} = I - D^{-1/2} W D^{-1/2},\qquad L_{\mathrm{rw}} = I - D^{-1} W",
     r"\tfrac12\, u^\top L u = \tfrac14 \sum_{i,j} W_{ij} (u_i - u_j)^2 \ \ge 0, \qquad "
     r"u_{\mathrm{Fiedler}} = \arg\min_{\|u\| = 1,\ u \perp \mathbf 1} \tfrac12\, u^\top L u \quad (\lambda_2)",
     r"u_{k+1} = \frac{(L - sI)^{-1} u_k}{\|(L - sI)^{-1} u_k\|}\ \ (s = 0:\ L^\dagger,\ u \perp \mathbf 1),\qquad "
     r"\text{rate } \frac{|\lambda_2 - s|}{|\lambda_3 - s|}",
     r"\min_f \ \|P f - c\|^2 + \alpha\, f^\top L f \quad\Leftrightarrow\quad (P^\top P + \alpha L)\, f = P^\top c"],
    "Ruthotto and Haber, Numerical Methods for Deep Learning, Module 1; von Luxburg (2007), A tutorial on spectral "
    "clustering; Ng, Jordan and Weiss (NIPS 2001); Shi and Malik (2000); Fiedler (1973); Zhou et al. (NIPS 2003); "
    "Golub and Van Loan (2013), Sec. 8.2.")
section = lesson.sections(SECTIONS)
cached = st.cache_data(max_entries=48, show_spinner=False)  # a study, once per setting and server


def clustering_section() -> None:
    st.subheader("Clustering 2-D point clouds")
    p = lesson.controls(DATA, widths=ROW) | lesson.controls([GRAPH, SIGMA, KNN, EPS], widths=ROW)
    p |= lesson.controls(METHOD, widths=[2.4, 2.2, 2.4, 1.6])
    X, y, source = clustering_data(p)
    try:
        r = clustering(p, X, y, source)
    except ValueError as err:
        return st.warning(f"**These settings give no spectral clustering.** {err}")
    kind, lam, m = p["laplacian"], r.eigenvalues, r.eigenvalues.size
    lesson.numbers(r.numbers, show=True)
    st.caption("ARI: adjusted Rand index against the true labels (1 = perfect, 0 = chance).")
    left, right = st.columns(2)
    show(F.graph_figure_from_edges(r.X, r.edges, values=r.eigenvectors[:, 1], value_name="u₂", title="Graph, "
                                   f"nodes coloured by the Fiedler vector of {KINDS[kind]}"), "spectral.fig.graph",
         left)
    left.caption(f"{r.n_edges:,} edges; the legend says how many are drawn" + f" (weights > {lab.FULL_MIN_WEIGHT:g})"
                 * (p["graph"] == "full") + (". The graph is disconnected: u₂ lies in the null space and is constant "
                 "on each component." if r.n_components > 1 else ". The sign of u₂ splits the graph in two."))
    show(F.spectrum_figure(lam, n_zero=r.n_zero, gap_index=r.suggested, log_y=p["log_y"], title=f"The {m} "
                           f"smallest eigenvalues of {KINDS[kind]}"), "spectral.fig.spectrum", right)
    right.caption(f"Eigengap heuristic: **{r.suggested}** clusters" + (" (= the multiplicity of 0: the graph is "
                  "disconnected)" if r.suggested == r.n_zero >= 2 else f" (largest gap for k ≤ {lab.MAX_CLUSTERS})")
                  + f"; the data have {r.n_classes} classes.")
    lesson.remarks(r)
    if r.labels is not None:
        left, right = st.columns([2, 3])
        show(F.embedding_figure(r.embedding, r.labels, title="Spectral embedding" + " (rows normalized)" * (
            kind == "sym")), "spectral.fig.embedding", left)
        show(F.clusters_figure(r.X, r.labels, r.labels_kmeans, titles=(f"spectral clustering (ARI {r.ari:.2f})",
             f"k-means on raw data (ARI {r.ari_kmeans:.2f})")), "spectral.fig.clusters", right)
    st.markdown("#### Checks")
    left, right = st.columns([3, 2])
    with left:
        lesson.check(*r.checks)
    show(F.solver_timing_figure([lab.SOLVER_NAMES[s] + " (failed)" * bool(x.error) for s, x in r.runs.items()],
                                [x.seconds for x in r.runs.values()], height=260, title=f"{m} smallest eigenpairs, "
                                f"n = {r.X.shape[0]}"), "spectral.fig.timing", right)
    right.caption("Times measured with time.perf_counter (one BLAS thread) when these settings were first computed; "
                  "the page shows the cached values since. Lanczos factorizes L + 10⁻³ I once (shift-invert) and wins "
                  "as n grows: compare at n = 2000 with the dense solver chosen.")
    lesson.try_this()
    self_check("A kNN graph has 3 connected components. What do you know about the spectrum of L = D − W?",
               ["λ₁ = λ₂ = λ₃ = 0 < λ₄", "only λ₁ = 0", "λ₃ = 3"], 0, "The indicator vector of each component is in "
               "the null space: the multiplicity of 0 is the number of components, and λ₄ > 0.",
               key="spectral.quiz.clustering")
    lesson.export(call_script(lab.clustering_study))


def toy_section() -> None:
    st.subheader("The 5-node toy graph of the course")
    p = lesson.controls(TOY, widths=[2.5, 2.5, 2, 2])
    r, kind, names = cached(lab.toy_study)(**p), p["laplacian"], [str(i) for i in range(1, 6)]
    lesson.numbers(r.numbers)
    lesson.remarks(r)
    left, right = st.columns(2)
    show(F.graph_figure(r.Y, r.A, values=r.eigenvectors[:, 1], value_name="u₂", node_text=names, height=380,
                        title="Nodes coloured by the Fiedler vector u₂"), "spectral.fig.toy.graph", left)
    show(F.spectrum_figure(r.eigenvalues, n_zero=r.n_zero, title=f"Spectrum of {KINDS[kind]}", height=380),
         "spectral.fig.toy.spectrum", right)
    show(F.matrices_figure({"A (adjacency)": r.A, "D (degrees)": np.diag(r.degrees), KINDS[kind].replace("W", "A"):
                            r.L}, tick_labels=names, height=330), "spectral.fig.toy.matrices")
    table = {"i": np.arange(1, 6), "λᵢ (dense eigh)": r.eigenvalues} | ({} if r.lanczos is None else {
        "λᵢ (Lanczos eigsh)": np.r_[r.lanczos, [np.nan] * (5 - r.lanczos.size)]}) | (
        {"course": S.TOY_SPECTRUM} if kind == "unnormalized" and not p["cut"] else {})
    left, right = st.columns([3, 2])
    left.dataframe(pd.DataFrame(table).style.format({k: "{:.6g}" for k in table if k != "i"}, na_rep="—"),
                   hide_index=True, width="stretch")
    with right:
        st.markdown(f"Degrees d = ({', '.join(f'{v:g}' for v in r.degrees)})")
        if kind != "unnormalized":
            st.caption("The course's {0, 1, 2, 4, 5} is the spectrum of L = D − A. The normalized Laplacians have "
                       "their eigenvalues in [0, 2].")
        lesson.check(*r.checks)
        if kind == "unnormalized":
            u = r.eigenvectors[:, 1]
            st.markdown(f"Fiedler vector u₂ = ({', '.join(f'{v:.3f}' for v in u)}): uᵀ1 = {u.sum():.1e}, "
                        f"‖u‖ = {np.linalg.norm(u):.3f}, ½uᵀLu = **{r.numbers['½uᵀLu']:.4f}** = λ₂/2.")
    st.markdown("#### The Fiedler vector by power and inverse iteration")
    show(F.iteration_figure(r.iterations, r.rates, title="Residual of the Rayleigh quotient ρ_k = u_kᵀLu_k"),
         "spectral.fig.toy.iteration")
    st.caption(" ".join(f"{k}: ρ → {it.rayleigh[-1]:.6g} in {it.residual.size - 1} iterations, measured rate "
                        f"{it.observed_rate:.3g} (theory {r.rates[k]:.3g})." for k, it in r.iterations.items())
               + " Power: u ← (cI − L)u, c = 2 max dᵢ ≥ λ_max (Gershgorin); inverse: u ← (L − sI)⁻¹u; the null "
               "vector projected out.")
    toy_compare(lesson, r.A, kind, TOY[3])
    lesson.try_this()
    lesson.export(call_script(lab.toy_study))


def semi_section() -> None:
    st.subheader("Semi-supervised learning on three rings")
    p = lesson.controls(SEMI[:4], columns=4) | lesson.controls(SEMI[4:8], widths=[3, 2, 2, 1.5])
    p |= lesson.controls(SEMI[8:], widths=[3, 5.5])
    try:
        r = semi_study(p)
    except ValueError as err:
        return st.warning(f"**These settings do not give a graph.** {err}")
    lesson.numbers(r.numbers, show=True)
    st.caption(f"{p['per_ring']} labelled points per ring (at most half a ring), drawn at random (seed {p['seed']}); "
               "accuracies on the unlabelled points. Baseline without the graph: the class of the nearest labelled "
               "point.")
    lesson.remarks(r)
    left, right = st.columns(2)
    show(F.graph_figure_from_edges(r.X, r.edges, labels=r.components % 8 if r.error else r.y, title="The graph, "
                                   f"coloured by {'connected component' if r.error else 'true ring'}"),
         "spectral.fig.semi.graph", left)
    if r.error is None:
        show(F.semi_supervised_figure(r.X, r.predicted, r.labelled, r.y[r.labelled], truth=r.y, title="Predicted "
                                      f"classes, α = {p['alpha']:g} (stars: the labels)"), "spectral.fig.semi.result",
             right)
        st.caption(f"Solved (PᵀP + αL) F = PᵀC for the three classes at once in {1e3 * r.seconds:.1f} ms ("
                   f"{'sparse LU' if p['graph'] != 'full' else 'dense LU'}, measured when computed). Each point takes "
                   "the class with the largest score.")
    lesson.try_this()
    lesson.export(call_script(lab.ring_study))


def lambda2_section() -> None:
    st.subheader("λ₂ of L_sym for three graphs on the same two clusters")
    p = lesson.controls(LAMBDA2[:4], columns=4) | lesson.controls(LAMBDA2[4:], widths=[1.3, 1.3, 1.4])
    try:
        r = cached(lab.lambda2_study)(**p)
    except ValueError as err:
        return st.warning(f"**These settings do not give the three graphs.** {err}")
    lesson.numbers(r.numbers)
    names, ref = lab.LAMBDA2_GRAPHS, S.COURSE_LAMBDA2
    rows = [{"graph": names[g], "components": r.components[g], "course λ₂": f"{ref[g]:.2g}", "computed λ₂":
             f"{v:.3g}", "same order of magnitude": "✔" if r.checks[g].passed else "✘"} for g, v in r.values.items()]
    left, right = st.columns([3, 2])
    left.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    with left:
        st.markdown("A disconnected graph has λ₂ = 0 (up to round-off, ~1e-16): the second indicator vector is in the "
                    "null space. Adding edges between the clusters lifts λ₂; the fully connected graph is the best "
                    "connected. λ₂ is the *algebraic connectivity* (Fiedler 1973).")
        lesson.remarks(r)
    show(F.lambda2_figure(list(names.values()), list(r.values.values()), list(ref.values()), height=320),
         "spectral.fig.lambda2.bars", right)
    lesson.check(*r.checks.values())
    st.caption(f"Two moons, n = {p['n']}, noise {p['noise']}, σ = {p['sigma']:g}, computed live with `two_cluster_"
               f"lambda2` ({lab.SOLVER_NAMES[p['solver']]}). The course's data are not known; these defaults reproduce "
               "its orders of magnitude.")
    for col, g in zip(st.columns(3), names):
        show(F.graph_figure_from_edges(r.X, r.edges[g], values=r.fiedler[g], value_name="u₂", height=320,
                                       title=f"{names[g]}: λ₂ = {r.values[g]:.2g}"), f"spectral.fig.lambda2.{g}", col)
    lesson.try_this()
    lesson.export(call_script(lab.lambda2_study))


{"clustering": clustering_section, "toy": toy_section, "semi": semi_section, "lambda2": lambda2_section}[section]()
lesson.finish()
