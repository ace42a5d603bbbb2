"""Figures of the spectral-clustering page: the graph, the Laplacian spectrum, the spectral embedding,
spectral clustering next to k-means, small matrices as heatmaps, semi-supervised labels and solver timings.

Plain functions: numbers in (numpy arrays, scipy.sparse matrices, floats), ``plotly.graph_objects.Figure``
out. No Streamlit here.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from app.figures.common import convergence_figure
from app.style import BLACK, DIVERGING, VERMILLION, color, new_figure
from numdl_core.spectral import edge_list

__all__ = [
    "graph_edges",
    "match_labels",
    "graph_figure",
    "graph_figure_from_edges",
    "spectrum_figure",
    "embedding_figure",
    "clusters_figure",
    "matrix_heatmap",
    "matrices_figure",
    "semi_supervised_figure",
    "solver_timing_figure",
    "lambda2_figure",
    "iteration_figure",
]

MAX_EDGES = 5000  # the graph figure draws at most this many edges (the heaviest), to keep redraws light
WEBGL_POINTS = 1000  # more points than this: WebGL scatter
EDGE_COLOR = "rgba(120,120,120,0.45)"


def _scatter(n: int):
    return go.Scattergl if n > WEBGL_POINTS else go.Scatter


def _points(X, name: str = "X") -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"{name} must have shape (n, 2) (2-D points as rows), got {X.shape}")
    return X[:, :2]


def _labels(labels, n: int, name: str = "labels") -> np.ndarray:
    lab = np.asarray(labels).ravel()
    if lab.size != n:
        raise ValueError(f"{name} must have one entry per point ({n}), got {lab.size}")
    return lab.astype(np.int64)


def _new(title: str | None, **kw) -> go.Figure:
    """``app.style.new_figure`` with room between a title and the horizontal legend above the plot."""
    fig = new_figure(title, **kw)
    if title:
        fig.update_layout(margin=dict(t=80), title=dict(y=0.98, yanchor="top"))
    return fig


def _equal_aspect(fig: go.Figure, row: int | None = None, col: int | None = None, anchor: str = "x") -> None:
    kw = {} if row is None else dict(row=row, col=col)
    fig.update_yaxes(scaleanchor=anchor, scaleratio=1, **kw)


def graph_edges(
    W, *, max_edges: int = MAX_EDGES, min_weight: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Edges ``i < j`` with ``W_ij > min_weight`` of a symmetric matrix (dense or sparse):
    :func:`numdl_core.spectral.edge_list` with at most ``max_edges`` edges.

    Returns ``(i, j, w, n_total)``: at most ``max_edges`` edges, an evenly spaced (deterministic) subsample
    of the ``n_total`` edges when there are more, so that short and long edges stay represented alike.
    """
    return edge_list(W, max_edges=max_edges, min_weight=min_weight)


def match_labels(reference, labels) -> np.ndarray:
    """Relabel ``labels`` so that they agree with ``reference`` as much as possible (Hungarian method).

    Cluster numbers are arbitrary; matching them makes two panels comparable by colour.
    """
    ref = np.asarray(reference, dtype=np.int64).ravel()
    lab = np.asarray(labels, dtype=np.int64).ravel()
    if ref.size != lab.size:
        raise ValueError(f"reference and labels must have the same length, got {ref.size} and {lab.size}")
    if lab.size == 0:
        return lab
    r_vals, r_idx = np.unique(ref, return_inverse=True)
    l_vals, l_idx = np.unique(lab, return_inverse=True)
    overlap = np.zeros((l_vals.size, r_vals.size))
    np.add.at(overlap, (l_idx, r_idx), 1)
    rows, cols = linear_sum_assignment(-overlap)
    mapping = {int(l_vals[r]): int(r_vals[c]) for r, c in zip(rows, cols)}
    # labels without a partner get fresh numbers after the reference's
    nxt = int(max(r_vals.max(), l_vals.max())) + 1
    for v in l_vals:
        if int(v) not in mapping:
            mapping[int(v)] = nxt
            nxt += 1
    return np.array([mapping[int(v)] for v in lab], dtype=np.int64)


