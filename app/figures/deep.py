"""Figures of the deep networks page (pages/deep_networks.py): norms through depth, per-layer gradient norms (redrawn
in every live frame), plain vs ResNet misfit along a line and histograms of gradient entries.

Numbers in, plotly figure out; the live ones are built in one ``Figure(data, layout)`` call (app.style.fast_figure)
with float32 arrays (app.figures.common.compact).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, positive
from app.style import base_layout, color, fast_figure

__all__ = ["depth_curves_figure", "layer_gradients_figure", "line_misfit_figure", "gradient_histogram_figure"]


def depth_curves_figure(curves: Mapping[str, Sequence[float]], *, title: str | None = None,
                        y_title: str = "‖y_j‖ / ‖y_0‖", x_title: str = "layer j", reference: float | None = 1.0,
                        height: int = 360) -> go.Figure:
    """Ratios against layer index, one line per label, log y axis; a dotted line at ``reference`` (e.g. 1)."""
    data = []
    for i, (name, y) in enumerate(curves.items()):
        y = positive(np.asarray(y, dtype=float))
        data.append(dict(type="scatter", mode="lines+markers", name=name, x=compact(np.arange(y.size)),
                         y=compact(y), line=dict(color=color(i), width=2), marker=dict(size=4)))
    layout = base_layout(title, x_title=x_title, y_title=y_title, log_y=True, height=height)
    if reference is not None:
        layout["shapes"] = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=reference, y1=reference,
                                 line=dict(color="#888", dash="dot", width=1))]
    return fast_figure(data, layout)


def layer_gradients_figure(norms: Mapping[str, Sequence[float]], *, title: str | None = None,
                           height: int = 360) -> go.Figure:
    """Per-layer gradient norms ‖∇K_j f‖ (layers 1..L, then the output layer W), one line per label (e.g. a
    solver at iteration 0 and now), log y axis: vanishing gradients fall towards layer 1, exploding ones rise."""
    data = []
    for i, (name, y) in enumerate(norms.items()):
        y = positive(np.asarray(y, dtype=float))
        dash = "dot" if "start" in name else "solid"
        data.append(dict(type="scatter", mode="lines+markers", name=name, x=compact(np.arange(1, y.size + 1)),
                         y=compact(y), line=dict(color=color(i // 2 if len(norms) > 1 else 0), width=2, dash=dash),
                         marker=dict(size=4)))
    layout = base_layout(title, x_title="layer (last point: output layer W)", y_title="‖∇K_j f‖_F", log_y=True,
                         height=height)
    if max((len(y) for y in norms.values()), default=0) <= 15:
        layout["xaxis"]["dtick"] = 1  # integer layer numbers (plotly picks whole steps for deeper nets)
    layout["legend"] = dict(layout["legend"], y=-0.24)  # below the axis title
    return fast_figure(data, layout)


def line_misfit_figure(t: Sequence[float], losses: Mapping[str, Sequence[float]], *, title: str | None = None,
                       height: int = 340) -> go.Figure:
    """The misfit φ(t) along the line through the target weights (t = 0) and the random ones (t = 1)."""
    data = [dict(type="scatter", mode="lines", name=name, x=compact(t), y=compact(y),
                 line=dict(color=color(i), width=2))
            for i, (name, y) in enumerate(losses.items())]
    layout = base_layout(title, x_title="t", y_title="‖F(θ(t)) − C‖ / ‖C‖", height=height)
    return fast_figure(data, layout)


def gradient_histogram_figure(entries: Sequence[float], *, name: str, i: int = 0, bins: int = 60,
                              title: str | None = None, height: int = 340) -> go.Figure:
    """Histogram of the entries of a gradient (counts in ``bins`` equal bins, sent as bars)."""
    g = np.asarray(entries, dtype=float)
    g = g[np.isfinite(g)]
    lim = float(np.max(np.abs(g))) if g.size and np.max(np.abs(g)) > 0 else 1.0
    counts, edges = np.histogram(g, bins=bins, range=(-lim, lim))
    data = [dict(type="bar", name=name, x=compact(0.5 * (edges[1:] + edges[:-1])), y=counts.tolist(),
                 marker=dict(color=color(i)), width=float(edges[1] - edges[0]))]
    layout = base_layout(title, x_title="gradient entry", y_title="count", height=height)
    layout["bargap"] = 0.0
    return fast_figure(data, layout)
