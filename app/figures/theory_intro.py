"""Figures of the introduction to theory (pages/intro_theory.py): a one-hidden-layer fit and its error against
width, the optimizer race over the contours of a 2-D test function, and the autoencoder's curve against PCA's line.

The race and the autoencoder are redrawn in every frame of a live run: they are built with
:func:`app.style.fast_figure`, paths are decimated and sent as float32, and the contours are uint8 levels on a
small grid computed once per problem (cached by the page).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact
from app.style import BLACK, base_layout, color, fast_figure

__all__ = ["contour_levels", "fit_figure", "width_figure", "race_figure", "path_points", "autoencoder_figure"]

PATH_HEAD = 40  # every iterate of the first PATH_HEAD iterations is drawn (the zigzags), then PATH_TAIL more
PATH_TAIL = 20
GREYS = [[0.0, "#d9d9d9"], [1.0, "#525252"]]  # contour lines, light near the minimum (explicit: sent as is)


def contour_levels(F: np.ndarray, f_min: float) -> np.ndarray:
    """``F`` as uint8 levels of ``log10(F - f_min + 1e-3)`` (0 .. 255): small on the wire, contours stay even."""
    L = np.log10(np.maximum(np.asarray(F, dtype=float) - f_min, 0.0) + 1e-3)
    lo, hi = float(np.min(L)), float(np.max(L))
    return np.round(255 * (L - lo) / max(hi - lo, 1e-12)).astype(np.uint8)


def path_points(P: np.ndarray) -> np.ndarray:
    """A trajectory for drawing: finite points inside ±1e6, the first :data:`PATH_HEAD`, then :data:`PATH_TAIL`
    evenly spaced ones and the last."""
    P = np.asarray(P, dtype=float).reshape(-1, 2)
    P = P[np.all(np.isfinite(P), axis=1) & np.all(np.abs(P) < 1e6, axis=1)]
    if len(P) <= PATH_HEAD + PATH_TAIL:
        return P
    tail = np.unique(np.linspace(PATH_HEAD, len(P) - 1, PATH_TAIL).astype(int))
    return np.vstack([P[:PATH_HEAD], P[tail]])


def _below(layout: dict) -> dict:
    """The legend below the x-axis title (not over it)."""
    layout["legend"] = dict(layout["legend"], y=-0.24)
    layout["margin"] = dict(layout["margin"], b=80)
    return layout


def fit_figure(x: np.ndarray, y: np.ndarray, fit: np.ndarray, *, nodes: tuple | None = None,
               title: str | None = None) -> go.Figure:
    """The target (grey), the network's fit (blue) and, for a drawn curve, its control points."""
    data = [dict(type="scatter", x=compact(x), y=compact(y), mode="lines", name="target f(x)",
                 line=dict(color="#888", width=3)),
            dict(type="scatter", x=compact(x), y=compact(fit), mode="lines", name="one hidden layer",
                 line=dict(color=color(0), width=2))]
    if nodes is not None:
        data.append(dict(type="scatter", x=list(nodes[0]), y=list(nodes[1]), mode="markers", name="control points",
                         marker=dict(color=BLACK, size=8)))
    return go.Figure(data=data, layout=_below(base_layout(title, x_title="x", y_title="f(x)", height=380)))


def width_figure(widths: np.ndarray, rms: np.ndarray, max_error: np.ndarray, slope: float, intercept: float, *,
                 current: int | None = None, title: str | None = None) -> go.Figure:
    """Error against width on log-log axes with the fitted line ``10**intercept * m**slope``."""
    w = np.asarray(widths, dtype=float)
    pos = lambda v: np.where(np.asarray(v) > 0, v, np.nan)  # noqa: E731 - log axes
    data = [dict(type="scatter", x=w, y=pos(rms), mode="lines+markers", name="rms error",
                 line=dict(color=color(0), width=2)),
            dict(type="scatter", x=w, y=pos(max_error), mode="lines+markers", name="max error",
                 line=dict(color=color(1), width=2, dash="dot")),
            dict(type="scatter", x=w[w >= 8], y=10 ** intercept * w[w >= 8] ** slope, mode="lines",
                 name=f"fitted slope {slope:.2f}", line=dict(color=BLACK, width=1, dash="dash"))]
    layout = _below(base_layout(title, x_title="width m (hidden units)", y_title="error", log_x=True, log_y=True,
                                height=380))
    if current is not None:
        layout["shapes"] = [dict(type="line", x0=current, x1=current, yref="paper", y0=0, y1=1,
                                 line=dict(color="#aaa", dash="dot"))]
    return go.Figure(data=data, layout=layout)


