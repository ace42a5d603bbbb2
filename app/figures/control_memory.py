"""Figures of the optimal-control page's "memory" and "paths" sections (app/lessons/optimal_control_memory.py):
memory and time of stored states / checkpointing / reversing against the depth (log-log), and the path-planning
view (the features at t = 0, T/4, ..., T with the linear decision boundary at T, redrawn in every live frame).

Numbers in, plotly figure out; the live one is built in one ``Figure(data, layout)`` call (app.style.fast_figure)
with float32 coordinates (app.figures.common.compact).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, positive
from app.style import axis, base_layout, color, fast_figure

__all__ = ["scaling_figure", "paths_figure"]

_LEVELS = 4000  # quantization levels across the longer side of a paths panel
_AXIS_NO_TITLE = {k: v for k, v in axis(None).items() if v is not None}


def scaling_figure(N: Sequence[int], curves: Mapping[str, Sequence[float]], *, y_title: str,
                   title: str | None = None, slopes: Mapping[str, float] | None = None,
                   height: int = 400) -> go.Figure:
    """Quantities against the depth N on log-log axes, one line per regime; ``slopes`` adds dotted reference
    lines c·N^p through the first point of the first curve (label: "∝ N^p")."""
    N = np.asarray(N, dtype=float)
    data = []
    for i, (name, y) in enumerate(curves.items()):
        data.append(dict(type="scatter", mode="lines+markers", name=name, x=compact(N),
                         y=compact(positive(y)), line=dict(color=color(i), width=2), marker=dict(size=6)))
    first = positive(next(iter(curves.values()), [np.nan]))
    for k, (label, p) in enumerate((slopes or {}).items()):
        if N.size and np.isfinite(first[0]):
            data.append(dict(type="scatter", mode="lines", name=label, x=compact(N),
                             y=compact(first[0] * (N / N[0]) ** p), hoverinfo="skip",
                             line=dict(color="#999", width=1, dash=("dot", "dash", "dashdot")[k % 3])))
    layout = base_layout(title, x_title="depth N (layers)", y_title=y_title, log_x=True, log_y=True, height=height)
    layout["legend"] = dict(layout["legend"], y=-0.28)  # below the axis title
    layout["margin"] = dict(layout["margin"], b=90)
    return fast_figure(data, layout)


def _boundary(normal: np.ndarray, offset: float, lo: np.ndarray, hi: np.ndarray) -> tuple[list, list]:
    """The segment of {z : z·normal + offset = 0} inside the box [lo, hi] (empty lists when it misses it)."""
    a, b = float(normal[0]), float(normal[1])
    pts = []
    if abs(b) > 1e-12:
        for x in (lo[0], hi[0]):
            y = -(offset + a * x) / b
            if lo[1] <= y <= hi[1]:
                pts.append((x, y))
    if abs(a) > 1e-12:
        for y in (lo[1], hi[1]):
            x = -(offset + b * y) / a
            if lo[0] <= x <= hi[0]:
                pts.append((x, y))
    if len(pts) < 2:
        return [], []
    (x0, y0), (x1, y1) = pts[0], max(pts[1:], key=lambda p: (p[0] - pts[0][0]) ** 2 + (p[1] - pts[0][1]) ** 2)
    return [x0, x1], [y0, y1]


def paths_figure(panels: Sequence[tuple[str, np.ndarray]], y: np.ndarray, *, n_classes: int = 2,
                 boundary: tuple[np.ndarray, float] | None = None, title: str | None = None,
                 height: int = 340, marker_size: int = 5) -> go.Figure:
    """Side-by-side scatter panels of 2-D features (one ``(label, Z)`` per panel, ``Z`` of shape (m, 2)), coloured
    by the labels ``y``; ``boundary = (normal, offset)`` draws the line z·normal + offset = 0 in the last panel.
    Each panel has its own axes (the features move and stretch), equal aspect, no tick labels: the coordinates
    go out as uint16 levels after a per-panel affine map with one scale for x and y (2 bytes per number instead
    of 4; 1/4000 of the panel, below a pixel)."""
    k = len(panels)
    gap = 0.03
    width = (1.0 - gap * (k - 1)) / max(k, 1)
    data: list[dict] = []
    layout = base_layout(title, height=height)
    layout["margin"] = dict(l=30, r=10, t=80 if title else 50, b=30)
    layout["annotations"] = []
    y = np.asarray(y)
    for i, (label, Z) in enumerate(panels):
        Z = np.asarray(Z, dtype=float)
        ok = np.all(np.isfinite(Z), axis=1)
        lo = Z[ok].min(axis=0) if ok.any() else np.zeros(2)
        span = float(np.max(Z[ok].max(axis=0) - lo)) if ok.any() else 1.0
        scale = _LEVELS / max(span, 1e-12)  # one scale for x and y: the picture keeps its aspect
        Q = np.round((np.where(ok[:, None], Z, lo) - lo) * scale).astype(np.uint16)
        xa, ya = ("x", "y") if i == 0 else (f"x{i + 1}", f"y{i + 1}")
        xk, yk = ("xaxis", "yaxis") if i == 0 else (f"xaxis{i + 1}", f"yaxis{i + 1}")
        x0 = i * (width + gap)
        layout[xk] = dict(_AXIS_NO_TITLE, domain=[x0, x0 + width], showticklabels=False, zeroline=False,
                          showgrid=False)
        layout[yk] = dict(_AXIS_NO_TITLE, anchor=xa, showticklabels=False, zeroline=False, showgrid=False,
                          scaleanchor=xa, scaleratio=1)
        if i:
            layout[xk]["anchor"] = ya
        layout["annotations"].append(dict(text=label, x=x0 + width / 2, y=1.0, xref="paper", yref="paper",
                                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=12)))
        for c in range(n_classes):
            P = Q[(y == c) & ok]
            data.append(dict(type="scatter", mode="markers", name=f"class {c}", legendgroup=f"c{c}",
                             showlegend=i == 0, x=P[:, 0], y=P[:, 1], xaxis=xa, yaxis=ya,
                             marker=dict(color=color(c), size=marker_size, line=dict(width=0)),
                             hoverinfo="skip"))
        if boundary is not None and i == k - 1 and ok.any():
            hi = Z[ok].max(axis=0)
            pad = 0.1 * np.maximum(hi - lo, 1e-6)
            bx, by = _boundary(np.asarray(boundary[0], dtype=float), float(boundary[1]), lo - pad, hi + pad)
            data.append(dict(type="scatter", mode="lines", name="linear decision boundary at T",
                             x=[round((v - lo[0]) * scale, 1) for v in bx],
                             y=[round((v - lo[1]) * scale, 1) for v in by], xaxis=xa, yaxis=ya,
                             line=dict(color="#000", width=2, dash="dash"), hoverinfo="skip"))
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.02, xanchor="left", x=0)
    return fast_figure(data, layout)
