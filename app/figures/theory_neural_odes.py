"""Figures of the dynamic-view page (pages/neural_odes.py): NFE against tolerance, accuracy under input noise,
1-D trajectories (the non-crossing property) and the deep-limit error against depth. Numbers in, plotly figure
out; none is redrawn in live frames (the live run uses app.figures.common.convergence_figure)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.style import base_layout, color

__all__ = ["nfe_tolerance_figure", "noise_figure", "trajectories_figure", "deep_limit_figure"]


def nfe_tolerance_figure(tols: Sequence[float], nfe: Mapping[str, Sequence[float]], *, title: str | None = None,
                         height: int = 340) -> go.Figure:
    """NFE of the adaptive solve against the tolerance, log-log, one curve per field."""
    fig = go.Figure(layout=base_layout(title, x_title="tolerance rtol", y_title="NFE", log_x=True, height=height))
    for i, (name, v) in enumerate(nfe.items()):
        fig.add_scatter(x=list(map(float, tols)), y=list(map(float, v)), mode="lines+markers", name=name,
                        line=dict(color=color(i)))
    fig.update_yaxes(type="log")
    fig.update_xaxes(autorange="reversed")
    return fig


def noise_figure(sigmas: Sequence[float], acc: Mapping[str, Sequence[float]], *, title: str | None = None,
                 height: int = 340) -> go.Figure:
    """Accuracy against the input noise level, one curve per model."""
    fig = go.Figure(layout=base_layout(title, x_title="noise σ", y_title="accuracy", height=height))
    for i, (name, v) in enumerate(acc.items()):
        fig.add_scatter(x=list(map(float, sigmas)), y=list(map(float, v)), mode="lines+markers", name=name,
                        line=dict(color=color(i)))
    return fig


def trajectories_figure(curves: Mapping[str, tuple[Sequence[float], np.ndarray]], *, title: str | None = None,
                        height: int = 340) -> go.Figure:
    """1-D trajectories y(t) of two inputs: {name: (t, Y of shape (len(t), 2))}; dashed for the discrete net."""
    fig = go.Figure(layout=base_layout(title, x_title="t", y_title="y(t)", height=height))
    for i, (name, (t, Y)) in enumerate(curves.items()):
        Y = np.asarray(Y, float)
        for j in range(Y.shape[1]):
            fig.add_scatter(x=list(map(float, t)), y=Y[:, j].tolist(), mode="lines+markers" if i else "lines",
                            name=f"{name}, input {j + 1}", line=dict(color=color(j), dash="dash" if i else "solid"))
    return fig


def deep_limit_figure(N: Sequence[int], error: Sequence[float], *, title: str | None = None,
                      height: int = 340) -> go.Figure:
    """The ResNet's distance to the ODE flow against depth N, log-log, with a slope −1 guide."""
    N, e = np.asarray(N, float), np.asarray(error, float)
    fig = go.Figure(layout=base_layout(title, x_title="layers N (h = T/N)", y_title="max |Y_N − Y(T)|", log_x=True,
                                       height=height))
    fig.add_scatter(x=N.tolist(), y=e.tolist(), mode="lines+markers", name="ResNet (Euler)", line=dict(color=color(0)))
    if N.size:
        fig.add_scatter(x=N.tolist(), y=(e[0] * N[0] / N).tolist(), mode="lines", name="slope −1",
                        line=dict(color=color(1), dash="dash"))
    fig.update_yaxes(type="log")
    return fig
