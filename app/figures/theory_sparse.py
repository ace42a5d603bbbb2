"""Figures of the sparse-coding page (pages/sparse_coding.py): soft thresholding as two ReLUs, true and estimated
sparse codes, signals and their reconstructions, and a mosaic of dictionary atoms. Numbers in, plotly figure out;
all static (the live sections draw with :func:`app.figures.common.convergence_figure`)."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact
from app.style import DIVERGING, base_layout, color

__all__ = ["threshold_figure", "codes_figure", "signals_figure", "atoms_figure"]

INSIDE = dict(x=1.0, xanchor="right", y=1.0, yanchor="top", bgcolor="rgba(255,255,255,0.75)", font=dict(size=11))


def threshold_figure(v: np.ndarray, lam: float, *, title: str | None = None, height: int = 340) -> go.Figure:
    """S_λ(v) with its two biased ReLUs relu(v − λ) and −relu(−v − λ), and the identity (dotted)."""
    v = np.asarray(v, dtype=float)
    pos, neg = np.maximum(v - lam, 0.0), -np.maximum(-v - lam, 0.0)
    data = [dict(type="scatter", x=compact(v), y=compact(v), mode="lines", name="identity",
                 line=dict(color="#999", dash="dot", width=1)),
            dict(type="scatter", x=compact(v), y=compact(pos), mode="lines", name="relu(v − λ)",
                 line=dict(color=color(1), dash="dash", width=2)),
            dict(type="scatter", x=compact(v), y=compact(neg), mode="lines", name="−relu(−v − λ)",
                 line=dict(color=color(2), dash="dash", width=2)),
            dict(type="scatter", x=compact(v), y=compact(pos + neg), mode="lines", name="S_λ(v) = sum",
                 line=dict(color=color(0), width=3))]
    return go.Figure(data=data, layout=base_layout(title, x_title="v", y_title="output", height=height))


def codes_figure(true: np.ndarray, estimate: np.ndarray, *, title: str | None = None, x_title: str = "entry",
                 height: int = 300) -> go.Figure:
    """A sparse code and its estimate: the nonzero entries as circles (true) and crosses (estimate)."""
    true, estimate = np.asarray(true, dtype=float).ravel(), np.asarray(estimate, dtype=float).ravel()
    data = []
    for i, (name, c, sym) in enumerate((("true", true, "circle-open"), ("estimate", estimate, "x"))):
        nz = np.nonzero(c)[0]
        data.append(dict(type="scatter", x=nz, y=compact(c[nz]), mode="markers", name=f"{name} ({nz.size} nonzero)",
                         marker=dict(color=color(i), symbol=sym, size=9 if i == 0 else 7)))
    layout = base_layout(title, x_title=x_title, y_title="value", height=height)
    layout["xaxis"]["range"] = [-1, max(true.size, estimate.size)]
    layout["legend"] = INSIDE
    return go.Figure(data=data, layout=layout)


def signals_figure(curves: Mapping[str, Sequence[float]], *, title: str | None = None, x_title: str = "position",
                   dashed: Sequence[str] = (), height: int = 320) -> go.Figure:
    """Signals on a common grid 0..n−1, one colour each (the names in ``dashed`` dashed)."""
    data = [dict(type="scatter", y=compact(y), mode="lines", name=name,
                 line=dict(color=color(i), width=2, dash="dash" if name in dashed else "solid"))
            for i, (name, y) in enumerate(curves.items())]
    layout = base_layout(title, x_title=x_title, height=height)
    layout["legend"] = INSIDE
    return go.Figure(data=data, layout=layout)


def atoms_figure(D: np.ndarray, side: int, *, columns: int = 8, title: str | None = None,
                 height: int | None = None) -> go.Figure:
    """The atoms (columns of D, each a side × side patch) as one mosaic, one-pixel gaps between them; each atom is
    scaled to its largest magnitude (red positive, blue negative)."""
    D = np.asarray(D, dtype=float)
    n = D.shape[1]
    cols = max(1, min(columns, n))
    rows = -(-n // cols)
    img = np.full((rows * (side + 1) - 1, cols * (side + 1) - 1), np.nan)
    for j in range(n):
        a = D[:, j].reshape(side, side)
        m = np.max(np.abs(a)) or 1.0
        r, c = divmod(j, cols)
        img[r * (side + 1):r * (side + 1) + side, c * (side + 1):c * (side + 1) + side] = a / m
    layout = base_layout(title, height=height or int(60 + 300 * rows / cols + 40))
    layout["xaxis"].update(visible=False)
    layout["yaxis"].update(visible=False, autorange="reversed", scaleanchor="x")
    data = [dict(type="heatmap", z=compact(img), zmin=-1, zmax=1, colorscale=DIVERGING, reversescale=True,
                 showscale=False, hoverinfo="skip")]
    return go.Figure(data=data, layout=layout)
