"""Figures of the information-bottleneck page (pages/information_bottleneck.py): the information plane
(I(X;T), I(T;Y)) of every layer over the epochs, coloured by epoch, and bars of binned estimates.

Numbers in, plotly figure out; the plane is redrawn in live frames, so it is one ``Figure(data, layout)`` call
(app.style.fast_figure) with float32 arrays (app.figures.common.compact) and at most ``MAX_POINTS`` epochs per layer.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact
from app.style import base_layout, color, fast_figure

__all__ = ["plane_figure", "bars_mi_figure"]

# Viridis at five stops, spelled out (fast_figure sends what it is given; a name would not be resolved), short
# because every layer's trace carries it
VIRIDIS = [[0.0, "#440154"], [0.25, "#3b528b"], [0.5, "#21918c"], [0.75, "#5ec962"], [1.0, "#fde725"]]
MAX_POINTS = 60  # epochs per layer in a live frame (frames <= 20 KB; two planes side by side take 30 each)


def _pick(n: int, k: int) -> np.ndarray:
    """At most ``k`` indices of ``range(n)``, log-spaced (early epochs move fastest), the last one kept."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.r_[0, np.round(np.geomspace(1, n - 1, k - 1)).astype(int)])


def plane_figure(epochs: Sequence[float], ixt: np.ndarray, ity: np.ndarray, *, h_y: float = 1.0,
                 title: str | None = None, height: int = 400, max_points: int = MAX_POINTS) -> go.Figure:
    """The information plane: one path per layer (columns of ``ixt``, ``ity``: epochs x layers), markers coloured
    by epoch (one colour bar, the scale in every trace: a shared ``coloraxis`` would be smaller but left the two
    side-by-side charts of a playing run blank in Chromium), the last epoch marked by the layer's number; at most
    ``max_points`` epochs per layer (log-spaced, the last kept)."""
    epochs = np.asarray(epochs, float)
    ixt, ity = np.atleast_2d(np.asarray(ixt, float)), np.atleast_2d(np.asarray(ity, float))
    idx = _pick(epochs.size, max_points)
    e = compact(epochs[idx]) if idx.size else []
    cmax = float(max(epochs[-1], 1.0)) if epochs.size else 1.0
    data, ends = [], []
    L = ixt.shape[1] if ixt.size else 0
    for l in range(L):
        x, y = ixt[idx, l], ity[idx, l]
        data.append(dict(type="scatter", mode="lines+markers", x=compact(x), y=compact(y), name=f"T{l + 1}",
                         line=dict(color="rgba(120,120,120,0.35)", width=1),
                         marker=dict(size=6, color=e, colorscale=VIRIDIS, cmin=0.0, cmax=cmax, showscale=l == 0,
                                     **({"colorbar": dict(title=dict(text="epoch"), thickness=12)} if l == 0 else {})),
                         showlegend=False,
                         hovertemplate="I(X;T) %{x:.3f}<br>I(T;Y) %{y:.3f}"))
        if idx.size and np.isfinite(x[-1]) and np.isfinite(y[-1]):
            ends.append((float(x[-1]), float(y[-1]), f"T{l + 1}"))
    if ends:  # the layers' names at their last epoch, in one trace
        xs, ys, names = zip(*ends)
        data.append(dict(type="scatter", mode="text", x=list(xs), y=list(ys), text=list(names),
                         textposition="top center", showlegend=False, hoverinfo="skip"))
    layout = base_layout(title, x_title="I(X;T) [bits]", y_title="I(T;Y) [bits]", height=height)
    layout["yaxis"] = dict(layout.get("yaxis", {}), range=[-0.05, float(h_y) + 0.08])
    return fast_figure(data, layout)


def bars_mi_figure(groups: Mapping[str, Sequence[float]], labels: Sequence[str], *, title: str | None = None,
                   y_title: str = "bits", height: int = 340) -> go.Figure:
    """Grouped bars: for each group (a name), one value per label."""
    data = [dict(type="bar", name=name, x=list(labels), y=compact(np.asarray(v, float)), marker=dict(color=color(i)))
            for i, (name, v) in enumerate(groups.items())]
    layout = base_layout(title, y_title=y_title, height=height)
    layout["barmode"] = "group"
    return fast_figure(data, layout)
