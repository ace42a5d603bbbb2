"""Figures of the tractable-landscapes page (pages/landscapes.py): weight movement against the width on log-log
axes with the fitted slope and the slope -1/2 of Du et al. (2019), and a 2-D loss landscape (quantized contours)
with its classified critical points and optimizer paths (redrawn in every live frame of the saddle section).

Numbers in, plotly figure out; built in one ``Figure(data, layout)`` call (app.style.fast_figure), coordinates as
float32 (app.figures.common.compact), the landscape as uint8 levels.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, positive
from app.style import BLACK, base_layout, color, fast_figure

__all__ = ["movement_figure", "landscape_figure", "levels"]

# marker of each kind of critical point: (symbol, colour)
KINDS = {"global minimum": ("star", "#009E73"), "spurious minimum": ("x", "#D55E00"),
         "strict saddle": ("diamond", "#E69F00"), "maximum": ("triangle-up", "#CC79A7"),
         "degenerate": ("circle-open", "#000000")}


_SCALE = [[0.0, "#2171b5"], [0.35, "#9ecae1"], [1.0, "#f7fbff"]]  # low loss dark blue (explicit: no name lookup)


def levels(Z: np.ndarray, n: int = 24) -> np.ndarray:
    """``Z`` as uint8 levels 0..n-1 of log(1 + Z - min Z) (non-finite values: the top level)."""
    Z = np.asarray(Z, dtype=float)
    ok = np.isfinite(Z)
    if not ok.any():
        return np.zeros(Z.shape, dtype=np.uint8)
    L = np.log1p(np.where(ok, Z, np.nanmax(np.where(ok, Z, -np.inf))) - Z[ok].min())
    top = L.max()
    q = np.zeros(Z.shape) if top <= 0 else np.floor(L / top * (n - 1) + 0.5)
    return np.clip(q, 0, n - 1).astype(np.uint8)


def movement_figure(widths: Sequence[float], curves: Mapping[str, Sequence[float]], *, slope: float | None = None,
                    title: str | None = None, height: int = 400) -> go.Figure:
    """Weight movement against the width m (log-log): one line per measure, the fitted power law of the first
    (``slope``) and a dotted reference ∝ m^(-1/2) through its first point."""
    m = np.asarray(widths, dtype=float)
    data = []
    for i, (name, y) in enumerate(curves.items()):
        data.append(dict(type="scatter", mode="lines+markers", name=name, x=compact(m), y=compact(positive(y)),
                         line=dict(color=color(i), width=2), marker=dict(size=7)))
    first = positive(next(iter(curves.values()), [np.nan]))
    ok = np.isfinite(first)
    if m.size and ok.any():
        i0 = int(np.argmax(ok))
        data.append(dict(type="scatter", mode="lines", name="∝ m^(−1/2) (Du et al.)", x=compact(m),
                         y=compact(first[i0] * (m / m[i0]) ** -0.5), hoverinfo="skip",
                         line=dict(color="#999", width=1.5, dash="dot")))
        if slope is not None and np.isfinite(slope) and ok.sum() >= 2:
            c = np.mean(np.log(first[ok]) - slope * np.log(m[ok]))
            data.append(dict(type="scatter", mode="lines", name=f"fit: slope {slope:.3f}", x=compact(m),
                             y=compact(np.exp(c) * m ** slope), hoverinfo="skip",
                             line=dict(color=BLACK, width=1, dash="dash")))
    layout = base_layout(title, x_title="width m", y_title="movement after training", log_x=True, log_y=True,
                         height=height)
    layout["legend"] = dict(layout["legend"], y=-0.24)
    layout["margin"] = dict(layout["margin"], b=90)
    return fast_figure(data, layout)


def landscape_figure(t: Sequence[float], Z: np.ndarray, *, points: Sequence[tuple] = (),
                     paths: Mapping[str, np.ndarray] | None = None, title: str | None = None,
                     height: int = 460) -> go.Figure:
    """A loss on a square grid as filled contours of uint8 levels (``Z[j, i]`` at ``(t[i], t[j])``, levels of
    log(1 + f − min f)), critical points ``(x, y, kind, value)`` marked by kind, and optimizer ``paths``
    ``{name: array (k, 2)}`` (non-finite or far-away points left out)."""
    t = np.asarray(t, dtype=float)
    data = [dict(type="contour", x=compact(t), y=compact(t), z=levels(Z), colorscale=_SCALE,
                 showscale=False, contours=dict(coloring="fill", showlines=True), line=dict(width=0.5),
                 hoverinfo="skip", name="log(1 + f − min f)")]
    for kind, (symbol, c) in KINDS.items():
        pts = [p for p in points if p[2] == kind]
        if pts:
            data.append(dict(type="scatter", mode="markers", name=kind, x=compact([p[0] for p in pts]),
                             y=compact([p[1] for p in pts]), text=[f"f = {p[3]:.4g}" for p in pts],
                             marker=dict(symbol=symbol, size=13, color=c, line=dict(color=BLACK, width=1))))
    lo, hi = (float(t[0]), float(t[-1])) if t.size else (0.0, 1.0)
    for i, (name, P) in enumerate((paths or {}).items()):
        P = np.asarray(P, dtype=float).reshape(-1, 2)
        P = P[np.all(np.isfinite(P), axis=1) & np.all(np.abs(P) < 10 * (1 + abs(hi) + abs(lo)), axis=1)]
        data.append(dict(type="scatter", mode="lines+markers", name=name, x=compact(P[:, 0]), y=compact(P[:, 1]),
                         line=dict(color=color(i), width=2), marker=dict(size=3)))
    layout = base_layout(title, x_title="u₁", y_title="u₂", height=height)
    layout["xaxis"].update(range=[lo, hi], zeroline=False, constrain="domain")
    layout["yaxis"].update(range=[lo, hi], zeroline=False, scaleanchor="x", scaleratio=1, constrain="domain")
    layout["legend"] = dict(layout["legend"], y=-0.18)
    return fast_figure(data, layout)
