"""Figures of the stability experiment on the residual-networks page (``numdl_core.resnet_stability``).

The misfit grids span many decades, so they are drawn as log10 values, quantized to uint8 levels 0..254 on a
range of whole decades (``app.figures.lstsq_tikhonov.quantize``; 255 marks a zero or missing value): a 101 x 101
grid costs about 14 KB of JSON instead of 80 KB of float64, and the colour bar is labelled in powers of ten.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, positive
from app.figures.lstsq_tikhonov import LEVELS, image_colorscale, quantize
from app.style import BLACK, VERMILLION, base_layout, color, fast_figure, new_figure

__all__ = ["decade_levels", "misfit_contours_figure", "gap_figure", "diagonal_figure"]

_TRUE = dict(symbol="circle", size=11, color=VERMILLION, line=dict(color="white", width=1.5))
_MIN = dict(symbol="star", size=17, color="white", line=dict(color=BLACK, width=1.5))


def decade_levels(values: Sequence[np.ndarray]) -> tuple[list[np.ndarray], float, float]:
    """log10 of ``values`` as uint8 levels on one range of whole decades ``[lo, hi]`` (non-positive values: 255).

    Returns
    -------
    levels : list of ndarray (uint8)
    lo, hi : float
        The decades at level 0 and level 254.
    """
    logs = [np.log10(positive(v)) for v in values]
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in logs]) if logs else np.empty(0)
    lo, hi = (math.floor(finite.min()), math.ceil(finite.max())) if finite.size else (0, 1)
    hi = max(hi, lo + 1)
    return [quantize(v, lo, hi) for v in logs], float(lo), float(hi)


def _colorbar(lo: float, hi: float, x: float, title: str) -> dict:
    step = max(1, int(math.ceil((hi - lo) / 8)))
    decades = np.arange(lo, hi + 0.5, step)
    return dict(x=x, len=0.9, thickness=12, title=dict(text=title, side="right"),
                tickvals=((decades - lo) / (hi - lo) * (LEVELS - 1)).tolist(),
                ticktext=[f"10<sup>{int(d)}</sup>" for d in decades])


def _axes(theta: np.ndarray, domain: Sequence[float], suffix: str) -> tuple[dict, dict]:
    rng = [float(theta[0]), float(theta[-1])]
    x = dict(domain=list(domain), range=rng, title=dict(text="θ₁"), constrain="domain",
             anchor=f"y{suffix}")
    y = dict(range=rng, title=dict(text="θ₂"), scaleanchor=f"x{suffix}", scaleratio=1, anchor=f"x{suffix}",
             constrain="domain")
    return x, y


def misfit_contours_figure(theta: np.ndarray, train: np.ndarray, test: np.ndarray, *,
                         theta_min: tuple[float, float], theta_true: tuple[float, float] = (1.0, 1.0),
                         n_contours: int = 30, title: str | None = None, height: int = 430) -> go.Figure:
    """Contours of the misfit on the training inputs (left) and on fresh inputs (right), one log10 colour scale.

    ``train[i2, i1]`` and ``test[i2, i1]`` are the misfits at ``(theta[i1], theta[i2])``. The grid minimizer of the
    training misfit (white star) and the parameters that made the targets (the course's red dot) are marked on
    both panels: where the star lands on the right panel shows whether the fit generalizes.
    """
    theta = np.asarray(theta, dtype=float)
    shape = (theta.size, theta.size)
    for name, F in (("train", train), ("test", test)):
        if np.shape(F) != shape:
            raise ValueError(f"{name} must have shape {shape}, got {np.shape(F)}")
    (zt, zs), lo, hi = decade_levels([train, test])
    cells = dict(x0=float(theta[0]), dx=float(theta[1] - theta[0]), y0=float(theta[0]), dy=float(theta[1] - theta[0]))
    data = []
    for k, (z, name) in enumerate(((zt, "training inputs"), (zs, "fresh inputs"))):
        s = "" if k == 0 else "2"
        data.append(dict(type="contour", z=z, **cells, zmin=0, zmax=LEVELS, autocontour=False,
                         contours=dict(start=0, end=LEVELS - 1, size=(LEVELS - 1) / n_contours, coloring="heatmap",
                                       showlines=True),
                         line=dict(width=0.5, color="rgba(255,255,255,0.5)"), colorscale=image_colorscale(),
                         showscale=k == 1, colorbar=_colorbar(lo, hi, 1.01, "misfit"), xaxis=f"x{s}", yaxis=f"y{s}",
                         name=name, hovertemplate="θ₁=%{x:.3f}, θ₂=%{y:.3f}<extra>" + name + "</extra>"))
        data.append(dict(type="scatter", x=[theta_min[0]], y=[theta_min[1]], mode="markers", marker=_MIN,
                         name=f"minimizer of the training misfit ({theta_min[0]:.3g}, {theta_min[1]:.3g})",
                         legendgroup="min", showlegend=k == 0, xaxis=f"x{s}", yaxis=f"y{s}", cliponaxis=False,
                         hovertemplate="minimizer θ = (%{x:.3f}, %{y:.3f})<extra></extra>"))
        data.append(dict(type="scatter", x=[theta_true[0]], y=[theta_true[1]], mode="markers", marker=_TRUE,
                         name=f"θ = ({theta_true[0]:g}, {theta_true[1]:g}) of the targets", legendgroup="true",
                         showlegend=k == 0, xaxis=f"x{s}", yaxis=f"y{s}",
                         hovertemplate="targets' θ = (%{x}, %{y})<extra></extra>"))
    layout = base_layout(title, height=height)
    layout["xaxis"], layout["yaxis"] = _axes(theta, [0.0, 0.43], "")
    layout["xaxis2"], layout["yaxis2"] = _axes(theta, [0.52, 0.95], "2")
    layout["annotations"] = [dict(text=t, x=x, y=1.0, xref="paper", yref="paper", xanchor="center", yanchor="bottom",
                                  showarrow=False, font=dict(size=13))
                             for t, x in (("misfit on the training inputs", 0.215), ("misfit on fresh inputs", 0.735))]
    layout["margin"] = dict(l=60, r=20, t=70 if title else 40, b=50)
    layout["legend"] = dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0)
    return fast_figure(data, layout)


def gap_figure(theta: np.ndarray, train: np.ndarray, test: np.ndarray, *, title: str | None = None,
               height: int = 360) -> go.Figure:
    """The course's "abs. diff" image: ``|train - test|`` over the grid on a log10 scale (uint8 levels)."""
    theta = np.asarray(theta, dtype=float)
    diff = np.abs(np.asarray(train, dtype=float) - np.asarray(test, dtype=float))
    if diff.shape != (theta.size, theta.size):
        raise ValueError(f"train and test must have shape {(theta.size, theta.size)}, got {diff.shape}")
    (z,), lo, hi = decade_levels([diff])
    d = float(theta[1] - theta[0])
    data = [dict(type="heatmap", z=z, x0=float(theta[0]), dx=d, y0=float(theta[0]), dy=d, zmin=0, zmax=LEVELS,
                 colorscale=image_colorscale(), colorbar=_colorbar(lo, hi, 1.02, "|train − test|"),
                 hovertemplate="θ₁=%{x:.3f}, θ₂=%{y:.3f}<extra></extra>", name="|train − test|")]
    layout = base_layout(title, height=height)
    layout["xaxis"], layout["yaxis"] = _axes(theta, [0.0, 1.0], "")
    return fast_figure(data, layout)


def diagonal_figure(t: np.ndarray, train: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray], *,
                    theta_true: float = 1.0, title: str | None = None, height: int = 360) -> go.Figure:
    """The misfit along the diagonal θ₁ = θ₂ = t for several networks: training (solid) and fresh inputs (dotted,
    not in the legend) on a log axis, one colour per network; the targets' parameter as a vertical line."""
    fig = new_figure(title, x_title="θ₁ = θ₂", y_title="misfit", log_y=True, height=height)
    t = compact(t)
    for i, name in enumerate(train):
        fig.add_trace(go.Scatter(x=t, y=compact(positive(train[name])), mode="lines", name=name,
                                 line=dict(color=color(i), width=2), legendgroup=name,
                                 hovertemplate="t=%{x:.3f}: %{y:.3g}<extra>" + name + ", training</extra>"))
        fig.add_trace(go.Scatter(x=t, y=compact(positive(test[name])), mode="lines", name=f"{name}: fresh inputs",
                                 line=dict(color=color(i), width=2, dash="dot"), legendgroup=name, showlegend=False,
                                 hovertemplate="t=%{x:.3f}: %{y:.3g}<extra>" + name + ", fresh inputs</extra>"))
    fig.add_vline(x=float(theta_true), line=dict(color=VERMILLION, dash="dash", width=1))
    fig.update_layout(legend=dict(orientation="v", x=0.99, xanchor="right", y=0.02, yanchor="bottom",
                                  bgcolor="rgba(255,255,255,0.8)"))
    return fig
