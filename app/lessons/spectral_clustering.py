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

__all__ = ["DATA", "GRAPH_KEYS", "clustering_data", "clustering"]

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
