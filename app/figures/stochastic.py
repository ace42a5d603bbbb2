"""Figures of the stochastic-optimization section of the single-layer page (numbers in, plotly figure out).

Every curve is an optimality gap f(θ) − f* against work in passes over the data, on log-log axes, drawn with
:func:`app.figures.common.convergence_figure` (decimated, float32 on the wire).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, convergence_figure, positive
from app.style import base_layout, color, fast_figure

__all__ = ["saa_sa_figure", "step_sizes_figure", "gap_figure", "spectra_figure"]

GAP = "gap f(θ) − f*"


def saa_sa_figure(sizes: Sequence[int], saa_work: Sequence, saa_gaps: Sequence, sa_work, sa_gaps, *, lr: float,
                  n: int, height: int = 380) -> go.Figure:
    """SAA (CG on a sample of each size; the last size is n: CG on all data) and SA (SGD) against work."""
    series = {(f"CG on all n = {s}" if s == n else f"SAA |S| = {s} (CG)"): (w, g)
              for s, w, g in zip(sizes, saa_work, saa_gaps)}
    series[f"SA: SGD, η = {lr:g}"] = (sa_work, sa_gaps)
    return convergence_figure(series, x="work", log_x=True, y_title=GAP, height=height,
                              title="Sample average approximation vs stochastic approximation")


def step_sizes_figure(labels: Sequence[str], work, gaps, floors: Sequence[float], *, height: int = 380) -> go.Figure:
    """SGD with constant steps and a decaying schedule; dashed lines: the floors (mean over the last half)."""
    gaps = np.asarray(gaps, dtype=float)
    series = {lab: (work, gaps[:, i]) for i, lab in enumerate(labels)}
    w = np.asarray(work, dtype=float)
    half = w[w >= w[-1] / 2]
    theory = {f"floor {lab}": ([half[0], half[-1]], [f, f]) for lab, f in zip(labels, floors)}
    return convergence_figure(series, x="work", log_x=True, y_title=GAP, theory=theory, height=height,
                              title="Constant steps stall at a floor ∝ η; a decaying step keeps going")


def gap_figure(histories: Mapping[str, Mapping[str, Sequence[float]]], *, events: Sequence = (),
               diverged: Mapping[str, bool] | None = None, height: int = 380, max_points: int = 200) -> go.Figure:
    """A live run: the gap of every series against work (log-log)."""
    series = {n: (h["work"], h["gap"]) for n, h in histories.items()}
    return convergence_figure(series, x="work", log_x=True, y_title=GAP, diverged=diverged, height=height,
                              max_points=max_points, title="Gap against work (live)")


def spectra_figure(kinds: Sequence[str], eigenvalues: Sequence, kappas: Sequence[float], *,
                   height: int = 360) -> go.Figure:
    """The eigenvalues of H = AᵀA/n for each preprocessing (log scale), κ in the labels."""
    data = []
    for i, (k, ev, kap) in enumerate(zip(kinds, eigenvalues, kappas)):
        ev = positive(ev)
        data.append(dict(type="scatter", x=[f"{k}<br>κ = {kap:.3g}"] * ev.size, y=compact(ev), mode="markers",
                         name=k, marker=dict(color=color(i), size=11, symbol="line-ew-open", line=dict(width=3)),
                         showlegend=False))
    layout = base_layout("Eigenvalues of the Hessian H = AᵀA/n", y_title="eigenvalue", log_y=True, height=height)
    return fast_figure(data, layout)
