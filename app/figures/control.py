"""Figures of the optimal control page (pages/optimal_control.py, sections "gradients" and "train"): the derivative
checks of the DTO and OTD gradients side by side, the OTD gradient error against the tolerance, and the phase plane
of the spiral fit (learned field, trajectories, data) redrawn in every live frame.

Numbers in, plotly figure out; built in one ``Figure(data, layout)`` call (app.style.fast_figure) with float32
arrays (app.figures.common.compact).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from app.figures.common import compact, positive
from app.style import BLACK, base_layout, color, fast_figure

__all__ = ["taylor_comparison_figure", "tolerance_figure", "phase_figure"]


def taylor_comparison_figure(h: Sequence[float], curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], *,
                             title: str | None = None, height: int = 400) -> go.Figure:
    """E0 (dotted) and E1 (solid) against h on log-log axes, one colour per gradient, with the slopes h and h²
    (grey, through the first curve's E1 at the largest h); h decreases to the right, as in the course."""
    h = np.asarray(h, dtype=float)
    data = []
    for i, (name, (e0, e1)) in enumerate(curves.items()):
        data.append(dict(type="scatter", x=compact(h), y=compact(positive(e1)), mode="lines+markers", name=f"E1 {name}",
                         line=dict(color=color(i), width=2), marker=dict(size=5)))
        data.append(dict(type="scatter", x=compact(h), y=compact(positive(e0)), mode="lines", name=f"E0 {name}",
                         line=dict(color=color(i), width=1.5, dash="dot")))
    first = next(iter(curves.values()), None)
    if first is not None and h.size:
        e = positive(first[1])
        j = int(np.flatnonzero(np.isfinite(e))[0]) if np.any(np.isfinite(e)) else None
        for p, dash in ((1, "dash"), (2, "dashdot")):
            if j is not None:
                ref = e[j] * (h / h[j]) ** p
                data.append(dict(type="scatter", x=compact(h), y=compact(positive(ref)), mode="lines",
                                 name=f"slope {p}: O(h{'²' if p == 2 else ''})", hoverinfo="skip",
                                 line=dict(color="#999", width=1, dash=dash)))
    layout = base_layout(title, x_title="h", y_title="error", log_x=True, log_y=True, height=height)
    layout["xaxis"]["autorange"] = "reversed"
    layout["legend"] = dict(layout["legend"], y=-0.2)
    return fast_figure(data, layout)


def tolerance_figure(tols: Sequence[float], errors: Sequence[float], nfev: Sequence[int], *, dto_error: float,
                     dto_label: str = "DTO (RK4)", current: float | None = None, title: str | None = None,
                     height: int = 360) -> go.Figure:
    """The relative error of the OTD gradient against the tolerance (log-log; the field evaluations in the hover), the
    DTO gradient's distance to the continuous gradient as a dashed line, and the chosen tolerance as a dotted one."""
    tols = np.asarray(tols, dtype=float)
    data = [dict(type="scatter", x=compact(tols), y=compact(positive(errors)), mode="lines+markers",
                 name="OTD: ‖g − g*‖ / ‖g*‖", line=dict(color=color(1), width=2), marker=dict(size=6),
                 customdata=np.asarray(nfev, dtype=np.int32), hovertemplate="rtol %{x:.0e}: error %{y:.2e}, "
                 "%{customdata} field evaluations<extra></extra>"),
            dict(type="scatter", x=compact(tols[[0, -1]]), y=compact(positive([dto_error, dto_error])), mode="lines",
                 name=f"{dto_label}: ‖g − g*‖ / ‖g*‖", line=dict(color=color(0), width=2, dash="dash"))]
    layout = base_layout(title, x_title="tolerance rtol (atol = rtol / 100)", y_title="relative gradient error",
                         log_x=True, log_y=True, height=height)
    layout["xaxis"]["autorange"] = "reversed"
    layout["legend"] = dict(layout["legend"], y=-0.24)  # below the axis title
    if current is not None and current > 0:
        layout["shapes"] = [dict(type="line", xref="x", yref="paper", x0=current, x1=current, y0=0, y1=1,
                                 line=dict(color="#888", dash="dot", width=1))]
    return fast_figure(data, layout)


def phase_figure(gx: Sequence[float], gy: Sequence[float], U: np.ndarray, V: np.ndarray, truth: np.ndarray,
                 data_points: np.ndarray, paths: Mapping[str, np.ndarray], *, field_name: str = "",
                 title: str | None = None, height: int = 460) -> go.Figure:
    """The phase plane: a field as arrows on a grid (direction only, equal length), the true trajectory (grey), the
    observations (black dots) and each model's trajectory (a colour per name).

    Parameters
    ----------
    gx, gy : 1-D arrays
        Grid coordinates; ``U[j, i], V[j, i]`` is the field at ``(gx[i], gy[j])``.
    truth : ndarray, shape (m, 2)
        The true trajectory, finely sampled.
    data_points : ndarray, shape (n, 2)
    paths : {name: ndarray of shape (k, 2)}
        Model trajectories (non-finite points are left out).
    """
    gx, gy = np.asarray(gx, dtype=float), np.asarray(gy, dtype=float)
    X, Y = np.meshgrid(gx, gy)
    U, V = np.asarray(U, dtype=float), np.asarray(V, dtype=float)
    norm = np.hypot(U, V)
    ok = np.isfinite(norm) & (norm > 0)
    step = 0.4 * min(np.ptp(gx) / max(gx.size - 1, 1), np.ptp(gy) / max(gy.size - 1, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        dx, dy = np.where(ok, step * U / norm, 0.0), np.where(ok, step * V / norm, 0.0)
    x0, y0, x1, y1 = (X - dx)[ok], (Y - dy)[ok], (X + dx)[ok], (Y + dy)[ok]
    nan = np.full(x0.size, np.nan)
    seg_x = np.column_stack([x0, x1, nan]).ravel()
    seg_y = np.column_stack([y0, y1, nan]).ravel()
    angle = np.degrees(np.arctan2(dx[ok], dy[ok]))  # clockwise from "up", the orientation of the "arrow" marker
    arrows = "#9aa5b1"
    data = [dict(type="scatter", x=compact(seg_x), y=compact(seg_y), mode="lines", name=f"field {field_name}".strip(),
                 line=dict(color=arrows, width=1), hoverinfo="skip", legendgroup="field"),
            dict(type="scatter", x=compact(x1), y=compact(y1), mode="markers", showlegend=False, hoverinfo="skip",
                 legendgroup="field", marker=dict(symbol="arrow", size=7, angle=compact(angle), color=arrows)),
            dict(type="scatter", x=compact(truth[:, 0]), y=compact(truth[:, 1]), mode="lines", name="true y(t)",
                 line=dict(color="#666", width=2, dash="dot"))]
    for i, (name, P) in enumerate(paths.items()):
        P = np.asarray(P, dtype=float)
        P = P[np.all(np.isfinite(P), axis=1) & np.all(np.abs(P) < 1e6, axis=1)]
        data.append(dict(type="scatter", x=compact(P[:, 0]), y=compact(P[:, 1]), mode="lines+markers", name=name,
                         line=dict(color=color(i), width=2), marker=dict(size=4)))
    data.append(dict(type="scatter", x=compact(data_points[:, 0]), y=compact(data_points[:, 1]), mode="markers",
                     name="data (30 points)", marker=dict(color=BLACK, size=6)))
    layout = base_layout(title, x_title="y₁", y_title="y₂", height=height)
    layout["xaxis"].update(range=[float(gx[0]), float(gx[-1])], zeroline=False, constrain="domain")
    layout["yaxis"].update(range=[float(gy[0]), float(gy[-1])], zeroline=False, scaleanchor="x", scaleratio=1,
                           constrain="domain")
    layout["legend"] = dict(layout["legend"], y=-0.18)  # below the axis title
    return fast_figure(data, layout)
