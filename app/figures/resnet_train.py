"""Figures of the live ResNet training (app/lessons/residual_networks_train.py): the features of a few points at
selected layers, drawn side by side in one common plane, and the growth per layer |R(hλ)| of the network.

Numbers in, plotly figure out; both are redrawn in every live frame, so they are built in one
``Figure(data, layout)`` call (app.style.fast_figure) with float32 arrays (app.figures.common.compact).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact
from app.style import base_layout, color, fast_figure

__all__ = ["features_figure", "growth_figure"]


def _levels(P: np.ndarray, extra: float | None = None) -> tuple[np.ndarray, float, float]:
    """Coordinates as uint8 levels 0..255 on one common scale for both axes (the panels have no tick labels, so
    only the geometry matters), and the offset and scale: level = (value - offset) / scale."""
    ok = np.all(np.isfinite(P), axis=1)
    lo = P[ok].min(axis=0) if np.any(ok) else np.zeros(2)
    span = float(np.max(P[ok].max(axis=0) - lo)) if np.any(ok) else 0.0
    scale = span / 255.0 if span > 0 else 1.0
    Q = np.clip(np.round((np.where(ok[:, None], P, lo) - lo) / scale), 0, 255).astype(np.uint8)
    return Q, float(lo[0]), scale


def _title(text: str, x: float) -> dict:
    """A panel title above the panels, centred at ``x`` (paper coordinates)."""
    return dict(text=text, x=x, y=1.02, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                showarrow=False)


def features_figure(panels: Sequence[tuple[str, np.ndarray]], y: Sequence[int], *, n_classes: int | None = None,
                    boundary: float | None = None, paths: np.ndarray | None = None,
                    path_classes: Sequence[int] | None = None, title: str | None = None, height: int = 290,
                    marker_size: float = 4) -> go.Figure:
    """Small multiples: the same points at several layers, one panel each, coloured by class.

    Light enough for every live frame: one trace per panel, its coordinates sent as uint8 levels on a common scale
    for both axes (the panels show no tick values, only the geometry) and the classes as uint8 colour levels.

    Parameters
    ----------
    panels : [(panel title, P)]
        ``P`` of shape ``(m, 2)``: the coordinates of the ``m`` points in that panel (e.g. the input, or the
        features of layer j projected on the plane of ``numdl_core.resnet_classifier.feature_projection``).
        Non-finite coordinates are left out.
    y : ndarray of int, shape (m,)
        Classes ``0..C-1`` of the points.
    n_classes : int, optional
        Number of classes (default from ``y``): keeps the colours fixed (those of the decision map).
    boundary : float, optional
        A dashed vertical line at this abscissa in the last panel of ``panels`` (two classes: where the softmax
        layer's decision changes along the first axis).
    paths : ndarray, shape (L, p, 2), optional
        The routes of ``p`` points through ``L`` layers (e.g. the features of layers 0, ..., N projected), drawn in
        an extra panel on the right: one grey line per point (float32 with breaks between the points), a ring in
        the point's class colour at the start and a dot at the end.
    path_classes : ndarray of int, shape (p,), optional
        Classes of the ``p`` points of ``paths`` (required with ``paths``).

    Notes
    -----
    A residual network moves every point continuously from layer to layer (forward Euler of
    :math:`\\dot Y = \\sigma(YK(t) + b(t))`): the classifier only has to separate the last panel linearly
    (Haber and Ruthotto, Inverse Problems 34 (2018), the path-planning view).
    """
    y = np.asarray(y).astype(int).ravel()
    C = int(n_classes) if n_classes else int(y.max(initial=0)) + 1
    if y.size and (y.min() < 0 or y.max() >= C):
        raise ValueError(f"y must lie in 0..{C - 1}")
    if paths is not None:
        paths = np.asarray(paths, dtype=float)
        pc = np.asarray(path_classes).astype(int).ravel() if path_classes is not None else None
        if paths.ndim != 3 or paths.shape[2] != 2 or pc is None or pc.size != paths.shape[1]:
            raise ValueError("paths must have shape (L, p, 2) and path_classes shape (p,)")
        if pc.size and (pc.min() < 0 or pc.max() >= C):
            raise ValueError(f"path_classes must lie in 0..{C - 1}")
    k = max(len(panels) + (paths is not None), 1)
    gap = 0.03
    layout = base_layout(title, height=height)
    layout.pop("xaxis", None)
    layout.pop("yaxis", None)
    layout["annotations"] = []
    layout["showlegend"] = False
    layout["plot_bgcolor"] = "#f4f4f4"  # every panel a light grey card: no axis lines to send
    scale = [color(c) for c in range(C)]
    # one colour axis for every trace: class k -> a flat band of the colour of class k (sent once, in the layout)
    layout["coloraxis"] = dict(colorscale=[[v, scale[i]] for i in range(C) for v in (i / C, (i + 1) / C)],
                               cmin=-0.5, cmax=C - 0.5, showscale=False)
    data, last = [], None
    for i, (name, P) in enumerate(panels):
        P = np.asarray(P, dtype=float)
        if P.shape != (y.size, 2):
            raise ValueError(f"panel {name!r}: coordinates must have shape ({y.size}, 2), got {P.shape}")
        ok = np.all(np.isfinite(P), axis=1)
        Q, x0, s = _levels(P[ok]) if np.any(ok) else (np.zeros((0, 2), np.uint8), 0.0, 1.0)
        last = (x0, s)
        sx = "" if i == 0 else str(i + 1)
        lo, hi = i / k + gap / 2, (i + 1) / k - gap / 2
        layout[f"xaxis{sx}"] = dict(visible=False, range=[-8, 263], domain=[lo, hi], anchor=f"y{sx}")
        layout[f"yaxis{sx}"] = dict(visible=False, range=[-8, 263], anchor=f"x{sx}")
        layout["annotations"].append(_title(name, (lo + hi) / 2))
        data.append(dict(type="scatter", x=Q[:, 0], y=Q[:, 1], mode="markers", name=name, xaxis=f"x{sx}",
                         yaxis=f"y{sx}", hoverinfo="skip",
                         marker=dict(color=y[ok].astype(np.uint8), coloraxis="coloraxis",
                                     size=marker_size)))
    if paths is not None:
        i = len(panels)
        sx = "" if i == 0 else str(i + 1)
        lo, hi = i / k + gap / 2, (i + 1) / k - gap / 2
        layout[f"xaxis{sx}"] = dict(visible=False, domain=[lo, hi], anchor=f"y{sx}")
        layout[f"yaxis{sx}"] = dict(visible=False, anchor=f"x{sx}")
        layout["annotations"].append(_title("paths through the layers", (lo + hi) / 2))
        L, p = paths.shape[:2]
        line = np.concatenate([paths.transpose(1, 0, 2), np.full((p, 1, 2), np.nan)], axis=1).reshape(-1, 2)
        data.append(dict(type="scatter", x=compact(line[:, 0]), y=compact(line[:, 1]), mode="lines",
                         xaxis=f"x{sx}", yaxis=f"y{sx}", hoverinfo="skip", name="paths",
                         line=dict(color="#999", width=1)))
        for j, sym in ((0, "circle-open"), (L - 1, "circle")):  # start and end of every path, in class colours
            data.append(dict(type="scatter", x=compact(paths[j, :, 0]), y=compact(paths[j, :, 1]), mode="markers",
                             xaxis=f"x{sx}", yaxis=f"y{sx}", hoverinfo="skip", name="start" if j == 0 else "end",
                             marker=dict(color=pc.astype(np.uint8), coloraxis="coloraxis",
                                         size=marker_size + 2, symbol=sym)))
    if boundary is not None and np.isfinite(boundary) and panels and last is not None:
        sx = "" if len(panels) == 1 else str(len(panels))
        xb = float(np.clip((boundary - last[0]) / last[1], -8, 263))
        layout["shapes"] = [dict(type="line", xref=f"x{sx}", yref=f"y{sx} domain", x0=xb, x1=xb, y0=0, y1=1,
                                 line=dict(color="#444", dash="dash", width=1))]
    layout["margin"] = dict(l=10, r=10, t=56 if title else 30, b=10)
    return fast_figure(data, layout)


def growth_figure(growth: Sequence[float], *, start: Sequence[float] | None = None, title: str | None = None,
                  height: int = 300) -> go.Figure:
    """The growth factor per layer :math:`\\max_i |R(h\\lambda_i(K_j))|` against the layer ``j`` (now, and
    dotted at the start), with the stability bound 1 dashed: above it the linearized layer amplifies.

    Parameters
    ----------
    growth : array of float, shape (N,)
        Per layer (e.g. ``ResNetClassifier.amplification(theta)``); non-finite values are gaps.
    start : array of float, shape (N,), optional
        The same at the start of the run.

    Notes
    -----
    :math:`R(z) = 1 + z` for forward Euler; a product of factors above 1 over many layers grows geometrically
    (Hairer, Nørsett and Wanner, *Solving ODEs I*, Sec. IV.2; Haber and Ruthotto 2018).
    """
    g = np.asarray(growth, dtype=float).ravel()
    j = np.arange(g.size)
    data = []
    if start is not None:
        s = np.asarray(start, dtype=float).ravel()
        data.append(dict(type="scatter", x=compact(np.arange(s.size)), y=compact(s), mode="lines", name="start",
                         line=dict(color=color(0), width=1.5, dash="dot")))
    data.append(dict(type="scatter", x=compact(j), y=compact(g), mode="lines+markers", name="now",
                     line=dict(color=color(0), width=2), marker=dict(size=4)))
    layout = base_layout(title, x_title="layer j", y_title="max |R(hλ(K_j))|", height=height)
    layout["shapes"] = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=1.0, y1=1.0,
                             line=dict(color="#888", dash="dash", width=1))]
    if g.size <= 15:
        layout["xaxis"]["dtick"] = 1
    layout["legend"] = dict(orientation="h", x=1.0, xanchor="right", y=1.02, yanchor="bottom")  # beside the title
    return fast_figure(data, layout)
