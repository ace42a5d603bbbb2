"""Figures of the implicit-bias page (pages/implicit_bias.py): the 2-D data with the SVM's and gradient descent's
separating lines, curves against iterations with theory curves (log axes), bar charts by method.

Numbers in, plotly figure out; all built in one ``Figure(data, layout)`` call (app.style.fast_figure) with float32
arrays (app.figures.common.compact), since the margin figures are redrawn in every live frame.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, decimate, positive
from app.style import base_layout, color, fast_figure

__all__ = ["margin_figure", "curves_figure", "bars_figure"]


def _line(direction: np.ndarray, r: float) -> tuple[list, list]:
    """The separating line {x : x . direction = 0} through the origin, clipped to radius ``r``."""
    d = np.asarray(direction, dtype=float)
    n = np.linalg.norm(d)
    if not np.isfinite(n) or n == 0:
        return [], []
    p = np.array([-d[1], d[0]]) / n
    return [float(-r * p[0]), float(r * p[0])], [float(-r * p[1]), float(r * p[1])]


def margin_figure(X: np.ndarray, y: np.ndarray, lines: Mapping[str, np.ndarray | None], *, title: str | None = None,
                  height: int = 420) -> go.Figure:
    """The points (label +1 / −1) and, per entry of ``lines``, the line through the origin orthogonal to that
    direction (its decision boundary), plus an arrow-like segment along the direction; the first entry dashed."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    r = float(np.max(np.abs(X))) * 1.15 if X.size else 3.0
    data = []
    for i, (lab, sym) in enumerate(((1, "circle"), (-1, "x"))):
        P = X[y == lab]
        data.append(dict(type="scatter", mode="markers", name=f"y = {lab:+d}", x=compact(P[:, 0]), y=compact(P[:, 1]),
                         marker=dict(color=color(i), size=7, symbol=sym), hoverinfo="x+y+name"))
    for j, (name, d) in enumerate(lines.items()):
        if d is None:
            continue
        lx, ly = _line(d, r)
        if not lx:
            continue
        c = "#444" if j == 0 else color(j + 1)
        dash = "dash" if j == 0 else "solid"
        u = np.asarray(d, dtype=float) / np.linalg.norm(d)
        data.append(dict(type="scatter", mode="lines", name=name, x=lx, y=ly, line=dict(color=c, width=2, dash=dash)))
        data.append(dict(type="scatter", mode="lines", name=name, showlegend=False, x=[0.0, float(0.5 * r * u[0])],
                         y=[0.0, float(0.5 * r * u[1])], line=dict(color=c, width=4, dash=dash), hoverinfo="skip"))
    layout = base_layout(title, x_title="x₁", y_title="x₂", height=height)
    layout["xaxis"] = dict(layout["xaxis"], range=[-r, r])
    layout["yaxis"] = dict(layout["yaxis"], range=[-r, r], scaleanchor="x", scaleratio=1)
    return fast_figure(data, layout)


def curves_figure(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], *,
                  theory: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
                  title: str | None = None, x_title: str = "iteration t", y_title: str | None = None,
                  log_x: bool = True, log_y: bool = True, markers: bool = False, height: int = 340) -> go.Figure:
    """Curves ``{name: (x, y)}`` (solid) and theory curves (dotted, grey shades), decimated to ≤ 300 points;
    non-positive values are dropped on a log axis."""
    data = []
    for i, (name, (x, y)) in enumerate(curves.items()):
        x, y = decimate(np.asarray(x, dtype=float), np.asarray(y, dtype=float), log=log_x)
        data.append(dict(type="scatter", mode="lines+markers" if markers else "lines", name=name, x=compact(x),
                         y=compact(positive(y) if log_y else y), line=dict(color=color(i), width=2),
                         marker=dict(size=6)))
    for j, (name, (x, y)) in enumerate((theory or {}).items()):
        x, y = decimate(np.asarray(x, dtype=float), np.asarray(y, dtype=float), log=log_x)
        data.append(dict(type="scatter", mode="lines", name=name, x=compact(x), y=compact(positive(y) if log_y else y),
                         line=dict(color=("#555", "#999", "#bbb")[j % 3], width=2, dash="dot")))
    layout = base_layout(title, x_title=x_title, y_title=y_title, log_x=log_x, log_y=log_y, height=height)
    return fast_figure(data, layout)


def bars_figure(values: Mapping[str, float], *, title: str | None = None, y_title: str | None = None,
                reference: float | None = None, reference_name: str = "", height: int = 320) -> go.Figure:
    """One bar per method (``{label: value}``; non-finite values drawn as 0 and labelled "–"), an optional dotted
    reference line (e.g. the true rank)."""
    names = list(values)
    v = np.array([values[k] for k in names], dtype=float)
    ok = np.isfinite(v)
    data = [dict(type="bar", x=names, y=compact(np.where(ok, v, 0.0)), marker=dict(color=[color(i) for i in
            range(len(names))]), text=[f"{x:.3g}" if f else "–" for x, f in zip(v, ok)], textposition="outside",
                 showlegend=False)]
    layout = base_layout(title, y_title=y_title, height=height)
    layout["xaxis"] = dict(layout["xaxis"], type="category")
    if reference is not None:
        layout["shapes"] = [dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=reference, y1=reference,
                                 line=dict(color="#555", dash="dot", width=1))]
        layout["annotations"] = [dict(xref="paper", x=1, y=reference, yref="y", text=reference_name, showarrow=False,
                                      xanchor="right", yanchor="bottom")]
    top = float(np.max(v[ok])) if ok.any() else 1.0
    layout["yaxis"] = dict(layout["yaxis"], range=[0, 1.2 * max(top, reference or 0.0, 1e-12)])
    return fast_figure(data, layout)
