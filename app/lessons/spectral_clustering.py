"""Spectral clustering page, the clustering section's data: the data-set controls and the student's own points.

The page (``pages/spectral_clustering.py``) draws ``DATA`` and asks :func:`clustering_data` for the points (the
page's data set, or the student's own points from :func:`app.owndata.own_data`), then :func:`clustering` for the
study of those points.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from app.owndata import own_data
from app.params import SEED, Param
from numdl_core import spectral_lab as lab
from numdl_core.data import make_dataset
from numdl_core.eigensolvers import fiedler_iteration
from numdl_core.iterate import Step

__all__ = ["DATA", "GRAPH_KEYS", "clustering_data", "clustering", "TOY_METHODS", "TOY_MAXITER", "fiedler_steps",
           "toy_compare", "SEMI_KEYS", "semi_study"]

DATA = [Param("dataset", "Data set", "choice", "moons", options=("moons", "circles", "blobs", "rings"),
              widget="segmented", help="Two moons, two concentric circles, three Gaussian blobs, three noisy rings "
              "(radii 0, 2, 4)."),
        Param("n", "Points n", "int", 300, lo=20, hi=2000, step=10,
              help=f"Above {lab.DENSE_MAX} points the dense solver runs only when chosen (it takes seconds)."),
        Param("noise", "Noise", "float", 0.1, lo=0.0, hi=0.3, step=0.01, help="Gaussian noise on moons and circles; "
              "blobs: cluster std 0.5 + 5·noise; rings: radii + U[0, 10·noise]."), SEED]
GRAPH_KEYS = ("graph", "sigma", "k", "epsilon", "laplacian", "solver", "clusters", "seed")
cached = st.cache_data(max_entries=48, show_spinner=False)


def clustering_data(p: dict) -> tuple[np.ndarray, np.ndarray, str]:
    """The points to cluster and their source: the data set of ``p``, or the student's own points (the editor
    is drawn here)."""
    X, y = cached(make_dataset)(p["dataset"], p["n"], p["noise"], seed=p["seed"])
    return own_data("spectral.clustering", X, y, classes=10, min_classes=1)


def clustering(p: dict, X: np.ndarray, y: np.ndarray, source: str) -> lab.ClusteringStudy:
    """:func:`numdl_core.spectral_lab.clustering_study` of the page's data set, or
    :func:`~numdl_core.spectral_lab.cluster_points` of the student's (``source`` other than ``"page"``)."""
    if source == "page":
        return cached(lab.clustering_study)(**{k: v for k, v in p.items() if k != "log_y"})
    return cached(lab.cluster_points)(X, y, **{k: p[k] for k in GRAPH_KEYS})


TOY_METHODS = {"power": "power iteration", "inverse": "inverse iteration"}
TOY_MAXITER = 300  # fiedler_iteration's default cap


def fiedler_steps(A: np.ndarray, *, kind: str, method: str, shift: float = 0.0):
    """:func:`numdl_core.eigensolvers.fiedler_iteration` as Steps (the protocol of :mod:`numdl_core.iterate`), for
    the compare panel: the whole iteration runs at the first Step (its seconds are the method's), then Step k
    carries the residual ‖Lu_k − ρ_k u_k‖ as its loss, ρ_k and the work: k products with cI − L (power) or k pairs of
    triangular solves with the LU factors of L − sI (inverse, after one factorization)."""
    it = fiedler_iteration(A, kind=kind, method=method, shift=shift, maxiter=TOY_MAXITER)
    for k, (rho, r) in enumerate(zip(it.rayleigh, it.residual)):
        yield Step(k, it.u, float(r), float(r), {"work": float(k), "rayleigh": float(rho)})


def toy_compare(lesson, A: np.ndarray, kind: str, shift: Param):
    """The compare panel of the toy-graph section: A = power iteration, B = inverse iteration at the page's shift,
    on the page's graph ``A`` (with or without the edge 2–5) and Laplacian ``kind``, to fiedler_iteration's
    tolerance (residual ≤ 1e-12 c)."""
    from app.compare import Setup
    from app.live import Solver

    def make(q: dict) -> Setup:
        method, s = q["method"], q["shift"]  # bound here: Solver fills a method's keywords from the page's params
        return Setup(Solver(lambda: fiedler_steps(A, kind=kind, method=method, shift=s)))

    params = [Param("method", "Iteration", "choice", "power", options=tuple(TOY_METHODS), labels=TOY_METHODS), shift]
    return lesson.compare("fiedler", make, params, {"method": "inverse"}, max_iter=TOY_MAXITER,
                          value_label="final residual", y_title="‖Lu_k − ρ_k u_k‖",
                          work_label="products with cI − L or LU solves",
                          note="The shift acts on inverse iteration only. Inverse iteration also pays one LU "
                               "factorization of L − sI (5 × 5 here) before its first solve.")


SEMI_KEYS = ("seed", "per_ring", "graph", "sigma", "k", "epsilon", "laplacian", "alpha")


def semi_study(p: dict) -> lab.RingStudy:
    """The semi-supervised section's study: :func:`numdl_core.spectral_lab.ring_study` of the page's rings, or
    :func:`numdl_core.spectral_lab.semi_supervised_points` of the student's own labelled points (the editor is drawn here, key ``spectral.semi``)."""
    X, y = cached(make_dataset)("rings", p["n"], p["noise"], seed=p["seed"])
    X, y, source = own_data("spectral.semi", X, y, classes=5, min_classes=2, max_points=1500)
    if source == "page":
        return cached(lab.ring_study)(**p)
    kw = {k: p[k] for k in SEMI_KEYS}
    return cached(lab.semi_supervised_points)(X, y, per_class=kw.pop("per_ring"), **kw)