def race_figure(gx: np.ndarray, gy: np.ndarray, levels: np.ndarray, paths: Mapping[str, np.ndarray],
                minimizers: np.ndarray, *, title: str | None = None, height: int = 460) -> go.Figure:
    """Contours (uint8 levels on the grid ``gx`` x ``gy``), each optimizer's path (a colour per name, its current
    point as a larger marker) and the minimizers (stars)."""
    data = [dict(type="contour", x=compact(gx), y=compact(gy), z=levels, ncontours=18, showscale=False,
                 contours=dict(coloring="lines"), colorscale=GREYS, line=dict(width=1), hoverinfo="skip",
                 name="f", showlegend=False)]
    for i, (name, P) in enumerate(paths.items()):
        P = path_points(P)
        if not len(P):
            continue
        data.append(dict(type="scatter", x=compact(P[:, 0]), y=compact(P[:, 1]), mode="lines", name=name,
                         line=dict(color=color(i), width=2), legendgroup=name))
        data.append(dict(type="scatter", x=[float(P[-1, 0])], y=[float(P[-1, 1])], mode="markers", showlegend=False,
                         legendgroup=name, marker=dict(color=color(i), size=10, line=dict(color="white", width=1))))
    M = np.asarray(minimizers, dtype=float)
    data.append(dict(type="scatter", x=M[:, 0].tolist(), y=M[:, 1].tolist(), mode="markers", name="minimum",
                     marker=dict(symbol="star", size=14, color=BLACK)))
    layout = base_layout(title, x_title="x₁", y_title="x₂", height=height)
    layout["xaxis"].update(range=[float(gx[0]), float(gx[-1])], zeroline=False)
    layout["yaxis"].update(range=[float(gy[0]), float(gy[-1])], zeroline=False)
    return fast_figure(data, layout)


def autoencoder_figure(X: np.ndarray, curve: np.ndarray | None, line: np.ndarray, *, title: str | None = None,
                       height: int = 440) -> go.Figure:
    """The data (grey dots), the autoencoder's curve (its decoder over the codes' range, blue) and PCA's line
    (orange); 3-D data as a 3-D scatter."""
    X = np.asarray(X, dtype=float)
    three = X.shape[1] == 3
    kind = "scatter3d" if three else "scatter"

    def trace(P, name, **style):
        d = dict(type=kind, x=compact(P[:, 0]), y=compact(P[:, 1]), name=name, **style)
        if three:
            d["z"] = compact(P[:, 2])
        return d

    data = [trace(X, "data", mode="markers", marker=dict(color="#999", size=3 if three else 5))]
    if curve is not None and np.all(np.isfinite(curve)):
        data.append(trace(curve, "autoencoder curve", mode="lines", line=dict(color=color(0), width=4)))
    data.append(trace(line, "PCA line", mode="lines", line=dict(color=color(1), width=3, dash="dash" if not three
                                                                 else "solid")))
    layout = base_layout(title, x_title="x₁", y_title="x₂", height=height)
    if three:
        layout.pop("xaxis"), layout.pop("yaxis")
        layout["scene"] = dict(aspectmode="data", xaxis=dict(title=dict(text="x₁")),
                               yaxis=dict(title=dict(text="x₂")), zaxis=dict(title=dict(text="x₃")))
        layout["margin"] = dict(l=0, r=0, t=40 if title else 10, b=10)
    else:
        layout["yaxis"].update(scaleanchor="x", scaleratio=1)
    return fast_figure(data, layout)
