"""Figures of the dropout page (pages/dropout.py): the Monte Carlo estimate of the expected dropout loss with its
±3 standard-error band, weights side by side, singular values and column products of a factorization over training,
and train / test curves and fitted functions of a small network.

Numbers in, plotly figure out; all are redrawn in live frames, so each is one ``Figure(data, layout)`` call
(app.style.fast_figure) with float32 arrays (app.figures.common.compact) and decimated histories.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, decimate, positive
from app.style import base_layout, color, fast_figure

__all__ = ["monte_carlo_figure", "weights_figure", "singular_values_figure", "products_figure",
           "train_test_figure", "fit_figure"]

MAX_POINTS = 120  # points per curve in a live frame (frames <= 20 KB)
FIT_POINTS = 80
CURVE_POINTS = 80  # per curve of a figure with many (train / test curves, singular values)


def _legend_below(layout: dict) -> dict:
    """The legend below the x axis title (the default position overlaps it)."""
    layout["legend"] = dict(layout["legend"], y=-0.24)
    return layout


def monte_carlo_figure(n_masks: Sequence[float], mean: Sequence[float], se: Sequence[float], closed: float, *,
                       title: str | None = None, height: int = 360) -> go.Figure:
    """The running mean of the dropout losses against the number of masks (log x), the band mean ± 3 standard
    errors, and the closed form as a dashed line."""
    n, m = decimate(np.asarray(n_masks, float), np.asarray(mean, float), MAX_POINTS, log=True)
    _, s = decimate(np.asarray(n_masks, float), np.asarray(se, float), MAX_POINTS, log=True)
    x = compact(n)
    data = [dict(type="scatter", mode="lines", x=x, y=compact(m + 3 * s), line=dict(width=0, color=color(0)),
                 showlegend=False, hoverinfo="skip"),
            dict(type="scatter", mode="lines", x=x, y=compact(m - 3 * s), line=dict(width=0, color=color(0)),
                 fill="tonexty", fillcolor="rgba(31,119,180,0.2)", name="mean ± 3 standard errors"),
            dict(type="scatter", mode="lines", x=x, y=compact(m), line=dict(color=color(0), width=2),
                 name="Monte Carlo mean"),
            dict(type="scatter", mode="lines", x=[float(n[0]) if n.size else 1.0, float(n[-1]) if n.size else 2.0],
                 y=[float(closed)] * 2, line=dict(color=color(1), width=2, dash="dash"), name="closed form")]
    layout = base_layout(title, x_title="masks drawn N", y_title="E‖y − X(m∘w)/p‖²", log_x=True, height=height)
    return fast_figure(data, _legend_below(layout))


def weights_figure(weights: Mapping[str, Sequence[float]], *, title: str | None = None,
                   height: int = 360) -> go.Figure:
    """Grouped bars: the entries w_j of each weight vector (feature j on the x axis)."""
    data = []
    for i, (name, w) in enumerate(weights.items()):
        w = np.asarray(w, float)
        data.append(dict(type="bar", name=name, x=list(range(1, w.size + 1)), y=compact(w),
                         marker=dict(color=color(i))))
    layout = base_layout(title, x_title="feature j (columns scaled 0.5 → 2)", y_title="w_j", height=height)
    layout["barmode"] = "group"
    layout["xaxis"] = dict(layout["xaxis"], dtick=1)
    return fast_figure(data, _legend_below(layout))


def singular_values_figure(iterations: Sequence[float], values: Mapping[str, Sequence[float]],
                           optimum: Sequence[float], *, title: str | None = None, height: int = 360) -> go.Figure:
    """Singular values σ_i of UVᵀ against the step (one line each, log y), the closed-form optimum dashed."""
    it = np.asarray(iterations, float)
    data = []
    for i, (name, v) in enumerate(values.items()):
        x, y = decimate(it, np.asarray(v, float), max(40, min(CURVE_POINTS, 480 // len(values))))
        data.append(dict(type="scatter", mode="lines", name=name, x=compact(x), y=compact(positive(y)),
                         line=dict(color=color(i), width=2)))
    x1 = float(it[-1]) if it.size and it[-1] > 0 else 1.0
    for i, o in enumerate(optimum):
        if o > 0:
            data.append(dict(type="scatter", mode="lines", x=[0.0, x1], y=[float(o)] * 2, showlegend=i == 0,
                             name="optimum (closed form)", line=dict(color="#555", width=1, dash="dash")))
    layout = base_layout(title, x_title="step", y_title="σ_i(UVᵀ)", log_y=True, height=height)
    return fast_figure(data, _legend_below(layout))


def products_figure(products: Mapping[str, Sequence[float]], *, title: str | None = None,
                    height: int = 360) -> go.Figure:
    """Grouped bars of the column products ‖u_i‖‖v_i‖ per series (equal bars: equalized factors)."""
    data = []
    for i, (name, v) in enumerate(products.items()):
        v = np.asarray(v, float)
        data.append(dict(type="bar", name=name, x=list(range(1, v.size + 1)), y=compact(np.nan_to_num(v)),
                         marker=dict(color=color(i))))
    layout = base_layout(title, x_title="column i", y_title="‖u_i‖ ‖v_i‖", height=height)
    layout["barmode"] = "group"
    layout["xaxis"] = dict(layout["xaxis"], dtick=1)
    return fast_figure(data, _legend_below(layout))


def train_test_figure(curves: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float]]], *,
                      floor: float | None = None, title: str | None = None, height: int = 360) -> go.Figure:
    """Training (solid) and test (dashed) mean squared error against the step, one colour per series (log y);
    ``floor`` (the noise variance) dotted."""
    data = []
    for i, (name, (it, train, test)) in enumerate(curves.items()):
        it = np.asarray(it, float)
        for kind, y, dash in (("train", train, "solid"), ("test", test, "dash")):
            x, y = decimate(it, np.asarray(y, float), CURVE_POINTS)
            data.append(dict(type="scatter", mode="lines", name=f"{name}: {kind}", x=compact(x),
                             y=compact(positive(y)), line=dict(color=color(i), width=2, dash=dash)))
    layout = base_layout(title, x_title="Adam step", y_title="mean squared error", log_y=True, height=height)
    if floor is not None and floor > 0:
        layout["shapes"] = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=floor, y1=floor,
                                 line=dict(color="#888", dash="dot", width=1))]
    return fast_figure(data, _legend_below(layout))


def fit_figure(x: Sequence[float], y: Sequence[float], grid: Sequence[float], truth: Sequence[float],
               predictions: Mapping[str, Sequence[float]], *, title: str | None = None,
               height: int = 360) -> go.Figure:
    """The training points, the true function (dotted) and each series' network on the grid (at most
    ``FIT_POINTS`` grid points)."""
    step = max(1, int(np.ceil(len(grid) / FIT_POINTS)))
    grid, truth = np.asarray(grid, float)[::step], np.asarray(truth, float)[::step]
    predictions = {k: np.asarray(v, float)[::step] for k, v in predictions.items()}
    data = [dict(type="scatter", mode="markers", name="training data", x=compact(x), y=compact(y),
                 marker=dict(color="#222", size=7)),
            dict(type="scatter", mode="lines", name="truth", x=compact(grid), y=compact(truth),
                 line=dict(color="#888", dash="dot", width=2))]
    for i, (name, f) in enumerate(predictions.items()):
        data.append(dict(type="scatter", mode="lines", name=name, x=compact(grid), y=compact(f),
                         line=dict(color=color(i), width=2)))
    layout = base_layout(title, x_title="x", y_title="f(x)", height=height)
    layout["yaxis"] = dict(layout["yaxis"], range=[-2.5, 2.5])
    return fast_figure(data, _legend_below(layout))