def _add_class_points(fig, X, lab, *, size=7, name="cluster", row=None, col=None, showlegend=True,
                      legendgroup_prefix="c"):
    scatter = _scatter(X.shape[0])
    kw = {} if row is None else dict(row=row, col=col)
    for c in np.unique(lab):
        m = lab == c
        fig.add_trace(scatter(x=X[m, 0], y=X[m, 1], mode="markers", name=f"{name} {c}",
                              legendgroup=f"{legendgroup_prefix}{c}", showlegend=showlegend,
                              marker=dict(color=color(int(c)), size=size, line=dict(width=0.5, color="white"))),
                      **kw)


def graph_figure(
    X,
    W,
    *,
    values=None,
    labels=None,
    value_name: str = "value",
    node_text: Sequence[str] | None = None,
    max_edges: int = MAX_EDGES,
    min_weight: float = 0.0,
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """The similarity graph: points ``X`` (n, 2) as nodes and the ``W_ij > min_weight`` as edges.

    Edges are one grey line trace with ``None`` separators; beyond ``max_edges`` an evenly spaced subsample
    is drawn (the legend says "edges (shown of total)"). For a fully connected graph pass e.g.
    ``min_weight=1e-3`` to hide the negligible weights.
    Node colour: ``values`` (a float per node, e.g. the Fiedler vector, on a diverging scale centred at 0
    with a colour bar), else ``labels`` (one palette colour per cluster, with a legend), else one colour.
    ``node_text`` writes a label next to each node (for the 5-node toy graph).
    """
    X = _points(X)
    n = X.shape[0]
    if (sp.issparse(W) or isinstance(W, np.ndarray)) and W.shape != (n, n):
        raise ValueError(f"W must be {n} x {n} (one row per point), got {W.shape}")
    i, j, _, total = graph_edges(W, max_edges=max_edges, min_weight=min_weight)
    ex = np.full(3 * i.size, np.nan, dtype=object)
    ey = np.full(3 * i.size, np.nan, dtype=object)
    ex[0::3], ex[1::3], ex[2::3] = X[i, 0], X[j, 0], None
    ey[0::3], ey[1::3], ey[2::3] = X[i, 1], X[j, 1], None
    fig = _new(title, x_title="x₁", y_title="x₂", height=height)
    edge_trace = go.Scattergl if i.size > MAX_EDGES // 2 else go.Scatter
    edge_name = f"edges ({i.size})" if i.size == total else f"edges ({i.size} of {total})"
    fig.add_trace(edge_trace(x=list(ex), y=list(ey), mode="lines", name=edge_name,
                             line=dict(color=EDGE_COLOR, width=1), hoverinfo="skip", connectgaps=False))
    scatter = _scatter(n)
    size = 12 if n <= 30 else 7 if n <= 500 else 5
    mode = "markers+text" if node_text is not None else "markers"
    text = list(node_text) if node_text is not None else None
    if text is not None and len(text) != n:
        raise ValueError(f"node_text must have one entry per point ({n}), got {len(text)}")
    if values is not None:
        v = np.asarray(values, dtype=float).ravel()
        if v.size != n:
            raise ValueError(f"values must have one entry per point ({n}), got {v.size}")
        vmax = float(np.nanmax(np.abs(v))) if np.any(np.isfinite(v)) else 1.0
        vmax = vmax if vmax > 0 else 1.0
        fig.add_trace(scatter(x=X[:, 0], y=X[:, 1], mode=mode, text=text, textposition="top right", name=value_name,
                              marker=dict(color=v, colorscale=DIVERGING, cmin=-vmax, cmax=vmax, size=size,
                                          line=dict(width=0.5, color="#444"),
                                          colorbar=dict(title=dict(text=value_name), thickness=14)),
                              hovertemplate=f"{value_name} = %{{marker.color:.3g}}<extra></extra>"))
    elif labels is not None:
        lab = _labels(labels, n)
        _add_class_points(fig, X, lab, size=size)
        if text is not None:
            fig.add_trace(go.Scatter(x=X[:, 0], y=X[:, 1], mode="text", text=text, textposition="top right",
                                     showlegend=False, hoverinfo="skip"))
    else:
        fig.add_trace(scatter(x=X[:, 0], y=X[:, 1], mode=mode, text=text, textposition="top right", name="nodes",
                              marker=dict(color=color(0), size=size, line=dict(width=0.5, color="white"))))
    _equal_aspect(fig)
    return fig


def graph_figure_from_edges(
    X,
    edges: tuple,
    *,
    values=None,
    labels=None,
    value_name: str = "value",
    node_text: Sequence[str] | None = None,
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """:func:`graph_figure` from an edge list ``edges = (i, j, w, n_total)`` as returned by :func:`graph_edges`.

    For pages that compute (and cache) the edge list once: the graph matrix is not needed again. The edges
    are one float trace with NaN separators (a NaN breaks a plotly line like ``None`` does), which builds
    about 40 times faster than the list with ``None`` separators for a few thousand edges. The legend says
    "edges (drawn of n_total)" when the list is a subsample. Nodes are coloured as in :func:`graph_figure`.
    """
    X = _points(X)
    i, j, _, total = edges
    i = np.asarray(i, dtype=np.int64).ravel()
    j = np.asarray(j, dtype=np.int64).ravel()
    if i.size != j.size:
        raise ValueError(f"edges must have as many i as j, got {i.size} and {j.size}")
    if i.size and (min(i.min(), j.min()) < 0 or max(i.max(), j.max()) >= X.shape[0]):
        raise ValueError(f"edge end points must be node indices 0..{X.shape[0] - 1}")
    total = max(int(total), int(i.size))
    fig = graph_figure(X, sp.csr_matrix((X.shape[0], X.shape[0])), values=values, labels=labels,
                       value_name=value_name, node_text=node_text, title=title, height=height)
    ex = np.full(3 * i.size, np.nan)
    ey = np.full(3 * i.size, np.nan)
    ex[0::3], ex[1::3] = X[i, 0], X[j, 0]
    ey[0::3], ey[1::3] = X[i, 1], X[j, 1]
    name = f"edges ({i.size})" if i.size == total else f"edges ({i.size} of {total})"
    fig.data[0].update(x=ex, y=ey, name=name)
    return fig


def spectrum_figure(
    eigenvalues,
    *,
    n_zero: int | None = None,
    gap_index: int | None = None,
    zero_tol: float | None = None,
    log_y: bool = False,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """The smallest eigenvalues ``lambda_1 <= ... <= lambda_m`` of a Laplacian against their index.

    Zero eigenvalues (``|lambda| <= zero_tol``, default ``1e-9 * max(1, max |lambda|)``, or the first
    ``n_zero``) are drawn in a second colour and annotated with their multiplicity (= number of connected
    components). The eigengap, the largest ``lambda_{k+1} - lambda_k`` (or the one after ``gap_index = k``),
    is shaded and annotated. ``log_y`` plots ``|lambda|`` on a log axis (exact zeros are left out), which
    shows round-off zeros such as 1e-16.
    """
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    if lam.size == 0:
        raise ValueError("spectrum_figure needs at least one eigenvalue")
    idx = np.arange(1, lam.size + 1)
    if n_zero is None:
        tol = 1e-9 * max(1.0, float(np.max(np.abs(lam)))) if zero_tol is None else float(zero_tol)
        n_zero = int(np.sum(np.abs(lam) <= tol))
    n_zero = int(max(0, min(n_zero, lam.size)))
    y = np.abs(lam) if log_y else lam
    if log_y:
        y = np.where(y > 0, y, np.nan)
    fig = _new(title, x_title="index i", y_title="|λᵢ|" if log_y else "λᵢ", log_y=log_y, height=height)
    fig.add_trace(go.Scatter(x=idx, y=y, mode="lines+markers", name="λᵢ", line=dict(color=color(0), width=1.5),
                             marker=dict(size=8, color=color(0)),
                             customdata=lam, hovertemplate="λ(%{x}) = %{customdata:.3e}<extra></extra>"))
    if n_zero:
        fig.add_trace(go.Scatter(x=idx[:n_zero], y=y[:n_zero], mode="markers", name=f"λ = 0 (× {n_zero})",
                                 marker=dict(size=12, color=VERMILLION, symbol="diamond"), hoverinfo="skip"))
        text = f"multiplicity of 0: {n_zero} (= connected components)"
        if np.isfinite(y[0]):
            y0 = float(np.log10(y[0])) if log_y else float(y[0])  # log axes place annotations by log10
            fig.add_annotation(x=1, y=y0, text=text, showarrow=True, arrowhead=2, ax=70, ay=-45,
                               xanchor="left", font=dict(size=12))
        else:
            fig.add_annotation(x=1, y=0.05, yref="paper", text=text, showarrow=False, xanchor="left",
                               font=dict(size=12))
    if lam.size >= 2:
        gaps = np.diff(lam)
        k = int(np.argmax(gaps) + 1) if gap_index is None else int(gap_index)
        if not 1 <= k <= lam.size - 1:
            raise ValueError(f"gap_index must be between 1 and {lam.size - 1}, got {gap_index}")
        fig.add_vrect(x0=k, x1=k + 1, fillcolor="rgba(230,159,0,0.18)", line_width=0)
        fig.add_trace(go.Scatter(x=[k + 0.5, k + 0.5], y=[y[k - 1], y[k]], mode="lines",
                                 name=f"eigengap λ{_sub(k + 1)} − λ{_sub(k)} = {gaps[k - 1]:.3g}",
                                 line=dict(color=BLACK, width=2, dash="dot"), hoverinfo="skip"))
        fig.add_annotation(x=k + 0.5, y=1.0, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                           text=f"gap after λ{_sub(k)} → {k} clusters", font=dict(size=12))
    fig.update_xaxes(tickmode="linear" if lam.size <= 25 else "auto", dtick=1)
    return fig


def embedding_figure(
    U,
    labels=None,
    *,
    dims: tuple[int, int] = (0, 1),
    title: str | None = None,
    height: int = 380,
) -> go.Figure:
    """Rows of the spectral embedding ``U`` (n, m) as points: column ``dims[0]`` against ``dims[1]``.

    With a single column the values are plotted against the node index. ``labels`` colours the points.
    """
    U = np.asarray(U, dtype=float)
    if U.ndim == 1:
        U = U[:, None]
    if U.ndim != 2 or U.shape[0] == 0:
        raise ValueError(f"U must have shape (n, m), got {U.shape}")
    n, m = U.shape
    if m == 1:
        P = np.c_[np.arange(n), U[:, 0]]
        xt, yt = "node index", "u₁"
    else:
        a, b = int(dims[0]), int(dims[1])
        if not (0 <= a < m and 0 <= b < m):
            raise ValueError(f"dims must be column indices of U (0..{m - 1}), got {dims}")
        P = U[:, [a, b]]
        xt, yt = f"u{_sub(a + 1)}", f"u{_sub(b + 1)}"
    fig = _new(title, x_title=xt, y_title=yt, height=height)
    if labels is None:
        fig.add_trace(_scatter(n)(x=P[:, 0], y=P[:, 1], mode="markers", name="nodes",
                                  marker=dict(color=color(0), size=6)))
    else:
        _add_class_points(fig, P, _labels(labels, n), size=6)
    if m > 1:
        _equal_aspect(fig)
    return fig


def _sub(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def clusters_figure(
    X,
    labels_left,
    labels_right,
    *,
    titles: tuple[str, str] = ("spectral clustering", "k-means on raw data"),
    match_colors: bool = True,
    title: str | None = None,
    height: int = 400,
) -> go.Figure:
    """Two panels of the same points ``X`` (n, 2): left coloured by ``labels_left``, right by ``labels_right``.

    With ``match_colors`` the right labels are renumbered to best agree with the left ones
    (:func:`match_labels`), so equal colours mean the same group.
    """
    X = _points(X)
    n = X.shape[0]
    left = _labels(labels_left, n, "labels_left")
    right = _labels(labels_right, n, "labels_right")
    if match_colors:
        right = match_labels(left, right)
    fig = new_figure(title, height=height)
    fig.set_subplots(rows=1, cols=2, subplot_titles=list(titles), horizontal_spacing=0.08)
    fig.update_layout(margin=dict(t=80 if title else 50), showlegend=False)
    _add_class_points(fig, X, left, size=6, row=1, col=1, showlegend=False)
    _add_class_points(fig, X, right, size=6, row=1, col=2, showlegend=False)
    _equal_aspect(fig, 1, 1, "x")
    _equal_aspect(fig, 1, 2, "x2")
    return fig


def matrix_heatmap(
    M,
    *,
    title: str | None = None,
    annotate: bool | None = None,
    tick_labels: Sequence[str] | None = None,
    zmax: float | None = None,
    height: int = 340,
) -> go.Figure:
    """A small matrix as a heatmap in matrix orientation (row 1 on top), diverging colours centred at 0.

    ``annotate`` writes the entries into the cells (default: for matrices up to 12 x 12).
    ``tick_labels`` names rows and columns (default 1..n, as in the course).
    """
    fig = new_figure(title, height=height)
    _add_heatmap(fig, M, annotate=annotate, tick_labels=tick_labels, zmax=zmax, showscale=True)
    fig.update_yaxes(autorange="reversed", scaleanchor="x", scaleratio=1, constrain="domain", type="category")
    fig.update_xaxes(constrain="domain", type="category")
    return fig


def _dense(M) -> np.ndarray:
    M = M.toarray() if sp.issparse(M) else np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"a matrix must be 2-D, got shape {M.shape}")
    return np.asarray(M, dtype=float)


def _add_heatmap(fig, M, *, annotate, tick_labels, zmax, showscale, row=None, col=None):
    M = _dense(M)
    r, c = M.shape
    if annotate is None:
        annotate = max(r, c) <= 12
    if zmax is None:
        zmax = float(np.max(np.abs(M))) if M.size else 1.0
        zmax = zmax if zmax > 0 else 1.0
    xl = list(tick_labels) if tick_labels is not None and len(tick_labels) == c else [str(k + 1) for k in range(c)]
    yl = list(tick_labels) if tick_labels is not None and len(tick_labels) == r else [str(k + 1) for k in range(r)]
    text = [[f"{v:.3g}" if v != 0 else "0" for v in rowv] for rowv in M] if annotate else None
    kw = {} if row is None else dict(row=row, col=col)
    fig.add_trace(go.Heatmap(z=M, x=xl, y=yl, colorscale=DIVERGING, reversescale=True, zmin=-zmax, zmax=zmax,
                             zmid=0, text=text, texttemplate="%{text}" if annotate else None,
                             showscale=showscale, colorbar=dict(thickness=12) if showscale else None,
                             hovertemplate="(%{y}, %{x}) = %{z:.4g}<extra></extra>"), **kw)


def matrices_figure(
    matrices: Mapping[str, np.ndarray],
    *,
    title: str | None = None,
    annotate: bool | None = None,
    tick_labels: Sequence[str] | None = None,
    height: int = 320,
) -> go.Figure:
    """Several small matrices side by side as heatmaps on one shared colour scale (e.g. the toy A, D, L).

    ``matrices`` maps a panel title to a matrix (dense or sparse).
    """
    if not matrices:
        raise ValueError("give at least one matrix, e.g. {'A': A, 'D': D, 'L': L}")
    names = list(matrices)
    mats = [_dense(matrices[k]) for k in names]
    zmax = max(float(np.max(np.abs(M))) if M.size else 0.0 for M in mats) or 1.0
    fig = new_figure(title, height=height)
    fig.set_subplots(rows=1, cols=len(mats), subplot_titles=names, horizontal_spacing=0.05)
    fig.update_layout(margin=dict(t=90 if title else 60))
    for k, M in enumerate(mats):
        _add_heatmap(fig, M, annotate=annotate, tick_labels=tick_labels, zmax=zmax, showscale=k == len(mats) - 1,
                     row=1, col=k + 1)
        ax = "x" if k == 0 else f"x{k + 1}"
        fig.update_yaxes(autorange="reversed", scaleanchor=ax, scaleratio=1, constrain="domain", type="category",
                         row=1, col=k + 1)
        fig.update_xaxes(constrain="domain", type="category", row=1, col=k + 1)
    return fig


def semi_supervised_figure(
    X,
    predicted,
    labelled_idx,
    labels,
    *,
    truth=None,
    title: str | None = None,
    height: int = 420,
) -> go.Figure:
    """Semi-supervised result on points ``X`` (n, 2): every point coloured by its predicted class, the labelled
    points as large stars in their given class colour. With ``truth`` the wrongly predicted points are circled.
    """
    X = _points(X)
    n = X.shape[0]
    pred = _labels(predicted, n, "predicted")
    idx = np.asarray(labelled_idx, dtype=np.int64).ravel()
    lab = np.asarray(labels, dtype=np.int64).ravel()
    if idx.size != lab.size:
        raise ValueError(f"labelled_idx and labels must have the same length, got {idx.size} and {lab.size}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"labelled_idx must lie in 0..{n - 1}")
    fig = _new(title, x_title="x₁", y_title="x₂", height=height)
    _add_class_points(fig, X, pred, size=6, name="predicted")
    for c in np.unique(lab):
        m = idx[lab == c]
        fig.add_trace(go.Scatter(x=X[m, 0], y=X[m, 1], mode="markers", name=f"labelled {c}",
                                 marker=dict(symbol="star", size=18, color=color(int(c)),
                                             line=dict(width=1.5, color=BLACK))))
    if truth is not None:
        wrong = np.flatnonzero(_labels(truth, n, "truth") != pred)
        fig.add_trace(_scatter(n)(x=X[wrong, 0], y=X[wrong, 1], mode="markers", name=f"wrong ({wrong.size})",
                                  marker=dict(symbol="circle-open", size=12, color=BLACK, line=dict(width=1.5))))
    _equal_aspect(fig)
    return fig


def solver_timing_figure(
    names: Sequence[str],
    seconds: Sequence[float],
    *,
    errors: Sequence[float] | None = None,
    title: str | None = None,
    log_y: bool = False,
    height: int = 320,
) -> go.Figure:
    """Bar chart of eigen-solver run times (seconds in, milliseconds shown), e.g. dense ``eigh`` vs ``eigsh``.

    ``errors`` (optional, e.g. ``max |lambda_dense - lambda_lanczos|``) is shown in the hover text.
    """
    names = [str(s) for s in names]
    t = np.asarray(seconds, dtype=float).ravel()
    if t.size != len(names):
        raise ValueError(f"names and seconds must have the same length, got {len(names)} and {t.size}")
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("seconds must be finite and non-negative")
    ms = 1e3 * t
    if errors is not None:
        err = np.asarray(errors, dtype=float).ravel()
        if err.size != t.size:
            raise ValueError(f"errors must have one entry per solver ({t.size}), got {err.size}")
        hover = [f"{nm}: {v:.3g} ms, error {e:.2e}" for nm, v, e in zip(names, ms, err)]
    else:
        hover = [f"{nm}: {v:.3g} ms" for nm, v in zip(names, ms)]
    fig = _new(title, x_title="solver", y_title="time [ms]", log_y=log_y, height=height)
    fig.add_trace(go.Bar(x=names, y=ms, marker_color=[color(k) for k in range(len(names))],
                         text=[f"{v:.3g} ms" for v in ms], textposition="outside", hovertext=hover,
                         hoverinfo="text", name="time"))
    fig.update_layout(showlegend=False)
    fig.update_xaxes(type="category")  # new_figure sets a linear axis
    if not log_y and ms.size:
        fig.update_yaxes(range=[0, 1.2 * float(ms.max()) if ms.max() > 0 else 1.0])
    return fig


LAMBDA2_FLOOR = 1e-18  # |lambda_2| below this (exact 0, round-off of either sign) is drawn at this height


def lambda2_figure(
    names: Sequence[str],
    computed: Sequence[float],
    reference: Sequence[float] | None = None,
    *,
    reference_name: str = "course",
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """lambda_2 of several graphs on a log axis: the computed values, next to reference values if given.

    Plots ``|lambda_2|``; a value below ``1e-18`` (an exact 0, or round-off of either sign) is drawn at that
    floor and labelled "≈ 0", so a disconnected graph (lambda_2 = 0 up to round-off) stays visible next to
    connected ones. The bars carry the signed value as text.
    """
    names = [str(s) for s in names]
    comp = np.asarray(computed, dtype=float).ravel()
    if comp.size != len(names):
        raise ValueError(f"names and computed must have the same length, got {len(names)} and {comp.size}")
    if not np.all(np.isfinite(comp)):
        raise ValueError("computed lambda_2 values must be finite")
    series = [("computed", comp)]
    if reference is not None:
        ref = np.asarray(reference, dtype=float).ravel()
        if ref.size != comp.size:
            raise ValueError(f"reference must have one value per graph ({comp.size}), got {ref.size}")
        series = [(reference_name, ref), ("computed", comp)]
    fig = _new(title, x_title="graph", y_title="|λ₂|", log_y=True, height=height)
    for k, (label, vals) in enumerate(series):
        mag = np.abs(vals)
        y = np.where(mag > LAMBDA2_FLOOR, mag, LAMBDA2_FLOOR)
        text = [f"{v:.2g}" if abs(v) > LAMBDA2_FLOOR else f"≈ 0 ({v:.0e})" for v in vals]
        fig.add_trace(go.Bar(x=names, y=y, name=label, text=text, textposition="outside",
                             marker_color=color(k if reference is not None else 1),
                             hovertemplate="%{x}: λ₂ = %{text}<extra>" + label + "</extra>"))
    fig.update_layout(barmode="group", legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0))
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[np.log10(LAMBDA2_FLOOR) - 0.5, 1.0], dtick=2)
    return fig


def iteration_figure(
    iterations: Mapping[str, object],
    rates: Mapping[str, float],
    *,
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """Residuals ``||L u_k - rho_k u_k||`` of power and inverse iteration against ``k`` on a log axis, each with its
    theory line ``r_K rate**(k - K)`` (dashed, through the last point, in the same colour).

    ``iterations`` maps ``"power"`` / ``"inverse"`` to a :class:`numdl_core.eigensolvers.FiedlerIteration` (its
    ``residual``, ``bound`` c and ``shift`` s are read); ``rates`` the same keys to the theoretical rates.
    """
    if set(rates) != set(iterations):
        raise ValueError(f"give one rate per iteration {sorted(iterations)}, got {sorted(rates)}")
    series, theory = {}, {}
    for key, it in iterations.items():
        r = np.asarray(it.residual, dtype=float).ravel()
        if r.size == 0:
            raise ValueError(f"{key}: the residual history is empty")
        name = f"{key}, c = {it.bound:g}" if key == "power" else f"{key}, s = {it.shift:g}"
        k = np.arange(r.size)
        series[name] = (k, r)
        with np.errstate(under="ignore", over="ignore", divide="ignore", invalid="ignore"):
            y = r[-1] * np.power(float(rates[key]), (k - k[-1]).astype(float))
        theory[f"{name}: theory rate {rates[key]:.3g}"] = (k, np.where(np.isfinite(y), y, np.nan))
    return convergence_figure(series, theory=theory, y_title="‖L u_k − ρ_k u_k‖", title=title, height=height)
